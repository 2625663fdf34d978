//! The compiler's choices on the demo model, checked on the plan rather than the SQL text:
//! which views are joined, which are fanned out and how each view is aggregated.

use std::collections::BTreeMap;

use super::fanout::Strategy;
use super::plan::QueryPlan;
use super::{CompileOptions, plan_query};
use crate::model::Model;
use crate::{Query, SourceFile};
use Strategy::{Direct, KeysThenAggregate as Keys};

fn demo() -> Model {
    demo_with(None)
}

/// The demo's views and explores, and `extra` (a file's name and text) beside them.
fn demo_with(extra: Option<(&str, &str)>) -> Model {
    let mut files = vec![
        SourceFile::new(
            "views.yml",
            include_str!("../../../demo/air_boltic/semantic/views.yml"),
        ),
        SourceFile::new(
            "explores.yml",
            include_str!("../../../demo/air_boltic/semantic/explores.yml"),
        ),
    ];
    files.extend(extra.map(|(name, text)| SourceFile::new(name, text)));
    let (model, diagnostics) = crate::load(&files);
    model.unwrap_or_else(|| panic!("demo model loads: {diagnostics:?}"))
}

fn options(naive: bool) -> CompileOptions {
    let now = chrono::NaiveDate::from_ymd_opt(2024, 8, 15)
        .and_then(|d| d.and_hms_opt(10, 30, 0))
        .expect("valid date");
    let mut opts = CompileOptions::new(now);
    opts.naive_fanout = naive;
    opts
}

fn plan<'m>(model: &'m Model, query: &str, naive: bool) -> QueryPlan<'m> {
    let query: Query = serde_json::from_str(query).expect("query parses");
    plan_query(model, &query, &options(naive)).expect("plans")
}

fn strategies<'p>(plan: &'p QueryPlan<'_>) -> BTreeMap<&'p str, Strategy> {
    plan.aggregation.iter().map(|(a, s)| (*a, *s)).collect()
}

#[test]
fn a_one_to_many_join_fans_out_the_one_side() {
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"trips","fields":["trips.manufacturer","trips.seats_offered","orders.revenue"]}"#,
        false,
    );
    assert_eq!(
        strategies(&p),
        BTreeMap::from([("orders", Direct), ("trips", Keys)])
    );
    assert_eq!(p.fanned_views().collect::<Vec<_>>(), ["trips"]);
    assert!(p.has_fanout());
}

#[test]
fn naive_fanout_aggregates_every_view_directly() {
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"trips","fields":["trips.manufacturer","trips.seats_offered","orders.revenue"]}"#,
        true,
    );
    assert_eq!(
        strategies(&p),
        BTreeMap::from([("orders", Direct), ("trips", Direct)])
    );
    assert!(!p.has_fanout());
}

#[test]
fn a_many_to_one_join_fans_out_the_joined_view_not_the_base() {
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"orders","fields":["customers.name","orders.order_count","trips.seats_offered","trips.trip_hours"]}"#,
        false,
    );
    assert_eq!(
        strategies(&p),
        BTreeMap::from([("orders", Direct), ("trips", Keys)])
    );
}

#[test]
fn many_to_one_joins_alone_fan_out_nothing() {
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"orders","fields":["aeroplanes.manufacturer","orders.revenue"]}"#,
        false,
    );
    assert_eq!(strategies(&p), BTreeMap::from([("orders", Direct)]));
    assert!(!p.has_fanout());
}

#[test]
fn measures_unaffected_by_duplicates_stay_direct() {
    // trips.last_flight is a max: repeating trip rows does not change it
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"trips","fields":["trips.manufacturer","trips.last_flight","orders.revenue"]}"#,
        false,
    );
    assert_eq!(
        strategies(&p),
        BTreeMap::from([("orders", Direct), ("trips", Direct)])
    );
}

#[test]
fn a_fanned_base_view_with_measure_filters() {
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"trips","fields":["trips.origin_city","trips.seats_offered","orders.revenue"],"filters":{"orders.status":"Finished","trips.seats_offered":">100"}}"#,
        false,
    );
    assert_eq!(
        strategies(&p),
        BTreeMap::from([("orders", Direct), ("trips", Keys)])
    );
    assert_eq!(p.where_preds.len(), 1);
    assert_eq!(p.having_preds.len(), 1);
}

#[test]
fn customers_fanned_out_by_their_orders() {
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"customers","fields":["customers.customer_group_type","customers.customer_count","orders.order_count","orders.revenue"]}"#,
        false,
    );
    assert_eq!(
        strategies(&p),
        BTreeMap::from([("customers", Keys), ("orders", Direct)])
    );
}

#[test]
fn only_the_views_a_query_needs_are_joined() {
    let m = demo();
    let p = plan(
        &m,
        r#"{"explore":"orders","fields":["customers.customer_group_type","orders.revenue"]}"#,
        false,
    );
    assert_eq!(
        p.joined.iter().copied().collect::<Vec<_>>(),
        ["customers", "orders"]
    );
    let p = plan(
        &m,
        r#"{"explore":"orders","fields":["orders.revenue"],"filters":{"aeroplanes.size":"big"}}"#,
        false,
    );
    // aeroplanes is joined through trips
    assert_eq!(
        p.joined.iter().copied().collect::<Vec<_>>(),
        ["aeroplanes", "orders", "trips"]
    );
}

/// A count of the base view's primary key is a count of rows (it reads no column) only where
/// every joined row holds one base row: not over a `FULL` join, not for a joined view's
/// count (its rows may be missing), not when the base is fanned out (its keys are counted).
#[test]
fn a_count_counts_rows_only_where_each_joined_row_is_one_base_row() {
    let full = r#"
explores:
  - name: orders_or_customers
    view: orders
    joins:
      - name: customers
        sql_on: ${orders.customer_id} = ${customers.customer_id}
        relationship: many_to_one
        type: full
"#;
    let m = demo_with(Some(("full.yml", full)));
    let sql = |query: &str| {
        let query: Query = serde_json::from_str(query).expect("query parses");
        super::compile(&m, &query, &options(false))
            .expect("compiles")
            .sql
    };
    let base = sql(
        r#"{"explore":"orders","fields":["customers.name","orders.order_count","orders.finished_order_count","customers.customer_count"]}"#,
    );
    // orders.order_count is "m1" of the directly aggregated views; customers (fanned out by
    // the orders) are counted by key, as is every count of a joined view
    assert!(base.contains(r#"COUNT(1) AS "m1""#), "{base}");
    assert!(
        base.contains(r#"COUNT(CASE WHEN "orders".status = 'Finished' THEN 1 END)"#),
        "{base}"
    );
    assert!(base.contains(r#"COUNT("customers".customer_id)"#), "{base}");
    let joined =
        sql(r#"{"explore":"orders","fields":["orders.status","customers.customer_count"]}"#);
    assert!(
        joined.contains(r#"COUNT("customers".customer_id)"#) && !joined.contains("COUNT(1)"),
        "{joined}"
    );
    // the customers of the demo's explore fanned out by their orders: counted by key
    let fanned = sql(
        r#"{"explore":"customers","fields":["customers.customer_group_type","customers.customer_count","orders.order_count"]}"#,
    );
    assert!(!fanned.contains("COUNT(1)"), "{fanned}");
    let over_full = sql(
        r#"{"explore":"orders_or_customers","fields":["customers.name","orders.order_count"]}"#,
    );
    assert!(over_full.contains("FULL JOIN"), "{over_full}");
    assert!(
        over_full.contains(r#"COUNT("orders".order_id) AS "orders.order_count""#),
        "{over_full}"
    );
    // a FULL join the query does not need does not change the base view's count
    let without_join = sql(r#"{"explore":"orders_or_customers","fields":["orders.order_count"]}"#);
    assert!(without_join.contains("COUNT(1)"), "{without_join}");
}
