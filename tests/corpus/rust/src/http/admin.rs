//! Back-office API (actix-web). Mounted under /admin behind the VPN.

use std::process::Command;

use actix_web::{delete, get, post, web, HttpMessage, HttpRequest, HttpResponse, Responder};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::auth::session::Claims;
use crate::db::queries;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl PageQuery {
    pub fn limit(&self) -> i64 { // expect: lane2
        self.per_page.unwrap_or(50).clamp(1, 500)
    }

    pub fn offset(&self) -> i64 { // expect: lane2
        (self.page.unwrap_or(1).max(1) - 1) * self.limit()
    }
}

fn internal<E: std::fmt::Display>(err: E) -> actix_web::Error { // expect: lane2
    tracing::error!(error = %err, "admin handler failed");
    actix_web::error::ErrorInternalServerError("internal error")
}

fn require_admin(req: &HttpRequest) -> Result<Claims, actix_web::Error> { // expect: lane3 permission
    let claims = req
        .extensions()
        .get::<Claims>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorUnauthorized("missing credentials"))?;
    if claims.role != "admin" {
        tracing::warn!(sub = %claims.sub, path = %req.path(), "admin route refused");
        return Err(actix_web::error::ErrorForbidden("admin role required"));
    }
    Ok(claims)
}

#[get("/users")]
async fn list_users( // expect: lane3 permission
    req: HttpRequest,
    pool: web::Data<PgPool>,
    query: web::Query<PageQuery>,
) -> actix_web::Result<HttpResponse> {
    require_admin(&req)?;
    let users = queries::list_users(&pool, query.limit(), query.offset())
        .await
        .map_err(internal)?;
    Ok(HttpResponse::Ok().json(users))
}

#[derive(Debug, Deserialize)]
pub struct RoleChange {
    pub role: String,
}

const ROLES: [&str; 4] = ["customer", "support", "moderator", "admin"];

#[post("/users/{id}/role")]
async fn change_role( // expect: lane3 permission
    req: HttpRequest,
    pool: web::Data<PgPool>,
    path: web::Path<i64>,
    body: web::Json<RoleChange>,
) -> actix_web::Result<HttpResponse> {
    let admin = require_admin(&req)?;
    let user_id = path.into_inner();
    if !ROLES.contains(&body.role.as_str()) {
        return Ok(HttpResponse::BadRequest().body("unknown role"));
    }
    sqlx::query!("UPDATE users SET role = $1 WHERE id = $2", body.role, user_id)
        .execute(pool.get_ref())
        .await
        .map_err(internal)?;
    let actor: i64 = admin.sub.parse().unwrap_or_default();
    queries::record_audit_event(&pool, actor, "role.change", &format!("user:{user_id}"))
        .await
        .map_err(internal)?;
    Ok(HttpResponse::NoContent().finish())
}

#[delete("/users/{id}")]
async fn delete_user( // expect: lane3 irreversible
    req: HttpRequest,
    pool: web::Data<PgPool>,
    path: web::Path<i64>,
) -> actix_web::Result<HttpResponse> {
    require_admin(&req)?;
    let user_id = path.into_inner();
    let mut tx = pool.begin().await.map_err(internal)?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    tracing::info!(user_id, "user account deleted by admin");
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, sqlx::FromRow)]
struct ExportedProfile {
    email: String,
    full_name: Option<String>,
    date_of_birth: Option<chrono::NaiveDate>,
    phone: Option<String>,
    shipping_address: Option<String>,
}

/// Subject access request: everything we hold about one person, as JSON.
#[get("/users/{id}/export")]
async fn export_user_data( // expect: lane3 compliance
    req: HttpRequest,
    pool: web::Data<PgPool>,
    path: web::Path<i64>,
) -> actix_web::Result<HttpResponse> {
    require_admin(&req)?;
    let user_id = path.into_inner();
    let profile = sqlx::query_as::<_, ExportedProfile>(
        "SELECT email, full_name, date_of_birth, phone, shipping_address FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool.get_ref())
    .await
    .map_err(internal)?;
    let Some(profile) = profile else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let orders = queries::orders_for_export(&pool, user_id)
        .await
        .map_err(internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"user-{user_id}-export.json\""),
        ))
        .json(serde_json::json!({ "profile": profile, "orders": orders })))
}

#[derive(Debug, Deserialize)]
pub struct MaintenanceJob {
    pub script: String,
}

#[post("/maintenance/run")]
async fn run_maintenance( // expect: lane3 security
    req: HttpRequest,
    body: web::Json<MaintenanceJob>,
) -> actix_web::Result<HttpResponse> {
    let admin = require_admin(&req)?;
    tracing::warn!(sub = %admin.sub, script = %body.script, "running maintenance script");
    let output = Command::new("sh")
        .arg("-c")
        .arg(&body.script)
        .output()
        .map_err(internal)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "status": output.status.code(),
        "stdout": String::from_utf8_lossy(&output.stdout),
        "stderr": String::from_utf8_lossy(&output.stderr),
    })))
}

fn git_revision() -> Option<String> { // expect: lane3 security
    let out = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[derive(Serialize)]
struct BuildInfo {
    version: &'static str,
    revision: Option<String>,
}

#[get("/build")]
async fn build_info() -> impl Responder { // expect: lane2
    HttpResponse::Ok().json(BuildInfo {
        version: env!("CARGO_PKG_VERSION"),
        revision: git_revision(),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) { // expect: lane2
    cfg.service(
        web::scope("/admin")
            .service(list_users)
            .service(change_role)
            .service(delete_user)
            .service(export_user_data)
            .service(run_maintenance)
            .service(build_info),
    );
}
