//! DataFusion over the published warehouse.

mod date_part;
mod group_parts;
mod quantile;
#[cfg(test)]
mod same_as_datafusion;
mod utc_trunc;

use std::sync::Arc;

use boltic_pipeline::{Location, Manifest, Warehouse};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::execution::TaskContext;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::cluster::EngineTarget;
pub(crate) use date_part::LocalDatePart;
pub(crate) use quantile::CountedQuantile;
pub(crate) use utc_trunc::UtcDateTrunc;

/// A DataFusion session with every table of one published warehouse version registered.
pub struct Engine {
    ctx: SessionContext,
    manifest: Manifest,
    /// Where queries run: here or on a Ballista cluster.
    target: EngineTarget,
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

/// The session settings Boltic queries run with.
pub fn boltic_config() -> anyhow::Result<SessionConfig> {
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
    Ok(config)
}

/// A session with `config` on `runtime` (whose object stores plan the tables) that runs its
/// queries where `target` says, with Boltic's functions and optimizer choices; no tables yet.
pub async fn session(
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
    target: &EngineTarget,
) -> anyhow::Result<SessionContext> {
    let ctx = match target.scheduler() {
        None => SessionContext::new_with_config_rt(config, runtime),
        Some(url) => {
            use ballista::prelude::SessionContextExt as _;
            let state = crate::cluster::client_state(config, &runtime);
            let ctx = SessionContext::remote_with_state(&url, state).await?;
            broadcast_dimensions(&ctx)?;
            ctx
        }
    };
    // COUNT(DISTINCT x) ... GROUP BY g: the rule rewrites it to GROUP BY g, x and hashes every
    // distinct (g, x) pair again after the repartition; per-group distinct sets were faster
    // on bench/api.sh question (c) (0.85 -> 0.67 of DuckDB's time at 1M orders, 0.78 -> 0.63
    // at 10M, in-process on DataFusion 55) and on most other COUNT(DISTINCT) shapes tried.
    let removed = ctx.remove_optimizer_rule(SINGLE_DISTINCT_RULE);
    debug_assert!(removed, "DataFusion renamed '{SINGLE_DISTINCT_RULE}'");
    // UTC timestamps truncated with integer arithmetic instead of chrono per value (Ballista's
    // client replaces the functions of the state it is given, so this comes after)
    ctx.register_udf(utc_trunc::UtcDateTrunc::udf());
    // date parts (day of week, hour of day, month) from local times with integer arithmetic
    ctx.register_udf(date_part::LocalDatePart::udf());
    // median and percentile_cont keep each distinct value once with its count (quantile)
    for f in CountedQuantile::udafs() {
        ctx.register_udaf(Arc::unwrap_or_clone(f));
    }
    // GROUP BY a || ' - ' || b: group by a, b first, concatenate once per group (group_parts)
    ctx.add_optimizer_rule(Arc::new(group_parts::GroupByParts));
    Ok(ctx)
}

/// Build sides a cluster broadcasts to every task of a join instead of shuffling both sides.
const BROADCAST_ROWS: usize = 4_000_000;
const BROADCAST_BYTES: usize = 256 << 20;

/// Make a Ballista session join the way the local engine does: Ballista plans every join as a
/// sort-merge join of two shuffles (its hash join cannot spill) and broadcasts build sides
/// under 1M rows only, while Boltic's joins are facts to dimensions (a tenth of the facts or
/// less), which a hash join can broadcast. bench/cluster.sh question (a) at 10M orders
/// (1M customers) shuffled all 11M rows of both sides and took 1.07 s against 0.41 s locally.
fn broadcast_dimensions(ctx: &SessionContext) -> datafusion::error::Result<()> {
    let state = ctx.state_ref();
    let mut state = state.write();
    let options = state.config_mut().options_mut();
    options.optimizer.prefer_hash_join = true;
    options.optimizer.hash_join_single_partition_threshold = BROADCAST_BYTES;
    options.optimizer.hash_join_single_partition_threshold_rows = BROADCAST_ROWS;
    options.set(
        ballista_core::config::BALLISTA_BROADCAST_JOIN_THRESHOLD_BYTES,
        &BROADCAST_BYTES.to_string(),
    )?;
    options.set(
        ballista_core::config::BALLISTA_BROADCAST_JOIN_THRESHOLD_ROWS,
        &BROADCAST_ROWS.to_string(),
    )
}

impl Engine {
    /// Open the published version at `warehouse` in this process; an empty warehouse is an
    /// error with the fix.
    pub async fn open(warehouse: &Location, memory_limit: usize) -> anyhow::Result<Engine> {
        Self::open_on(warehouse, memory_limit, &EngineTarget::Local).await
    }

    /// Like [`Engine::open`], running queries where `target` says.
    pub async fn open_on(
        warehouse: &Location,
        memory_limit: usize,
        target: &EngineTarget,
    ) -> anyhow::Result<Engine> {
        let published = Warehouse::new(warehouse.clone()).published().await?;
        for problem in &published.skipped {
            tracing::warn!("{problem}; reading the version before it");
        }
        let manifest = published.manifest.ok_or_else(|| match published.skipped.first() {
            None => anyhow::anyhow!("warehouse '{warehouse}' has no published version; build it with 'boltic pipeline run --warehouse {warehouse}'"),
            Some(problem) => anyhow::anyhow!("no published version of warehouse '{warehouse}' reads whole ({problem}); publish a new one with 'boltic pipeline run --warehouse {warehouse}'"),
        })?;
        Self::open_version(warehouse, manifest, runtime(memory_limit)?, target).await
    }

    /// Register the tables of `manifest` in a new session on `runtime`, whose queries run in
    /// this process or on the cluster `target` names.
    pub async fn open_version(
        warehouse: &Location,
        manifest: Manifest,
        runtime: Arc<RuntimeEnv>,
        target: &EngineTarget,
    ) -> anyhow::Result<Engine> {
        let ctx = session(boltic_config()?, runtime, target).await?;
        Warehouse::new(warehouse.clone())
            .register(&ctx, &manifest)
            .await?;
        Ok(Engine {
            ctx,
            manifest,
            target: target.clone(),
        })
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
        self.ctx.sql_with_options(sql, read_only()).await
    }

    /// Run the query `sql` and collect the result. Dropping the future cancels the work.
    pub async fn run(&self, sql: &str) -> datafusion::error::Result<Vec<RecordBatch>> {
        Ok(self.execute(sql).await?.1)
    }

    /// Where this engine's queries run.
    pub fn target(&self) -> &EngineTarget {
        &self.target
    }

    /// Collect `df` here or on the cluster. On a cluster each query is a job named
    /// `boltic-<random>` (shown by the scheduler), and dropping the future (a timeout, a client
    /// gone) cancels the job on the scheduler, which Ballista's client does not do by itself.
    async fn collect(&self, df: DataFrame) -> datafusion::error::Result<Vec<RecordBatch>> {
        if self.target == EngineTarget::Local {
            return df.collect().await;
        }
        let job_name = format!("boltic-{:016x}", rand_u64());
        let config = self
            .ctx
            .copied_config()
            .set_str(ballista_core::config::BALLISTA_JOB_NAME, &job_name);
        let task = TaskContext::from(&self.ctx.state()).with_session_config(config);
        let plan = df.create_physical_plan().await?;
        let mut job = CancelOnDrop {
            plan: Arc::clone(&plan),
            target: self.target.clone(),
            job_name,
            finished: false,
        };
        let result = datafusion::physical_plan::collect(plan, Arc::new(task)).await;
        job.finished = true;
        result
    }

    /// Run the query `sql`; the result schema comes along so empty results still have columns.
    ///
    /// A COUNT(DISTINCT) over more distinct values than the memory pool holds is run again with
    /// its values grouped (see [`distinct_as_groups`]), which can spill.
    pub async fn execute(
        &self,
        sql: &str,
    ) -> datafusion::error::Result<(SchemaRef, Vec<RecordBatch>)> {
        let df = self.query(sql).await?;
        let schema = df.schema().inner().clone();
        match self.collect(df).await {
            Err(e) if self.target == EngineTarget::Local && retry_distinct(&e, sql) => {
                tracing::info!(
                    "per-group distinct values went over the memory limit; running the query \
                     again with them grouped, which can spill"
                );
                let ctx = distinct_as_groups(&self.ctx);
                let df = ctx.sql_with_options(sql, read_only()).await?;
                let schema = df.schema().inner().clone();
                Ok((schema, df.collect().await?))
            }
            result => Ok((schema, result?)),
        }
    }
}

/// SQL that may only read.
fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Whether `error` is the memory pool running out, however deep DataFusion wrapped it.
pub(crate) fn out_of_memory(error: &datafusion::error::DataFusionError) -> bool {
    matches!(
        error.find_root(),
        datafusion::error::DataFusionError::ResourcesExhausted(_)
    )
}

/// Whether `error` is the memory pool running out on a query with a DISTINCT aggregate.
fn retry_distinct(error: &datafusion::error::DataFusionError, sql: &str) -> bool {
    out_of_memory(error) && sql.to_ascii_uppercase().contains("DISTINCT")
}

/// `ctx` with DataFusion's rule that turns COUNT(DISTINCT x) ... GROUP BY g into two GROUP BYs
/// (`GROUP BY g, x`, then count by `g`) back in its place: slower than per-group sets of
/// distinct values when they fit, but a grouped aggregate spills to disk and the sets cannot.
/// At 100M orders the per-group sets of customers by city went over a 1 GiB pool.
fn distinct_as_groups(ctx: &SessionContext) -> SessionContext {
    use datafusion::execution::SessionStateBuilder;
    use datafusion::optimizer::single_distinct_to_groupby::SingleDistinctToGroupBy;
    let state = ctx.state();
    let mut rules = state.optimizers().to_vec();
    // where DataFusion's default order has it: after filters are pushed down
    let at = rules
        .iter()
        .position(|r| r.name() == "push_down_filter")
        .map_or(rules.len(), |i| i + 1);
    rules.insert(at, Arc::new(SingleDistinctToGroupBy::new()));
    SessionContext::new_with_state(
        SessionStateBuilder::new_from_existing(state)
            .with_optimizer_rules(rules)
            .build(),
    )
}

/// A cluster job that is cancelled on the scheduler unless it finished before being dropped.
struct CancelOnDrop {
    plan: Arc<dyn ExecutionPlan>,
    target: EngineTarget,
    job_name: String,
    finished: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(crate::cluster::cancel(
            self.target.clone(),
            self.job_name.clone(),
            job_id(self.plan.as_ref()),
        ));
    }
}

/// The scheduler's id of the job running `plan` (a Ballista client plan), once it has one.
fn job_id(plan: &dyn ExecutionPlan) -> Option<String> {
    use ballista_core::execution_plans::DistributedQueryExec;
    use datafusion_proto::protobuf::LogicalPlanNode;
    if let Some(exec) = plan.downcast_ref::<DistributedQueryExec<LogicalPlanNode>>() {
        return exec.job_id().map(|id| id.as_str().to_string());
    }
    plan.children()
        .into_iter()
        .find_map(|child| job_id(child.as_ref()))
}

/// A random number for job names.
fn rand_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap_or_default();
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;

    use super::*;

    #[tokio::test]
    async fn distinct_values_over_the_pool_are_grouped_and_spill() {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(16 << 20, 1.0)
            .build_arc()
            .unwrap();
        let ctx = session(boltic_config().unwrap(), runtime, &EngineTarget::Local)
            .await
            .unwrap();
        let sql = "SELECT value % 3 AS g, COUNT(DISTINCT value) AS n FROM range(4000000) \
                   GROUP BY 1 ORDER BY 1";
        // per-group sets of 4M values do not fit 16 MiB
        let refused = ctx.sql(sql).await.unwrap().collect().await.unwrap_err();
        assert!(retry_distinct(&refused, sql), "{refused}");
        let grouped = distinct_as_groups(&ctx);
        let plan = grouped
            .sql(sql)
            .await
            .unwrap()
            .into_optimized_plan()
            .unwrap();
        assert!(
            plan.display_indent().to_string().contains("alias1"),
            "not grouped: {}",
            plan.display_indent()
        );
        let batches = grouped.sql(sql).await.unwrap().collect().await.unwrap();
        let text = pretty_format_batches(&batches).unwrap().to_string();
        assert!(
            text.contains("| 0 | 1333334 |") && text.contains("| 2 | 1333333 |"),
            "{text}"
        );
        // the session it came from is unchanged
        let again = ctx.sql(sql).await.unwrap().collect().await;
        assert!(again.is_err());
    }
}
