//! Snapshots: the history of a normalized table's rows, as dbt snapshots keep it (`models/
//! schema.yml`, `snapshots:`), with the date of the load that delivered a change as its time.
//!
//! A snapshot table has the source's columns plus `valid_from`, `valid_to` (dates; `valid_to`
//! is null for the version in force) and `is_current`. Every version of a key is the row a load
//! delivered for it when that row differs from the version before (a load that sends a key
//! again unchanged adds nothing; of two deliveries of a key on one load date the later file
//! wins, as in the normalized table). So the history depends only on what was delivered on
//! which day: a build over every load and runs applying them one at a time give the same rows.
//!
//! - Over load folders, the first run (or `--full-refresh`) builds it from every staged row; an
//!   incremental run recomputes the history of the keys its loads touched (their versions so far
//!   plus the new ones) and MERGEs it by key and `valid_from`: a closed interval is an update, a
//!   new version an insert.
//! - Over flat files there is one delivery without a date: one version per key, `valid_from`
//!   null ("since before history began").

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::{DataFrame, SessionContext};

use crate::delta;
use crate::error::{PipelineError, Result};
use crate::incremental::{
    DATE_COLUMN, FILE_COLUMN, TableChanges, quote, register_staged, upsert, written_rows,
};
use crate::location::Location;
use crate::project::Snapshot;
use crate::warehouse::{Layer, TableEntry};

/// The columns a snapshot adds to its source's.
pub const VALID_FROM: &str = "valid_from";
/// See [`VALID_FROM`].
pub const VALID_TO: &str = "valid_to";
/// See [`VALID_FROM`].
pub const IS_CURRENT: &str = "is_current";

/// The source's columns (checking that the unique key is among them).
async fn source_columns(ctx: &SessionContext, snapshot: &Snapshot) -> Result<Vec<String>> {
    let schema: SchemaRef = ctx.table_provider(snapshot.source.as_str()).await?.schema();
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    if let Some(missing) = snapshot.unique_key.iter().find(|k| !columns.contains(k)) {
        return Err(PipelineError::Project(format!(
            "snapshot '{}': unique_key column '{missing}' is not a column of '{}' ({}); name its key columns",
            snapshot.name,
            snapshot.source,
            columns.join(", ")
        )));
    }
    Ok(columns)
}

/// The history of the versions in `versions` (a query with the source's columns, `valid_from`
/// and `__file`): per key and day the last file's row, then only rows that differ from the
/// version before, each valid until the next.
fn history_sql(columns: &[String], key: &[String], versions: &str) -> String {
    let list = |prefix: &str| {
        columns
            .iter()
            .map(|c| format!("{prefix}{}", quote(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let keys = key.iter().map(|k| quote(k)).collect::<Vec<_>>().join(", ");
    let window = format!("OVER (PARTITION BY {keys} ORDER BY {})", quote(VALID_FROM));
    let changed = std::iter::once(format!("row_number() {window} = 1"))
        .chain(
            columns
                .iter()
                .filter(|c| !key.contains(c))
                .map(|c| format!("(lag({0}) {window} IS DISTINCT FROM {0})", quote(c))),
        )
        .collect::<Vec<_>>()
        .join(" OR ");
    // Most keys come once: they are their own one version, in force. Only the keys that come
    // again go through the window functions (which keep state per key: slow with a million).
    let on = key
        .iter()
        .map(|k| format!("a.{0} = r.{0}", quote(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    format!(
        "WITH delivered AS ({versions}), \
         again AS (SELECT {keys} FROM delivered GROUP BY {keys} HAVING count(*) > 1), \
         once AS (SELECT {cols_a}, a.{from} FROM delivered a LEFT JOIN again r ON {on} \
           WHERE r.{first_key} IS NULL), \
         repeated AS (SELECT a.* FROM delivered a JOIN again r ON {on}), \
         per_day AS (\
           SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY {keys}, {from} ORDER BY {file} DESC) AS \"__n\" \
           FROM repeated) WHERE \"__n\" = 1), \
         marked AS (SELECT *, ({changed}) AS \"__changed\" FROM per_day), \
         versions AS (SELECT {cols}, {from}, lead({from}) {window} AS {to} FROM marked WHERE \"__changed\") \
         SELECT {cols}, {from}, {to}, {to} IS NULL AS {current} FROM versions \
         UNION ALL SELECT {cols}, {from}, CAST(NULL AS DATE) AS {to}, TRUE AS {current} FROM once",
        from = quote(VALID_FROM),
        to = quote(VALID_TO),
        current = quote(IS_CURRENT),
        file = quote(FILE_COLUMN),
        cols = list(""),
        cols_a = list("a."),
        first_key = quote(&key[0]),
    )
}

/// Write `rows` as the snapshot's table for `version`; its manifest entry.
async fn write(
    warehouse: &Location,
    snapshot: &Snapshot,
    version: &str,
    rows: DataFrame,
) -> Result<TableEntry> {
    let path = delta::data_folder(Layer::Model, &snapshot.name, version);
    let written = rows
        .write_parquet(&warehouse.url(&path), DataFrameWriteOptions::new(), None)
        .await?;
    Ok(TableEntry {
        path,
        rows: written_rows(&written),
        layer: Layer::Model,
        files: None,
        delta: None,
    })
}

/// The snapshot of a source built from flat files (registered in `ctx`): one version per key,
/// with no known start.
pub(crate) async fn build_flat(
    ctx: &SessionContext,
    warehouse: &Location,
    snapshot: &Snapshot,
    version: &str,
) -> Result<TableEntry> {
    let columns = source_columns(ctx, snapshot).await?;
    let cols = columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols}, CAST(NULL AS DATE) AS {from}, CAST(NULL AS DATE) AS {to}, TRUE AS {current} FROM {source}",
        from = quote(VALID_FROM),
        to = quote(VALID_TO),
        current = quote(IS_CURRENT),
        source = quote(&snapshot.source),
    );
    write(warehouse, snapshot, version, ctx.sql(&sql).await?).await
}

/// The versions every staged file of the source delivered (with its load date).
async fn staged_versions(
    ctx: &SessionContext,
    warehouse: &Location,
    snapshot: &Snapshot,
    version: &str,
    columns: &[String],
) -> Result<String> {
    let staged = register_staged(ctx, warehouse, version, &snapshot.source).await?;
    let cols = columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(format!(
        "SELECT {cols}, CAST({date} AS DATE) AS {from}, {file} FROM {staged}",
        date = quote(DATE_COLUMN),
        from = quote(VALID_FROM),
        file = quote(FILE_COLUMN),
        staged = quote(&staged),
    ))
}

/// The snapshot built from every load's staged rows (a full build over loads).
pub(crate) async fn build_from_loads(
    ctx: &SessionContext,
    warehouse: &Location,
    snapshot: &Snapshot,
    version: &str,
) -> Result<TableEntry> {
    let columns = source_columns(ctx, snapshot).await?;
    let versions = staged_versions(ctx, warehouse, snapshot, version, &columns).await?;
    let sql = history_sql(&columns, &snapshot.unique_key, &versions);
    write(warehouse, snapshot, version, ctx.sql(&sql).await?).await
}

/// Bring the published snapshot (`current`, registered in `ctx` under its name) up to date with
/// the source's staged rows of this run: the history of every key they touch is recomputed from
/// its versions so far and the new ones, and MERGEd by key and `valid_from`.
pub(crate) async fn update(
    ctx: &SessionContext,
    warehouse: &Location,
    snapshot: &Snapshot,
    version: &str,
    current: &TableEntry,
) -> Result<(TableEntry, TableChanges)> {
    let columns = source_columns(ctx, snapshot).await?;
    let staged = staged_versions(ctx, warehouse, snapshot, version, &columns).await?;
    let cols = columns
        .iter()
        .map(|c| quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    let touched = snapshot
        .unique_key
        .iter()
        .map(|k| format!("n.{0} = h.{0}", quote(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let versions = format!(
        "SELECT {cols}, {from}, '' AS {file} FROM {history} h \
           WHERE EXISTS (SELECT 1 FROM ({staged}) n WHERE {touched}) \
         UNION ALL {staged}",
        from = quote(VALID_FROM),
        file = quote(FILE_COLUMN),
        history = quote(&snapshot.name),
    );
    let rows = ctx
        .sql(&history_sql(&columns, &snapshot.unique_key, &versions))
        .await?;
    let mut key: Vec<&str> = snapshot.unique_key.iter().map(String::as_str).collect();
    key.push(VALID_FROM);
    let (entry, mut changes) = upsert(ctx, warehouse, &snapshot.name, &key, rows, current).await?;
    changes.name = snapshot.name.clone();
    Ok((entry, changes))
}
