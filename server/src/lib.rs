#![recursion_limit = "512"]
//! The `boltic` binary's library: everything the CLI and the HTTP server do beyond parsing
//! flags. This crate is the only one that knows about terminals and HTTP; it glues the pure
//! semantic layer to DataFusion running over the published warehouse.

pub mod accounts;
pub mod api;
pub mod cluster;
pub mod diagnostics;
pub mod engine;
pub mod markdown;
pub mod password;
pub mod project_files;
pub mod store;
pub mod validate;
