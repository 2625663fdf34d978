//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueryLabels {
    format: &'static str,
    cache: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

fn latency_histogram() -> Histogram {
    // 100 µs .. ~105 s
    Histogram::new(exponential_buckets(0.0001, 2.0, 21))
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    queries: Family<QueryLabels, Counter>,
    latency: Family<QueryLabels, Histogram, fn() -> Histogram>,
    cache_hits: Counter,
    cache_misses: Counter,
    errors: Family<CodeLabels, Counter>,
    rows: Counter,
    /// Bytes held by the result cache.
    pub cache_bytes: Gauge,
    /// Queries running now.
    pub running: Gauge,
    /// Model reloads that failed (the old model stayed).
    pub model_reload_failures: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("boltic");
        let queries = Family::<QueryLabels, Counter>::default();
        let latency = Family::<QueryLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let cache_hits = Counter::default();
        let cache_misses = Counter::default();
        let errors = Family::<CodeLabels, Counter>::default();
        let rows = Counter::default();
        let cache_bytes = Gauge::default();
        let running = Gauge::default();
        let model_reload_failures = Counter::default();
        registry.register("queries", "Queries answered", queries.clone());
        registry.register(
            "query_duration_seconds",
            "Time to answer a query, from request to response",
            latency.clone(),
        );
        registry.register("cache_hits", "Result cache hits", cache_hits.clone());
        registry.register("cache_misses", "Result cache misses", cache_misses.clone());
        registry.register("errors", "Error responses by code", errors.clone());
        registry.register(
            "rows_returned",
            "Rows sent in query responses",
            rows.clone(),
        );
        registry.register(
            "cache_bytes",
            "Bytes held by the result cache",
            cache_bytes.clone(),
        );
        registry.register("running_queries", "Queries running now", running.clone());
        registry.register(
            "model_reload_failures",
            "Model reloads refused because the new model has errors",
            model_reload_failures.clone(),
        );
        Metrics {
            registry,
            queries,
            latency,
            cache_hits,
            cache_misses,
            errors,
            rows,
            cache_bytes,
            running,
            model_reload_failures,
        }
    }
}

impl Metrics {
    /// Count an answered query.
    pub fn query(&self, format: &'static str, cache: &'static str, seconds: f64, rows: u64) {
        let labels = QueryLabels { format, cache };
        self.queries.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
        self.rows.inc_by(rows);
        match cache {
            "hit" => self.cache_hits.inc(),
            _ => self.cache_misses.inc(),
        };
    }

    /// Count an error response.
    pub fn error(&self, code: &'static str) {
        self.errors.get_or_create(&CodeLabels { code }).inc();
    }

    /// The OpenMetrics text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
