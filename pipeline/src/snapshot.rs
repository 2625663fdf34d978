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

use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
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

/// The source's columns, as registered in `ctx` (checking that the unique key is among them).
async fn source_columns(ctx: &SessionContext, snapshot: &Snapshot) -> Result<Vec<String>> {
    let schema: SchemaRef = ctx.table_provider(snapshot.source.as_str()).await?.schema();
    columns_of(snapshot, &schema)
}

/// The columns of `schema`, the source's (checking that the unique key is among them).
fn columns_of(snapshot: &Snapshot, schema: &Schema) -> Result<Vec<String>> {
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
/// version before, each valid until the next. `exact` has the source's types as the extract
/// writes them.
fn history_sql(columns: &[String], exact: &Schema, key: &[String], versions: &str) -> String {
    let list = |prefix: &str| {
        columns
            .iter()
            .map(|c| format!("{prefix}{}", quote(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let keys = key.iter().map(|k| quote(k)).collect::<Vec<_>>().join(", ");
    let from = quote(VALID_FROM);
    // The windows run over the repeated keys' rows in one order, by key, instead of one
    // partition per key (DataFusion's window operator keeps state per partition, which with a
    // partition per key cost more than everything else in the query): a row's key is compared
    // with its neighbour's. Per key and day the last file's row comes first (files are
    // numbered in delivery order)...
    let by_day = format!(
        "OVER (ORDER BY {keys}, {from}, {} DESC)",
        quote(FILE_COLUMN)
    );
    // ... and then the days' rows, one per key and day, in order.
    let by_key = format!("OVER (ORDER BY {keys}, {from})");
    let key_columns: Vec<&str> = key.iter().map(String::as_str).collect();
    let values: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|c| !key_columns.contains(c))
        .collect();
    // Whether the columns `names` hold what they hold in the row `function` (lag or lead)
    // names in `window`.
    let equal = |function: &str, window: &str, names: &[&str]| {
        names
            .iter()
            .map(|c| {
                format!(
                    "({function}({0}) {window} IS NOT DISTINCT FROM {0})",
                    quote(c)
                )
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let last_of_day = format!(
        "row_number() {by_day} = 1 OR NOT ({})",
        equal("lag", &by_day, &[&key_columns[..], &[VALID_FROM]].concat())
    );
    let changed = format!(
        "row_number() {by_key} = 1 OR NOT ({})",
        equal("lag", &by_key, &[&key_columns[..], &values[..]].concat())
    );
    let next_of_key = equal("lead", &by_key, &key_columns);
    // Most keys come once: they are their own one version, in force. Only the keys that come
    // again go through the window functions (which sort them).
    let on = key
        .iter()
        .map(|k| format!("a.{0} = r.{0}", quote(k)))
        .collect::<Vec<_>>()
        .join(" AND ");
    // Text read back from Parquet comes as string views, which keep the buffers of the batches
    // they were read in: the repeated keys' rows, a tenth of all, would count as all of them in
    // the memory their sort asks for (more than 1 GiB at 10M orders). Cast to the extract's
    // type, they are copied once.
    let typed = columns
        .iter()
        .map(|c| match exact.field_with_name(c).map(|f| f.data_type()) {
            Ok(DataType::Utf8) => format!("arrow_cast({0}, 'Utf8') AS {0}", quote(c)),
            _ => quote(c),
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH delivered AS (SELECT {typed}, {from}, {file} FROM ({versions})), \
         again AS (SELECT {keys} FROM delivered GROUP BY {keys} HAVING count(*) > 1), \
         once AS (SELECT {cols_a}, a.{from} FROM delivered a LEFT JOIN again r ON {on} \
           WHERE r.{first_key} IS NULL), \
         repeated AS (SELECT a.* FROM delivered a JOIN again r ON {on}), \
         per_day AS (SELECT * FROM (SELECT *, ({last_of_day}) AS \"__last\" FROM repeated) \
           WHERE \"__last\"), \
         marked AS (SELECT *, ({changed}) AS \"__changed\" FROM per_day), \
         versions AS (SELECT {cols}, {from}, \
           CASE WHEN {next_of_key} THEN lead({from}) {by_key} END AS {to} \
           FROM marked WHERE \"__changed\") \
         SELECT {cols}, {from}, {to}, {to} IS NULL AS {current} FROM versions \
         UNION ALL SELECT {cols}, {from}, CAST(NULL AS DATE) AS {to}, TRUE AS {current} FROM once",
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

/// The snapshot built from every load's staged rows (a full build over loads, before the
/// source's table is built: the staged files have the extract's columns).
pub(crate) async fn build_from_loads(
    ctx: &SessionContext,
    warehouse: &Location,
    snapshot: &Snapshot,
    version: &str,
) -> Result<TableEntry> {
    let exact = crate::air_boltic::table_schema(&snapshot.source);
    let columns = columns_of(snapshot, &exact)?;
    let versions = staged_versions(ctx, warehouse, snapshot, version, &columns).await?;
    let sql = history_sql(&columns, &exact, &snapshot.unique_key, &versions);
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
    let exact = crate::air_boltic::table_schema(&snapshot.source);
    let rows = ctx
        .sql(&history_sql(
            &columns,
            &exact,
            &snapshot.unique_key,
            &versions,
        ))
        .await?;
    let mut key: Vec<&str> = snapshot.unique_key.iter().map(String::as_str).collect();
    key.push(VALID_FROM);
    let (entry, mut changes) = upsert(ctx, warehouse, &snapshot.name, &key, rows, current).await?;
    changes.name = snapshot.name.clone();
    Ok((entry, changes))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Date32Array, Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::prelude::SessionContext;

    use super::{FILE_COLUMN, VALID_FROM, history_sql};

    /// Deliveries as (key, key2, email, group, day of December 2024, file).
    type Delivery = (
        i64,
        &'static str,
        &'static str,
        Option<i64>,
        i32,
        &'static str,
    );

    /// The history of `deliveries` by `key`, ordered, one line per version.
    async fn history(key: &[&str], deliveries: &[Delivery]) -> Vec<String> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("id2", DataType::Utf8, false),
            Field::new("email", DataType::Utf8, true),
            Field::new("grp", DataType::Int64, true),
            Field::new(VALID_FROM, DataType::Date32, true),
            Field::new(FILE_COLUMN, DataType::Utf8, false),
        ]));
        // 2024-12-01 is day 20,058 since 1970-01-01.
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from_iter_values(deliveries.iter().map(|d| d.0))),
                Arc::new(StringArray::from_iter_values(
                    deliveries.iter().map(|d| d.1),
                )),
                Arc::new(StringArray::from_iter_values(
                    deliveries.iter().map(|d| d.2),
                )),
                Arc::new(Int64Array::from_iter(deliveries.iter().map(|d| d.3))),
                Arc::new(Date32Array::from_iter_values(
                    deliveries.iter().map(|d| 20_057 + d.4),
                )),
                Arc::new(StringArray::from_iter_values(
                    deliveries.iter().map(|d| d.5),
                )),
            ],
        )
        .unwrap();
        let ctx = SessionContext::new();
        ctx.register_batch("delivered", batch).unwrap();
        let columns: Vec<String> = ["id", "id2", "email", "grp"].map(String::from).into();
        let key: Vec<String> = key.iter().map(|k| k.to_string()).collect();
        let sql = format!(
            "SELECT * FROM ({}) ORDER BY id, id2, valid_from",
            history_sql(&columns, &schema, &key, "SELECT * FROM delivered")
        );
        let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        pretty_format_batches(&batches)
            .unwrap()
            .to_string()
            .lines()
            .skip(3)
            .filter(|l| !l.starts_with('+'))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[tokio::test]
    async fn a_version_is_a_days_last_delivery_that_differs_from_the_version_before() {
        let deliveries: &[Delivery] = &[
            // Changed on the 3rd twice (the later file wins), back to the first on the 4th; the
            // 2nd repeats the 1st and adds nothing.
            (1, "x", "a@x", Some(1), 1, "000000"),
            (1, "x", "a@x", Some(1), 2, "000001"),
            (1, "x", "b@x", Some(1), 3, "000002"),
            (1, "x", "c@x", Some(1), 3, "000003"),
            (1, "x", "a@x", Some(1), 4, "000004"),
            // Delivered once: its own version, in force.
            (2, "x", "z@x", None, 2, "000001"),
            // An empty group again is no change; a group where there was none is.
            (3, "x", "m@x", None, 1, "000000"),
            (3, "x", "m@x", None, 2, "000001"),
            (3, "x", "m@x", Some(5), 3, "000002"),
            // A key is not another key's next day or version, whatever their rows hold.
            (4, "x", "m@x", Some(5), 3, "000002"),
            (4, "x", "m@x", Some(5), 4, "000004"),
        ];
        assert_eq!(
            history(&["id"], deliveries).await,
            [
                "| 1 | x | a@x | 1 | 2024-12-01 | 2024-12-03 | false |",
                "| 1 | x | c@x | 1 | 2024-12-03 | 2024-12-04 | false |",
                "| 1 | x | a@x | 1 | 2024-12-04 | | true |",
                "| 2 | x | z@x | | 2024-12-02 | | true |",
                "| 3 | x | m@x | | 2024-12-01 | 2024-12-03 | false |",
                "| 3 | x | m@x | 5 | 2024-12-03 | | true |",
                "| 4 | x | m@x | 5 | 2024-12-03 | | true |",
            ]
        );
    }

    #[tokio::test]
    async fn every_column_of_a_composite_key_tells_keys_apart() {
        let deliveries: &[Delivery] = &[
            (1, "a", "a@x", None, 1, "000000"),
            (1, "b", "a@x", None, 1, "000000"),
            (1, "b", "b@x", None, 2, "000001"),
            (2, "b", "b@x", None, 2, "000001"),
        ];
        assert_eq!(
            history(&["id", "id2"], deliveries).await,
            [
                "| 1 | a | a@x | | 2024-12-01 | | true |",
                "| 1 | b | a@x | | 2024-12-01 | 2024-12-02 | false |",
                "| 1 | b | b@x | | 2024-12-02 | | true |",
                "| 2 | b | b@x | | 2024-12-02 | | true |",
            ]
        );
    }
}
