//! Test support for the engine's own functions that replace DataFusion's: one query run with
//! DataFusion's function and with ours on the same rows, compared column for column.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;

/// Two sessions over the same table `t`: DataFusion's functions, and the same with `ours`
/// registered in place of its namesake.
pub(super) struct Sessions {
    builtin: SessionContext,
    ours: SessionContext,
}

impl Sessions {
    pub(super) fn new(batch: RecordBatch, ours: ScalarUDF) -> Self {
        let builtin = SessionContext::new();
        builtin.register_batch("t", batch.clone()).unwrap();
        let session = SessionContext::new();
        session.register_udf(ours);
        session.register_batch("t", batch).unwrap();
        Self {
            builtin,
            ours: session,
        }
    }

    /// Runs `sql` (one output column) in both sessions and panics, saying `what` and which
    /// input (`inputs`, by row) gave the first different value, unless every row, the schema
    /// and the row count are the same.
    pub(super) async fn assert_same<T: std::fmt::Debug>(
        &self,
        sql: &str,
        what: &str,
        inputs: &[T],
    ) {
        let expected = collect(&self.builtin, sql).await;
        let got = collect(&self.ours, sql).await;
        assert_eq!(got.num_rows(), inputs.len(), "{what}: rows");
        assert_eq!(got.schema(), expected.schema(), "{what}: schema");
        let (got, expected): (&ArrayRef, &ArrayRef) = (got.column(0), expected.column(0));
        if got != expected {
            let first = (0..inputs.len())
                .find(|&i| got.slice(i, 1) != expected.slice(i, 1))
                .unwrap_or(inputs.len());
            panic!(
                "{what}, of {:?}: {:?} against DataFusion's {:?}",
                inputs.get(first),
                got.slice(first, 1),
                expected.slice(first, 1)
            );
        }
    }
}

async fn collect(session: &SessionContext, sql: &str) -> RecordBatch {
    let batches = session.sql(sql).await.unwrap().collect().await.unwrap();
    concat_batches(&batches[0].schema(), &batches).unwrap()
}
