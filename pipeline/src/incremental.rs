//! Runs over a raw location of load folders (`<table>/load_date=<day>/<file>`, see
//! [`crate::generate::list_loads`]).
//!
//! The manifest remembers every raw load file a version applied ([`AppliedFile`]). A run reads
//! only the files no published version applied: it cleans each into a staged Parquet file
//! (`versions/<version>/staging/<table>/__file=<n>/`), keeps the last row of each key (files in
//! load-date, then name order; within one file a repeated key is dirt and the first is kept),
//! and then either
//!
//! - **builds** each normalized table from all of them (the first run over loads, or
//!   `--full-refresh`): a table is cleaned newest file first straight into its folder, each
//!   row whose key a later file delivers left out, so it is written once (the source of a
//!   snapshot is staged whole and deduplicated, since its history needs every delivery), or
//! - **upserts** them (an incremental run): the rows whose key is new or whose values differ from
//!   the published table's are MERGEd into its Delta table by key. A table none of whose rows
//!   change gets no commit, so a re-delivered file changes nothing.
//!
//! Either way the tables hold, row for row, the last delivered version of every key.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::array::{Array, BooleanArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::datasource::MemTable;
use datafusion::logical_expr::Expr;
use datafusion::prelude::{DataFrame, ParquetReadOptions, SessionContext, cast, col};
use serde::Serialize;

use crate::air_boltic::{KnownIds, StagedLoads, extract_loads, table_key};
use crate::delta;
use crate::error::{PipelineError, Result};
use crate::extract::IdSet;
use crate::generate::{RawLoad, list_loads};
use crate::location::Location;
use crate::progress::Progress;
use crate::warehouse::{AppliedFile, DeltaVersion, Layer, Manifest, TableEntry, Warehouse};

/// The normalized tables a load-based raw location fills: the ones the extract writes.
pub const NORMALIZED_TABLES: &[&str] = crate::project::SOURCES;

/// The hive-style partition columns of the staged files: the file's place in the run, and the
/// date of its load.
pub(crate) const FILE_COLUMN: &str = "__file";
pub(crate) const DATE_COLUMN: &str = "__load_date";

/// What a run over loads does.
#[derive(Debug, Clone)]
pub(crate) struct LoadPlan {
    /// Every load of the raw location.
    pub loads: Vec<RawLoad>,
    /// Paths of the files this run reads.
    pub new: BTreeSet<String>,
    /// Whether it upserts into the published tables (otherwise it builds them from all loads).
    pub incremental: bool,
    /// The files applied once this run is published.
    pub applied: Vec<AppliedFile>,
}

/// What an incremental run did to one table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableChanges {
    /// Table.
    pub name: String,
    /// Rows whose key it did not have.
    pub inserted: u64,
    /// Rows whose values changed.
    pub updated: u64,
    /// Rows delivered again exactly as the table had them.
    pub unchanged: u64,
    /// Data files the MERGE wrote.
    pub files_added: usize,
    /// Data files it replaced.
    pub files_removed: usize,
    /// The rows inserted or updated (what models read as `changed.<table>`).
    #[serde(skip)]
    pub rows: Vec<datafusion::arrow::record_batch::RecordBatch>,
}

/// The plan of a run over the loads in `raw`, or `None` when `raw` holds flat files. A run is
/// incremental when the current version applied loads and has every normalized table and every
/// table of `snapshots`, unless `full_refresh`. Fails when a file a published version applied has changed since (it would
/// otherwise be read again or silently ignored).
pub(crate) async fn plan(
    raw: &Location,
    current: Option<&Manifest>,
    snapshots: &[&str],
    full_refresh: bool,
    version: &str,
) -> Result<Option<LoadPlan>> {
    let loads = list_loads(raw).await?;
    if loads.is_empty() {
        return Ok(None);
    }
    let incremental = !full_refresh
        && current.is_some_and(|c| {
            !c.loads.is_empty()
                && NORMALIZED_TABLES
                    .iter()
                    .chain(snapshots)
                    .all(|t| c.tables.get(*t).is_some_and(|e| e.delta.is_some()))
        });
    let mut applied: Vec<AppliedFile> = Vec::new();
    if incremental && let Some(current) = current {
        applied = current.loads.clone();
    }
    let before: BTreeMap<&str, &AppliedFile> =
        applied.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut new = BTreeSet::new();
    let mut added = Vec::new();
    for file in loads.iter().flat_map(|l| &l.files) {
        match before.get(file.path.as_str()) {
            Some(done) => {
                let change = if done.size != file.size {
                    Some(format!("{} bytes, now {}", done.size, file.size))
                } else if done.e_tag.is_some() && file.e_tag.is_some() && done.e_tag != file.e_tag {
                    Some("its ETag differs".to_string())
                } else {
                    None
                };
                if let Some(change) = change {
                    return Err(PipelineError::ChangedLoad {
                        file: raw.display_of(&file.path),
                        version: done.version.clone(),
                        change,
                    });
                }
            }
            None => {
                new.insert(file.path.clone());
                added.push(AppliedFile {
                    path: file.path.clone(),
                    size: file.size,
                    e_tag: file.e_tag.clone(),
                    version: version.to_string(),
                });
            }
        }
    }
    applied.extend(added);
    Ok(Some(LoadPlan {
        loads,
        new,
        incremental,
        applied,
    }))
}

/// Folder of the staged files of a run's table, relative to the warehouse.
fn stage_root(version: &str, table: &str) -> String {
    format!("{}/staging/{table}/", Warehouse::version_prefix(version))
}

/// Clean the plan's new files into staged files of `version`. A build (not an incremental run)
/// writes each normalized table whole instead, each key's last delivery only, in its folder of
/// `version`, except the tables in `every_delivery` (the sources of snapshots, whose history
/// needs every delivery): those are staged.
pub(crate) async fn stage(
    raw: &Location,
    warehouse: &Location,
    plan: &LoadPlan,
    version: &str,
    every_delivery: &[&str],
    known: KnownIds,
    progress: &Progress,
) -> Result<StagedLoads> {
    let apply = |path: &str| plan.new.contains(path);
    let latest_into = |table: &str, n: usize| {
        (!plan.incremental && !every_delivery.contains(&table)).then(|| {
            format!(
                "{}part-{n:06}.parquet",
                delta::data_folder(Layer::Normalized, table, version)
            )
        })
    };
    let stage_of = |table: &str, n: usize, date: chrono::NaiveDate| {
        format!(
            "{}{FILE_COLUMN}={n:06}/{DATE_COLUMN}={date}/",
            stage_root(version, table)
        )
    };
    extract_loads(
        raw,
        warehouse,
        &plan.loads,
        &apply,
        &stage_of,
        &latest_into,
        known,
        progress,
    )
    .await
}

/// Remove a run's staged files (once the tables it built are committed).
pub(crate) async fn drop_staging(warehouse: &Location, version: &str) -> Result<()> {
    warehouse
        .delete_prefix(&format!("{}/staging/", Warehouse::version_prefix(version)))
        .await?;
    Ok(())
}

/// Register the staged files of `table` in `ctx` with their partition columns: `__file` (the
/// file's place in the run) and `__load_date` (its load's date, `YYYY-MM-DD`). Returns the name
/// they are registered under.
pub(crate) async fn register_staged(
    ctx: &SessionContext,
    warehouse: &Location,
    version: &str,
    table: &str,
) -> Result<String> {
    let staged = format!("__staged_{table}");
    ctx.deregister_table(staged.as_str())?;
    let options = ParquetReadOptions::default().table_partition_cols(vec![
        (FILE_COLUMN.to_string(), DataType::Utf8),
        (DATE_COLUMN.to_string(), DataType::Utf8),
    ]);
    ctx.register_parquet(
        staged.as_str(),
        warehouse.url(&stage_root(version, table)),
        options,
    )
    .await?;
    Ok(staged)
}

/// The staged rows of `table`, one per key: the last staged file's.
async fn latest_rows(
    ctx: &SessionContext,
    warehouse: &Location,
    version: &str,
    table: &str,
    staged_files: usize,
) -> Result<DataFrame> {
    let staged = register_staged(ctx, warehouse, version, table).await?;
    let schema = crate::air_boltic::table_schema(table);
    let columns = schema
        .fields()
        .iter()
        .map(|f| quote(f.name()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = if staged_files == 1 {
        format!("SELECT {columns} FROM {}", quote(&staged))
    } else {
        // Most keys come once: find those that come again (a hash aggregate) and drop their
        // earlier rows (a hash join), rather than sorting every row by key.
        let key = table_key(table);
        let keys = key.iter().map(|k| quote(k)).collect::<Vec<_>>().join(", ");
        let on = key
            .iter()
            .map(|k| format!("s.{0} = l.{0}", quote(k)))
            .collect::<Vec<_>>()
            .join(" AND ");
        let prefixed = schema
            .fields()
            .iter()
            .map(|f| format!("s.{}", quote(f.name())))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "WITH last AS (SELECT {keys}, max({file}) AS \"__last\" FROM {staged} \
               GROUP BY {keys} HAVING count(*) > 1) \
             SELECT {prefixed} FROM {staged} s LEFT JOIN last l ON {on} \
             WHERE l.\"__last\" IS NULL OR s.{file} = l.\"__last\"",
            file = quote(FILE_COLUMN),
            staged = quote(&staged),
        )
    };
    Ok(ctx.sql(&sql).await?.select(typed_columns(&schema))?)
}

/// The columns of `schema` cast to its types: Parquet strings read back as views, and the
/// tables keep the extract's exact types.
fn typed_columns(schema: &Schema) -> Vec<Expr> {
    schema
        .fields()
        .iter()
        .map(|f| cast(col(quote(f.name())), f.data_type().clone()).alias(f.name()))
        .collect()
}

/// The rows of `table` in force as `history` (a snapshot of it keyed as it is, registered in
/// `ctx`) holds them: each key's last delivered row, as [`latest_rows`] finds it (a version
/// that repeats the one before is not kept, so the current one has the same values), without a
/// second pass over every delivery.
async fn current_rows(ctx: &SessionContext, table: &str, history: &str) -> Result<DataFrame> {
    let schema = crate::air_boltic::table_schema(table);
    Ok(ctx
        .table(history)
        .await?
        .filter(col(quote(crate::snapshot::IS_CURRENT)))?
        .select(typed_columns(&schema))?)
}

/// `name` as a quoted SQL identifier.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Build every normalized table from the staged files of all loads, each written in its folder
/// of `version`; their manifest entries (files and Delta version still to come). A table named
/// in `histories` is written from that snapshot's current rows (the snapshot already built
/// from the same staged files and keyed as the table).
pub(crate) async fn build_tables(
    ctx: &SessionContext,
    warehouse: &Location,
    staged: &StagedLoads,
    version: &str,
    raw: &Location,
    histories: &BTreeMap<&str, &str>,
) -> Result<Vec<(String, TableEntry)>> {
    let mut entries = Vec::new();
    for table in NORMALIZED_TABLES {
        let path = delta::data_folder(Layer::Normalized, table, version);
        let rows = if let Some(rows) = staged.built.get(*table) {
            // Cleaned newest first into the table's folder, each key once.
            *rows
        } else {
            let Some(files) = staged.tables.get(*table) else {
                return Err(PipelineError::MissingInput {
                    file: format!("{}/load_date=<YYYY-MM-DD>/", raw_folder(table)),
                    location: raw.to_string(),
                });
            };
            let rows = match histories.get(table) {
                Some(history) => current_rows(ctx, table, history).await?,
                None => latest_rows(ctx, warehouse, version, table, files.len()).await?,
            };
            let written = rows
                .write_parquet(&warehouse.url(&path), DataFrameWriteOptions::new(), None)
                .await?;
            written_rows(&written)
        };
        crate::failpoint(&format!("after_table:{table}"));
        entries.push((
            table.to_string(),
            TableEntry {
                path,
                rows,
                layer: Layer::Normalized,
                files: None,
                delta: None,
            },
        ));
    }
    Ok(entries)
}

/// The load folder name of a normalized table.
fn raw_folder(table: &str) -> &'static str {
    match table {
        "aeroplane_models" => "aeroplane_model",
        "customer_groups" => "customer_group",
        "aeroplanes" => "aeroplane",
        "customers" => "customer",
        "trips" => "trip",
        _ => "order",
    }
}

/// The row count `write_parquet` reports.
pub(crate) fn written_rows(written: &[datafusion::arrow::record_batch::RecordBatch]) -> u64 {
    written
        .iter()
        .filter_map(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<datafusion::arrow::array::UInt64Array>()
        })
        .map(|a| a.iter().flatten().sum::<u64>())
        .sum()
}

/// The ids the published tables (registered in `ctx` under their names) hold, for the cleaners'
/// reference checks.
pub(crate) async fn known_ids(ctx: &SessionContext) -> Result<KnownIds> {
    async fn ids(ctx: &SessionContext, table: &str, column: &str) -> Result<Vec<i64>> {
        let batches = ctx
            .sql(&format!("SELECT {} FROM {}", quote(column), quote(table)))
            .await?
            .collect()
            .await?;
        int_keys(&batches, 0)
            .ok_or_else(|| PipelineError::Internal(format!("'{table}.{column}' is not BIGINT")))
    }
    let set = |ids: Vec<i64>| {
        let mut set = IdSet::default();
        for id in ids {
            set.insert(id);
        }
        set
    };
    Ok(KnownIds {
        groups: set(ids(ctx, "customer_groups", "customer_group_id").await?),
        aeroplanes: set(ids(ctx, "aeroplanes", "aeroplane_id").await?),
        customers: set(ids(ctx, "customers", "customer_id").await?),
        trips: set(ids(ctx, "trips", "trip_id").await?),
    })
}

/// Upsert the staged rows of `table` into its published table (`current`, registered in `ctx`
/// under its name): the changed and new rows are MERGEd into its Delta table. Returns its new
/// entry (or `current` unchanged when no row changes) and what changed.
pub(crate) async fn upsert_table(
    ctx: &SessionContext,
    warehouse: &Location,
    version: &str,
    table: &str,
    staged_files: usize,
    current: &TableEntry,
) -> Result<(TableEntry, TableChanges)> {
    let latest = latest_rows(ctx, warehouse, version, table, staged_files).await?;
    upsert(ctx, warehouse, table, table_key(table), latest, current).await
}

/// Most ranges a key predicate names (see [`delta::key_runs`]).
const MOST_KEY_RUNS: usize = 16;

/// The keys of `table` that `rows` can match on integer key column `key`, as at most
/// [`MOST_KEY_RUNS`] ranges of the delivered keys that are not beyond the table's greatest key
/// (a key beyond it is new): a day's changes are a few runs of neighbouring keys (the orders
/// that settle, the late ones of the day before), and with files that hold runs of keys, the
/// comparison reads the few files of those runs, not the table nor the files between them.
/// Empty when no row can match; `None` when `key` is not an integer column (the whole table is
/// compared).
async fn matchable_runs(
    ctx: &SessionContext,
    table: &str,
    key: &str,
    rows: &[datafusion::arrow::record_batch::RecordBatch],
) -> Result<Option<Vec<(i64, i64)>>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let Ok(index) = first.schema().index_of(key) else {
        return Ok(None);
    };
    if first.schema().field(index).data_type() != &DataType::Int64 {
        return Ok(None);
    }
    let greatest = ctx
        .sql(&format!("SELECT max({}) FROM {}", quote(key), quote(table)))
        .await?
        .collect()
        .await?;
    let Some(greatest) = greatest
        .first()
        .and_then(|b| b.column(0).as_any().downcast_ref::<Int64Array>())
        .and_then(|a| (!a.is_null(0)).then(|| a.value(0)))
    else {
        return Ok(Some(Vec::new()));
    };
    let Some(keys) = int_keys(rows, index) else {
        return Ok(None);
    };
    let keys = keys.into_iter().filter(|k| *k <= greatest).collect();
    Ok(Some(delta::key_runs(keys, MOST_KEY_RUNS)))
}

/// The non-null values of integer column `index` of `rows`; `None` when it is not `Int64`.
fn int_keys(
    rows: &[datafusion::arrow::record_batch::RecordBatch],
    index: usize,
) -> Option<Vec<i64>> {
    let mut keys = Vec::new();
    for batch in rows {
        let column = batch.column(index).as_any().downcast_ref::<Int64Array>()?;
        keys.extend(column.iter().flatten());
    }
    Some(keys)
}

/// `batch` under `schema`, the schema of the query that gave it. The branches of a `UNION ALL`
/// can give batches that differ from the query's schema: in nullability or metadata, and in
/// string types (a branch reading Parquet gives `Utf8View` where the union says `Utf8`, in
/// DataFusion 55), which a `MemTable` refuses; such columns are cast.
fn conform(
    batch: &datafusion::arrow::record_batch::RecordBatch,
    schema: &Arc<Schema>,
) -> Result<datafusion::arrow::record_batch::RecordBatch> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(column.clone())
            } else {
                datafusion::arrow::compute::cast(column, field.data_type())
            }
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(datafusion::arrow::record_batch::RecordBatch::try_new(
        schema.clone(),
        columns,
    )?)
}

/// Upsert `rows` into `table` (its published version `current`, registered in `ctx` under its
/// name) by `key`: rows whose key it lacks are inserted, rows whose other columns differ replace
/// the table's, and only those go into the Delta MERGE; when there are none the table keeps its
/// version. Returns its entry and what changed.
pub(crate) async fn upsert(
    ctx: &SessionContext,
    warehouse: &Location,
    table: &str,
    key: &[&str],
    rows: DataFrame,
    current: &TableEntry,
) -> Result<(TableEntry, TableChanges)> {
    // Run the rows' query once (a model's SQL, a history): counted here, compared below.
    let started = std::time::Instant::now();
    let schema = Arc::new(rows.schema().as_arrow().clone());
    let delivered_rows = rows
        .collect()
        .await?
        .iter()
        .map(|batch| conform(batch, &schema))
        .collect::<Result<Vec<_>>>()?;
    let collected_ms = started.elapsed().as_millis() as u64;
    let delivered: u64 = delivered_rows.iter().map(|b| b.num_rows() as u64).sum();
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let source = format!("__latest_{table}");
    ctx.deregister_table(source.as_str())?;
    ctx.register_table(
        source.as_str(),
        Arc::new(MemTable::try_new(schema, vec![delivered_rows.clone()])?),
    )?;
    let on = key
        .iter()
        .map(|k| format!("s.{0} = t.{0}", quote(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let same = columns
        .iter()
        .filter(|c| !key.contains(&c.as_str()))
        .map(|c| format!("(s.{0} IS NOT DISTINCT FROM t.{0})", quote(c)))
        .collect::<Vec<_>>();
    let same = if same.is_empty() {
        "TRUE".to_string()
    } else {
        same.join(" AND ")
    };
    let is_new = format!("t.{} IS NULL", quote(key[0]));
    let target = match matchable_runs(ctx, table, key[0], &delivered_rows).await? {
        Some(runs) => format!(
            "(SELECT * FROM {} WHERE {})",
            quote(table),
            delta::within_runs(&quote(key[0]), &runs)
        ),
        None => quote(table),
    };
    let sql = format!(
        "SELECT s.*, {is_new} AS \"__new\" FROM {} s LEFT JOIN {target} t ON {on} \
         WHERE {is_new} OR NOT ({same})",
        quote(&source),
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    let compared_ms = started.elapsed().as_millis() as u64 - collected_ms;
    let mut inserted = 0u64;
    let mut updated = 0u64;
    let mut changes = Vec::with_capacity(batches.len());
    let (mut inserts, mut updates) = (Vec::new(), Vec::new());
    let projection: Vec<usize> = (0..columns.len()).collect();
    for batch in batches {
        let flags = batch
            .column(batch.num_columns() - 1)
            .as_any()
            .downcast_ref::<BooleanArray>()
            .ok_or_else(|| PipelineError::Internal("'__new' is not a boolean".to_string()))?;
        let new = flags.true_count() as u64;
        inserted += new;
        updated += flags.len() as u64 - new;
        let rows = batch.project(&projection)?;
        let old = datafusion::arrow::compute::not(flags)?;
        inserts.push(datafusion::arrow::compute::filter_record_batch(
            &rows, flags,
        )?);
        updates.push(datafusion::arrow::compute::filter_record_batch(
            &rows, &old,
        )?);
        changes.push(rows);
    }
    inserts.retain(|b| b.num_rows() > 0);
    updates.retain(|b| b.num_rows() > 0);
    let mut report = TableChanges {
        name: table.to_string(),
        inserted,
        updated,
        unchanged: delivered - inserted - updated,
        rows: changes,
        ..TableChanges::default()
    };
    if inserted + updated == 0 {
        return Ok((current.clone(), report));
    }
    let published = current.delta.as_ref().ok_or_else(|| {
        PipelineError::Internal(format!(
            "table '{table}' has no Delta version to merge into"
        ))
    })?;
    // the MERGE reads only the files of the updated keys' runs (see `delta::merge`)
    let runs = updates
        .first()
        .and_then(|b| b.schema().index_of(key[0]).ok())
        .and_then(|index| int_keys(&updates, index))
        .map(|keys| delta::key_runs(keys, MOST_KEY_RUNS))
        .unwrap_or_default();
    let updates = if updates.is_empty() {
        None
    } else {
        Some(delta::Updates {
            rows: ctx.read_batches(updates)?,
            runs,
        })
    };
    let (merged, done) = delta::merge(
        ctx,
        warehouse,
        &published.root,
        published.version,
        key,
        updates,
        inserts,
    )
    .await?;
    tracing::debug!(
        table,
        collected_ms,
        compared_ms,
        merged_ms = started.elapsed().as_millis() as u64 - collected_ms - compared_ms,
        "upsert timings"
    );
    report.files_added = done.files_added;
    report.files_removed = done.files_removed;
    let entry = TableEntry {
        path: published.root.clone(),
        rows: current.rows + inserted,
        layer: current.layer,
        files: Some(delta::files(warehouse, &published.root, &merged)?),
        delta: Some(DeltaVersion {
            root: published.root.clone(),
            version: done.version,
        }),
    };
    Ok((entry, report))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::dataframe::DataFrameWriteOptions;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::{ParquetReadOptions, SessionContext};

    use super::conform;

    /// A model's `UNION ALL` of rows in memory (`changed.<table>`) and rows read from Parquet
    /// gives batches whose string columns are views where the query says `Utf8`: conformed,
    /// they make the `MemTable` an upsert compares and merges.
    #[tokio::test]
    async fn a_union_of_memory_and_parquet_rows_is_conformed_to_its_query() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = SessionContext::new();
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("status", DataType::Utf8, true),
        ]));
        let batch = |ids: Vec<i64>, status: Vec<Option<&str>>| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(ids)),
                    Arc::new(StringArray::from(status)),
                ],
            )
            .unwrap()
        };
        let stored = ctx
            .read_batch(batch(vec![1, 2], vec![Some("Booked"), None]))
            .unwrap();
        let path = dir.path().join("stored");
        stored
            .write_parquet(path.to_str().unwrap(), DataFrameWriteOptions::new(), None)
            .await
            .unwrap();
        ctx.register_parquet(
            "stored",
            path.to_str().unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap();
        let changed = MemTable::try_new(
            schema.clone(),
            vec![vec![batch(vec![3], vec![Some("Finished")])]],
        )
        .unwrap();
        ctx.register_table("changed", Arc::new(changed)).unwrap();

        let rows = ctx
            .sql("SELECT id, status FROM changed UNION ALL SELECT id, status FROM stored WHERE id = 2")
            .await
            .unwrap();
        let query = Arc::new(rows.schema().as_arrow().clone());
        let batches = rows.collect().await.unwrap();
        assert!(
            batches
                .iter()
                .any(|b| b.schema().fields() != query.fields()),
            "every batch already has the query's schema: conform may no longer be needed"
        );
        let conformed: Vec<RecordBatch> = batches
            .iter()
            .map(|b| conform(b, &query).unwrap())
            .collect();
        let table = MemTable::try_new(query.clone(), vec![conformed]).unwrap();
        ctx.register_table("conformed", Arc::new(table)).unwrap();
        let all = ctx
            .sql("SELECT id, status FROM conformed ORDER BY id")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&all)
            .unwrap()
            .to_string();
        assert_eq!(
            text,
            "+----+----------+\n\
             | id | status   |\n\
             +----+----------+\n\
             | 2  |          |\n\
             | 3  | Finished |\n\
             +----+----------+"
        );
    }
}
