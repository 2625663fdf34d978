//! Fan-out strategies on DataFusion: the semantic compiler's keys subqueries against Looker-style
//! symmetric aggregates (and the naive, wrong join for scale), on a generated warehouse.
//!
//! `BOLTIC_BENCH_ORDERS=10000000 cargo bench -p boltic-server --bench fanout` (default 1M orders;
//! the warehouse is built once under target/bench/).

use std::path::PathBuf;

use boltic_pipeline::{Location, Progress, Project, RunOptions};
use boltic_semantic::{CompileOptions, Query};
use boltic_server::engine::Engine;
use criterion::{Criterion, criterion_group, criterion_main};
use datafusion::arrow::util::pretty::pretty_format_batches;

const SYMMETRIC: &str = "
SELECT t.manufacturer AS \"trips.manufacturer\",
       SUM(DISTINCT CASE WHEN t.max_seats IS NOT NULL THEN t.trip_id * 1000000 + t.max_seats END)
         - SUM(DISTINCT CASE WHEN t.max_seats IS NOT NULL THEN t.trip_id * 1000000 END) AS \"trips.seats_offered\",
       SUM(o.price_eur) AS \"orders.revenue\",
       COUNT(o.order_id) AS \"orders.order_count\",
       COUNT(DISTINCT t.trip_id) AS \"trips.trip_count\"
FROM fact_trips t LEFT JOIN fact_orders o ON t.trip_id = o.trip_id
GROUP BY t.manufacturer";

fn warehouse(runtime: &tokio::runtime::Runtime) -> Engine {
    let orders: u64 = std::env::var("BOLTIC_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../target/bench/fanout-{orders}"));
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../demo/air_boltic");
    runtime.block_on(async {
        let raw = Location::parse(root.join("raw").to_str().unwrap()).unwrap();
        let wh = Location::parse(root.join("wh").to_str().unwrap()).unwrap();
        if !root.join("wh/_boltic/manifest").exists() {
            boltic_pipeline::generate::generate(&raw, orders, 42, &Progress::hidden())
                .await
                .unwrap();
            let project = Project::load(&project).unwrap();
            boltic_pipeline::run::run(
                &raw,
                &wh,
                &project,
                &RunOptions::default(),
                &Progress::hidden(),
            )
            .await
            .unwrap();
        }
        Engine::open(&wh, 2 << 30).await.unwrap()
    })
}

fn compiled(naive: bool) -> String {
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../demo/air_boltic");
    let model = boltic_server::project_files::load_model(&project).unwrap();
    let query: Query = serde_json::from_value(serde_json::json!({
        "explore": "trips",
        "fields": ["trips.manufacturer", "trips.seats_offered", "orders.revenue", "orders.order_count", "trips.trip_count"]
    }))
    .unwrap();
    let mut options = CompileOptions::new(chrono::Utc::now().naive_utc());
    options.naive_fanout = naive;
    boltic_semantic::compile(&model, &query, &options)
        .unwrap()
        .sql
}

fn fanout(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = warehouse(&runtime);
    let keys = compiled(false);
    let naive = compiled(true);
    let sorted = |sql: &str| {
        runtime.block_on(async {
            let frame = engine
                .context()
                .sql(&format!("SELECT * FROM ({sql}) ORDER BY 1"))
                .await
                .unwrap();
            pretty_format_batches(&frame.collect().await.unwrap())
                .unwrap()
                .to_string()
        })
    };
    let (by_keys, by_symmetric) = (sorted(&keys), sorted(SYMMETRIC));
    assert_eq!(
        by_keys, by_symmetric,
        "both strategies give the same numbers"
    );
    println!("keys-subquery result (equal to symmetric aggregates):\n{by_keys}");

    let mut group = c.benchmark_group("fanout_trips_by_manufacturer");
    group.sample_size(10);
    for (name, sql) in [
        ("keys_subquery", keys.as_str()),
        ("symmetric_aggregates", SYMMETRIC),
        ("naive_join_wrong", naive.as_str()),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&runtime)
                .iter(|| async { engine.run(sql).await.unwrap() })
        });
    }
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
