//! Integration tests of boltic-semantic (one binary, modules by topic).

mod access;
mod api;
mod broken;
mod cases;
mod dashboards;
mod execute;
mod filters;
mod golden;
mod patterns;
mod props;
mod value_formats;
mod warehouse;
