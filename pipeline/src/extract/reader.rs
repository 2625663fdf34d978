//! Reading raw files: a file in the object store opened as a byte stream and read as CSV rows
//! that know their position, so every problem names the file and the line.

use std::io::Read;

use futures::TryStreamExt;
use indicatif::ProgressBar;
use object_store::ObjectStoreExt;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::error::{PipelineError, Result};
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

/// Open a raw file as a byte stream readable from a blocking thread.
pub(crate) async fn open_raw(raw_location: &Location, file: &str) -> Result<Box<dyn Read + Send>> {
    let got = match raw_location.store().get(&raw_location.path(file)).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Err(missing_input(raw_location, file)),
        Err(e) => return Err(e.into()),
    };
    let stream = got.into_stream().map_err(std::io::Error::other);
    Ok(Box::new(SyncIoBridge::new(StreamReader::new(stream))))
}

/// The raw rows of one CSV file, with positions for messages.
pub(crate) struct RawRows {
    file: String,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::StringRecord,
    bar: ProgressBar,
    read: u64,
}

impl RawRows {
    /// Start reading `reader` (the file shown to the user as `file`); its header must be exactly
    /// `header`. The bar follows the rows read.
    pub(crate) fn open(
        file: String,
        reader: Box<dyn Read + Send>,
        header: &[&str],
        bar: ProgressBar,
    ) -> Result<Self> {
        let mut rows = RawRows {
            file,
            reader: csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(reader),
            record: csv::StringRecord::new(),
            bar,
            read: 0,
        };
        rows.check_header(header)?;
        Ok(rows)
    }

    fn check_header(&mut self, expected: &[&str]) -> Result<()> {
        let found = self
            .reader
            .headers()
            .map_err(|e| csv_error(&self.file, e))?
            .clone();
        let found: Vec<&str> = found
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim())
            .collect();
        if found != expected {
            return Err(PipelineError::bad_input(
                &self.file,
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

    /// Next record, or `None` at the end.
    pub(crate) fn next(&mut self) -> Result<Option<&csv::StringRecord>> {
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

    /// Data rows read so far (header excluded).
    pub(crate) fn read(&self) -> u64 {
        self.read
    }

    /// 1-based line of the current record.
    pub(crate) fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    /// A bad-input error on the current line.
    pub(crate) fn error(&self, message: String) -> PipelineError {
        PipelineError::bad_input(&self.file, Some(self.line()), None, message)
    }

    /// Field `i` as written, untrimmed (empty when the record is shorter).
    pub(crate) fn raw(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("")
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
    PipelineError::bad_input(file, line, None, message)
}
