//! Golden tests: model + query -> SQL snapshots.

use boltic_semantic::{CompileOptions, Query, compile, load};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::cases::{golden_cases, now};

#[test]
fn golden_sql() {
    let mut failures = Vec::new();
    for case in golden_cases() {
        let (model, diags) = load(&case.model);
        let model =
            model.unwrap_or_else(|| panic!("{}: model does not load: {diags:#?}", case.name));
        let query: Query = serde_json::from_str(case.query)
            .unwrap_or_else(|e| panic!("{}: bad query: {e}", case.name));
        let mut opts = CompileOptions::new(now());
        opts.naive_fanout = case.naive;
        let out = compile(&model, &query, &opts).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        // the SQL is laid out exactly as sqlparser prints it
        for sql in std::iter::once(&out.sql).chain(out.totals_sql.iter()) {
            let stmts = Parser::parse_sql(&GenericDialect {}, sql)
                .unwrap_or_else(|e| panic!("{}: {e}\n{sql}", case.name));
            assert_eq!(&format!("{:#}", stmts[0]), sql, "{}", case.name);
        }
        let mut text = format!("{}\n", out.sql);
        if let Some(t) = &out.totals_sql {
            text.push_str(&format!("-- totals\n{t}\n"));
        }
        let r = std::panic::catch_unwind(|| {
            insta::with_settings!({snapshot_suffix => case.name, description => case.query, omit_expression => true}, {
                insta::assert_snapshot!("golden", text);
            });
        });
        if r.is_err() {
            failures.push(case.name);
        }
    }
    assert!(failures.is_empty(), "snapshot mismatches: {failures:?}");
}
