//! The `boltic` binary's library: everything the CLI (and soon the HTTP server) does beyond
//! parsing flags. This crate is the only one that knows about terminals and (soon) HTTP; it
//! glues the pure semantic layer to DataFusion running over the published warehouse.

pub mod engine;
pub mod project_files;
pub mod validate;
