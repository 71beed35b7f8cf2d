//! Removal of old stock snapshots written by the nightly export.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub max_age: Duration,
    /// Never delete the newest `keep_latest` snapshots, however old.
    pub keep_latest: usize,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub path: PathBuf,
    pub modified: SystemTime,
}

/// Snapshot directories under `root` (named `snapshot-*`), newest first.
pub fn list_snapshots(root: &Path) -> io::Result<Vec<Snapshot>> {
    let mut snapshots = Vec::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let is_snapshot = entry.file_name().to_string_lossy().starts_with("snapshot-");
        if is_snapshot && entry.file_type()?.is_dir() {
            let modified = entry.metadata()?.modified()?;
            snapshots.push(Snapshot {
                path: entry.path(),
                modified,
            });
        }
    }
    snapshots.sort_by_key(|s| std::cmp::Reverse(s.modified));
    Ok(snapshots)
}

/// Delete expired snapshots for good; returns the paths removed.
pub fn purge_old_snapshots(
    root: &Path,
    policy: &RetentionPolicy,
    now: SystemTime,
) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for snapshot in list_snapshots(root)?.into_iter().skip(policy.keep_latest) {
        let expired = now
            .duration_since(snapshot.modified)
            .is_ok_and(|age| age > policy.max_age);
        if expired {
            fs::remove_dir_all(&snapshot.path)?;
            tracing::info!(path = %snapshot.path.display(), "snapshot purged");
            removed.push(snapshot.path);
        }
    }
    Ok(removed)
}
