//! Writing normalized tables: cleaned rows go cell by cell into Arrow builders, full batches go
//! through a channel, and an async Parquet writer streams them into the object store.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::AsyncArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use object_store::buffered::BufWriter;
use tokio::sync::mpsc;

use crate::error::{PipelineError, Result};
use crate::extract::IdSet;
use crate::location::Location;

const BATCH_ROWS: usize = 64 * 1024;

/// Rows per data file of a table written in parts (one row group of the Parquet writer): a
/// file holds a narrow run of keys when the rows come in key order, so a MERGE or a filter on the
/// key skips the files whose statistics exclude it.
pub(crate) const FILE_ROWS: usize = 1024 * 1024;

/// Arrow type of a timestamp column: microseconds, UTC.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// One column's builder.
enum Column {
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
    Time(TimestampMicrosecondBuilder),
}

/// A cell on its way to a column; its variant must match the column's type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// An `Int64` cell.
    Int(Option<i64>),
    /// A `Float64` cell.
    Float(Option<f64>),
    /// A `Utf8` cell.
    Text(Option<&'a str>),
    /// A timestamp cell, in UTC microseconds.
    Time(Option<i64>),
}

/// Rows of one normalized table, batched and sent to the Parquet writer.
pub(crate) struct TableOut {
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
    written: u64,
    tx: mpsc::Sender<RecordBatch>,
    replaced: Option<Replaced>,
}

/// Rows a later delivery replaces: their keys (the table's first column) are in `later`.
#[derive(Debug)]
struct Replaced {
    later: Arc<IdSet>,
    keys: IdSet,
    count: u64,
}

impl TableOut {
    /// Rows of `schema`, sending each full batch to `tx`.
    pub(crate) fn new(schema: SchemaRef, tx: mpsc::Sender<RecordBatch>) -> Self {
        let columns = Self::builders(&schema);
        TableOut {
            schema,
            columns,
            rows: 0,
            written: 0,
            tx,
            replaced: None,
        }
    }

    /// Leave out the rows whose key (the first column, an integer) is in `later`: a later
    /// delivery replaces them. The keys of every row pushed are collected (see
    /// [`TableOut::keys`]).
    pub(crate) fn replaced_by(mut self, later: Arc<IdSet>) -> Self {
        self.replaced = Some(Replaced {
            later,
            keys: IdSet::default(),
            count: 0,
        });
        self
    }

    /// With [`TableOut::replaced_by`]: the keys of every row pushed (kept or replaced), and how
    /// many rows were left out.
    pub(crate) fn keys(&mut self) -> Option<(IdSet, u64)> {
        self.replaced.take().map(|r| (r.keys, r.count))
    }

    fn builders(schema: &Schema) -> Vec<Column> {
        schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int64 => Column::Int(Int64Builder::with_capacity(BATCH_ROWS)),
                DataType::Float64 => Column::Float(Float64Builder::with_capacity(BATCH_ROWS)),
                DataType::Timestamp(_, _) => Column::Time(
                    TimestampMicrosecondBuilder::with_capacity(BATCH_ROWS).with_timezone("UTC"),
                ),
                _ => Column::Text(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 16)),
            })
            .collect()
    }

    /// Append one row, a cell per column in schema order.
    pub(crate) fn push(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        if let (Some(replaced), Some(Cell::Int(Some(key)))) = (&mut self.replaced, cells.first()) {
            replaced.keys.insert(*key);
            if replaced.later.contains(*key) {
                replaced.count += 1;
                return Ok(());
            }
        }
        for (column, cell) in self.columns.iter_mut().zip(cells) {
            match (column, *cell) {
                (Column::Int(b), Cell::Int(v)) => b.append_option(v),
                (Column::Float(b), Cell::Float(v)) => b.append_option(v),
                (Column::Text(b), Cell::Text(v)) => b.append_option(v),
                (Column::Time(b), Cell::Time(v)) => b.append_option(v),
                _ => {
                    return Err(PipelineError::Internal(
                        "cell type does not match its column".into(),
                    ));
                }
            }
        }
        self.rows += 1;
        if self.rows == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Send the rows not sent yet (from a blocking thread).
    pub(crate) fn flush(&mut self) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Column::Int(b) => Arc::new(b.finish()),
                    Column::Float(b) => Arc::new(b.finish()),
                    Column::Text(b) => Arc::new(b.finish()),
                    Column::Time(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)?;
        self.written += self.rows as u64;
        self.rows = 0;
        self.tx
            .blocking_send(batch)
            .map_err(|_| PipelineError::Internal("the parquet writer stopped".into()))
    }

    /// Rows sent so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }
}

/// A Parquet writer of `schema` streaming into `path` under `dest` (multipart upload when large).
pub(crate) fn parquet_writer(
    dest: &Location,
    path: &str,
    schema: SchemaRef,
    compression: Compression,
) -> Result<AsyncArrowWriter<BufWriter>> {
    let object = BufWriter::new(dest.store().clone(), dest.path(path));
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    Ok(AsyncArrowWriter::try_new(object, schema, Some(props))?)
}

/// Write what `frame` returns as Parquet files in `folder` (relative to `dest`, ending in `/`),
/// one series of files per output partition (`part-<p>-<k>.parquet`, a new file every
/// [`FILE_ROWS`] rows) with the session's Parquet options, so that each file keeps the order its
/// partition produced (DataFusion's own writer deals batches of all partitions out to its
/// files). A result with no rows gets one empty file, which gives the table its schema. Returns
/// the rows written.
pub(crate) async fn write_parts(
    ctx: &datafusion::prelude::SessionContext,
    frame: datafusion::prelude::DataFrame,
    dest: &Location,
    folder: &str,
) -> datafusion::error::Result<u64> {
    use datafusion::parquet::arrow::arrow_writer::ArrowWriterOptions;
    use datafusion::parquet::file::properties::WriterPropertiesBuilder;
    use futures::StreamExt;

    // The session's Parquet options, as DataFusion's own writer applies them.
    let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
    let mut options = ctx.state().table_options().parquet.clone();
    let skip_arrow_metadata = options.global.skip_arrow_metadata;
    if !skip_arrow_metadata {
        options.arrow_schema(&schema);
    }
    let props = WriterPropertiesBuilder::try_from(&options)?.build();
    let open = {
        let (dest, folder) = (dest.clone(), folder.to_string());
        move |p: usize, k: usize| -> datafusion::error::Result<AsyncArrowWriter<BufWriter>> {
            let object = BufWriter::new(
                dest.store().clone(),
                dest.path(&format!("{folder}part-{p:03}-{k:03}.parquet")),
            );
            let options = ArrowWriterOptions::new()
                .with_properties(props.clone())
                .with_skip_arrow_metadata(skip_arrow_metadata);
            Ok(AsyncArrowWriter::try_new_with_options(
                object,
                Arc::clone(&schema),
                options,
            )?)
        }
    };
    let streams = frame.execute_stream_partitioned().await?;
    // Each partition on a task of its own, so that the partitions run (and encode) in parallel.
    let writes = streams.into_iter().enumerate().map(|(p, mut stream)| {
        let open = open.clone();
        tokio::spawn(async move {
            let (mut writer, mut in_file, mut files, mut rows) = (None, 0usize, 0usize, 0u64);
            while let Some(batch) = stream.next().await {
                let batch = batch?;
                if batch.num_rows() == 0 {
                    continue;
                }
                if writer.is_none() || in_file >= FILE_ROWS {
                    if let Some(full) = writer.take() {
                        AsyncArrowWriter::close(full).await?;
                    }
                    writer = Some(open(p, files)?);
                    (in_file, files) = (0, files + 1);
                }
                if let Some(w) = writer.as_mut() {
                    w.write(&batch).await?;
                }
                in_file += batch.num_rows();
                rows += batch.num_rows() as u64;
            }
            if let Some(last) = writer {
                last.close().await?;
            }
            Ok::<_, datafusion::error::DataFusionError>(rows)
        })
    });
    let mut rows = 0u64;
    for done in futures::future::join_all(writes).await {
        rows += done.map_err(|e| {
            datafusion::error::DataFusionError::Execution(format!("a writer task died: {e}"))
        })??;
    }
    if rows == 0 {
        open(0, 0)?.close().await?;
    }
    Ok(rows)
}
