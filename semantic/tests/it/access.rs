//! Row-level security and access grants: an explore's `access_filters` reach every statement a
//! user's query compiles to (the main query, totals, fan-out keys subqueries), numbers equal the
//! same question filtered by hand, a user without the attribute gets no rows, and an explore
//! behind a grant does not exist for a user without it (not even in a "did you mean").

use std::collections::BTreeMap;

use boltic_semantic::{
    Access, CompileOptions, CompiledQuery, Diagnostic, Model, Query, SourceFile, compile, load,
};

use crate::cases::now;
use crate::warehouse::{rows, warehouse};

const SECURE: &str = r#"
access_grants:
  - name: finance
    user_attribute: department
    allowed_values: [finance, board]
explores:
  - name: secure_orders
    view: orders
    access_filters:
      - field: customers.customer_group_type
        user_attribute: group_type
    joins:
      - name: customers
        sql_on: ${orders.customer_id} = ${customers.customer_id}
        relationship: many_to_one
      - name: trips
        sql_on: ${orders.trip_id} = ${trips.trip_id}
        relationship: many_to_one
  - name: secure_trips
    view: trips
    access_filters:
      - field: customers.customer_group_type
        user_attribute: group_type
    joins:
      - name: orders
        sql_on: ${trips.trip_id} = ${orders.trip_id}
        relationship: one_to_many
      - name: customers
        sql_on: ${orders.customer_id} = ${customers.customer_id}
        relationship: many_to_one
  - name: finance_orders
    view: orders
    required_access_grants: [finance]
"#;

fn model() -> Model {
    let files = [
        SourceFile::new(
            "views.yml",
            include_str!("../../../demo/air_boltic/semantic/views.yml"),
        ),
        SourceFile::new("secure.yml", SECURE),
    ];
    let (model, diags) = load(&files);
    model.unwrap_or_else(|| panic!("model loads: {diags:#?}"))
}

fn user(attributes: &[(&str, &[&str])]) -> Access {
    Access::User(
        attributes
            .iter()
            .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn compiled(model: &Model, query: &str, access: Access) -> CompiledQuery {
    let query: Query = serde_json::from_str(query).expect("query parses");
    let mut opts = CompileOptions::new(now());
    opts.access = access;
    compile(model, &query, &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// The questions of the acceptance list: a plain explore with totals, and one whose `orders`
/// join fans `trips` out (so its measures go through a keys subquery).
const ORDERS: &str = r#"{"explore": "secure_orders", "fields": ["trips.manufacturer", "orders.revenue", "orders.order_count"], "totals": true}"#;
const TRIPS: &str = r#"{"explore": "secure_trips", "fields": ["trips.manufacturer", "trips.seats_offered", "trips.trip_count", "orders.revenue"], "totals": true}"#;

/// The same question with the access filter written by hand, compiled without restriction.
fn filtered_by_hand(query: &str, value: &str) -> String {
    let mut q: serde_json::Value = serde_json::from_str(query).expect("json");
    q["filters"] = serde_json::json!({"customers.customer_group_type": value});
    q.to_string()
}

#[tokio::test]
async fn every_statement_of_a_users_query_keeps_only_its_rows() {
    let model = model();
    let wh = warehouse().await.expect("fixture");
    let company = user(&[("group_type", &["Company"])]);
    for query in [ORDERS, TRIPS] {
        let secured = compiled(&model, query, company.clone());
        let by_hand = compiled(
            &model,
            &filtered_by_hand(query, "Company"),
            Access::Unrestricted,
        );
        assert!(
            secured.sql.contains("'Company'"),
            "the main query is filtered:\n{}",
            secured.sql
        );
        let totals = secured.totals_sql.as_deref().expect("totals asked");
        assert!(totals.contains("'Company'"), "totals too:\n{totals}");
        assert_eq!(
            rows(&wh.ctx, &secured.sql, true).await,
            rows(&wh.ctx, &by_hand.sql, true).await,
            "{query}"
        );
        let by_hand_totals = by_hand.totals_sql.as_deref().expect("totals asked");
        assert_eq!(
            rows(&wh.ctx, totals, true).await,
            rows(&wh.ctx, by_hand_totals, true).await,
            "totals of {query}"
        );
        let everyone = compiled(&model, query, Access::Unrestricted);
        assert_ne!(
            rows(&wh.ctx, &secured.sql, true).await,
            rows(&wh.ctx, &everyone.sql, true).await,
            "the fixture has rows of other groups, so the filter shows"
        );
    }
    let fanned = compiled(&model, TRIPS, company);
    insta::assert_snapshot!("access_filter_fanout", fanned.sql);
    assert_eq!(fanned.fanout_views, ["trips"]);
    let keys = fanned
        .sql
        .split("__keys_trips")
        .nth(1)
        .expect("a keys subquery");
    assert!(
        keys.contains("'Company'"),
        "the keys subquery is filtered:\n{}",
        fanned.sql
    );
}

#[tokio::test]
async fn a_user_without_the_attribute_gets_no_rows_and_cannot_widen_the_filter() {
    let model = model();
    let wh = warehouse().await.expect("fixture");
    let nobody = user(&[("department", &["finance"])]);
    for query in [ORDERS, TRIPS] {
        let out = compiled(&model, query, nobody.clone());
        assert!(
            rows(&wh.ctx, &out.sql, true).await.is_empty(),
            "{}",
            out.sql
        );
    }
    // a query filter on the same field narrows further, never replaces the access filter
    let company = user(&[("group_type", &["Company"])]);
    let widened = compiled(&model, &filtered_by_hand(ORDERS, "-Company"), company);
    assert!(
        rows(&wh.ctx, &widened.sql, true).await.is_empty(),
        "{}",
        widened.sql
    );
}

#[test]
fn an_explore_behind_a_grant_does_not_exist_without_it() {
    let model = model();
    let q: Query =
        serde_json::from_str(r#"{"explore": "finance_orders", "fields": ["orders.revenue"]}"#)
            .expect("query");
    let mut opts = CompileOptions::new(now());
    opts.access = user(&[("department", &["sales"])]);
    let e = compile(&model, &q, &opts).expect_err("no grant");
    assert_eq!(e.to_string(), "unknown explore 'finance_orders'");
    let near: Query =
        serde_json::from_str(r#"{"explore": "finance_order", "fields": ["orders.revenue"]}"#)
            .expect("query");
    let e = compile(&model, &near, &opts).expect_err("no grant");
    match e {
        boltic_semantic::Error::Query { hint, .. } => assert_eq!(hint, None, "no hint names it"),
        other => panic!("{other}"),
    }
    let names: Vec<&str> = model
        .explores_for(&opts.access)
        .map(|x| x.name.as_str())
        .collect();
    assert_eq!(names, ["secure_orders", "secure_trips"]);
    opts.access = user(&[("department", &["board"])]);
    assert!(compile(&model, &q, &opts).is_ok());
    opts.access = Access::Unrestricted;
    assert!(compile(&model, &q, &opts).is_ok());
}

fn diagnostics(yaml: &str) -> Vec<(usize, usize, &'static str, String)> {
    let files = [
        SourceFile::new(
            "views.yml",
            include_str!("../../../demo/air_boltic/semantic/views.yml"),
        ),
        SourceFile::new("secure.yml", yaml),
    ];
    let (model, diags) = load(&files);
    assert!(model.is_none());
    diags
        .iter()
        .map(|d: &Diagnostic| (d.line, d.column, d.code.as_str(), d.message.clone()))
        .collect()
}

#[test]
fn access_mistakes_are_located_diagnostics() {
    let yaml = r#"access_grants:
  - name: finance
    user_attribute: ''
    allowed_values: [finance]
  - name: board
    user_attribute: department
    allowed_values: []
explores:
  - name: secure_orders
    view: orders
    required_access_grants: [finanse]
    access_filters:
      - field: orders.revenue
        user_attribute: group_type
      - field: nowhere.thing
        user_attribute: ''
"#;
    assert_eq!(
        diagnostics(yaml),
        [
            (
                3,
                21,
                "invalid-access-grant",
                "access grant 'finance' names no user attribute".to_string()
            ),
            (
                7,
                21,
                "invalid-access-grant",
                "access grant 'board' allows no value".to_string()
            ),
            (
                13,
                16,
                "invalid-reference",
                "'orders.revenue' is a measure; only dimensions can be used here".to_string()
            ),
            (
                15,
                16,
                "unknown-view",
                "unknown view 'nowhere' in explore 'secure_orders'".to_string()
            ),
            (
                16,
                25,
                "invalid-access-grant",
                "access filter on 'nowhere.thing' names no user attribute".to_string()
            ),
            (
                11,
                30,
                "unknown-access-grant",
                "explore 'secure_orders' requires unknown access grant 'finanse'".to_string()
            ),
        ]
    );
}

/// The demo views with the price of an order behind the `finance` grant, and everything
/// computed from it (revenue, price tiers, revenue per order…) behind it too.
fn guarded_price_model() -> Model {
    let views = include_str!("../../../demo/air_boltic/semantic/views.yml").replace(
        "      - name: price_eur\n        type: number\n",
        "      - name: price_eur\n        type: number\n        required_access_grants: [finance]\n",
    );
    assert!(
        views.contains("required_access_grants"),
        "the demo views changed"
    );
    let files = [
        SourceFile::new("views.yml", &views),
        SourceFile::new("secure.yml", SECURE),
    ];
    let (model, diags) = load(&files);
    model.unwrap_or_else(|| panic!("model loads: {diags:#?}"))
}

fn field_error(model: &Model, query: &str, access: &Access) -> (String, Option<String>) {
    let query: Query = serde_json::from_str(query).expect("query parses");
    let mut opts = CompileOptions::new(now());
    opts.access = access.clone();
    match compile(model, &query, &opts) {
        Err(boltic_semantic::Error::Query {
            code,
            message,
            hint,
        }) => {
            assert_eq!(code.as_str(), "unknown-field", "{message}");
            (message, hint)
        }
        other => panic!("expected an unknown field, got {other:?}"),
    }
}

#[test]
fn a_field_behind_a_grant_and_all_that_uses_it_do_not_exist_without_the_grant() {
    let model = guarded_price_model();
    let sales = user(&[("department", &["sales"]), ("group_type", &["Company"])]);
    let finance = user(&[("department", &["finance"]), ("group_type", &["Company"])]);
    for field in [
        "orders.price_eur",
        "orders.revenue",
        "orders.revenue_per_order",
        "orders.finished_revenue",
        "orders.price_tier",
    ] {
        let q = format!(r#"{{"explore": "secure_orders", "fields": ["{field}"]}}"#);
        let (message, _) = field_error(&model, &q, &sales);
        assert!(message.contains(field), "{message}");
        let mut opts = CompileOptions::new(now());
        opts.access = finance.clone();
        let query: Query = serde_json::from_str(&q).expect("query");
        assert!(
            compile(&model, &query, &opts).is_ok(),
            "{field} for finance"
        );
    }
    // filtering or sorting by it is refused too, and no hint names a guarded field
    let (_, hint) = field_error(
        &model,
        r#"{"explore": "secure_orders", "fields": ["orders.order_count"], "filters": {"orders.price_eur": ">100"}}"#,
        &sales,
    );
    assert_eq!(hint, None);
    let (_, hint) = field_error(
        &model,
        r#"{"explore": "secure_orders", "fields": ["orders.revenu"]}"#,
        &sales,
    );
    assert!(
        hint.is_none_or(|h| !h.contains("revenue")),
        "no hint names it"
    );
    // fields that do not use the price stay
    let ok: Query = serde_json::from_str(
        r#"{"explore": "secure_orders", "fields": ["orders.status", "orders.order_count"]}"#,
    )
    .expect("query");
    let mut opts = CompileOptions::new(now());
    opts.access = sales;
    assert!(compile(&model, &ok, &opts).is_ok());
    let revenue = model.views["orders"].fields["revenue_per_order"]
        .required_access_grants
        .iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(revenue, ["finance"], "inherited through ${{revenue}}");
}

#[test]
fn view_and_field_grants_must_be_defined() {
    let views = include_str!("../../../demo/air_boltic/semantic/views.yml").replace(
        "      - name: price_eur\n        type: number\n",
        "      - name: price_eur\n        type: number\n        required_access_grants: [finanse]\n",
    );
    let files = [
        SourceFile::new("views.yml", &views),
        SourceFile::new("secure.yml", SECURE),
    ];
    let (model, diags) = load(&files);
    assert!(model.is_none());
    let got: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d.file.as_str(),
                d.line,
                d.code.as_str(),
                d.message.as_str(),
                d.hint.as_deref(),
            )
        })
        .collect();
    // the line of the grant written in above
    let line = 1 + views
        .lines()
        .position(|l| l.contains("[finanse]"))
        .expect("the grant is in the text");
    assert_eq!(
        got,
        [(
            "views.yml",
            line,
            "unknown-access-grant",
            "dimension 'orders.price_eur' requires unknown access grant 'finanse'",
            Some("did you mean 'finance'?")
        )]
    );
}
