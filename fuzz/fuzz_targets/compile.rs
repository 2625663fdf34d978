//! Any JSON as a query against the demo model: compiling never panics, and SQL it produces
//! always parses again (no value escapes its literal).
#![no_main]

use boltic_semantic::{CompileOptions, Query, compile};
use libfuzzer_sys::fuzz_target;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = serde_json::from_slice::<Query>(data) else {
        return;
    };
    let Ok(compiled) = compile(common::demo(), &query, &CompileOptions::new(common::now())) else {
        return;
    };
    for sql in [
        Some(&compiled.sql),
        compiled.totals_sql.as_ref(),
        compiled.pivot_totals_sql.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if let Err(e) = Parser::parse_sql(&GenericDialect {}, sql) {
            panic!("compiled SQL does not parse: {e}\n{sql}");
        }
    }
});
