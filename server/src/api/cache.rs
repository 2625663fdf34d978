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
    /// Each pivot column's totals as a JSON array, when asked for with pivots.
    pub pivot_totals_json: Option<Box<RawValue>>,
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
            + self.size_json()
    }

    /// Bytes of its JSON: the rows and the totals.
    pub fn size_json(&self) -> usize {
        self.rows_json.get().len()
            + self.totals_json.as_ref().map_or(0, |t| t.get().len())
            + self.pivot_totals_json.as_ref().map_or(0, |t| t.get().len())
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

/// A compiled query as the memo keeps it.
#[derive(Debug)]
pub struct Memoized {
    /// When it was compiled.
    pub at: Instant,
    /// The compilation.
    pub compiled: Arc<CompiledQuery>,
    /// The text its results are cached under ([`CacheKey::sql`]): its SQL and its totals' SQL,
    /// joined once here rather than per request.
    pub result_sql: Arc<str>,
}

impl Memoized {
    /// `compiled`, compiled now.
    pub fn new(compiled: CompiledQuery) -> Memoized {
        let result_sql = [&compiled.totals_sql, &compiled.pivot_totals_sql]
            .into_iter()
            .flatten()
            .fold(compiled.sql.clone(), |key, t| format!("{key}\n;\n{t}"))
            .into();
        Memoized {
            at: Instant::now(),
            compiled: Arc::new(compiled),
            result_sql,
        }
    }

    /// The key its results are cached under when read from warehouse `version`.
    pub fn cache_key(&self, version: Arc<str>, max_rows: u64) -> CacheKey {
        CacheKey {
            version,
            sql: self.result_sql.clone(),
            max_rows,
        }
    }
}

/// Recently compiled queries; bounded in bytes (the query's JSON and its SQL) like the result
/// cache.
pub type CompileMemo = ResultCache<Memoized, MemoKey>;

/// Bytes a key holds, counted with its entry (so a huge key with a tiny value still costs what
/// it holds).
pub trait Weigh {
    /// Approximate heap and inline bytes.
    fn weight(&self) -> usize;
}

/// Bytes counted for an entry besides its key and value: the map's own bookkeeping.
const ENTRY_OVERHEAD: usize = 96;

impl Weigh for CacheKey {
    fn weight(&self) -> usize {
        self.sql.len() + self.version.len() + ENTRY_OVERHEAD
    }
}

impl Weigh for MemoKey {
    fn weight(&self) -> usize {
        self.query.len() + std::mem::size_of::<boltic_semantic::Access>() + ENTRY_OVERHEAD
    }
}

/// Bytes a memoized compilation holds (its SQL texts and column names).
pub fn compiled_size(m: &Memoized) -> usize {
    let c = &m.compiled;
    m.result_sql.len()
        + c.sql.len()
        + c.totals_sql.as_ref().map_or(0, String::len)
        + c.pivot_totals_sql.as_ref().map_or(0, String::len)
        + c.columns
            .iter()
            .map(|col| col.name.len() + 64)
            .sum::<usize>()
}

/// What a cached entry is found by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Warehouse version the result was read from.
    pub version: Arc<str>,
    /// The compiled SQL (and the totals SQL, if any).
    pub sql: Arc<str>,
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

/// A bounded LRU map from keys (by default [`CacheKey`]) to values that know their size: at
/// most `capacity` bytes, counting each entry's key, value and bookkeeping, and at most
/// `max_entries` entries.
#[derive(Debug)]
pub struct ResultCache<V, K: Hash + Eq = CacheKey> {
    inner: Mutex<Inner<K, V>>,
    capacity: usize,
}

#[derive(Debug)]
struct Inner<K: Hash + Eq, V> {
    map: LruCache<K, (Arc<V>, usize)>,
    bytes: usize,
}

impl<V, K: Hash + Eq + Weigh> ResultCache<V, K> {
    /// A cache holding at most `capacity` bytes (0: nothing is kept) in at most
    /// `max_entries` entries.
    pub fn new(capacity: usize, max_entries: usize) -> Self {
        let entries =
            std::num::NonZeroUsize::new(max_entries.max(1)).unwrap_or(std::num::NonZeroUsize::MIN);
        ResultCache {
            inner: Mutex::new(Inner {
                map: LruCache::new(entries),
                bytes: 0,
            }),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock cannot leave the map inconsistent (every update is
        // a single call), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry, marking it most recently used.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        self.lock().map.get(key).map(|(v, _)| v.clone())
    }

    /// Keep `value` (of `size` bytes, besides its key), evicting the least recently used
    /// entries to make room. Entries larger than a quarter of the cache are not kept.
    pub fn insert(&self, key: K, value: Arc<V>, size: usize) {
        let size = size + key.weight();
        if size > self.capacity / 4 {
            return;
        }
        let mut inner = self.lock();
        // `push` gives back the entry it replaced or, when full, the one it evicted
        if let Some((_, (_, old))) = inner.map.push(key, (value, size)) {
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

    /// (entries, bytes) held now.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.map.len(), inner.bytes)
    }
}

impl<V> ResultCache<V, CacheKey> {
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

    /// What an entry of `size` bytes under a one-letter SQL key of version `v1` counts.
    fn counted(size: usize) -> usize {
        size + key("v1", "a").weight()
    }

    #[test]
    fn evicts_least_recently_used_to_stay_within_bytes() {
        let cache = ResultCache::new(4 * counted(25), 100);
        cache.insert(key("v1", "a"), Arc::new(1), 25);
        cache.insert(key("v1", "b"), Arc::new(2), 25);
        cache.insert(key("v1", "c"), Arc::new(3), 25);
        assert_eq!(cache.get(&key("v1", "a")).as_deref(), Some(&1)); // a is now recent
        cache.insert(key("v1", "d"), Arc::new(4), 25);
        cache.insert(key("v1", "e"), Arc::new(5), 25); // over the bound: b goes first
        assert_eq!(cache.get(&key("v1", "b")), None);
        assert_eq!(cache.get(&key("v1", "a")).as_deref(), Some(&1));
        assert_eq!(cache.usage(), (4, 4 * counted(25)));
        cache.insert(key("v1", "h"), Arc::new(6), 26); // > a quarter: not kept
        assert_eq!(cache.get(&key("v1", "h")), None);
        assert_eq!(cache.usage().1, 4 * counted(25));
    }

    #[test]
    fn a_large_key_costs_what_it_holds() {
        let cache = ResultCache::new(10_000, 100);
        // a megabyte of SQL with a two-byte result is not "free"
        cache.insert(key("v1", &"x".repeat(1 << 20)), Arc::new(1), 2);
        assert_eq!(cache.usage(), (0, 0));
        let sql = "y".repeat(2_000);
        cache.insert(key("v1", &sql), Arc::new(2), 2);
        assert_eq!(cache.usage(), (1, 2 + key("v1", &sql).weight()));
        assert!(cache.usage().1 > 2_000);
    }

    #[test]
    fn entries_are_bounded_in_number_too() {
        let cache = ResultCache::new(1 << 20, 3);
        for (i, sql) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
            cache.insert(key("v1", sql), Arc::new(i), 1);
        }
        assert_eq!(cache.usage(), (3, 3 * counted(1)));
        assert_eq!(cache.get(&key("v1", "a")), None);
        assert_eq!(cache.get(&key("v1", "e")).as_deref(), Some(&4));
    }

    #[test]
    fn a_new_version_never_sees_old_results() {
        let cache = ResultCache::new(1000, 100);
        cache.insert(key("v1", "q"), Arc::new(1), 10);
        assert_eq!(cache.get(&key("v2", "q")), None);
        cache.insert(key("v2", "q"), Arc::new(2), 10);
        cache.retain_version("v2");
        assert_eq!(cache.usage(), (1, counted(10)));
        assert_eq!(cache.get(&key("v2", "q")).as_deref(), Some(&2));
    }

    #[test]
    fn replacing_an_entry_counts_its_bytes_once() {
        let cache = ResultCache::new(1000, 100);
        cache.insert(key("v1", "q"), Arc::new(1), 100);
        cache.insert(key("v1", "q"), Arc::new(2), 50);
        assert_eq!(cache.usage(), (1, counted(50)));
    }
}
