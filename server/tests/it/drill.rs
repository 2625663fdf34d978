//! Drilling through the API on the demo model over the seed warehouse: a measure's value
//! leads to the rows behind it (as many rows as the value counts, summing to it, its own
//! filters kept, its row's access rules applied), a timeframe to the next level, and a drill
//! that leads nowhere is refused with a code and a hint.

use axum::http::StatusCode;
use boltic_server::api::AppState;
use serde_json::{Value, json};

use crate::api::seed_state;
use crate::support::{Reply, get, key_of, post};

async fn drill(state: &AppState, body: &Value) -> Reply {
    post(state, "/api/v1/drill", body.to_string()).await
}

async fn rows(state: &AppState, query: &Value) -> Vec<Value> {
    let reply = post(state, "/api/v1/query", query.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let body = reply.json();
    assert_eq!(body["truncated"], false, "{body}");
    body["rows"].as_array().expect("rows").clone()
}

fn sum(rows: &[Value], field: &str) -> f64 {
    rows.iter().map(|r| r[field].as_f64().unwrap_or(0.0)).sum()
}

#[tokio::test]
async fn a_measure_drills_to_the_rows_behind_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;

    // the explore says where each field drills to
    let described = get(&state, "/api/v1/explores/orders").await.json();
    let field = |name: &str| {
        described["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no field '{name}'"))
    };
    assert_eq!(
        field("orders.revenue")["drill_fields"],
        json!([
            "orders.order_id",
            "trips.start_date",
            "customers.name",
            "orders.route",
            "orders.status",
            "orders.price_eur"
        ])
    );
    assert_eq!(
        field("trips.start_year")["drill_fields"],
        json!(["trips.start_quarter"])
    );
    assert!(field("orders.average_price").get("drill_fields").is_none());

    let question = json!({
        "explore": "orders",
        "fields": ["customers.customer_group_type", "orders.status", "orders.revenue", "orders.order_count"],
        "filters": {"orders.status": "-Cancelled"},
        "sorts": [{"field": "orders.revenue", "desc": true}]
    });
    let summary = rows(&state, &question).await;
    assert!(summary.len() >= 2, "{summary:?}");
    for row in &summary {
        let reply = drill(
            &state,
            &json!({"query": question, "field": "orders.revenue", "row": row}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        let detail_query = reply.json()["query"].clone();
        assert_eq!(detail_query["limit"], 500, "{detail_query}");
        let detail = rows(&state, &detail_query).await;
        // one row per order: as many as the figure counts, summing to the figure
        assert_eq!(
            detail.len() as u64,
            row["orders.order_count"].as_u64().expect("count"),
            "{row} → {detail_query}"
        );
        let revenue = row["orders.revenue"].as_f64().expect("revenue");
        assert!(
            (sum(&detail, "orders.price_eur") - revenue).abs() < 1e-6 * revenue.max(1.0),
            "{row}"
        );
        for d in &detail {
            assert_eq!(d["orders.status"], row["orders.status"], "{d}");
            assert_ne!(d["orders.status"], "Cancelled");
        }
    }

    // a filtered measure keeps its own filter: finished revenue lists finished orders only
    let finished = json!({"explore": "orders", "fields": ["customers.customer_group_type", "orders.finished_revenue", "orders.finished_order_count"]});
    let by_group = rows(&state, &finished).await;
    let row = by_group
        .iter()
        .find(|r| r["orders.finished_order_count"].as_u64() > Some(0))
        .expect("a group with finished orders");
    let reply = drill(
        &state,
        &json!({"query": finished, "field": "orders.finished_revenue", "row": row}),
    )
    .await;
    let detail = rows(&state, &reply.json()["query"]).await;
    assert_eq!(
        Some(detail.len() as u64),
        row["orders.finished_order_count"].as_u64()
    );
    assert!(detail.iter().all(|d| d["orders.status"] == "Finished"));
}

#[tokio::test]
async fn a_timeframe_drills_one_level_down_and_nulls_drill_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;
    let question = json!({"explore": "trips", "fields": ["trips.start_year", "trips.trip_count"]});
    let years = rows(&state, &question).await;
    assert!(!years.is_empty());
    for year in &years {
        let reply = drill(
            &state,
            &json!({"query": question, "field": "trips.start_year", "row": year, "to": "trips.start_quarter"}),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        let down = reply.json()["query"].clone();
        assert_eq!(
            down["fields"],
            json!(["trips.start_quarter", "trips.trip_count"])
        );
        let quarters = rows(&state, &down).await;
        let y = &year["trips.start_year"].as_str().expect("year")[..4];
        assert!(
            quarters.iter().all(|q| q["trips.start_quarter"]
                .as_str()
                .is_some_and(|s| s.starts_with(y))),
            "{quarters:?}"
        );
        assert_eq!(
            sum(&quarters, "trips.trip_count"),
            year["trips.trip_count"].as_f64().expect("count"),
            "{year}"
        );
        // and a quarter drills to its rows
        let q = &quarters[0];
        let reply = drill(
            &state,
            &json!({"query": down, "field": "trips.trip_count", "row": q}),
        )
        .await;
        let trips = rows(&state, &reply.json()["query"]).await;
        assert_eq!(
            trips.len() as f64,
            q["trips.trip_count"].as_f64().expect("count")
        );
    }

    // a NULL value drills to the rows where the field is NULL
    let by_email = json!({"explore": "customers", "fields": ["customers.email", "customers.customer_count"], "filters": {"customers.email": "NULL"}});
    let nulls = rows(&state, &by_email).await;
    if let Some(row) = nulls.first() {
        let reply = drill(
            &state,
            &json!({"query": by_email, "field": "customers.customer_count", "row": row}),
        )
        .await;
        let detail = rows(&state, &reply.json()["query"]).await;
        assert_eq!(
            detail.len() as f64,
            row["customers.customer_count"].as_f64().expect("count")
        );
        assert!(detail.iter().all(|d| d["customers.email"].is_null()));
    }
}

#[tokio::test]
async fn drills_that_lead_nowhere_are_refused_and_access_rules_hold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;
    let question = json!({"explore": "orders", "fields": ["orders.status", "orders.average_price", "orders.revenue"]});
    let row =
        json!({"orders.status": "Finished", "orders.average_price": 1.0, "orders.revenue": 2.0});
    let refused = |body: Value, needle: &'static str| {
        let state = &state;
        async move {
            let reply = drill(state, &body).await;
            reply.error_saying(StatusCode::UNPROCESSABLE_ENTITY, "invalid_drill", needle);
        }
    };
    refused(
        json!({"query": question, "field": "orders.average_price", "row": row}),
        "has no drill fields",
    )
    .await;
    refused(
        json!({"query": question, "field": "orders.status", "row": row}),
        "needs 'to'",
    )
    .await;
    refused(
        json!({"query": question, "field": "orders.status", "row": row, "to": "orders.route"}),
        "does not drill to 'orders.route'",
    )
    .await;
    refused(
        json!({"query": question, "field": "orders.order_count", "row": row}),
        "not in the question",
    )
    .await;
    refused(
        json!({"query": question, "field": "orders.revenue", "row": {"orders.revenue": 2.0}}),
        "no value for 'orders.status'",
    )
    .await;

    // the drill's rows obey the caller's access filters like any question: a viewer without
    // a group_type attribute sees no rows of the demo's filtered orders explore
    let viewer = key_of(&state, "viewer@x.ee", boltic_types::Role::Viewer).await;
    let reply = crate::support::send(
        &state,
        axum::http::Request::post("/api/v1/drill")
            .header("Authorization", format!("Bearer {viewer}"))
            .header("Content-Type", "application/json")
            .body(axum::body::Body::from(
                json!({"query": question, "field": "orders.revenue", "row": row}).to_string(),
            ))
            .expect("request"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let detail_query = reply.json()["query"].to_string();
    let detail = crate::support::send(
        &state,
        axum::http::Request::post("/api/v1/query")
            .header("Authorization", format!("Bearer {viewer}"))
            .header("Content-Type", "application/json")
            .body(axum::body::Body::from(detail_query))
            .expect("request"),
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.json()["row_count"], 0, "{}", detail.json());
}
