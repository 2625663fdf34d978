//! Reading raw files: a file in the object store opened as a byte stream and read as CSV rows
//! that know their position, so every problem names the file and the line.

use std::io::Read;

use bytes::Buf;
use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::error::{PipelineError, Result};
use crate::extract::chunks::{Chunk, csv_reader, record_line};
use crate::location::Location;

/// A raw CSV file: its name and its exact header.
pub type RawFile = (&'static str, &'static [&'static str]);

/// The error for a raw `file` that is not in `raw_location`.
pub(crate) fn missing_input(raw_location: &Location, file: &str) -> PipelineError {
    PipelineError::MissingInput {
        file: file.to_string(),
        location: raw_location.to_string(),
    }
}

/// Open a raw file as a byte stream readable from a blocking thread; also its size in bytes.
pub(crate) async fn open_raw(
    raw_location: &Location,
    file: &str,
) -> Result<(Box<dyn Read + Send>, u64)> {
    let got = match raw_location.store().get(&raw_location.path(file)).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Err(missing_input(raw_location, file)),
        Err(e) => return Err(e.into()),
    };
    let size = got.meta.size;
    let stream = got.into_stream().map_err(std::io::Error::other);
    Ok((Box::new(SyncIoBridge::new(StreamReader::new(stream))), size))
}

/// Check that the header `found` of the raw file shown as `file` is exactly `expected`.
pub(crate) fn check_header(file: &str, found: &csv::StringRecord, expected: &[&str]) -> Result<()> {
    let found: Vec<&str> = found
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim())
        .collect();
    if found != expected {
        return Err(PipelineError::bad_input(
            file,
            Some(1),
            None,
            format!(
                "wrong header '{}'; expected exactly '{}'",
                found.join(","),
                expected.join(",")
            ),
        ));
    }
    Ok(())
}

/// The raw rows of a chunk of one CSV file, with positions in the file for messages.
pub(crate) struct RawRows {
    file: String,
    reader: csv::Reader<bytes::buf::Reader<bytes::Bytes>>,
    /// The current record; `None` only while the next one is read into its buffer.
    record: Option<csv::StringRecord>,
    bytes: bytes::Bytes,
    fields: usize,
    first_line: u64,
    read: u64,
}

impl std::fmt::Debug for RawRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRows")
            .field("file", &self.file)
            .field("line", &self.line())
            .finish_non_exhaustive()
    }
}

impl RawRows {
    /// Read the records of `chunk` of the file shown to the user as `file`, whose header has
    /// `fields` fields.
    pub(crate) fn chunk(file: String, chunk: &Chunk, fields: usize) -> Self {
        RawRows {
            file,
            reader: csv_reader(false, chunk.bytes.clone().reader()),
            record: Some(csv::StringRecord::new()),
            bytes: chunk.bytes.clone(),
            fields,
            first_line: chunk.first_line,
            read: 0,
        }
    }

    /// Next record, or `None` at the end. A record with another number of fields than the
    /// header, or that is not UTF-8, is an error (in that order, as the `csv` reader checks).
    pub(crate) fn next(&mut self) -> Result<Option<&csv::StringRecord>> {
        let mut record = self
            .record
            .take()
            .map(csv::StringRecord::into_byte_record)
            .unwrap_or_default();
        match self.reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => {
                self.record = csv::StringRecord::from_byte_record(record).ok();
                return Ok(None);
            }
            Err(e) => return Err(csv_error(&self.file, e, self.first_line)),
        }
        let line = self.line_of(record.position());
        if record.len() != self.fields {
            return Err(PipelineError::bad_input(
                &self.file,
                Some(line),
                None,
                format!(
                    "expected {} fields like the header, found {}; quote values that contain commas",
                    self.fields,
                    record.len()
                ),
            ));
        }
        let record = csv::StringRecord::from_byte_record(record).map_err(|_| {
            PipelineError::bad_input(&self.file, Some(line), None, UTF8.to_string())
        })?;
        self.read += 1;
        Ok(Some(self.record.insert(record)))
    }

    /// Data rows read so far (header excluded).
    pub(crate) fn read(&self) -> u64 {
        self.read
    }

    /// 1-based line of the current record in the file.
    pub(crate) fn line(&self) -> u64 {
        self.line_of(self.record.as_ref().and_then(|r| r.position()))
    }

    fn line_of(&self, position: Option<&csv::Position>) -> u64 {
        position.map_or(0, |p| record_line(&self.bytes, self.first_line, p))
    }

    /// A bad-input error on the current line.
    pub(crate) fn error(&self, message: String) -> PipelineError {
        PipelineError::bad_input(&self.file, Some(self.line()), None, message)
    }

    /// Field `i` as written, untrimmed (empty when the record is shorter).
    pub(crate) fn raw(&self, i: usize) -> &str {
        self.record.as_ref().and_then(|r| r.get(i)).unwrap_or("")
    }

    /// Field `i`, trimmed.
    pub(crate) fn text(&self, i: usize) -> &str {
        self.raw(i).trim()
    }

    /// Field `i` as an optional whole number; an unparseable value is an error.
    pub(crate) fn int(&self, i: usize, column: &str) -> Result<Option<i64>> {
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

/// What a line that is not UTF-8 is told.
const UTF8: &str = "the line is not valid UTF-8; save the file as UTF-8";

/// A `csv` error of the file shown as `file`, read from line `first_line` on.
pub(crate) fn csv_error(file: &str, e: csv::Error, first_line: u64) -> PipelineError {
    let line = e.position().map(|p| first_line + p.line() - 1);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => UTF8.to_string(),
        _ => format!("cannot read the CSV: {e}"),
    };
    PipelineError::bad_input(file, line, None, message)
}
