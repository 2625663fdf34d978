//! DataFusion over the published warehouse.

use boltic_pipeline::{Location, Manifest, Warehouse};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;

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

impl Engine {
    /// Open the published version at `warehouse`; an empty warehouse is an error with the fix.
    pub async fn open(warehouse: &Location, memory_limit: usize) -> anyhow::Result<Engine> {
        let wh = Warehouse::new(warehouse.clone());
        let manifest = wh.current().await?.ok_or_else(|| {
            anyhow::anyhow!("warehouse '{warehouse}' has no published version; build it with 'boltic pipeline run --warehouse {warehouse}'")
        })?;
        let ctx = boltic_pipeline::run::session(memory_limit)?;
        wh.register(&ctx, &manifest).await?;
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

    /// Run `sql` and collect the result.
    pub async fn run(&self, sql: &str) -> datafusion::error::Result<Vec<RecordBatch>> {
        self.ctx.sql(sql).await?.collect().await
    }
}
