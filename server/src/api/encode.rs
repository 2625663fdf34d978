//! Response formats beyond JSON: CSV and Arrow IPC, streamed one record batch at a time.

use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;

use super::cache::CachedResult;

/// What a query response is encoded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`: fields, rows, totals, sql, timing, cache.
    Json,
    /// `text/csv` with a header row.
    Csv,
    /// `application/vnd.apache.arrow.stream` (Arrow IPC stream).
    Arrow,
}

impl Format {
    /// Media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Arrow => "application/vnd.apache.arrow.stream",
        }
    }

    /// Name, as in `?format=`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Arrow => "arrow",
        }
    }

    /// From `?format=`.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "arrow" => Some(Format::Arrow),
            _ => None,
        }
    }

    /// From an `Accept` header: the first media type we serve (JSON when none matches).
    pub fn from_accept(accept: &str) -> Format {
        for part in accept.split(',') {
            let media = part.split(';').next().unwrap_or("").trim();
            match media {
                "text/csv" => return Format::Csv,
                "application/vnd.apache.arrow.stream" => return Format::Arrow,
                "application/json" => return Format::Json,
                _ => {}
            }
        }
        Format::Json
    }
}

/// A body that encodes the result batch by batch as it is sent.
pub fn stream(result: Arc<CachedResult>, format: Format) -> Body {
    let empty = [RecordBatch::new_empty(result.schema.clone())];
    let state = (0usize, None::<StreamWriter<Vec<u8>>>, result, empty);
    let chunks = futures::stream::unfold(state, move |(i, mut writer, result, empty)| async move {
        let batches: &[RecordBatch] = if result.batches.is_empty() {
            &empty
        } else {
            &result.batches
        };
        let chunk: Result<Bytes, ArrowError> = match format {
            Format::Csv if i < batches.len() => {
                let mut writer = CsvWriterBuilder::new()
                    .with_header(i == 0)
                    .build(Vec::new());
                writer
                    .write(&batches[i])
                    .map(|()| Bytes::from(writer.into_inner()))
            }
            Format::Arrow if i <= batches.len() => {
                arrow_chunk(&mut writer, &result.schema, batches.get(i))
            }
            _ => return None,
        };
        Some((chunk, (i + 1, writer, result, empty)))
    });
    Body::from_stream(chunks)
}

/// The next piece of an Arrow IPC stream: schema and first batch, then each batch, then the
/// end-of-stream marker (when `batch` is None).
fn arrow_chunk(
    writer: &mut Option<StreamWriter<Vec<u8>>>,
    schema: &datafusion::arrow::datatypes::SchemaRef,
    batch: Option<&RecordBatch>,
) -> Result<Bytes, ArrowError> {
    let wire = wire_schema(schema);
    if writer.is_none() {
        *writer = Some(StreamWriter::try_new(Vec::new(), &wire)?);
    }
    let w = writer.as_mut().expect("just set");
    match batch {
        Some(b) => w.write(&wire_batch(b, &wire)?)?,
        None => w.finish()?,
    }
    Ok(Bytes::from(std::mem::take(w.get_mut())))
}

/// `schema` with string and binary views as plain strings and binaries: every Arrow reader
/// reads those (views need recent ones, e.g. pyarrow 16), and an answer has the same types
/// whichever engine ran it (Ballista's sessions read Parquet strings without views).
fn wire_schema(
    schema: &datafusion::arrow::datatypes::SchemaRef,
) -> datafusion::arrow::datatypes::SchemaRef {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8View => f.as_ref().clone().with_data_type(DataType::Utf8),
            DataType::BinaryView => f.as_ref().clone().with_data_type(DataType::Binary),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// `batch` with the types of `wire` (see [`wire_schema`]).
fn wire_batch(
    batch: &RecordBatch,
    wire: &datafusion::arrow::datatypes::SchemaRef,
) -> Result<RecordBatch, ArrowError> {
    if batch.schema().fields() == wire.fields() {
        return Ok(batch.clone());
    }
    let columns = batch
        .columns()
        .iter()
        .zip(wire.fields())
        .map(|(column, field)| datafusion::arrow::compute::cast(column, field.data_type()))
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(Arc::clone(wire), columns)
}
