//! Every table of the warehouse is a Delta Lake table (delta-rs), in whichever store the
//! warehouse is (a local folder, S3, memory).
//!
//! delta-rs reads and writes through *our* object store (the one [`Location`] built, rooted at
//! the bucket or the file system root), not through its own `s3` feature: one set of S3 settings
//! (the `AWS_*` variables and `--s3-option`s the rest of Boltic reads), no AWS SDK, and commits
//! that create `_delta_log/<n>.json` with put-if-absent, which S3 and local folders both do
//! atomically. The crate needs a rustls crypto provider and brings aws-lc-rs beside the ring that
//! object_store uses; [`init`] installs ring as the process's one provider so nothing has to
//! guess between them.
//!
//! A table's Delta root is `normalized/<table>/` (cleaned raw data) or `tables/<model>/` (the
//! star schema); a run writes its files under `<root><version>/` and commits them. The warehouse
//! manifest names the Delta version of every table it publishes, so a reader sees one cut across
//! all tables even though Delta is ACID per table.

use std::sync::{Arc, Once};

use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::file::metadata::{FooterTail, ParquetMetaData, ParquetMetaDataReader};
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{DataFrame, SessionContext};
use deltalake::TableProperty;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::kernel::{Action, Add, StructType};
use deltalake::logstore::{
    LogStore, LogStoreFactory, ObjectStoreRef, StorageConfig, default_logstore, logstore_factories,
};
use deltalake::protocol::SaveMode;
use deltalake::{DeltaResult, DeltaTable, DeltaTableBuilder, DeltaTableError};
use object_store::ObjectStoreExt;
use url::Url;

use crate::error::{PipelineError, Result};
use crate::extract::writer::parquet_options;
use crate::location::Location;
use crate::warehouse::{FileEntry, Layer};

/// Folder of the normalized tables' Delta roots, inside the warehouse.
pub const NORMALIZED: &str = "normalized";
/// Folder of the models' Delta roots, inside the warehouse.
pub const TABLES: &str = "tables";
/// A Delta table's log folder, inside its root.
pub const LOG: &str = "_delta_log";

/// The Delta root of table `name` of `layer`, relative to the warehouse, ending in `/`.
pub fn table_root(layer: Layer, name: &str) -> String {
    match layer {
        Layer::Normalized => format!("{NORMALIZED}/{name}/"),
        Layer::Model => format!("{TABLES}/{name}/"),
    }
}

/// The folder a run writing `version` puts the files of table `name` in, ending in `/`.
pub fn data_folder(layer: Layer, name: &str, version: &str) -> String {
    format!("{}{version}/", table_root(layer, name))
}

/// Commits through delta-rs's default log store: a commit *creates* `_delta_log/<n>.json`
/// (put-if-absent), so two writers of one table never overwrite each other's commit.
#[derive(Debug)]
struct PutIfAbsent;

impl LogStoreFactory for PutIfAbsent {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}

/// Once per process: ring as the rustls provider, and the default log store for `s3://` tables
/// (delta-rs knows `file://` and `memory://` by itself).
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Fails only when a provider is already installed, which is what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
        logstore_factories().insert(
            Url::parse("s3://").expect("a static url"),
            Arc::new(PutIfAbsent),
        );
    });
}

fn delta_error(location: &Location, root: &str) -> impl Fn(DeltaTableError) -> PipelineError {
    let table = location.display_of(root);
    move |e| {
        let message = match e {
            // A commit that failed (a concurrent writer, or an answer the store lost after it
            // wrote): the manifest was not published, so readers still see the last version.
            DeltaTableError::Transaction { .. } => {
                format!("{e}; nothing was published: run again")
            }
            e => e.to_string(),
        };
        PipelineError::Delta {
            table: table.clone(),
            message,
        }
    }
}

/// The Delta table at `root` (relative to `location`), loaded at its latest version; a table
/// that has no commit yet has no version.
pub async fn open(location: &Location, root: &str) -> Result<DeltaTable> {
    init();
    let error = delta_error(location, root);
    let url = Url::parse(&location.url(root)).map_err(|e| PipelineError::Delta {
        table: location.display_of(root),
        message: e.to_string(),
    })?;
    let mut table = DeltaTableBuilder::from_url(url.clone())
        .map_err(&error)?
        .with_storage_backend(Arc::clone(location.store()), url)
        .build()
        .map_err(&error)?;
    // A table with no log yet is not loaded (the Delta kernel would log an error for it).
    let log = location.path(&format!("{root}{LOG}/"));
    let mut listing = location.store().list(Some(&log));
    if futures::StreamExt::next(&mut listing).await.is_none() {
        return Ok(table);
    }
    drop(listing);
    match table.load().await {
        Ok(()) | Err(DeltaTableError::NotATable(_)) => Ok(table),
        Err(e) => Err(error(e)),
    }
}

/// The size of the files a MERGE or an append writes (the table property
/// `delta.targetFileSize`; delta-rs' default is 100 MiB): about the size of a full build's files
/// ([`crate::extract::writer::FILE_ROWS`] rows), so that the files a MERGE rewrites do not grow
/// run by run and the next MERGE rewrites as little as this one.
pub const TARGET_FILE_BYTES: u64 = 4 << 20;

/// Replace what the table `name` at `root` holds by `files` (each under `root`, all of
/// `schema`), as one Delta commit that also sets the schema (Delta's CREATE OR REPLACE): the
/// files the table held before stay in its history. Returns the new Delta version.
pub async fn replace(
    location: &Location,
    root: &str,
    name: &str,
    schema: &Schema,
    files: &[FileEntry],
) -> Result<u64> {
    let error = delta_error(location, root);
    let table = open(location, root).await?;
    let columns: StructType = schema.try_into_kernel().map_err(|e| PipelineError::Delta {
        table: location.display_of(root),
        message: format!("its schema has no Delta equivalent: {e}"),
    })?;
    let now = chrono::Utc::now().timestamp_millis();
    let mut actions = Vec::with_capacity(files.len());
    for file in files {
        let relative = file.path.strip_prefix(root).ok_or_else(|| {
            PipelineError::Internal(format!("'{}' is not under '{root}'", file.path))
        })?;
        let stats = file_stats(location, &file.path, file.size).await?;
        actions.push(Action::Add(Add {
            path: relative.to_string(),
            size: i64::try_from(file.size)
                .map_err(|e| PipelineError::Internal(format!("file size: {e}")))?,
            partition_values: Default::default(),
            modification_time: now,
            data_change: true,
            stats: Some(stats),
            ..Default::default()
        }));
    }
    let table = table
        .create()
        .with_table_name(name)
        .with_columns(columns.fields().cloned())
        .with_configuration_property(
            TableProperty::TargetFileSize,
            Some(TARGET_FILE_BYTES.to_string()),
        )
        .with_save_mode(SaveMode::Overwrite)
        .with_actions(actions)
        .with_commit_properties(keep_logs())
        .await
        .map_err(&error)?;
    table
        .version()
        .ok_or_else(|| PipelineError::Internal(format!("'{root}' has no version after a commit")))
}

/// The data files of `table`'s loaded version, paths relative to the warehouse.
pub fn files(location: &Location, root: &str, table: &DeltaTable) -> Result<Vec<FileEntry>> {
    let error = delta_error(location, root);
    let snapshot = table.snapshot().map_err(&error)?;
    let mut files: Vec<FileEntry> = snapshot
        .log_data()
        .iter()
        .map(|file| FileEntry {
            path: format!("{root}{}", file.path()),
            size: u64::try_from(file.size()).unwrap_or_default(),
            e_tag: None,
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Commit properties of every commit Boltic makes: the manifest log and its retention decide
/// what is kept, not Delta's 30-day log clean-up.
fn keep_logs() -> CommitProperties {
    CommitProperties::default().with_cleanup_expired_logs(Some(false))
}

/// The table at `root` at `published` (its version in the published manifest). When a run that
/// died before publishing committed versions after `published`, they are undone first (a Delta
/// RESTORE), so what comes next applies to exactly what readers see.
async fn open_published(location: &Location, root: &str, published: u64) -> Result<DeltaTable> {
    let error = delta_error(location, root);
    let table = open(location, root).await?;
    if table.version().is_none_or(|v| v <= published) {
        return Ok(table);
    }
    tracing::info!(
        table = root,
        published,
        "undoing commits of a run that did not publish"
    );
    let (restored, _) = table
        .restore()
        .with_version_to_restore(published)
        .with_commit_properties(keep_logs())
        .await
        .map_err(&error)?;
    Ok(restored)
}

/// What a MERGE did to a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// The table's new Delta version.
    pub version: u64,
    /// Files it wrote.
    pub files_added: usize,
    /// Files it replaced.
    pub files_removed: usize,
    /// Files the MERGE read to find the rows it updates (those it could not skip).
    pub files_scanned: usize,
}

/// Keys closer than this are one run: no data file or row group holds so few keys, so a
/// narrower gap would let nothing be skipped.
const RUN_GAP: i64 = 1 << 10;

/// `keys` as at most `most` inclusive ranges (one when `most` is 0, none without keys) that
/// hold every key, split at the widest gaps between neighbouring keys (gaps wider than
/// [`RUN_GAP`]): the runs of keys a day's changes make, in order.
pub fn key_runs(mut keys: Vec<i64>, most: usize) -> Vec<(i64, i64)> {
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Vec::new();
    }
    // the (most - 1) widest gaps, by the index of the key after each
    let mut gaps: Vec<usize> = (1..keys.len())
        .filter(|&i| keys[i].saturating_sub(keys[i - 1]) > RUN_GAP)
        .collect();
    let splits = most.max(1) - 1;
    if gaps.len() > splits {
        gaps.sort_unstable_by_key(|&i| std::cmp::Reverse(keys[i].saturating_sub(keys[i - 1])));
        gaps.truncate(splits);
        gaps.sort_unstable();
    }
    let mut runs = Vec::with_capacity(gaps.len() + 1);
    let mut start = 0;
    for i in gaps.into_iter().chain([keys.len()]) {
        runs.push((keys[start], keys[i - 1]));
        start = i;
    }
    runs
}

/// `column` within one of `runs`, in SQL (`FALSE` for none).
pub fn within_runs(column: &str, runs: &[(i64, i64)]) -> String {
    if runs.is_empty() {
        return "FALSE".to_string();
    }
    let each = runs
        .iter()
        .map(|(lo, hi)| format!("({column} >= {lo} AND {column} <= {hi})"))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!("({each})")
}

/// Rows that replace rows of a table in a [`merge`], and ranges of the table's first key column
/// that hold every one of their keys (none: no such ranges are known).
#[derive(Debug)]
pub struct Updates {
    /// The rows.
    pub rows: DataFrame,
    /// The ranges, e.g. the runs of [`key_runs`].
    pub runs: Vec<(i64, i64)>,
}

/// Upsert into the table at `root` as it was at `published` (its version in the published
/// manifest; unpublished commits are undone first, see [`open_published`]): `updates`, rows
/// whose `key` the table has, replace those rows in one Delta MERGE, which rewrites only the
/// files whose key range (their statistics) holds an updated key; `inserts`, rows whose key it
/// does not have, are appended as new files in a second commit, so that new keys touch no
/// existing file. The updates' `runs`, when there are any, name the only files the MERGE reads:
/// delta-rs skips the files outside them (by itself it skips only those outside
/// the least and greatest key, which for a day's changes, a run of settled orders and a run of
/// late ones far apart, keeps every file between). `ctx` runs the MERGE. Returns the table at
/// its new version.
pub async fn merge(
    ctx: &SessionContext,
    location: &Location,
    root: &str,
    published: u64,
    key: &[&str],
    updates: Option<Updates>,
    inserts: Vec<RecordBatch>,
) -> Result<(DeltaTable, Merged)> {
    let error = delta_error(location, root);
    let mut table = open_published(location, root, published).await?;
    let mut done = Merged::default();
    let props = writer_properties(ctx)?;
    if let Some(Updates {
        rows: updates,
        runs,
    }) = updates
    {
        let columns: Vec<String> = updates
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let quoted =
            |side: &str, column: &str| format!("{side}.\"{}\"", column.replace('"', "\"\""));
        let mut predicate = key
            .iter()
            .map(|k| format!("{} = {}", quoted("target", k), quoted("source", k)))
            .collect::<Vec<_>>()
            .join(" AND ");
        if let (Some(first), false) = (key.first(), runs.is_empty()) {
            // only target columns and literals: delta-rs keeps it whole for skipping files
            let within = within_runs(&quoted("target", first), &runs);
            predicate = format!("{predicate} AND {within}");
        }
        let (merged, metrics) = table
            .merge(updates, predicate)
            .with_source_alias("source")
            .with_target_alias("target")
            .with_session_state(Arc::new(ctx.state()))
            .with_writer_properties(props.clone())
            .with_commit_properties(keep_logs())
            .when_matched_update(|update| {
                columns
                    .iter()
                    .fold(update, |u, c| u.update(c.as_str(), quoted("source", c)))
            })
            .map_err(&error)?
            .await
            .map_err(&error)?;
        table = merged;
        done.files_added += metrics.num_target_files_added;
        done.files_removed += metrics.num_target_files_removed;
        done.files_scanned += metrics.num_target_files_scanned;
    }
    if !inserts.is_empty() {
        let before = files_in(&table);
        table = table
            .write(inserts)
            .with_save_mode(SaveMode::Append)
            .with_writer_properties(props)
            .with_commit_properties(keep_logs())
            .await
            .map_err(&error)?;
        done.files_added += files_in(&table).saturating_sub(before);
    }
    done.version = table
        .version()
        .ok_or_else(|| PipelineError::Internal(format!("'{root}' has no version after a merge")))?;
    Ok((table, done))
}

/// The Parquet settings of the files a Delta operation run in `ctx` writes: the same as the
/// files of a full build (the session's, with its row-group size, as delta-rs takes a session's
/// settings: without an Arrow schema in the metadata), not delta-rs' defaults.
fn writer_properties(ctx: &SessionContext) -> Result<WriterProperties> {
    let options = parquet_options(ctx).global;
    Ok(options.into_writer_properties_builder()?.build())
}

/// How many data files `table`'s loaded version has.
fn files_in(table: &DeltaTable) -> usize {
    table
        .snapshot()
        .map(|s| s.log_data().iter().count())
        .unwrap_or_default()
}

/// What a compaction did to a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compacted {
    /// The table's new Delta version.
    pub version: u64,
    /// Files it wrote.
    pub files_added: u64,
    /// Files it replaced.
    pub files_removed: u64,
}

/// Compact the table at `root` as it was at `published` (Delta OPTIMIZE, bin-packing): files
/// smaller than `target_size` bytes are rewritten together into files of up to that size, as
/// one commit that changes no row. `None` when there was nothing to compact (no commit).
pub async fn compact(
    ctx: &SessionContext,
    location: &Location,
    root: &str,
    published: u64,
    target_size: u64,
) -> Result<Option<(DeltaTable, Compacted)>> {
    let error = delta_error(location, root);
    let table = open_published(location, root, published).await?;
    let before = table.version();
    let target = std::num::NonZeroU64::new(target_size.max(1)).expect("at least 1");
    let (table, metrics) = table
        .optimize()
        .with_target_size(target)
        .with_session_state(Arc::new(ctx.state()))
        .with_writer_properties(writer_properties(ctx)?)
        .with_commit_properties(keep_logs())
        .await
        .map_err(&error)?;
    let version = table.version();
    if metrics.num_files_added == 0 || version == before {
        return Ok(None);
    }
    let version = version.ok_or_else(|| {
        PipelineError::Internal(format!("'{root}' has no version after a compaction"))
    })?;
    Ok(Some((
        table,
        Compacted {
            version,
            files_added: metrics.num_files_added,
            files_removed: metrics.num_files_removed,
        },
    )))
}

/// What replacing the table at `root` by one of `schema` would take from its readers: each
/// column it drops and each it retypes (new columns and changed nullability take nothing).
/// Empty for a table with no commit yet.
pub async fn lost_columns(location: &Location, root: &str, schema: &Schema) -> Result<Vec<String>> {
    let table = open(location, root).await?;
    if table.version().is_none() {
        return Ok(Vec::new());
    }
    let error = delta_error(location, root);
    let before = table.snapshot().map_err(&error)?.schema();
    let after: StructType = schema.try_into_kernel().map_err(|e| PipelineError::Delta {
        table: location.display_of(root),
        message: format!("its schema has no Delta equivalent: {e}"),
    })?;
    let mut lost = Vec::new();
    for old in before.fields() {
        match after.field(old.name()) {
            None => lost.push(format!("drop column '{}'", old.name())),
            Some(new) if new.data_type() != old.data_type() => lost.push(format!(
                "change column '{}' from {} to {}",
                old.name(),
                old.data_type(),
                new.data_type()
            )),
            Some(_) => {}
        }
    }
    Ok(lost)
}

/// A data file's Delta statistics from its Parquet footer (one ranged read when the footer is in
/// its last 64 KiB, as it is for the warehouse's files): its row count, the null count of every
/// column whose row groups all count them, and the least and greatest value of every integer
/// column. MERGE and readers skip the files whose key range a predicate excludes, so a table
/// whose files hold runs of keys has a batch touch few of them.
async fn file_stats(location: &Location, path: &str, size: u64) -> Result<String> {
    let metadata = footer(location, path, size).await?;
    Ok(stats_json(&metadata).to_string())
}

/// [`file_stats`] of decoded footer `metadata`, as Delta's `stats` JSON.
fn stats_json(metadata: &ParquetMetaData) -> serde_json::Value {
    use datafusion::parquet::file::statistics::Statistics;
    use serde_json::{Map, Value};

    let rows = metadata.file_metadata().num_rows();
    let columns = metadata.file_metadata().schema_descr().columns();
    let (mut nulls, mut mins, mut maxs) = (Map::new(), Map::new(), Map::new());
    for (i, column) in columns.iter().enumerate() {
        // Top-level columns only: the warehouse's tables are flat.
        if column.path().parts().len() != 1 {
            continue;
        }
        let name = column.name().to_string();
        let mut null_count = Some(0u64);
        let mut range: Option<(i64, i64)> = None;
        let mut ranged = true;
        for group in metadata.row_groups() {
            let chunk = group.column(i);
            let statistics = chunk.statistics();
            null_count = match (null_count, statistics.and_then(Statistics::null_count_opt)) {
                (Some(sum), Some(n)) => Some(sum + n),
                _ => None,
            };
            let bounds = match statistics {
                Some(Statistics::Int64(s)) => s.min_opt().zip(s.max_opt()).map(|(a, b)| (*a, *b)),
                Some(Statistics::Int32(s)) => s
                    .min_opt()
                    .zip(s.max_opt())
                    .map(|(a, b)| (i64::from(*a), i64::from(*b))),
                _ => None,
            };
            match bounds {
                Some((lo, hi)) => {
                    range = Some(range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                }
                // A group of nulls only has no bounds and changes none; any other gap leaves the
                // column without a range.
                None if chunk.num_values() > 0
                    && statistics
                        .and_then(Statistics::null_count_opt)
                        .is_some_and(|n| n == chunk.num_values() as u64) => {}
                None => ranged = false,
            }
        }
        if let Some(n) = null_count {
            nulls.insert(name.clone(), Value::from(n));
        }
        if let (true, Some((lo, hi))) = (ranged, range) {
            mins.insert(name.clone(), Value::from(lo));
            maxs.insert(name, Value::from(hi));
        }
    }
    let mut stats = Map::new();
    stats.insert("numRecords".into(), Value::from(rows));
    stats.insert("minValues".into(), Value::Object(mins));
    stats.insert("maxValues".into(), Value::Object(maxs));
    stats.insert("nullCount".into(), Value::Object(nulls));
    Value::Object(stats)
}

/// The decoded footer of the Parquet file at `path` (`size` bytes).
async fn footer(location: &Location, path: &str, size: u64) -> Result<ParquetMetaData> {
    const FOOTER: u64 = 8;
    let corrupt = |why: &str| {
        PipelineError::Parquet(datafusion::parquet::errors::ParquetError::General(format!(
            "'{}' {why}",
            location.display_of(path)
        )))
    };
    if size < FOOTER {
        return Err(corrupt("is too small to be a Parquet file"));
    }
    let object = location.path(path);
    let mut start = size.saturating_sub(64 * 1024);
    let mut tail = location.store().get_range(&object, start..size).await?;
    let footer: &[u8; FOOTER as usize] = tail[tail.len() - FOOTER as usize..]
        .try_into()
        .map_err(|_| corrupt("has no footer"))?;
    let length = FooterTail::try_new(footer)?.metadata_length() as u64;
    if length + FOOTER > size {
        return Err(corrupt("has a footer longer than the file"));
    }
    if size - FOOTER - length < start {
        start = size - FOOTER - length;
        tail = location.store().get_range(&object, start..size).await?;
    }
    let from = (size - FOOTER - length - start) as usize;
    Ok(ParquetMetaDataReader::decode_metadata(
        &tail[from..tail.len() - FOOTER as usize],
    )?)
}

#[cfg(test)]
mod tests {
    use super::{key_runs, within_runs};

    #[test]
    fn key_runs_split_at_the_widest_gaps() {
        // a run of settled orders (every other id), late ones of the day before far above
        let mut keys: Vec<i64> = (8_800_000..8_900_000).step_by(2).collect();
        keys.extend([9_800_010, 9_800_900, 9_900_500, 9_800_011]);
        assert_eq!(
            key_runs(keys.clone(), 16),
            vec![
                (8_800_000, 8_899_998),
                (9_800_010, 9_800_900),
                (9_900_500, 9_900_500)
            ]
        );
        // fewer ranges allowed: the narrowest gap closes first
        assert_eq!(
            key_runs(keys.clone(), 2),
            vec![(8_800_000, 8_899_998), (9_800_010, 9_900_500)]
        );
        assert_eq!(key_runs(keys, 1), vec![(8_800_000, 9_900_500)]);
        // repeated and unsorted keys; keys less than a run's gap apart stay one run
        assert_eq!(
            key_runs(vec![7, 3, 4, 3, 5, 2_000, i64::MIN, i64::MAX], 16),
            vec![
                (i64::MIN, i64::MIN),
                (3, 7),
                (2_000, 2_000),
                (i64::MAX, i64::MAX)
            ]
        );
        assert_eq!(key_runs(Vec::new(), 16), Vec::<(i64, i64)>::new());
    }

    #[test]
    fn every_key_falls_in_one_of_its_runs() {
        let keys: Vec<i64> = (0..2_000i64)
            .map(|i| (i * 7_919_993) % 10_000_019 - 5_000_000)
            .collect();
        for most in [1, 2, 5, 16, 5_000] {
            let runs = key_runs(keys.clone(), most);
            assert!(
                !runs.is_empty() && runs.len() <= most.max(1),
                "{most}: {runs:?}"
            );
            assert!(runs.windows(2).all(|w| w[0].1 < w[1].0), "ordered, apart");
            for k in &keys {
                assert!(
                    runs.iter().any(|(lo, hi)| lo <= k && k <= hi),
                    "{k} in {runs:?}"
                );
            }
        }
    }

    #[test]
    fn within_runs_is_sql_for_each_range() {
        assert_eq!(within_runs("k", &[]), "FALSE");
        assert_eq!(
            within_runs("t.\"k\"", &[(1, 2), (5, 5)]),
            "((t.\"k\" >= 1 AND t.\"k\" <= 2) OR (t.\"k\" >= 5 AND t.\"k\" <= 5))"
        );
    }
}
