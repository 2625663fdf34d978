//! Integration tests of the `boltic` binary and of the semantic layer on a real warehouse.

mod access;
mod api;
mod callers;
mod cli;
mod cluster;
mod dashboards;
mod drill;
mod golden;
mod limits;
mod reports;
mod safety;
mod support;
mod time_travel;
mod web;
