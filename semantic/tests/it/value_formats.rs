//! `value_format` and `value_format_name`: names resolve to the format the wire carries, and a
//! format that cannot be shown, an unknown name or both keys on one field are located errors.

use boltic_semantic::{SourceFile, load};

/// A view with one dimension and one measure, given their format lines.
fn model(dimension: &str, measure: &str) -> String {
    format!(
        r#"views:
  - name: orders
    sql_table_name: fact_orders
    dimensions:
      - name: price_eur
        type: number
{dimension}
    measures:
      - name: revenue
        type: sum
        sql: ${{price_eur}}
{measure}
"#
    )
}

/// (line, column, code, message, hint) of each diagnostic.
fn diags(yaml: &str) -> Vec<(usize, usize, String, String, Option<String>)> {
    let (m, d) = load(&[SourceFile::new("m.yml", yaml)]);
    assert!(m.is_none() || d.is_empty());
    d.into_iter()
        .map(|d| (d.line, d.column, d.code.to_string(), d.message, d.hint))
        .collect()
}

#[test]
fn names_resolve_to_the_format_they_stand_for() {
    let yaml = model(
        "        value_format_name: decimal_2",
        "        value_format_name: eur",
    );
    let (m, d) = load(&[SourceFile::new("m.yml", &yaml)]);
    assert!(d.is_empty(), "{d:#?}");
    let fields = &m.unwrap().views["orders"].fields;
    assert_eq!(
        fields["price_eur"].value_format.as_deref(),
        Some("#,##0.00")
    );
    assert_eq!(fields["revenue"].value_format.as_deref(), Some("€#,##0.00"));
    // an Excel-style format is kept as written
    let yaml = model(
        "        value_format: '[$€-407]#,##0.0'",
        "        value_format: '#,##0.00\" kr\";(#,##0.00\" kr\")'",
    );
    let (m, d) = load(&[SourceFile::new("m.yml", &yaml)]);
    assert!(d.is_empty(), "{d:#?}");
    let fields = &m.unwrap().views["orders"].fields;
    assert_eq!(
        fields["price_eur"].value_format.as_deref(),
        Some("[$€-407]#,##0.0")
    );
    assert_eq!(
        fields["revenue"].value_format.as_deref(),
        Some("#,##0.00\" kr\";(#,##0.00\" kr\")")
    );
}

#[test]
fn an_unknown_name_is_refused_with_the_names() {
    assert_eq!(
        diags(&model("", "        value_format_name: euro")),
        [(
            12,
            28,
            "invalid-value-format".into(),
            "unknown value format name 'euro' in measure 'revenue'".into(),
            Some("did you mean 'eur'?".into())
        )]
    );
    let d = diags(&model("        value_format_name: money", ""));
    assert_eq!(
        (d[0].0, d[0].1, d[0].3.as_str()),
        (
            7,
            28,
            "unknown value format name 'money' in dimension 'price_eur'"
        )
    );
    assert_eq!(
        d[0].4.as_deref(),
        Some(
            "use one of decimal_0, decimal_1, decimal_2, decimal_3, decimal_4, percent_0, percent_1, \
             percent_2, percent_3, percent_4, usd, usd_0, eur, eur_0, gbp, gbp_0, id, or write an \
             Excel-style 'value_format' such as '€#,##0.00'"
        )
    );
}

#[test]
fn a_format_that_cannot_be_shown_is_refused_at_its_character() {
    // `kr` unquoted: the column is that of the `k`
    assert_eq!(
        diags(&model("", "        value_format: \"#,##0.00 kr\"")),
        [(
            12,
            33,
            "invalid-value-format".into(),
            "invalid value format '#,##0.00 kr' in measure 'revenue'".into(),
            Some("text 'kr' must be quoted: \"kr\"".into())
        )]
    );
    assert_eq!(
        diags(&model("        value_format: yyyy-mm-dd", "")),
        [(
            7,
            23,
            "invalid-value-format".into(),
            "invalid value format 'yyyy-mm-dd' in dimension 'price_eur'".into(),
            Some(
                "'yyyy' looks like a date format, which is not supported; value formats are for numbers"
                    .into()
            )
        )]
    );
    assert_eq!(
        diags(&model("", "        value_format: \"€\""))[0]
            .4
            .as_deref(),
        Some(
            "the format has no digit placeholder; write e.g. '#,##0.00' (with text: '\"€\"#,##0.00')"
        )
    );
}

#[test]
fn both_keys_on_one_field_are_refused() {
    assert_eq!(
        diags(&model(
            "",
            "        value_format: \"#,##0\"\n        value_format_name: eur"
        )),
        [(
            13,
            9,
            "invalid-value-format".into(),
            "measure 'revenue' has both 'value_format' and 'value_format_name'".into(),
            Some("keep only one of them".into())
        )]
    );
}
