//! Text patterns match literally: `contains`, `starts_with` and `ends_with` values and the `%`
//! patterns of string filter expressions, run on DataFusion over values holding `%`, `_` and
//! `\` (which LIKE would otherwise read as wildcards or escapes).

use boltic_semantic::{CompileOptions, Query, SourceFile, compile, load};
use datafusion::prelude::SessionContext;

use crate::cases::now;
use crate::warehouse::rows;

const MODEL: &str = r#"
views:
  - name: words
    derived_table:
      sql: SELECT w FROM (VALUES ('a_b'), ('axb'), ('50%'), ('500'), ('a\b'), ('ab'), ('x%y_z')) AS t(w)
    dimensions:
      - name: w
explores:
  - name: words
"#;

async fn matching(ctx: &SessionContext, filters: serde_json::Value) -> Vec<String> {
    let (model, diags) = load(&[SourceFile::new("words.yml", MODEL)]);
    let model = model.unwrap_or_else(|| panic!("{diags:#?}"));
    let query: Query = serde_json::from_value(serde_json::json!({
        "explore": "words", "fields": ["words.w"], "filters": filters
    }))
    .expect("query");
    let sql = compile(&model, &query, &CompileOptions::new(now()))
        .expect("compiles")
        .sql;
    rows(ctx, &sql, true).await
}

fn condition(op: &str, value: &str) -> serde_json::Value {
    serde_json::json!([{"field": "words.w", "op": op, "values": [value]}])
}

#[tokio::test]
async fn like_values_match_literally() {
    let ctx = SessionContext::new();
    let m = |f| matching(&ctx, f);
    assert_eq!(m(condition("contains", "a_b")).await, ["a_b"]);
    assert_eq!(m(condition("contains", "%")).await, ["50%", "x%y_z"]);
    assert_eq!(m(condition("starts_with", "50%")).await, ["50%"]);
    assert_eq!(m(condition("ends_with", "_z")).await, ["x%y_z"]);
    assert_eq!(m(condition("contains", "\\")).await, ["a\\b"]);
    assert_eq!(m(condition("contains", "a\\b")).await, ["a\\b"]);
    // expressions: `%` is the only wildcard; `^%` is a literal percent sign
    let e = |x: &str| serde_json::json!({"words.w": x});
    assert_eq!(m(e("a_%")).await, ["a_b"]);
    assert_eq!(m(e("50^%%")).await, ["50%"]);
    assert_eq!(m(e("%^%y^_%")).await, ["x%y_z"]);
    assert_eq!(m(e("a\\%")).await, ["a\\b"]);
    assert_eq!(m(e("a_b")).await, ["a_b"]);
}
