//! Diagnostics as text: how `boltic validate` and a model that fails to load report their
//! problems, compiler-style.

use boltic_semantic::{Diagnostic, Severity};

/// Compiler-style text for `diagnostics`, ending with a count.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "{severity}[{}]: {}\n  --> {}:{}:{}\n",
            d.code, d.message, d.file, d.line, d.column
        ));
        if let Some(hint) = &d.hint {
            out.push_str(&format!("   = hint: {hint}\n"));
        }
        out.push('\n');
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    out.push_str(&format!("{errors} error(s), {warnings} warning(s)"));
    out
}
