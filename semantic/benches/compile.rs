//! Benchmarks: compiling a typical query on the demo model; loading a generated 200-view model.

use std::fmt::Write as _;
use std::hint::black_box;

use boltic_semantic::{CompileOptions, Query, SourceFile, compile, load};
use criterion::{Criterion, criterion_group, criterion_main};

fn demo() -> Vec<SourceFile> {
    vec![
        SourceFile::new(
            "views.yml",
            include_str!("../../demo/air_boltic/semantic/views.yml"),
        ),
        SourceFile::new(
            "explores.yml",
            include_str!("../../demo/air_boltic/semantic/explores.yml"),
        ),
    ]
}

fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2024, 8, 15)
        .and_then(|d| d.and_hms_opt(10, 30, 0))
        .expect("valid date")
}

/// A model of `n` views (12 dimensions, 6 measures each) and one explore per view joining the next three.
fn generated(n: usize) -> Vec<SourceFile> {
    let mut views = String::from("views:\n");
    for i in 0..n {
        let _ = write!(
            views,
            "  - name: v{i}\n    sql_table_name: t{i}\n    primary_key: id\n    dimensions:\n      - name: id\n        type: number\n      - name: parent_id\n        type: number\n"
        );
        for d in 0..8 {
            let _ = write!(views, "      - name: s{d}\n        label: String {d}\n");
        }
        let _ = write!(
            views,
            "      - name: amount\n        type: number\n      - name: created\n        type: time\n        sql: ${{TABLE}}.created_at\n    measures:\n      - name: n\n        type: count\n      - name: total\n        type: sum\n        sql: ${{amount}}\n      - name: avg\n        type: average\n        sql: ${{amount}}\n      - name: big_total\n        type: sum\n        sql: ${{amount}}\n        filters:\n          - field: s0\n            value: \"-x,y%\"\n      - name: users\n        type: count_distinct\n        sql: ${{s1}}\n      - name: ratio\n        type: number\n        sql: ${{total}} / NULLIF(${{n}}, 0)\n"
        );
    }
    let mut explores = String::from("explores:\n");
    for i in 0..n {
        let _ = write!(explores, "  - name: e{i}\n    view: v{i}\n    joins:\n");
        for j in 1..=3 {
            let k = (i + j) % n;
            if k == i {
                continue;
            }
            let _ = write!(
                explores,
                "      - name: v{k}\n        sql_on: ${{v{i}.parent_id}} = ${{v{k}.id}}\n        relationship: many_to_one\n"
            );
        }
    }
    vec![
        SourceFile::new("views.yml", views),
        SourceFile::new("explores.yml", explores),
    ]
}

fn benches(c: &mut Criterion) {
    let model = load(&demo()).0.expect("demo model loads");
    let typical: Query = serde_json::from_str(
        r#"{"explore":"orders","fields":["aeroplanes.manufacturer","trips.start_month","orders.order_count","orders.revenue","orders.revenue_per_order"],
            "filters":{"orders.status":"Finished,Booked","trips.start_date":"last 12 months"},
            "sorts":[{"field":"orders.revenue","desc":true}],"limit":100}"#,
    )
    .expect("query");
    let fanout: Query = serde_json::from_str(
        r#"{"explore":"trips","fields":["trips.manufacturer","trips.seats_offered","orders.revenue","trips.load_factor"]}"#,
    )
    .expect("query");
    let opts = CompileOptions::new(now());
    c.bench_function("compile_typical_query", |b| {
        b.iter(|| compile(black_box(&model), black_box(&typical), &opts).expect("compiles"))
    });
    c.bench_function("compile_fanout_query", |b| {
        b.iter(|| compile(black_box(&model), black_box(&fanout), &opts).expect("compiles"))
    });
    let files = generated(200);
    let (m, d) = load(&files);
    assert!(m.is_some(), "{d:?}");
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("load_200_views", |b| b.iter(|| load(black_box(&files))));
    g.finish();
}

criterion_group!(compile_benches, benches);
criterion_main!(compile_benches);
