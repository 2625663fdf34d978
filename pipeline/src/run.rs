//! One pipeline run: extract, models, tests, publish.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::DataType;
use datafusion::catalog::{MemorySchemaProvider, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use futures::TryStreamExt;
use object_store::ObjectStore;
use serde::Serialize;

use crate::air_boltic::extract;
use crate::checks::{CHANGED, TestResult, TestStatus, run_tests};
use crate::delta;
use crate::error::{PipelineError, Result};
use crate::extract::writer::write_parts;
use crate::findings::TableCleaning;
use crate::incremental::{self, NORMALIZED_TABLES, TableChanges};
use crate::location::Location;
use crate::maintenance::{CompactPolicy, Compaction, compact_tables};
use crate::progress::Progress;
use crate::project::{Materialized, Project, SqlModel};
use crate::snapshot;
use crate::warehouse::{DeltaVersion, FORMAT, Layer, Manifest, TableEntry, Warehouse, entry_path};

/// Knobs of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Published versions to keep (older ones are deleted after a publish).
    pub keep_versions: usize,
    /// Build even when the inputs did not change since the current version.
    pub force: bool,
    /// Rebuild everything, and let a table drop or retype columns (a run otherwise refuses
    /// to, naming them). Implies `force`.
    pub full_refresh: bool,
    /// Memory DataFusion may use before it spills to disk, in bytes.
    pub memory_limit: usize,
    /// How long the run lease lasts unless renewed (it is renewed every third of it): how long
    /// a run that died without releasing it blocks the next one from another host.
    pub lease_ttl: Duration,
    /// Which tables a run compacts after committing them (Delta OPTIMIZE).
    pub compact: CompactPolicy,
    /// A session to plan and run the SQL of models that are rebuilt whole, and data tests on
    /// whole tables, in (e.g. one whose queries run on a Ballista cluster); the run registers
    /// its tables in it. Incremental runs (their changed rows are in memory), MERGEs,
    /// snapshots and the extract stay in the run's own session. None: all in the run's own.
    pub models_on: Option<ModelSession>,
}

/// The session of [`RunOptions::models_on`].
#[derive(Clone)]
pub struct ModelSession(pub SessionContext);

impl std::fmt::Debug for ModelSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ModelSession")
            .field(&self.0.session_id())
            .finish()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            keep_versions: 3,
            force: false,
            full_refresh: false,
            memory_limit: 1 << 30,
            lease_ttl: Duration::from_secs(60),
            compact: CompactPolicy::AFTER_RUNS,
            models_on: None,
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
    /// Raw load files this run read (load-based raw locations), in the order applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loads_read: Vec<String>,
    /// Whether the run upserted new loads into the published tables (otherwise it built them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incremental: bool,
    /// What an incremental run changed, per normalized table it read loads of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<TableChanges>,
    /// Tables whose small files the run compacted (see [`RunOptions::compact`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compacted: Vec<Compaction>,
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
    Ok(SessionContext::new_with_config_rt(
        session_config(),
        runtime,
    ))
}

/// The settings a run's SQL runs with (in its own session or in [`RunOptions::models_on`]).
pub fn session_config() -> SessionConfig {
    // Joins collect their smaller side instead of hash-partitioning both: the dimensions the
    // models join are small beside the facts, no fact row is shuffled, and a model keeps the
    // order of the fact table it reads (its files stay runs of keys, see `write_parts`).
    let mut config = SessionConfig::new()
        .with_information_schema(true)
        .with_repartition_joins(false);
    // The files the session writes (models, Delta merges and appends, compactions) are Snappy
    // compressed, as the extract's, Spark's and Delta's own: DataFusion's default, zstd(3),
    // made the star schema 28% smaller but the battery's questions slower to read
    // (docs/benchmarks.md, "Snappy instead of zstd").
    config.options_mut().execution.parquet.compression = Some("snappy".to_string());
    config
}

/// Fingerprint of the inputs: raw files' sizes, tags and times (the first 16 characters), then
/// the project's SQL and tests and the build (the last 16).
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
    let inputs = hasher.finish();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for model in &project.models {
        (&model.name, &model.sql, format!("{:?}", model.materialized)).hash(&mut hasher);
    }
    format!("{:?}{:?}", project.tests, project.snapshots).hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    Ok(format!("{inputs:016x}{:016x}", hasher.finish()))
}

/// The part of a fingerprint that covers the project and the build.
fn project_part(fingerprint: &str) -> &str {
    fingerprint.get(16..).unwrap_or_default()
}

/// Build a new warehouse version from `raw` with `project` and publish it if its tests pass.
/// One run at a time per warehouse: the run holds the warehouse's run lease throughout, and a
/// second run fails with [`PipelineError::WarehouseBusy`].
pub async fn run(
    raw: &Location,
    warehouse_location: &Location,
    project: &Project,
    options: &RunOptions,
    progress: &Progress,
) -> Result<RunReport> {
    let warehouse = Warehouse::new(warehouse_location.clone());
    let lease = warehouse.lease(options.lease_ttl).await?;
    let result = build(&warehouse, &lease, raw, project, options, progress).await;
    if let Err(e) = lease.release().await {
        tracing::warn!(error = %e, "could not release the run lease; it expires by itself");
    }
    result
}

async fn build(
    warehouse: &Warehouse,
    lease: &crate::warehouse::RunLease,
    raw: &Location,
    project: &Project,
    options: &RunOptions,
    progress: &Progress,
) -> Result<RunReport> {
    let warehouse_location = warehouse.location();
    let mut timings = BTreeMap::new();
    let published = warehouse.published().await?;
    for problem in &published.skipped {
        tracing::warn!("{problem}; this run publishes a new version after it");
    }
    let current = published.manifest;
    let fingerprint = fingerprint(raw, project).await?;
    if let Some(current) = current.as_ref().filter(|c| {
        c.fingerprint == fingerprint
            && !options.force
            && !options.full_refresh
            && published.skipped.is_empty()
    }) {
        tracing::info!(version = %current.version, "inputs unchanged, warehouse already up to date");
        return Ok(RunReport {
            version: current.version.clone(),
            outcome: Outcome::UpToDate,
            previous_version: Some(current.version.clone()),
            raw: raw.to_string(),
            warehouse: warehouse_location.to_string(),
            cleaning: Vec::new(),
            loads_read: Vec::new(),
            incremental: false,
            changes: Vec::new(),
            compacted: Vec::new(),
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
    let snapshot_names: Vec<&str> = project.snapshots.iter().map(|s| s.name.as_str()).collect();
    let plan = incremental::plan(
        raw,
        current.as_ref(),
        &snapshot_names,
        options.full_refresh,
        &version,
    )
    .await?;
    let ctx = session(options.memory_limit)?;
    warehouse_location.register(&ctx);
    let mut entries = BTreeMap::new();
    let mut changes = Vec::new();
    let mut staged_sources = Vec::new();
    let cleaning = match (&plan, current.as_ref()) {
        (None, _) => {
            let folder_of = |table: &str| delta::data_folder(Layer::Normalized, table, &version);
            let extracted = extract(raw, warehouse_location, &folder_of, progress).await?;
            for table in &extracted.tables {
                let entry = TableEntry {
                    path: table.path.clone(),
                    rows: table.rows,
                    layer: Layer::Normalized,
                    files: None,
                    delta: None,
                };
                register_table(&ctx, warehouse, &mut entries, &table.name, entry).await?;
            }
            extracted.cleaning
        }
        (Some(plan), Some(current)) if plan.incremental => {
            for table in NORMALIZED_TABLES {
                let entry = current.tables[*table].clone();
                register_table(&ctx, warehouse, &mut entries, table, entry).await?;
            }
            let known = incremental::known_ids(&ctx).await?;
            let staged = incremental::stage(
                raw,
                warehouse_location,
                plan,
                &version,
                &[],
                known,
                progress,
            )
            .await?;
            for (table, files) in &staged.tables {
                let (entry, changed) = incremental::upsert_table(
                    &ctx,
                    warehouse_location,
                    &version,
                    table,
                    files.len(),
                    &entries[table],
                )
                .await?;
                tracing::info!(
                    table = %table,
                    inserted = changed.inserted,
                    updated = changed.updated,
                    unchanged = changed.unchanged,
                    "upserted"
                );
                register_table(&ctx, warehouse, &mut entries, table, entry).await?;
                changes.push(changed);
                crate::failpoint(&format!("after_merge:{table}"));
            }
            staged_sources.extend(staged.tables.keys().cloned());
            staged.cleaning
        }
        (Some(plan), _) => {
            let sources: Vec<&str> = project
                .snapshots
                .iter()
                .map(|s| s.source.as_str())
                .collect();
            let staged = incremental::stage(
                raw,
                warehouse_location,
                plan,
                &version,
                &sources,
                Default::default(),
                progress,
            )
            .await?;
            // The histories first, from every staged delivery: a source keyed as its snapshot
            // is then written from the history's current rows (one pass over the deliveries
            // instead of two).
            let mut histories = BTreeMap::new();
            for snapshot in &project.snapshots {
                if !staged.tables.contains_key(&snapshot.source) {
                    continue; // building the tables says which loads are missing
                }
                let entry =
                    snapshot::build_from_loads(&ctx, warehouse_location, snapshot, &version)
                        .await?;
                register_table(&ctx, warehouse, &mut entries, &snapshot.name, entry).await?;
                crate::failpoint(&format!("after_table:{}", snapshot.name));
                let key = crate::air_boltic::table_key(&snapshot.source);
                if snapshot.unique_key.iter().eq(key.iter()) {
                    histories
                        .entry(snapshot.source.as_str())
                        .or_insert(snapshot.name.as_str());
                }
            }
            let built = incremental::build_tables(
                &ctx,
                warehouse_location,
                &staged,
                &version,
                raw,
                &histories,
            )
            .await?;
            for (name, entry) in built {
                register_table(&ctx, warehouse, &mut entries, &name, entry).await?;
            }
            staged.cleaning
        }
    };
    for snapshot in &project.snapshots {
        let entry = match (&plan, current.as_ref()) {
            (None, _) => snapshot::build_flat(&ctx, warehouse_location, snapshot, &version).await?,
            (Some(plan), Some(current)) if plan.incremental => {
                let published = current.tables[&snapshot.name].clone();
                register_table(&ctx, warehouse, &mut entries, &snapshot.name, published).await?;
                if !staged_sources.contains(&snapshot.source) {
                    continue;
                }
                let (entry, changed) = snapshot::update(
                    &ctx,
                    warehouse_location,
                    snapshot,
                    &version,
                    &entries[&snapshot.name],
                )
                .await?;
                changes.push(changed);
                entry
            }
            // Built from the staged deliveries, before the normalized tables.
            (Some(_), _) => continue,
        };
        register_table(&ctx, warehouse, &mut entries, &snapshot.name, entry).await?;
        crate::failpoint(&format!("after_table:{}", snapshot.name));
    }
    timings.insert("extract".to_string(), started.elapsed().as_millis() as u64);
    tracing::info!(
        tables = entries.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "raw files cleaned"
    );
    crate::failpoint("after_extract");

    // Nothing delivered changed a table and the project is the same: the models would be
    // rebuilt as they are, so the current ones stay (no table gets a new Delta version).
    let unchanged = match (&plan, current.as_ref()) {
        (Some(plan), Some(current)) if plan.incremental => {
            project_part(&current.fingerprint) == project_part(&fingerprint)
                && NORMALIZED_TABLES
                    .iter()
                    .all(|t| entries.get(*t) == current.tables.get(*t))
        }
        _ => false,
    };

    let started = Instant::now();
    let incremental_run = plan.as_ref().is_some_and(|p| p.incremental);
    register_changed(&ctx, incremental_run, &changes).await?;
    let mut mirror = options.models_on.clone().map(|on| Mirror::new(on.0));
    for model in &project.models {
        let published = current
            .as_ref()
            .and_then(|c| c.tables.get(&model.name))
            .filter(|e| e.delta.is_some())
            .cloned();
        if unchanged {
            let entry = published.ok_or_else(|| {
                PipelineError::Internal(format!("model '{}' is not published", model.name))
            })?;
            register_table(&ctx, warehouse, &mut entries, &model.name, entry).await?;
            continue;
        }
        match (&model.materialized, published) {
            (Materialized::Incremental { unique_key }, Some(published)) if incremental_run => {
                ctx.register_udf(is_incremental(true));
                register_table(
                    &ctx,
                    warehouse,
                    &mut entries,
                    &model.name,
                    published.clone(),
                )
                .await?;
                let rows = ctx
                    .sql(&model.sql)
                    .await
                    .map_err(|e| PipelineError::Model {
                        model: model.name.clone(),
                        message: e.to_string(),
                    })?;
                let key: Vec<&str> = unique_key.iter().map(String::as_str).collect();
                let (entry, mut changed) = incremental::upsert(
                    &ctx,
                    warehouse_location,
                    &model.name,
                    &key,
                    rows,
                    &published,
                )
                .await?;
                changed.name = model.name.clone();
                tracing::info!(
                    model = %model.name,
                    inserted = changed.inserted,
                    updated = changed.updated,
                    "model upserted"
                );
                register_table(&ctx, warehouse, &mut entries, &model.name, entry).await?;
                changes.push(changed);
                crate::failpoint(&format!("after_merge:{}", model.name));
            }
            _ => {
                ctx.register_udf(is_incremental(false));
                let on = match mirror.as_mut() {
                    Some(mirror) if !incremental_run => {
                        mirror.ctx.register_udf(is_incremental(false));
                        mirror.sync(warehouse, &entries).await?
                    }
                    _ => &ctx,
                };
                build_model(&ctx, on, warehouse, &version, model, progress, &mut entries).await?;
            }
        }
    }
    timings.insert("models".to_string(), started.elapsed().as_millis() as u64);
    crate::failpoint("after_models");
    if !options.full_refresh {
        refuse_lost_columns(&ctx, warehouse_location, &entries).await?;
    }

    // An incremental run of the same project tests the tables it upserted on the rows it
    // changed (the others passed when they were written); a new or edited test, or any other
    // run, looks at whole tables.
    let same_project = current
        .as_ref()
        .is_some_and(|c| project_part(&c.fingerprint) == project_part(&fingerprint));
    let mut tested_on_changes = BTreeSet::new();
    if incremental_run && same_project {
        for changed in &changes {
            if !NORMALIZED_TABLES.contains(&changed.name.as_str()) {
                register_changed_rows(&ctx, &changed.name, &changed.rows).await?;
            }
            tested_on_changes.insert(changed.name.clone());
        }
    }
    let started = Instant::now();
    let tests_on = match mirror.as_mut() {
        Some(mirror) if tested_on_changes.is_empty() => mirror.sync(warehouse, &entries).await?,
        _ => &ctx,
    };
    let tests = run_tests(tests_on, &project.tests, &tested_on_changes).await?;
    timings.insert("tests".to_string(), started.elapsed().as_millis() as u64);

    crate::failpoint("after_tests");
    for entry in entries.values_mut().filter(|e| e.files.is_none()) {
        entry.files = Some(warehouse.table_files(&entry.path).await?);
    }
    let tables = table_summaries(&entries);

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
        cleaning,
        loads_read: plan
            .as_ref()
            .map(|p| p.new.iter().cloned().collect())
            .unwrap_or_default(),
        incremental: plan.as_ref().is_some_and(|p| p.incremental),
        changes,
        compacted: Vec::new(),
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
    let mut manifest = Manifest {
        format: FORMAT,
        sequence: published.last_sequence + 1,
        version: version.clone(),
        published_at: chrono::Utc::now().to_rfc3339(),
        fingerprint,
        tables: entries,
        report: report_path.clone(),
        history,
        loads: plan.map(|p| p.applied).unwrap_or_default(),
    };
    // Everything the manifest names is durable before the manifest exists: each table's files,
    // then its Delta commit, then the report.
    for entry in manifest.tables.values() {
        warehouse_location.sync(&entry.path).await?;
    }
    lease.check()?;
    commit_tables(&ctx, warehouse_location, &mut manifest).await?;
    report.compacted = compact_tables(
        &ctx,
        warehouse_location,
        &mut manifest.tables,
        &options.compact,
    )
    .await?;
    if !report.compacted.is_empty() {
        report.tables = table_summaries(&manifest.tables);
    }
    warehouse_location
        .write(&report_path, write_report(&report)?)
        .await?;
    warehouse_location.sync(&prefix).await?;
    lease.check()?;
    match warehouse.publish(&manifest).await {
        Ok(()) => {}
        Err(e @ PipelineError::PublishConflict { .. }) => {
            // The tables' Delta commits name this run's files, so they stay until clean-up
            // removes the version with the others that are not published.
            return Err(e);
        }
        Err(e) => return Err(e),
    }
    tracing::info!(
        %version,
        manifest = %warehouse_location.display_of(&entry_path(manifest.sequence)),
        "published"
    );
    if !manifest.loads.is_empty() {
        incremental::drop_staging(warehouse_location, &version).await?;
    }
    report.removed_versions = warehouse.clean_up(&manifest, options.keep_versions).await?;
    Ok(report)
}

/// `is_incremental()`, as a model's SQL sees it: true only while an incremental model is
/// upserted on an incremental run (a constant the planner folds, so a full build pays nothing
/// for the filter it guards).
fn is_incremental(value: bool) -> ScalarUDF {
    create_udf(
        "is_incremental",
        vec![],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(move |_: &[ColumnarValue]| {
            Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(value))))
        }),
    )
}

/// Register `changed.<table>` for every normalized table: the rows the run's loads inserted or
/// updated (an incremental run), or the whole table (a full one).
async fn register_changed(
    ctx: &SessionContext,
    incremental: bool,
    changes: &[TableChanges],
) -> Result<()> {
    let catalog = ctx
        .catalog("datafusion")
        .ok_or_else(|| PipelineError::Internal("no default catalog".to_string()))?;
    catalog.register_schema(CHANGED, Arc::new(MemorySchemaProvider::new()))?;
    for table in NORMALIZED_TABLES {
        if incremental {
            let rows = changes.iter().find(|c| c.name == *table);
            register_changed_rows(ctx, table, rows.map_or(&[], |c| c.rows.as_slice())).await?;
        } else {
            let name = format!("{CHANGED}.{table}");
            ctx.register_table(name.as_str(), ctx.table(*table).await?.into_view())?;
        }
    }
    Ok(())
}

/// Register `rows`, what a run changed in `table`, as `changed.<table>` (with the table's schema
/// when there are none). The `changed` schema must exist (see [`register_changed`]).
async fn register_changed_rows(
    ctx: &SessionContext,
    table: &str,
    rows: &[datafusion::arrow::record_batch::RecordBatch],
) -> Result<()> {
    let name = format!("{CHANGED}.{table}");
    let schema = match rows.first() {
        Some(first) => first.schema(),
        None => ctx.table_provider(table).await?.schema(),
    };
    let provider: Arc<dyn TableProvider> =
        Arc::new(MemTable::try_new(schema, vec![rows.to_vec()])?);
    ctx.deregister_table(name.as_str())?;
    ctx.register_table(name.as_str(), provider)?;
    Ok(())
}

/// Register the table of `entry` as `name` in `ctx` (its folder, or exactly its files when the
/// entry lists them), and list it in `entries`.
async fn register_table(
    ctx: &SessionContext,
    warehouse: &Warehouse,
    entries: &mut BTreeMap<String, TableEntry>,
    name: &str,
    entry: TableEntry,
) -> Result<()> {
    register_entry(ctx, warehouse, name, &entry).await?;
    entries.insert(name.to_string(), entry);
    Ok(())
}

/// Register the table of `entry` as `name` in `ctx`: its folder, or exactly its files when the
/// entry lists them.
async fn register_entry(
    ctx: &SessionContext,
    warehouse: &Warehouse,
    name: &str,
    entry: &TableEntry,
) -> Result<()> {
    if entry.files.is_some() {
        warehouse.register_table(ctx, name, entry).await?;
    } else {
        ctx.deregister_table(name)?;
        ctx.register_parquet(
            name,
            warehouse.location().url(&entry.path),
            ParquetReadOptions::default(),
        )
        .await?;
    }
    Ok(())
}

/// Fail with [`PipelineError::SchemaChange`] when a table would drop or retype a column its
/// Delta table has (checked for every table before any is committed).
async fn refuse_lost_columns(
    ctx: &SessionContext,
    warehouse_location: &Location,
    entries: &BTreeMap<String, TableEntry>,
) -> Result<()> {
    for (name, entry) in entries {
        let schema = ctx.table_provider(name.as_str()).await?.schema();
        let root = delta::table_root(entry.layer, name);
        let lost = delta::lost_columns(warehouse_location, &root, &schema).await?;
        if let Some((last, rest)) = lost.split_last() {
            let changes = if rest.is_empty() {
                format!("would {last}")
            } else {
                format!("would {} and {last}", rest.join(", "))
            };
            return Err(PipelineError::SchemaChange {
                table: name.clone(),
                changes,
            });
        }
    }
    Ok(())
}

/// Commit every table of `manifest` to its Delta table (its files replace what the table held)
/// and name the new Delta versions in the manifest. The schemas are the ones the run's session
/// read the files with.
async fn commit_tables(
    ctx: &SessionContext,
    warehouse_location: &Location,
    manifest: &mut Manifest,
) -> Result<()> {
    // Tables a MERGE committed, or that stay as published, already have their Delta version.
    for (name, entry) in manifest
        .tables
        .iter_mut()
        .filter(|(_, e)| e.delta.is_none())
    {
        let root = delta::table_root(entry.layer, name);
        let schema = ctx.table_provider(name.as_str()).await?.schema();
        let files = entry.files.as_deref().unwrap_or_default();
        let version = delta::replace(warehouse_location, &root, name, &schema, files).await?;
        warehouse_location
            .sync(&format!("{root}{}", delta::LOG))
            .await?;
        tracing::debug!(table = %name, delta_version = version, "committed");
        entry.delta = Some(DeltaVersion { root, version });
        crate::failpoint(&format!("after_commit:{name}"));
    }
    Ok(())
}

/// A session that runs models and tests elsewhere ([`RunOptions::models_on`]), with the run's
/// tables registered in it as they are in the run's own.
struct Mirror {
    ctx: SessionContext,
    registered: BTreeMap<String, TableEntry>,
    changed_views: bool,
}

impl Mirror {
    fn new(ctx: SessionContext) -> Mirror {
        Mirror {
            ctx,
            registered: BTreeMap::new(),
            changed_views: false,
        }
    }

    /// Register what `entries` holds that is not registered yet (or changed since), and the
    /// `changed.<table>` views of a full run; the session, ready for a model or a test.
    async fn sync(
        &mut self,
        warehouse: &Warehouse,
        entries: &BTreeMap<String, TableEntry>,
    ) -> Result<&SessionContext> {
        if self.registered.is_empty() {
            warehouse.location().register(&self.ctx);
        }
        for (name, entry) in entries {
            if self.registered.get(name) != Some(entry) {
                register_entry(&self.ctx, warehouse, name, entry).await?;
                self.registered.insert(name.clone(), entry.clone());
            }
        }
        if !self.changed_views {
            register_changed(&self.ctx, false, &[]).await?;
            self.changed_views = true;
        }
        Ok(&self.ctx)
    }
}

/// Run `model`'s SQL in `on` (`ctx`, or a session that runs it elsewhere), write its result as
/// Parquet in its Delta table's folder for `version`, and register it in `ctx` so the models
/// after it can read it.
async fn build_model(
    ctx: &SessionContext,
    on: &SessionContext,
    warehouse: &Warehouse,
    version: &str,
    model: &SqlModel,
    progress: &Progress,
    entries: &mut BTreeMap<String, TableEntry>,
) -> Result<()> {
    let bar = progress.rows(&format!("model {}", model.name), None);
    let path = delta::data_folder(Layer::Model, &model.name, version);
    let model_error = |e: datafusion::error::DataFusionError| PipelineError::Model {
        model: model.name.clone(),
        message: e.to_string(),
    };
    let frame = on.sql(&model.sql).await.map_err(model_error)?;
    let rows = write_parts(on, frame, warehouse.location(), &path)
        .await
        .map_err(model_error)?;
    let entry = TableEntry {
        path,
        rows,
        layer: Layer::Model,
        files: None,
        delta: None,
    };
    register_table(ctx, warehouse, entries, &model.name, entry).await?;
    bar.set_position(rows);
    bar.finish();
    tracing::info!(model = %model.name, rows, "model built");
    crate::failpoint(&format!("after_table:{}", model.name));
    Ok(())
}

/// The report's tables with their storage use: models first, then normalized tables, by name.
fn table_summaries(entries: &BTreeMap<String, TableEntry>) -> Vec<TableSummary> {
    let mut tables: Vec<TableSummary> = entries
        .iter()
        .map(|(name, entry)| {
            let files = entry.files.as_deref().unwrap_or_default();
            TableSummary {
                name: name.clone(),
                layer: entry.layer,
                rows: entry.rows,
                bytes: files.iter().map(|f| f.size).sum(),
                files: files.len(),
            }
        })
        .collect();
    tables.sort_by_key(|t| (t.layer == Layer::Normalized, t.name.clone()));
    tables
}
