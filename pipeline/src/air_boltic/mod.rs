//! The Air Boltic data set: everything that knows its tables. The generic streaming machinery
//! (reading raw files, writing Parquet, counting findings) is in the `extract` module and
//! knows nothing of these.
//!
//! - [`catalogue`]: reference data shared by the generator and the cleaners: the aeroplane models,
//!   the cities, the raw files' names and exact headers.
//! - [`generate`]: the raw data generator (CSV files and the JSON catalogue, any scale, dirt
//!   included), as flat files or as an initial load plus daily batches in load folders.
//! - `catalogue_file`: the JSON aeroplane catalogue, written by the generator and read back
//!   (flattened) into the `aeroplane_models` table.
//! - `clean`: the cleaning rules, one cleaner per raw CSV file.
//! - `tables`: the normalized tables' schemas and [`extract`], which cleans every raw file in
//!   dependency order (reference tables first, so references can be checked).

pub mod catalogue;
mod catalogue_file;
pub(crate) mod clean;
pub mod generate;
mod tables;

pub use catalogue_file::{Catalogue, Spec, parse_catalogue};
pub use clean::{STATUSES, normalize_phone};
pub use tables::{KnownIds, StagedLoads, extract, extract_loads, table_key, table_schema};
