//! The semantic layer on a real warehouse: the original Air Boltic reports and the fan-out case,
//! compiled by `boltic_semantic` and run by DataFusion, against hand-written SQL.

use std::path::Path;

use crate::support::{build, local, project};
use boltic_semantic::{CompileOptions, Model, Query};
use boltic_server::engine::Engine;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

fn model() -> Model {
    boltic_server::project_files::load_model(&project()).expect("the demo model loads")
}

/// Build a warehouse from `raw` (a folder) in `dir/wh` and open it.
async fn warehouse(raw: &Path, dir: &Path) -> Engine {
    let wh = local(&dir.join("wh"));
    build(&local(raw), &wh).await;
    Engine::open(&wh, 512 << 20).await.unwrap()
}

async fn seed_engine(dir: &Path) -> Engine {
    warehouse(&project().join("raw"), dir).await
}

/// Rows as sorted strings; floats rounded to cents so SUMs in another order compare equal.
async fn rows(engine: &Engine, sql: &str) -> Vec<String> {
    let batches = engine
        .run(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let options = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for batch in batches {
        let columns: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
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
    out.sort();
    out
}

fn compile(model: &Model, query: serde_json::Value, naive: bool) -> String {
    let query: Query = serde_json::from_value(query).unwrap();
    let mut options = CompileOptions::new(
        chrono::NaiveDate::from_ymd_opt(2024, 9, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    options.naive_fanout = naive;
    boltic_semantic::compile(model, &query, &options)
        .unwrap()
        .sql
}

/// One original report on the seed warehouse: (through the semantic layer, hand-written SQL).
async fn seed_report(query: serde_json::Value, by_hand: &str) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let engine = seed_engine(dir.path()).await;
    let through_model = rows(&engine, &compile(&model(), query, false)).await;
    (through_model, rows(&engine, by_hand).await)
}

#[tokio::test]
async fn orders_and_revenue_per_customer_include_customers_without_orders() {
    let (through_model, by_hand) = seed_report(
        serde_json::json!({"explore": "customers", "fields": ["customers.customer_id", "customers.name", "orders.order_count", "orders.revenue"]}),
        "select c.customer_id, c.name, count(o.order_id), sum(o.price_eur)
         from dim_customers c left join fact_orders o on o.customer_id = c.customer_id
         group by c.customer_id, c.name",
    )
    .await;
    assert_eq!(through_model, by_hand);
    assert_eq!(
        through_model.len(),
        20,
        "every customer, with or without orders"
    );
}

#[tokio::test]
async fn orders_and_revenue_per_aeroplane() {
    let (through_model, by_hand) = seed_report(
        serde_json::json!({"explore": "orders", "fields": ["aeroplanes.aeroplane_id", "aeroplanes.model", "orders.order_count", "orders.revenue"]}),
        "select a.aeroplane_id, a.model, count(o.order_id), sum(o.price_eur)
         from fact_orders o left join fact_trips t on t.trip_id = o.trip_id
         left join dim_aeroplane a on a.aeroplane_id = t.aeroplane_id
         group by a.aeroplane_id, a.model",
    )
    .await;
    assert_eq!(through_model, by_hand);
}

#[tokio::test]
async fn last_flight_and_trip_count_per_customer() {
    let (through_model, by_hand) = seed_report(
        serde_json::json!({"explore": "customers", "fields": ["customers.customer_id", "trips.last_flight", "trips.trip_count"]}),
        "select c.customer_id, max(t.start_timestamp), count(distinct t.trip_id)
         from dim_customers c left join fact_orders o on o.customer_id = c.customer_id
         left join fact_trips t on t.trip_id = o.trip_id
         group by c.customer_id",
    )
    .await;
    assert_eq!(through_model, by_hand);
}

#[tokio::test]
async fn fanned_out_measures_equal_their_separate_sums() {
    // A generated warehouse: every trip has many orders, so the trips -> orders join fans out.
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let location = local(&raw);
    boltic_pipeline::generate::generate(&location, 4_000, 11, &boltic_pipeline::Progress::hidden())
        .await
        .unwrap();
    let engine = warehouse(&raw, dir.path()).await;
    let model = model();
    let query = serde_json::json!({"explore": "trips", "fields": ["trips.manufacturer", "trips.seats_offered", "orders.revenue", "orders.order_count", "trips.trip_count"]});

    let correct = rows(&engine, &compile(&model, query.clone(), false)).await;
    let separately = rows(
        &engine,
        "select s.manufacturer, s.seats, r.revenue, coalesce(r.orders, 0), s.trips
         from (select manufacturer, sum(max_seats) as seats, count(*) as trips from fact_trips group by manufacturer) s
         left join (select t.manufacturer, sum(o.price_eur) as revenue, count(o.order_id) as orders
                    from fact_orders o join fact_trips t on t.trip_id = o.trip_id group by t.manufacturer) r
           on r.manufacturer is not distinct from s.manufacturer",
    )
    .await;
    assert_eq!(
        correct, separately,
        "every measure equals its un-inflated value"
    );

    let naive = rows(&engine, &compile(&model, query, true)).await;
    assert_ne!(naive, correct, "a naive join inflates the trips-side sums");
    let seats = |rows: &[String]| -> f64 {
        rows.iter()
            .map(|r| r.split('|').nth(1).unwrap().parse::<f64>().unwrap_or(0.0))
            .sum()
    };
    assert!(
        seats(&naive) > 10.0 * seats(&correct),
        "naive seats {} vs correct {}",
        seats(&naive),
        seats(&correct)
    );
}
