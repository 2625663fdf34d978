//! `boltic`: the command line of the Boltic analytics server.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use boltic_pipeline::{Location, Outcome, Progress, Project, RunOptions, Warehouse};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// jemalloc, for C code too, with background threads returning freed pages to the system: under
/// a long mixed load glibc's malloc kept fragmented memory and the server's RSS crept up (~3 MiB
/// a minute) while live memory did not; with jemalloc it stays flat (docs/benchmarks.md, soak).
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Boltic: build an analytics warehouse and ask it questions.
#[derive(Debug, Parser)]
#[command(name = "boltic", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Hide progress bars.
    #[arg(long, global = true, env = "BOLTIC_QUIET", value_parser = clap::builder::BoolishValueParser::new())]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write realistic Air Boltic raw files (CSV + JSON) at any scale.
    Generate {
        /// How many orders (about 20 per trip and 10 per customer).
        #[arg(long, default_value_t = 1000)]
        orders: u64,
        /// Random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where to write: a folder or s3://bucket/prefix.
        #[arg(long, default_value = "data/raw")]
        out: String,
        /// The last day with trips (YYYY-MM-DD); the data covers the two years before it
        /// [default: today, so that "last 12 months" finds data]. With --batches, the day of
        /// the last batch (trips announced in a batch depart within 30 days after it).
        #[arg(long)]
        last_day: Option<chrono::NaiveDate>,
        /// Daily batches after an initial load: write <table>/load_date=<YYYY-MM-DD>/<file>
        /// folders instead of flat files, each batch with about 1% new orders, trips and
        /// customers, status changes, changed customers, late rows and one re-sent file.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=i64::from(boltic_pipeline::generate::MAX_BATCHES)))]
        batches: u32,
    },
    /// Check a project: semantic model, SQL models and, with a warehouse, every field against
    /// the published schema. Prints compiler-style diagnostics; exits 1 on any error.
    Validate {
        /// Project folder (semantic/*.yml, models/*.sql).
        #[arg(long, default_value = "demo/air_boltic", env = "BOLTIC_PROJECT")]
        project: PathBuf,
        /// Also plan every field on this published warehouse.
        #[arg(long)]
        warehouse: Option<String>,
    },
    /// Serve the web app and the JSON query API over the published warehouse.
    /// Settings come from flags, then BOLTIC_* environment variables, then --config.
    Serve {
        /// A YAML file with the same settings as the flags (`max_rows: 1000`).
        #[arg(long, env = "BOLTIC_CONFIG")]
        config: Option<PathBuf>,
        #[command(flatten)]
        settings: Box<boltic_server::api::ServeSettings>,
    },
    /// Run a query (JSON, as POSTed to /api/v1/query) and print the result.
    Query {
        /// The query file, or '-' for standard input.
        file: PathBuf,
        /// Project folder (semantic/*.yml).
        #[arg(long, default_value = "demo/air_boltic", env = "BOLTIC_PROJECT")]
        project: PathBuf,
        /// Published warehouse: a folder or s3://bucket/prefix.
        #[arg(long, default_value = "data/warehouse", env = "BOLTIC_WAREHOUSE")]
        warehouse: String,
        /// Output: a table, CSV or JSON rows.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Memory the query may use before spilling to disk, in MiB.
        #[arg(long, default_value_t = 1024)]
        memory_mib: usize,
        /// Where the query runs: 'local' or 'ballista://<scheduler host>:<port>'.
        #[arg(long, default_value = "local", env = "BOLTIC_ENGINE")]
        engine: boltic_server::cluster::EngineTarget,
    },
    /// Print the SQL a query (JSON, as POSTed to /api/v1/query) compiles to.
    Sql {
        /// The query file, or '-' for standard input.
        file: PathBuf,
        /// Project folder (semantic/*.yml).
        #[arg(long, default_value = "demo/air_boltic", env = "BOLTIC_PROJECT")]
        project: PathBuf,
    },
    /// Build and publish the warehouse.
    Pipeline {
        #[command(subcommand)]
        command: PipelineCommand,
    },
    /// Maintain a published warehouse: compact small files, remove old versions.
    Warehouse {
        #[command(subcommand)]
        command: WarehouseCommand,
    },
    /// Run a node of an Apache Ballista cluster, for `--engine ballista://<scheduler>`.
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Users of the app database: their role and the attributes access rules read.
    Users {
        #[command(flatten)]
        database: boltic_server::accounts::DatabaseArg,
        #[command(subcommand)]
        command: boltic_server::accounts::UsersCommand,
    },
    /// API keys of users (`Authorization: Bearer bk_…`).
    Keys {
        #[command(flatten)]
        database: boltic_server::accounts::DatabaseArg,
        #[command(subcommand)]
        command: boltic_server::accounts::KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ClusterCommand {
    /// The scheduler: plans queries into stages and hands their tasks to executors. Object
    /// stores come from this process's environment (AWS_* for S3), as on every executor.
    Scheduler {
        /// Address to listen on for executors and clients (gRPC, plus the scheduler's REST API
        /// and /readyz); port 0 picks a free one.
        #[arg(long, default_value = "0.0.0.0:50050", env = "BOLTIC_SCHEDULER_BIND")]
        bind: std::net::SocketAddr,
        /// The host executors and clients reach the scheduler at [default: the bind address].
        #[arg(long, env = "BOLTIC_SCHEDULER_EXTERNAL_HOST")]
        external_host: Option<String>,
        /// Seconds without a heartbeat after which an executor counts as lost and its tasks
        /// run elsewhere.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(2..))]
        executor_timeout_secs: u64,
    },
    /// An executor: runs tasks, reading the warehouse's files itself (local folders must be
    /// at the same absolute path on every node).
    Executor {
        /// The scheduler to register with, e.g. ballista://127.0.0.1:50050.
        #[arg(long, env = "BOLTIC_ENGINE")]
        scheduler: boltic_server::cluster::EngineTarget,
        /// Address to serve results on (Arrow Flight); the executor's gRPC port is the next
        /// one unless --grpc-port says otherwise.
        #[arg(long, default_value = "127.0.0.1:50051")]
        bind: std::net::SocketAddr,
        /// The executor's gRPC port.
        #[arg(long)]
        grpc_port: Option<u16>,
        /// The host other nodes and clients reach this executor at [default: the bind
        /// address].
        #[arg(long)]
        external_host: Option<String>,
        /// Tasks run at once [default: the machine's cores].
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        slots: Option<u64>,
        /// Memory all running tasks may use before spilling to disk, in MiB.
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(16..))]
        memory_mib: u64,
        /// Folder for shuffle files and spills [default: a temporary folder].
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Seconds between heartbeats to the scheduler.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
        heartbeat_secs: u64,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OutputFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
enum PipelineCommand {
    /// Clean raw files, run the SQL models and data tests, publish a new version atomically.
    Run {
        /// Raw files: a folder or s3://bucket/prefix.
        #[arg(long, default_value = "data/raw", env = "BOLTIC_RAW")]
        raw: String,
        /// Warehouse: a folder or s3://bucket/prefix.
        #[arg(long, default_value = "data/warehouse", env = "BOLTIC_WAREHOUSE")]
        warehouse: String,
        /// Project folder with models/*.sql and models/schema.yml.
        #[arg(long, default_value = "demo/air_boltic", env = "BOLTIC_PROJECT")]
        project: PathBuf,
        /// Published versions to keep (besides any a server still reads).
        #[arg(long, default_value_t = 3, env = "BOLTIC_KEEP_VERSIONS")]
        keep_versions: usize,
        /// Seconds the run lease lasts unless renewed: how long a run that died on another
        /// host keeps the next run out (one that died on this host is noticed at once).
        #[arg(long, default_value_t = 60, env = "BOLTIC_LEASE_SECONDS", value_parser = clap::value_parser!(u64).range(3..))]
        lease_seconds: u64,
        /// Rebuild even when inputs did not change.
        #[arg(long)]
        force: bool,
        /// Rebuild every table, and let a model drop or retype columns (refused otherwise,
        /// since semantic fields and other readers may use them). Implies --force.
        #[arg(long)]
        full_refresh: bool,
        /// Memory the query engine may use before spilling to disk, in MiB.
        #[arg(long, default_value_t = 1024)]
        memory_mib: usize,
        /// Compact a table's files (Delta OPTIMIZE) once it has this many smaller than 2 MiB
        /// (0: never; `boltic warehouse optimize` does it on demand).
        #[arg(long, default_value_t = 16, env = "BOLTIC_COMPACT_SMALL_FILES")]
        compact_small_files: usize,
        /// Print the report as JSON instead of the summary.
        #[arg(long)]
        json: bool,
        /// Where the SQL models rebuilt whole and the data tests run: 'local' or
        /// 'ballista://<scheduler host>:<port>' (the extract, MERGEs and snapshots stay here).
        #[arg(long, default_value = "local", env = "BOLTIC_ENGINE")]
        engine: boltic_server::cluster::EngineTarget,
    },
    /// Show the published version of a warehouse.
    Status {
        /// Warehouse: a folder or s3://bucket/prefix.
        #[arg(long, default_value = "data/warehouse", env = "BOLTIC_WAREHOUSE")]
        warehouse: String,
    },
}

#[derive(Debug, Subcommand)]
enum WarehouseCommand {
    /// Compact small files (Delta OPTIMIZE, rows unchanged) and publish the result as a new
    /// version; earlier versions keep their files until they leave the retention.
    Optimize {
        #[command(flatten)]
        target: MaintenanceTarget,
        /// Compact a table once it has this many files smaller than --target-mib.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(2..))]
        min_small_files: u64,
        /// Size of the compacted files, in MiB.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..))]
        target_mib: u64,
    },
    /// Remove the versions outside the retention and every file no kept version names (never
    /// the current version, nor one a server is reading).
    Vacuum {
        #[command(flatten)]
        target: MaintenanceTarget,
    },
}

/// The warehouse to maintain and what to keep.
#[derive(Debug, clap::Args)]
struct MaintenanceTarget {
    /// Warehouse: a folder or s3://bucket/prefix.
    #[arg(long, default_value = "data/warehouse", env = "BOLTIC_WAREHOUSE")]
    warehouse: String,
    /// Published versions to keep (besides any a server still reads).
    #[arg(long, default_value_t = 3, env = "BOLTIC_KEEP_VERSIONS", value_parser = clap::value_parser!(u64).range(1..))]
    keep_versions: u64,
    /// Also keep every version published in the last this many hours.
    #[arg(long)]
    retain_hours: Option<u32>,
    /// Seconds the run lease lasts unless renewed (maintenance keeps runs out while it works).
    #[arg(long, default_value_t = 60, env = "BOLTIC_LEASE_SECONDS", value_parser = clap::value_parser!(u64).range(3..))]
    lease_seconds: u64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl MaintenanceTarget {
    fn options(&self) -> boltic_pipeline::maintenance::MaintenanceOptions {
        boltic_pipeline::maintenance::MaintenanceOptions {
            retention: boltic_pipeline::warehouse::Retention {
                versions: usize::try_from(self.keep_versions).unwrap_or(usize::MAX),
                since: self
                    .retain_hours
                    .map(|h| chrono::Utc::now() - chrono::Duration::hours(i64::from(h))),
            },
            lease_ttl: std::time::Duration::from_secs(self.lease_seconds),
            ..Default::default()
        }
    }
}

/// The default log filter: warnings, except delta-rs's warning on every MERGE that derives a
/// metric it lacks (the run's report counts the files a MERGE touched).
const QUIET: &str = "warn,deltalake_core::operations::merge=error";

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("BOLTIC_LOG").unwrap_or_else(|_| EnvFilter::new(QUIET)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let progress = if cli.quiet {
        Progress::hidden()
    } else {
        Progress::stderr()
    };
    match cli.command {
        Command::Generate {
            orders,
            seed,
            out,
            last_day,
            batches,
        } => {
            let last_day = last_day.unwrap_or_else(|| chrono::Utc::now().date_naive());
            generate(orders, seed, last_day, batches, &out, &progress).await
        }
        Command::Pipeline { command } => pipeline(command, &progress).await,
        Command::Warehouse { command } => warehouse(command).await,
        Command::Users { database, command } => {
            boltic_server::accounts::users(&database, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { database, command } => {
            boltic_server::accounts::keys(&database, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { config, settings } => {
            let file = match &config {
                Some(path) => boltic_server::api::ServeSettings::from_file(path)?,
                None => Default::default(),
            };
            let config = (*settings).or(file).resolve()?;
            let listen = config.listen;
            let state = boltic_server::api::AppState::new(config).await?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on '{listen}'; is another server running there? choose another with --listen"))?;
            eprintln!("boltic is serving http://{}", listener.local_addr()?);
            boltic_server::api::serve_on(listener, state, boltic_server::api::shutdown_signal())
                .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Query {
            file,
            project,
            warehouse,
            format,
            memory_mib,
            engine,
        } => query(&file, &project, &warehouse, format, memory_mib, &engine).await,
        Command::Cluster { command } => cluster(command).await,
        Command::Sql { file, project } => {
            let query = read_query(&file)?;
            let model = boltic_server::project_files::load_model(&project)?;
            let compiled = compile_cli(&model, &query)?;
            println!("{}", compiled.sql);
            if let Some(totals) = compiled.totals_sql {
                println!("\n-- totals\n{totals}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { project, warehouse } => {
            let warehouse = warehouse.as_deref().map(Location::parse).transpose()?;
            let diagnostics =
                boltic_server::validate::validate(&project, warehouse.as_ref()).await?;
            println!("{}", boltic_server::validate::render(&diagnostics));
            let errors = diagnostics
                .iter()
                .any(|d| d.severity == boltic_semantic::Severity::Error);
            Ok(if errors {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// `boltic generate`: write the raw files, flat or as an initial load plus daily batches.
async fn generate(
    orders: u64,
    seed: u64,
    last_day: chrono::NaiveDate,
    batches: u32,
    out: &str,
    progress: &Progress,
) -> anyhow::Result<ExitCode> {
    let location = Location::parse(out)?;
    let started = std::time::Instant::now();
    let summary = boltic_pipeline::generate::generate_loads(
        &location, orders, seed, last_day, batches, progress,
    )
    .await?;
    let loads = match summary.loads() {
        dates if dates.is_empty() => String::new(),
        dates => format!(
            " in {} loads ({} to {})",
            dates.len(),
            dates[0],
            dates[dates.len() - 1]
        ),
    };
    println!(
        "wrote {} orders, {} trips, {} customers, {} customer groups, {} aeroplanes ({:.1} MiB){loads} to '{}' in {:.1}s",
        summary.scale.orders,
        summary.scale.trips,
        summary.scale.customers,
        summary.scale.customer_groups,
        summary.scale.aeroplanes,
        summary.bytes() as f64 / (1024.0 * 1024.0),
        out,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// `boltic pipeline run` and `boltic pipeline status`.
async fn pipeline(command: PipelineCommand, progress: &Progress) -> anyhow::Result<ExitCode> {
    match command {
        PipelineCommand::Run {
            raw,
            warehouse,
            project,
            keep_versions,
            lease_seconds,
            force,
            full_refresh,
            memory_mib,
            compact_small_files,
            json,
            engine,
        } => {
            let project = Project::load(&project)
                .with_context(|| format!("loading project '{}'", project.display()))?;
            let raw = Location::parse(&raw)?;
            let warehouse = Location::parse(&warehouse)?;
            let options = RunOptions {
                keep_versions,
                force,
                full_refresh,
                memory_limit: memory_mib << 20,
                lease_ttl: std::time::Duration::from_secs(lease_seconds),
                compact: boltic_pipeline::maintenance::CompactPolicy {
                    min_small_files: compact_small_files,
                    ..Default::default()
                },
                models_on: match engine {
                    boltic_server::cluster::EngineTarget::Local => None,
                    target => Some(boltic_pipeline::run::ModelSession(
                        boltic_server::engine::session(
                            boltic_pipeline::run::session_config(),
                            boltic_server::engine::runtime(memory_mib << 20)?,
                            &target,
                        )
                        .await?,
                    )),
                },
            };
            let report =
                boltic_pipeline::run::run(&raw, &warehouse, &project, &options, progress).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
            Ok(match report.outcome {
                Outcome::Blocked => {
                    let failed: Vec<&str> = report
                        .failed_tests()
                        .map(|t| t.test.name.as_str())
                        .collect();
                    eprintln!(
                        "error: data tests with severity 'error' failed: {}; the warehouse was not changed",
                        failed.join(", ")
                    );
                    ExitCode::from(2)
                }
                Outcome::Published | Outcome::UpToDate => ExitCode::SUCCESS,
            })
        }
        PipelineCommand::Status { warehouse } => {
            let location = Location::parse(&warehouse)?;
            match Warehouse::new(location).current().await? {
                Some(manifest) => println!("{}", serde_json::to_string_pretty(&manifest)?),
                None => {
                    eprintln!(
                        "warehouse '{warehouse}' has no published version yet; run 'boltic pipeline run --warehouse {warehouse}'"
                    );
                    return Ok(ExitCode::FAILURE);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `boltic warehouse optimize` and `boltic warehouse vacuum`.
async fn warehouse(command: WarehouseCommand) -> anyhow::Result<ExitCode> {
    use boltic_pipeline::maintenance;
    match command {
        WarehouseCommand::Optimize {
            target,
            min_small_files,
            target_mib,
        } => {
            let mut options = target.options();
            options.policy = maintenance::CompactPolicy {
                target_size: target_mib << 20,
                min_small_files: usize::try_from(min_small_files).unwrap_or(usize::MAX),
            };
            let location = Location::parse(&target.warehouse)?;
            let report = maintenance::optimize(&location, &options).await?;
            if target.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
        }
        WarehouseCommand::Vacuum { target } => {
            let location = Location::parse(&target.warehouse)?;
            let report = maintenance::vacuum(&location, &target.options()).await?;
            if target.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `boltic query`: run a query file and print its rows.
async fn query(
    file: &std::path::Path,
    project: &std::path::Path,
    warehouse: &str,
    format: OutputFormat,
    memory_mib: usize,
    target: &boltic_server::cluster::EngineTarget,
) -> anyhow::Result<ExitCode> {
    let query = read_query(file)?;
    let model = boltic_server::project_files::load_model(project)?;
    let compiled = compile_cli(&model, &query)?;
    let engine = boltic_server::engine::Engine::open_on(
        &Location::parse(warehouse)?,
        memory_mib << 20,
        target,
    )
    .await?;
    let batches = engine.run(&compiled.sql).await?;
    match format {
        OutputFormat::Table => println!(
            "{}",
            datafusion::arrow::util::pretty::pretty_format_batches(&batches)?
        ),
        OutputFormat::Csv => {
            let mut writer = datafusion::arrow::csv::WriterBuilder::new().build(std::io::stdout());
            for b in &batches {
                writer.write(b)?;
            }
        }
        OutputFormat::Json => println!(
            "{}",
            boltic_server::api::answer::json_rows(&batches)
                .map_err(|e| anyhow::anyhow!("cannot encode rows as JSON: {e}"))?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `boltic cluster`: run a scheduler or an executor until stopped.
async fn cluster(command: ClusterCommand) -> anyhow::Result<ExitCode> {
    use boltic_server::cluster;
    match command {
        ClusterCommand::Scheduler {
            bind,
            external_host,
            executor_timeout_secs,
        } => {
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on '{bind}'; is another scheduler running there? choose another with --bind"))?;
            let options = cluster::SchedulerOptions {
                external_host,
                executor_timeout_secs,
            };
            cluster::run_scheduler(listener, options, |addr| {
                eprintln!("boltic scheduler is serving ballista://{addr}");
            })
            .await?;
        }
        ClusterCommand::Executor {
            scheduler,
            bind,
            grpc_port,
            external_host,
            slots,
            memory_mib,
            work_dir,
            heartbeat_secs,
        } => {
            let options = cluster::ExecutorOptions {
                scheduler,
                bind,
                grpc_port,
                external_host,
                slots: slots.map(|n| n as usize),
                memory_limit: (memory_mib as usize) << 20,
                work_dir,
                heartbeat_secs,
            };
            eprintln!("boltic executor is serving {bind}");
            cluster::run_executor(options).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A query from a file or standard input ('-').
fn read_query(file: &std::path::Path) -> anyhow::Result<boltic_semantic::Query> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .context("cannot read the query from standard input")?
    } else {
        std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the query file '{}'", file.display()))?
    };
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "'{}' line {} column {}: {e}; a query looks like {{\"explore\": \"orders\", \"fields\": [\"orders.revenue\"]}}",
            file.display(),
            e.line(),
            e.column()
        )
    })
}

fn compile_cli(
    model: &boltic_semantic::Model,
    query: &boltic_semantic::Query,
) -> anyhow::Result<boltic_semantic::CompiledQuery> {
    let now = chrono::Local::now().naive_local();
    boltic_semantic::compile(model, query, &boltic_semantic::CompileOptions::new(now)).map_err(
        |e| match &e {
            boltic_semantic::Error::Query { hint: Some(h), .. } => {
                anyhow::anyhow!("{e} (hint: {h})")
            }
            _ => anyhow::anyhow!("{e}"),
        },
    )
}
