//! One pipeline run: extract, models, tests, publish.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use futures::TryStreamExt;
use object_store::ObjectStore;
use serde::Serialize;

use crate::air_boltic::extract;
use crate::checks::{TestResult, TestStatus, run_tests};
use crate::error::{PipelineError, Result};
use crate::findings::TableCleaning;
use crate::location::Location;
use crate::progress::Progress;
use crate::project::{Project, SqlModel};
use crate::warehouse::{Layer, MANIFEST, Manifest, TableEntry, Warehouse};

/// Knobs of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Published versions to keep (older ones are deleted after a publish).
    pub keep_versions: usize,
    /// Build even when the inputs did not change since the current version.
    pub force: bool,
    /// Memory DataFusion may use before it spills to disk, in bytes.
    pub memory_limit: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            keep_versions: 3,
            force: false,
            memory_limit: 1 << 30,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The new version is current.
    Published,
    /// Inputs unchanged since the current version: nothing was built.
    UpToDate,
    /// A data test with severity `error` failed: the previous version stays current.
    Blocked,
}

/// A table in the report.
#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    /// Name.
    pub name: String,
    /// Layer.
    pub layer: Layer,
    /// Rows.
    pub rows: u64,
    /// Bytes of Parquet.
    pub bytes: u64,
    /// Files.
    pub files: usize,
}

/// Everything a run did; printed at the end and written as `report.json` beside the tables.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The version this run built (or the current one when up to date).
    pub version: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The version that was current before the run.
    pub previous_version: Option<String>,
    /// Raw location.
    pub raw: String,
    /// Warehouse location.
    pub warehouse: String,
    /// What cleaning did, per raw file.
    pub cleaning: Vec<TableCleaning>,
    /// Tables written.
    pub tables: Vec<TableSummary>,
    /// Data test results.
    pub tests: Vec<TestResult>,
    /// Old versions deleted after publishing.
    pub removed_versions: Vec<String>,
    /// Milliseconds per step.
    pub timings_ms: BTreeMap<String, u64>,
}

impl RunReport {
    /// Tests that block publishing.
    pub fn failed_tests(&self) -> impl Iterator<Item = &TestResult> {
        self.tests.iter().filter(|t| t.status == TestStatus::Fail)
    }
}

/// A DataFusion session with a bounded memory pool that spills to disk.
pub fn session(memory_limit: usize) -> Result<SessionContext> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(memory_limit)))
        .with_disk_manager_builder(
            DiskManagerBuilder::default().with_mode(DiskManagerMode::OsTmpDirectory),
        )
        .build_arc()?;
    let config = SessionConfig::new().with_information_schema(true);
    Ok(SessionContext::new_with_config_rt(config, runtime))
}

/// Fingerprint of the inputs: raw files' sizes, tags and times, and the project's SQL and tests.
async fn fingerprint(raw: &Location, project: &Project) -> Result<String> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let mut metas: Vec<_> = raw.store().list(Some(&raw.path(""))).try_collect().await?;
    metas.sort_by(|a, b| a.location.cmp(&b.location));
    for meta in metas {
        (
            meta.location.as_ref(),
            meta.size,
            meta.e_tag.as_deref(),
            meta.last_modified.timestamp_micros(),
        )
            .hash(&mut hasher);
    }
    for model in &project.models {
        (&model.name, &model.sql).hash(&mut hasher);
    }
    format!("{:?}", project.tests).hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    Ok(format!("{:016x}", hasher.finish()))
}

/// Build a new warehouse version from `raw` with `project` and publish it if its tests pass.
pub async fn run(
    raw: &Location,
    warehouse_location: &Location,
    project: &Project,
    options: &RunOptions,
    progress: &Progress,
) -> Result<RunReport> {
    let warehouse = Warehouse::new(warehouse_location.clone());
    let mut timings = BTreeMap::new();
    let current = warehouse.current().await?;
    let fingerprint = fingerprint(raw, project).await?;
    if let Some(current) = current
        .as_ref()
        .filter(|c| c.fingerprint == fingerprint && !options.force)
    {
        tracing::info!(version = %current.version, "inputs unchanged, warehouse already up to date");
        return Ok(RunReport {
            version: current.version.clone(),
            outcome: Outcome::UpToDate,
            previous_version: Some(current.version.clone()),
            raw: raw.to_string(),
            warehouse: warehouse_location.to_string(),
            cleaning: Vec::new(),
            tables: Vec::new(),
            tests: Vec::new(),
            removed_versions: Vec::new(),
            timings_ms: timings,
        });
    }

    let version = Warehouse::new_version_id();
    let prefix = Warehouse::version_prefix(&version);
    tracing::info!(%version, "building a new warehouse version");

    let started = Instant::now();
    let extracted = extract(
        raw,
        warehouse_location,
        &format!("{prefix}/normalized"),
        progress,
    )
    .await?;
    timings.insert("extract".to_string(), started.elapsed().as_millis() as u64);
    tracing::info!(
        tables = extracted.tables.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "raw files cleaned"
    );
    crate::failpoint("after_extract");

    let ctx = session(options.memory_limit)?;
    warehouse_location.register(&ctx);
    let mut entries = BTreeMap::new();
    for table in &extracted.tables {
        let entry = TableEntry {
            path: table.path.clone(),
            rows: table.rows,
            layer: Layer::Normalized,
        };
        register_table(&ctx, warehouse_location, &mut entries, &table.name, entry).await?;
    }

    let started = Instant::now();
    for model in &project.models {
        build_model(
            &ctx,
            warehouse_location,
            &prefix,
            model,
            progress,
            &mut entries,
        )
        .await?;
    }
    timings.insert("models".to_string(), started.elapsed().as_millis() as u64);
    crate::failpoint("after_models");

    let started = Instant::now();
    let tests = run_tests(&ctx, &project.tests).await?;
    timings.insert("tests".to_string(), started.elapsed().as_millis() as u64);

    let tables = table_summaries(warehouse_location, &entries).await?;

    let blocked = tests.iter().any(|t| t.status == TestStatus::Fail);
    let mut report = RunReport {
        version: version.clone(),
        outcome: if blocked {
            Outcome::Blocked
        } else {
            Outcome::Published
        },
        previous_version: current.as_ref().map(|c| c.version.clone()),
        raw: raw.to_string(),
        warehouse: warehouse_location.to_string(),
        cleaning: extracted.cleaning,
        tables,
        tests,
        removed_versions: Vec::new(),
        timings_ms: timings,
    };
    let report_path = format!("{prefix}/report.json");
    let write_report = |report: &RunReport| -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(report).map_err(|e| PipelineError::Internal(e.to_string()))
    };
    if blocked {
        warehouse_location
            .write(&report_path, write_report(&report)?)
            .await?;
        return Ok(report);
    }

    let mut history = vec![version.clone()];
    history.extend(current.iter().flat_map(|c| c.history.iter().cloned()));
    history.truncate(options.keep_versions.max(1));
    let manifest = Manifest {
        format: 1,
        version: version.clone(),
        published_at: chrono::Utc::now().to_rfc3339(),
        fingerprint,
        tables: entries,
        report: report_path.clone(),
        history,
    };
    warehouse_location
        .write(&report_path, write_report(&report)?)
        .await?;
    warehouse.publish(&manifest).await?;
    tracing::info!(%version, manifest = %warehouse_location.display_of(MANIFEST), "published");
    report.removed_versions = warehouse.clean_up(&manifest, options.keep_versions).await?;
    Ok(report)
}

/// Register the Parquet table at `entry.path` as `name` in `ctx`, and list it in `entries`.
async fn register_table(
    ctx: &SessionContext,
    warehouse_location: &Location,
    entries: &mut BTreeMap<String, TableEntry>,
    name: &str,
    entry: TableEntry,
) -> Result<()> {
    ctx.register_parquet(
        name,
        warehouse_location.url(&entry.path),
        ParquetReadOptions::default(),
    )
    .await?;
    entries.insert(name.to_string(), entry);
    Ok(())
}

/// Run `model`'s SQL, write its result as Parquet under `prefix/tables/`, and register it so
/// the models after it can read it.
async fn build_model(
    ctx: &SessionContext,
    warehouse_location: &Location,
    prefix: &str,
    model: &SqlModel,
    progress: &Progress,
    entries: &mut BTreeMap<String, TableEntry>,
) -> Result<()> {
    let bar = progress.rows(&format!("model {}", model.name), None);
    let path = format!("{prefix}/tables/{}/", model.name);
    let model_error = |e: datafusion::error::DataFusionError| PipelineError::Model {
        model: model.name.clone(),
        message: e.to_string(),
    };
    let frame = ctx.sql(&model.sql).await.map_err(model_error)?;
    let written = frame
        .write_parquet(
            &warehouse_location.url(&path),
            DataFrameWriteOptions::new(),
            None,
        )
        .await
        .map_err(model_error)?;
    let rows = written
        .iter()
        .filter_map(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<datafusion::arrow::array::UInt64Array>()
        })
        .map(|a| a.iter().flatten().sum::<u64>())
        .sum();
    let entry = TableEntry {
        path,
        rows,
        layer: Layer::Model,
    };
    register_table(ctx, warehouse_location, entries, &model.name, entry).await?;
    bar.set_position(rows);
    bar.finish();
    tracing::info!(model = %model.name, rows, "model built");
    Ok(())
}

/// The report's tables with their storage use: models first, then normalized tables, by name.
async fn table_summaries(
    warehouse_location: &Location,
    entries: &BTreeMap<String, TableEntry>,
) -> Result<Vec<TableSummary>> {
    let mut tables = Vec::new();
    for (name, entry) in entries {
        let (bytes, files) = warehouse_location.usage(&entry.path).await?;
        tables.push(TableSummary {
            name: name.clone(),
            layer: entry.layer,
            rows: entry.rows,
            bytes,
            files,
        });
    }
    tables.sort_by_key(|t| (t.layer == Layer::Normalized, t.name.clone()));
    Ok(tables)
}
