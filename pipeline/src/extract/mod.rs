//! Extract and clean: raw CSV files in a location -> normalized Parquet tables.
//!
//! This is the generic machinery; it knows no table. The data set (its tables, schemas and
//! cleaning rules) plugs in as cleaner functions: see the `air_boltic` module.
//!
//! - `reader`: opens a raw file in the object store as a byte stream and reads it as CSV rows
//!   that know their file and line; checks the header.
//! - `fields`: field cleaning every table shares: primary keys ([`IdSet`]) and trimmed text.
//! - `writer`: Arrow builders that batch cleaned rows, and the Parquet writer.
//! - `stream`: one extract run. Each raw file is streamed (never loaded whole) through the `csv`
//!   reader and its cleaner on a blocking thread; rows are cleaned one by one into Arrow builders
//!   and sent in batches to an async task that writes Parquet straight into the object store.
//!   Memory is bounded by a few batches per table.
//!
//! Structural problems stop the run with the file and line (missing file, wrong header, wrong
//! number of fields, malformed JSON, a value that cannot be parsed). Dirty values are repaired
//! and counted ([`FindingKind::Fixed`]), suspicious rows are kept and counted
//! ([`FindingKind::Flagged`]), and rows that cannot be kept are counted ([`FindingKind::Dropped`]).
//!
//! [`FindingKind::Fixed`]: crate::findings::FindingKind::Fixed
//! [`FindingKind::Flagged`]: crate::findings::FindingKind::Flagged
//! [`FindingKind::Dropped`]: crate::findings::FindingKind::Dropped

pub(crate) mod fields;
pub(crate) mod reader;
pub(crate) mod stream;
pub(crate) mod writer;

pub use fields::IdSet;
pub use reader::RawFile;
pub use stream::{Extracted, NormalizedTable};
pub use writer::timestamp_type;
