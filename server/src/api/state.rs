//! What a running server holds: the loaded model, the engine over the current warehouse
//! version, the result cache and the metrics — and how each is swapped while requests run.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use arc_swap::ArcSwapOption;
use boltic_pipeline::warehouse::ReaderLease;
use boltic_pipeline::{Location, Warehouse};
use boltic_semantic::{Diagnostic, Model, Severity};
pub use boltic_types::ModelProblem;
use datafusion::execution::runtime_env::RuntimeEnv;
use tokio::sync::Semaphore;

use super::cache::{CachedResult, CompileMemo, ResultCache};
use super::config::ServeConfig;
use super::error::{ApiCode, ApiError};
use super::metrics::Metrics;
use crate::engine::Engine;

/// Results the cache holds at most, whatever their size (besides `cache_mib`).
const MAX_CACHED_RESULTS: usize = 10_000;
/// Value lists the suggestion index holds at most.
const SUGGESTION_LISTS: usize = 4096;
/// Bytes the memo of compiled queries holds at most (queries and their SQL).
const MEMO_BYTES: usize = 16 << 20;
/// Compiled queries the memo holds at most.
const MEMO_ENTRIES: usize = 4096;
/// How long the warehouse keeps the version a server reads without hearing from it (its reader
/// lease, renewed every third of this while the server runs).
const READER_LEASE: Duration = Duration::from_secs(300);

/// How many earlier versions (time travel, `as_of`) stay open beside the current one.
const PAST_ENGINES: usize = 2;

/// A model that loaded without errors.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model.
    pub model: Model,
    /// Counts successful loads; part of compile memo keys.
    pub generation: u64,
    /// Warnings of this load.
    pub warnings: Vec<Diagnostic>,
    /// Files and their modification times when loaded.
    stamp: Vec<(PathBuf, Option<SystemTime>)>,
}

/// Shared state of the server; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub config: ServeConfig,
    pub warehouse: Location,
    runtime: Arc<RuntimeEnv>,
    model: ArcSwapOption<LoadedModel>,
    model_problem: Mutex<Option<ModelProblem>>,
    engine: ArcSwapOption<Engine>,
    /// Engines over earlier versions that queries asked for (`as_of`), most recently used
    /// first; at most [`PAST_ENGINES`].
    past: Mutex<Vec<Arc<Engine>>>,
    warehouse_problem: Mutex<Option<String>>,
    /// This server's name in the warehouse's reader leases, and when it last renewed it.
    reader: ReaderLease,
    reader_renewed: Mutex<Option<std::time::Instant>>,
    generation: AtomicU64,
    /// Results by compiled SQL and warehouse version.
    pub cache: ResultCache<CachedResult>,
    /// Text dimensions' distinct values (filter suggestions), by compiled SQL and warehouse
    /// version; a quarter of the result cache's bytes.
    pub suggestions: ResultCache<super::answer::ValueList>,
    /// Value lists being read in the background (one reader each), and how to wait for one:
    /// its sender is dropped when the read ends.
    pub suggestions_reading:
        Mutex<std::collections::HashMap<super::cache::CacheKey, tokio::sync::watch::Receiver<()>>>,
    /// Recently compiled queries.
    compile_memo: CompileMemo,
    /// Metrics.
    pub metrics: Metrics,
    /// One permit per query allowed to run at once.
    pub query_slots: Arc<Semaphore>,
    /// Dashboards and share links made in the app.
    pub store: crate::store::Store,
    /// How often one may try to log in.
    pub logins: super::login::LoginLimits,
    /// Requests a minute per caller.
    pub callers: super::rate::CallerLimits,
    /// Who the bearer tokens seen lately are.
    pub recent_callers: super::caller::RecentCallers,
    /// Writes the audit log.
    pub audit: super::audit::AuditWriter,
    started: std::time::Instant,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Load the model and open the warehouse. Neither needs to be ready: the server starts
    /// anyway, answers 503 `not_ready` and picks them up when they appear.
    pub async fn new(config: ServeConfig) -> anyhow::Result<AppState> {
        let warehouse = Location::parse(&config.warehouse)?;
        Self::with_warehouse(config, warehouse).await
    }

    /// Like [`AppState::new`] with the warehouse location already made (e.g. with S3
    /// settings that are not in the environment). `config.warehouse` is only for messages.
    pub async fn with_warehouse(
        config: ServeConfig,
        warehouse: Location,
    ) -> anyhow::Result<AppState> {
        let runtime = crate::engine::runtime(config.memory_limit)?;
        let store = if config.database.as_os_str() == ":memory:" {
            crate::store::Store::in_memory()
        } else {
            crate::store::Store::open(&config.database)
        }
        .with_context(|| {
            format!(
                "cannot open the app database '{}'",
                config.database.display()
            )
        })?;
        let state = AppState(Arc::new(Inner {
            audit: super::audit::AuditWriter::start(store.clone()),
            store,
            logins: super::login::LoginLimits::new(config.login_attempts, config.login_window),
            callers: super::rate::CallerLimits::new(config.requests_per_minute),
            recent_callers: super::caller::RecentCallers::default(),
            query_slots: Arc::new(Semaphore::new(config.max_concurrent_queries)),
            cache: ResultCache::new(config.cache_bytes, MAX_CACHED_RESULTS),
            suggestions: ResultCache::new(config.cache_bytes / 4, SUGGESTION_LISTS),
            suggestions_reading: Mutex::default(),
            compile_memo: ResultCache::new(MEMO_BYTES, MEMO_ENTRIES),
            config,
            warehouse,
            runtime,
            model: ArcSwapOption::empty(),
            model_problem: Mutex::new(None),
            engine: ArcSwapOption::empty(),
            past: Mutex::new(Vec::new()),
            warehouse_problem: Mutex::new(None),
            reader: ReaderLease::new(),
            reader_renewed: Mutex::new(None),
            generation: AtomicU64::new(0),
            metrics: Metrics::default(),
            started: std::time::Instant::now(),
        }));
        if !state.config.web_app_built() {
            tracing::warn!(site_dir = %state.config.site_dir.display(), "the web app is not built there; pages render but do not come alive. build it with scripts/build-frontend.sh or point --site-dir at it");
        }
        match state.store.user_count().await {
            Ok(0) => tracing::warn!(
                "no users yet: every page and query needs a login. make the first admin with 'boltic users add --email you@example.com --name You --role admin --password-stdin --database {}'",
                state.config.database.display()
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "cannot count the users"),
        }
        if let Err(problem) = state.reload_model() {
            tracing::error!(errors = ?problem.errors, "the semantic model has errors; fix them and the server picks the model up");
        }
        if let Err(e) = state.reload_warehouse().await {
            tracing::warn!(error = %e, "no warehouse yet");
        }
        Ok(state)
    }

    /// The model, if one loaded.
    pub fn model(&self) -> Option<Arc<LoadedModel>> {
        self.model.load_full()
    }

    /// The engine over the current warehouse version, if one is published.
    pub fn engine(&self) -> Option<Arc<Engine>> {
        self.engine.load_full()
    }

    /// The engine over version `as_of` of the warehouse, or over the current one when `None`
    /// (or when it names the current one). An earlier version must still be published (its
    /// manifest entry kept) and whole; it is opened once, held in this server's reader lease so
    /// clean-up keeps it, and kept open while among the [`PAST_ENGINES`] last asked for.
    pub async fn engine_at(&self, as_of: Option<&str>) -> Result<Arc<Engine>, ApiError> {
        let current = self.engine().ok_or_else(|| {
            ApiError::not_ready(
                "warehouse",
                self.warehouse_problem()
                    .unwrap_or_else(|| "publish one with 'boltic pipeline run'".into()),
            )
        })?;
        let Some(version) = as_of.filter(|v| *v != current.manifest().version) else {
            return Ok(current);
        };
        {
            let mut past = lock(&self.past);
            if let Some(at) = past.iter().position(|e| e.manifest().version == version) {
                let engine = past.remove(at);
                past.insert(0, engine.clone());
                return Ok(engine);
            }
        }
        let unknown = |why: String| {
            ApiError::new(
                ApiCode::UnknownVersion,
                format!("warehouse version '{version}' {why}"),
            )
            .at(serde_json::json!({"as_of": version}))
        };
        let manifests = self.published().await?;
        let Some(manifest) = manifests.into_iter().find(|m| m.version == version) else {
            return Err(unknown("is not published, or no longer kept".to_string()));
        };
        let mut held = vec![current.manifest().version.clone(), version.to_string()];
        held.extend(
            lock(&self.past)
                .iter()
                .map(|e| e.manifest().version.clone()),
        );
        self.hold_versions(&held, true).await;
        let warehouse = Warehouse::new(self.warehouse.clone());
        match warehouse.check_files(&manifest).await {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => return Err(unknown(format!("cannot be read: {problem}"))),
            Err(e) => {
                tracing::error!(error = %e, %version, "cannot check an earlier version's files");
                return Err(ApiError::internal("reading an earlier warehouse version"));
            }
        }
        let engine = Engine::open_version(
            &self.warehouse,
            manifest,
            self.runtime.clone(),
            &self.config.engine,
        )
        .await
        .map_err(|e| unknown(format!("cannot be opened: {e:#}")))?;
        let engine = Arc::new(engine);
        let mut past = lock(&self.past);
        past.insert(0, engine.clone());
        past.truncate(PAST_ENGINES);
        Ok(engine)
    }

    /// The published versions whose manifest entries are kept and read, newest first.
    pub async fn published(&self) -> Result<Vec<boltic_pipeline::Manifest>, ApiError> {
        let warehouse = Warehouse::new(self.warehouse.clone());
        let failed = |e: boltic_pipeline::PipelineError| {
            tracing::error!(error = %e, "cannot read the warehouse's manifest log");
            ApiError::not_ready("warehouse", e.to_string())
        };
        let mut manifests = Vec::new();
        for sequence in warehouse.sequences().await.map_err(failed)? {
            if let Ok(manifest) = warehouse.entry(sequence).await.map_err(failed)?.manifest {
                manifests.push(manifest);
            }
        }
        Ok(manifests)
    }

    /// The memo of compiled queries.
    pub(crate) fn compile_memo(&self) -> &CompileMemo {
        &self.compile_memo
    }

    /// Why the last model reload failed, if it did.
    pub fn model_problem(&self) -> Option<ModelProblem> {
        lock(&self.model_problem).clone()
    }

    /// Why the warehouse cannot be read, if it cannot.
    pub fn warehouse_problem(&self) -> Option<String> {
        lock(&self.warehouse_problem).clone()
    }

    /// Seconds since start.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The DataFusion runtime (memory pool) shared by all engines.
    pub fn runtime(&self) -> &Arc<RuntimeEnv> {
        &self.runtime
    }

    /// Read and check the model files; a model with errors never replaces a good one.
    pub fn reload_model(&self) -> Result<u64, ModelProblem> {
        let stamp = model_stamp(&self.config.project);
        let sources = match crate::project_files::semantic_sources(&self.config.project) {
            Ok(sources) => sources,
            Err(e) => return Err(self.refuse_model(vec![format!("{e:#}")])),
        };
        let (model, diagnostics) = boltic_semantic::load(&sources);
        let Some(model) = model else {
            let errors = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| d.to_string())
                .collect();
            return Err(self.refuse_model(errors));
        };
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        self.model.store(Some(Arc::new(LoadedModel {
            model,
            generation,
            warnings: diagnostics,
            stamp,
        })));
        *lock(&self.model_problem) = None;
        tracing::info!(generation, "semantic model loaded");
        Ok(generation)
    }

    fn refuse_model(&self, errors: Vec<String>) -> ModelProblem {
        self.metrics.model_reload_failures.inc();
        for e in &errors {
            tracing::error!("model not reloaded: {e}");
        }
        let problem = ModelProblem { errors };
        *lock(&self.model_problem) = Some(problem.clone());
        problem
    }

    /// Switch to the warehouse's newest version that reads whole, if it is not the one served:
    /// its manifest parses, every file it lists is there with its size, and its tables open.
    /// Newer versions that fail any of these are skipped and named in `/ready`'s
    /// `warehouse_problem`, while the server keeps serving the newest good one. Returns the
    /// version now served.
    pub async fn reload_warehouse(&self) -> anyhow::Result<Option<String>> {
        let serving = self.engine();
        let warehouse = Warehouse::new(self.warehouse.clone());
        let sequences = match warehouse.sequences().await {
            Ok(sequences) => sequences,
            Err(e) => {
                *lock(&self.warehouse_problem) = Some(e.to_string());
                return Err(e.into());
            }
        };
        if sequences.is_empty() {
            let msg = format!(
                "warehouse '{}' has no published version; build it with 'boltic pipeline run --warehouse {}'",
                self.warehouse, self.warehouse
            );
            *lock(&self.warehouse_problem) = Some(msg.clone());
            anyhow::bail!(msg);
        }
        let mut skipped: Vec<String> = Vec::new();
        for sequence in sequences {
            if let Some(engine) = serving
                .as_ref()
                .filter(|e| e.manifest().sequence == sequence)
            {
                // Everything newer is unusable (or there is nothing newer): keep serving.
                let version = engine.manifest().version.clone();
                *lock(&self.warehouse_problem) = fallback_problem(&skipped, &version);
                return Ok(Some(version));
            }
            let manifest = match warehouse.entry(sequence).await?.manifest {
                Ok(manifest) => manifest,
                Err(problem) => {
                    skipped.push(problem);
                    continue;
                }
            };
            // Recorded before checking and opening, so a clean-up cannot remove it in between.
            let mut held = vec![manifest.version.clone()];
            held.extend(serving.as_ref().map(|e| e.manifest().version.clone()));
            self.hold_versions(&held, true).await;
            if let Err(problem) = warehouse.check_files(&manifest).await? {
                skipped.push(problem);
                continue;
            }
            let version = manifest.version.clone();
            match Engine::open_version(
                &self.warehouse,
                manifest,
                self.runtime.clone(),
                &self.config.engine,
            )
            .await
            {
                Ok(engine) => {
                    let engine = Arc::new(engine);
                    self.engine.store(Some(engine.clone()));
                    self.cache.retain_version(&version);
                    self.suggestions.retain_version(&version);
                    let past = lock(&self.past).clone();
                    let mut open = vec![engine.manifest()];
                    open.extend(past.iter().map(|e| e.manifest()));
                    let forgotten = warehouse.forget_other_versions(&self.runtime, &open);
                    tracing::debug!(forgotten, "runtime cache entries of other versions dropped");
                    *lock(&self.warehouse_problem) = fallback_problem(&skipped, &version);
                    for problem in &skipped {
                        tracing::error!("{problem}; serving version '{version}' instead");
                    }
                    tracing::info!(
                        %version,
                        previous = ?serving.as_ref().map(|e| e.manifest().version.clone()),
                        "serving warehouse version"
                    );
                    return Ok(Some(version));
                }
                Err(e) => skipped.push(format!(
                    "version '{version}' (manifest {sequence}) cannot be opened: {e:#}"
                )),
            }
        }
        let msg = format!(
            "no published version of warehouse '{}' is readable: {}; run 'boltic pipeline run --warehouse {}' to publish a new one",
            self.warehouse,
            skipped.join("; "),
            self.warehouse
        );
        *lock(&self.warehouse_problem) = Some(msg.clone());
        anyhow::bail!(msg)
    }

    /// Record in the warehouse that this server reads `versions` (its reader lease), so
    /// clean-up keeps them; renewed when a third of the lease has passed, or now when `now`. A
    /// warehouse this server may not write to (read-only credentials) only costs the
    /// protection: warned.
    async fn hold_versions(&self, versions: &[String], now: bool) {
        let due =
            lock(&self.reader_renewed).is_none_or(|at| now || at.elapsed() >= READER_LEASE / 3);
        if !due {
            return;
        }
        let warehouse = Warehouse::new(self.warehouse.clone());
        match warehouse.hold(&self.reader, versions, READER_LEASE).await {
            Ok(()) => *lock(&self.reader_renewed) = Some(std::time::Instant::now()),
            Err(e) => tracing::warn!(
                error = %e,
                ?versions,
                "cannot record the version this server reads in the warehouse; a pipeline run's clean-up may remove it while it is served"
            ),
        }
    }

    /// Forget this server's reader lease (at shutdown).
    pub async fn release_reader(&self) {
        let warehouse = Warehouse::new(self.warehouse.clone());
        if let Err(e) = warehouse.release_reader(&self.reader).await {
            tracing::warn!(error = %e, "cannot remove this server's reader lease; it expires by itself");
        }
    }

    /// Whether the model files changed since the model loaded (or since the last refused load).
    fn model_files_changed(&self, last_seen: &mut Vec<(PathBuf, Option<SystemTime>)>) -> bool {
        let now = model_stamp(&self.config.project);
        let loaded = self.model().map(|m| m.stamp.clone()).unwrap_or_default();
        let changed = now != *last_seen && now != loaded;
        *last_seen = now;
        changed
    }

    /// Watch for new warehouse versions and changed model files until `shutdown` resolves.
    /// Without polling (`poll_interval` 0) it only renews the reader lease.
    pub async fn watch(self, shutdown: impl std::future::Future<Output = ()>) {
        let polling = !self.config.poll_interval.is_zero();
        let mut last_seen = self.model().map(|m| m.stamp.clone()).unwrap_or_default();
        let period = if polling {
            self.config.poll_interval
        } else {
            READER_LEASE / 3
        };
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            if polling {
                if self.model_files_changed(&mut last_seen) {
                    let _ = self.reload_model();
                }
                if let Err(e) = self.reload_warehouse().await {
                    tracing::debug!(error = %e, "warehouse not reloaded");
                }
            }
            if let Some(engine) = self.engine() {
                let mut held = vec![engine.manifest().version.clone()];
                held.extend(
                    lock(&self.past)
                        .iter()
                        .map(|e| e.manifest().version.clone()),
                );
                self.hold_versions(&held, false).await;
            }
        }
    }
}

/// What `/ready` says when newer versions were skipped for `serving`.
fn fallback_problem(skipped: &[String], serving: &str) -> Option<String> {
    (!skipped.is_empty()).then(|| {
        format!(
            "{}; serving version '{serving}', the newest that reads whole. run 'boltic pipeline run' to publish a repaired version",
            skipped.join("; ")
        )
    })
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Files of the model folder with their modification times, sorted.
fn model_stamp(project: &std::path::Path) -> Vec<(PathBuf, Option<SystemTime>)> {
    let Ok(entries) = std::fs::read_dir(project.join("semantic")) else {
        return Vec::new();
    };
    let mut stamp: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let modified = e.metadata().and_then(|m| m.modified()).ok();
            (e.path(), modified)
        })
        .collect();
    stamp.sort();
    stamp
}
