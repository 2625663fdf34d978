//! Integration tests of the pipeline: one binary, grouped by topic.

mod bad_input;
mod delta;
mod durability;
mod generator;
mod incremental;
mod maintenance;
mod publish;
mod s3;
mod seed;
mod support;
