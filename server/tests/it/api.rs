//! The HTTP API, driven through the router (tower `oneshot`, no socket) on real warehouses
//! built by the pipeline, plus one suite against a warehouse in a real S3 server (moto).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use boltic_pipeline::{Location, Progress};
use boltic_server::api::{self, AppState, ServeConfig};
use datafusion::arrow::ipc::reader::StreamReader;
use serde_json::{Value, json};

use crate::support::{Reply, admin_auth, build, get, local, post, project, seed_warehouse, send};

/// A warehouse of 50,000 generated orders, built once per test process.
fn generated_warehouse() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("api-50k-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let built = dir.clone();
        std::thread::spawn(move || {
            runtime.block_on(async {
                let raw = local(&built.join("raw"));
                boltic_pipeline::generate::generate(&raw, 50_000, 7, &Progress::hidden())
                    .await
                    .expect("generate");
                build(&raw, &local(&built.join("wh"))).await;
            })
        })
        .join()
        .expect("build thread");
        dir.join("wh")
    })
}

/// A server state over the seed warehouse built in `dir`.
pub async fn seed_state(dir: &Path) -> AppState {
    seed_warehouse(dir).await;
    app(cfg(&dir.join("wh"))).await
}

fn cfg(warehouse: &Path) -> ServeConfig {
    let mut config = ServeConfig::new(project(), warehouse.to_str().unwrap());
    config.poll_interval = Duration::ZERO;
    config.database = ":memory:".into();
    config
}

async fn app(config: ServeConfig) -> AppState {
    AppState::new(config).await.expect("state")
}

async fn query(state: &AppState, q: &Value) -> Reply {
    post(state, "/api/v1/query", q.to_string()).await
}

fn revenue_by_group() -> Value {
    json!({"explore": "orders",
           "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"],
           "sorts": [{"field": "orders.revenue", "desc": true}],
           "totals": true})
}

/// One value from hand-written SQL on the same warehouse.
pub async fn scalar(warehouse: &Location, sql: &str) -> f64 {
    let engine = boltic_server::engine::Engine::open(warehouse, 256 << 20)
        .await
        .unwrap();
    let batches = engine.run(sql).await.unwrap();
    let column = datafusion::arrow::compute::cast(
        batches[0].column(0),
        &datafusion::arrow::datatypes::DataType::Float64,
    )
    .unwrap();
    column
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Float64Array>()
        .unwrap()
        .value(0)
}

#[tokio::test]
async fn explores_are_listed_and_described() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;

    let list = get(&state, "/api/v1/explores").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["customers", "finished_orders", "orders", "trips"]);

    let orders = get(&state, "/api/v1/explores/orders").await.json();
    let fields = orders["fields"].as_array().unwrap();
    let revenue = fields
        .iter()
        .find(|f| f["name"] == "orders.revenue")
        .unwrap();
    assert_eq!(revenue["kind"], "measure");
    assert_eq!(revenue["view"], "orders");
    let group = fields
        .iter()
        .find(|f| f["name"] == "customers.customer_group_type")
        .unwrap();
    assert_eq!(
        (group["kind"].as_str(), group["type"].as_str()),
        (Some("dimension"), Some("string"))
    );
    assert_eq!(group["label"], "Group type");
    let month = fields
        .iter()
        .find(|f| f["name"] == "trips.start_month")
        .unwrap();
    assert_eq!(month["type"], "time");
    // dimensions come first
    let first_measure = fields.iter().position(|f| f["kind"] == "measure").unwrap();
    assert!(
        fields[first_measure..]
            .iter()
            .all(|f| f["kind"] == "measure")
    );
    // the field restriction of an explore holds
    let finished = get(&state, "/api/v1/explores/finished_orders").await.json();
    assert!(
        !finished["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "orders.order_id")
    );

    let missing = get(&state, "/api/v1/explores/ordrs").await;
    let body = missing.error(StatusCode::NOT_FOUND, "unknown_explore");
    assert!(body["hint"].as_str().unwrap().contains("orders"), "{body}");
}

#[tokio::test]
async fn query_returns_typed_rows_totals_and_the_sql() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;

    let reply = query(&state, &revenue_by_group()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.header("content-type"), "application/json");
    let body = reply.json();
    let rows = body["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        assert!(row["orders.revenue"].is_number(), "{row}");
        assert!(row["orders.order_count"].is_u64(), "{row}");
        let group = &row["customers.customer_group_type"];
        assert!(group.is_string() || group.is_null(), "{row}");
    }
    // customers without a group come back as JSON null, not "" or "null"
    assert!(
        rows.iter()
            .any(|r| r["customers.customer_group_type"].is_null())
    );
    // sorted by revenue, descending
    let revenues: Vec<f64> = rows
        .iter()
        .map(|r| r["orders.revenue"].as_f64().unwrap())
        .collect();
    assert!(revenues.windows(2).all(|w| w[0] >= w[1]), "{revenues:?}");
    // totals equal hand-written SQL
    let total = scalar(
        &local(&dir.path().join("wh")),
        "SELECT SUM(price_eur) FROM fact_orders",
    )
    .await;
    assert!((body["totals"]["orders.revenue"].as_f64().unwrap() - total).abs() < 1e-6);
    let count = scalar(
        &local(&dir.path().join("wh")),
        "SELECT COUNT(*) FROM fact_orders",
    )
    .await;
    assert_eq!(
        body["totals"]["orders.order_count"].as_f64().unwrap(),
        count
    );
    assert_eq!(body["row_count"], rows.len());
    assert_eq!(body["truncated"], false);
    assert!(body["sql"].as_str().unwrap().contains("SUM("));
    assert_eq!(body["fields"][1]["name"], "orders.revenue");
    assert_eq!(body["fields"][1]["kind"], "measure");
    assert!(body["timing"]["total_ms"].is_number());
    assert_eq!(
        body["warehouse_version"],
        reply.header("boltic-warehouse-version")
    );

    // times are ISO-8601 strings
    let times = query(
        &state,
        &json!({"explore": "trips", "fields": ["trips.start_raw", "trips.start_date", "trips.trip_id"],
                "sorts": [{"field": "trips.trip_id"}], "limit": 3}),
    )
    .await
    .json();
    let first = &times["rows"][0];
    for field in ["trips.start_raw", "trips.start_date"] {
        let text = first[field].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "{first}"
        );
    }
    assert_eq!(times["rows"].as_array().unwrap().len(), 3);

    // /sql compiles without running
    let sql = post(&state, "/api/v1/sql", revenue_by_group().to_string()).await;
    assert_eq!(sql.status, StatusCode::OK);
    let sql = sql.json();
    assert_eq!(sql["sql"], body["sql"]);
    assert!(sql["totals_sql"].is_string());
}

#[tokio::test]
async fn csv_and_arrow_carry_the_same_rows_as_json() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;
    let q = json!({"explore": "orders",
                   "fields": ["customers.customer_group_type", "trips.start_month", "orders.revenue", "orders.order_count"],
                   "sorts": [{"field": "trips.start_month"}, {"field": "orders.revenue", "desc": true}]});
    let answer = query(&state, &q).await.json();
    let rows = answer["rows"].as_array().unwrap().clone();
    assert!(rows.len() > 3);
    // revenue is shown in euros (`value_format_name: eur`); every download keeps raw numbers
    assert_eq!(answer["fields"][2]["value_format"], "€#,##0.00");
    let names = [
        "customers.customer_group_type",
        "trips.start_month",
        "orders.revenue",
        "orders.order_count",
    ];
    let as_text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => format!("{:.2}", n.as_f64().unwrap()),
        other => other.to_string(),
    };
    let expected: Vec<Vec<String>> = rows
        .iter()
        .map(|r| names.iter().map(|n| as_text(&r[*n])).collect())
        .collect();

    // CSV by ?format=
    let csv = post(&state, "/api/v1/query?format=csv", q.to_string()).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(!String::from_utf8_lossy(&csv.body).contains('€'));
    let mut reader = csv::Reader::from_reader(&csv.body[..]);
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), names);
    let parsed: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|cell| match cell.parse::<f64>() {
                    Ok(x) => format!("{x:.2}"),
                    Err(_) => cell.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(parsed, expected);

    // Arrow IPC by Accept
    let arrow = send(
        &state,
        Request::post("/api/v1/query")
            .header(header::AUTHORIZATION, admin_auth(&state).await)
            .header(header::ACCEPT, "application/vnd.apache.arrow.stream")
            .body(Body::from(q.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(arrow.status, StatusCode::OK);
    assert_eq!(
        arrow.header("content-type"),
        "application/vnd.apache.arrow.stream"
    );
    let reader = StreamReader::try_new(std::io::Cursor::new(arrow.body.to_vec()), None).unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    let from_arrow = serde_json::from_str::<Value>(
        boltic_server::api::answer::json_rows(&batches)
            .unwrap()
            .get(),
    )
    .unwrap();
    assert_eq!(from_arrow.as_array().unwrap(), &rows);

    // an empty result still has its columns
    let none = json!({"explore": "orders", "fields": ["orders.status", "orders.revenue"],
                      "filters": {"orders.status": "no such status"}});
    let csv = post(&state, "/api/v1/query?format=csv", none.to_string()).await;
    assert_eq!(
        String::from_utf8_lossy(&csv.body).trim(),
        "orders.status,orders.revenue"
    );
    let arrow = post(&state, "/api/v1/query?format=arrow", none.to_string()).await;
    let reader = StreamReader::try_new(std::io::Cursor::new(arrow.body.to_vec()), None).unwrap();
    assert_eq!(reader.schema().fields().len(), 2);
    assert_eq!(reader.map(|b| b.unwrap().num_rows()).sum::<usize>(), 0);
    let json = query(&state, &none).await.json();
    assert_eq!(json["rows"], json!([]));

    let bad = post(&state, "/api/v1/query?format=xml", q.to_string()).await;
    bad.error(StatusCode::BAD_REQUEST, "unsupported_format");
}

#[tokio::test]
async fn results_are_cached_until_bypassed() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;
    let q = revenue_by_group();
    let first = query(&state, &q).await;
    assert_eq!(
        (first.header("boltic-cache"), first.json()["cache"].as_str()),
        ("miss", Some("miss"))
    );
    let second = query(&state, &q).await;
    assert_eq!(second.header("boltic-cache"), "hit");
    assert_eq!(first.json()["rows"], second.json()["rows"]);
    // the same query spelled differently compiles to the same SQL: a hit
    let mut respelled = q.clone();
    respelled["filters"] = json!([]);
    assert_eq!(
        query(&state, &respelled).await.header("boltic-cache"),
        "hit"
    );
    let bypass = send(
        &state,
        Request::post("/api/v1/query")
            .header(header::AUTHORIZATION, admin_auth(&state).await)
            .header(header::CACHE_CONTROL, "no-cache")
            .body(Body::from(q.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(bypass.header("boltic-cache"), "bypass");
    let bypass = post(&state, "/api/v1/query?cache=false", q.to_string()).await;
    assert_eq!(bypass.header("boltic-cache"), "bypass");
    assert_eq!(bypass.json()["rows"], first.json()["rows"]);

    // the cache stays within its bytes
    let mut small = cfg(&dir.path().join("wh"));
    small.cache_bytes = 8 << 10;
    let small = app(small).await;
    for city in [
        "Paris", "Rome", "Oslo", "Riga", "Lima", "Cairo", "Tokyo", "Quito",
    ] {
        let q = json!({"explore": "orders", "fields": ["orders.order_id", "orders.price_eur"],
                       "filters": {"orders.origin_city": format!("-{city}")}});
        assert_eq!(query(&small, &q).await.status, StatusCode::OK);
        assert!(small.cache.usage().1 <= 8 << 10);
    }
}

#[tokio::test]
async fn client_mistakes_get_stable_codes_and_statuses() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;

    let reply = post(
        &state,
        "/api/v1/query",
        "{\"explore\": \"orders\",\n \"fields\": [",
    )
    .await;
    let body = reply.error(StatusCode::BAD_REQUEST, "invalid_query");
    assert_eq!(body["location"]["line"], 2, "{body}");
    let reply = post(
        &state,
        "/api/v1/query",
        r#"{"explore": "orders", "feilds": []}"#,
    )
    .await;
    let body = reply.error(StatusCode::BAD_REQUEST, "invalid_query");
    assert!(
        body["message"].as_str().unwrap().contains("feilds"),
        "{body}"
    );

    let reply = query(
        &state,
        &json!({"explore": "nope", "fields": ["orders.revenue"]}),
    )
    .await;
    reply.error(StatusCode::NOT_FOUND, "unknown_explore");
    let reply = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.revnue"]}),
    )
    .await;
    let body = reply.error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field");
    assert_eq!(body["hint"], "did you mean 'orders.revenue'?");
    let reply = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.revenue"], "filters": {"orders.price_eur": ">=abc"}}),
    )
    .await;
    let body = reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    assert_eq!(
        body["location"],
        json!({"field": "orders.price_eur", "offset": 2})
    );
    let reply = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.revenue"], "timezone": "Mars/Olympus"}),
    )
    .await;
    reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_timezone");
    let reply = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.revenue"], "limit": 1_000_000}),
    )
    .await;
    let body = reply.error(StatusCode::PAYLOAD_TOO_LARGE, "row_limit_exceeded");
    assert!(body["hint"].as_str().unwrap().contains("50000"), "{body}");
    let huge = format!(
        r#"{{"explore": "orders", "fields": ["{}"]}}"#,
        "x".repeat(2 << 20)
    );
    post(&state, "/api/v1/query", huge)
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    get(&state, "/api/v1/nothing")
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    get(&state, "/api/v1/query")
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    get(
        &state,
        "/api/v1/explores/orders/fields/orders.revenue/values",
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "not_a_dimension");
    post(
        &state,
        "/api/v1/sql",
        r#"{"explore": "orders", "fields": ["orders.nope"]}"#,
    )
    .await
    .error(StatusCode::UNPROCESSABLE_ENTITY, "unknown_field");

    // every error was counted by code
    let metrics = String::from_utf8(get(&state, "/metrics").await.body.to_vec()).unwrap();
    for code in [
        "invalid_query",
        "unknown_explore",
        "unknown_field",
        "invalid_filter",
        "row_limit_exceeded",
        "not_found",
    ] {
        assert!(
            metrics.contains(&format!("boltic_errors_total{{code=\"{code}\"}}")),
            "{code} missing in\n{metrics}"
        );
    }
}

#[tokio::test]
async fn long_results_are_truncated_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let mut config = cfg(&dir.path().join("wh"));
    config.max_rows = 5;
    let state = app(config).await;
    let q = json!({"explore": "orders", "fields": ["orders.order_id"], "sorts": [{"field": "orders.order_id"}]});
    let reply = query(&state, &q).await;
    let body = reply.json();
    assert_eq!(body["rows"].as_array().unwrap().len(), 5);
    assert_eq!(
        (body["truncated"].as_bool(), body["row_count"].as_u64()),
        (Some(true), Some(5))
    );
    assert_eq!(reply.header("boltic-truncated"), "true");
    let csv = post(&state, "/api/v1/query?format=csv", q.to_string()).await;
    assert_eq!(csv.header("boltic-truncated"), "true");
    assert_eq!(String::from_utf8_lossy(&csv.body).lines().count(), 6);
    // an explicit limit within the cap is not truncation
    let mut limited = q.clone();
    limited["limit"] = json!(5);
    assert_eq!(query(&state, &limited).await.json()["truncated"], false);
    limited["limit"] = json!(6);
    query(&state, &limited)
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "row_limit_exceeded");
}

#[tokio::test]
async fn field_values_suggest_filters() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;
    let all = get(
        &state,
        "/api/v1/explores/orders/fields/orders.status/values",
    )
    .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.json());
    let all = all.json();
    let values: Vec<&str> = all["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut sorted = values.clone();
    sorted.sort();
    assert_eq!(values, sorted);
    assert!(values.contains(&"Finished"), "{values:?}");
    let some = get(
        &state,
        "/api/v1/explores/orders/fields/orders.status/values?q=Fin",
    )
    .await
    .json();
    assert_eq!(some["values"], json!(["Finished"]));
    let one = get(
        &state,
        "/api/v1/explores/orders/fields/orders.status/values?limit=1",
    )
    .await
    .json();
    assert_eq!(
        (
            one["values"].as_array().unwrap().len(),
            one["truncated"].as_bool()
        ),
        (1, Some(true))
    );
    get(&state, "/api/v1/explores/nope/fields/orders.status/values")
        .await
        .error(StatusCode::NOT_FOUND, "unknown_explore");

    // a text field's values are searched in the suggestion index, read once for this version
    // (the first request above); every search after it is answered from it, cache=false too
    let uri = "/api/v1/explores/orders/fields/orders.status/values?q=Boo";
    let first = get(&state, uri).await;
    assert_eq!(first.json()["values"], json!(["Booked"]));
    assert_eq!(first.header("boltic-cache"), "hit");
    let uncached = get(&state, &format!("{uri}&cache=false")).await;
    assert_eq!(uncached.json()["values"], json!(["Booked"]));
    assert_eq!(uncached.header("boltic-cache"), "hit");
    let auth = admin_auth(&state).await;
    let no_cache = send(
        &state,
        Request::get(uri)
            .header(header::AUTHORIZATION, auth)
            .header(header::CACHE_CONTROL, "no-cache")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(no_cache.json()["values"], json!(["Booked"]));
    assert_eq!(no_cache.header("boltic-cache"), "hit");

    // other fields (a tier, numbers) are queries like any other: the result cache, skipped
    // the same ways
    let uri = "/api/v1/explores/orders/fields/orders.price_tier/values?q=1000";
    let first = get(&state, uri).await;
    let tiers = first.json()["values"].clone();
    assert!(
        tiers.as_array().is_some_and(
            |t| !t.is_empty() && t.iter().all(|v| v.as_str().unwrap().contains("1000"))
        ),
        "{tiers}"
    );
    assert_eq!(first.header("boltic-cache"), "miss");
    assert_eq!(get(&state, uri).await.header("boltic-cache"), "hit");
    let uncached = get(&state, &format!("{uri}&cache=false")).await;
    assert_eq!(uncached.json()["values"], tiers);
    assert_eq!(uncached.header("boltic-cache"), "bypass");
}

/// Searching the suggestion index gives what searching with SQL gives: a server without a
/// cache keeps no lists, and one returning at most three rows keeps only lists of two values,
/// so both search most fields with SQL. Same values, same order, NULLs and LIKE's special
/// characters included.
#[tokio::test]
async fn suggestions_from_the_index_equal_suggestions_from_sql() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let indexed = app(cfg(&dir.path().join("wh"))).await;
    let mut uncached = cfg(&dir.path().join("wh"));
    uncached.cache_bytes = 0;
    let uncached = app(uncached).await;
    let mut capped = cfg(&dir.path().join("wh"));
    capped.max_rows = 3;
    let capped = app(capped).await;

    // the first search of a field not read yet is answered with SQL (the result cache's
    // status), and the field's values are read after it for the searches that follow: the
    // very next one, sent at once, waits for that read (no second scan beside it)
    let uri = "/api/v1/explores/orders/fields/orders.origin_city/values?q=a";
    let first = get(&indexed, uri).await;
    assert_eq!(first.header("boltic-cache"), "miss");
    let next = get(&indexed, &format!("{uri}&cache=false")).await;
    assert_eq!(next.json(), first.json());
    assert_eq!(next.header("boltic-cache"), "hit");

    let mut searched_with_sql = 0;
    for field in [
        "orders.destination_city",
        "orders.origin_city",
        "customers.name",
        "customers.customer_group_type",
        "orders.seat_no",
    ] {
        for q in ["", "a", "an", "e", "Ber", "%", "_", "\\", "zzz", " "] {
            let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let uri = format!("/api/v1/explores/orders/fields/{field}/values?limit=2&q={q}");
            let from_index = get(&indexed, &uri).await;
            assert_eq!(
                from_index.status,
                StatusCode::OK,
                "{uri}: {}",
                from_index.json()
            );
            for other in [&uncached, &capped] {
                let reply = get(other, &uri).await;
                assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.json());
                searched_with_sql += usize::from(reply.header("boltic-cache") != "hit");
                assert_eq!(from_index.json(), reply.json(), "{uri}");
            }
        }
        // the index read each field's list once
        let again = get(
            &indexed,
            &format!("/api/v1/explores/orders/fields/{field}/values?q=o"),
        )
        .await;
        assert_eq!(again.header("boltic-cache"), "hit", "{field}");
    }
    // every search of the uncached server, and the capped server's of fields with many values
    assert!(searched_with_sql >= 70, "{searched_with_sql}");
}

#[tokio::test]
async fn health_ready_metrics_and_openapi() {
    let dir = tempfile::tempdir().unwrap();
    // no warehouse yet: alive but not ready, queries answer 503 with the fix
    let empty = dir.path().join("empty");
    let state = app(cfg(&empty)).await;
    assert_eq!(get(&state, "/api/v1/health").await.status, StatusCode::OK);
    let ready = get(&state, "/api/v1/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        ready.json()["warehouse_problem"]
            .as_str()
            .unwrap()
            .contains("boltic pipeline run")
    );
    let reply = query(&state, &revenue_by_group()).await;
    let body = reply.error(StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    assert!(
        body["hint"]
            .as_str()
            .unwrap()
            .contains("boltic pipeline run"),
        "{body}"
    );
    assert_eq!(reply.header("retry-after"), "5");

    // once published, a reload makes it ready
    build(&local(&project().join("raw")), &local(&empty)).await;
    let reloaded = post(&state, "/api/v1/admin/reload", "").await;
    assert_eq!(reloaded.status, StatusCode::OK);
    let ready = get(&state, "/api/v1/ready").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.json()["warehouse_version"].is_string());

    query(&state, &revenue_by_group()).await;
    query(&state, &revenue_by_group()).await;
    let metrics = get(&state, "/metrics").await;
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    for needle in [
        "boltic_queries_total{format=\"json\",cache=\"miss\"} 1",
        "boltic_queries_total{format=\"json\",cache=\"hit\"} 1",
        "boltic_cache_hits_total 1",
        "boltic_cache_misses_total 1",
        "boltic_query_duration_seconds_bucket",
        "boltic_errors_total{code=\"not_ready\"} 1",
        "boltic_running_queries 0",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
    let rows = text
        .lines()
        .find_map(|l| l.strip_prefix("boltic_rows_returned_total "))
        .unwrap();
    assert!(rows.parse::<u64>().unwrap() >= 2);

    let doc = get(&state, "/api/v1/openapi.json").await.json();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/query",
        "/api/v1/sql",
        "/api/v1/explores",
        "/api/v1/explores/{explore}",
        "/api/v1/explores/{explore}/fields/{field}/values",
        "/api/v1/health",
        "/api/v1/ready",
        "/api/v1/admin/reload",
        "/metrics",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Query"].is_object());
}

#[tokio::test]
async fn a_new_warehouse_version_is_served_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let wh = seed_warehouse(dir.path()).await;
    let mut config = cfg(&dir.path().join("wh"));
    config.poll_interval = Duration::from_millis(50);
    let state = app(config).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(state.clone().watch(async {
        let _ = stopped.await;
    }));
    let q = json!({"explore": "orders", "fields": ["orders.order_count"]});
    let before = query(&state, &q).await.json();
    assert_eq!(before["rows"][0]["orders.order_count"], 20);
    assert_eq!(query(&state, &q).await.header("boltic-cache"), "hit");
    let cities_uri = "/api/v1/explores/orders/fields/orders.destination_city/values?limit=1000";
    let cities_before = get(&state, cities_uri).await.json();
    assert_eq!(get(&state, cities_uri).await.header("boltic-cache"), "hit");

    // publish 500 generated orders into the same warehouse while the server runs
    let raw = local(&dir.path().join("raw2"));
    boltic_pipeline::generate::generate(&raw, 500, 1, &Progress::hidden())
        .await
        .unwrap();
    build(&raw, &wh).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = get(&state, "/api/v1/ready").await.json();
        if now["warehouse_version"] != before["warehouse_version"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new version was not picked up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let after = query(&state, &q).await;
    assert_eq!(after.header("boltic-cache"), "miss");
    assert_eq!(after.json()["rows"][0]["orders.order_count"], 500);
    // suggestions are read again from the new version, not kept from the old
    let cities = get(&state, cities_uri).await;
    assert_eq!(cities.header("boltic-cache"), "miss");
    assert_ne!(cities.json()["values"], cities_before["values"]);
    stop.send(()).unwrap();
    watcher.await.unwrap();
}

#[tokio::test]
async fn a_version_that_does_not_read_whole_is_skipped_and_said_in_ready() {
    let dir = tempfile::tempdir().unwrap();
    let wh = seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;
    let q = json!({"explore": "orders", "fields": ["orders.order_count"]});
    let first = get(&state, "/api/v1/ready").await.json()["warehouse_version"].clone();
    let readers = |wh: Location| async move {
        let mut held = String::new();
        for file in wh.list_files("_boltic/readers").await.unwrap() {
            held.push_str(&String::from_utf8_lossy(
                &wh.read_optional(&file.path).await.unwrap().unwrap(),
            ));
        }
        held
    };
    assert!(
        readers(wh.clone()).await.contains(first.as_str().unwrap()),
        "the server records the version it reads"
    );

    // A new version whose orders file is gone (a broken disk, a lagging copy, a wrong delete).
    let raw = local(&dir.path().join("raw2"));
    boltic_pipeline::generate::generate(&raw, 500, 1, &Progress::hidden())
        .await
        .unwrap();
    build(&raw, &wh).await;
    let broken = boltic_pipeline::Warehouse::new(wh.clone())
        .current()
        .await
        .unwrap()
        .unwrap();
    let file = &broken.tables["fact_orders"].files.as_ref().unwrap()[0];
    wh.delete(&file.path).await.unwrap();
    assert_eq!(
        post(&state, "/api/v1/admin/reload", "").await.status,
        StatusCode::OK
    );
    let ready = get(&state, "/api/v1/ready").await;
    assert_eq!(
        ready.status,
        StatusCode::OK,
        "still ready on the good version"
    );
    let ready = ready.json();
    assert_eq!(ready["warehouse_version"], first);
    let problem = ready["warehouse_problem"].as_str().unwrap();
    assert!(
        problem.contains(&format!(
            "version '{}' (manifest 2) is incomplete",
            broken.version
        )) && problem.contains("of table 'fact_orders' is missing")
            && problem.contains(&format!("serving version '{}'", first.as_str().unwrap())),
        "{problem}"
    );
    assert_eq!(
        query(&state, &q).await.json()["rows"][0]["orders.order_count"],
        20
    );

    // The next run publishes a whole version: served, and the problem is gone.
    build(&raw, &wh).await;
    post(&state, "/api/v1/admin/reload", "").await;
    let ready = get(&state, "/api/v1/ready").await.json();
    assert_ne!(ready["warehouse_version"], first);
    assert!(ready["warehouse_problem"].is_null(), "{ready}");
    assert_eq!(
        query(&state, &q).await.json()["rows"][0]["orders.order_count"],
        500
    );
    assert!(
        readers(wh.clone())
            .await
            .contains(ready["warehouse_version"].as_str().unwrap())
    );
}

#[tokio::test]
async fn a_model_with_errors_never_replaces_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    // a copy of the demo project the test can edit
    let copy = dir.path().join("project");
    std::fs::create_dir_all(copy.join("semantic")).unwrap();
    for f in ["views.yml", "explores.yml"] {
        std::fs::copy(
            project().join("semantic").join(f),
            copy.join("semantic").join(f),
        )
        .unwrap();
    }
    let mut config = cfg(&dir.path().join("wh"));
    config.project = copy.clone();
    config.poll_interval = Duration::from_millis(50);
    let state = app(config).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(state.clone().watch(async {
        let _ = stopped.await;
    }));
    let views = copy.join("semantic/views.yml");
    let original = std::fs::read_to_string(&views).unwrap();

    // break the model: the old one keeps answering, the errors are reported
    std::fs::write(
        &views,
        original.replace("sql_table_name: fact_orders", "sql_table_name: ["),
    )
    .unwrap();
    let reload = post(&state, "/api/v1/admin/reload", "").await;
    let body = reload.error(StatusCode::UNPROCESSABLE_ENTITY, "model_invalid");
    assert!(
        body["location"]["errors"][0]
            .as_str()
            .unwrap()
            .contains("views.yml"),
        "{body}"
    );
    assert_eq!(
        query(&state, &revenue_by_group()).await.status,
        StatusCode::OK
    );
    let ready = get(&state, "/api/v1/ready").await.json();
    assert_eq!(ready["ready"], true);
    assert!(
        ready["model_problem"]["errors"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{ready}"
    );

    // a fixed file with a new measure is picked up by the watcher, no request needed
    let generation = ready["model_generation"].as_u64().unwrap();
    std::fs::write(
        &views,
        original.replace(
            "      - name: revenue\n",
            "      - name: seats_sold\n        type: count_distinct\n        sql: ${seat_no}\n      - name: revenue\n",
        ),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = get(&state, "/api/v1/ready").await.json();
        if ready["model_generation"].as_u64() > Some(generation) {
            assert!(ready["model_problem"].is_null(), "{ready}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the fixed model was not picked up: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reply = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.seats_sold"]}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    stop.send(()).unwrap();
    watcher.await.unwrap();
}

/// A query heavy enough to take a while on 50,000 orders: the fan-out measure over all orders.
fn heavy() -> Value {
    json!({"explore": "trips",
           "fields": ["orders.order_id", "orders.customer_id", "trips.seats_offered", "orders.distinct_customers"],
           "sorts": [{"field": "orders.order_id"}], "limit": 50000})
}

#[tokio::test]
async fn a_query_over_the_timeout_is_cancelled() {
    let wh = generated_warehouse();
    let mut config = cfg(wh);
    config.query_timeout = Duration::from_millis(1);
    let state = app(config).await;
    let reply = post(&state, "/api/v1/query?cache=false", heavy().to_string()).await;
    let body = reply.error(StatusCode::GATEWAY_TIMEOUT, "query_timeout");
    assert!(body["message"].as_str().unwrap().contains("1 ms"), "{body}");
    // cancelled means DataFusion let go of its memory and stopped counting as running
    let deadline = Instant::now() + Duration::from_secs(10);
    while state.runtime().memory_pool.reserved() > 0 {
        assert!(
            Instant::now() < deadline,
            "the query kept its memory after the timeout"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let metrics = String::from_utf8(get(&state, "/metrics").await.body.to_vec()).unwrap();
    assert!(metrics.contains("boltic_running_queries 0"), "{metrics}");
    assert!(metrics.contains("boltic_errors_total{code=\"query_timeout\"} 1"));
}

#[tokio::test]
async fn a_query_over_the_memory_limit_is_refused_and_the_server_goes_on() {
    let wh = generated_warehouse();
    let mut config = cfg(wh);
    config.memory_limit = 256 << 10;
    let state = app(config).await;
    let reply = post(&state, "/api/v1/query?cache=false", heavy().to_string()).await;
    let body = reply.error(StatusCode::SERVICE_UNAVAILABLE, "memory_limit_exceeded");
    assert!(
        body["hint"].as_str().unwrap().contains("memory_mib"),
        "{body}"
    );
    assert!(
        !body.to_string().contains("DataFusion"),
        "internals leaked: {body}"
    );
    // a small query still runs
    let small = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.order_count"]}),
    )
    .await;
    assert_eq!(small.status, StatusCode::OK, "{}", small.json());
}

#[tokio::test]
async fn a_saturated_server_answers_429() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let mut config = cfg(&dir.path().join("wh"));
    config.max_concurrent_queries = 2;
    let state = app(config).await;
    // two queries are running: hold both slots
    let held = state
        .query_slots
        .clone()
        .acquire_many_owned(2)
        .await
        .unwrap();
    let reply = query(&state, &revenue_by_group()).await;
    reply.error(StatusCode::TOO_MANY_REQUESTS, "overloaded");
    assert_eq!(reply.header("retry-after"), "1");
    // endpoints that run nothing still answer
    assert_eq!(get(&state, "/api/v1/explores").await.status, StatusCode::OK);
    drop(held);
    assert_eq!(
        query(&state, &revenue_by_group()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn shutdown_finishes_running_requests() {
    let wh = generated_warehouse();
    let state = app(cfg(wh)).await;
    let auth = admin_auth(&state).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(api::serve_on(listener, state, async {
        let _ = stopped.await;
    }));
    let request = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let body = heavy().to_string();
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "POST /api/v1/query HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        String::from_utf8_lossy(&response).to_string()
    });
    // shut down while the query runs
    tokio::time::sleep(Duration::from_millis(30)).await;
    stop.send(()).unwrap();
    let response = request.await.unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "{}",
        &response[..response.len().min(300)]
    );
    assert!(response.contains("\"row_count\":50000"));
    server.await.unwrap().unwrap();
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening after shutdown"
    );
}

#[tokio::test]
async fn serves_a_warehouse_in_s3() {
    let moto = boltic_pipeline::testing::Moto::start();
    moto.create_bucket("warehouse");
    let wh = moto.location("s3://warehouse/air_boltic");
    build(&local(&project().join("raw")), &wh).await;
    let mut config = ServeConfig::new(project(), "s3://warehouse/air_boltic");
    config.database = ":memory:".into();
    let state = AppState::with_warehouse(config, wh).await.unwrap();
    let reply = query(&state, &revenue_by_group()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let s3_rows = reply.json()["rows"].clone();

    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let local_state = app(cfg(&dir.path().join("wh"))).await;
    assert_eq!(
        query(&local_state, &revenue_by_group()).await.json()["rows"],
        s3_rows
    );
    let csv = post(
        &state,
        "/api/v1/query?format=csv",
        revenue_by_group().to_string(),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let values = get(
        &state,
        "/api/v1/explores/orders/fields/orders.status/values",
    )
    .await;
    assert!(
        values.json()["values"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    );
}

/// Odd and hostile bodies: each gets a 4xx with a code, never a 500 or a dropped connection.
#[tokio::test]
async fn no_client_input_gets_a_500() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let mut deep_filter = json!({"orders.status": "Finished"});
    for _ in 0..200 {
        deep_filter = json!({"and": [deep_filter]});
    }
    let bodies = [
        String::new(),
        "null".into(),
        "[]".into(),
        "\"orders\"".into(),
        "{\"explore\": 7}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.revenue\"], \"limit\": -1}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.revenue\"], \"limit\": 1e400}".into(),
        "{\"explore\": \"orders\", \"fields\": []}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"\"]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.\"]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"..\"]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.revenue\\u0000\"]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.revenue\"], \"offset\": 18446744073709551615}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.status\"], \"filters\": {\"orders.status\": \"'; DROP TABLE fact_orders; --\"}}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.status\"], \"filters\": {\"orders.price_eur\": \"[5,\"}}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.status\"], \"filters\": [{\"field\": \"orders.price_eur\", \"op\": \"between\", \"values\": [1]}]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.status\"], \"filters\": [{\"field\": \"orders.price_eur\", \"op\": \"gt\", \"values\": [{\"a\": 1}]}]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.status\"], \"sorts\": [{\"field\": \"orders.revenue\"}]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"orders.status\"], \"pivots\": [\"orders.revenue\"]}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"trips.start_date\"], \"filters\": {\"trips.start_date\": \"last 99999999999 days\"}}".into(),
        "{\"explore\": \"orders\", \"fields\": [\"trips.start_date\"], \"filters\": {\"trips.start_date\": \"9999-99-99\"}}".into(),
        deep_json,
        json!({"explore": "orders", "fields": ["orders.status"], "filters": [deep_filter]}).to_string(),
        "\u{feff}{}".into(),
    ];
    for body in bodies {
        for path in ["/api/v1/query", "/api/v1/sql", "/api/v1/query?format=csv"] {
            let reply = post(&state, path, body.clone()).await;
            let shown = &body[..body.len().min(120)];
            assert!(
                reply.status.is_client_error() || reply.status.is_success(),
                "{path} {shown}: {} {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
            if reply.status.is_client_error() {
                let error = reply.json();
                assert!(
                    error["code"].is_string() && error["hint"].is_string(),
                    "{shown}: {error}"
                );
            }
        }
    }
    // the data is still there
    let count = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.order_count"]}),
    )
    .await;
    assert_eq!(count.json()["rows"][0]["orders.order_count"], 20);
}

/// The remaining documented codes, each from the request that causes it.
#[tokio::test]
async fn every_query_code_in_the_docs_is_produced() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let state = app(cfg(&dir.path().join("wh"))).await;
    let cases = [
        (json!({"explore": "orders", "fields": []}), "empty_query"),
        (
            json!({"explore": "orders", "fields": ["orders.revenue"], "sorts": [{"field": "orders.status"}]}),
            "invalid_sort",
        ),
        (
            json!({"explore": "orders", "fields": ["orders.status", "orders.revenue"], "pivots": ["orders.revenue"]}),
            "invalid_pivot",
        ),
        (
            json!({"explore": "finished_orders", "fields": ["orders.order_id"]}),
            "field_not_allowed",
        ),
        (
            json!({"explore": "orders", "fields": ["orders.status", "orders.revenue"],
                   "filters": [{"or": [{"orders.status": "Finished"}, {"orders.revenue": ">100"}]}]}),
            "mixed_filter",
        ),
    ];
    let docs = std::fs::read_to_string(project().join("../../docs/api.md")).unwrap();
    for (q, code) in cases {
        let reply = query(&state, &q).await;
        let body = reply.error(StatusCode::UNPROCESSABLE_ENTITY, code);
        assert!(body["hint"].is_string(), "{body}");
        assert!(
            docs.contains(&format!("`{code}`")),
            "'{code}' is not in docs/api.md"
        );
    }

    // a model that names a column the warehouse lacks: the operator's mistake, a 500 with the
    // fix, and nothing of DataFusion's message
    let copy = dir.path().join("project");
    std::fs::create_dir_all(copy.join("semantic")).unwrap();
    std::fs::copy(
        project().join("semantic/explores.yml"),
        copy.join("semantic/explores.yml"),
    )
    .unwrap();
    let views = std::fs::read_to_string(project().join("semantic/views.yml")).unwrap();
    std::fs::write(
        copy.join("semantic/views.yml"),
        views.replace(
            "      - name: seat_no\n",
            "      - name: gate\n        sql: ${TABLE}.gate_no\n      - name: seat_no\n",
        ),
    )
    .unwrap();
    let mut config = cfg(&dir.path().join("wh"));
    config.project = copy;
    let broken = app(config).await;
    let reply = query(
        &broken,
        &json!({"explore": "orders", "fields": ["orders.gate"]}),
    )
    .await;
    let body = reply.error(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(
        body["hint"].as_str().unwrap().contains("boltic validate"),
        "{body}"
    );
    assert!(
        !body.to_string().contains("gate_no"),
        "internals leaked: {body}"
    );
}

/// `COUNT(DISTINCT)` by a group key runs as per-group distinct sets: the engine drops
/// DataFusion's rewrite to two GROUP BYs (slower on every shape measured, see engine.rs), and
/// the answer still equals the two-level form written by hand.
#[tokio::test]
async fn count_distinct_is_planned_without_the_two_level_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = seed_warehouse(dir.path()).await;
    let engine = boltic_server::engine::Engine::open(&warehouse, 256 << 20)
        .await
        .unwrap();
    let sql = "SELECT destination_city, COUNT(DISTINCT customer_id) AS n FROM fact_orders GROUP BY destination_city ORDER BY destination_city";
    let plan = datafusion::arrow::util::pretty::pretty_format_batches(
        &engine.run(&format!("EXPLAIN {sql}")).await.unwrap(),
    )
    .unwrap()
    .to_string();
    assert!(plan.contains("count(DISTINCT"), "{plan}");
    assert!(
        !plan.contains("alias1"),
        "the single-distinct rewrite is back:\n{plan}"
    );
    let direct = engine.run(sql).await.unwrap();
    let two_level = engine
        .run("SELECT destination_city, COUNT(customer_id) AS n FROM (SELECT DISTINCT destination_city, customer_id FROM fact_orders) GROUP BY destination_city ORDER BY destination_city")
        .await
        .unwrap();
    let show = |b| {
        datafusion::arrow::util::pretty::pretty_format_batches(b)
            .unwrap()
            .to_string()
    };
    assert_eq!(show(&direct), show(&two_level));
}

/// Tiers and month names are grouped by a small integer and labelled once per group: the same
/// counts as hand-written SQL, sorted in their own order (tiers low to high, months from
/// January), filterable by their labels, in a plain and in a fanned-out explore.
#[tokio::test]
async fn tiers_and_month_names_count_filter_and_sort_in_their_own_order() {
    let wh = generated_warehouse();
    let warehouse = local(wh);
    let state = app(cfg(wh)).await;
    let tiers = ["< 500", "[500, 1000)", "[1000, 2000)", ">= 2000"];
    let ranges = [
        "price_eur < 500",
        "price_eur >= 500 AND price_eur < 1000",
        "price_eur >= 1000 AND price_eur < 2000",
        "price_eur >= 2000",
    ];
    let labels = |body: &Value, field: &str| -> Vec<String> {
        body["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r[field].as_str().unwrap_or("null").to_string())
            .collect()
    };
    for desc in [false, true] {
        let body = query(
            &state,
            &json!({"explore": "orders", "fields": ["orders.price_tier", "orders.order_count"],
                    "sorts": [{"field": "orders.price_tier", "desc": desc}]}),
        )
        .await
        .json();
        let mut expected: Vec<String> = tiers.iter().map(|t| t.to_string()).collect();
        if desc {
            expected.reverse();
        }
        assert_eq!(labels(&body, "orders.price_tier"), expected, "{body}");
        for row in body["rows"].as_array().expect("rows") {
            let i = tiers
                .iter()
                .position(|t| row["orders.price_tier"] == *t)
                .expect("a tier");
            let sql = format!(
                "SELECT COUNT(order_id) FROM fact_orders WHERE {}",
                ranges[i]
            );
            assert_eq!(
                row["orders.order_count"].as_f64(),
                Some(scalar(&warehouse, &sql).await),
                "{row}"
            );
        }
    }
    // a filter on a label (a structured condition: the labels hold commas)
    let sql = format!(
        "SELECT COUNT(order_id) FROM fact_orders WHERE {}",
        ranges[1]
    );
    let filtered = query(
        &state,
        &json!({"explore": "orders", "fields": ["orders.order_count"],
                "filters": [{"field": "orders.price_tier", "op": "equals", "values": [tiers[1]]}]}),
    )
    .await
    .json();
    assert_eq!(
        filtered["rows"][0]["orders.order_count"].as_f64(),
        Some(scalar(&warehouse, &sql).await),
        "{filtered}"
    );
    // a joined view's tier in an explore where orders fan out, sorted by tier
    let fanned = query(
        &state,
        &json!({"explore": "trips",
                "fields": ["aeroplanes.seat_tier", "trips.trip_count", "orders.order_count"],
                "sorts": [{"field": "aeroplanes.seat_tier"}]}),
    )
    .await
    .json();
    assert!(
        fanned["sql"].as_str().unwrap_or("").contains("__agg"),
        "{fanned}"
    );
    let seat_tiers = ["< 100", "[100, 200)", "[200, 300)", ">= 300"];
    let got = labels(&fanned, "aeroplanes.seat_tier");
    let mut positions: Vec<usize> = got
        .iter()
        .map(|l| seat_tiers.iter().position(|t| t == l).expect("a seat tier"))
        .collect();
    assert!(positions.len() >= 2, "{fanned}");
    let sorted = {
        positions.sort_unstable();
        positions.clone()
    };
    assert_eq!(
        got,
        sorted
            .iter()
            .map(|&i| seat_tiers[i].to_string())
            .collect::<Vec<_>>()
    );
    let trips: f64 = fanned["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["trips.trip_count"].as_f64())
        .sum();
    assert_eq!(
        trips,
        scalar(&warehouse, "SELECT COUNT(trip_id) FROM fact_trips").await
    );
    // month names in calendar order, each month's count as date_part says
    let months = query(
        &state,
        &json!({"explore": "trips", "fields": ["trips.start_month_name", "trips.trip_count"],
                "sorts": [{"field": "trips.start_month_name"}]}),
    )
    .await
    .json();
    let names = labels(&months, "trips.start_month_name");
    let calendar = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    assert_eq!(names, calendar, "{months}");
    for (m, row) in months["rows"].as_array().expect("rows").iter().enumerate() {
        let sql = format!(
            "SELECT COUNT(trip_id) FROM fact_trips WHERE date_part('month', start_timestamp) = {}",
            m + 1
        );
        assert_eq!(
            row["trips.trip_count"].as_f64(),
            Some(scalar(&warehouse, &sql).await),
            "{row}"
        );
    }
}

/// The demo's "Finished orders" explore: with data generated up to today its default filter
/// (trip date in the last 12 months) finds rows, and they are finished orders only.
#[tokio::test]
async fn the_finished_orders_explore_means_what_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let raw = local(&dir.path().join("raw"));
    let today = chrono::Utc::now().date_naive();
    boltic_pipeline::generate::generate_until(&raw, 3_000, 11, today, &Progress::hidden())
        .await
        .expect("generate");
    build(&raw, &local(&dir.path().join("wh"))).await;
    let state = app(cfg(&dir.path().join("wh"))).await;
    let by_status =
        json!({"explore": "finished_orders", "fields": ["orders.status", "orders.order_count"]});
    let answer = post(&state, "/api/v1/query", by_status.to_string())
        .await
        .json();
    let rows = answer["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{answer}");
    assert_eq!(rows[0]["orders.status"], "Finished", "{answer}");
    assert!(
        rows[0]["orders.order_count"].as_u64().unwrap_or(0) > 0,
        "{answer}"
    );
    // the default filter is what narrows it: all of the explore's finished orders are more
    let everything = json!({"explore": "orders", "fields": ["orders.order_count"],
                            "filters": {"orders.status": "Finished"}});
    let all = post(&state, "/api/v1/query", everything.to_string())
        .await
        .json();
    assert!(
        all["rows"][0]["orders.order_count"].as_u64() > rows[0]["orders.order_count"].as_u64(),
        "{all}"
    );
}

#[tokio::test]
async fn pivoted_totals_are_given_per_pivot_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;
    let question = json!({
        "explore": "orders",
        "fields": ["customers.customer_group_type", "orders.status", "orders.order_count", "orders.distinct_customers"],
        "pivots": ["orders.status"],
        "totals": true
    });
    let body = query(&state, &question).await.json();
    let rows = body["rows"].as_array().expect("rows");
    let columns = body["pivot_totals"].as_array().expect("pivot_totals");
    let statuses: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter_map(|r| r["orders.status"].as_str())
        .collect();
    assert_eq!(columns.len(), statuses.len(), "{body}");
    let mut all = 0;
    for column in columns {
        let status = column["orders.status"].as_str().expect("status");
        // a count adds up over the column's rows...
        let sum: u64 = rows
            .iter()
            .filter(|r| r["orders.status"] == status)
            .filter_map(|r| r["orders.order_count"].as_u64())
            .sum();
        assert_eq!(column["orders.order_count"].as_u64(), Some(sum), "{column}");
        all += sum;
        // ...a distinct count is computed over the column, not added up
        let by_status = query(
            &state,
            &json!({"explore": "orders", "fields": ["orders.distinct_customers"],
                    "filters": {"orders.status": status}}),
        )
        .await
        .json();
        assert_eq!(
            column["orders.distinct_customers"], by_status["rows"][0]["orders.distinct_customers"],
            "{column}"
        );
    }
    assert_eq!(body["totals"]["orders.order_count"].as_u64(), Some(all));
    // without pivots, or without totals, there are none
    let mut flat = question.clone();
    flat["pivots"] = json!([]);
    assert!(
        query(&state, &flat)
            .await
            .json()
            .get("pivot_totals")
            .is_none()
    );
    let mut untotalled = question.clone();
    untotalled["totals"] = json!(false);
    assert!(
        query(&state, &untotalled)
            .await
            .json()
            .get("pivot_totals")
            .is_none()
    );
}
