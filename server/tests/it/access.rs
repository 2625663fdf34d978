//! Access filters and grants through the API. No caller has user attributes yet, so every
//! caller is a user without them: an access-filtered explore answers no rows on every path
//! (JSON, CSV, totals, field values, compiled SQL) and an explore behind a grant does not exist
//! (not listed, 404, not named in hints). Explores without access rules answer as before.

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use boltic_server::api::{AppState, ServeConfig};
use serde_json::{Value, json};

use crate::support::{get, post, project, seed_warehouse};

const SECURE: &str = r#"
access_grants:
  - name: finance
    user_attribute: department
    allowed_values: [finance]
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
  - name: finance_orders
    view: orders
    required_access_grants: [finance]
  - name: payments
views:
  - name: payments
    sql_table_name: fact_orders
    primary_key: order_id
    dimensions:
      - name: order_id
        type: number
      - name: price_eur
        type: number
        required_access_grants: [finance]
    measures:
      - name: order_count
        type: count
      - name: total
        type: sum
        sql: ${price_eur}
"#;

/// The demo project's semantic files plus `SECURE`, served over the seed warehouse.
async fn secured_state(dir: &Path) -> AppState {
    let semantic = dir.join("project/semantic");
    std::fs::create_dir_all(&semantic).expect("project folder");
    for entry in std::fs::read_dir(project().join("semantic")).expect("demo semantic") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, semantic.join(path.file_name().expect("name"))).expect("copy");
    }
    std::fs::write(semantic.join("secure.yml"), SECURE).expect("secure.yml");
    let warehouse = seed_warehouse(dir).await;
    let mut config = ServeConfig::new(dir.join("project"), warehouse.to_string());
    config.poll_interval = Duration::ZERO;
    config.database = ":memory:".into();
    AppState::new(config).await.expect("state")
}

fn revenue_by_group(explore: &str) -> Value {
    json!({"explore": explore,
           "fields": ["customers.customer_group_type", "orders.revenue"],
           "totals": true})
}

#[tokio::test]
async fn a_caller_without_attributes_sees_no_rows_and_no_granted_explores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = secured_state(dir.path()).await;

    let list = get(&state, "/api/v1/explores").await.json();
    let names: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(
        names.contains(&"secure_orders") && names.contains(&"orders"),
        "{names:?}"
    );
    assert!(!names.contains(&"finance_orders"), "{names:?}");
    let missing = get(&state, "/api/v1/explores/finance_orders").await;
    let body = missing.error(StatusCode::NOT_FOUND, "unknown_explore");
    assert!(!body["hint"].to_string().contains("finance"), "{body}");
    let hidden = post(
        &state,
        "/api/v1/query",
        json!({"explore": "finance_orders", "fields": ["orders.revenue"]}).to_string(),
    )
    .await;
    hidden.error(StatusCode::NOT_FOUND, "unknown_explore");

    // the same question: rows through the open explore, none through the filtered one
    let open = post(
        &state,
        "/api/v1/query",
        revenue_by_group("orders").to_string(),
    )
    .await;
    assert_eq!(open.status, StatusCode::OK);
    assert!(open.json()["row_count"].as_u64().unwrap_or(0) > 0);
    let secured = post(
        &state,
        "/api/v1/query",
        revenue_by_group("secure_orders").to_string(),
    )
    .await;
    assert_eq!(secured.status, StatusCode::OK, "{}", secured.json());
    let body = secured.json();
    assert_eq!(body["row_count"], 0, "{body}");
    assert_eq!(body["rows"], json!([]));
    assert!(
        body["totals"]["orders.revenue"].is_null(),
        "totals see no rows either: {body}"
    );
    let csv = post(
        &state,
        "/api/v1/query?format=csv",
        revenue_by_group("secure_orders").to_string(),
    )
    .await;
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert_eq!(text.lines().count(), 1, "only the header: {text}");

    let values = get(
        &state,
        "/api/v1/explores/secure_orders/fields/customers.customer_group_type/values",
    )
    .await
    .json();
    assert_eq!(values["values"], json!([]), "{values}");
    let sql = post(
        &state,
        "/api/v1/sql",
        revenue_by_group("secure_orders").to_string(),
    )
    .await
    .json();
    assert!(
        sql["sql"].as_str().unwrap_or_default().contains("FALSE"),
        "{sql}"
    );
}

#[tokio::test]
async fn a_field_behind_a_grant_is_not_described_queried_or_hinted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = secured_state(dir.path()).await;
    let described = get(&state, "/api/v1/explores/payments").await.json();
    let names: Vec<&str> = described["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["payments.order_id", "payments.order_count"],
        "{described}"
    );
    for field in ["payments.total", "payments.price_eur", "payments.tota"] {
        let refused = post(
            &state,
            "/api/v1/query",
            json!({"explore": "payments", "fields": [field]}).to_string(),
        )
        .await;
        let body = refused.error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field");
        // the message repeats the name asked; the hint never names a guarded field
        let hint = body["hint"].to_string();
        assert!(!hint.contains("total") && !hint.contains("price"), "{body}");
    }
    let open = post(
        &state,
        "/api/v1/query",
        json!({"explore": "payments", "fields": ["payments.order_count"]}).to_string(),
    )
    .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.json());
}

/// `POST /api/v1/query` with `Authorization: Bearer <key>`.
async fn query_as(state: &AppState, key: &str, body: &Value) -> crate::support::Reply {
    use axum::body::Body;
    use axum::http::{Request, header};
    crate::support::send(
        state,
        Request::post("/api/v1/query")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

fn rows(reply: &crate::support::Reply) -> Value {
    let body = reply.json();
    assert_eq!(reply.status, StatusCode::OK, "{body}");
    json!([body["rows"], body["totals"]])
}

#[tokio::test]
async fn a_users_key_brings_their_attributes_into_every_query() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = secured_state(dir.path()).await;
    let store = &state.store;
    let mut keys = Vec::new();
    for (email, group) in [
        ("ann@x.ee", Some("Company")),
        ("bob@x.ee", Some("Private Group")),
        ("cy@x.ee", None),
    ] {
        store
            .add_user(email, email, boltic_types::Role::Viewer)
            .await
            .expect("user");
        if let Some(g) = group {
            let values = vec![g.to_string()];
            store
                .update_user(email, move |u| {
                    u.attributes.insert("group_type".into(), values);
                })
                .await
                .expect("attribute");
        }
        keys.push(store.create_key(email, "test", None).await.expect("key").1);
    }
    for (key, group) in [(&keys[0], "Company"), (&keys[1], "Private Group")] {
        // what the user sees equals the open explore filtered by hand on the same warehouse
        let secured = query_as(&state, key, &revenue_by_group("secure_orders")).await;
        let mut by_hand = revenue_by_group("orders");
        by_hand["filters"] = json!({"customers.customer_group_type": group});
        let expected = post(&state, "/api/v1/query", by_hand.to_string()).await;
        assert_eq!(rows(&secured), rows(&expected), "{group}");
        assert!(
            secured.json()["row_count"].as_u64().unwrap_or(0) > 0,
            "{group}"
        );
    }
    // a user without the attribute sees no rows
    assert_eq!(
        query_as(&state, &keys[2], &revenue_by_group("secure_orders"))
            .await
            .json()["row_count"],
        0
    );
    // a disabled user's key and a revoked key stop working at once
    store
        .update_user("bob@x.ee", |u| u.disabled = true)
        .await
        .expect("disable");
    query_as(&state, &keys[1], &revenue_by_group("orders"))
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");
    let ann = store.keys("ann@x.ee").await.expect("keys");
    assert!(ann[0].last_used_at.is_some(), "use is noted");
    store.revoke_key(&ann[0].id).await.expect("revoke");
    query_as(&state, &keys[0], &revenue_by_group("orders"))
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");
    query_as(&state, "bk_not-a-key", &revenue_by_group("orders"))
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");
}

/// Every route of the API document, for a key of each role: refused (`403 forbidden`) exactly
/// when the role lacks what the route's rule needs; anything else (even a 404 for the dummy
/// names used here) means the role got through.
#[tokio::test]
async fn each_role_reaches_exactly_the_routes_its_rule_allows() {
    use axum::body::Body;
    use axum::http::{Method, Request, header};
    use boltic_server::api::permissions::rule;
    use boltic_types::Role;

    let dir = tempfile::tempdir().expect("tempdir");
    let state = secured_state(dir.path()).await;
    let doc = get(&state, "/api/v1/openapi.json").await.json();
    let mut routes = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for method in operations.as_object().expect("operations").keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(routes.len() >= 21, "{routes:?}");
    for role in Role::ALL {
        let email = format!("{role}@x.ee");
        state.store.add_user(&email, "R", role).await.expect("user");
        let key = state
            .store
            .create_key(&email, "t", None)
            .await
            .expect("key")
            .1;
        for (method, path) in &routes {
            let uri = path
                .replace("{explore}", "orders")
                .replace("{field}", "orders.status")
                .replace('{', "x")
                .replace('}', "");
            let m = Method::from_bytes(method.as_bytes()).expect("method");
            let mut request = Request::builder()
                .method(m.clone())
                .uri(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {key}"));
            let body = if matches!(m, Method::POST | Method::PUT) {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from("{}")
            } else {
                Body::empty()
            };
            let reply = crate::support::send(&state, request.body(body).expect("request")).await;
            let allowed = rule(&m, path).expect("every route has a rule").allows(role);
            let refused = reply.status == StatusCode::FORBIDDEN;
            assert_eq!(
                refused,
                !allowed,
                "{role} {method} {uri}: {} {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
    }
}

/// `method` `uri` with a JSON body and a bearer token (or none).
async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    bearer: Option<&str>,
    body: &Value,
) -> crate::support::Reply {
    use axum::body::Body;
    use axum::http::{Request, header};
    let mut r = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = bearer {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    crate::support::send(
        state,
        r.body(Body::from(body.to_string())).expect("request"),
    )
    .await
}

#[tokio::test]
async fn a_share_link_shows_what_its_maker_sees_and_stops_with_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = secured_state(dir.path()).await;
    let store = &state.store;
    store
        .add_user("ann@x.ee", "Ann", boltic_types::Role::Editor)
        .await
        .expect("user");
    store
        .update_user("ann@x.ee", |u| {
            u.attributes
                .insert("group_type".into(), vec!["Company".into()]);
        })
        .await
        .expect("attribute");
    let key = store
        .create_key("ann@x.ee", "t", None)
        .await
        .expect("key")
        .1;
    let tile_query = revenue_by_group("secure_orders");
    let made = call(
        &state,
        "POST",
        "/api/v1/dashboards",
        Some(&key),
        &json!({"title": "Groups", "tiles": [{"name": "g", "title": "G", "query": tile_query}]}),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let name = made.json()["name"].as_str().expect("name").to_string();
    let tile = format!("/api/v1/dashboards/{name}/tiles/g/query");
    let share = |bearer: Option<String>| {
        let (state, name) = (state.clone(), name.clone());
        async move {
            let r = call(
                &state,
                "POST",
                &format!("/api/v1/dashboards/{name}/shares"),
                bearer.as_deref(),
                &json!({}),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.json());
            r.json()["token"].as_str().expect("token").to_string()
        }
    };
    let anns_link = share(Some(key.clone())).await;
    let anonymous_link = share(None).await;
    // ann's own tile answer, and what her link's visitor sees: the same Company rows
    let own = call(&state, "POST", &tile, Some(&key), &json!({})).await;
    let visitor = call(&state, "POST", &tile, Some(&anns_link), &json!({})).await;
    assert_eq!(rows(&visitor), rows(&own));
    assert!(own.json()["row_count"].as_u64().unwrap_or(0) > 0);
    // a link made without an account carries no attributes: no rows
    let nobody = call(&state, "POST", &tile, Some(&anonymous_link), &json!({})).await;
    assert_eq!(nobody.json()["row_count"], 0, "{}", nobody.json());
    // disabling ann stops her link at once
    store
        .update_user("ann@x.ee", |u| u.disabled = true)
        .await
        .expect("disable");
    call(&state, "POST", &tile, Some(&anns_link), &json!({}))
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");
}
