//! The Air Boltic data set: its reference data, raw data generator and cleaning rules.

pub mod catalogue;
pub mod generate;
