//! Settings of `boltic serve`: flags, then environment, then a YAML config file, then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

/// Settings as given: each may be missing and is filled from the next source.
/// The same names work as flags (`--max-rows`), environment (`BOLTIC_MAX_ROWS`) and
/// config-file keys (`max_rows:`).
#[derive(Debug, Clone, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSettings {
    /// Project folder (semantic/*.yml).
    #[arg(long, env = "BOLTIC_PROJECT")]
    pub project: Option<PathBuf>,
    /// Published warehouse: a folder or s3://bucket/prefix.
    #[arg(long, env = "BOLTIC_WAREHOUSE")]
    pub warehouse: Option<String>,
    /// Address to listen on [default: 127.0.0.1:3000].
    #[arg(long, env = "BOLTIC_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Most rows one response may carry; longer results are truncated and flagged [default: 50000].
    #[arg(long, env = "BOLTIC_MAX_ROWS")]
    pub max_rows: Option<u64>,
    /// A query running longer is cancelled and answers 504, in milliseconds [default: 30000].
    #[arg(long, env = "BOLTIC_QUERY_TIMEOUT_MS")]
    pub query_timeout_ms: Option<u64>,
    /// Memory all running queries may use before spilling to disk, in MiB [default: 1024].
    #[arg(long, env = "BOLTIC_MEMORY_MIB")]
    pub memory_mib: Option<usize>,
    /// Queries run at once; more answer 429 [default: 8].
    #[arg(long, env = "BOLTIC_MAX_CONCURRENT_QUERIES")]
    pub max_concurrent_queries: Option<usize>,
    /// How long a query's request body may take to arrive, in milliseconds; slower ones
    /// answer 408 without taking a query slot [default: 10000].
    #[arg(long, env = "BOLTIC_BODY_TIMEOUT_MS")]
    pub body_timeout_ms: Option<u64>,
    /// How long a request's headers may take to arrive, in milliseconds; the connection is
    /// closed after that [default: 10000].
    #[arg(long, env = "BOLTIC_HEADER_TIMEOUT_MS")]
    pub header_timeout_ms: Option<u64>,
    /// Connections served at once; more wait to be accepted [default: 512].
    #[arg(long, env = "BOLTIC_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// API requests a minute for each user, share link or anonymous address (in bursts of as
    /// many); more answer 429 [default: 1200].
    #[arg(long, env = "BOLTIC_REQUESTS_PER_MINUTE")]
    pub requests_per_minute: Option<u32>,
    /// Size of the result cache in MiB; 0 turns it off [default: 256].
    #[arg(long, env = "BOLTIC_CACHE_MIB")]
    pub cache_mib: Option<usize>,
    /// How often to look for a new warehouse version and changed model files, in
    /// milliseconds; 0 turns watching off [default: 2000].
    #[arg(long, env = "BOLTIC_POLL_INTERVAL_MS")]
    pub poll_interval_ms: Option<u64>,
    /// Folder with the web app's built assets (`pkg/boltic.js`, `pkg/boltic_bg.wasm`, ...),
    /// made by scripts/build-frontend.sh [default: target/site].
    #[arg(long, env = "BOLTIC_SITE_DIR")]
    pub site_dir: Option<PathBuf>,
    /// The address users open, e.g. https://boltic.example.com: its host is accepted in
    /// `Host` and `Origin` besides the loopback names (localhost, 127.0.0.1, [::1]).
    #[arg(long, env = "BOLTIC_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SQLite file for what users make in the app (dashboards, share links); created and
    /// migrated on start; `:memory:` keeps nothing [default: boltic.db].
    #[arg(long, env = "BOLTIC_DATABASE")]
    pub database: Option<PathBuf>,
    /// A login session unused this long ends, in minutes [default: 720].
    #[arg(long, env = "BOLTIC_SESSION_IDLE_MINUTES")]
    pub session_idle_minutes: Option<u64>,
    /// A login session ends this long after logging in, however used, in hours [default: 168].
    #[arg(long, env = "BOLTIC_SESSION_MAX_HOURS")]
    pub session_max_hours: Option<u64>,
    /// Login attempts allowed per account in a burst; more wait for the window. Each address
    /// gets four times as many [default: 5].
    #[arg(long, env = "BOLTIC_LOGIN_ATTEMPTS")]
    pub login_attempts: Option<u32>,
    /// Time for one more login attempt to become available, in seconds [default: 60].
    #[arg(long, env = "BOLTIC_LOGIN_WINDOW_SECS")]
    pub login_window_secs: Option<u64>,
    /// A token that may read /metrics (for a scraper); admins may read it anyway. Prefer the
    /// environment variable to the flag: flags show in process lists.
    #[arg(long, env = "BOLTIC_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Days the audit log keeps entries [default: 90].
    #[arg(long, env = "BOLTIC_AUDIT_RETENTION_DAYS")]
    pub audit_retention_days: Option<u64>,
    /// Behind a reverse proxy: take a login's client address from the last entry of
    /// `X-Forwarded-For` (which the proxy appends) instead of the socket, so each client has
    /// its own login limit. Only set it when every request comes through that proxy.
    #[arg(long, env = "BOLTIC_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: Option<bool>,
    /// Where queries run: 'local' (in this process) or a Ballista cluster,
    /// 'ballista://<scheduler host>:<port>' (`boltic cluster scheduler`) [default: local].
    #[arg(long, env = "BOLTIC_ENGINE")]
    pub engine: Option<crate::cluster::EngineTarget>,
}

impl ServeSettings {
    /// Fill what `self` lacks from `other`.
    pub fn or(self, other: ServeSettings) -> ServeSettings {
        ServeSettings {
            project: self.project.or(other.project),
            warehouse: self.warehouse.or(other.warehouse),
            listen: self.listen.or(other.listen),
            max_rows: self.max_rows.or(other.max_rows),
            query_timeout_ms: self.query_timeout_ms.or(other.query_timeout_ms),
            memory_mib: self.memory_mib.or(other.memory_mib),
            max_concurrent_queries: self.max_concurrent_queries.or(other.max_concurrent_queries),
            body_timeout_ms: self.body_timeout_ms.or(other.body_timeout_ms),
            header_timeout_ms: self.header_timeout_ms.or(other.header_timeout_ms),
            max_connections: self.max_connections.or(other.max_connections),
            requests_per_minute: self.requests_per_minute.or(other.requests_per_minute),
            cache_mib: self.cache_mib.or(other.cache_mib),
            poll_interval_ms: self.poll_interval_ms.or(other.poll_interval_ms),
            site_dir: self.site_dir.or(other.site_dir),
            database: self.database.or(other.database),
            public_url: self.public_url.or(other.public_url),
            session_idle_minutes: self.session_idle_minutes.or(other.session_idle_minutes),
            session_max_hours: self.session_max_hours.or(other.session_max_hours),
            login_attempts: self.login_attempts.or(other.login_attempts),
            login_window_secs: self.login_window_secs.or(other.login_window_secs),
            metrics_token: self.metrics_token.or(other.metrics_token),
            audit_retention_days: self.audit_retention_days.or(other.audit_retention_days),
            trust_forwarded_for: self.trust_forwarded_for.or(other.trust_forwarded_for),
            engine: self.engine.or(other.engine),
        }
    }

    /// Read a YAML config file with the same keys as the flags (`max_rows: 1000`).
    pub fn from_file(path: &Path) -> anyhow::Result<ServeSettings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file '{}'", path.display()))?;
        serde_yaml::from_str(&text).map_err(|e| {
            let place = e
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            anyhow::anyhow!(
                "config file '{}{place}': {e}; keys are the flag names with '_' (e.g. 'max_rows: 1000')",
                path.display()
            )
        })
    }

    /// Apply defaults and check the values.
    pub fn resolve(self) -> anyhow::Result<ServeConfig> {
        let d = ServeConfig::new(PathBuf::from("demo/air_boltic"), "data/warehouse");
        let config = ServeConfig {
            project: self.project.unwrap_or(d.project),
            warehouse: self.warehouse.unwrap_or(d.warehouse),
            listen: self.listen.unwrap_or(d.listen),
            max_rows: self.max_rows.unwrap_or(d.max_rows),
            query_timeout: self
                .query_timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(d.query_timeout),
            memory_limit: self.memory_mib.map(|m| m << 20).unwrap_or(d.memory_limit),
            max_concurrent_queries: self
                .max_concurrent_queries
                .unwrap_or(d.max_concurrent_queries),
            body_timeout: self
                .body_timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(d.body_timeout),
            header_timeout: self
                .header_timeout_ms
                .map(Duration::from_millis)
                .unwrap_or(d.header_timeout),
            max_connections: self.max_connections.unwrap_or(d.max_connections),
            requests_per_minute: self.requests_per_minute.unwrap_or(d.requests_per_minute),
            cache_bytes: self.cache_mib.map(|m| m << 20).unwrap_or(d.cache_bytes),
            poll_interval: self
                .poll_interval_ms
                .map(Duration::from_millis)
                .unwrap_or(d.poll_interval),
            site_dir: self.site_dir.unwrap_or(d.site_dir),
            database: self.database.unwrap_or(d.database),
            public_url: self
                .public_url
                .as_deref()
                .map(parse_public_url)
                .transpose()?,
            session_idle: self
                .session_idle_minutes
                .map(|m| Duration::from_secs(m * 60))
                .unwrap_or(d.session_idle),
            session_max: self
                .session_max_hours
                .map(|h| Duration::from_secs(h * 3600))
                .unwrap_or(d.session_max),
            login_attempts: self.login_attempts.unwrap_or(d.login_attempts),
            login_window: self
                .login_window_secs
                .map(Duration::from_secs)
                .unwrap_or(d.login_window),
            metrics_token: self.metrics_token.map(Secret),
            audit_retention: self
                .audit_retention_days
                .map(|days| Duration::from_secs(days * 86_400))
                .unwrap_or(d.audit_retention),
            trust_forwarded_for: self.trust_forwarded_for.unwrap_or(d.trust_forwarded_for),
            engine: self.engine.unwrap_or(d.engine),
        };
        if config.session_idle.is_zero() || config.session_max.is_zero() {
            anyhow::bail!("'session_idle_minutes' and 'session_max_hours' must be at least 1");
        }
        if config.login_attempts == 0 || config.login_window.is_zero() {
            anyhow::bail!("'login_attempts' and 'login_window_secs' must be at least 1");
        }
        if config
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.0.len() < 16)
        {
            anyhow::bail!(
                "'metrics_token' must be at least 16 characters; make one with e.g. 'openssl rand -hex 24'"
            );
        }
        if config.max_rows == 0 {
            anyhow::bail!("'max_rows' must be at least 1");
        }
        if config.max_concurrent_queries == 0 {
            anyhow::bail!("'max_concurrent_queries' must be at least 1");
        }
        if config.body_timeout.is_zero() || config.header_timeout.is_zero() {
            anyhow::bail!("'body_timeout_ms' and 'header_timeout_ms' must be at least 1");
        }
        if config.max_connections == 0 || config.requests_per_minute == 0 {
            anyhow::bail!("'max_connections' and 'requests_per_minute' must be at least 1");
        }
        if config.query_timeout.is_zero() {
            anyhow::bail!("'query_timeout_ms' must be at least 1");
        }
        if config.memory_limit < (16 << 20) {
            anyhow::bail!("'memory_mib' must be at least 16");
        }
        Ok(config)
    }
}

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Project folder.
    pub project: PathBuf,
    /// Warehouse location, as given.
    pub warehouse: String,
    /// Listen address.
    pub listen: SocketAddr,
    /// Most rows per response.
    pub max_rows: u64,
    /// Query timeout.
    pub query_timeout: Duration,
    /// Memory pool size in bytes.
    pub memory_limit: usize,
    /// Queries at once.
    pub max_concurrent_queries: usize,
    /// How long a query route waits for the whole request body before answering 408.
    pub body_timeout: Duration,
    /// How long a connection waits for a request's headers before it is closed.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// API requests a minute per caller.
    pub requests_per_minute: u32,
    /// Result cache size in bytes.
    pub cache_bytes: usize,
    /// Watch interval (zero: no watching).
    pub poll_interval: Duration,
    /// The web app's built assets.
    pub site_dir: PathBuf,
    /// The app database (`:memory:` for none on disk).
    pub database: PathBuf,
    /// The address users open (its host is accepted besides the loopback names).
    pub public_url: Option<url::Url>,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login.
    pub session_max: Duration,
    /// Login attempts per account in a burst (four times as many per address).
    pub login_attempts: u32,
    /// Time for one more attempt to become available.
    pub login_window: Duration,
    /// The token that may read /metrics.
    pub metrics_token: Option<Secret>,
    /// How long audit entries are kept.
    pub audit_retention: Duration,
    /// Take a login's client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Where queries run.
    pub engine: crate::cluster::EngineTarget,
}

/// A secret setting: never shown by `Debug` (so never logged with the settings).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl ServeConfig {
    /// Whether cookies must be `Secure`: the public address is https.
    pub fn https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

/// `--public-url`: an http or https URL with a host.
fn parse_public_url(text: &str) -> anyhow::Result<url::Url> {
    let url = url::Url::parse(text).map_err(|e| {
        anyhow::anyhow!(
            "'public_url' '{text}' is not a URL: {e}; write e.g. https://boltic.example.com"
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        anyhow::bail!(
            "'public_url' '{text}' must be an http(s) address with a host, e.g. https://boltic.example.com"
        );
    }
    Ok(url)
}

impl ServeConfig {
    /// The defaults for a project and warehouse.
    pub fn new(project: PathBuf, warehouse: impl Into<String>) -> ServeConfig {
        ServeConfig {
            project,
            warehouse: warehouse.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            max_rows: 50_000,
            query_timeout: Duration::from_secs(30),
            memory_limit: 1024 << 20,
            max_concurrent_queries: 8,
            body_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            max_connections: 512,
            requests_per_minute: 1200,
            cache_bytes: 256 << 20,
            poll_interval: Duration::from_secs(2),
            site_dir: PathBuf::from("target/site"),
            database: PathBuf::from("boltic.db"),
            public_url: None,
            session_idle: Duration::from_secs(12 * 3600),
            session_max: Duration::from_secs(7 * 86_400),
            login_attempts: 5,
            login_window: Duration::from_secs(60),
            metrics_token: None,
            audit_retention: Duration::from_secs(90 * 86_400),
            trust_forwarded_for: false,
            engine: crate::cluster::EngineTarget::Local,
        }
    }

    /// Whether the built web app is in `site_dir` (the pages work without it, but do not
    /// hydrate).
    pub fn web_app_built(&self) -> bool {
        let pkg = self.site_dir.join("pkg");
        pkg.join(format!("{}.js", boltic_frontend::OUTPUT_NAME))
            .is_file()
            && pkg
                .join(format!("{}_bg.wasm", boltic_frontend::OUTPUT_NAME))
                .is_file()
    }
}
