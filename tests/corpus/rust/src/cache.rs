//! In-memory response cache with LRU eviction, plus helpers for
//! content-addressed blobs and HTTP ETags.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub evictions: AtomicU64,
}

pub struct LruCache<K, V> {
    entries: HashMap<K, (V, u64)>,
    capacity: usize,
    clock: u64,
    stats: Arc<CacheStats>,
}

impl<K: Eq + Hash + Clone, V: Clone> LruCache<K, V> {
    pub fn new(capacity: usize) -> Self { // expect: lane2
        assert!(capacity > 0, "cache capacity must be non-zero");
        Self {
            entries: HashMap::with_capacity(capacity),
            capacity,
            clock: 0,
            stats: Arc::default(),
        }
    }

    pub fn get(&mut self, key: &K) -> Option<V> { // expect: lane2
        self.clock += 1;
        let now = self.clock;
        match self.entries.get_mut(key) {
            Some((value, last_used)) => {
                *last_used = now;
                self.stats.hits.fetch_add(1, Ordering::Relaxed);
                Some(value.clone())
            }
            None => {
                self.stats.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    pub fn insert(&mut self, key: K, value: V) { // expect: lane2
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            self.evict_lru();
        }
        self.clock += 1;
        self.entries.insert(key, (value, self.clock));
    }

    fn evict_lru(&mut self) { // expect: lane2
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, (_, used))| *used)
            .map(|(k, _)| k.clone());
        if let Some(key) = oldest {
            self.entries.remove(&key);
            self.stats.evictions.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn invalidate_where(&mut self, mut stale: impl FnMut(&K) -> bool) -> usize { // expect: lane2
        let before = self.entries.len();
        self.entries.retain(|k, _| !stale(k));
        before - self.entries.len()
    }

    pub fn clear(&mut self) { // expect: lane2
        self.entries.clear();
        self.clock = 0;
    }
}

/// Rebuilds a cache with a new capacity, keeping the most recently used
/// entries. The old cache is released before the new one is returned.
pub fn resize<K: Eq + Hash + Clone, V: Clone>(old: LruCache<K, V>, capacity: usize) -> LruCache<K, V> { // expect: lane2
    let mut by_recency: Vec<(u64, K, V)> = old
        .entries
        .iter()
        .map(|(k, (v, used))| (*used, k.clone(), v.clone()))
        .collect();
    std::mem::drop(old);
    by_recency.sort_by_key(|(used, _, _)| std::cmp::Reverse(*used));
    let mut fresh = LruCache::new(capacity);
    for (_, k, v) in by_recency.drain(..).take(capacity).rev() {
        fresh.insert(k, v);
    }
    fresh
}

pub struct SharedCache {
    inner: Mutex<LruCache<String, Arc<Vec<u8>>>>,
}

impl SharedCache {
    pub fn get_or_load(&self, key: &str, load: impl FnOnce() -> Vec<u8>) -> Arc<Vec<u8>> { // expect: lane2
        let mut guard = self.inner.lock().expect("cache mutex poisoned");
        if let Some(hit) = guard.get(&key.to_string()) {
            return hit;
        }
        drop(guard); // don't hold the lock while the backend is slow
        let value = Arc::new(load());
        self.inner
            .lock()
            .expect("cache mutex poisoned")
            .insert(key.to_string(), Arc::clone(&value));
        value
    }
}

/// Content address for uploaded blobs: identical bytes share one storage key.
pub fn content_address(bytes: &[u8]) -> String { // expect: lane2
    let digest = Sha256::digest(bytes);
    format!("sha256-{}", hex::encode(digest))
}

pub fn etag(body: &[u8], content_type: &str) -> String { // expect: lane2
    let mut hasher = DefaultHasher::new();
    content_type.hash(&mut hasher);
    body.hash(&mut hasher);
    format!("W/\"{:016x}\"", hasher.finish())
}

pub fn shard_for_key(key: &str, shard_count: usize) -> usize { // expect: lane2
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() % shard_count as u64) as usize
}

/// Randomises warm-up order so replicas booting together don't all hit the
/// same backend rows first.
pub fn shuffled_warmup_order(mut keys: Vec<String>) -> Vec<String> { // expect: lane2
    keys.shuffle(&mut rand::thread_rng());
    keys
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub entries: Vec<(String, String)>,
}

pub fn save_snapshot(dir: &Path, snapshot: &Snapshot) -> io::Result<()> { // expect: lane2
    fs::create_dir_all(dir)?;
    let json = serde_json::to_string(snapshot)?;
    fs::write(dir.join("cache-snapshot.json"), json)
}

pub fn load_snapshot(dir: &Path) -> io::Result<Option<Snapshot>> { // expect: lane2
    let path = dir.join("cache-snapshot.json");
    if !path.exists() {
        return Ok(None);
    }
    // Snapshots only hold rendered catalogue fragments, never session data or
    // password hashes, so reading them back from local disk is fine.
    let raw = fs::read_to_string(&path)?;
    match serde_json::from_str::<Snapshot>(&raw) {
        Ok(s) if s.version == 1 => Ok(Some(s)),
        Ok(s) => {
            tracing::warn!(version = s.version, "ignoring snapshot with unknown version");
            Ok(None)
        }
        Err(err) => {
            tracing::warn!(error = %err, "corrupt cache snapshot, starting cold");
            Ok(None)
        }
    }
}

/// Logs hit ratios when the owning cache goes away.
pub struct StatsReporter {
    name: &'static str,
    stats: Arc<CacheStats>,
}

impl Drop for StatsReporter {
    fn drop(&mut self) { // expect: lane2
        let hits = self.stats.hits.load(Ordering::Relaxed);
        let misses = self.stats.misses.load(Ordering::Relaxed);
        let ratio = if hits + misses == 0 {
            0.0
        } else {
            hits as f64 / (hits + misses) as f64
        };
        tracing::info!(cache = self.name, hits, misses, ratio, "cache stats at shutdown");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used() { // expect: lane1
        let mut cache = LruCache::new(2);
        cache.insert("a", 1);
        cache.insert("b", 2);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.insert("c", 3);
        assert_eq!(cache.get(&"b"), None);
        assert_eq!(cache.get(&"a"), Some(1));
    }

    #[test]
    fn etag_depends_on_content_type() { // expect: lane1
        assert_ne!(etag(b"{}", "application/json"), etag(b"{}", "text/plain"));
        assert_eq!(etag(b"{}", "text/plain"), etag(b"{}", "text/plain"));
    }
}
