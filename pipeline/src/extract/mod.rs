//! Extract and clean: raw CSV + JSON files -> normalized Parquet tables.
//!
//! Each raw file is streamed (never loaded whole) through the `csv` reader on a blocking thread;
//! rows are cleaned one by one into Arrow builders and sent in batches to an async task that
//! writes Parquet straight into the object store. Memory is bounded by a few batches per table.
//!
//! Structural problems stop the run with the file and line (missing file, wrong header, wrong
//! number of fields, malformed JSON, a value that cannot be parsed). Dirty values are repaired
//! and counted ([`FindingKind::Fixed`]), suspicious rows are kept and counted
//! ([`FindingKind::Flagged`]), and rows that cannot be kept are counted ([`FindingKind::Dropped`]).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::Arc;

use chrono::NaiveDateTime;
use datafusion::arrow::array::{
    ArrayRef, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::AsyncArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use futures::TryStreamExt;
use indicatif::ProgressBar;
use object_store::ObjectStoreExt;
use object_store::buffered::BufWriter;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::air_boltic::catalogue::raw;
use crate::error::{InputPosition, PipelineError, Result};
use crate::findings::{FindingKind, Recorder, TableCleaning};
use crate::location::Location;
use crate::progress::Progress;

/// A normalized table written by the extract step.
#[derive(Debug, Clone, Serialize)]
pub struct NormalizedTable {
    /// Table name (`customers`, `orders`, ...).
    pub name: String,
    /// Folder of its Parquet files, relative to the destination location.
    pub path: String,
    /// Rows written.
    pub rows: u64,
}

/// Result of the extract step.
#[derive(Debug, Clone, Serialize)]
pub struct Extracted {
    /// The normalized tables.
    pub tables: Vec<NormalizedTable>,
    /// What cleaning found, per raw file.
    pub cleaning: Vec<TableCleaning>,
}

const BATCH_ROWS: usize = 64 * 1024;

/// Clean every raw file under `raw_location` into Parquet tables under `dest` + `prefix`.
pub async fn extract(
    raw_location: &Location,
    dest: &Location,
    prefix: &str,
    progress: &Progress,
) -> Result<Extracted> {
    let mut tables = Vec::new();
    let mut cleaning = Vec::new();
    let mut done = |name: &str, c: TableCleaning| {
        tables.push(NormalizedTable {
            name: name.to_string(),
            path: format!("{prefix}/{name}/"),
            rows: c.rows_written,
        });
        cleaning.push(c);
    };

    // Small reference tables first: later files are checked against them.
    let (catalogue, c) = models_catalogue(raw_location, dest, prefix).await?;
    done("aeroplane_models", c);
    let (group_ids, c) = run_table(
        raw_location,
        dest,
        prefix,
        raw::CUSTOMER_GROUP,
        "customer_groups",
        progress,
        clean_groups,
    )
    .await?;
    done("customer_groups", c);
    let (aeroplane_ids, c) = run_table(
        raw_location,
        dest,
        prefix,
        raw::AEROPLANE,
        "aeroplanes",
        progress,
        move |rows, out| clean_aeroplanes(rows, out, &catalogue),
    )
    .await?;
    done("aeroplanes", c);
    let (customer_ids, c) = run_table(
        raw_location,
        dest,
        prefix,
        raw::CUSTOMER,
        "customers",
        progress,
        move |rows, out| clean_customers(rows, out, &group_ids),
    )
    .await?;
    done("customers", c);
    let (trip_ids, c) = run_table(
        raw_location,
        dest,
        prefix,
        raw::TRIP,
        "trips",
        progress,
        move |rows, out| clean_trips(rows, out, &aeroplane_ids),
    )
    .await?;
    done("trips", c);
    let (_, c) = run_table(
        raw_location,
        dest,
        prefix,
        raw::ORDER,
        "orders",
        progress,
        move |rows, out| clean_orders(rows, out, &customer_ids, &trip_ids),
    )
    .await?;
    done("orders", c);
    Ok(Extracted { tables, cleaning })
}

/// Ids seen so far: a bitset for the usual dense positive ids, a hash set for the rest.
#[derive(Debug, Default)]
pub struct IdSet {
    bits: Vec<u64>,
    sparse: HashSet<i64>,
}

const DENSE_LIMIT: i64 = 1 << 32;

impl IdSet {
    /// Insert; false when it was already there.
    pub fn insert(&mut self, id: i64) -> bool {
        if (0..DENSE_LIMIT).contains(&id) {
            let (word, bit) = ((id / 64) as usize, id % 64);
            if word >= self.bits.len() {
                self.bits.resize((word + 1).next_power_of_two(), 0);
            }
            let fresh = self.bits[word] & (1 << bit) == 0;
            self.bits[word] |= 1 << bit;
            fresh
        } else {
            self.sparse.insert(id)
        }
    }

    /// Membership.
    pub fn contains(&self, id: i64) -> bool {
        if (0..DENSE_LIMIT).contains(&id) {
            self.bits
                .get((id / 64) as usize)
                .is_some_and(|w| w & (1 << (id % 64)) != 0)
        } else {
            self.sparse.contains(&id)
        }
    }
}

/// One column's builder.
enum Column {
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
    Time(TimestampMicrosecondBuilder),
}

/// A cell on its way to a column.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<&'a str>),
    Time(Option<i64>),
}

/// Arrow type of a timestamp column: microseconds, UTC.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Rows of one normalized table, batched and sent to the Parquet writer.
struct TableOut {
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
    written: u64,
    tx: mpsc::Sender<RecordBatch>,
}

impl TableOut {
    fn new(schema: SchemaRef, tx: mpsc::Sender<RecordBatch>) -> Self {
        let columns = Self::builders(&schema);
        TableOut {
            schema,
            columns,
            rows: 0,
            written: 0,
            tx,
        }
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

    fn push(&mut self, cells: &[Cell<'_>]) -> Result<()> {
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
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)?;
        self.written += self.rows as u64;
        self.rows = 0;
        self.tx
            .blocking_send(batch)
            .map_err(|_| PipelineError::Internal("the parquet writer stopped".into()))
    }
}

/// The raw rows of one CSV file, with positions for messages.
struct RawRows {
    file: String,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::StringRecord,
    bar: ProgressBar,
    read: u64,
}

impl RawRows {
    /// Next record, or `None` at the end.
    fn next(&mut self) -> Result<Option<&csv::StringRecord>> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {
                self.read += 1;
                if self.read.is_multiple_of(65_536) {
                    self.bar.set_position(self.read);
                }
                Ok(Some(&self.record))
            }
            Ok(false) => Ok(None),
            Err(e) => Err(csv_error(&self.file, e)),
        }
    }

    fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    fn error(&self, message: String) -> PipelineError {
        PipelineError::BadInput {
            position: InputPosition {
                file: self.file.clone(),
                line: Some(self.line()),
                column: None,
            },
            message,
        }
    }

    /// Field `i`, trimmed.
    fn text(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("").trim()
    }

    /// Field `i` as an optional whole number; an unparseable value is an error.
    fn int(&self, i: usize, column: &str) -> Result<Option<i64>> {
        let text = self.text(i);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<i64>().map(Some).map_err(|_| {
            self.error(format!(
                "'{column}' value '{text}' is not a whole number; fix the value or leave it empty"
            ))
        })
    }
}

fn csv_error(file: &str, e: csv::Error) -> PipelineError {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "expected {expected_len} fields like the header, found {len}; quote values that contain commas"
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "the line is not valid UTF-8; save the file as UTF-8".to_string()
        }
        _ => format!("cannot read the CSV: {e}"),
    };
    PipelineError::BadInput {
        position: InputPosition {
            file: file.to_string(),
            line,
            column: None,
        },
        message,
    }
}

/// Open a raw file as a byte stream readable from a blocking thread.
async fn open_raw(raw_location: &Location, file: &str) -> Result<(Box<dyn Read + Send>, u64)> {
    let path = raw_location.path(file);
    let got = match raw_location.store().get(&path).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(PipelineError::MissingInput {
                file: file.to_string(),
                location: raw_location.to_string(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let size = got.meta.size;
    let stream = got.into_stream().map_err(std::io::Error::other);
    Ok((Box::new(SyncIoBridge::new(StreamReader::new(stream))), size))
}

/// Stream one raw CSV through `clean` into a Parquet table.
#[allow(clippy::too_many_arguments)]
async fn run_table<T, F>(
    raw_location: &Location,
    dest: &Location,
    prefix: &str,
    (file, header): (&'static str, &'static [&'static str]),
    table: &'static str,
    progress: &Progress,
    clean: F,
) -> Result<(T, TableCleaning)>
where
    T: Send + 'static,
    F: FnOnce(&mut RawRows, &mut TableOut) -> Result<(T, Recorder)> + Send + 'static,
{
    let display = raw_location.display_of(file);
    let (reader, _size) = open_raw(raw_location, file).await?;
    let schema = table_schema(table);
    let (tx, mut rx) = mpsc::channel::<RecordBatch>(2);
    let bar = progress.rows(file, None);
    let source = display.clone();
    let worker_bar = bar.clone();
    let worker = tokio::task::spawn_blocking(move || -> Result<(T, Recorder, u64, u64)> {
        let mut rows = RawRows {
            file: source.clone(),
            reader: csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(reader),
            record: csv::StringRecord::new(),
            bar: worker_bar,
            read: 0,
        };
        check_header(&mut rows, header)?;
        let mut out = TableOut::new(schema, tx);
        let (value, recorder) = clean(&mut rows, &mut out)?;
        out.flush()?;
        Ok((value, recorder, rows.read, out.written))
    });

    let path = dest.path(&format!("{prefix}/{table}/part-0.parquet"));
    let object = BufWriter::new(dest.store().clone(), path);
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = AsyncArrowWriter::try_new(object, table_schema(table), Some(props))?;
    while let Some(batch) = rx.recv().await {
        writer.write(&batch).await?;
    }
    let (value, recorder, read, written) = match worker.await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => {
            // The partial file belongs to an unpublished version and is cleaned with it.
            let _ = writer.close().await;
            return Err(e);
        }
        Err(e) => {
            return Err(PipelineError::Internal(format!(
                "cleaner for '{file}' died: {e}"
            )));
        }
    };
    writer.close().await?;
    bar.set_position(read);
    bar.finish();
    Ok((value, recorder.finish(display, read, written)))
}

fn check_header(rows: &mut RawRows, expected: &[&str]) -> Result<()> {
    let found = rows
        .reader
        .headers()
        .map_err(|e| csv_error(&rows.file, e))?
        .clone();
    let found: Vec<&str> = found
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim())
        .collect();
    if found != expected {
        return Err(PipelineError::BadInput {
            position: InputPosition {
                file: rows.file.clone(),
                line: Some(1),
                column: None,
            },
            message: format!(
                "wrong header '{}'; expected exactly '{}'",
                found.join(","),
                expected.join(",")
            ),
        });
    }
    Ok(())
}

/// Schemas of the normalized tables.
pub fn table_schema(table: &str) -> SchemaRef {
    let int = |n: &str, null: bool| Field::new(n, DataType::Int64, null);
    let text = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let fields = match table {
        "aeroplane_models" => vec![
            text("manufacturer", false),
            text("model", false),
            int("max_seats", true),
            int("max_weight", true),
            int("max_distance", true),
            text("engine_type", true),
        ],
        "customer_groups" => vec![
            int("customer_group_id", false),
            text("type", true),
            text("name", true),
            text("registry_number", true),
        ],
        "aeroplanes" => vec![
            int("aeroplane_id", false),
            text("model", true),
            text("manufacturer", true),
            int("max_seats", true),
            int("max_weight", true),
            int("max_distance", true),
            text("engine_type", true),
        ],
        "customers" => vec![
            int("customer_id", false),
            text("name", true),
            int("customer_group_id", true),
            text("email", true),
            text("phone", true),
        ],
        "trips" => vec![
            int("trip_id", false),
            text("origin_city", true),
            text("destination_city", true),
            int("aeroplane_id", true),
            Field::new("start_timestamp", timestamp_type(), true),
            Field::new("end_timestamp", timestamp_type(), true),
        ],
        "orders" => vec![
            int("order_id", false),
            int("customer_id", true),
            int("trip_id", true),
            Field::new("price_eur", DataType::Float64, true),
            text("seat_no", true),
            text("status", true),
        ],
        other => unreachable!("no schema for normalized table '{other}'"),
    };
    Arc::new(Schema::new(fields))
}

/// Reads the primary key of a row: empty keys drop the row, duplicates are dropped too.
fn primary_key(
    rows: &RawRows,
    column: &str,
    seen: &mut IdSet,
    rec: &mut Recorder,
) -> Result<Option<i64>> {
    let line = rows.line();
    match rows.int(0, column)? {
        None => {
            rec.note(
                FindingKind::Dropped,
                &format!("'{column}' missing"),
                line,
                None,
            );
            Ok(None)
        }
        Some(id) if !seen.insert(id) => {
            rec.note(
                FindingKind::Dropped,
                &format!("duplicate '{column}' (first kept)"),
                line,
                Some(id),
            );
            Ok(None)
        }
        Some(id) => Ok(Some(id)),
    }
}

/// Trim a text field, counting a fix when it changed; empty becomes null.
fn trimmed<'r>(
    rows: &'r RawRows,
    i: usize,
    what: &str,
    rec: &mut Recorder,
    id: i64,
) -> Option<&'r str> {
    let rawv = rows.record.get(i).unwrap_or("");
    let text = rawv.trim();
    if text.len() != rawv.len() && !text.is_empty() {
        rec.note(
            FindingKind::Fixed,
            &format!("{what} trimmed"),
            rows.line(),
            Some(id),
        );
    }
    (!text.is_empty()).then_some(text)
}

fn clean_groups(rows: &mut RawRows, out: &mut TableOut) -> Result<(HashSet<i64>, Recorder)> {
    let mut rec = Recorder::new("customer_groups");
    let mut seen = IdSet::default();
    let mut ids = HashSet::new();
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "ID", &mut seen, &mut rec)? else {
            continue;
        };
        let kind = trimmed(rows, 1, "type", &mut rec, id);
        if kind.is_none() {
            rec.note(
                FindingKind::Flagged,
                "group type missing",
                rows.line(),
                Some(id),
            );
        }
        let name = trimmed(rows, 2, "name", &mut rec, id);
        let registry = trimmed(rows, 3, "registry number", &mut rec, id);
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(kind),
            Cell::Text(name),
            Cell::Text(registry),
        ])?;
        ids.insert(id);
    }
    Ok((ids, rec))
}

/// Specs of a catalogue model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    max_seats: Option<i64>,
    max_weight: Option<i64>,
    max_distance: Option<i64>,
    engine_type: Option<String>,
}

type Catalogue = HashMap<(String, String), Spec>;

/// Parse and flatten `aeroplane_model.json` and write it as the `aeroplane_models` table.
async fn models_catalogue(
    raw_location: &Location,
    dest: &Location,
    prefix: &str,
) -> Result<(Catalogue, TableCleaning)> {
    let file = raw::MODEL_CATALOGUE;
    let display = raw_location.display_of(file);
    let bytes =
        raw_location
            .read_optional(file)
            .await?
            .ok_or_else(|| PipelineError::MissingInput {
                file: file.to_string(),
                location: raw_location.to_string(),
            })?;
    let (catalogue, rows) = parse_catalogue(&display, &bytes)?;
    let schema = table_schema("aeroplane_models");
    let mut manufacturer = StringBuilder::new();
    let mut model = StringBuilder::new();
    let (mut seats, mut weight, mut distance) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    let mut engine = StringBuilder::new();
    for (maker, name) in &rows {
        let spec = &catalogue[&(maker.clone(), name.clone())];
        manufacturer.append_value(maker);
        model.append_value(name);
        seats.append_option(spec.max_seats);
        weight.append_option(spec.max_weight);
        distance.append_option(spec.max_distance);
        engine.append_option(spec.engine_type.as_deref());
    }
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(manufacturer.finish()),
            Arc::new(model.finish()),
            Arc::new(seats.finish()),
            Arc::new(weight.finish()),
            Arc::new(distance.finish()),
            Arc::new(engine.finish()),
        ],
    )?;
    let object = BufWriter::new(
        dest.store().clone(),
        dest.path(&format!("{prefix}/aeroplane_models/part-0.parquet")),
    );
    let mut writer = AsyncArrowWriter::try_new(object, schema, None)?;
    writer.write(&batch).await?;
    writer.close().await?;
    let n = rows.len() as u64;
    Ok((
        catalogue,
        Recorder::new("aeroplane_models").finish(display, n, n),
    ))
}

/// Flatten the nested catalogue `{manufacturer: {model: {max_seats, ...}}}`.
pub fn parse_catalogue(display: &str, bytes: &[u8]) -> Result<(Catalogue, Vec<(String, String)>)> {
    let bad = |message: String, line: Option<u64>, column: Option<u64>| PipelineError::BadInput {
        position: InputPosition {
            file: display.to_string(),
            line,
            column,
        },
        message,
    };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let at = format!(" at line {} column {}", e.line(), e.column());
        let message = e.to_string().trim_end_matches(&at).to_string();
        bad(
            format!("malformed JSON: {message}"),
            Some(e.line() as u64),
            Some(e.column() as u64),
        )
    })?;
    let makers = value.as_object().ok_or_else(|| {
        bad(
            "expected an object of manufacturers, like {\"Boeing\": {\"737-800\": {...}}}".into(),
            None,
            None,
        )
    })?;
    let mut catalogue = Catalogue::new();
    let mut order = Vec::new();
    for (maker, models) in makers {
        let models = models.as_object().ok_or_else(|| {
            bad(
                format!("manufacturer '{maker}' must map model names to their specs"),
                None,
                None,
            )
        })?;
        for (model, spec) in models {
            let spec = spec.as_object().ok_or_else(|| {
                bad(
                    format!("model '{maker}' '{model}' must be an object of specs"),
                    None,
                    None,
                )
            })?;
            let number = |key: &str| -> Result<Option<i64>> {
                match spec.get(key) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(v) => v.as_i64().or_else(|| v.as_f64().map(|f| f.round() as i64)).map(Some).ok_or_else(|| {
                        bad(format!("'{key}' of model '{maker}' '{model}' must be a number, found {v}"), None, None)
                    }),
                }
            };
            let parsed = Spec {
                max_seats: number("max_seats")?,
                max_weight: number("max_weight")?,
                max_distance: number("max_distance")?,
                engine_type: spec
                    .get("engine_type")
                    .and_then(|v| v.as_str())
                    .map(|s| s.trim().to_string()),
            };
            catalogue.insert((maker.trim().to_string(), model.trim().to_string()), parsed);
            order.push((maker.trim().to_string(), model.trim().to_string()));
        }
    }
    Ok((catalogue, order))
}

fn clean_aeroplanes(
    rows: &mut RawRows,
    out: &mut TableOut,
    catalogue: &Catalogue,
) -> Result<(IdSet, Recorder)> {
    let mut rec = Recorder::new("aeroplanes");
    let mut seen = IdSet::default();
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Airplane ID", &mut seen, &mut rec)? else {
            continue;
        };
        let model = trimmed(rows, 1, "model", &mut rec, id);
        let maker = trimmed(rows, 2, "manufacturer", &mut rec, id);
        let spec = match (maker, model) {
            (Some(maker), Some(model)) => catalogue.get(&(maker.to_string(), model.to_string())),
            _ => None,
        };
        if spec.is_none() {
            rec.note(
                FindingKind::Flagged,
                "model not in the catalogue (specs left empty)",
                rows.line(),
                Some(id),
            );
        }
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(model),
            Cell::Text(maker),
            Cell::Int(spec.and_then(|s| s.max_seats)),
            Cell::Int(spec.and_then(|s| s.max_weight)),
            Cell::Int(spec.and_then(|s| s.max_distance)),
            Cell::Text(spec.and_then(|s| s.engine_type.as_deref())),
        ])?;
    }
    Ok((seen, rec))
}

/// Normalize a phone number to `+` and digits. `None` when it has no usable country code.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let t = raw.trim();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let international = t.starts_with('+') || t.starts_with("(+");
    let digits = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else {
        return None;
    };
    (7..=15)
        .contains(&digits.len())
        .then(|| format!("+{digits}"))
}

fn clean_customers(
    rows: &mut RawRows,
    out: &mut TableOut,
    groups: &HashSet<i64>,
) -> Result<(IdSet, Recorder)> {
    let mut rec = Recorder::new("customers");
    let mut seen = IdSet::default();
    let mut email_buf = String::new();
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Customer ID", &mut seen, &mut rec)? else {
            continue;
        };
        let line = rows.line();
        let name = trimmed(rows, 1, "name", &mut rec, id);
        let group = rows.int(2, "Customer Group ID")?;
        match group {
            None => rec.note(FindingKind::Flagged, "no customer group", line, Some(id)),
            Some(g) if !groups.contains(&g) => rec.note(
                FindingKind::Flagged,
                "points at a missing customer group",
                line,
                Some(id),
            ),
            Some(_) => {}
        }
        let email = match trimmed(rows, 3, "email", &mut rec, id) {
            None => {
                rec.note(FindingKind::Flagged, "email missing", line, Some(id));
                None
            }
            Some(e) if !e.contains('@') || e.contains(' ') => {
                rec.note(
                    FindingKind::Flagged,
                    "email invalid (left empty)",
                    line,
                    Some(id),
                );
                None
            }
            Some(e) => {
                email_buf.clear();
                email_buf.push_str(e);
                if e.bytes().any(|b| b.is_ascii_uppercase()) {
                    email_buf.make_ascii_lowercase();
                    rec.note(FindingKind::Fixed, "email lowercased", line, Some(id));
                }
                Some(email_buf.as_str())
            }
        };
        let raw_phone = rows.text(4);
        let phone = if raw_phone.is_empty() {
            rec.note(FindingKind::Flagged, "phone missing", line, Some(id));
            None
        } else {
            match normalize_phone(raw_phone) {
                Some(p) => {
                    if p != raw_phone {
                        rec.note(FindingKind::Fixed, "phone normalized", line, Some(id));
                    }
                    Some(p)
                }
                None => {
                    rec.note(
                        FindingKind::Flagged,
                        "phone without country code (left empty)",
                        line,
                        Some(id),
                    );
                    None
                }
            }
        };
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(name),
            Cell::Int(group),
            Cell::Text(email),
            Cell::Text(phone.as_deref()),
        ])?;
    }
    Ok((seen, rec))
}

/// Parse a raw timestamp (`YYYY-MM-DD HH:MM:SS`, also with a `T`) as UTC microseconds.
fn timestamp(rows: &RawRows, i: usize, column: &str) -> Result<Option<i64>> {
    let text = rows.text(i);
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(text, raw::TIMESTAMP_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| Some(t.and_utc().timestamp_micros()))
        .map_err(|_| {
            rows.error(format!(
                "'{column}' value '{text}' is not a timestamp; write it as YYYY-MM-DD HH:MM:SS"
            ))
        })
}

fn clean_trips(
    rows: &mut RawRows,
    out: &mut TableOut,
    aeroplanes: &IdSet,
) -> Result<(IdSet, Recorder)> {
    let mut rec = Recorder::new("trips");
    let mut seen = IdSet::default();
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Trip ID", &mut seen, &mut rec)? else {
            continue;
        };
        let line = rows.line();
        let origin = trimmed(rows, 1, "origin city", &mut rec, id);
        let destination = trimmed(rows, 2, "destination city", &mut rec, id);
        let aeroplane = rows.int(3, "Airplane ID")?;
        if aeroplane.is_none_or(|a| !aeroplanes.contains(a)) {
            rec.note(FindingKind::Flagged, "unknown aeroplane", line, Some(id));
        }
        let start = timestamp(rows, 4, "Start Timestamp")?;
        let end = timestamp(rows, 5, "End Timestamp")?;
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            rec.note(
                FindingKind::Flagged,
                "ends before it starts",
                line,
                Some(id),
            );
        }
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(origin),
            Cell::Text(destination),
            Cell::Int(aeroplane),
            Cell::Time(start),
            Cell::Time(end),
        ])?;
    }
    Ok((seen, rec))
}

/// Order statuses, in their canonical spelling.
pub const STATUSES: &[&str] = &["Finished", "Booked", "Cancelled"];

fn clean_orders(
    rows: &mut RawRows,
    out: &mut TableOut,
    customers: &IdSet,
    trips: &IdSet,
) -> Result<((), Recorder)> {
    let mut rec = Recorder::new("orders");
    let mut seen = IdSet::default();
    let mut seat_buf = String::new();
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Order ID", &mut seen, &mut rec)? else {
            continue;
        };
        let line = rows.line();
        let customer = rows.int(1, "Customer ID")?;
        if customer.is_none_or(|c| !customers.contains(c)) {
            rec.note(FindingKind::Flagged, "unknown customer", line, Some(id));
        }
        let trip = rows.int(2, "Trip ID")?;
        if trip.is_none_or(|t| !trips.contains(t)) {
            rec.note(FindingKind::Flagged, "unknown trip", line, Some(id));
        }
        let price_text = rows.text(3);
        let price = if price_text.is_empty() {
            rec.note(FindingKind::Flagged, "price missing", line, Some(id));
            None
        } else {
            let value: f64 = price_text.parse().map_err(|_| {
                rows.error(format!("'Price (EUR)' value '{price_text}' is not a number; write it like 1200 or 1200.50"))
            })?;
            if value < 0.0 {
                rec.note(FindingKind::Flagged, "negative price", line, Some(id));
            }
            Some(value)
        };
        let seat = match trimmed(rows, 4, "seat number", &mut rec, id) {
            Some(s) if s.bytes().any(|b| b.is_ascii_lowercase()) => {
                seat_buf.clear();
                seat_buf.push_str(s);
                seat_buf.make_ascii_uppercase();
                rec.note(FindingKind::Fixed, "seat number uppercased", line, Some(id));
                Some(seat_buf.as_str())
            }
            other => other,
        };
        let raw_status = rows.text(5);
        let status = match STATUSES.iter().find(|s| s.eq_ignore_ascii_case(raw_status)) {
            Some(canonical) => {
                if *canonical != raw_status {
                    rec.note(
                        FindingKind::Fixed,
                        "status spelling normalized",
                        line,
                        Some(id),
                    );
                }
                Some(*canonical)
            }
            None if raw_status.is_empty() => {
                rec.note(FindingKind::Flagged, "status missing", line, Some(id));
                None
            }
            None => {
                rec.note(
                    FindingKind::Flagged,
                    "status not one of Finished/Booked/Cancelled",
                    line,
                    Some(id),
                );
                Some(raw_status)
            }
        };
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Int(customer),
            Cell::Int(trip),
            Cell::Float(price),
            Cell::Text(seat),
            Cell::Text(status),
        ])?;
    }
    Ok(((), rec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_plus_and_digits() {
        assert_eq!(
            normalize_phone("+1-555-123-4567").as_deref(),
            Some("+15551234567")
        );
        assert_eq!(
            normalize_phone("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalize_phone("+1 (555) 567-8901").as_deref(),
            Some("+15555678901")
        );
        assert_eq!(
            normalize_phone("0044-20-1234-5678").as_deref(),
            Some("+442012345678")
        );
        assert_eq!(
            normalize_phone("(+81) 3 1234 5678").as_deref(),
            Some("+81312345678")
        );
        assert_eq!(normalize_phone("555 1234"), None);
        assert_eq!(normalize_phone("+1"), None);
    }

    #[test]
    fn id_set_handles_dense_and_sparse_ids() {
        let mut set = IdSet::default();
        assert!(set.insert(5));
        assert!(!set.insert(5));
        assert!(set.insert(-3));
        assert!(set.insert(1 << 40));
        assert!(set.contains(5) && set.contains(-3) && set.contains(1 << 40));
        assert!(!set.contains(6) && !set.contains(1_000_000));
    }

    #[test]
    fn catalogue_errors_name_line_and_column() {
        let err = parse_catalogue(
            "m.json",
            b"{\n  \"Boeing\": {\n    \"737\": {\"max_seats\": 1,}\n  }\n}",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("'m.json' line 3 column"), "{text}");
        assert!(text.contains("malformed JSON"), "{text}");
        let err = parse_catalogue("m.json", br#"{"Boeing": {"737": {"max_seats": "many"}}}"#)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("'max_seats' of model 'Boeing' '737' must be a number"),
            "{err}"
        );
    }
}
