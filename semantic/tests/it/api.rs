//! Public API behaviour: query errors, fan-out detection, warehouse columns, multi-file models.

use boltic_semantic::{CompileOptions, Error, Model, Query, SourceFile, compile, load};

use crate::cases::{demo, now};

fn model() -> Model {
    let (m, d) = load(&demo());
    assert!(d.is_empty(), "{d:#?}");
    m.expect("demo model loads")
}

fn q(json: &str) -> Query {
    serde_json::from_str(json).expect("query json")
}

fn query_err(json: &str) -> (String, Option<String>) {
    match compile(&model(), &q(json), &CompileOptions::new(now())) {
        Err(Error::Query { message, hint, .. }) => (message, hint),
        other => panic!("expected a query error, got {other:?}"),
    }
}

#[test]
fn unknown_explore_suggests_a_name() {
    assert_eq!(
        query_err(r#"{"explore":"order","fields":["orders.revenue"]}"#),
        (
            "unknown explore 'order'".into(),
            Some("did you mean 'orders'?".into())
        )
    );
}

#[test]
fn unknown_field_suggests_a_name() {
    assert_eq!(
        query_err(r#"{"explore":"orders","fields":["orders.revenu"]}"#),
        (
            "unknown field 'orders.revenu' in explore 'orders'".into(),
            Some("did you mean 'orders.revenue'?".into())
        )
    );
}

#[test]
fn explore_fields_restriction_is_enforced() {
    assert_eq!(
        query_err(r#"{"explore":"finished_orders","fields":["orders.order_id"]}"#).0,
        "field 'orders.order_id' is not available in explore 'finished_orders'"
    );
    assert_eq!(
        query_err(r#"{"explore":"finished_orders","fields":["trips.seats_offered"]}"#).0,
        "field 'trips.seats_offered' is not available in explore 'finished_orders'"
    );
}

#[test]
fn sort_must_be_a_query_field() {
    assert_eq!(
        query_err(r#"{"explore":"orders","fields":["orders.revenue"],"sorts":[{"field":"orders.status"}]}"#).0,
        "sort field 'orders.status' is not in the query fields"
    );
}

#[test]
fn or_group_cannot_mix_dimensions_and_measures() {
    assert_eq!(
        query_err(r#"{"explore":"orders","fields":["orders.revenue"],"filters":[{"or":[{"orders.status":"Finished"},{"orders.revenue":">5"}]}]}"#).0,
        "a filter group mixes dimensions and measures"
    );
}

#[test]
fn measure_needing_an_unjoined_view_is_an_error() {
    let mut files = demo();
    files.push(SourceFile::new(
        "lonely.yml",
        "explores:\n  - name: lonely_trips\n    view: trips\n",
    ));
    let m = load(&files).0.expect("loads");
    let e = compile(
        &m,
        &q(r#"{"explore":"lonely_trips","fields":["trips.load_factor"]}"#),
        &CompileOptions::new(now()),
    )
    .expect_err("orders not joined");
    assert_eq!(
        e.to_string(),
        "measure needs view 'orders', which explore 'lonely_trips' does not join"
    );
}

#[test]
fn fan_out_is_detected_and_naive_sql_differs() {
    let m = model();
    let query = q(
        r#"{"explore":"trips","fields":["trips.manufacturer","trips.seats_offered","orders.revenue"]}"#,
    );
    let safe = compile(&m, &query, &CompileOptions::new(now())).expect("compiles");
    assert_eq!(safe.fanout_views, vec!["trips".to_string()]);
    assert!(safe.sql.contains("\"__keys_trips\""));
    let mut opts = CompileOptions::new(now());
    opts.naive_fanout = true;
    let naive = compile(&m, &query, &opts).expect("compiles");
    assert!(naive.fanout_views.is_empty());
    // the naive SQL sums max_seats over the joined (repeated) rows: a trip with 3 orders counts 3 times
    assert!(naive.sql.contains("SUM(\"trips\".max_seats)"));
    assert!(!naive.sql.contains("__keys"));
    assert_ne!(safe.sql, naive.sql);
}

#[test]
fn many_to_one_joins_do_not_fan_out_the_base_view() {
    let out = compile(
        &model(),
        &q(r#"{"explore":"orders","fields":["aeroplanes.manufacturer","orders.revenue"]}"#),
        &CompileOptions::new(now()),
    )
    .expect("compiles");
    assert!(out.fanout_views.is_empty());
}

#[test]
fn physical_columns_for_warehouse_checks() {
    let cols = model().physical_columns();
    let (table, columns) = &cols["trips"];
    assert_eq!(table, "fact_trips");
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    assert_eq!(
        columns,
        [
            "aeroplane_id",
            "aeroplane_model",
            "destination_city",
            "duration_minutes",
            "end_timestamp",
            "manufacturer",
            "max_seats",
            "origin_city",
            "start_timestamp",
            "trip_id"
        ]
    );
    assert_eq!(cols["customers"].0, "dim_customers");
    assert_eq!(cols["aeroplanes"].0, "dim_aeroplane");
    assert_eq!(cols["orders"].0, "fact_orders");
}

#[test]
fn columns_describe_the_result() {
    let out = compile(
        &model(),
        &q(r#"{"explore":"orders","fields":["orders.status","orders.revenue"],"pivots":["trips.start_month"]}"#),
        &CompileOptions::new(now()),
    )
    .expect("compiles");
    let cols: Vec<(&str, &str, &str, bool)> = out
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_str(), c.ty, c.pivot))
        .collect();
    assert_eq!(
        cols,
        [
            ("orders.status", "dimension", "string", false),
            ("trips.start_month", "dimension", "time", true),
            ("orders.revenue", "measure", "number", false)
        ]
    );
    assert_eq!(out.timezone, "UTC");
}

#[test]
fn diagnostics_name_the_file_across_several_files() {
    let files = [
        SourceFile::new("a.yml", "views:\n  - name: v\n    sql_table_name: t\n"),
        SourceFile::new("b.yml", "explores:\n  - name: e\n    view: w\n"),
    ];
    let (m, d) = load(&files);
    assert!(m.is_none());
    let d: Vec<String> = d.iter().map(ToString::to_string).collect();
    assert_eq!(
        d,
        [
            "b.yml:3:11: error[unknown-view]: unknown view 'w' in explore 'e' (hint: did you mean 'v'?)"
        ]
    );
}

#[test]
fn query_json_forms_deserialize() {
    let a = q(
        r#"{"explore":"orders","fields":["orders.revenue"],"filters":{"orders.status":"Finished"}}"#,
    );
    let b = q(
        r#"{"explore":"orders","fields":["orders.revenue"],"filters":[{"orders.status":"Finished"}]}"#,
    );
    let opts = CompileOptions::new(now());
    let m = model();
    assert_eq!(
        compile(&m, &a, &opts).expect("a").sql,
        compile(&m, &b, &opts).expect("b").sql
    );
    assert!(serde_json::from_str::<Query>(r#"{"explore":"orders","feilds":[]}"#).is_err());
}

#[test]
fn time_zone_must_look_like_a_zone_name() {
    assert_eq!(
        query_err(r#"{"explore":"orders","fields":["orders.revenue"],"timezone":"UTC') --"}"#),
        (
            "invalid time zone 'UTC') --'".into(),
            Some("use an IANA name such as 'UTC' or 'Europe/Tallinn'".into())
        )
    );
}

#[test]
fn max_of_a_time_dimension_is_a_time() {
    let out = compile(
        &model(),
        &q(r#"{"explore":"customers","fields":["customers.name","trips.last_flight","trips.trip_count"]}"#),
        &CompileOptions::new(now()),
    )
    .expect("compiles");
    let types: Vec<&str> = out.columns.iter().map(|c| c.ty).collect();
    assert_eq!(types, ["string", "time", "number"]);
}

/// A string value reaches the SQL only as a literal with every quote doubled, whatever it holds:
/// parsed back (default dialect, no backslash escapes, as DataFusion) it is the value itself.
/// (sqlparser's own printer keeps `''` and `\'` as they are, which would let `\' OR 1=1 --`
/// close the literal early.)
#[test]
fn quotes_in_values_stay_in_the_literal() {
    use sqlparser::ast::{Expr, Value, ValueWithSpan, visit_expressions};
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    use std::ops::ControlFlow;

    let model = model();
    for v in [
        "\\' OR 1=1 --",
        "a''b",
        "x'",
        "'",
        "\\",
        "it's\\",
        "\\'\\'",
        "line\nbreak",
    ] {
        let query: Query = serde_json::from_value(serde_json::json!({
            "explore": "orders",
            "fields": ["orders.order_count"],
            "filters": [{"field": "orders.status", "op": "equals", "values": [v]}],
        }))
        .expect("query");
        let sql = compile(&model, &query, &CompileOptions::new(now()))
            .expect("compiles")
            .sql;
        let stmts = Parser::parse_sql(&GenericDialect {}, &sql).expect("parses");
        let mut literals = Vec::new();
        let _ = visit_expressions(&stmts, |e: &Expr| {
            if let Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(s),
                ..
            }) = e
            {
                literals.push(s.clone());
            }
            ControlFlow::<()>::Continue(())
        });
        assert_eq!(literals, [v], "{sql}");
    }
}
