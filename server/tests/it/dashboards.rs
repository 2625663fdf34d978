//! Dashboards and share links through the router, on the seed warehouse: project dashboards
//! answer like the query API, app dashboards are stored in SQLite, and a share token opens its
//! dashboard and nothing else.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use boltic_server::api::{AppState, ServeConfig};
use boltic_server::store::{Store, StoreError};
use serde_json::{Value, json};

use crate::support::{Reply, admin_auth, get, post, project, seed_warehouse, send};

async fn state(dir: &std::path::Path, database: &str) -> AppState {
    seed_warehouse(dir).await;
    let mut config = ServeConfig::new(project(), dir.join("wh").to_str().unwrap());
    config.poll_interval = Duration::ZERO;
    config.database = database.into();
    AppState::new(config).await.expect("state")
}

async fn with_token(state: &AppState, method: &str, uri: &str, token: &str, body: &str) -> Reply {
    send(
        state,
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

async fn put(state: &AppState, uri: &str, body: &Value) -> Reply {
    send(
        state,
        Request::put(uri)
            .header(header::AUTHORIZATION, admin_auth(state).await)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

async fn delete(state: &AppState, uri: &str) -> Reply {
    send(
        state,
        Request::delete(uri)
            .header(header::AUTHORIZATION, admin_auth(state).await)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// Rows of a query reply, for comparing answers.
fn rows(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    reply.json()["rows"].clone()
}

#[tokio::test]
async fn demo_dashboard_tiles_answer_exactly_like_the_query_api() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path(), ":memory:").await;
    let list = get(&state, "/api/v1/dashboards").await.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["customer_activity", "fleet_utilisation", "revenue_overview"]
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|d| d["source"] == "project" && d["editable"] == false)
    );
    let mut compared = 0;
    for name in names {
        let d = get(&state, &format!("/api/v1/dashboards/{name}"))
            .await
            .json();
        let filter = d["filters"][0]["field"].as_str().unwrap().to_string();
        for tile in d["tiles"].as_array().unwrap() {
            let uri = format!(
                "/api/v1/dashboards/{name}/tiles/{}/query",
                tile["name"].as_str().unwrap()
            );
            if tile.get("text").is_some() {
                // a text tile runs nothing
                let e = post(&state, &uri, "").await;
                let e = e.error(StatusCode::NOT_FOUND, "unknown_tile");
                assert!(e["message"].as_str().unwrap().contains("text tile"), "{e}");
                continue;
            }
            let plain = post(&state, &uri, "").await;
            let same = post(&state, "/api/v1/query", tile["query"].to_string()).await;
            assert_eq!(rows(&plain), rows(&same), "{name}/{}", tile["name"]);
            assert!(
                !rows(&plain).as_array().unwrap().is_empty(),
                "{name}/{}",
                tile["name"]
            );
            // with a dashboard filter: the same as the tile's query plus that filter
            let value = if filter.ends_with("_date") {
                "before 2024-07-01"
            } else {
                "-NULL"
            };
            let filtered = post(
                &state,
                &uri,
                json!({"filters": {&filter: value}}).to_string(),
            )
            .await;
            let mut q = tile["query"].clone();
            q["filters"] = json!([{ &filter: value }]);
            let same = post(&state, "/api/v1/query", q.to_string()).await;
            assert_eq!(
                rows(&filtered),
                rows(&same),
                "{name}/{} with {filter}",
                tile["name"]
            );
            compared += 2;
        }
    }
    assert_eq!(compared, 26, "every query tile compared");
}

#[tokio::test]
async fn a_dashboard_filter_changes_every_tile_that_has_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path(), ":memory:").await;
    let base = "/api/v1/dashboards/revenue_overview/tiles";
    for tile in [
        "total_revenue",
        "order_count",
        "revenue_by_group",
        "revenue_by_month",
        "top_routes",
    ] {
        let all = rows(&post(&state, &format!("{base}/{tile}/query"), "").await);
        let some = rows(
            &post(
                &state,
                &format!("{base}/{tile}/query"),
                json!({"filters": {"orders.status": "Finished"}}).to_string(),
            )
            .await,
        );
        assert_ne!(all, some, "{tile}");
    }
    let r = post(
        &state,
        &format!("{base}/total_revenue/query"),
        json!({"filters": {"orders.price_eur": ">1"}}).to_string(),
    )
    .await;
    let e = r.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    assert!(
        e["hint"].as_str().unwrap().contains("'orders.status'"),
        "{e}"
    );
    let r = post(
        &state,
        &format!("{base}/total_revenue/query"),
        json!({"filters": {"orders.status": "last banana"}}).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "a string filter takes any text");
    let r = post(
        &state,
        &format!("{base}/total_revenue/query"),
        json!({"filters": {"trips.start_date": "last banana"}}).to_string(),
    )
    .await;
    r.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    post(&state, &format!("{base}/nope/query"), "")
        .await
        .error(StatusCode::NOT_FOUND, "unknown_tile");
    post(&state, "/api/v1/dashboards/nope/tiles/x/query", "")
        .await
        .error(StatusCode::NOT_FOUND, "unknown_dashboard");
    // CSV too
    let csv = send(
        &state,
        Request::post(format!("{base}/revenue_by_group/query?format=csv"))
            .header(header::AUTHORIZATION, admin_auth(&state).await)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        String::from_utf8_lossy(&csv.body)
            .starts_with("customers.customer_group_type,orders.revenue")
    );
}

#[tokio::test]
async fn text_tiles_are_stored_and_checked_and_old_tiles_read_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("boltic.db");
    let state = state(dir.path(), db.to_str().unwrap()).await;
    let text = "## Notes\n\n<script>alert(1)</script> stays text until shown";
    let made = post(
        &state,
        "/api/v1/dashboards",
        json!({"title": "Notes", "tiles": [
            {"name": "notes", "title": "Notes", "text": text},
            {"name": "revenue", "title": "Revenue",
             "query": {"explore": "orders", "fields": ["orders.revenue"]}},
        ]})
        .to_string(),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let d = made.json();
    let name = d["name"].as_str().unwrap().to_string();
    // stored as written; a text tile has no query on the wire, a query tile no text
    assert_eq!(d["tiles"][0]["text"], text);
    assert!(d["tiles"][0].get("query").is_none(), "{d}");
    assert!(d["tiles"][1].get("text").is_none(), "{d}");
    assert_eq!(
        d["tiles"][0]["layout"],
        json!({"x": 0, "y": 0, "w": 6, "h": 4})
    );
    assert_eq!(d["default_timezone"], "UTC");
    // the text rendered by the server, its raw HTML escaped; only text tiles have HTML
    assert_eq!(
        d["text_html"],
        json!({"notes": "<h2>Notes</h2>\n<p>&lt;script&gt;alert(1)&lt;/script&gt; stays text until shown</p>\n"}),
        "{d}"
    );
    let kept = state.store.dashboard(&name).await.unwrap().expect("stored");
    assert_eq!(kept.dashboard.tiles[0].text.as_deref(), Some(text));
    assert!(kept.dashboard.tiles[0].query.is_none());

    // a tile with both, or neither, is refused, saying which and where
    for (tile, path, message) in [
        (
            json!({"name": "t", "title": "T", "text": "hi",
                   "query": {"explore": "orders", "fields": ["orders.revenue"]}}),
            "tiles.0.text",
            "tile 't' has both a 'text' and a 'query'",
        ),
        (
            json!({"name": "t", "title": "T"}),
            "tiles.0.name",
            "tile 't' has neither a 'query' nor a 'text'",
        ),
    ] {
        let r = post(
            &state,
            "/api/v1/dashboards",
            json!({"title": "Bad", "tiles": [tile]}).to_string(),
        )
        .await;
        let e = r.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_dashboard");
        assert_eq!(e["location"]["path"], path, "{e}");
        assert_eq!(e["message"], message, "{e}");
    }

    // a text tile runs nothing; the query tile next to it runs as before
    post(
        &state,
        &format!("/api/v1/dashboards/{name}/tiles/notes/query"),
        "",
    )
    .await
    .error(StatusCode::NOT_FOUND, "unknown_tile");
    let r = post(
        &state,
        &format!("/api/v1/dashboards/{name}/tiles/revenue/query"),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());

    // a changed text comes back rendered anew (the web app shows the saved text's HTML)
    let mut tiles = d["tiles"].clone();
    tiles[0]["text"] = json!("*changed*");
    let r = put(
        &state,
        &format!("/api/v1/dashboards/{name}"),
        &json!({"title": "Notes", "tiles": tiles, "version": d["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    assert_eq!(
        r.json()["text_html"],
        json!({"notes": "<p><em>changed</em></p>\n"})
    );

    // a tile stored before text tiles existed (query, no text) reads and writes as before
    let old: boltic_semantic::Tile = serde_json::from_value(json!({"name": "a", "title": "A",
        "query": {"explore": "orders", "fields": ["orders.revenue"]}}))
    .unwrap();
    assert!(old.query.is_some() && old.text.is_none());
    assert!(serde_json::to_value(&old).unwrap().get("text").is_none());
}

#[tokio::test]
async fn a_tile_runs_in_the_time_zone_asked_for_like_the_query_api() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path(), ":memory:").await;
    let query = json!({"explore": "trips", "fields": ["trips.start_hour_of_day", "trips.trip_count"],
                       "sorts": [{"field": "trips.start_hour_of_day"}]});
    let made = post(
        &state,
        "/api/v1/dashboards",
        json!({"title": "Hours", "tiles": [{"name": "h", "title": "H", "query": query}]})
            .to_string(),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let uri = format!(
        "/api/v1/dashboards/{}/tiles/h/query",
        made.json()["name"].as_str().unwrap()
    );
    let utc = rows(&post(&state, &uri, "").await);
    let zone = "Asia/Kolkata";
    let there = rows(&post(&state, &uri, json!({"timezone": zone}).to_string()).await);
    let mut q = query.clone();
    q["timezone"] = json!(zone);
    let same = rows(&post(&state, "/api/v1/query", q.to_string()).await);
    assert_eq!(there, same);
    assert_ne!(there, utc, "the hours move with the zone");
    // only IANA names
    for bad in ["Mars/Base", "UTC') --", ""] {
        post(&state, &uri, json!({"timezone": bad}).to_string())
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_timezone");
    }
}

#[tokio::test]
async fn app_dashboards_are_made_changed_and_kept_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app/boltic.db");
    let state = state(dir.path(), db.to_str().unwrap()).await;
    let made = post(
        &state,
        "/api/v1/dashboards",
        json!({"title": "Sales by month!"}).to_string(),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let d = made.json();
    let name = d["name"].as_str().unwrap().to_string();
    assert!(
        name.starts_with("sales-by-month-") && name.len() == "sales-by-month-".len() + 4,
        "{name}"
    );
    assert_eq!(
        (
            d["source"].as_str(),
            d["editable"].as_bool(),
            d["version"].as_i64()
        ),
        (Some("app"), Some(true), Some(1))
    );

    let tile = json!({"title": "Revenue by group", "chart": "bar",
        "query": {"explore": "orders", "fields": ["customers.customer_group_type", "orders.revenue"]}});
    let added = post(
        &state,
        &format!("/api/v1/dashboards/{name}/tiles"),
        tile.to_string(),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.json());
    let added = post(
        &state,
        &format!("/api/v1/dashboards/{name}/tiles"),
        tile.to_string(),
    )
    .await
    .json();
    assert_eq!(added["version"], 3);
    let tiles = added["tiles"].as_array().unwrap();
    assert_eq!(
        (tiles[0]["name"].as_str(), tiles[1]["name"].as_str()),
        (Some("tile-1"), Some("tile-2"))
    );
    assert_eq!(tiles[0]["layout"], json!({"x": 0, "y": 0, "w": 6, "h": 4}));
    assert_eq!(tiles[1]["layout"], json!({"x": 6, "y": 0, "w": 6, "h": 4}));

    // move and resize, add a dashboard filter, rename
    let mut change = added.clone();
    for k in [
        "name",
        "source",
        "editable",
        "updated_at",
        "owner",
        "shareable",
        "default_timezone",
    ] {
        change.as_object_mut().unwrap().remove(k);
    }
    change["title"] = json!("Sales");
    change["tiles"][1]["layout"] = json!({"x": 0, "y": 4, "w": 12, "h": 5});
    change["filters"] = json!([{"field": "orders.status", "default": "Finished"}]);
    let changed = put(&state, &format!("/api/v1/dashboards/{name}"), &change).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.json());
    assert_eq!(changed.json()["version"], 4);
    // the same change again is based on an old version
    put(&state, &format!("/api/v1/dashboards/{name}"), &change)
        .await
        .error(StatusCode::CONFLICT, "conflict");
    let mut unversioned = change.clone();
    unversioned.as_object_mut().unwrap().remove("version");
    let e = put(&state, &format!("/api/v1/dashboards/{name}"), &unversioned).await;
    assert_eq!(
        e.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_dashboard")["location"]["path"],
        "version"
    );
    // a broken change is refused, saying where
    let mut broken = changed.json();
    for k in [
        "name",
        "source",
        "editable",
        "updated_at",
        "owner",
        "shareable",
        "default_timezone",
    ] {
        broken.as_object_mut().unwrap().remove(k);
    }
    broken["tiles"][0]["query"]["fields"] = json!(["orders.revenu"]);
    let e = put(&state, &format!("/api/v1/dashboards/{name}"), &broken).await;
    let e = e.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_dashboard");
    assert_eq!(e["location"]["path"], "tiles.0.query", "{e}");
    assert_eq!(e["hint"], "did you mean 'orders.revenue'?");
    broken["tiles"][0]["layout"] = json!({"x": 8, "y": 0, "w": 6, "h": 4});
    broken["tiles"][0]["query"]["fields"] = json!(["orders.revenue"]);
    put(&state, &format!("/api/v1/dashboards/{name}"), &broken)
        .await
        .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_dashboard");
    put(&state, "/api/v1/dashboards/revenue_overview", &change)
        .await
        .error(StatusCode::CONFLICT, "read_only");
    delete(&state, "/api/v1/dashboards/revenue_overview")
        .await
        .error(StatusCode::CONFLICT, "read_only");
    post(
        &state,
        "/api/v1/dashboards",
        json!({"title": "x", "tilez": []}).to_string(),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "invalid_request");

    // the default filter applies to the tile
    let r = post(
        &state,
        &format!("/api/v1/dashboards/{name}/tiles/tile-1/query"),
        "",
    )
    .await;
    assert!(
        r.json()["sql"].as_str().unwrap().contains("'Finished'"),
        "{}",
        r.json()["sql"]
    );

    // kept across a restart
    drop(state);
    let store = Store::open(&db).unwrap();
    let kept = store.dashboard(&name).await.unwrap().expect("stored");
    assert_eq!(
        (
            kept.dashboard.title.as_str(),
            kept.version,
            kept.dashboard.tiles[1].layout.unwrap().w
        ),
        ("Sales", 4, 12)
    );
    assert_eq!(store.schema_version().await.unwrap(), 5);
    drop(store);
    // a database from a newer boltic is refused, not guessed at
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&db).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooNew {
                found: 99,
                known: 5
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_share_link_opens_its_dashboard_and_nothing_else_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path(), ":memory:").await;
    let made = post(&state, "/api/v1/dashboards/fleet_utilisation/shares", "").await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let link = made.json();
    let token = link["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43, "256 bits, base64url");
    assert_eq!(link["path"], format!("/s/{token}"));
    assert_eq!(link["status"], "active");

    let d = with_token(
        &state,
        "GET",
        "/api/v1/dashboards/fleet_utilisation",
        &token,
        "",
    )
    .await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(
        (d.json()["editable"].as_bool(), d.json()["version"].clone()),
        (Some(false), Value::Null)
    );
    let tile = with_token(
        &state,
        "POST",
        "/api/v1/dashboards/fleet_utilisation/tiles/trips_by_manufacturer/query",
        &token,
        &json!({"filters": {"aeroplanes.manufacturer": "Boeing"}}).to_string(),
    )
    .await;
    assert_eq!(tile.status, StatusCode::OK, "{}", tile.json());
    // everything else is refused
    let q = json!({"explore": "orders", "fields": ["orders.revenue"]}).to_string();
    for (method, uri, body) in [
        ("POST", "/api/v1/query", q.as_str()),
        ("POST", "/api/v1/sql", q.as_str()),
        ("GET", "/api/v1/explores", ""),
        (
            "GET",
            "/api/v1/explores/orders/fields/orders.status/values",
            "",
        ),
        ("GET", "/api/v1/dashboards", ""),
        ("GET", "/api/v1/dashboards/revenue_overview", ""),
        (
            "POST",
            "/api/v1/dashboards/revenue_overview/tiles/total_revenue/query",
            "",
        ),
        ("GET", "/api/v1/dashboards/fleet_utilisation/shares", ""),
        ("POST", "/api/v1/dashboards/fleet_utilisation/shares", ""),
        ("POST", "/api/v1/dashboards", "{\"title\": \"mine\"}"),
    ] {
        with_token(&state, method, uri, &token, body)
            .await
            .error(StatusCode::FORBIDDEN, "forbidden");
    }
    // the page opens
    let page = get(&state, &format!("/s/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("referrer-policy"), "no-referrer");

    // revoke: the API refuses the token, the page is a friendly 404
    let id = link["id"].as_str().unwrap();
    let listed = get(&state, "/api/v1/dashboards/fleet_utilisation/shares")
        .await
        .json();
    assert_eq!(listed[0]["id"], id);
    assert!(
        listed[0].get("token").is_none(),
        "tokens are shown once only"
    );
    let revoked = delete(
        &state,
        &format!("/api/v1/dashboards/fleet_utilisation/shares/{id}"),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    with_token(
        &state,
        "GET",
        "/api/v1/dashboards/fleet_utilisation",
        &token,
        "",
    )
    .await
    .error(StatusCode::UNAUTHORIZED, "invalid_token");
    let page = get(&state, &format!("/s/{token}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("This link does not open anything"), "{html}");
    assert_eq!(
        get(&state, "/api/v1/dashboards/fleet_utilisation/shares")
            .await
            .json()[0]["status"],
        "revoked"
    );
    delete(&state, "/api/v1/dashboards/fleet_utilisation/shares/nope")
        .await
        .error(StatusCode::NOT_FOUND, "unknown_share");
    let page = get(&state, "/s/made-up-token").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // expiry: in the past is refused; a link that runs out answers 410
    post(
        &state,
        "/api/v1/dashboards/fleet_utilisation/shares",
        json!({"expires_at": "2020-01-01T00:00:00Z"}).to_string(),
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_expiry");
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(300)).to_rfc3339();
    let short = post(
        &state,
        "/api/v1/dashboards/fleet_utilisation/shares",
        json!({"expires_at": soon}).to_string(),
    )
    .await
    .json();
    let token = short["token"].as_str().unwrap();
    assert_eq!(
        get(&state, &format!("/s/{token}")).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let page = get(&state, &format!("/s/{token}")).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(String::from_utf8_lossy(&page.body).contains("expired"));
    with_token(
        &state,
        "GET",
        "/api/v1/dashboards/fleet_utilisation",
        token,
        "",
    )
    .await
    .error(StatusCode::GONE, "share_expired");

    // deleting an app dashboard ends its links
    let d = post(
        &state,
        "/api/v1/dashboards",
        json!({"title": "Temp"}).to_string(),
    )
    .await
    .json();
    let name = d["name"].as_str().unwrap();
    let link = post(&state, &format!("/api/v1/dashboards/{name}/shares"), "")
        .await
        .json();
    assert_eq!(
        delete(&state, &format!("/api/v1/dashboards/{name}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get(&state, link["path"].as_str().unwrap()).await.status,
        StatusCode::NOT_FOUND
    );
}
