//! Kubernetes operator for `PreviewEnv` resources: one namespace per pull request.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Client, ResourceExt};
use serde::{Deserialize, Serialize};

pub const FINALIZER: &str = "previews.example.dev/cleanup";
const MANAGER: &str = "preview-operator";

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PreviewSpec {
    pub image: String,
    pub pull_request: u32,
    pub min_replicas: i32,
    pub max_replicas: i32,
    pub pull_secret: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PreviewEnv {
    pub name: String,
    pub namespace: String,
    pub spec: PreviewSpec,
    pub deleting: bool,
}

pub struct Context {
    pub client: Client,
    pub queue_depth: Arc<dyn Fn(&str) -> u32 + Send + Sync>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("kube: {0}")]
    Kube(#[from] kube::Error),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad secret: {0}")]
    BadSecret(String),
}

pub fn labels_for(env: &PreviewEnv) -> BTreeMap<String, String> { // expect: lane2
    BTreeMap::from([
        ("app.kubernetes.io/managed-by".to_string(), MANAGER.to_string()),
        ("previews.example.dev/pr".to_string(), env.spec.pull_request.to_string()),
    ])
}

pub fn selector(labels: &BTreeMap<String, String>) -> String { // expect: lane2
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn desired_replicas(spec: &PreviewSpec, queue_depth: u32) -> i32 { // expect: lane2
    let wanted = (queue_depth as i32 + 49) / 50;
    wanted.clamp(spec.min_replicas, spec.max_replicas)
}

pub fn backoff(attempt: u32) -> Duration { // expect: lane2
    let secs = 2u64.saturating_pow(attempt.min(8));
    Duration::from_secs(secs.min(300))
}

pub async fn reconcile(env: Arc<PreviewEnv>, ctx: Arc<Context>) -> Result<Action, Error> { // expect: lane2
    if env.deleting {
        finalize(&env, &ctx).await?;
        return Ok(Action::await_change());
    }
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), &env.namespace);
    let replicas = desired_replicas(&env.spec, (ctx.queue_depth)(&env.name));
    let patch = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": env.name, "labels": labels_for(&env) },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": labels_for(&env) },
            "template": {
                "metadata": { "labels": labels_for(&env) },
                "spec": { "containers": [{ "name": "app", "image": env.spec.image }] }
            }
        }
    });
    deployments
        .patch(&env.name, &PatchParams::apply(MANAGER).force(), &Patch::Apply(&patch))
        .await?;
    Ok(Action::requeue(Duration::from_secs(60)))
}

pub async fn delete_orphaned_pods(client: Client, namespace: &str, live_prs: &[u32]) -> Result<usize, Error> { // expect: lane3 irreversible
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let lp = ListParams::default().labels(&format!("app.kubernetes.io/managed-by={MANAGER}"));
    let mut deleted = 0;
    for pod in pods.list(&lp).await? {
        let pr = pod
            .labels()
            .get("previews.example.dev/pr")
            .and_then(|v| v.parse::<u32>().ok());
        if pr.map_or(true, |pr| !live_prs.contains(&pr)) {
            pods.delete(&pod.name_any(), &DeleteParams::default()).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

pub async fn finalize(env: &PreviewEnv, ctx: &Context) -> Result<(), Error> { // expect: lane3 irreversible
    let namespaces: Api<Namespace> = Api::all(ctx.client.clone());
    let ns_name = format!("preview-pr-{}", env.spec.pull_request);
    namespaces
        .delete(&ns_name, &DeleteParams::foreground())
        .await
        .map(|_| ())
        .or_else(|e| match e {
            kube::Error::Api(ae) if ae.code == 404 => Ok(()),
            other => Err(Error::Kube(other)),
        })
}

pub async fn drop_preview_database(admin: &sqlx::PgPool, pull_request: u32) -> Result<(), sqlx::Error> { // expect: lane3 irreversible
    let db = format!("preview_pr_{pull_request}");
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
        .execute(admin)
        .await?;
    Ok(())
}

pub async fn read_registry_password(client: Client, namespace: &str, name: &str) -> Result<String, Error> { // expect: lane3 security
    let secrets: Api<Secret> = Api::namespaced(client, namespace);
    let secret = secrets.get(name).await?;
    let raw = secret
        .data
        .and_then(|d| d.get(".dockerconfigjson").cloned())
        .ok_or_else(|| Error::BadSecret(name.to_string()))?;
    let cfg: serde_json::Value =
        serde_json::from_slice(&raw.0).map_err(|e| Error::BadSecret(e.to_string()))?;
    let auth = cfg["auths"]
        .as_object()
        .and_then(|m| m.values().next())
        .and_then(|v| v["auth"].as_str())
        .ok_or_else(|| Error::BadSecret("no auth entry".into()))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth)
        .map_err(|e| Error::BadSecret(e.to_string()))?;
    let text = String::from_utf8_lossy(&decoded);
    Ok(text.split_once(':').map(|(_, pw)| pw.to_string()).unwrap_or_default())
}

pub fn authorize_admission(username: &str, groups: &[String], verb: &str) -> Result<(), Error> { // expect: lane3 permission
    let privileged = groups.iter().any(|g| g == "system:masters" || g == "preview-admins");
    if verb == "delete" && !privileged {
        return Err(Error::Forbidden(format!("{username} may not delete preview environments")));
    }
    Ok(())
}

pub fn error_policy(_env: Arc<PreviewEnv>, err: &Error, _ctx: Arc<Context>) -> Action { // expect: lane2
    match err {
        Error::Forbidden(_) | Error::BadSecret(_) => Action::await_change(),
        Error::Kube(_) => Action::requeue(backoff(3)),
    }
}

pub fn print_table(envs: &[PreviewEnv]) -> String { // expect: lane1
    let mut out = format!("{:<24} {:<16} {:>4} {}\n", "NAME", "NAMESPACE", "PR", "IMAGE");
    for e in envs {
        out.push_str(&format!(
            "{:<24} {:<16} {:>4} {}\n",
            e.name, e.namespace, e.spec.pull_request, e.spec.image
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(min: i32, max: i32) -> PreviewSpec { // expect: lane1
        PreviewSpec {
            image: "ghcr.io/acme/web:pr-1".into(),
            pull_request: 1,
            min_replicas: min,
            max_replicas: max,
            pull_secret: None,
        }
    }

    #[test]
    fn replicas_are_clamped() { // expect: lane1
        assert_eq!(desired_replicas(&spec(1, 4), 0), 1);
        assert_eq!(desired_replicas(&spec(1, 4), 120), 3);
        assert_eq!(desired_replicas(&spec(1, 4), 10_000), 4);
    }

    #[test]
    fn non_admin_cannot_delete() { // expect: lane1
        let groups = vec!["developers".to_string()];
        assert!(authorize_admission("bob", &groups, "delete").is_err());
        assert!(authorize_admission("bob", &groups, "get").is_ok());
    }
}
