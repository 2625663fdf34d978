//! A small warehouse for running compiled SQL on DataFusion: Parquet files written by DataFusion
//! itself in a temporary directory, with the schemas of the tables `boltic build` produces (plus
//! the tables of the inline models in `cases.rs`), registered by name in a [`SessionContext`].
//!
//! The data is small but chosen to exercise the compiler: NULLs in most columns, several order
//! statuses, customers without orders, orders whose customer or trip is unknown, trips with
//! several orders (so the trips -> orders join fans out) and trips without orders, timestamps
//! across months and years (some on a different day in Europe/Tallinn than in UTC) and around the
//! golden cases' "now" (2024-08-15 10:30).

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::error::Result;
use datafusion::prelude::{Expr, ParquetReadOptions, SessionContext, cast, col};

/// The fixture: the session and the temporary directory that holds its Parquet files.
pub struct Warehouse {
    /// Session with every table registered by name.
    pub ctx: SessionContext,
    /// Kept alive as long as the session reads from it.
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Warehouse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warehouse")
            .field("dir", &self.dir.path())
            .field("ctx", &self.ctx.session_id())
            .finish()
    }
}

/// One table: name (maybe `schema.table`), columns with their exact types, and rows as SQL
/// `VALUES` tuples (timestamps and dates as strings, cast to the column type).
#[derive(Debug)]
pub struct Table {
    /// Table reference, e.g. `fact_orders` or `analytics.events`.
    pub name: &'static str,
    /// Columns and their Arrow types.
    pub columns: Vec<(&'static str, DataType)>,
    /// `(...), (...)` rows.
    pub rows: &'static str,
}

fn utc() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Every table of the fixture.
pub fn tables() -> Vec<Table> {
    use DataType::{Boolean, Date32, Float64, Int64, Utf8};
    vec![
        Table {
            name: "dim_customers",
            columns: vec![
                ("customer_id", Int64),
                ("name", Utf8),
                ("customer_group_id", Int64),
                ("email", Utf8),
                ("phone", Utf8),
                ("customer_group_type", Utf8),
                ("customer_group_name", Utf8),
                ("registry_number", Utf8),
                ("has_group", Boolean),
                ("has_email", Boolean),
                ("has_phone", Boolean),
            ],
            // 11 and 12 have no orders; 4 has an empty email, 3, 6 and 11 none.
            rows: r#"
                (1, 'Ann Lee', 1, 'ann@x.ee', '+372 1', 'Company', 'Bolt', 'R1', true, true, true),
                (2, 'Bob Stone', 1, 'bob@x.ee', NULL, 'Company', 'Bolt', 'R1', true, true, false),
                (3, 'O''Brien, Pat', 2, NULL, '+44 3', 'Private Group', 'Pats', NULL, true, false, true),
                (4, 'Dana Kim', NULL, '', '+1 4', NULL, NULL, NULL, false, false, true),
                (5, 'Eve Adams', 3, 'eve@y.com', '+1 5', 'Organisation', 'UN', 'R3', true, true, true),
                (6, 'Finn Berg', NULL, NULL, NULL, NULL, NULL, NULL, false, false, false),
                (7, 'Gus Moss', 2, 'gus@z.org', '+44 7', 'Private Group', 'Pats', NULL, true, true, true),
                (8, 'Hana Ito', 3, 'hana@y.com', NULL, 'Organisation', 'UN', 'R3', true, true, false),
                (9, 'Ivan Petrov', 4, 'ivan@x.ru', '+7 9', 'Company', 'Aero', 'R4', true, true, true),
                (10, 'Jo Park', NULL, 'jo@x.kr', '+82 10', NULL, NULL, NULL, false, true, true),
                (11, 'Kai Lund', 4, NULL, NULL, 'Company', 'Aero', 'R4', true, false, false),
                (12, 'Lea Roos', NULL, 'lea@x.ee', NULL, NULL, NULL, NULL, false, true, false)
            "#,
        },
        Table {
            name: "dim_aeroplane",
            columns: vec![
                ("aeroplane_id", Int64),
                ("manufacturer", Utf8),
                ("model", Utf8),
                ("engine_type", Utf8),
                ("max_seats", Int64),
                ("max_weight", Int64),
                ("max_distance", Int64),
                ("distance_type", Utf8),
                ("size", Utf8),
            ],
            // 6 flies no trip.
            rows: r#"
                (1, 'Airbus', 'A320', 'Jet', 180, 78000, 6100, 'short_haul', 'small'),
                (2, 'Airbus', 'A350', 'Jet', 325, 280000, 15000, 'long_haul', 'big'),
                (3, 'Boeing', '737', 'Jet', 189, 79000, 5600, 'short_haul', 'small'),
                (4, 'Boeing', '787', 'Jet', 296, 254000, 14000, 'long_haul', 'big'),
                (5, 'ATR', '72', 'Turboprop', 70, 23000, 1500, 'short_haul', 'small'),
                (6, 'Embraer', 'E190', NULL, 100, 51800, 4500, 'short_haul', NULL)
            "#,
        },
        Table {
            name: "fact_trips",
            columns: vec![
                ("trip_id", Int64),
                ("origin_city", Utf8),
                ("destination_city", Utf8),
                ("aeroplane_id", Int64),
                ("start_timestamp", utc()),
                ("end_timestamp", utc()),
                ("duration_minutes", Int64),
                ("aeroplane_model", Utf8),
                ("manufacturer", Utf8),
                ("max_seats", Int64),
            ],
            // 1: today, 2: yesterday, 3: 7 days ago (UTC); 5 and 8 start a day later in Tallinn;
            // 10 has no aeroplane, 10 and 11 have no orders, 11 is in the future.
            rows: r#"
                (1, 'London', 'New York', 2, '2024-08-15 08:00:00', '2024-08-15 16:00:00', 480, 'A350', 'Airbus', 325),
                (2, 'New York', 'London', 4, '2024-08-14 20:00:00', '2024-08-15 03:30:00', 450, '787', 'Boeing', 296),
                (3, 'Tallinn', 'London', 1, '2024-08-08 06:15:00', '2024-08-08 09:00:00', 165, 'A320', 'Airbus', 180),
                (4, 'London', 'Paris', 3, '2024-08-01 14:30:00', '2024-08-01 15:45:00', 75, '737', 'Boeing', 189),
                (5, 'Paris', 'Tallinn', 1, '2024-07-31 22:30:00', '2024-08-01 01:30:00', 180, 'A320', 'Airbus', 180),
                (6, 'Tallinn', 'Helsinki', 5, '2024-06-10 12:00:00', '2024-06-10 12:40:00', 40, '72', 'ATR', 70),
                (7, 'Newcastle', 'London', 3, '2024-03-03 09:00:00', '2024-03-03 10:10:00', 70, '737', 'Boeing', 189),
                (8, 'London', 'Tokyo', 2, '2023-12-31 22:30:00', '2024-01-01 12:00:00', 810, 'A350', 'Airbus', 325),
                (9, 'Paris', 'London', 4, '2023-05-20 17:45:00', '2023-05-20 19:00:00', 75, '787', 'Boeing', NULL),
                (10, 'Tallinn', 'Riga', NULL, '2022-11-11 11:11:00', '2022-11-11 12:00:00', 49, NULL, NULL, NULL),
                (11, 'Riga', 'Tallinn', 5, '2024-09-02 07:00:00', NULL, NULL, '72', 'ATR', 70)
            "#,
        },
        Table {
            name: "fact_orders",
            columns: vec![
                ("order_id", Int64),
                ("customer_id", Int64),
                ("trip_id", Int64),
                ("origin_city", Utf8),
                ("destination_city", Utf8),
                ("price_eur", Float64),
                ("seat_no", Utf8),
                ("status", Utf8),
            ],
            // Trips 1, 2, 3, 4, 5, 8, 9 have several orders; 16 has an unknown customer, 17 no trip.
            rows: r#"
                (1, 1, 1, 'London', 'New York', 1200.0, '1A', 'Finished'),
                (2, 2, 1, 'London', 'New York', 950.5, '1B', 'Finished'),
                (3, 3, 1, 'London', 'New York', 2500.0, '2A', 'Booked'),
                (4, 1, 2, 'New York', 'London', 1100.0, '3C', 'Finished'),
                (5, 4, 2, 'New York', 'London', 5.0, NULL, 'Cancelled'),
                (6, 5, 3, 'Tallinn', 'London', 150.0, '12F', 'Finished'),
                (7, 5, 3, 'Tallinn', 'London', 90.0, '12E', 'Booked'),
                (8, 6, 4, 'London', 'Paris', 3.0, '7D', NULL),
                (9, 7, 4, 'London', 'Paris', 120.0, '7E', 'Finished'),
                (10, 8, 5, 'Paris', 'Tallinn', 200.0, '9A', 'Cancelled'),
                (11, 9, 6, 'Tallinn', 'Helsinki', 60.0, NULL, 'Finished'),
                (12, 10, 7, 'Newcastle', 'London', 99.99, '4B', 'Finished'),
                (13, 1, 8, 'London', 'Tokyo', 1800.0, '1A', 'Finished'),
                (14, 2, 8, 'London', 'Tokyo', NULL, '1C', 'Booked'),
                (15, 3, 9, 'Paris', 'London', 310.0, '2B', 'Finished'),
                (16, 99, 9, 'Paris', 'London', 45.0, '2C', 'Booked'),
                (17, 4, NULL, 'New York', NULL, 500.0, NULL, 'Booked'),
                (18, 9, 5, 'Paris', 'Tallinn', 1000.0, '9B', 'Finished')
            "#,
        },
        Table {
            name: "analytics.events",
            columns: vec![
                ("id", Int64),
                ("kind", Utf8),
                ("happened_at", utc()),
                ("event_day", Date32),
                ("amount", Float64),
            ],
            rows: r#"
                (1, 'click', '2024-08-14 21:30:00', '2024-08-15', 5.0),
                (2, 'click', '2024-08-15 09:00:00', '2024-08-15', 12.5),
                (3, 'view', '2024-07-31 22:15:00', '2024-08-01', 150.0),
                (4, 'test_ping', '2024-07-01 10:00:00', '2024-07-01', 1.0),
                (5, NULL, '2024-06-15 12:00:00', '2024-06-15', 250.0),
                (6, 'view', '2024-05-31 23:59:00', '2024-06-01', NULL),
                (7, 'purchase', '2024-02-29 12:00:00', '2024-02-29', 99.0),
                (8, 'purchase', '2023-12-31 22:00:00', '2024-01-01', 100.0),
                (9, 'click', '2023-08-15 08:00:00', '2023-08-15', -3.0),
                (10, 'test', '2024-08-01 00:00:00', '2024-08-01', 10.0),
                (11, 'view', '2024-08-10 10:00:00', '2024-08-10', 0.0),
                (12, 'click', '2024-09-01 00:00:00', '2024-09-01', 1000.0)
            "#,
        },
        Table {
            name: "dim_airports",
            columns: vec![("code", Utf8), ("city", Utf8), ("country", Utf8)],
            rows: r#"
                ('TLL', 'Tallinn', 'Estonia'),
                ('HEL', 'Helsinki', 'Finland'),
                ('LHR', 'London', 'United Kingdom'),
                ('LGW', 'London', 'United Kingdom'),
                ('CDG', 'Paris', 'France'),
                ('RIX', 'Riga', 'Latvia'),
                ('JFK', 'New York', 'United States')
            "#,
        },
        Table {
            name: "fact_flights",
            columns: vec![("id", Int64), ("origin", Utf8), ("destination", Utf8)],
            // 4 goes to an unknown airport, 9 comes from nowhere.
            rows: r#"
                (1, 'TLL', 'HEL'),
                (2, 'TLL', 'LHR'),
                (3, 'TLL', 'CDG'),
                (4, 'TLL', 'XXX'),
                (5, 'HEL', 'TLL'),
                (6, 'LHR', 'JFK'),
                (7, 'TLL', 'HEL'),
                (8, 'RIX', 'TLL'),
                (9, NULL, 'TLL'),
                (10, 'TLL', 'LGW')
            "#,
        },
    ]
}

/// Write every table of [`tables`] as Parquet in a new temporary directory and register it.
pub async fn warehouse() -> Result<Warehouse> {
    let dir = tempfile::tempdir()?;
    let ctx = SessionContext::new();
    for table in tables() {
        let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
        let values = ctx
            .sql(&format!(
                "SELECT * FROM (VALUES {}) AS t({})",
                table.rows,
                names.join(", ")
            ))
            .await?;
        let typed: Vec<Expr> = table
            .columns
            .iter()
            .map(|(name, ty)| cast(col(*name), ty.clone()).alias(*name))
            .collect();
        let path = file_of(&dir, &table);
        values
            .select(typed)?
            .write_parquet(
                &path,
                DataFrameWriteOptions::new().with_single_file_output(true),
                None,
            )
            .await?;
    }
    let warehouse = Warehouse { ctx, dir };
    warehouse.register_in(&warehouse.ctx).await?;
    Ok(warehouse)
}

/// Where the fixture keeps `table`'s Parquet file.
fn file_of(dir: &tempfile::TempDir, table: &Table) -> String {
    let path = dir.path().join(format!("{}.parquet", table.name));
    path.to_str().expect("utf-8 temp path").to_string()
}

impl Warehouse {
    /// Register every table of the fixture by name in `ctx` (its own session, or another one,
    /// e.g. one whose queries run on a cluster).
    pub async fn register_in(&self, ctx: &SessionContext) -> Result<()> {
        ctx.sql("CREATE SCHEMA analytics").await?.collect().await?;
        for table in tables() {
            let path = file_of(&self.dir, &table);
            ctx.register_parquet(table.name, &path, ParquetReadOptions::default())
                .await?;
        }
        Ok(())
    }
}

/// Plan and run `sql`.
pub async fn run(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    ctx.sql(sql).await?.collect().await
}

/// Rows of `sql` as `|`-separated strings; floats rounded to 2 decimals (so sums added in
/// another order compare equal), NULL as `NULL`. In result order unless `sorted`.
pub async fn rows(ctx: &SessionContext, sql: &str, sorted: bool) -> Vec<String> {
    let batches = run(ctx, sql).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let options = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for batch in batches {
        let columns: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).expect("formatter"))
            .collect();
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = columns
                .iter()
                .map(|f| {
                    let text = f.value(row).to_string();
                    match text.parse::<f64>() {
                        Ok(x) if text.contains('.') => format!("{x:.2}"),
                        _ => text,
                    }
                })
                .collect();
            out.push(cells.join("|"));
        }
    }
    if sorted {
        out.sort();
    }
    out
}

#[tokio::test]
async fn fixture_tables_have_the_warehouse_schemas() {
    let wh = warehouse().await.expect("fixture");
    for table in tables() {
        let provider = wh.ctx.table_provider(table.name).await.expect(table.name);
        let schema = provider.schema();
        let actual: Vec<(&str, &DataType)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type()))
            .collect();
        // VARCHAR columns are written as Utf8; DataFusion reads Parquet strings as Utf8View
        // (`datafusion.execution.parquet.schema_force_view_types`), as it does the warehouse.
        let expected: Vec<(&str, &DataType)> = table
            .columns
            .iter()
            .map(|(n, t)| {
                (
                    *n,
                    if *t == DataType::Utf8 {
                        &DataType::Utf8View
                    } else {
                        t
                    },
                )
            })
            .collect();
        assert_eq!(actual, expected, "{}", table.name);
        let count = rows(
            &wh.ctx,
            &format!("SELECT count(*) FROM {}", table.name),
            false,
        )
        .await;
        let count: usize = count[0].parse().expect("a count");
        assert!(count >= 6, "{}: {count} rows", table.name);
    }
}
