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
use datafusion::parquet::file::metadata::{FooterTail, ParquetMetaDataReader};
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
    move |e| PipelineError::Delta {
        table: table.clone(),
        message: e.to_string(),
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
    match table.load().await {
        Ok(()) | Err(DeltaTableError::NotATable(_)) => Ok(table),
        Err(e) => Err(error(e)),
    }
}

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
        let rows = rows_in(location, &file.path, file.size).await?;
        actions.push(Action::Add(Add {
            path: relative.to_string(),
            size: i64::try_from(file.size)
                .map_err(|e| PipelineError::Internal(format!("file size: {e}")))?,
            partition_values: Default::default(),
            modification_time: now,
            data_change: true,
            stats: Some(format!("{{\"numRecords\":{rows}}}")),
            ..Default::default()
        }));
    }
    let table = table
        .create()
        .with_table_name(name)
        .with_columns(columns.fields().cloned())
        .with_save_mode(SaveMode::Overwrite)
        .with_actions(actions)
        // The manifest log and its retention decide what is kept, not Delta's 30-day log clean-up.
        .with_commit_properties(CommitProperties::default().with_cleanup_expired_logs(Some(false)))
        .await
        .map_err(&error)?;
    table
        .version()
        .ok_or_else(|| PipelineError::Internal(format!("'{root}' has no version after a commit")))
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

/// The row count a Parquet file's footer gives (one ranged read when the footer is in its
/// last 64 KiB, as it is for the warehouse's files).
async fn rows_in(location: &Location, path: &str, size: u64) -> Result<i64> {
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
    let metadata =
        ParquetMetaDataReader::decode_metadata(&tail[from..tail.len() - FOOTER as usize])?;
    Ok(metadata.file_metadata().num_rows())
}
