//! Extract and clean: raw CSV files in a location -> normalized Parquet tables.
//!
//! This is the generic machinery; it knows no table. The data set (its tables, schemas and
//! cleaning rules) plugs in as cleaner functions: see the `air_boltic` module.
//!
//! - `reader`: opens a raw file in the object store as a byte stream, checks its header, and
//!   reads a chunk of it as CSV rows that know their file and line.
//! - `chunks`: cuts a raw file into chunks of whole records, which are cleaned in parallel.
//! - `fields`: field cleaning every table shares: primary keys ([`IdSet`]) and trimmed text.
//! - `writer`: Arrow builders that batch cleaned rows, and the Parquet writer.
//! - `stream`: one extract run. The raw files of a table are streamed (never loaded whole) one
//!   after the other as one run of chunks; one blocking thread per core reads a chunk's records
//!   with the `csv` reader and cleans them one by one into Arrow builders, and an async task
//!   takes the chunks back in order and writes Parquet straight into the object store. Rows,
//!   findings and errors are those of one reader of each whole file (a chunk holding a key kept
//!   before it is cleaned again knowing it). Memory is bounded by a few chunks per table.
//!
//! Structural problems stop the run with the file and line (missing file, wrong header, wrong
//! number of fields, malformed JSON, a value that cannot be parsed). Dirty values are repaired
//! and counted ([`FindingKind::Fixed`]), suspicious rows are kept and counted
//! ([`FindingKind::Flagged`]), and rows that cannot be kept are counted ([`FindingKind::Dropped`]).
//!
//! [`FindingKind::Fixed`]: crate::findings::FindingKind::Fixed
//! [`FindingKind::Flagged`]: crate::findings::FindingKind::Flagged
//! [`FindingKind::Dropped`]: crate::findings::FindingKind::Dropped

pub(crate) mod chunks;
pub(crate) mod fields;
pub(crate) mod reader;
pub(crate) mod stream;
pub(crate) mod writer;

pub use fields::IdSet;
pub use reader::RawFile;
pub use stream::{Extracted, NormalizedTable};
pub use writer::timestamp_type;
