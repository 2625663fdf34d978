//! The same questions on an Apache Ballista cluster as in the server's process: a scheduler and
//! two executors run as `boltic cluster` child processes on 127.0.0.1, and the semantic golden
//! cases, the three original Air Boltic reports and the API's JSON, CSV and Arrow answers are
//! compared on both engines; a query past its timeout is cancelled on the scheduler.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use boltic_semantic::{CompileOptions, Query};
use boltic_server::api::{AppState, ServeConfig};
use boltic_server::cluster::{self, EngineTarget};
use datafusion::prelude::SessionConfig;
use serde_json::json;

use crate::support::{admin_auth, post, project, seed_warehouse, send};

#[allow(
    dead_code,
    reason = "the semantic crate's golden cases, shared with its own tests"
)]
#[path = "../../../semantic/tests/it/cases.rs"]
mod cases;
#[allow(
    dead_code,
    reason = "the semantic crate's fixture warehouse, shared with its own tests"
)]
#[path = "../../../semantic/tests/it/warehouse.rs"]
mod fixture;

/// A scheduler and two executors, killed when dropped.
struct Cluster {
    target: EngineTarget,
    children: Vec<Child>,
    logs: Arc<Mutex<String>>,
    _work: tempfile::TempDir,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Cluster {
    /// What the nodes wrote to stderr, for a failure's message.
    fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start `boltic` with `args`, its stderr copied into `logs` line by line; `first_line` gets
/// the line that contains `wanted` (once).
fn spawn(
    args: &[&str],
    env: &[(String, String)],
    logs: &Arc<Mutex<String>>,
    wanted: &'static str,
) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_boltic"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("BOLTIC_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("boltic starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let logs = Arc::clone(logs);
    let name = args[..2].join(" ");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains(wanted) {
                let _ = tx.send(line.clone());
            }
            logs.lock().unwrap().push_str(&format!("[{name}] {line}\n"));
        }
    });
    (child, rx)
}

/// Start a scheduler and two executors (two task slots each) and wait until both executors
/// are registered.
async fn start_cluster() -> Cluster {
    start_cluster_with(&[]).await
}

/// [`start_cluster`] with `env` in every node's environment.
async fn start_cluster_with(env: &[(String, String)]) -> Cluster {
    let work = tempfile::tempdir().unwrap();
    let logs = Arc::new(Mutex::new(String::new()));
    let (scheduler, serving) = spawn(
        &[
            "cluster",
            "scheduler",
            "--bind",
            "127.0.0.1:0",
            "--executor-timeout-secs",
            "4",
        ],
        env,
        &logs,
        "serving ballista://",
    );
    let mut cluster = Cluster {
        target: EngineTarget::Local,
        children: vec![scheduler],
        logs: Arc::clone(&logs),
        _work: work,
    };
    let line = serving
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("the scheduler did not start:\n{}", cluster.logs()));
    let address = line.rsplit(' ').next().unwrap().to_string();
    cluster.target = address.parse().unwrap();
    for n in 0..2 {
        let bind = format!("127.0.0.1:{}", free_port());
        let grpc = free_port().to_string();
        let dir = cluster._work.path().join(format!("executor-{n}"));
        let (child, _) = spawn(
            &[
                "cluster",
                "executor",
                "--scheduler",
                &address,
                "--bind",
                &bind,
                "--grpc-port",
                &grpc,
                "--slots",
                "2",
                "--memory-mib",
                "512",
                "--heartbeat-secs",
                "1",
                "--work-dir",
                dir.to_str().unwrap(),
            ],
            env,
            &logs,
            "serving",
        );
        cluster.children.push(child);
    }
    let started = Instant::now();
    loop {
        match cluster::health(&cluster.target, Duration::from_secs(2)).await {
            Ok(health) if health.executors == 2 => break,
            _ if started.elapsed() > Duration::from_secs(60) => {
                panic!(
                    "two executors did not register within a minute:\n{}",
                    cluster.logs()
                )
            }
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    cluster
}

/// The golden cases compile to SQL that gives the same rows on the cluster as on DataFusion
/// in this process, totals included.
async fn golden_cases_on(cluster: &Cluster) {
    let local = fixture::warehouse().await.expect("fixture");
    let runtime = boltic_server::engine::runtime(256 << 20).unwrap();
    let remote = boltic_server::engine::session(SessionConfig::new(), runtime, &cluster.target)
        .await
        .unwrap();
    local.register_in(&remote).await.unwrap();
    let mut statements = 0;
    let cases = cases::golden_cases();
    for case in &cases {
        let (model, diagnostics) = boltic_semantic::load(&case.model);
        let model = model.unwrap_or_else(|| panic!("{}: {diagnostics:#?}", case.name));
        let query: Query = serde_json::from_str(case.query).unwrap();
        let mut options = CompileOptions::new(cases::now());
        options.naive_fanout = case.naive;
        let compiled = boltic_semantic::compile(&model, &query, &options).unwrap();
        for sql in std::iter::once(&compiled.sql).chain(compiled.totals_sql.iter()) {
            statements += 1;
            let here = fixture::rows(&local.ctx, sql, true).await;
            let there = fixture::rows(&remote, sql, true).await;
            assert_eq!(here, there, "{} differs on the cluster:\n{sql}", case.name);
        }
    }
    assert!(
        statements > cases.len(),
        "{statements} statements of {} cases compared, totals too",
        cases.len()
    );
}

/// The three original Air Boltic reports through the semantic layer, on both engines.
async fn reports_on(cluster: &Cluster, warehouse: &boltic_pipeline::Location) {
    let model = boltic_server::project_files::load_model(&project()).unwrap();
    let here = boltic_server::engine::Engine::open(warehouse, 256 << 20)
        .await
        .unwrap();
    let there = boltic_server::engine::Engine::open_on(warehouse, 256 << 20, &cluster.target)
        .await
        .unwrap();
    assert_eq!(there.target(), &cluster.target);
    let reports = [
        json!({"explore": "customers", "fields": ["customers.customer_id", "customers.name", "orders.order_count", "orders.revenue"]}),
        json!({"explore": "orders", "fields": ["aeroplanes.aeroplane_id", "aeroplanes.model", "orders.order_count", "orders.revenue"]}),
        json!({"explore": "customers", "fields": ["customers.customer_id", "trips.last_flight", "trips.trip_count"]}),
    ];
    for report in reports {
        let query: Query = serde_json::from_value(report.clone()).unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2024, 9, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let sql = boltic_semantic::compile(&model, &query, &CompileOptions::new(now))
            .unwrap()
            .sql;
        let a = pretty(&here.run(&sql).await.unwrap());
        let b = pretty(&there.run(&sql).await.unwrap());
        assert!(a.lines().count() > 10, "{report}: {a}");
        assert_eq!(a, b, "{report}");
    }
}

/// Batches as sorted lines of text.
fn pretty(batches: &[datafusion::arrow::record_batch::RecordBatch]) -> String {
    let text = datafusion::arrow::util::pretty::pretty_format_batches(batches)
        .unwrap()
        .to_string();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    lines.join("\n")
}

fn serve_config(warehouse: &Path, target: &EngineTarget) -> ServeConfig {
    let mut config = ServeConfig::new(project(), warehouse.to_str().unwrap());
    config.poll_interval = Duration::ZERO;
    config.database = ":memory:".into();
    config.engine = target.clone();
    config
}

/// JSON rows and totals, CSV bytes and Arrow batches of the API, on both engines.
async fn api_answers_on(cluster: &Cluster, warehouse: &Path) {
    let here = AppState::new(serve_config(warehouse, &EngineTarget::Local))
        .await
        .unwrap();
    let there = AppState::new(serve_config(warehouse, &cluster.target))
        .await
        .unwrap();
    let ready = crate::support::get(&there, "/api/v1/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.json());
    assert_eq!(
        ready.json()["cluster"],
        json!({"engine": cluster.target.to_string(), "executors": 2, "problem": null})
    );
    assert!(
        crate::support::get(&here, "/api/v1/ready").await.json()["cluster"].is_null(),
        "the local engine has no cluster"
    );
    let questions = [
        json!({"explore": "orders",
               "fields": ["customers.customer_group_type", "orders.revenue", "orders.order_count"],
               "sorts": [{"field": "customers.customer_group_type"}], "totals": true}),
        json!({"explore": "orders", "fields": ["trips.start_month", "orders.status", "orders.revenue"],
               "pivots": ["orders.status"], "totals": true,
               "sorts": [{"field": "trips.start_month"}, {"field": "orders.status"}]}),
        json!({"explore": "orders", "fields": ["trips.start_week", "orders.order_count"],
               "filters": {"orders.status": "-Cancelled"}, "timezone": "Europe/Tallinn",
               "sorts": [{"field": "trips.start_week"}]}),
        // Boltic's median and percentile_cont on the scheduler and executors too
        json!({"explore": "orders",
               "fields": ["orders.destination_city", "orders.median_price", "orders.p90_price"],
               "sorts": [{"field": "orders.destination_city"}]}),
    ];
    for q in questions {
        let a = post(&here, "/api/v1/query", q.to_string()).await;
        let b = post(&there, "/api/v1/query", q.to_string()).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json());
        assert_eq!(b.status, StatusCode::OK, "{}", b.json());
        let (a, b) = (a.json(), b.json());
        assert!(!a["rows"].as_array().unwrap().is_empty(), "{q}");
        for key in ["rows", "totals", "pivot_totals", "fields"] {
            assert_eq!(a[key], b[key], "{key} of {q}");
        }
        let csv_a = post(&here, "/api/v1/query?format=csv", q.to_string()).await;
        let csv_b = post(&there, "/api/v1/query?format=csv", q.to_string()).await;
        assert_eq!(csv_b.status, StatusCode::OK);
        assert_eq!(csv_a.body, csv_b.body, "CSV of {q}");
        let arrow = |state: &AppState| {
            let state = state.clone();
            let q = q.to_string();
            async move {
                let auth = admin_auth(&state).await;
                send(
                    &state,
                    Request::post("/api/v1/query")
                        .header(header::CONTENT_TYPE, "application/json")
                        .header(header::ACCEPT, "application/vnd.apache.arrow.stream")
                        .header(header::AUTHORIZATION, auth)
                        .body(Body::from(q))
                        .unwrap(),
                )
                .await
            }
        };
        let (arrow_a, arrow_b) = (arrow(&here).await, arrow(&there).await);
        assert_eq!(arrow_b.status, StatusCode::OK);
        let batches = |body: &[u8]| {
            datafusion::arrow::ipc::reader::StreamReader::try_new(body, None)
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
        };
        let (batches_a, batches_b) = (batches(&arrow_a.body), batches(&arrow_b.body));
        let concat = |b: &[datafusion::arrow::record_batch::RecordBatch]| {
            datafusion::arrow::compute::concat_batches(&b[0].schema(), b).unwrap()
        };
        assert_eq!(concat(&batches_a), concat(&batches_b), "Arrow of {q}");
    }
}

#[tokio::test]
async fn the_same_answers_on_a_ballista_cluster() {
    let cluster = start_cluster().await;
    golden_cases_on(&cluster).await;
    let dir = tempfile::tempdir().unwrap();
    let warehouse = seed_warehouse(dir.path()).await;
    reports_on(&cluster, &warehouse).await;
    api_answers_on(&cluster, &dir.path().join("wh")).await;
}

#[tokio::test]
async fn a_warehouse_in_s3_answers_the_same_on_the_cluster() {
    let moto = boltic_pipeline::testing::Moto::start();
    moto.create_bucket("warehouse");
    let wh = moto.location("s3://warehouse/air_boltic");
    crate::support::build(&crate::support::local(&project().join("raw")), &wh).await;
    // The nodes read S3 with the settings of their own environment, as deployed nodes do.
    let env: Vec<(String, String)> = moto
        .options()
        .into_iter()
        .map(|(k, v)| (k.to_ascii_uppercase(), v))
        .collect();
    let cluster = start_cluster_with(&env).await;
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let here = AppState::new(serve_config(&dir.path().join("wh"), &EngineTarget::Local))
        .await
        .unwrap();
    let mut config = serve_config(dir.path(), &cluster.target);
    config.warehouse = "s3://warehouse/air_boltic".into();
    let there = AppState::with_warehouse(config, wh).await.unwrap();
    let q = json!({"explore": "orders",
                   "fields": ["aeroplanes.model", "orders.revenue", "trips.trip_count"],
                   "sorts": [{"field": "aeroplanes.model"}], "totals": true})
    .to_string();
    let (a, b) = (
        post(&here, "/api/v1/query", q.clone()).await,
        post(&there, "/api/v1/query", q).await,
    );
    assert_eq!(b.status, StatusCode::OK, "{}\n{}", b.json(), cluster.logs());
    assert!(!a.json()["rows"].as_array().unwrap().is_empty());
    assert_eq!(a.json()["rows"], b.json()["rows"]);
    assert_eq!(a.json()["totals"], b.json()["totals"]);
}

/// A project with the demo model and a view whose rows take long to make: fact_orders (20
/// rows) cross-joined `copies` times, each row priced as the first copy's price plus the
/// last's, so its `total` is 2 x 20^(copies-1) x the orders' revenue.
fn slow_project(dir: &Path, copies: usize) -> std::path::PathBuf {
    let project_dir = dir.join("project");
    let semantic = project_dir.join("semantic");
    std::fs::create_dir_all(&semantic).unwrap();
    for file in ["views.yml", "explores.yml"] {
        std::fs::copy(project().join("semantic").join(file), semantic.join(file)).unwrap();
    }
    std::fs::write(
        semantic.join("slow.yml"),
        format!(
            r#"
views:
  - name: slow
    derived_table:
      sql: SELECT t0.price_eur + t{last}.price_eur AS price FROM {tables}
    dimensions:
      - name: price
        type: number
    measures:
      - name: total
        type: sum
        sql: ${{TABLE}}.price
explores:
  - name: slow
"#,
            last = copies - 1,
            tables = (0..copies)
                .map(|i| format!("fact_orders t{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .unwrap();
    project_dir
}

#[tokio::test]
async fn a_query_past_its_timeout_is_cancelled_on_the_cluster() {
    let cluster = start_cluster().await;
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let mut config = serve_config(&dir.path().join("wh"), &cluster.target);
    config.project = slow_project(dir.path(), 7);
    config.query_timeout = Duration::from_secs(3);
    let state = AppState::new(config).await.unwrap();
    let started = Instant::now();
    let reply = post(
        &state,
        "/api/v1/query",
        json!({"explore": "slow", "fields": ["slow.total"]}).to_string(),
    )
    .await;
    let body = reply.error(StatusCode::GATEWAY_TIMEOUT, "query_timeout");
    assert!(started.elapsed() < Duration::from_secs(10), "{body}");
    // The job Boltic named is cancelled on the scheduler, not left running.
    let deadline = Instant::now() + Duration::from_secs(20);
    let job = loop {
        let jobs = cluster::jobs(&cluster.target, Duration::from_secs(2))
            .await
            .unwrap();
        let ours: Vec<_> = jobs
            .into_iter()
            .filter(|j| j.job_name.starts_with("boltic-"))
            .collect();
        assert_eq!(ours.len(), 1, "{ours:?}");
        if ours[0].status == "Failed" || Instant::now() > deadline {
            break ours[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(job.status, "Failed", "{job:?}\n{}", cluster.logs());
    assert!(job.job_status.contains("Cancelled"), "{job:?}");
    // The executors are free again: the next question is answered.
    let started = Instant::now();
    let reply = post(
        &state,
        "/api/v1/query",
        json!({"explore": "orders", "fields": ["orders.order_count"]}).to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json());
    assert_eq!(reply.json()["rows"], json!([{"orders.order_count": 20}]));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn losing_an_executor_mid_query_ends_in_a_retry_or_a_503() {
    let mut cluster = start_cluster().await;
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let mut config = serve_config(&dir.path().join("wh"), &cluster.target);
    config.project = slow_project(dir.path(), 6);
    config.query_timeout = Duration::from_secs(300);
    let state = AppState::new(config).await.unwrap();
    let started = Instant::now();
    let question = json!({"explore": "slow", "fields": ["slow.total"]}).to_string();
    let asked = tokio::spawn({
        let state = state.clone();
        async move { post(&state, "/api/v1/query", question).await }
    });
    // Once the job runs, one executor dies (SIGKILL: no goodbye to the scheduler).
    loop {
        let jobs = cluster::jobs(&cluster.target, Duration::from_secs(2))
            .await
            .unwrap();
        if jobs.iter().any(|j| j.status == "Running") {
            break;
        }
        assert!(
            !asked.is_finished(),
            "the query ended before an executor could be killed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut executor = cluster.children.remove(1);
    executor.kill().unwrap();
    executor.wait().unwrap();
    let killed = started.elapsed();
    let reply = tokio::time::timeout(Duration::from_secs(120), asked)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "no answer two minutes after the executor died:\n{}",
                cluster.logs()
            )
        })
        .unwrap();
    let took = started.elapsed();
    if reply.status == StatusCode::OK {
        // 2 x 20^5 x the orders' revenue (30,200 EUR)
        assert_eq!(
            reply.json()["rows"],
            json!([{"slow.total": 2.0 * 20f64.powi(5) * 30_200.0}])
        );
    } else {
        reply.error(StatusCode::SERVICE_UNAVAILABLE, "cluster_unavailable");
    }
    println!(
        "executor killed after {killed:?}; answered {} after {took:?}",
        reply.status
    );
}

#[tokio::test]
async fn the_pipeline_builds_the_same_tables_with_models_on_the_cluster() {
    use boltic_pipeline::run::{ModelSession, RunOptions, run, session_config};
    use boltic_pipeline::{Progress, Project};
    let cluster = start_cluster().await;
    let dir = tempfile::tempdir().unwrap();
    let raw = crate::support::local(&dir.path().join("raw"));
    boltic_pipeline::generate::generate(&raw, 3_000, 7, &Progress::hidden())
        .await
        .unwrap();
    let project = Project::load(&project()).unwrap();
    let (here, there) = (
        crate::support::local(&dir.path().join("here")),
        crate::support::local(&dir.path().join("there")),
    );
    let local_report = run(
        &raw,
        &here,
        &project,
        &RunOptions::default(),
        &Progress::hidden(),
    )
    .await
    .unwrap();
    let runtime = boltic_server::engine::runtime(256 << 20).unwrap();
    let on_cluster = RunOptions {
        models_on: Some(ModelSession(
            boltic_server::engine::session(session_config(), runtime, &cluster.target)
                .await
                .unwrap(),
        )),
        ..RunOptions::default()
    };
    let cluster_report = run(&raw, &there, &project, &on_cluster, &Progress::hidden())
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", cluster.logs()));
    // The same data tests with the same outcomes.
    let outcomes = |report: &boltic_pipeline::run::RunReport| {
        report
            .tests
            .iter()
            .map(|t| {
                (
                    t.test.name.clone(),
                    t.status,
                    t.failing_rows,
                    t.checked_rows,
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(!local_report.tests.is_empty());
    assert_eq!(outcomes(&local_report), outcomes(&cluster_report));
    // The same rows in every table.
    let (a, b) = (
        boltic_server::engine::Engine::open(&here, 256 << 20)
            .await
            .unwrap(),
        boltic_server::engine::Engine::open(&there, 256 << 20)
            .await
            .unwrap(),
    );
    let tables: Vec<String> = a.manifest().tables.keys().cloned().collect();
    assert_eq!(
        tables,
        b.manifest().tables.keys().cloned().collect::<Vec<_>>()
    );
    for model in &project.models {
        assert!(tables.contains(&model.name), "{}", model.name);
    }
    for table in &tables {
        let sql = format!("SELECT * FROM \"{table}\"");
        let rows_a = pretty(&a.run(&sql).await.unwrap());
        assert_eq!(rows_a, pretty(&b.run(&sql).await.unwrap()), "{table}");
        assert!(rows_a.lines().count() > 4, "{table} has rows");
    }
    // The models and tests ran as cluster jobs.
    let jobs = cluster::jobs(&cluster.target, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(
        jobs.len() >= project.models.len() + project.tests.len(),
        "{} jobs for {} models and {} tests",
        jobs.len(),
        project.models.len(),
        project.tests.len()
    );
    assert!(jobs.iter().all(|j| j.status == "Completed"), "{jobs:?}");
}

#[tokio::test]
async fn without_its_scheduler_the_server_says_so_and_queries_answer_503() {
    let dir = tempfile::tempdir().unwrap();
    seed_warehouse(dir.path()).await;
    let target: EngineTarget = format!("ballista://127.0.0.1:{}", free_port())
        .parse()
        .unwrap();
    let state = AppState::new(serve_config(&dir.path().join("wh"), &target))
        .await
        .unwrap();
    let ready = crate::support::get(&state, "/api/v1/ready").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let cluster = &ready.json()["cluster"];
    assert_eq!(cluster["engine"], target.to_string());
    assert!(cluster["executors"].is_null());
    let problem = cluster["problem"].as_str().unwrap();
    assert!(problem.contains("cannot reach the scheduler"), "{problem}");
    assert!(problem.contains("boltic cluster scheduler"), "{problem}");
    let reply = post(
        &state,
        "/api/v1/query",
        json!({"explore": "orders", "fields": ["orders.order_count"]}).to_string(),
    )
    .await;
    let body = reply.error(StatusCode::SERVICE_UNAVAILABLE, "cluster_unavailable");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no address in answers: {body}"
    );
}

#[test]
fn engine_settings_parse_or_say_what_to_write() {
    assert_eq!("local".parse::<EngineTarget>(), Ok(EngineTarget::Local));
    assert_eq!(
        "ballista://sched.internal".parse::<EngineTarget>(),
        Ok(EngineTarget::Ballista {
            host: "sched.internal".into(),
            port: cluster::DEFAULT_SCHEDULER_PORT
        })
    );
    let target: EngineTarget = "ballista://10.0.0.5:6000".parse().unwrap();
    assert_eq!(target.scheduler().as_deref(), Some("http://10.0.0.5:6000"));
    assert_eq!(target.to_string(), "ballista://10.0.0.5:6000");
    for wrong in [
        "",
        "spark://x:1",
        "ballista://",
        "ballista://h:1/path",
        "h:1",
    ] {
        let error = wrong.parse::<EngineTarget>().unwrap_err();
        assert!(
            error.contains("write 'local' or 'ballista://"),
            "{wrong}: {error}"
        );
    }
}
