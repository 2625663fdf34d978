//! Any text as a filter expression of each kind: parsing never panics, is linear (libFuzzer's
//! timeout catches anything slow), and an expression it accepts stays within the limits.
#![no_main]

use boltic_semantic::filter::{FilterKind, MAX_EXPRESSION_CHARS, parse};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = match first % 4 {
        0 => FilterKind::String,
        1 => FilterKind::Number,
        2 => FilterKind::Boolean,
        _ => FilterKind::Time,
    };
    match parse(kind, text, common::now()) {
        Ok(_) => assert!(text.chars().count() <= MAX_EXPRESSION_CHARS),
        Err(e) => assert!(e.offset <= text.chars().count(), "{e}"),
    }
});
