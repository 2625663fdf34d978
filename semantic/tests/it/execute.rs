//! Every golden case's SQL (and totals SQL) planned and run by DataFusion on the fixture
//! warehouse, and the numbers of key cases checked against hand-written SQL.

use boltic_semantic::{CompileOptions, CompiledQuery, Query, compile, load};
use datafusion::prelude::SessionContext;

use crate::cases::{Case, golden_cases, now};
use crate::warehouse::{rows, run, warehouse};

/// Compile a golden case as `golden.rs` does.
fn compiled(case: &Case) -> CompiledQuery {
    let (model, diags) = load(&case.model);
    let model = model.unwrap_or_else(|| panic!("{}: model does not load: {diags:#?}", case.name));
    let query: Query = serde_json::from_str(case.query)
        .unwrap_or_else(|e| panic!("{}: bad query: {e}", case.name));
    let mut opts = CompileOptions::new(now());
    opts.naive_fanout = case.naive;
    compile(&model, &query, &opts).unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

/// The golden case called `name`, compiled.
fn golden(name: &str) -> CompiledQuery {
    let case = golden_cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no golden case {name}"));
    compiled(&case)
}

/// Rows of a golden case's query, sorted.
async fn golden_rows(ctx: &SessionContext, name: &str) -> Vec<String> {
    rows(ctx, &golden(name).sql, true).await
}

#[tokio::test]
async fn every_golden_case_runs_on_datafusion() {
    let wh = warehouse().await.expect("fixture");
    let cases = golden_cases();
    let mut failures = Vec::new();
    let mut statements = 0;
    for case in &cases {
        let out = compiled(case);
        let sqls = std::iter::once(("sql", &out.sql))
            .chain(out.totals_sql.iter().map(|t| ("totals_sql", t)));
        for (what, sql) in sqls {
            statements += 1;
            if let Err(e) = run(&wh.ctx, sql).await {
                failures.push(format!("{} ({what}): {e}\n{sql}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {statements} statements failed on DataFusion:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(statements > cases.len(), "totals ran too");
    println!(
        "{} golden cases: {statements} statements ran on DataFusion",
        cases.len()
    );
}

#[tokio::test]
async fn dimensions_and_measures_equal_hand_written_sql() {
    let wh = warehouse().await.expect("fixture");
    let ctx = &wh.ctx;

    let by_status = golden_rows(ctx, "string_dimension_count").await;
    assert_eq!(
        by_status,
        rows(
            ctx,
            "SELECT status, count(order_id) FROM fact_orders GROUP BY status",
            true
        )
        .await
    );
    assert_eq!(
        by_status,
        ["Booked|5", "Cancelled|2", "Finished|10", "NULL|1"],
        "fixture statuses"
    );

    assert_eq!(
        golden_rows(ctx, "yesno_dimension").await,
        rows(
            ctx,
            "SELECT status = 'Finished', sum(price_eur) FROM fact_orders GROUP BY 1",
            true
        )
        .await
    );

    assert_eq!(
        golden_rows(ctx, "derived_number_measure").await,
        rows(
            ctx,
            "SELECT status, sum(price_eur) / count(order_id) FROM fact_orders GROUP BY status",
            true
        )
        .await
    );

    // finished revenue and count per origin, only where revenue > 1000 and at least 2 orders
    assert_eq!(
        golden_rows(ctx, "measure_filter_having").await,
        ["London|4070.50", "Paris|1310.00"]
    );

    // the string filter with a quote and an escaped comma matches the one customer
    assert_eq!(golden_rows(ctx, "filter_string_escaped_quote").await, ["1"]);
    // NULL or empty email
    assert_eq!(golden_rows(ctx, "filter_string_null_empty").await, ["4"]);
    // the injection attempt is a literal: nothing matches, nothing is dropped
    assert_eq!(
        golden_rows(ctx, "injection_attempt_is_a_literal").await,
        ["0"]
    );
    assert_eq!(
        rows(ctx, "SELECT count(*) FROM fact_orders", false).await,
        ["18"]
    );

    let totals = golden("totals");
    let london = rows(ctx, &totals.sql, true).await;
    assert_eq!(
        london,
        rows(
            ctx,
            "SELECT status, sum(price_eur), count(order_id) FROM fact_orders \
             WHERE origin_city = 'London' GROUP BY status",
            true
        )
        .await
    );
    assert_eq!(
        rows(
            ctx,
            totals.totals_sql.as_deref().expect("totals sql"),
            false
        )
        .await,
        rows(
            ctx,
            "SELECT sum(price_eur), count(order_id) FROM fact_orders WHERE origin_city = 'London'",
            false
        )
        .await
    );
}

#[tokio::test]
async fn joins_equal_hand_written_sql() {
    let wh = warehouse().await.expect("fixture");
    let ctx = &wh.ctx;

    let per_customer = golden_rows(ctx, "report_orders_per_customer_incl_none").await;
    assert_eq!(
        per_customer,
        rows(
            ctx,
            "SELECT c.customer_id, c.name, count(o.order_id), sum(o.price_eur)
             FROM dim_customers c LEFT JOIN fact_orders o ON o.customer_id = c.customer_id
             GROUP BY c.customer_id, c.name",
            true
        )
        .await
    );
    assert_eq!(per_customer.len(), 12, "customers without orders included");
    assert!(per_customer.contains(&"11|Kai Lund|0|NULL".to_string()));

    assert_eq!(
        golden_rows(ctx, "report_orders_per_aeroplane").await,
        rows(
            ctx,
            "SELECT a.aeroplane_id, a.model, count(o.order_id), sum(o.price_eur)
             FROM fact_orders o LEFT JOIN fact_trips t ON t.trip_id = o.trip_id
             LEFT JOIN dim_aeroplane a ON a.aeroplane_id = t.aeroplane_id
             GROUP BY a.aeroplane_id, a.model",
            true
        )
        .await
    );

    assert_eq!(
        golden_rows(ctx, "report_last_flight_per_customer").await,
        rows(
            ctx,
            "SELECT c.name, max(t.start_timestamp), count(DISTINCT t.trip_id)
             FROM dim_customers c LEFT JOIN fact_orders o ON o.customer_id = c.customer_id
             LEFT JOIN fact_trips t ON t.trip_id = o.trip_id
             GROUP BY c.name",
            true
        )
        .await
    );

    assert_eq!(
        golden_rows(ctx, "join_same_view_twice_with_aliases_inner").await,
        rows(
            ctx,
            "SELECT o.country, d.country, count(f.id)
             FROM fact_flights f JOIN dim_airports o ON f.origin = o.code
             LEFT JOIN dim_airports d ON f.destination = d.code
             WHERE o.city = 'Tallinn'
             GROUP BY o.country, d.country",
            true
        )
        .await
    );

    assert_eq!(
        golden_rows(ctx, "derived_table").await,
        rows(
            ctx,
            "SELECT n, avg(n) FROM (SELECT customer_id, count(*) AS n FROM fact_orders \
             GROUP BY customer_id) GROUP BY n",
            true
        )
        .await
    );
}

#[tokio::test]
async fn fanned_out_measures_equal_separate_sums_and_naive_differs() {
    let wh = warehouse().await.expect("fixture");
    let ctx = &wh.ctx;

    let correct = golden_rows(ctx, "fanout_trips_orders").await;
    let separately = rows(
        ctx,
        "SELECT s.manufacturer, s.seats, r.revenue
         FROM (SELECT manufacturer, sum(max_seats) AS seats FROM fact_trips GROUP BY manufacturer) s
         LEFT JOIN (SELECT t.manufacturer, sum(o.price_eur) AS revenue
                    FROM fact_orders o JOIN fact_trips t ON t.trip_id = o.trip_id
                    GROUP BY t.manufacturer) r
           ON r.manufacturer IS NOT DISTINCT FROM s.manufacturer",
        true,
    )
    .await;
    assert_eq!(correct, separately);
    assert_eq!(
        correct,
        [
            "ATR|140|60.00",
            "Airbus|1010|7890.50",
            "Boeing|674|1682.99",
            "NULL|NULL|NULL"
        ]
    );

    let naive = golden_rows(ctx, "fanout_naive_for_comparison").await;
    assert_ne!(
        naive, correct,
        "the naive join inflates the trips-side sums"
    );
    assert!(
        naive.contains(&"Airbus|2345|7890.50".to_string()),
        "{naive:?}"
    );

    // two dimensions: the per-view aggregates are joined on both (each condition parenthesised)
    assert_eq!(
        golden_rows(ctx, "fanout_two_dimensions").await,
        rows(
            ctx,
            "SELECT s.manufacturer, s.y, s.seats, r.revenue
             FROM (SELECT manufacturer, date_trunc('year', start_timestamp) AS y,
                          sum(max_seats) AS seats
                   FROM fact_trips GROUP BY 1, 2) s
             LEFT JOIN (SELECT t.manufacturer, date_trunc('year', t.start_timestamp) AS y,
                               sum(o.price_eur) AS revenue
                        FROM fact_orders o JOIN fact_trips t ON t.trip_id = o.trip_id
                        GROUP BY 1, 2) r
               ON (r.manufacturer IS NOT DISTINCT FROM s.manufacturer) AND r.y = s.y",
            true
        )
        .await
    );

    // no dimensions: one row with the un-inflated totals
    assert_eq!(
        golden_rows(ctx, "fanout_no_dimensions").await,
        rows(
            ctx,
            "SELECT (SELECT sum(max_seats) FROM fact_trips), \
             (SELECT sum(o.price_eur) FROM fact_orders o JOIN fact_trips t ON t.trip_id = o.trip_id)",
            false
        )
        .await
    );

    // customers counted once per group although each has several orders
    assert_eq!(
        golden_rows(ctx, "fanout_customers_count_with_orders").await,
        rows(
            ctx,
            "SELECT c.customer_group_type, c.n, o.orders, o.revenue
             FROM (SELECT customer_group_type, count(customer_id) AS n FROM dim_customers
                   GROUP BY customer_group_type) c
             LEFT JOIN (SELECT c.customer_group_type, count(o.order_id) AS orders,
                               sum(o.price_eur) AS revenue
                        FROM dim_customers c LEFT JOIN fact_orders o ON o.customer_id = c.customer_id
                        GROUP BY c.customer_group_type) o
               ON o.customer_group_type IS NOT DISTINCT FROM c.customer_group_type",
            true
        )
        .await
    );

    // load factor: orders / seats offered per aeroplane model, seats not inflated
    assert_eq!(
        golden_rows(ctx, "fanout_load_factor").await,
        rows(
            ctx,
            "SELECT s.model, s.seats, coalesce(o.orders, 0),
                    CAST(coalesce(o.orders, 0) AS DOUBLE) / NULLIF(s.seats, 0)
             FROM (SELECT a.model, sum(t.max_seats) AS seats FROM fact_trips t
                   LEFT JOIN dim_aeroplane a ON a.aeroplane_id = t.aeroplane_id GROUP BY a.model) s
             LEFT JOIN (SELECT a.model, count(o.order_id) AS orders FROM fact_trips t
                        LEFT JOIN dim_aeroplane a ON a.aeroplane_id = t.aeroplane_id
                        JOIN fact_orders o ON o.trip_id = t.trip_id GROUP BY a.model) o
               ON o.model IS NOT DISTINCT FROM s.model",
            true
        )
        .await
    );
}

#[tokio::test]
async fn date_filters_and_time_zones_count_the_right_rows() {
    let wh = warehouse().await.expect("fixture");
    let ctx = &wh.ctx;
    // now = 2024-08-15 10:30; trips on the 15th, 14th and 8th (UTC)
    assert_eq!(golden_rows(ctx, "filter_date_relative_days").await, ["3"]);
    assert_eq!(golden_rows(ctx, "filter_date_last_7_days").await, ["2"]);
    assert_eq!(golden_rows(ctx, "filter_date_this_month").await, ["4"]);
    // in Tallinn, trip 5 (2024-07-31 22:30 UTC) is on August 1st
    let tallinn: Vec<String> = golden_rows(ctx, "timezone_filter_tallinn")
        .await
        .iter()
        .map(|r| format!("{}|{}", &r[..10], r.rsplit('|').next().unwrap_or_default()))
        .collect();
    assert_eq!(
        tallinn,
        [
            "2024-08-01|2",
            "2024-08-08|1",
            "2024-08-14|1",
            "2024-08-15|1"
        ]
    );
}

/// `min`/`max` of a time dimension is a timestamp: the numeric measure filters used to compile
/// to `HAVING MIN(start_timestamp) = 5`, which DataFusion cannot plan; now a filter error.
#[test]
fn filters_on_time_valued_measures_are_rejected() {
    let (model, _) = load(&crate::cases::demo());
    let model = model.expect("demo model loads");
    for query in [
        r#"{"explore":"trips","fields":["trips.aeroplane_id"],"filters":{"trips.first_flight":"5"}}"#,
        r#"{"explore":"trips","fields":["trips.origin_city","trips.last_flight"],"filters":[{"field":"trips.last_flight","op":"gt","values":[5]}]}"#,
    ] {
        let query: Query = serde_json::from_str(query).expect("query");
        let err = compile(&model, &query, &CompileOptions::new(now()))
            .expect_err("a filter on a time-valued measure");
        assert!(err.to_string().contains("time-valued measure"), "{err}");
    }
    // a numeric min/max measure still filters
    let query: Query = serde_json::from_str(
        r#"{"explore":"orders","fields":["orders.status"],"filters":{"orders.max_price":">100"}}"#,
    )
    .expect("query");
    let out = compile(&model, &query, &CompileOptions::new(now())).expect("compiles");
    assert!(out.sql.contains("HAVING"), "{}", out.sql);
}
