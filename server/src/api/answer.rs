//! Answering one query, whoever asks: compile against the model (memoized), look in the
//! result cache, run on DataFusion under the limits, keep the result.

use std::sync::Arc;
use std::time::Instant;

use boltic_semantic::{CompileOptions, CompiledQuery, Query};
pub use boltic_types::CacheStatus;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use serde_json::value::RawValue;

use super::cache::{CachedResult, MemoKey, Memoized};
use super::caller::Caller;
use super::error::{ApiCode, ApiError};
use super::state::{AppState, lock};

/// A query's answer.
#[derive(Debug)]
pub struct Answer {
    /// What was run.
    pub compiled: Arc<CompiledQuery>,
    /// The result.
    pub result: Arc<CachedResult>,
    /// Cache status.
    pub cache: CacheStatus,
    /// Milliseconds spent compiling.
    pub compile_ms: f64,
}

/// Compile `query` for `caller` (no execution). Applies the row cap: a query without a limit
/// asks for one row more than `max_rows` so truncation can be told.
pub fn compile(
    state: &AppState,
    query: &Query,
    caller: &Caller,
) -> Result<CompiledQuery, ApiError> {
    let loaded = state.model().ok_or_else(|| model_not_ready(state))?;
    let max_rows = state.config.max_rows;
    if let Some(offset) = query.offset
        && i64::try_from(offset).is_err()
    {
        return Err(ApiError::new(
            ApiCode::InvalidQuery,
            format!("'offset' {offset} is too large"),
        )
        .with_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        .hint(format!("use an offset of at most {}", i64::MAX))
        .at(serde_json::json!({"field": "offset"})));
    }
    let mut query = query.clone();
    match query.limit {
        Some(limit) if limit > max_rows => {
            return Err(ApiError::new(
                ApiCode::RowLimitExceeded,
                format!("the query asks for {limit} rows; this server returns at most {max_rows}"),
            )
            .hint(format!(
                "set 'limit' to {max_rows} or less and page with 'offset', or aggregate further"
            ))
            .at(serde_json::json!({"field": "limit"})));
        }
        Some(_) => {}
        None => query.limit = Some(max_rows + 1),
    }
    if let Some(tz) = &query.timezone
        && tz.parse::<chrono_tz::Tz>().is_err()
    {
        return Err(ApiError::new(
            ApiCode::InvalidTimezone,
            format!("unknown time zone '{tz}'"),
        )
        .at(serde_json::json!({"field": "timezone"})));
    }
    let now = now_in(boltic_semantic::query_timezone(&loaded.model, &query));
    let mut options = CompileOptions::new(now);
    options.access = caller.access();
    Ok(boltic_semantic::compile(&loaded.model, &query, &options)?)
}

/// How long a memoized compilation is reused: relative date filters ("last 7 days") move
/// with the clock, so a compiled query is at most this old.
const MEMO_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// [`compile`], remembering recent compilations (per model generation and caller) so that a
/// repeated query skips the compiler and goes straight to the result cache.
fn compile_memoized(
    state: &AppState,
    query: &Query,
    caller: &Caller,
) -> Result<Arc<Memoized>, ApiError> {
    let generation = state.model().map(|m| m.generation).unwrap_or(0);
    let key = MemoKey {
        generation,
        access: caller.access(),
        query: serde_json::to_string(query).unwrap_or_default(),
    };
    if let Some(memo) = state.compile_memo().get(&key)
        && memo.at.elapsed() < MEMO_TTL
    {
        return Ok(memo);
    }
    let memo = Arc::new(Memoized::new(compile(state, query, caller)?));
    let size = super::cache::compiled_size(&memo);
    state.compile_memo().insert(key, memo.clone(), size);
    Ok(memo)
}

/// The wall-clock time in `tz` (UTC when the name is unknown; compiling reports that).
pub(super) fn now_in(tz: &str) -> chrono::NaiveDateTime {
    let utc = chrono::Utc::now();
    match tz.parse::<chrono_tz::Tz>() {
        Ok(tz) => utc.with_timezone(&tz).naive_local(),
        Err(_) => utc.naive_utc(),
    }
}

pub(super) fn model_not_ready(state: &AppState) -> ApiError {
    let hint = match state.model_problem() {
        Some(p) => format!(
            "fix the model ('boltic validate'); first error: {}",
            p.errors.first().map(String::as_str).unwrap_or("unknown")
        ),
        None => "wait for the model to load".into(),
    };
    ApiError::not_ready("semantic model", hint)
}

/// Compile, then serve from the cache or run, on the current warehouse version or the one
/// `as_of` names; the audit log notes who asked what (and how it ended).
pub async fn answer(
    state: &AppState,
    query: &Query,
    caller: &Caller,
    use_cache: bool,
    as_of: Option<&str>,
) -> Result<Answer, ApiError> {
    let started = Instant::now();
    let answer = answer_uncounted(state, query, caller, use_cache, as_of).await;
    let (rows, outcome) = match &answer {
        Ok(a) => (Some(a.result.row_count), a.cache.as_str()),
        Err(e) => (None, e.code().as_str()),
    };
    note(state, caller, query, rows, as_of, started, outcome);
    answer
}

/// Note in the audit log that `caller` asked `query` (answered with `rows` rows, or not) and
/// how it ended.
pub(super) fn note(
    state: &AppState,
    caller: &Caller,
    query: &Query,
    rows: Option<usize>,
    as_of: Option<&str>,
    started: Instant,
    outcome: &str,
) {
    super::audit::record(
        state,
        caller,
        "query",
        serde_json::json!({
            "explore": query.explore,
            "fields": query.fields,
            "filters": query.filters,
            "rows": rows,
            "as_of": as_of,
            "ms": (started.elapsed().as_secs_f64() * 1e3).round(),
            "outcome": outcome,
        }),
    );
}

/// The distinct values of a text dimension, in the order a query sorting by it gives them
/// (`None` for NULL), as the suggestion index keeps them: read once per warehouse version and
/// per what the caller may see, then searched in memory.
#[derive(Debug)]
pub struct ValueList {
    /// Every value, or nothing when there are more than the index keeps (`complete` false).
    pub values: Vec<Option<String>>,
    /// All of the field's values are in `values`.
    pub complete: bool,
}

impl ValueList {
    /// Bytes it holds, as counted against the index's capacity.
    pub fn size(&self) -> usize {
        self.values
            .iter()
            .map(|v| std::mem::size_of::<Option<String>>() + v.as_ref().map_or(0, String::len))
            .sum()
    }
}

/// When [`value_list`] reads a list that is not in the suggestion index. A list being read
/// already (in the background) is waited for, whatever this says: its answer comes sooner
/// than a second scan of the same rows beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadValues {
    /// Now, and answer with it.
    Now,
    /// In the background, in a free query slot (none free: not now), so that the next request
    /// finds it; answer `None` meanwhile.
    Later,
    /// Not at all: answer `None`.
    Never,
}

/// The values of `list`'s one field (a query of that text dimension alone, sorted by it, with
/// a limit one above what the index keeps), from the suggestion index or read (see
/// [`ReadValues`]) and kept. The key is the compiled SQL and the version, as for results, so
/// row-level security and explore filters are part of it. Not audited here: the caller notes
/// what was asked.
pub async fn value_list(
    state: &AppState,
    list: &Query,
    caller: &Caller,
    read: ReadValues,
) -> Result<Option<(Arc<ValueList>, CacheStatus)>, ApiError> {
    let memo = compile_memoized(state, list, caller)?;
    let compiled = memo.compiled.clone();
    let engine = state.engine_at(None).await?;
    let version: Arc<str> = engine.manifest().version.as_str().into();
    let key = memo.cache_key(version.clone(), state.config.max_rows);
    if let Some(values) = state.suggestions.get(&key) {
        return Ok(Some((values, CacheStatus::Hit)));
    }
    let reading = lock(&state.suggestions_reading).get(&key).cloned();
    if let Some(mut done) = reading {
        // ends when the reader drops its sender, read or not
        let _ = done.changed().await;
        return Ok(state
            .suggestions
            .get(&key)
            .map(|values| (values, CacheStatus::Hit)));
    }
    let keep = list.limit.unwrap_or(0).saturating_sub(1) as usize;
    let field = list.fields.first().cloned().unwrap_or_default();
    match read {
        ReadValues::Now => {
            let list = read_values(state, &engine, &compiled, version, &field, keep).await?;
            state.suggestions.insert(key, list.clone(), list.size());
            return Ok(Some((list, CacheStatus::Miss)));
        }
        ReadValues::Never => return Ok(None),
        ReadValues::Later => {}
    }
    // one reader per list, and only in a free slot: bounded like the queries themselves
    let Ok(slot) = state.query_slots.clone().try_acquire_owned() else {
        return Ok(None);
    };
    let (read_done, reading) = tokio::sync::watch::channel(());
    match lock(&state.suggestions_reading).entry(key.clone()) {
        // another request began the same read meanwhile
        std::collections::hash_map::Entry::Occupied(_) => return Ok(None),
        std::collections::hash_map::Entry::Vacant(v) => v.insert(reading),
    };
    let state = state.clone();
    tokio::spawn(async move {
        match read_values(&state, &engine, &compiled, version, &field, keep).await {
            Ok(list) => state
                .suggestions
                .insert(key.clone(), list.clone(), list.size()),
            Err(e) => tracing::warn!(field, code = e.code().as_str(), "values not read"),
        }
        lock(&state.suggestions_reading).remove(&key);
        drop((read_done, slot));
    });
    Ok(None)
}

/// Run a value list's query and keep its values (none, `complete` false, when there are more
/// than `keep` or they are not text).
async fn read_values(
    state: &AppState,
    engine: &crate::engine::Engine,
    compiled: &CompiledQuery,
    version: Arc<str>,
    field: &str,
    keep: usize,
) -> Result<Arc<ValueList>, ApiError> {
    let result = run(state, engine, compiled, false, version).await?;
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(result.rows_json.get()).map_err(|e| encoding_error(&e))?;
    let values: Option<Vec<Option<String>>> = rows
        .into_iter()
        .map(|mut r| match r.remove(field) {
            Some(serde_json::Value::String(s)) => Some(Some(s)),
            Some(serde_json::Value::Null) | None => Some(None),
            Some(_) => None,
        })
        .collect();
    Ok(Arc::new(match values {
        Some(values) if values.len() <= keep => ValueList {
            values,
            complete: true,
        },
        // more values than kept (or not text after all): searched with SQL instead
        _ => ValueList {
            values: Vec::new(),
            complete: false,
        },
    }))
}

async fn answer_uncounted(
    state: &AppState,
    query: &Query,
    caller: &Caller,
    use_cache: bool,
    as_of: Option<&str>,
) -> Result<Answer, ApiError> {
    let started = Instant::now();
    let memo = compile_memoized(state, query, caller)?;
    let compiled = memo.compiled.clone();
    let compile_ms = started.elapsed().as_secs_f64() * 1e3;
    let engine = state.engine_at(as_of).await?;
    let version: Arc<str> = engine.manifest().version.as_str().into();
    let key = memo.cache_key(version.clone(), state.config.max_rows);
    if use_cache && let Some(result) = state.cache.get(&key) {
        return Ok(Answer {
            compiled,
            result,
            cache: CacheStatus::Hit,
            compile_ms,
        });
    }
    let result = Arc::new(run(state, &engine, &compiled, query.limit.is_none(), version).await?);
    let cache = if use_cache {
        state.cache.insert(key, result.clone(), result.size());
        state.metrics.cache_bytes.set(state.cache.usage().1 as i64);
        CacheStatus::Miss
    } else {
        CacheStatus::Bypass
    };
    Ok(Answer {
        compiled,
        result,
        cache,
        compile_ms,
    })
}

/// Counts a running query while alive.
struct Running<'a>(&'a AppState);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.metrics.running.dec();
    }
}

async fn run(
    state: &AppState,
    engine: &crate::engine::Engine,
    compiled: &CompiledQuery,
    capped: bool,
    version: Arc<str>,
) -> Result<CachedResult, ApiError> {
    state.metrics.running.inc();
    let _running = Running(state);
    let started = Instant::now();
    let work = async {
        let (schema, batches) = engine.execute(&compiled.sql).await?;
        let totals = match &compiled.totals_sql {
            Some(sql) => Some(engine.execute(sql).await?.1),
            None => None,
        };
        let pivot_totals = match &compiled.pivot_totals_sql {
            Some(sql) => Some(engine.execute(sql).await?.1),
            None => None,
        };
        Ok::<_, DataFusionError>((schema, batches, totals, pivot_totals))
    };
    // Dropping `work` on timeout drops DataFusion's streams, which aborts their tasks.
    let (schema, batches, totals, pivot_totals) =
        match tokio::time::timeout(state.config.query_timeout, work).await {
            Err(_) => {
                let ms = state.config.query_timeout.as_millis();
                return Err(ApiError::new(
                    ApiCode::QueryTimeout,
                    format!("the query ran longer than {ms} ms and was cancelled"),
                ));
            }
            Ok(Err(e)) => return Err(execution_error(state, e, &compiled.sql)),
            Ok(Ok(r)) => r,
        };
    let execute_ms = started.elapsed().as_secs_f64() * 1e3;
    let max_rows = state.config.max_rows as usize;
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let (batches, truncated) = if capped && total > max_rows {
        (cut(batches, max_rows), true)
    } else {
        (batches, false)
    };
    let rows_json = json_rows(&batches).map_err(|e| encoding_error(&e))?;
    let totals_json = match totals {
        Some(t) => {
            let rows = json_rows(&t).map_err(|e| encoding_error(&e))?;
            // One row: unwrap the array.
            let text = rows.get();
            let inner = text
                .strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .filter(|t| !t.trim().is_empty())
                .unwrap_or("null");
            Some(RawValue::from_string(inner.to_string()).map_err(|e| encoding_error(&e))?)
        }
        None => None,
    };
    let pivot_totals_json = match pivot_totals {
        Some(t) => Some(json_rows(&t).map_err(|e| encoding_error(&e))?),
        None => None,
    };
    Ok(CachedResult {
        schema,
        row_count: total.min(max_rows),
        batches,
        truncated,
        rows_json,
        totals_json,
        pivot_totals_json,
        execute_ms,
        version,
    })
}

fn encoding_error(e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "cannot encode a result as JSON");
    ApiError::internal("encoding the result")
}

fn execution_error(state: &AppState, e: DataFusionError, sql: &str) -> ApiError {
    if crate::engine::out_of_memory(&e) {
        tracing::warn!(error = %e, "query over the memory limit");
        let mib = state.config.memory_limit >> 20;
        return ApiError::new(
            ApiCode::MemoryLimitExceeded,
            format!("the query needs more memory than the server's {mib} MiB limit allows"),
        );
    }
    // a query's SQL can be long (a filter list of thousands of values): the log keeps its start
    let message = e.to_string();
    let error = clip(&message, LOGGED_CHARS);
    let sql = clip(sql, LOGGED_CHARS);
    tracing::error!(%error, %sql, "query failed");
    if state.config.engine != crate::cluster::EngineTarget::Local {
        // A failed cluster job reaches the client as text: an executor over its memory pool
        // says so in it; anything else (scheduler gone, executors lost beyond Ballista's
        // retries, results no longer fetchable) is the cluster's state, not the question.
        if message.contains("Resources exhausted") {
            return ApiError::new(
                ApiCode::MemoryLimitExceeded,
                "the query needs more memory than a cluster executor's limit allows",
            );
        }
        return ApiError::new(
            ApiCode::ClusterUnavailable,
            "the query cluster could not finish the query; the error is in the server's log",
        );
    }
    ApiError::internal("running the query")
}

/// The first `n` rows of `batches`.
fn cut(batches: Vec<RecordBatch>, n: usize) -> Vec<RecordBatch> {
    let mut left = n;
    let mut out = Vec::new();
    for b in batches {
        if left == 0 {
            break;
        }
        let take = b.num_rows().min(left);
        left -= take;
        out.push(if take == b.num_rows() {
            b
        } else {
            b.slice(0, take)
        });
    }
    out
}

/// Rows as a JSON array of objects: numbers as numbers, timestamps ISO-8601, nulls as null.
pub fn json_rows(batches: &[RecordBatch]) -> Result<Box<RawValue>, Box<dyn std::error::Error>> {
    use datafusion::arrow::json::{WriterBuilder, writer::JsonArray};
    let mut buf = Vec::with_capacity(256);
    let mut writer = WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, JsonArray>(&mut buf);
    for b in batches {
        writer.write(b)?;
    }
    writer.finish()?;
    drop(writer);
    Ok(RawValue::from_string(String::from_utf8(buf)?)?)
}

/// Characters of SQL or an error message a log line keeps.
const LOGGED_CHARS: usize = 2_000;

/// `text` cut to its first `max` characters, saying how much was left out.
fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((end, _)) => format!(
            "{}… ({} more characters)",
            &text[..end],
            text[end..].chars().count()
        )
        .into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_texts_are_clipped_for_the_log() {
        assert_eq!(super::clip("short", 10), "short");
        assert_eq!(super::clip("ab€de", 3), "ab€… (2 more characters)");
        assert_eq!(
            super::clip(&"x".repeat(5000), 2000).chars().count(),
            2000 + 24
        );
    }
}
