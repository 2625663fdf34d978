//! Distributed execution on Apache Ballista: where queries run (`--engine`), the scheduler and
//! executor processes of `boltic cluster`, and what every node needs to run Boltic's plans.
//!
//! The client (`boltic serve`, `boltic query`) plans a query as usual, with the warehouse's tables
//! registered at the published version, and sends the logical plan to the scheduler; the
//! scheduler plans it physically (listing the tables' files) and the executors read the Parquet
//! files themselves. So every node needs the same object stores and the same functions:
//! [`NodeObjectStores`] makes stores from each process's *own* environment (`AWS_*` for S3;
//! nothing secret travels in the plan or the session settings, which the scheduler's REST API
//! shows), and [`scalar_functions`] adds Boltic's `date_trunc` to Ballista's set.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use ballista_core::extension::{
    ballista_aggregate_functions, ballista_scalar_functions, ballista_window_functions,
};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::CancelJobParams;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::utils::{GrpcClientConfig, create_grpc_client_connection};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use object_store::ObjectStore;
use url::Url;

use crate::engine::{CountedQuantile, LocalDatePart, SINGLE_DISTINCT_RULE, UtcDateTrunc};

/// The scheduler's port when `ballista://host` names none (Ballista's default).
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

/// Where queries, models and data tests run.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum EngineTarget {
    /// In this process, on DataFusion: no set-up, the default.
    #[default]
    Local,
    /// On an Apache Ballista cluster, through its scheduler.
    Ballista {
        /// The scheduler's host.
        host: String,
        /// The scheduler's gRPC port.
        port: u16,
    },
}

impl EngineTarget {
    /// The scheduler's gRPC address (`http://host:port`), when on a cluster.
    pub fn scheduler(&self) -> Option<String> {
        match self {
            EngineTarget::Local => None,
            EngineTarget::Ballista { host, port } => Some(format!("http://{host}:{port}")),
        }
    }
}

impl fmt::Display for EngineTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineTarget::Local => f.write_str("local"),
            EngineTarget::Ballista { host, port } => write!(f, "ballista://{host}:{port}"),
        }
    }
}

impl FromStr for EngineTarget {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("local") {
            return Ok(EngineTarget::Local);
        }
        let wrong = |why: &str| {
            format!(
                "engine '{text}' {why}; write 'local' or 'ballista://<scheduler host>:<port>' \
                 (e.g. ballista://127.0.0.1:{DEFAULT_SCHEDULER_PORT})"
            )
        };
        let url = Url::parse(text).map_err(|_| wrong("is not an engine"))?;
        if url.scheme() != "ballista" {
            return Err(wrong("is not an engine"));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| wrong("names no scheduler host"))?;
        if !matches!(url.path(), "" | "/") || url.query().is_some() {
            return Err(wrong("has a path or query after the scheduler's address"));
        }
        Ok(EngineTarget::Ballista {
            host: host.to_string(),
            port: url.port().unwrap_or(DEFAULT_SCHEDULER_PORT),
        })
    }
}

impl TryFrom<String> for EngineTarget {
    type Error = String;

    fn try_from(text: String) -> std::result::Result<Self, String> {
        text.parse()
    }
}

/// The object stores of a cluster node, made on first use from this process's environment:
/// `file://` (local folders: absolute paths, the same on every node) and `s3://bucket` (the
/// `AWS_*` variables, read as `--warehouse s3://…` reads them). Stores registered explicitly
/// (as the client registers its warehouse's) come first.
#[derive(Debug, Default)]
pub struct NodeObjectStores {
    known: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for NodeObjectStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        match url.scheme() {
            "s3" | "s3a" => {
                let bucket = url.host_str().unwrap_or_default();
                let location = boltic_pipeline::Location::parse(&format!("s3://{bucket}"))
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                let store = Arc::clone(location.store());
                self.known.register_store(url, Arc::clone(&store));
                Ok(store)
            }
            scheme => Err(DataFusionError::Configuration(format!(
                "this cluster node cannot read '{url}': the '{scheme}' scheme is not supported \
                 on a cluster; use an absolute local folder (the same on every node) or \
                 s3://bucket/prefix"
            ))),
        }
    }
}

/// DataFusion's and Ballista's scalar functions with Boltic's own in place of the built-in ones
/// of the same name; the same on the client, the scheduler and every executor.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    let mut functions = ballista_scalar_functions();
    let ours = [UtcDateTrunc::udf(), LocalDatePart::udf()].map(Arc::new);
    functions.retain(|f| ours.iter().all(|o| o.name() != f.name()));
    functions.extend(ours);
    functions
}

/// DataFusion's and Ballista's aggregate functions with Boltic's median and percentile in place
/// of the built-in ones; the same on the client, the scheduler and every executor.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    let ours = CountedQuantile::udafs();
    let mut functions = ballista_aggregate_functions();
    functions.retain(|f| ours.iter().all(|o| o.name() != f.name()));
    functions.extend(ours);
    functions
}

/// The session a scheduler plans in: Ballista's defaults, Boltic's functions and optimizer
/// choices, and stores from this process's environment.
fn scheduler_session(config: SessionConfig, stores: Arc<NodeObjectStores>) -> Result<SessionState> {
    let runtime = RuntimeEnvBuilder::new()
        .with_object_store_registry(stores)
        .build_arc()?;
    let rules = ballista_core::optimizer::ballista_default_optimizer_rules()
        .into_iter()
        .filter(|rule| rule.name() != SINGLE_DISTINCT_RULE)
        .collect();
    Ok(SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_optimizer_rules(rules)
        .with_scalar_functions(scalar_functions())
        .with_aggregate_functions(aggregate_functions())
        .with_window_functions(ballista_window_functions())
        .build())
}

/// Settings of `boltic cluster scheduler`.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// The host executors and clients reach this scheduler at [default: the bind host].
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor counts as lost.
    pub executor_timeout_secs: u64,
}

/// Run a Ballista scheduler on `listener` until the process ends. `ready` is called with the
/// address it serves once it accepts executors and queries.
pub async fn run_scheduler(
    listener: tokio::net::TcpListener,
    options: SchedulerOptions,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let stores = Arc::new(NodeObjectStores::default());
    let config = SchedulerConfig {
        bind_host: addr.ip().to_string(),
        bind_port: addr.port(),
        external_host: options
            .external_host
            .clone()
            .unwrap_or_else(|| addr.ip().to_string()),
        executor_timeout_seconds: options.executor_timeout_secs,
        expire_dead_executor_interval_seconds: options.executor_timeout_secs.clamp(1, 15),
        override_session_builder: Some(Arc::new(move |config| {
            scheduler_session(config, Arc::clone(&stores))
        })),
        ..SchedulerConfig::default()
    };
    let config = Arc::new(config);
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .context("cannot set up the scheduler's state")?;
    let scheduler = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config)
        .await
        .context("cannot start the scheduler")?;
    ready(addr);
    start_grpc_service_with_listener(listener, scheduler)
        .await
        .context("the scheduler stopped")
}

/// Settings of `boltic cluster executor`.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler to register with.
    pub scheduler: EngineTarget,
    /// Where the executor serves query results (Arrow Flight); its gRPC port is the next one
    /// unless `grpc_port` says otherwise.
    pub bind: SocketAddr,
    /// The executor's gRPC port (tasks from the scheduler).
    pub grpc_port: Option<u16>,
    /// The host other nodes and clients reach this executor at [default: the bind host].
    pub external_host: Option<String>,
    /// Tasks run at once [default: the machine's cores].
    pub slots: Option<usize>,
    /// Memory all running tasks may use before spilling, in bytes.
    pub memory_limit: usize,
    /// Folder for shuffle files and spills [default: a temporary folder].
    pub work_dir: Option<std::path::PathBuf>,
    /// Seconds between heartbeats to the scheduler.
    pub heartbeat_secs: u64,
}

/// Run a Ballista executor until the process is told to stop (Ctrl-C, SIGTERM or the
/// scheduler).
pub async fn run_executor(options: ExecutorOptions) -> anyhow::Result<()> {
    let EngineTarget::Ballista { host, port } = &options.scheduler else {
        anyhow::bail!(
            "an executor needs a scheduler: pass --scheduler ballista://<host>:{DEFAULT_SCHEDULER_PORT}"
        );
    };
    let stores = Arc::new(NodeObjectStores::default());
    let work_dir = match &options.work_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the work folder '{}'", dir.display()))?;
            Some(dir.display().to_string())
        }
        None => None,
    };
    let spill_dir = work_dir.clone();
    let runtime: ballista_core::RuntimeProducer = Arc::new(move |_config: &SessionConfig| {
        let mut builder = RuntimeEnvBuilder::new().with_object_store_registry(stores.clone());
        if let Some(dir) = &spill_dir {
            builder = builder.with_temp_file_path(dir);
        }
        builder.build_arc()
    });
    let mut functions = BallistaFunctionRegistry::default();
    for f in scalar_functions() {
        functions.scalar_functions.insert(f.name().to_string(), f);
    }
    for f in aggregate_functions() {
        functions
            .aggregate_functions
            .insert(f.name().to_string(), f);
    }
    let bind_host = options.bind.ip().to_string();
    let config = ExecutorProcessConfig {
        bind_host: bind_host.clone(),
        external_host: Some(options.external_host.clone().unwrap_or(bind_host)),
        port: options.bind.port(),
        grpc_port: match options.grpc_port {
            Some(port) => port,
            None => options.bind.port().checked_add(1).with_context(|| {
                format!(
                    "the executor's gRPC port would be the one after {}; pass --grpc-port",
                    options.bind
                )
            })?,
        },
        scheduler_host: host.clone(),
        scheduler_port: *port,
        scheduler_connect_timeout_seconds: 30,
        vcores: options.slots.unwrap_or(0),
        work_dir,
        print_thread_info: false,
        memory_pool_size: Some(options.memory_limit as u64),
        executor_heartbeat_interval_seconds: options.heartbeat_secs,
        override_runtime_producer: Some(runtime),
        override_function_registry: Some(Arc::new(functions)),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .context("the executor stopped")
}

/// How long a stopped query's job is looked for by name before giving up: its submission may
/// still be on its way to the scheduler.
const FIND_JOB_FOR: Duration = Duration::from_secs(10);

/// Cancel the job of a query that stopped before it finished (a timeout, a client gone), by
/// its id when the client learnt it, else by its unique name (`job_name`) in the scheduler's
/// list of jobs: Ballista's client only learns the id when the scheduler first reports on
/// the job, and dropping the query does not stop it. Failures are logged.
pub async fn cancel(target: EngineTarget, job_name: String, job_id: Option<String>) {
    let Some(scheduler) = target.scheduler() else {
        return;
    };
    let job_id = match job_id {
        Some(id) => Some(id),
        None => {
            let deadline = tokio::time::Instant::now() + FIND_JOB_FOR;
            loop {
                let found = jobs(&target, Duration::from_secs(2)).await.map(|jobs| {
                    jobs.into_iter()
                        .find(|job| job.job_name == job_name)
                        .map(|job| job.job_id)
                });
                match found {
                    Ok(Some(id)) => break Some(id),
                    Err(e) => {
                        tracing::warn!(job = %job_name, error = %format!("{e:#}"), "cannot look for the job of a stopped query");
                    }
                    Ok(None) => {}
                }
                if tokio::time::Instant::now() > deadline {
                    break None;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let Some(job_id) = job_id else {
        tracing::info!(job = %job_name, "the job of a stopped query never reached the scheduler");
        return;
    };
    match cancel_job(&scheduler, &job_id).await {
        Ok(_) => {
            tracing::info!(job = %job_name, %job_id, "cancelled the cluster job of a stopped query")
        }
        Err(e) => {
            tracing::warn!(job = %job_name, %job_id, error = %format!("{e:#}"), "cannot cancel a cluster job")
        }
    }
}

/// Ask the scheduler at `scheduler` (`http://host:port`) to cancel job `job_id`.
pub async fn cancel_job(scheduler: &str, job_id: &str) -> anyhow::Result<bool> {
    let channel =
        create_grpc_client_connection(scheduler.to_string(), &GrpcClientConfig::default())
            .await
            .with_context(|| format!("cannot reach the scheduler '{scheduler}'"))?;
    let reply = SchedulerGrpcClient::new(channel)
        .cancel_job(CancelJobParams {
            job_id: job_id.to_string(),
        })
        .await
        .with_context(|| format!("the scheduler '{scheduler}' did not cancel job '{job_id}'"))?;
    Ok(reply.into_inner().cancelled)
}

/// What the scheduler says of its cluster: how many executors are alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterHealth {
    /// Executors registered and alive.
    pub executors: usize,
}

/// Ask the scheduler's REST API how many executors are alive (within `timeout`).
pub async fn health(target: &EngineTarget, timeout: Duration) -> anyhow::Result<ClusterHealth> {
    let executors: Vec<serde_json::Value> =
        scheduler_rest(target, "/api/executors", "executor list", timeout).await?;
    Ok(ClusterHealth {
        executors: executors.len(),
    })
}

/// A job as the scheduler lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct JobSummary {
    /// The scheduler's id.
    pub job_id: String,
    /// The name Boltic gave it (`boltic-<random>`).
    pub job_name: String,
    /// `Queued`, `Running`, `Completed` or `Failed`.
    pub status: String,
    /// The status with its detail, e.g. why it failed (`Cancelled`).
    pub job_status: String,
}

/// The jobs the scheduler at `target` knows (its REST API, within `timeout`).
pub async fn jobs(target: &EngineTarget, timeout: Duration) -> anyhow::Result<Vec<JobSummary>> {
    scheduler_rest(target, "/api/jobs", "job list", timeout).await
}

/// GET `path` of the scheduler's REST API and read its JSON as a `T` (`what` names it in
/// errors), within `timeout`.
async fn scheduler_rest<T: serde::de::DeserializeOwned>(
    target: &EngineTarget,
    path: &str,
    what: &str,
    timeout: Duration,
) -> anyhow::Result<T> {
    let EngineTarget::Ballista { host, port } = target else {
        anyhow::bail!("the local engine has no cluster");
    };
    let ask = async {
        let body = http_get(host, *port, path).await?;
        serde_json::from_slice(&body)
            .with_context(|| format!("the scheduler's {what} is not what Boltic reads"))
    };
    tokio::time::timeout(timeout, ask).await.map_err(|_| {
        anyhow::anyhow!("the scheduler at '{target}' did not answer within {timeout:?}")
    })?
}

/// GET `path` from `host:port` over HTTP/1.1 and return the body of a 200 answer.
async fn http_get(host: &str, port: u16, path: &str) -> anyhow::Result<bytes::Bytes> {
    use http_body_util::BodyExt as _;
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .with_context(|| format!("cannot reach the scheduler at '{host}:{port}'"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, format!("{host}:{port}"))
        .body(http_body_util::Empty::<bytes::Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        anyhow::bail!("the scheduler answered {status} to '{path}'");
    }
    Ok(body)
}

/// A runtime for a Ballista client: plans are made here and run on the cluster, so only
/// registered stores are needed (the warehouse's), with the shared memory pool of `base`.
pub fn client_state(config: SessionConfig, base: &Arc<RuntimeEnv>) -> SessionState {
    SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(Arc::clone(base))
        .build()
}
