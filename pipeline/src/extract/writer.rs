//! Writing normalized tables: cleaned rows go cell by cell into Arrow builders that make the
//! batches of a chunk, and an async Parquet writer streams the batches into the object store.

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

use crate::error::{PipelineError, Result};
use crate::extract::IdSet;
use crate::location::Location;

const BATCH_ROWS: usize = 64 * 1024;

/// Rows per data file of a table written in parts: a file holds a narrow run of keys when the
/// rows come in key order, so a MERGE or a filter on the key skips the files whose statistics
/// exclude it. A MERGE rewrites every file that holds a changed key (delta-rs writes no
/// deletion vectors), so the files are small enough that a day's changes rewrite little: a
/// quarter of a million orders is about 4 MiB, as Delta's MERGE-heavy tables are tuned.
pub(crate) const FILE_ROWS: usize = 256 * 1024;

/// Rows per Parquet row group of every file written (two to a [`FILE_ROWS`] file; Parquet's
/// default is a million). DataFusion reads a row group on one core, so a table of a million
/// rows in one group was scanned by one of the two cores; smaller groups also let statistics
/// and page indexes skip more. DuckDB writes 122,880.
pub(crate) const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Dictionary bytes per column chunk (a row group's column) before its writer gives up the
/// dictionary and writes the rest plainly (Parquet's default is 1 MiB). A row group of
/// [`ROW_GROUP_ROWS`] integers fits in 1 MiB, so ids and other columns of many distinct values
/// were hashed into a dictionary as large as the values (a third of the writer's time, and
/// larger files); columns of few distinct values (statuses, seats, cities, prices) stay
/// dictionary-encoded.
pub(crate) const DICTIONARY_PAGE_BYTES: usize = 64 * 1024;

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

/// Rows of one normalized table cleaned from one chunk, in batches.
pub(crate) struct TableOut {
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
    batches: Vec<RecordBatch>,
    written: u64,
    replaced: Option<Replaced>,
}

impl std::fmt::Debug for TableOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableOut")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

/// Rows a later delivery replaces: their keys (the table's first column) are in `later`.
#[derive(Debug)]
struct Replaced {
    later: Arc<IdSet>,
    keys: Vec<i64>,
    count: u64,
}

/// What a [`TableOut`] holds when its rows are all pushed.
#[derive(Debug)]
pub(crate) struct TableRows {
    /// The rows, in the order pushed.
    pub(crate) batches: Vec<RecordBatch>,
    /// How many.
    pub(crate) written: u64,
    /// With [`TableOut::replaced_by`]: the keys of every row pushed (kept or replaced), and how
    /// many rows were left out.
    pub(crate) keys: Option<(Vec<i64>, u64)>,
}

impl TableOut {
    /// Rows of `schema`.
    pub(crate) fn new(schema: SchemaRef) -> Self {
        let columns = Self::builders(&schema);
        TableOut {
            schema,
            columns,
            rows: 0,
            batches: Vec::new(),
            written: 0,
            replaced: None,
        }
    }

    /// Leave out the rows whose key (the first column, an integer) is in `later`: a later
    /// delivery replaces them. The keys of every row pushed are collected (see
    /// [`TableRows::keys`]).
    pub(crate) fn replaced_by(mut self, later: Arc<IdSet>) -> Self {
        self.replaced = Some(Replaced {
            later,
            keys: Vec::new(),
            count: 0,
        });
        self
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
            replaced.keys.push(*key);
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

    /// Every row pushed, in batches.
    pub(crate) fn finish(mut self) -> Result<TableRows> {
        self.flush()?;
        Ok(TableRows {
            batches: self.batches,
            written: self.written,
            keys: self.replaced.map(|r| (r.keys, r.count)),
        })
    }

    /// Make a batch of the rows not in one yet.
    fn flush(&mut self) -> Result<()> {
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
        self.batches
            .push(RecordBatch::try_new(Arc::clone(&self.schema), arrays)?);
        self.written += self.rows as u64;
        self.rows = 0;
        Ok(())
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
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_dictionary_page_size_limit(DICTIONARY_PAGE_BYTES)
        .build();
    Ok(AsyncArrowWriter::try_new(object, schema, Some(props))?)
}

/// The Parquet options of the files a session writes (its own, with row groups of
/// [`ROW_GROUP_ROWS`] and dictionaries of at most [`DICTIONARY_PAGE_BYTES`]): for
/// [`write_parts`] and for the files Delta operations write.
pub(crate) fn parquet_options(
    ctx: &datafusion::prelude::SessionContext,
) -> datafusion::config::TableParquetOptions {
    let mut options = ctx.state().table_options().parquet.clone();
    options.global.max_row_group_size = ROW_GROUP_ROWS;
    options.global.dictionary_page_size_limit = DICTIONARY_PAGE_BYTES;
    options
}

/// Write what `frame` returns as Parquet files in `folder` (relative to `dest`, ending in `/`),
/// one series of files per output partition (`part-<p>-<k>.parquet`, a new file every
/// [`FILE_ROWS`] rows, row groups of [`ROW_GROUP_ROWS`]) with the session's other Parquet
/// options, so that each file keeps the order its partition produced (DataFusion's own writer
/// deals batches of all partitions out to its files). A result with no rows gets one empty file,
/// which gives the table its schema. Returns the rows written.
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
    let mut options = parquet_options(ctx);
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

#[cfg(test)]
mod tests {
    use datafusion::parquet::file::metadata::ParquetMetaDataReader;
    use datafusion::prelude::SessionContext;
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;

    use super::*;

    #[tokio::test]
    async fn a_models_files_are_cut_into_row_groups() {
        let config = crate::run::session_config().with_target_partitions(1);
        let ctx = SessionContext::new_with_config(config);
        let dest = Location::memory("parts");
        // a full file, then a file of one full row group and a few rows
        let rows = FILE_ROWS + ROW_GROUP_ROWS + 5;
        let frame = ctx
            .sql(&format!("SELECT value FROM range({rows})"))
            .await
            .unwrap();
        assert_eq!(
            write_parts(&ctx, frame, &dest, "t/").await.unwrap(),
            rows as u64
        );
        let mut files: Vec<_> = dest
            .store()
            .list(Some(&dest.path("t/")))
            .try_collect()
            .await
            .unwrap();
        files.sort_by(|a, b| a.location.cmp(&b.location));
        let mut groups = Vec::new();
        for file in &files {
            let bytes = dest.store().get(&file.location).await.unwrap();
            let bytes = bytes.bytes().await.unwrap();
            let footer = ParquetMetaDataReader::new()
                .parse_and_finish(&bytes)
                .unwrap();
            groups.push(
                footer
                    .row_groups()
                    .iter()
                    .map(|g| g.num_rows() as usize)
                    .collect::<Vec<_>>(),
            );
        }
        let full = FILE_ROWS / ROW_GROUP_ROWS;
        assert_eq!(
            groups,
            [vec![ROW_GROUP_ROWS; full], vec![ROW_GROUP_ROWS, 5]]
        );
    }
}
