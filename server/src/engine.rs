//! DataFusion over the published warehouse.

mod utc_trunc;

use std::sync::Arc;

use boltic_pipeline::{Location, Manifest, Warehouse};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::{SessionConfig, SessionContext};

/// A DataFusion session with every table of one published warehouse version registered.
pub struct Engine {
    ctx: SessionContext,
    manifest: Manifest,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("version", &self.manifest.version)
            .finish()
    }
}

/// The runtime every engine of a process shares: one memory pool (spilling to the OS temp
/// folder when full), so switching warehouse versions never doubles the memory budget.
pub fn runtime(memory_limit: usize) -> anyhow::Result<Arc<RuntimeEnv>> {
    Ok(boltic_pipeline::run::session(memory_limit)?.runtime_env())
}

/// DataFusion's optimizer rule that turns a single COUNT(DISTINCT) into two GROUP BYs.
pub const SINGLE_DISTINCT_RULE: &str = "single_distinct_aggregation_to_group_by";

impl Engine {
    /// Open the published version at `warehouse`; an empty warehouse is an error with the fix.
    pub async fn open(warehouse: &Location, memory_limit: usize) -> anyhow::Result<Engine> {
        let published = Warehouse::new(warehouse.clone()).published().await?;
        for problem in &published.skipped {
            tracing::warn!("{problem}; reading the version before it");
        }
        let manifest = published.manifest.ok_or_else(|| match published.skipped.first() {
            None => anyhow::anyhow!("warehouse '{warehouse}' has no published version; build it with 'boltic pipeline run --warehouse {warehouse}'"),
            Some(problem) => anyhow::anyhow!("no published version of warehouse '{warehouse}' reads whole ({problem}); publish a new one with 'boltic pipeline run --warehouse {warehouse}'"),
        })?;
        Self::open_version(warehouse, manifest, runtime(memory_limit)?).await
    }

    /// Register the tables of `manifest` in a new session on `runtime`.
    pub async fn open_version(
        warehouse: &Location,
        manifest: Manifest,
        runtime: Arc<RuntimeEnv>,
    ) -> anyhow::Result<Engine> {
        // DataFusion's own `DATAFUSION_*` environment variables (e.g.
        // `DATAFUSION_EXECUTION_PARQUET_PUSHDOWN_FILTERS=true`) tune the session, so a setting can
        // be measured on bench/battery.sh without a rebuild; Boltic's defaults below hold where
        // none is set.
        let mut config = SessionConfig::from_env()?.with_information_schema(true);
        // Batches of 32k rows instead of 8k: the analyst questions of bench/api.sh ran 10–30%
        // faster at 1M and 10M orders (measured on DataFusion 55), mostly high-cardinality
        // aggregates such as COUNT(DISTINCT) by city.
        if std::env::var_os("DATAFUSION_EXECUTION_BATCH_SIZE").is_none() {
            config = config.with_batch_size(32 * 1024);
        }
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        // COUNT(DISTINCT x) ... GROUP BY g: the rule rewrites it to GROUP BY g, x and hashes every
        // distinct (g, x) pair again after the repartition; per-group distinct sets were faster
        // on bench/api.sh question (c) (0.85 -> 0.67 of DuckDB's time at 1M orders, 0.78 -> 0.63
        // at 10M, in-process on DataFusion 55) and on most other COUNT(DISTINCT) shapes tried.
        let removed = ctx.remove_optimizer_rule(SINGLE_DISTINCT_RULE);
        debug_assert!(removed, "DataFusion renamed '{SINGLE_DISTINCT_RULE}'");
        // UTC timestamps truncated with integer arithmetic instead of chrono per value
        ctx.register_udf(utc_trunc::UtcDateTrunc::udf());
        Warehouse::new(warehouse.clone())
            .register(&ctx, &manifest)
            .await?;
        Ok(Engine { ctx, manifest })
    }

    /// The session, to plan or run SQL.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The published version this engine reads.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Plan `sql` as a query and nothing else: DDL (`CREATE`, `DROP`), DML (`INSERT`, `COPY`)
    /// and statements (`SET`, transactions) are refused, so no SQL that reaches the engine
    /// can change the session or write files.
    async fn query(&self, sql: &str) -> datafusion::error::Result<DataFrame> {
        let read_only = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        self.ctx.sql_with_options(sql, read_only).await
    }

    /// Run the query `sql` and collect the result. Dropping the future cancels the work.
    pub async fn run(&self, sql: &str) -> datafusion::error::Result<Vec<RecordBatch>> {
        self.query(sql).await?.collect().await
    }

    /// Run the query `sql`; the result schema comes along so empty results still have columns.
    pub async fn execute(
        &self,
        sql: &str,
    ) -> datafusion::error::Result<(SchemaRef, Vec<RecordBatch>)> {
        let df = self.query(sql).await?;
        let schema = df.schema().inner().clone();
        Ok((schema, df.collect().await?))
    }
}
