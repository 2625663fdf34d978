//! Bounded work per request: a query over a size limit is refused at once with a code that
//! says which limit, and no filter expression costs more than linear time to read.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::api::seed_state;
use crate::support::post;

/// A server over the seed warehouse built in `dir`, with `configure` applied to its settings.
async fn state_with(
    dir: &std::path::Path,
    configure: impl FnOnce(&mut boltic_server::api::ServeConfig),
) -> boltic_server::api::AppState {
    crate::support::seed_warehouse(dir).await;
    let mut config = boltic_server::api::ServeConfig::new(
        crate::support::project(),
        dir.join("wh").to_str().expect("utf-8"),
    );
    config.poll_interval = Duration::ZERO;
    config.database = ":memory:".into();
    configure(&mut config);
    boltic_server::api::AppState::new(config)
        .await
        .expect("state")
}

fn orders(extra: Value) -> Value {
    let mut q = json!({"explore": "orders", "fields": ["orders.status", "orders.order_count"]});
    for (k, v) in extra.as_object().expect("object") {
        q[k] = v.clone();
    }
    q
}

#[tokio::test]
async fn a_huge_filter_is_refused_at_once_and_a_long_one_is_read_in_linear_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;

    // 120 KB of "-5," (under the 1 MiB body limit) took 80 s of a runtime thread before
    // answering (a look-ahead copied the rest of the expression at every '-'). A guard of
    // seconds, far above a linear reading and far below the quadratic one.
    let huge = "-5,".repeat(40_000);
    let started = Instant::now();
    let reply = post(
        &state,
        "/api/v1/query",
        orders(json!({"filters": {"orders.price_eur": huge}})).to_string(),
    )
    .await;
    let took = started.elapsed();
    let body = reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("longer than 10000 characters")),
        "{body}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");

    // just under the limit: read (linearly) and answered
    let long = format!("{}5", "-5,".repeat(3_300));
    let started = Instant::now();
    let reply = post(
        &state,
        "/api/v1/query",
        orders(json!({"filters": {"orders.price_eur": long}})).to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // conditions that are not one IN list are bounded, as each is a level of DataFusion's
    // expression tree (3,300 of them overflowed a thread's stack)
    let many = format!("{}[1,2]", "[1,2],".repeat(100));
    let reply = post(
        &state,
        "/api/v1/query",
        orders(json!({"filters": {"orders.price_eur": many}})).to_string(),
    )
    .await;
    let body = reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("101 conditions")),
        "{body}"
    );
    let most = format!("{}[1,2]", "[1,2],".repeat(99));
    let reply = post(
        &state,
        "/api/v1/query",
        orders(json!({"filters": {"orders.price_eur": most, "orders.status": "-a,-b,-c,-d"}}))
            .to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());

    // NOT after NOT is refused (it used to nest without bound)
    let reply = post(
        &state,
        "/api/v1/query",
        orders(json!({"filters": {"orders.price_eur": "NOT NOT 5"}})).to_string(),
    )
    .await;
    reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_filter");
}

#[tokio::test]
async fn queries_over_a_size_limit_are_refused_with_the_limit_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;
    let too_large = |body: Value, needle: &'static str| {
        let state = &state;
        async move {
            let reply = post(state, "/api/v1/query", body.to_string()).await;
            reply.error_saying(StatusCode::UNPROCESSABLE_ENTITY, "query_too_large", needle);
        }
    };
    let fields: Vec<&str> = std::iter::repeat_n("orders.status", 201).collect();
    too_large(orders(json!({"fields": fields})), "201 fields").await;
    let sorts: Vec<Value> = (0..51).map(|_| json!({"field": "orders.status"})).collect();
    too_large(orders(json!({"sorts": sorts})), "51 sorts").await;
    let pivots: Vec<&str> = std::iter::repeat_n("orders.status", 11).collect();
    too_large(orders(json!({"pivots": pivots})), "11 pivots").await;
    let filters: Vec<Value> = (0..201)
        .map(|i| json!({"field": "orders.price_eur", "op": "gt", "values": [i]}))
        .collect();
    too_large(orders(json!({"filters": filters})), "201 filters").await;
    let mut nested = json!({"field": "orders.price_eur", "op": "gt", "values": [1]});
    for _ in 0..9 {
        nested = json!({"and": [nested]});
    }
    too_large(orders(json!({"filters": [nested]})), "nest deeper than 8").await;
    let values: Vec<u32> = (0..1001).collect();
    too_large(
        orders(
            json!({"filters": [{"field": "orders.price_eur", "op": "equals", "values": values}]}),
        ),
        "1001 values",
    )
    .await;
    let ranges = format!("{}[1,2]", "[1,2],".repeat(99));
    let four: Vec<Value> = (0..5)
        .map(|_| json!({"orders.price_eur": ranges}))
        .collect();
    too_large(orders(json!({"filters": four})), "make 500 conditions").await;
    // at the limits, answered
    let four: Vec<Value> = (0..4)
        .map(|_| json!({"orders.price_eur": ranges}))
        .collect();
    let reply = post(
        &state,
        "/api/v1/query",
        orders(json!({"filters": four})).to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let filters: Vec<Value> = (0..200)
        .map(|i| json!({"field": "orders.price_eur", "op": "gt", "values": [-i]}))
        .collect();
    let reply = post(
        &state,
        "/api/v1/query",
        orders(json!({"filters": filters})).to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    let values: Vec<u32> = (0..1000).collect();
    let reply = post(
        &state,
        "/api/v1/query",
        orders(
            json!({"filters": [{"field": "orders.price_eur", "op": "equals", "values": values}]}),
        )
        .to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
}

#[tokio::test]
async fn the_engine_runs_queries_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;
    let engine = state.engine().expect("a warehouse is loaded");
    assert!(
        engine
            .execute("SELECT count(*) FROM fact_orders")
            .await
            .is_ok()
    );
    let written = dir.path().join("copied.parquet");
    for sql in [
        "CREATE TABLE stolen AS SELECT * FROM fact_orders".to_string(),
        "DROP TABLE fact_orders".to_string(),
        format!(
            "COPY (SELECT * FROM fact_orders) TO '{}'",
            written.display()
        ),
        "INSERT INTO fact_orders SELECT * FROM fact_orders".to_string(),
        "SET datafusion.execution.batch_size = 1".to_string(),
        "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'".to_string(),
    ] {
        let refused = engine.execute(&sql).await;
        assert!(refused.is_err(), "{sql} ran");
    }
    assert!(!written.exists());
    // the tables are still there
    assert!(engine.run("SELECT count(*) FROM fact_orders").await.is_ok());
}

#[tokio::test]
async fn a_stalled_body_holds_no_query_slot() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use futures::StreamExt;

    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_with(dir.path(), |config| {
        config.max_concurrent_queries = 1;
        config.body_timeout = Duration::from_millis(800);
    })
    .await;
    let auth = crate::support::admin_auth(&state).await;

    // a client that sends the start of its body, then nothing
    let stalled = futures::stream::once(async { Ok::<_, std::io::Error>(bytes::Bytes::from("{")) })
        .chain(futures::stream::pending());
    let request = Request::post("/api/v1/query")
        .header(header::AUTHORIZATION, &auth)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "100000")
        .body(Body::from_stream(stalled))
        .expect("request");
    let slow = tokio::spawn({
        let state = state.clone();
        async move { crate::support::send(&state, request).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // the only query slot is free for everyone else meanwhile
    let reply = post(&state, "/api/v1/query", orders(json!({})).to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    // and the stalled request is answered once its time is up
    let reply = slow.await.expect("task");
    reply.error(StatusCode::REQUEST_TIMEOUT, "request_timeout");
}

#[tokio::test]
async fn many_large_distinct_queries_stay_within_the_cache_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_with(dir.path(), |config| {
        config.cache_bytes = 256 << 10;
    })
    .await;
    // 40 questions of ~9 KB of SQL each, with (nearly) empty results: ~360 KB of keys
    let mut sql_lengths = Vec::new();
    for i in 0..40 {
        let values: Vec<String> = (0..1_300).map(|v| format!("{}", i * 2_000 + v)).collect();
        let q = orders(json!({"filters": {"orders.price_eur": values.join(",")}}));
        let reply = post(&state, "/api/v1/query", q.to_string()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
        sql_lengths.push(reply.json()["sql"].as_str().map_or(0, str::len));
    }
    assert!(sql_lengths.iter().all(|n| *n > 6_000), "{sql_lengths:?}");
    let (entries, bytes) = state.cache.usage();
    // every entry counts its SQL: the least recently used went, and what stays (the latest
    // questions, each with its SQL) is within the bound
    assert!(entries > 0 && entries < 40, "{entries}");
    let held: usize = sql_lengths.iter().rev().take(entries).sum();
    assert!(
        bytes <= 256 << 10 && bytes >= held,
        "{bytes} bytes, {held} of SQL"
    );
}

#[tokio::test]
async fn layouts_out_of_the_grid_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = seed_state(dir.path()).await;
    let tile = |name: &str, layout: Value| {
        json!({"name": name, "title": name, "chart": "table",
               "query": {"explore": "orders", "fields": ["orders.status", "orders.order_count"]},
               "layout": layout})
    };
    for layout in [
        json!({"x": 0, "y": 0, "w": 6, "h": 10_000_000}),
        json!({"x": 4_294_967_295u32, "y": 0, "w": 6, "h": 4}),
        json!({"x": 0, "y": 4_294_967_295u32, "w": 6, "h": 4}),
        json!({"x": 0, "y": 4_294_967_290u32, "w": 6, "h": 24}),
    ] {
        // a tile far down and one to place after it: placing used to scan every row first
        let mut unplaced = tile("next", Value::Null);
        unplaced.as_object_mut().expect("tile").remove("layout");
        let body = json!({"title": "far", "tiles": [tile("far", layout.clone()), unplaced]});
        let started = Instant::now();
        let reply = post(&state, "/api/v1/dashboards", body.to_string()).await;
        let error = reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_dashboard");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("does not fit the grid")),
            "{layout}: {error}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{layout}: {:?}",
            started.elapsed()
        );
    }
    // the lowest top row still fits, and a tile is placed after it
    let mut unplaced = tile("next", Value::Null);
    unplaced.as_object_mut().expect("tile").remove("layout");
    let low = json!({"x": 0, "y": boltic_types::grid::MAX_TILE_TOP, "w": 6, "h": 4});
    let body = json!({"title": "low", "tiles": [tile("low", low), unplaced]});
    let reply = post(&state, "/api/v1/dashboards", body.to_string()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json());
}

#[tokio::test]
async fn stalled_connections_are_closed_and_connections_are_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_with(dir.path(), |config| {
        config.header_timeout = Duration::from_millis(700);
        config.max_connections = 2;
    })
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(boltic_server::api::serve_on(listener, state, async {
        let _ = stopped.await;
    }));
    let health = async move {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(
            format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("write");
        let mut response = String::new();
        s.read_to_string(&mut response).await.expect("read");
        response
    };

    // two clients that send the start of their headers, then nothing: every connection slot
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .expect("write");
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // a third waits for a slot, which the header timeout frees
    let started = Instant::now();
    let response = health.await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(400),
        "served at once although both slots were taken: {waited:?}"
    );
    // the stalled ones were closed by the server
    for mut s in stalled {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "a stalled connection is still open");
    }
    stop.send(()).expect("stop");
    server.await.expect("task").expect("serve");
}

#[tokio::test]
async fn each_caller_has_its_own_rate() {
    use axum::body::Body;
    use axum::http::{Request, header};

    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_with(dir.path(), |config| {
        config.requests_per_minute = 5;
    })
    .await;
    let one = crate::support::key_of(&state, "one@x.ee", boltic_types::Role::Viewer).await;
    let two = crate::support::key_of(&state, "two@x.ee", boltic_types::Role::Viewer).await;
    let explores = |key: &str| {
        Request::get("/api/v1/explores")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .body(Body::empty())
            .expect("request")
    };
    for _ in 0..5 {
        let reply = crate::support::send(&state, explores(&one)).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let reply = crate::support::send(&state, explores(&one)).await;
    let error = reply.error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("5 requests a minute")),
        "{error}"
    );
    let wait: u64 = reply
        .header("retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!((1..=13).contains(&wait), "{wait}");
    // another user is not slowed by the first
    let reply = crate::support::send(&state, explores(&two)).await;
    assert_eq!(reply.status, StatusCode::OK);
}
