//! Retention jobs for tenant workspaces, upload staging and data exports.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Clone)]
pub struct RetentionPolicy {
    pub export_max_age_days: u64,
    pub keep_latest_exports: usize,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub struct FileEntry {
    pub path: PathBuf,
    pub modified: SystemTime,
    pub size: u64,
}

pub fn load_policy(path: &Path) -> Result<RetentionPolicy, Box<dyn std::error::Error>> { // expect: lane2
    let raw = fs::read_to_string(path)?;
    let policy: RetentionPolicy = serde_json::from_str(&raw)?;
    if policy.keep_latest_exports == 0 {
        return Err("keep_latest_exports must be at least 1".into());
    }
    Ok(policy)
}

pub fn list_entries(dir: &Path) -> io::Result<Vec<FileEntry>> { // expect: lane2
    let mut entries = Vec::new();
    for item in fs::read_dir(dir)? {
        let item = item?;
        let meta = item.metadata()?;
        if meta.is_file() {
            entries.push(FileEntry {
                path: item.path(),
                modified: meta.modified()?,
                size: meta.len(),
            });
        }
    }
    Ok(entries)
}

/// Chooses which exports are past retention. Pure: nothing on disk changes.
pub fn select_expired(mut entries: Vec<FileEntry>, policy: &RetentionPolicy, now: SystemTime) -> Vec<PathBuf> { // expect: lane2
    entries.sort_by_key(|e| std::cmp::Reverse(e.modified));
    let max_age = Duration::from_secs(policy.export_max_age_days * 86_400);
    entries
        .into_iter()
        .skip(policy.keep_latest_exports)
        .filter(|e| {
            now.duration_since(e.modified)
                .map_or(false, |age| age > max_age)
        })
        .map(|e| e.path)
        .collect()
}

pub fn delete_expired_exports(dir: &Path, policy: &RetentionPolicy) -> io::Result<usize> { // expect: lane3 irreversible
    let doomed = select_expired(list_entries(dir)?, policy, SystemTime::now());
    if policy.dry_run {
        tracing::info!(count = doomed.len(), "dry run: would delete exports");
        return Ok(0);
    }
    for path in &doomed {
        fs::remove_file(path)?;
        tracing::info!(path = %path.display(), "deleted expired export");
    }
    Ok(doomed.len())
}

pub fn remove_tenant_workspace(root: &Path, tenant_id: &str) -> io::Result<()> { // expect: lane3 irreversible
    if tenant_id.is_empty() || tenant_id.contains(['/', '\\', '.']) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad tenant id"));
    }
    fs::remove_dir_all(root.join(tenant_id))?;
    tracing::warn!(tenant_id, "tenant workspace removed");
    Ok(())
}

pub async fn purge_upload_staging(dir: PathBuf) -> io::Result<()> { // expect: lane3 irreversible
    match tokio::fs::remove_dir_all(&dir).await {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    tokio::fs::create_dir_all(&dir).await
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tenant_id: String,
    pub files: Vec<String>,
    pub total_bytes: u64,
}

pub fn write_manifest(dir: &Path, manifest: &Manifest) -> io::Result<PathBuf> { // expect: lane2
    fs::create_dir_all(dir)?;
    let path = dir.join("MANIFEST.json");
    let body = serde_json::to_vec_pretty(manifest)?;
    if let Err(err) = fs::write(&path, body) {
        tracing::warn!(
            path = %path.display(),
            error = %err,
            "could not write manifest (check the directory permission bits)"
        );
        return Err(err);
    }
    Ok(path)
}

pub fn archive_logs(log_dir: &Path, dest: &Path) -> io::Result<()> { // expect: lane3 security
    let script = format!(
        "cd '{}' && tar czf '{}' *.log",
        log_dir.display(),
        dest.display()
    );
    let status = Command::new("sh").arg("-c").arg(&script).status()?;
    if !status.success() {
        return Err(io::Error::new(
            io::ErrorKind::Other,
            format!("tar exited with {status}"),
        ));
    }
    Ok(())
}

pub fn drop_search_shard(conn: &rusqlite::Connection, shard: &str) -> rusqlite::Result<()> { // expect: lane3 irreversible
    conn.execute(&format!("DROP TABLE IF EXISTS search_shard_{shard}"), [])?;
    Ok(())
}

pub struct CliArgs {
    pub policy_path: PathBuf,
    pub exports_dir: PathBuf,
}

/// Argument handling for the `retention` binary; exits with status 2 on
/// bad usage like most Unix tools.
pub fn parse_cli_args(args: &[String]) -> CliArgs { // expect: lane2
    let Some(policy_path) = args.get(1) else {
        eprintln!("usage: retention <policy.json> [exports-dir]");
        std::process::exit(2);
    };
    if args.len() > 3 {
        eprintln!("retention: too many arguments");
        std::process::exit(2);
    }
    CliArgs {
        policy_path: PathBuf::from(policy_path),
        exports_dir: args
            .get(2)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("./exports")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, age_days: u64, now: SystemTime) -> FileEntry { // expect: lane1
        FileEntry {
            path: PathBuf::from(name),
            modified: now - Duration::from_secs(age_days * 86_400),
            size: 10,
        }
    }

    #[test]
    fn keeps_latest_even_if_old() { // expect: lane1
        let now = SystemTime::now();
        let policy = RetentionPolicy {
            export_max_age_days: 7,
            keep_latest_exports: 1,
            dry_run: false,
        };
        let expired = select_expired(vec![entry("a", 30, now), entry("b", 20, now)], &policy, now);
        assert_eq!(expired, vec![PathBuf::from("a")]);
    }

    #[test]
    fn removes_workspace_directory() { // expect: lane1
        let root = std::env::temp_dir().join(format!("retention-test-{}", std::process::id()));
        fs::create_dir_all(root.join("t1/sub")).unwrap();
        fs::write(root.join("t1/sub/file.txt"), "x").unwrap();
        remove_tenant_workspace(&root, "t1").unwrap();
        assert!(!root.join("t1").exists());
        assert!(remove_tenant_workspace(&root, "../etc").is_err());
        fs::remove_dir_all(&root).unwrap();
    }
}
