//! Any text as a model file: loading never panics, and every diagnostic has a place in the
//! file (line and column from 1, within the text).
#![no_main]

use boltic_semantic::{SourceFile, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (model, diagnostics) = load(&[SourceFile::new("fuzz.yml", text)]);
    // lines as YAML counts them: a line break is CRLF, LF or a lone CR
    let lines = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .count();
    for d in &diagnostics {
        assert!(d.line >= 1 && d.column >= 1, "{d}");
        assert!(d.line <= lines, "{d} beyond {lines} lines");
    }
    if model.is_some() {
        assert!(
            diagnostics
                .iter()
                .all(|d| d.severity != boltic_semantic::Severity::Error)
        );
    }
});
