//! Access filters and grants through the API. A user without attributes sees no rows of an
//! access-filtered explore on any path (JSON, CSV, totals, field values, compiled SQL), and an
//! explore behind a grant does not exist for them (not listed, 404, not named in hints);
//! explores without access rules answer as before. Users with attributes see their rows;
//! share links show what their maker sees.

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use boltic_server::api::{AppState, ServeConfig};
use serde_json::{Value, json};

use crate::support::{Reply, key_of, post, project, seed_warehouse};

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
  - name: open_orders
    view: orders
    joins:
      - name: customers
        sql_on: ${orders.customer_id} = ${customers.customer_id}
        relationship: many_to_one
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
async fn a_user_without_attributes_sees_no_rows_and_no_granted_explores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = secured_state(dir.path()).await;
    let viewer = key_of(&state, "nobody@x.ee", boltic_types::Role::Viewer).await;
    let editor = key_of(&state, "editor@x.ee", boltic_types::Role::Editor).await;
    let user = As {
        state: &state,
        key: &viewer,
    };

    let list = user.get("/api/v1/explores").await.json();
    let names: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(
        names.contains(&"secure_orders") && names.contains(&"open_orders"),
        "{names:?}"
    );
    assert!(!names.contains(&"finance_orders"), "{names:?}");
    let missing = user.get("/api/v1/explores/finance_orders").await;
    let body = missing.error(StatusCode::NOT_FOUND, "unknown_explore");
    assert!(!body["hint"].to_string().contains("finance"), "{body}");
    let hidden = user
        .post(
            "/api/v1/query",
            json!({"explore": "finance_orders", "fields": ["orders.revenue"]}).to_string(),
        )
        .await;
    hidden.error(StatusCode::NOT_FOUND, "unknown_explore");

    // the same question: rows through the open explore, none through the filtered one
    let open = user
        .post("/api/v1/query", revenue_by_group("open_orders").to_string())
        .await;
    assert_eq!(open.status, StatusCode::OK);
    assert!(open.json()["row_count"].as_u64().unwrap_or(0) > 0);
    let secured = user
        .post(
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
    let csv = user
        .post(
            "/api/v1/query?format=csv",
            revenue_by_group("secure_orders").to_string(),
        )
        .await;
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert_eq!(text.lines().count(), 1, "only the header: {text}");

    let values = user
        .get("/api/v1/explores/secure_orders/fields/customers.customer_group_type/values")
        .await
        .json();
    assert_eq!(values["values"], json!([]), "{values}");
    // viewers never see SQL; an editor without attributes sees the filter compiled to FALSE
    user.post("/api/v1/sql", revenue_by_group("secure_orders").to_string())
        .await
        .error(StatusCode::FORBIDDEN, "forbidden");
    assert!(secured.json().get("sql").is_none(), "no SQL for a viewer");
    let sql = as_key(
        &state,
        "POST",
        "/api/v1/sql",
        &editor,
        revenue_by_group("secure_orders"),
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
    let viewer = key_of(&state, "nobody@x.ee", boltic_types::Role::Viewer).await;
    let user = As {
        state: &state,
        key: &viewer,
    };
    let described = user.get("/api/v1/explores/payments").await.json();
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
        let refused = user
            .post(
                "/api/v1/query",
                json!({"explore": "payments", "fields": [field]}).to_string(),
            )
            .await;
        let body = refused.error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field");
        // the message repeats the name asked; the hint never names a guarded field
        let hint = body["hint"].to_string();
        assert!(!hint.contains("total") && !hint.contains("price"), "{body}");
    }
    let open = user
        .post(
            "/api/v1/query",
            json!({"explore": "payments", "fields": ["payments.order_count"]}).to_string(),
        )
        .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.json());
}

/// Requests as the holder of an API key.
struct As<'a> {
    state: &'a AppState,
    key: &'a str,
}

impl As<'_> {
    async fn get(&self, uri: &str) -> Reply {
        as_key(self.state, "GET", uri, self.key, Value::Null).await
    }

    async fn post(&self, uri: &str, body: String) -> Reply {
        let body = serde_json::from_str(&body).expect("json");
        as_key(self.state, "POST", uri, self.key, body).await
    }
}

/// `method` `uri` as the holder of `key` (a JSON body unless `body` is null).
async fn as_key(state: &AppState, method: &str, uri: &str, key: &str, body: Value) -> Reply {
    call(state, method, uri, Some(key), &body).await
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
        &json!({"title": "Groups", "filters": [{"field": "orders.status"}],
                "tiles": [{"name": "g", "title": "G", "query": tile_query}]}),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let name = made.json()["name"].as_str().expect("name").to_string();
    let tile = format!("/api/v1/dashboards/{name}/tiles/g/query");
    let share = |bearer: String, body: Value| {
        let (state, name) = (state.clone(), name.clone());
        async move {
            call(
                &state,
                "POST",
                &format!("/api/v1/dashboards/{name}/shares"),
                Some(&bearer),
                &body,
            )
            .await
        }
    };
    let made = share(key.clone(), json!({})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    assert_eq!(made.json()["created_by"], "ann@x.ee");
    let anns_link = made.json()["token"].as_str().expect("token").to_string();
    // ann's own tile answer, and what her link's visitor sees: the same Company rows
    let own = call(&state, "POST", &tile, Some(&key), &json!({})).await;
    let visitor = call(&state, "POST", &tile, Some(&anns_link), &json!({})).await;
    assert_eq!(rows(&visitor), rows(&own));
    assert!(own.json()["row_count"].as_u64().unwrap_or(0) > 0);
    assert!(
        visitor.json().get("sql").is_none(),
        "share visitors never see SQL"
    );

    // a link with a locked filter: its visitor cannot widen it, whatever they send
    let locked = share(
        key.clone(),
        json!({"locked_filters": {"orders.status": "Finished"}}),
    )
    .await;
    assert_eq!(locked.status, StatusCode::CREATED, "{}", locked.json());
    let locked = locked.json()["token"].as_str().expect("token").to_string();
    let finished = call(
        &state,
        "POST",
        &tile,
        Some(&key),
        &json!({"filters": {"orders.status": "Finished"}}),
    )
    .await;
    for widen in [
        json!({}),
        json!({"filters": {"orders.status": ""}}),
        json!({"filters": {"orders.status": "%"}}),
        json!({"filters": {"orders.status": "-Finished"}}),
    ] {
        let seen = call(&state, "POST", &tile, Some(&locked), &widen).await;
        assert_eq!(rows(&seen), rows(&finished), "{widen}");
    }
    let opened = call(&state, "GET", "/api/v1/share", Some(&locked), &Value::Null)
        .await
        .json();
    assert_eq!(
        opened["locked_filters"],
        json!({"orders.status": "Finished"}),
        "{opened}"
    );
    assert!(
        opened.get("owner").is_none(),
        "a visitor is not told who made it: {opened}"
    );
    // an admin may not share ann's dashboard: ann could then choose what the admin's rights show
    let admin = key_of(&state, "root@x.ee", boltic_types::Role::Admin).await;
    share(admin.clone(), json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "forbidden");
    // a filter the dashboard does not have cannot be locked
    share(
        key.clone(),
        json!({"locked_filters": {"orders.revenue": ">0"}}),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");

    // another editor may neither share, change nor revoke ann's dashboard and links
    let other = key_of(&state, "eve@x.ee", boltic_types::Role::Editor).await;
    share(other.clone(), json!({}))
        .await
        .error(StatusCode::FORBIDDEN, "forbidden");
    call(
        &state,
        "DELETE",
        &format!("/api/v1/dashboards/{name}"),
        Some(&other),
        &Value::Null,
    )
    .await
    .error(StatusCode::FORBIDDEN, "forbidden");
    let listed = call(
        &state,
        "GET",
        &format!("/api/v1/dashboards/{name}/shares"),
        Some(&key),
        &Value::Null,
    )
    .await
    .json();
    let id = listed[0]["id"].as_str().expect("id").to_string();
    call(
        &state,
        "DELETE",
        &format!("/api/v1/dashboards/{name}/shares/{id}"),
        Some(&other),
        &Value::Null,
    )
    .await
    .error(StatusCode::FORBIDDEN, "forbidden");

    // a maker who may no longer share (made a viewer) stops their links; so does disabling
    store
        .update_user("ann@x.ee", |u| u.role = boltic_types::Role::Viewer)
        .await
        .expect("demote");
    call(&state, "POST", &tile, Some(&anns_link), &json!({}))
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");
    store
        .update_user("ann@x.ee", |u| {
            u.role = boltic_types::Role::Editor;
            u.disabled = true;
        })
        .await
        .expect("disable");
    call(&state, "POST", &tile, Some(&anns_link), &json!({}))
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");
}

fn number(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The demo model's access filters (`customers.customer_group_type` by the `group_type`
/// attribute): a Company user sees Company numbers on every path, equal to the same question
/// asked of the warehouse directly; a user without the attribute sees nothing.
#[tokio::test]
async fn a_company_user_sees_company_numbers_on_every_path_of_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = crate::api::seed_state(dir.path()).await;
    let warehouse = crate::support::local(&dir.path().join("wh"));
    let company = |v: Vec<String>| {
        move |u: &mut boltic_server::store::User| {
            u.attributes.insert("group_type".into(), v);
        }
    };
    let viewer = key_of(&state, "viewer@x.ee", boltic_types::Role::Viewer).await;
    state
        .store
        .update_user("viewer@x.ee", company(vec!["Company".into()]))
        .await
        .expect("attr");
    let editor = key_of(&state, "editor@x.ee", boltic_types::Role::Editor).await;
    state
        .store
        .update_user("editor@x.ee", company(vec!["Company".into()]))
        .await
        .expect("attr");
    let nobody = key_of(&state, "nobody@x.ee", boltic_types::Role::Viewer).await;

    let revenue = crate::api::scalar(
        &warehouse,
        "SELECT SUM(o.price_eur) FROM fact_orders o JOIN dim_customers c ON o.customer_id = c.customer_id
         WHERE c.customer_group_type = 'Company'",
    )
    .await;
    let all_revenue =
        crate::api::scalar(&warehouse, "SELECT SUM(price_eur) FROM fact_orders").await;
    assert!(
        revenue > 0.0 && revenue < all_revenue,
        "{revenue} of {all_revenue}"
    );
    let trips = crate::api::scalar(
        &warehouse,
        "SELECT COUNT(DISTINCT o.trip_id) FROM fact_orders o JOIN dim_customers c ON o.customer_id = c.customer_id
         WHERE c.customer_group_type = 'Company'",
    )
    .await;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6 * b.abs().max(1.0);

    // JSON: rows and totals, grouped by the filtered field itself and by another one
    let by_group = json!({"explore": "orders", "fields": ["customers.customer_group_type", "orders.revenue"], "totals": true});
    let answer = as_key(&state, "POST", "/api/v1/query", &viewer, by_group.clone())
        .await
        .json();
    assert_eq!(
        answer["rows"].as_array().expect("rows").len(),
        1,
        "{answer}"
    );
    assert_eq!(
        answer["rows"][0]["customers.customer_group_type"],
        "Company"
    );
    assert!(
        close(number(&answer["rows"][0]["orders.revenue"]), revenue),
        "{answer}"
    );
    assert!(
        close(number(&answer["totals"]["orders.revenue"]), revenue),
        "{answer}"
    );
    let by_status =
        json!({"explore": "orders", "fields": ["orders.status", "orders.revenue"], "totals": true});
    let answer = as_key(&state, "POST", "/api/v1/query", &viewer, by_status.clone())
        .await
        .json();
    let sum: f64 = answer["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| number(&r["orders.revenue"]))
        .sum();
    assert!(
        close(sum, revenue) && close(number(&answer["totals"]["orders.revenue"]), revenue),
        "{answer}"
    );
    // CSV and Arrow carry the same rows
    let csv = as_key(
        &state,
        "POST",
        "/api/v1/query?format=csv",
        &viewer,
        by_group.clone(),
    )
    .await;
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("Company,")),
        "{text}"
    );
    let arrow = as_key(
        &state,
        "POST",
        "/api/v1/query?format=arrow",
        &viewer,
        by_group.clone(),
    )
    .await;
    let reader = datafusion::arrow::ipc::reader::StreamReader::try_new(
        std::io::Cursor::new(arrow.body.to_vec()),
        None,
    )
    .expect("arrow");
    let rows: usize = reader.map(|b| b.expect("batch").num_rows()).sum();
    assert_eq!(rows, 1);
    // the trips explore, whose orders join fans out: trips of Company orders only
    let trip_count = json!({"explore": "trips", "fields": ["trips.trip_count", "orders.revenue"]});
    let answer = as_key(&state, "POST", "/api/v1/query", &viewer, trip_count)
        .await
        .json();
    assert!(
        close(number(&answer["rows"][0]["trips.trip_count"]), trips),
        "{answer} vs {trips}"
    );
    assert!(
        close(number(&answer["rows"][0]["orders.revenue"]), revenue),
        "{answer}"
    );
    // field values: only the allowed group
    let values = as_key(
        &state,
        "GET",
        "/api/v1/explores/orders/fields/customers.customer_group_type/values",
        &viewer,
        Value::Null,
    )
    .await
    .json();
    assert_eq!(values["values"], json!(["Company"]), "{values}");
    // a project dashboard's tile
    let tile = as_key(
        &state,
        "POST",
        "/api/v1/dashboards/revenue_overview/tiles/total_revenue/query",
        &viewer,
        json!({}),
    )
    .await
    .json();
    assert!(
        close(number(&tile["rows"][0]["orders.revenue"]), revenue),
        "{tile}"
    );
    // a share link that a Company editor made, opened by anyone
    let made = as_key(
        &state,
        "POST",
        "/api/v1/dashboards/revenue_overview/shares",
        &editor,
        json!({}),
    )
    .await;
    let token = made.json()["token"].as_str().expect("token").to_string();
    let shared = call(
        &state,
        "POST",
        "/api/v1/dashboards/revenue_overview/tiles/total_revenue/query",
        Some(&token),
        &json!({}),
    )
    .await
    .json();
    assert!(
        close(number(&shared["rows"][0]["orders.revenue"]), revenue),
        "{shared}"
    );
    // a user without the attribute: no rows anywhere
    for (explore, field) in [
        ("orders", "orders.revenue"),
        ("trips", "trips.trip_count"),
        ("customers", "customers.customer_count"),
    ] {
        let answer = as_key(
            &state,
            "POST",
            "/api/v1/query",
            &nobody,
            json!({"explore": explore, "fields": [field]}),
        )
        .await
        .json();
        let value = &answer["rows"][0][field];
        assert!(
            value.is_null() || number(value) == 0.0,
            "{explore}: {answer}"
        );
    }
    // an admin sees every group
    let all = post(&state, "/api/v1/query", by_group.to_string())
        .await
        .json();
    assert!(
        close(number(&all["totals"]["orders.revenue"]), all_revenue),
        "{all}"
    );
}

/// The server remembers for a minute who a bearer token is, but never past a change: a role
/// given, a key revoked or a user disabled by `boltic users` / `boltic keys` in another process
/// on the same app database, or a key's expiry, takes effect on the very next request.
#[tokio::test]
async fn a_remembered_key_follows_the_cli_and_its_expiry_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let warehouse = seed_warehouse(dir.path()).await;
    let db = dir.path().join("app.db");
    let mut config = ServeConfig::new(crate::support::project(), warehouse.to_string());
    config.poll_interval = Duration::ZERO;
    config.database = db.clone();
    let state = AppState::new(config).await.expect("state");
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_boltic"))
            .args(args)
            .env("BOLTIC_DATABASE", &db)
            .env("BOLTIC_QUIET", "1")
            .output()
            .expect("boltic runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    cli(&[
        "users", "add", "--email", "ann@x.ee", "--name", "Ann", "--role", "editor",
    ]);
    let key = cli(&["keys", "create", "--email", "ann@x.ee", "--name", "ci"]);
    let role = |reply: Reply| {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        reply.json()["role"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let ann = As {
        state: &state,
        key: &key,
    };
    for _ in 0..3 {
        assert_eq!(role(ann.get("/api/v1/me").await), "editor");
    }
    cli(&["users", "set-role", "ann@x.ee", "admin"]);
    assert_eq!(role(ann.get("/api/v1/me").await), "admin");
    let id = cli(&["keys", "list", "--email", "ann@x.ee"])
        .split('\t')
        .next()
        .unwrap_or_default()
        .to_string();
    cli(&["keys", "revoke", &id]);
    ann.get("/api/v1/me")
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");

    // another key of hers, remembered, stops when the CLI disables her
    let other = cli(&["keys", "create", "--email", "ann@x.ee", "--name", "ci-2"]);
    let ann = As {
        state: &state,
        key: &other,
    };
    for _ in 0..3 {
        assert_eq!(role(ann.get("/api/v1/me").await), "admin");
    }
    cli(&["users", "disable", "ann@x.ee"]);
    ann.get("/api/v1/me")
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");

    // a key that expires in a moment works until then, and not after, however often it is used
    state
        .store
        .add_user("bob@x.ee", "Bob", boltic_types::Role::Viewer)
        .await
        .expect("user");
    let expires = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let (_, brief) = state
        .store
        .create_key("bob@x.ee", "brief", Some(expires))
        .await
        .expect("key");
    let bob = As {
        state: &state,
        key: &brief,
    };
    assert_eq!(role(bob.get("/api/v1/me").await), "viewer");
    while chrono::Utc::now() < expires {
        let reply = bob.get("/api/v1/me").await;
        if chrono::Utc::now() < expires - chrono::Duration::milliseconds(100) {
            assert_eq!(role(reply), "viewer");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bob.get("/api/v1/me")
        .await
        .error(StatusCode::UNAUTHORIZED, "invalid_token");
}
