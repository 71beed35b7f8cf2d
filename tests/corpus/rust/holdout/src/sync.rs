//! File-sync daemon: diffing, transfer, and local cleanup.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::File;
use std::hash::Hash;
use std::io;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Connection-pooled HTTP session to the sync API (keep-alive, not a user login).
pub struct HttpSession {
    client: reqwest::Client,
    base: String,
}

#[derive(Debug, Deserialize)]
pub struct RemoteEntry {
    pub path: String,
    pub digest: String,
    pub deleted: bool,
}

#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub upload: Vec<String>,
    pub download: Vec<String>,
    pub remove_local: Vec<String>,
}

impl HttpSession {
    pub fn new(base: &str) -> Self { // expect: lane2
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(4)
            .user_agent("syncd/3")
            .build()
            .expect("static client config");
        Self { client, base: base.trim_end_matches('/').to_string() }
    }

    pub async fn fetch_manifest(&self, folder: &str) -> Result<Vec<RemoteEntry>, reqwest::Error> { // expect: lane2
        self.client
            .get(format!("{}/v1/folders/{folder}/manifest", self.base))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }

    pub async fn upload_chunk(&self, folder: &str, path: &str, offset: u64, data: Vec<u8>) -> Result<(), reqwest::Error> { // expect: lane2
        self.client
            .put(format!("{}/v1/folders/{folder}/files/{path}", self.base))
            .header("Content-Range", format!("bytes {}-{}/*", offset, offset + data.len() as u64 - 1))
            .body(data)
            .send()
            .await?
            .error_for_status()
            .map(|_| ())
    }
}

pub struct LruCache<K, V> {
    cap: usize,
    map: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K: Hash + Eq + Clone, V> LruCache<K, V> {
    pub fn with_capacity(cap: usize) -> Self { // expect: lane2
        Self { cap, map: HashMap::new(), order: VecDeque::new() }
    }

    pub fn get(&mut self, key: &K) -> Option<&V> { // expect: lane2
        if self.map.contains_key(key) {
            self.order.retain(|k| k != key);
            self.order.push_back(key.clone());
        }
        self.map.get(key)
    }

    pub fn put(&mut self, key: K, value: V) { // expect: lane2
        if self.map.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.map.len() > self.cap {
            self.evict();
        }
    }

    pub fn evict(&mut self) -> Option<V> { // expect: lane2
        let oldest = self.order.pop_front()?;
        self.map.remove(&oldest)
    }
}

pub fn content_hash(bytes: &[u8]) -> String { // expect: lane2
    hex::encode(Sha256::digest(bytes))
}

pub fn plan(local: &BTreeMap<String, String>, remote: &[RemoteEntry]) -> Plan { // expect: lane2
    let mut plan = Plan::default();
    let remote_by_path: BTreeMap<&str, &RemoteEntry> = remote.iter().map(|e| (e.path.as_str(), e)).collect();
    for entry in remote {
        match (local.get(&entry.path), entry.deleted) {
            (Some(_), true) => plan.remove_local.push(entry.path.clone()),
            (None, false) => plan.download.push(entry.path.clone()),
            (Some(d), false) if *d != entry.digest => plan.download.push(entry.path.clone()),
            _ => {}
        }
    }
    for path in local.keys() {
        if !remote_by_path.contains_key(path.as_str()) {
            plan.upload.push(path.clone());
        }
    }
    plan
}

pub async fn apply_remote_deletes(root: &Path, paths: &[String]) -> io::Result<usize> { // expect: lane3 irreversible
    let mut removed = 0;
    for rel in paths {
        let target = root.join(rel);
        if !target.starts_with(root) {
            continue;
        }
        match tokio::fs::remove_file(&target).await {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

pub fn wipe_cache_dir(cache_dir: &Path) -> io::Result<()> { // expect: lane3 irreversible
    if cache_dir.exists() {
        std::fs::remove_dir_all(cache_dir)?;
    }
    std::fs::create_dir_all(cache_dir)
}

pub fn hash_large_file(path: &Path) -> io::Result<String> { // expect: lane3 security
    let file = File::open(path)?;
    // SAFETY: the sync lock guarantees no other process truncates the file while mapped.
    let map = unsafe { Mmap::map(&file)? };
    Ok(content_hash(&map))
}

pub fn load_api_token(config_dir: &Path) -> io::Result<String> { // expect: lane3 security
    let raw = std::fs::read_to_string(config_dir.join("token"))?;
    Ok(raw.trim().to_string())
}

pub fn staging_path(root: &Path, rel: &str) -> PathBuf { // expect: lane2
    root.join(".syncd-staging").join(rel.replace('/', "__"))
}

pub fn format_bytes(n: u64) -> String { // expect: lane1
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
