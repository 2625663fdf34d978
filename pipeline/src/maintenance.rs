//! Warehouse maintenance: compacting small files (Delta OPTIMIZE) and vacuuming the files no kept
//! version needs.
//!
//! Incremental runs MERGE into the tables, and every MERGE writes new files beside the ones it
//! did not touch; over many runs a table gathers small files, and queries pay per file. A
//! compaction rewrites a table's small files into a few large ones as one Delta commit that
//! changes no row, and publishes the result as a new warehouse version (the manifest names every
//! table's Delta version, so readers switch to the compacted files at once and a reader of the
//! version before keeps its files). Runs compact by policy ([`CompactPolicy`] in
//! [`crate::RunOptions`]); `boltic warehouse optimize` does it on demand.
//!
//! Vacuum is the warehouse's retention, not Delta's: Delta's own VACUUM knows one table's log and
//! a time window, while what must stay is every file of every version the warehouse keeps (the
//! newest N, those published inside a time window, and those a server reads, see
//! [`crate::warehouse::ReaderLease`]), across all tables. So vacuum removes the versions outside
//! the retention, their log entries, and every data file no kept version names.

use std::collections::BTreeMap;
use std::time::Duration;

use datafusion::prelude::SessionContext;
use serde::Serialize;

use crate::delta;
use crate::error::{PipelineError, Result};
use crate::location::Location;
use crate::warehouse::{DeltaVersion, Manifest, Retention, TableEntry, Warehouse};

/// When a table's small files are compacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactPolicy {
    /// Files smaller than this many bytes are small; they are rewritten into files of up to it.
    pub target_size: u64,
    /// A table is compacted once it has at least this many small files (0: never).
    pub min_small_files: usize,
}

impl CompactPolicy {
    /// Files under 2 MiB are small: what daily appends leave. A run writes a table's files as
    /// runs of a quarter of a million keys (about 4 MiB of orders, more of wider tables) and a
    /// MERGE rewrites into files of up to [`crate::delta::TARGET_FILE_BYTES`], which compaction
    /// leaves alone, so a batch's MERGE still rewrites only the files of the keys it changes
    /// (bin-packing them into Delta's default 100 MiB would mix the runs and make every
    /// rewrite larger).
    pub const TARGET_SIZE: u64 = 2 << 20;

    /// The policy of runs: compact a table once it has 16 small files.
    pub const AFTER_RUNS: CompactPolicy = CompactPolicy {
        target_size: Self::TARGET_SIZE,
        min_small_files: 16,
    };

    /// The policy of `boltic warehouse optimize`: compact every table with two small files.
    pub const ON_DEMAND: CompactPolicy = CompactPolicy {
        target_size: Self::TARGET_SIZE,
        min_small_files: 2,
    };
}

impl Default for CompactPolicy {
    fn default() -> Self {
        Self::AFTER_RUNS
    }
}

/// What compacting one table did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compaction {
    /// Table.
    pub table: String,
    /// Its files before.
    pub files_before: usize,
    /// Its files after.
    pub files_after: usize,
    /// Bytes of its files before.
    pub bytes_before: u64,
    /// Bytes of its files after.
    pub bytes_after: u64,
    /// Its new Delta version.
    pub delta_version: u64,
}

/// Compact every Delta table of `tables` that `policy` says (see [`delta::compact`]); each
/// compacted table's entry then names its new files and Delta version, and its path is its
/// Delta root. Returns what was compacted, by table name.
pub(crate) async fn compact_tables(
    ctx: &SessionContext,
    location: &Location,
    tables: &mut BTreeMap<String, TableEntry>,
    policy: &CompactPolicy,
) -> Result<Vec<Compaction>> {
    let mut done = Vec::new();
    if policy.min_small_files == 0 {
        return Ok(done);
    }
    for (name, entry) in tables.iter_mut() {
        let Some(published) = entry.delta.clone() else {
            continue;
        };
        let files = entry.files.clone().unwrap_or_default();
        let small = files.iter().filter(|f| f.size < policy.target_size).count();
        if small < policy.min_small_files.max(2) {
            continue;
        }
        let Some((table, compacted)) = delta::compact(
            ctx,
            location,
            &published.root,
            published.version,
            policy.target_size,
        )
        .await?
        else {
            continue;
        };
        let after = delta::files(location, &published.root, &table)?;
        location.sync(&published.root).await?;
        tracing::info!(
            table = %name,
            files_before = files.len(),
            files_after = after.len(),
            delta_version = compacted.version,
            "compacted"
        );
        done.push(Compaction {
            table: name.clone(),
            files_before: files.len(),
            files_after: after.len(),
            bytes_before: files.iter().map(|f| f.size).sum(),
            bytes_after: after.iter().map(|f| f.size).sum(),
            delta_version: compacted.version,
        });
        entry.path = published.root.clone();
        entry.files = Some(after);
        entry.delta = Some(DeltaVersion {
            root: published.root,
            version: compacted.version,
        });
        crate::failpoint(&format!("after_compact:{name}"));
    }
    Ok(done)
}

/// Knobs of `boltic warehouse optimize` and `vacuum`.
#[derive(Debug, Clone)]
pub struct MaintenanceOptions {
    /// Which versions are kept (see [`Retention`]).
    pub retention: Retention,
    /// What optimize compacts.
    pub policy: CompactPolicy,
    /// How long the run lease lasts unless renewed (maintenance holds it like a run).
    pub lease_ttl: Duration,
}

impl Default for MaintenanceOptions {
    fn default() -> Self {
        MaintenanceOptions {
            retention: Retention {
                versions: 3,
                since: None,
            },
            policy: CompactPolicy::ON_DEMAND,
            lease_ttl: Duration::from_secs(60),
        }
    }
}

/// What `boltic warehouse optimize` did.
#[derive(Debug, Clone, Serialize)]
pub struct OptimizeReport {
    /// The version it published, or `None` when no table needed compacting.
    pub version: Option<String>,
    /// The version current before.
    pub previous_version: String,
    /// The tables it compacted.
    pub compacted: Vec<Compaction>,
    /// Versions removed afterwards (outside the retention).
    pub removed_versions: Vec<String>,
}

/// What `boltic warehouse vacuum` did.
#[derive(Debug, Clone, Serialize)]
pub struct VacuumReport {
    /// The current version.
    pub current_version: String,
    /// Versions removed.
    pub removed_versions: Vec<String>,
    /// Versions kept (the current one first).
    pub kept_versions: Vec<String>,
    /// Objects in the warehouse before and after.
    pub files_before: usize,
    /// Objects after.
    pub files_after: usize,
    /// Bytes in the warehouse before.
    pub bytes_before: u64,
    /// Bytes after.
    pub bytes_after: u64,
}

/// The current version of `warehouse`, or a clear error when there is none.
async fn published(warehouse: &Warehouse) -> Result<(Manifest, u64)> {
    let published = warehouse.published().await?;
    for problem in &published.skipped {
        tracing::warn!("{problem}; maintaining the version before it");
    }
    match published.manifest {
        Some(manifest) => Ok((manifest, published.last_sequence)),
        None => Err(PipelineError::NotPublished {
            warehouse: warehouse.location().to_string(),
        }),
    }
}

/// Compact the small files of every table of the warehouse at `location` that `options.policy`
/// says and publish the result as a new version (no version when nothing needed it); then remove
/// the versions outside the retention. Holds the run lease throughout, like a run.
pub async fn optimize(location: &Location, options: &MaintenanceOptions) -> Result<OptimizeReport> {
    let warehouse = Warehouse::new(location.clone());
    let lease = warehouse.lease(options.lease_ttl).await?;
    let result = async {
        let (current, last_sequence) = published(&warehouse).await?;
        let ctx = crate::run::session(1 << 30)?;
        location.register(&ctx);
        let mut tables = current.tables.clone();
        let compacted = compact_tables(&ctx, location, &mut tables, &options.policy).await?;
        let mut report = OptimizeReport {
            version: None,
            previous_version: current.version.clone(),
            compacted,
            removed_versions: Vec::new(),
        };
        if report.compacted.is_empty() {
            return Ok(report);
        }
        let version = Warehouse::new_version_id();
        let prefix = Warehouse::version_prefix(&version);
        let report_path = format!("{prefix}/report.json");
        let mut history = vec![version.clone()];
        history.extend(current.history.iter().cloned());
        history.truncate(options.retention.versions.max(1));
        let manifest = Manifest {
            sequence: last_sequence + 1,
            version: version.clone(),
            published_at: chrono::Utc::now().to_rfc3339(),
            tables,
            report: report_path.clone(),
            history,
            ..current
        };
        report.version = Some(version);
        let bytes = serde_json::to_vec_pretty(&report)
            .map_err(|e| PipelineError::Internal(e.to_string()))?;
        location.write(&report_path, bytes).await?;
        location.sync(&prefix).await?;
        lease.check()?;
        warehouse.publish(&manifest).await?;
        tracing::info!(version = %manifest.version, "published the compacted tables");
        report.removed_versions = warehouse
            .clean_up_retaining(&manifest, &options.retention)
            .await?;
        Ok(report)
    }
    .await;
    if let Err(e) = lease.release().await {
        tracing::warn!(error = %e, "could not release the run lease; it expires by itself");
    }
    result
}

/// Remove every version of the warehouse at `location` outside `options.retention` (never the
/// current one, one published after it, or one a server reads), the log entries naming them,
/// and every data file no kept version names. Holds the run lease, like a run.
pub async fn vacuum(location: &Location, options: &MaintenanceOptions) -> Result<VacuumReport> {
    let warehouse = Warehouse::new(location.clone());
    let lease = warehouse.lease(options.lease_ttl).await?;
    let result = async {
        let (current, _) = published(&warehouse).await?;
        let (files_before, bytes_before) = usage(location).await?;
        let removed_versions = warehouse
            .clean_up_retaining(&current, &options.retention)
            .await?;
        let (files_after, bytes_after) = usage(location).await?;
        let mut kept_versions = Vec::new();
        for sequence in warehouse.sequences().await? {
            if let Ok(manifest) = warehouse.entry(sequence).await?.manifest {
                kept_versions.push(manifest.version);
            }
        }
        Ok(VacuumReport {
            current_version: current.version,
            removed_versions,
            kept_versions,
            files_before,
            files_after,
            bytes_before,
            bytes_after,
        })
    }
    .await;
    if let Err(e) = lease.release().await {
        tracing::warn!(error = %e, "could not release the run lease; it expires by itself");
    }
    result
}

/// Objects and bytes under `location`.
async fn usage(location: &Location) -> Result<(usize, u64)> {
    let objects = location.list_objects("").await?;
    Ok((objects.len(), objects.iter().map(|o| o.size).sum()))
}
