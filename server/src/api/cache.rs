//! What the server keeps between requests: the result cache (least recently used first out,
//! bounded in bytes), the [`CachedResult`]s it holds, and the memo of compiled queries.
//!
//! Results are keyed by the compiled SQL *and* the warehouse version it ran on, so a result
//! from before a publish can never be served after it (the new version has new keys; old
//! entries age out, and are dropped at once when the server switches versions).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use boltic_semantic::CompiledQuery;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use lru::LruCache;
use serde_json::value::RawValue;

/// A result as kept in the cache: the Arrow batches (for CSV and Arrow responses) and the
/// JSON rows, encoded once.
#[derive(Debug)]
pub struct CachedResult {
    /// Result schema (columns named `view.field`).
    pub schema: SchemaRef,
    /// Rows, at most `max_rows`.
    pub batches: Vec<RecordBatch>,
    /// Rows in `batches`.
    pub row_count: usize,
    /// More rows existed than `max_rows`.
    pub truncated: bool,
    /// `batches` as a JSON array of objects keyed by `view.field`.
    pub rows_json: Box<RawValue>,
    /// The totals row as a JSON object, when asked for.
    pub totals_json: Option<Box<RawValue>>,
    /// Time DataFusion took, in milliseconds.
    pub execute_ms: f64,
    /// Warehouse version read.
    pub version: Arc<str>,
}

impl CachedResult {
    /// Bytes it holds, as counted against the cache's capacity.
    pub fn size(&self) -> usize {
        self.batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum::<usize>()
            + self.rows_json.get().len()
            + self.totals_json.as_ref().map_or(0, |t| t.get().len())
    }
}

/// What a memoized compilation is found by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemoKey {
    /// The model generation it was compiled against.
    pub generation: u64,
    /// What the caller may see (all that a compilation depends on of who asks).
    pub access: boltic_semantic::Access,
    /// The query, as JSON.
    pub query: String,
}

/// Recently compiled queries, with when each was compiled.
pub type CompileMemo = LruCache<MemoKey, (Instant, Arc<CompiledQuery>)>;

/// What a cached entry is found by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Warehouse version the result was read from.
    pub version: Arc<str>,
    /// The compiled SQL (and the totals SQL, if any).
    pub sql: String,
    /// The row cap applied to the result.
    pub max_rows: u64,
}

impl CacheKey {
    /// A short stable id for logs and headers.
    pub fn id(&self) -> String {
        let mut h = DefaultHasher::new();
        self.hash(&mut h);
        format!("{:016x}", h.finish())
    }
}

/// A bounded LRU map from [`CacheKey`] to values that know their size.
#[derive(Debug)]
pub struct ResultCache<V> {
    inner: Mutex<Inner<V>>,
    capacity: usize,
}

#[derive(Debug)]
struct Inner<V> {
    map: LruCache<CacheKey, (Arc<V>, usize)>,
    bytes: usize,
}

impl<V> ResultCache<V> {
    /// A cache holding at most `capacity` bytes (0: nothing is kept).
    pub fn new(capacity: usize) -> Self {
        ResultCache {
            inner: Mutex::new(Inner {
                map: LruCache::unbounded(),
                bytes: 0,
            }),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V>> {
        // A panic while holding the lock cannot leave the map inconsistent (every update is
        // a single call), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry, marking it most recently used.
    pub fn get(&self, key: &CacheKey) -> Option<Arc<V>> {
        self.lock().map.get(key).map(|(v, _)| v.clone())
    }

    /// Keep `value` (of `size` bytes), evicting the least recently used entries to make room.
    /// Values larger than a quarter of the cache are not kept.
    pub fn insert(&self, key: CacheKey, value: Arc<V>, size: usize) {
        if size > self.capacity / 4 {
            return;
        }
        let mut inner = self.lock();
        if let Some((_, old)) = inner.map.put(key, (value, size)) {
            inner.bytes -= old;
        }
        inner.bytes += size;
        while inner.bytes > self.capacity {
            match inner.map.pop_lru() {
                Some((_, (_, s))) => inner.bytes -= s,
                None => break,
            }
        }
    }

    /// Drop every entry not read from `version`.
    pub fn retain_version(&self, version: &str) {
        let mut inner = self.lock();
        let stale: Vec<CacheKey> = inner
            .map
            .iter()
            .filter(|(k, _)| &*k.version != version)
            .map(|(k, _)| k.clone())
            .collect();
        for key in stale {
            if let Some((_, s)) = inner.map.pop(&key) {
                inner.bytes -= s;
            }
        }
    }

    /// (entries, bytes) held now.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.map.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(version: &str, sql: &str) -> CacheKey {
        CacheKey {
            version: version.into(),
            sql: sql.into(),
            max_rows: 10,
        }
    }

    #[test]
    fn evicts_least_recently_used_to_stay_within_bytes() {
        let cache = ResultCache::new(100);
        cache.insert(key("v1", "a"), Arc::new(1), 25);
        cache.insert(key("v1", "b"), Arc::new(2), 25);
        cache.insert(key("v1", "c"), Arc::new(3), 25);
        assert_eq!(cache.get(&key("v1", "a")).as_deref(), Some(&1)); // a is now recent
        cache.insert(key("v1", "d"), Arc::new(4), 25);
        cache.insert(key("v1", "e"), Arc::new(5), 25); // over 100: b goes first
        assert_eq!(cache.get(&key("v1", "b")), None);
        assert_eq!(cache.get(&key("v1", "a")).as_deref(), Some(&1));
        assert_eq!(cache.usage(), (4, 100));
        cache.insert(key("v1", "huge"), Arc::new(6), 26); // > a quarter: not kept
        assert_eq!(cache.get(&key("v1", "huge")), None);
        assert_eq!(cache.usage().1, 100);
    }

    #[test]
    fn a_new_version_never_sees_old_results() {
        let cache = ResultCache::new(1000);
        cache.insert(key("v1", "q"), Arc::new(1), 10);
        assert_eq!(cache.get(&key("v2", "q")), None);
        cache.insert(key("v2", "q"), Arc::new(2), 10);
        cache.retain_version("v2");
        assert_eq!(cache.usage(), (1, 10));
        assert_eq!(cache.get(&key("v2", "q")).as_deref(), Some(&2));
    }

    #[test]
    fn replacing_an_entry_counts_its_bytes_once() {
        let cache = ResultCache::new(1000);
        cache.insert(key("v1", "q"), Arc::new(1), 100);
        cache.insert(key("v1", "q"), Arc::new(2), 50);
        assert_eq!(cache.usage(), (1, 50));
    }
}
