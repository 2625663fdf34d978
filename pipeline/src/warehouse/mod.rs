//! The warehouse layout, its manifest log and the publish that two writers cannot break.
//!
//! ```text
//! <warehouse>/_boltic/manifest/<N>.json          the manifest log: entry N names version N's files
//! <warehouse>/_boltic/run-lease.json              held by the one run building the warehouse
//! <warehouse>/_boltic/readers/<reader>.json       versions servers are reading (kept by clean-up)
//! <warehouse>/normalized/<table>/_delta_log/      each cleaned raw table is a Delta table ...
//! <warehouse>/normalized/<table>/<version>/       ... whose files a run writes in its own folder
//! <warehouse>/normalized/<table>/part-*.parquet   ... or a MERGE writes at its root
//! <warehouse>/tables/<model>/                     the star schema built by the SQL models, alike
//! <warehouse>/versions/<version>/report.json      what the run did
//! <warehouse>/versions/<version>/staging/         new raw loads, cleaned (removed once published)
//! ```
//! The way Delta Lake writes its log: a run writes everything of a new version under its own
//! folders, makes it durable, commits each table's new Delta version, then *creates* the next
//! numbered manifest. Creating is atomic and exclusive on S3 (`If-None-Match: *`) and on local
//! folders (a hard link), so of two runs that started from the same manifest only one publishes;
//! the other gets a clear error and never overwrites. Delta is ACID per table; the manifest,
//! which names every table's Delta version and files, is the one cut across all tables that
//! readers see. The current version is the newest entry that reads whole: a damaged entry (a
//! torn write after a power loss) is skipped for its predecessor, and the next run repairs it by
//! publishing the entry after it. Each entry lists every file of every table with its size, so
//! a reader reads exactly those files (never a stray or half-deleted one) and can check that
//! they are all there before it switches.
//!
//! Warehouses of formats 1 and 2 (before Delta: `versions/<version>/normalized/`,
//! `versions/<version>/tables/`) are still read; a run on one publishes format 3 beside them and
//! clean-up removes the old folders with their versions. A warehouse written before the log
//! (`_boltic/manifest.json`) is read as entry 0.

mod lease;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::listing::{ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::cache::TableScopedPath;
use datafusion::execution::cache::cache_manager::CachedFileList;
use datafusion::execution::cache::{Cache, CacheKey, CacheValue};
use datafusion::execution::options::ReadOptions;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use object_store::ObjectMeta;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

pub use self::lease::{ReaderLease, RunLease};
use crate::error::{PipelineError, Result};
use crate::location::Location;

/// Folder of the numbered manifest log inside a warehouse location.
pub const MANIFEST_LOG: &str = "_boltic/manifest";
/// The single manifest of warehouses published before the log; read as entry 0.
pub const LEGACY_MANIFEST: &str = "_boltic/manifest.json";
/// Folder holding one sub-folder per version.
pub const VERSIONS: &str = "versions";
/// The manifest format this build writes (3: tables are Delta tables, each named with its
/// Delta version).
pub const FORMAT: u32 = 3;

/// Path of manifest entry `sequence`, relative to the warehouse (zero-padded so names sort).
pub fn entry_path(sequence: u64) -> String {
    if sequence == 0 {
        return LEGACY_MANIFEST.to_string();
    }
    format!("{MANIFEST_LOG}/{sequence:020}.json")
}

/// Which layer a table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Cleaned raw data.
    Normalized,
    /// Built by a SQL model (the star schema).
    Model,
}

/// One data file of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the warehouse location.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// The store's ETag when it was published, where the store gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
}

/// One table of a published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    /// Folder of its Parquet files, relative to the warehouse location, ending in `/`.
    pub path: String,
    /// Row count.
    pub rows: u64,
    /// Layer.
    pub layer: Layer,
    /// Its files (format 2); readers read exactly these. `None` in format 1 (the folder's files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FileEntry>>,
    /// The Delta table and version holding exactly these files (format 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<DeltaVersion>,
}

/// A version of a Delta table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaVersion {
    /// The table's root (the folder holding `_delta_log/`), relative to the warehouse, ending in
    /// `/`.
    pub root: String,
    /// The Delta version.
    pub version: u64,
}

/// The published state of a warehouse: one entry of the manifest log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format of this file.
    pub format: u32,
    /// Its number in the manifest log (0 for a manifest written before the log).
    #[serde(default)]
    pub sequence: u64,
    /// The version id (sortable: UTC time of the run plus a random suffix).
    pub version: String,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Fingerprint of the inputs (raw files and project) that built it.
    pub fingerprint: String,
    /// Tables by name.
    pub tables: BTreeMap<String, TableEntry>,
    /// Path of the run report, relative to the warehouse.
    pub report: String,
    /// Published versions, newest first (this one included).
    pub history: Vec<String>,
    /// The raw load files applied to the tables so far, in the order they were applied (empty
    /// when the raw location holds flat files, not load folders).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<AppliedFile>,
}

/// A raw load file a version applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedFile {
    /// Path relative to the raw location (`order/load_date=2024-08-01/order.csv`).
    pub path: String,
    /// Bytes when it was applied.
    pub size: u64,
    /// The store's ETag when it was applied, where the store gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// The version that applied it.
    pub version: String,
}

/// An entry of the manifest log as read: the manifest, or why it cannot be used.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// Its number.
    pub sequence: u64,
    /// The manifest, or what is wrong with the entry.
    pub manifest: std::result::Result<Manifest, String>,
}

/// The newest version that reads whole, and what was skipped to find it.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// The newest entry whose manifest parses and whose files are all there; `None` when there
    /// is none (an empty warehouse, or nothing readable).
    pub manifest: Option<Manifest>,
    /// Newer entries that were skipped, with why (newest first).
    pub skipped: Vec<String>,
    /// The highest entry number in the log, readable or not: the next publish creates the one
    /// after it.
    pub last_sequence: u64,
}

/// Which published versions clean-up keeps, besides the current one and those a server reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The newest published versions kept (at least 1: the current one).
    pub versions: usize,
    /// Versions published at or after this time are kept too.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

/// A warehouse at a location.
#[derive(Debug, Clone)]
pub struct Warehouse {
    location: Location,
}

impl Warehouse {
    /// The warehouse at `location`.
    pub fn new(location: Location) -> Self {
        Warehouse { location }
    }

    /// Its location.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The numbers of the manifest log's entries, newest first (`[0]` for a warehouse published
    /// before the log, empty for an empty warehouse). Only lists; reads nothing.
    pub async fn sequences(&self) -> Result<Vec<u64>> {
        let mut sequences: Vec<u64> = self
            .location
            .list_files(MANIFEST_LOG)
            .await?
            .iter()
            .filter_map(|f| {
                let name = f.path.rsplit('/').next()?;
                let digits = name.strip_suffix(".json")?;
                (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| digits.parse().ok())
                    .flatten()
            })
            .collect();
        if sequences.is_empty() && self.location.head(LEGACY_MANIFEST).await?.is_some() {
            sequences.push(0);
        }
        sequences.sort_unstable_by(|a, b| b.cmp(a));
        Ok(sequences)
    }

    /// Read manifest entry `sequence`.
    pub async fn entry(&self, sequence: u64) -> Result<LogEntry> {
        let path = entry_path(sequence);
        let manifest = match self.location.read_optional(&path).await? {
            None => Err(format!(
                "'{}' disappeared while it was read",
                self.location.display_of(&path)
            )),
            Some(bytes) => serde_json::from_slice::<Manifest>(&bytes)
                .map_err(|e| {
                    format!(
                        "manifest '{}' is damaged ({e})",
                        self.location.display_of(&path)
                    )
                })
                .and_then(|mut m| {
                    if m.format > FORMAT {
                        return Err(format!(
                            "manifest '{}' has format {}, newer than this build's {FORMAT}; upgrade boltic",
                            self.location.display_of(&path),
                            m.format
                        ));
                    }
                    m.sequence = sequence;
                    Ok(m)
                }),
        };
        Ok(LogEntry { sequence, manifest })
    }

    /// The newest manifest that parses, or `None` for an empty warehouse. Damaged newer entries
    /// are skipped (see [`Warehouse::published`] to also check the files).
    pub async fn current(&self) -> Result<Option<Manifest>> {
        let sequences = self.sequences().await?;
        let mut damaged = Vec::new();
        for sequence in &sequences {
            match self.entry(*sequence).await?.manifest {
                Ok(manifest) => {
                    for problem in damaged {
                        tracing::warn!("{problem}; reading the entry before it");
                    }
                    return Ok(Some(manifest));
                }
                Err(problem) => damaged.push(problem),
            }
        }
        match damaged.into_iter().next() {
            None => Ok(None),
            Some(problem) => Err(PipelineError::CorruptManifest {
                path: self.location.display_of(MANIFEST_LOG),
                message: format!("no entry of the log is readable: {problem}"),
            }),
        }
    }

    /// The newest version that reads whole: its manifest parses and every file it lists is
    /// there with its size.
    pub async fn published(&self) -> Result<Published> {
        let sequences = self.sequences().await?;
        let mut published = Published {
            last_sequence: sequences.first().copied().unwrap_or(0),
            ..Published::default()
        };
        for sequence in sequences {
            let checked = match self.entry(sequence).await?.manifest {
                Ok(manifest) => self.check_files(&manifest).await?.map(|()| manifest),
                Err(problem) => Err(problem),
            };
            match checked {
                Ok(manifest) => {
                    published.manifest = Some(manifest);
                    break;
                }
                Err(problem) => published.skipped.push(problem),
            }
        }
        Ok(published)
    }

    /// Whether every file `manifest` lists is there with its size: `Ok(Err(why))` names the
    /// first that is not. (Manifests of format 1 list folders, not files: nothing to check.)
    pub async fn check_files(
        &self,
        manifest: &Manifest,
    ) -> Result<std::result::Result<(), String>> {
        for (name, table) in &manifest.tables {
            for file in table.files.iter().flatten() {
                let problem = match self.location.head(&file.path).await? {
                    None => "is missing".to_string(),
                    Some(found) if found.size != file.size => {
                        format!("has {} bytes instead of {}", found.size, file.size)
                    }
                    Some(_) => continue,
                };
                return Ok(Err(format!(
                    "version '{}' (manifest {}) is incomplete: file '{}' of table '{name}' {problem}",
                    manifest.version,
                    manifest.sequence,
                    self.location.display_of(&file.path)
                )));
            }
        }
        Ok(Ok(()))
    }

    /// A fresh, sortable version id.
    pub fn new_version_id() -> String {
        let now = chrono::Utc::now();
        format!(
            "{}-{:04x}",
            now.format("%Y%m%dT%H%M%S%3fZ"),
            rand::random::<u16>()
        )
    }

    /// Folder of a version, relative to the warehouse.
    pub fn version_prefix(version: &str) -> String {
        format!("{VERSIONS}/{version}")
    }

    /// The files of the table at `folder` (relative, ending in `/`), as a manifest lists them.
    pub async fn table_files(&self, folder: &str) -> Result<Vec<FileEntry>> {
        Ok(self
            .location
            .list_files(folder)
            .await?
            .into_iter()
            .filter(|f| f.path.ends_with(".parquet"))
            .map(|f| FileEntry {
                path: f.path,
                size: f.size,
                e_tag: f.e_tag,
            })
            .collect())
    }

    /// Make `manifest` current: create its entry in the log, the single step that switches
    /// readers to the new version. Everything it names must be durable before (see
    /// [`Location::sync`]). Fails with [`PipelineError::PublishConflict`] when the entry exists,
    /// that is when another run published since this one read the log.
    pub async fn publish(&self, manifest: &Manifest) -> Result<()> {
        crate::failpoint("before_publish");
        let bytes = serde_json::to_vec_pretty(manifest)
            .map_err(|e| PipelineError::Internal(e.to_string()))?;
        let path = entry_path(manifest.sequence);
        if manifest.sequence == 0 || !self.location.create(&path, bytes).await? {
            let other = match self.entry(manifest.sequence).await?.manifest {
                // A retried create whose first attempt succeeded but whose answer was lost.
                Ok(other) if other.version == manifest.version && manifest.sequence > 0 => None,
                Ok(other) => Some(other.version),
                Err(_) => Some("(unreadable)".to_string()),
            };
            if let Some(other) = other {
                return Err(PipelineError::PublishConflict {
                    warehouse: self.location.to_string(),
                    sequence: manifest.sequence,
                    other,
                });
            }
        }
        crate::failpoint("after_publish");
        self.location.sync(&path).await?;
        if manifest.sequence == 1 {
            // The log now holds the current version; a format-1 manifest left beside it would
            // show older binaries a stale version whose files clean-up may remove.
            self.location.delete(LEGACY_MANIFEST).await?;
        }
        Ok(())
    }

    /// Remove versions that are neither among the `keep` newest published ones, nor newer than
    /// the current one (a newer folder may belong to a run still in progress), nor read by a
    /// server (an unexpired [`ReaderLease`]); then the log entries that named them, before their
    /// files, so no entry ever names a half-deleted version. Returns the versions removed.
    pub async fn clean_up(&self, current: &Manifest, keep: usize) -> Result<Vec<String>> {
        self.clean_up_retaining(
            current,
            &Retention {
                versions: keep,
                since: None,
            },
        )
        .await
    }

    /// [`Warehouse::clean_up`] with a [`Retention`]: a version is also kept when it was published
    /// at or after `retention.since`.
    pub async fn clean_up_retaining(
        &self,
        current: &Manifest,
        retention: &Retention,
    ) -> Result<Vec<String>> {
        let mut kept: BTreeSet<String> = current
            .history
            .iter()
            .take(retention.versions.max(1))
            .cloned()
            .collect();
        let in_use = self.versions_in_use().await?;
        for version in &in_use {
            if kept.insert(version.clone()) {
                tracing::info!(%version, "kept: a server is reading it");
            }
        }
        // Older log entries, read once: those published inside the retention window are kept.
        let mut older = Vec::new();
        for sequence in self.sequences().await? {
            if sequence < current.sequence {
                older.push((sequence, self.entry(sequence).await?.manifest));
            }
        }
        if let Some(since) = retention.since {
            for manifest in older.iter().filter_map(|(_, m)| m.as_ref().ok()) {
                let recent = chrono::DateTime::parse_from_rfc3339(&manifest.published_at)
                    .is_ok_and(|at| at.with_timezone(&chrono::Utc) >= since);
                if recent && kept.insert(manifest.version.clone()) {
                    tracing::info!(version = %manifest.version, "kept: inside the retention window");
                }
            }
        }
        // Each Delta table keeps a run's files in a folder named after its version (a run that
        // died early may have left only those); a MERGE writes its files at the table's root.
        let mut table_roots = Vec::new();
        for layer in [crate::delta::NORMALIZED, crate::delta::TABLES] {
            for table in self.location.list_folders(layer).await? {
                table_roots.push(format!("{layer}/{table}/"));
            }
        }
        let mut table_folders = Vec::new();
        for root in &table_roots {
            for folder in self
                .location
                .list_folders(root.trim_end_matches('/'))
                .await?
            {
                if !folder.starts_with('_') {
                    table_folders.push((folder, root.clone()));
                }
            }
        }
        let mut folders: BTreeSet<String> = self
            .location
            .list_folders(VERSIONS)
            .await?
            .into_iter()
            .collect();
        folders.extend(table_folders.iter().map(|(version, _)| version.clone()));
        let doomed: Vec<String> = folders
            .into_iter()
            .filter(|f| !kept.contains(f) && f.as_str() < current.version.as_str())
            .collect();

        // Older log entries: keep those of kept versions; drop the others and damaged ones. The
        // files the kept ones name stay, wherever they are (an incremental run's table keeps the
        // files of earlier versions its MERGE did not touch).
        let mut named: BTreeSet<String> = BTreeSet::new();
        let mut name = |manifest: &Manifest| {
            for table in manifest.tables.values() {
                named.extend(table.files.iter().flatten().map(|f| f.path.clone()));
            }
        };
        name(current);
        for (sequence, manifest) in &older {
            let drop = match manifest {
                Ok(m) if kept.contains(&m.version) => {
                    name(m);
                    false
                }
                _ => true,
            };
            if drop {
                self.location.delete(&entry_path(*sequence)).await?;
            }
        }

        let mut removed = Vec::new();
        for folder in doomed {
            // Tables first: a version folder that remains means the version is not gone yet.
            for (_, root) in table_folders.iter().filter(|(v, _)| *v == folder) {
                let prefix = format!("{root}{folder}/");
                let files = self.location.list_files(&prefix).await?;
                if files.iter().any(|f| named.contains(&f.path)) {
                    for file in files.iter().filter(|f| !named.contains(&f.path)) {
                        self.location.delete(&file.path).await?;
                    }
                } else {
                    self.location.delete_prefix(&prefix).await?;
                }
            }
            self.location
                .delete_prefix(&Self::version_prefix(&folder))
                .await?;
            crate::failpoint("during_clean_up");
            removed.push(folder);
        }

        // Files a MERGE wrote at a table's root that no kept version names: those of versions
        // removed above, and of runs that died before they published (written before the
        // current version was; a newer one may belong to a run in progress).
        let published_at = chrono::DateTime::parse_from_rfc3339(&current.published_at)
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok();
        for root in &table_roots {
            for meta in self.location.list_objects(root).await? {
                let path = self.location.relative_path(&meta);
                let at_root = path
                    .strip_prefix(root.as_str())
                    .is_some_and(|rest| !rest.contains('/'));
                if at_root
                    && !named.contains(&path)
                    && published_at.is_some_and(|t| meta.last_modified < t)
                {
                    self.location.delete(&path).await?;
                }
            }
        }
        Ok(removed)
    }

    /// Register every table of `manifest` in a DataFusion session under its own name: exactly
    /// the files the manifest lists (format 2), or the table's folder (format 1).
    ///
    /// When the table's folder holds exactly the listed files (the normal case) it is
    /// registered as a folder whose listing is seeded, once, with those files: queries then
    /// neither list nor `HEAD` anything, as fast as a plain folder table. Otherwise (a stray
    /// file, a listing that lags) each file is registered on its own, which costs one `HEAD` per
    /// file per query but still reads exactly the manifest's files.
    pub async fn register(&self, ctx: &SessionContext, manifest: &Manifest) -> Result<()> {
        self.location.register(ctx);
        for (name, table) in &manifest.tables {
            self.register_table(ctx, name, table).await?;
        }
        Ok(())
    }

    /// Register `table` in `ctx` as `name` (replacing what had that name), the way
    /// [`Warehouse::register`] does. The warehouse's store must be registered in `ctx`.
    pub async fn register_table(
        &self,
        ctx: &SessionContext,
        name: &str,
        table: &TableEntry,
    ) -> Result<()> {
        let state = ctx.state();
        let options = ParquetReadOptions::default()
            .to_listing_options(&ctx.copied_config(), ctx.copied_table_options());
        ctx.deregister_table(name)?;
        let folder = format!("{}/", table.path.trim_end_matches('/'));
        let Some(files) = table.files.as_deref().filter(|f| !f.is_empty()) else {
            ctx.register_parquet(
                name,
                self.location.url(&folder),
                ParquetReadOptions::default(),
            )
            .await?;
            return Ok(());
        };
        let listed: Vec<ObjectMeta> = self
            .location
            .list_objects(&folder)
            .await?
            .into_iter()
            .filter(|meta| meta.location.as_ref().ends_with(&options.file_extension))
            .collect();
        let wanted: BTreeMap<&str, u64> = files.iter().map(|f| (f.path.as_str(), f.size)).collect();
        // A folder table reads only the files directly in it (DataFusion skips sub-folders
        // that are not partitions), so the files of a merged table, which sit in several
        // versions' folders under its root, are registered one by one.
        let exact = listed.len() == wanted.len()
            && listed.iter().all(|meta| {
                let path = self.location.relative_path(meta);
                let direct = path
                    .strip_prefix(folder.as_str())
                    .is_some_and(|name| !name.contains('/'));
                direct && wanted.get(path.as_str()) == Some(&meta.size)
            });
        // The listed files the manifest names (see the schema below).
        let metas: Vec<ObjectMeta> = listed
            .iter()
            .filter(|meta| {
                wanted.get(self.location.relative_path(meta).as_str()) == Some(&meta.size)
            })
            .cloned()
            .collect();
        let config = if exact {
            let url = ListingTableUrl::parse(self.location.url(&folder))?;
            if let Some(cache) = state.runtime_env().cache_manager.get_list_files_cache() {
                let key = TableScopedPath {
                    table: None,
                    path: url.prefix().clone(),
                };
                cache.put(&key, CachedFileList::from(listed));
            }
            ListingTableConfig::new(url)
        } else {
            // A table an incremental run merged into has files of several versions under its
            // Delta root; a version's own folder should hold exactly its files.
            let merged = table.delta.as_ref().is_some_and(|d| d.root == folder);
            if !merged {
                tracing::warn!(
                    table = name,
                    folder = folder.as_str(),
                    "the table's folder does not hold exactly the manifest's files; \
                     reading the listed files one by one"
                );
            }
            let urls = files
                .iter()
                .map(|f| ListingTableUrl::parse(self.location.url(&f.path)))
                .collect::<datafusion::error::Result<Vec<_>>>()?;
            ListingTableConfig::new_with_multi_paths(urls)
        };
        // The files of a table come from several writers (the extract, DataFusion, delta-rs's
        // MERGE and OPTIMIZE), which record strings as Utf8 or as Utf8View; DataFusion merges the
        // files' schemas before it reads strings as views, and a mix fails to merge. So each
        // file's schema is read on its own, its strings made one kind, and then merged.
        let config = config.with_listing_options(options.clone());
        let config = if metas.len() == files.len() {
            let views = ctx
                .copied_table_options()
                .parquet
                .global
                .schema_force_view_types;
            let reads = metas.iter().map(|meta| {
                options.format.infer_schema(
                    &state,
                    self.location.store(),
                    std::slice::from_ref(meta),
                )
            });
            let schemas = futures::future::try_join_all(reads).await?;
            let schema = Schema::try_merge(schemas.iter().map(|s| one_kind_of_strings(s, views)))?;
            config.with_schema(Arc::new(schema))
        } else {
            config.infer_schema(&state).await?
        };
        let provider = ListingTable::try_new(config)?
            .with_cache(state.runtime_env().cache_manager.get_file_statistic_cache());
        ctx.register_table(name, Arc::new(provider))?;
        Ok(())
    }

    /// Drop what DataFusion's runtime caches hold about files outside the tables of `serving`:
    /// listings, file statistics and Parquet footers are keyed by path, and every publish
    /// brings new paths, so a long-running server sharing one runtime across versions would
    /// otherwise fill them (up to ~70 MiB) with versions it no longer reads. Returns how many
    /// entries were dropped.
    pub fn forget_other_versions(&self, runtime: &RuntimeEnv, serving: &[&Manifest]) -> usize {
        let kept: Vec<Path> = serving
            .iter()
            .flat_map(|m| m.tables.values())
            .map(|t| self.location.path(&t.path))
            .collect();
        let stale = |path: &Path| !kept.iter().any(|folder| path.prefix_matches(folder));
        let caches = &runtime.cache_manager;
        let mut dropped = 0;
        if let Some(cache) = caches.get_list_files_cache() {
            dropped += forget(cache.as_ref(), |key: &TableScopedPath| stale(&key.path));
        }
        if let Some(cache) = caches.get_file_statistic_cache() {
            dropped += forget(cache.as_ref(), |key: &TableScopedPath| stale(&key.path));
        }
        dropped += forget(caches.get_file_metadata_cache().as_ref(), stale);
        dropped
    }
}

/// Remove the entries of `cache` whose key `stale` says; returns how many.
fn forget<K: CacheKey, V: CacheValue>(
    cache: &(impl Cache<K, V> + ?Sized),
    stale: impl Fn(&K) -> bool,
) -> usize {
    let keys: Vec<K> = cache
        .list_entries()
        .into_keys()
        .filter(|k| stale(k))
        .collect();
    keys.iter().filter(|k| cache.remove(k).is_some()).count()
}

/// `schema` with every string column of one kind: views (`Utf8View`) when `views`, else `Utf8`.
fn one_kind_of_strings(schema: &Schema, views: bool) -> Schema {
    let string = if views {
        DataType::Utf8View
    } else {
        DataType::Utf8
    };
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                f.as_ref().clone().with_data_type(string.clone())
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}
