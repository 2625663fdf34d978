//! Golden API responses (insta snapshots): the shapes clients rely on. Values that change per
//! run (timing, warehouse version) are redacted.

use axum::body::Body;
use axum::http::Request;
use boltic_server::api::{self, AppState};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::api::seed_state;

async fn call(state: &AppState, method: &str, uri: &str, body: Option<Value>) -> Value {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("authorization", crate::support::admin_auth(state).await)
        .body(body.map_or(Body::empty(), |b| Body::from(b.to_string())))
        .unwrap();
    let response = api::router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    json!({"status": status, "body": serde_json::from_slice::<Value>(&bytes).unwrap()})
}

#[tokio::test]
async fn golden_responses() {
    let dir = tempfile::tempdir().unwrap();
    let state = seed_state(dir.path()).await;
    let redact = |v: &mut insta::Settings| {
        v.add_redaction(".body.timing", "[timing]");
        v.add_redaction(".body.warehouse_version", "[version]");
        v.add_redaction(".body.uptime_seconds", "[uptime]");
    };
    let mut settings = insta::Settings::clone_current();
    redact(&mut settings);
    settings.set_sort_maps(true);
    let _guard = settings.bind_to_scope();

    insta::assert_json_snapshot!(
        "explores",
        call(&state, "GET", "/api/v1/explores", None).await
    );
    insta::assert_json_snapshot!(
        "describe_trips",
        call(&state, "GET", "/api/v1/explores/trips", None).await
    );
    let q = json!({"explore": "orders",
                   "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"],
                   "sorts": [{"field": "orders.revenue", "desc": true}], "totals": true});
    insta::assert_json_snapshot!(
        "query_revenue_by_group",
        call(&state, "POST", "/api/v1/query", Some(q.clone())).await
    );
    insta::assert_json_snapshot!(
        "sql_revenue_by_group",
        call(&state, "POST", "/api/v1/sql", Some(q)).await
    );
    insta::assert_json_snapshot!(
        "values_status",
        call(
            &state,
            "GET",
            "/api/v1/explores/orders/fields/orders.status/values",
            None
        )
        .await
    );
    insta::assert_json_snapshot!(
        "error_unknown_field",
        call(
            &state,
            "POST",
            "/api/v1/query",
            Some(json!({"explore": "orders", "fields": ["orders.revnue"]}))
        )
        .await
    );
    insta::assert_json_snapshot!(
        "error_invalid_filter",
        call(&state, "POST", "/api/v1/query", Some(json!({"explore": "orders", "fields": ["orders.revenue"], "filters": {"trips.start_date": "last 7 dayz"}}))).await
    );
    insta::assert_json_snapshot!(
        "error_unknown_explore",
        call(
            &state,
            "POST",
            "/api/v1/sql",
            Some(json!({"explore": "order", "fields": ["orders.revenue"]}))
        )
        .await
    );
    insta::assert_json_snapshot!(
        "dashboards",
        call(&state, "GET", "/api/v1/dashboards", None).await
    );
    insta::assert_json_snapshot!(
        "dashboard_customer_activity",
        call(&state, "GET", "/api/v1/dashboards/customer_activity", None).await
    );
    insta::assert_json_snapshot!(
        "tile_customers_by_group_private",
        call(
            &state,
            "POST",
            "/api/v1/dashboards/customer_activity/tiles/customers_by_group/query",
            Some(json!({"filters": {"orders.status": "Finished"}}))
        )
        .await
    );
    insta::assert_json_snapshot!(
        "error_read_only",
        call(
            &state,
            "PUT",
            "/api/v1/dashboards/customer_activity",
            Some(json!({"title": "Mine", "version": 1}))
        )
        .await
    );
    insta::assert_json_snapshot!(
        "openapi",
        call(&state, "GET", "/api/v1/openapi.json", None).await
    );
}
