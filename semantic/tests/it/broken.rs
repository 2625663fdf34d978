//! Broken models: every diagnostic with its message, line and column.

use boltic_semantic::{Diagnostic, SourceFile, load};

fn diags(yaml: &str) -> Vec<Diagnostic> {
    let (model, d) = load(&[SourceFile::new("m.yml", yaml)]);
    assert!(model.is_none() || d.is_empty());
    d
}

/// (line, column, code, message, hint)
type Brief = (usize, usize, &'static str, String, Option<String>);

fn brief(d: &[Diagnostic]) -> Vec<Brief> {
    d.iter()
        .map(|d| {
            (
                d.line,
                d.column,
                d.code.as_str(),
                d.message.clone(),
                d.hint.clone(),
            )
        })
        .collect()
}

const BASE: &str = r#"views:
  - name: orders
    sql_table_name: fact_orders
    primary_key: order_id
    dimensions:
      - name: order_id
        type: number
      - name: trip_id
        type: number
      - name: status
      - name: price_eur
        type: number
    measures:
      - name: revenue
        type: sum
        sql: ${price_eur}
      - name: order_count
        type: count
  - name: trips
    sql_table_name: fact_trips
    primary_key: trip_id
    dimensions:
      - name: trip_id
        type: number
      - name: max_seats
        type: number
    measures:
      - name: seats
        type: sum
        sql: ${max_seats}
explores:
  - name: trips
    joins:
      - name: orders
        sql_on: ${trips.trip_id} = ${orders.trip_id}
        relationship: one_to_many
"#;

fn check(yaml: &str, expected: &[(usize, usize, &str, &str, Option<&str>)]) {
    let got = brief(&diags(yaml));
    let got: Vec<(usize, usize, &str, &str, Option<&str>)> = got
        .iter()
        .map(|(l, c, code, m, h)| (*l, *c, *code, m.as_str(), h.as_deref()))
        .collect();
    assert_eq!(got, expected, "\nyaml:\n{yaml}");
}

fn variant(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

fn variants() -> Vec<(&'static str, String)> {
    vec![
        ("base_is_valid", BASE.to_string()),
        (
            "unknown_field_in_measure",
            variant("sql: ${price_eur}", "sql: ${price_euro}"),
        ),
        (
            "unknown_view_in_join",
            variant(
                "      - name: orders\n        sql_on",
                "      - name: order\n        sql_on",
            ),
        ),
        (
            "duplicate_view",
            BASE.to_string().replacen(
                "  - name: trips\n    sql_table_name",
                "  - name: orders\n    sql_table_name",
                1,
            ),
        ),
        (
            "duplicate_field",
            variant(
                "      - name: status\n",
                "      - name: status\n      - name: status\n",
            ),
        ),
        (
            "dimension_cycle",
            variant(
                "      - name: status\n",
                "      - name: status\n        sql: ${label}\n      - name: label\n        sql: ${status}\n",
            ),
        ),
        (
            "measure_cycle",
            variant(
                "      - name: order_count\n        type: count\n",
                "      - name: a\n        type: number\n        sql: ${b} + 1\n      - name: b\n        type: number\n        sql: ${a}\n",
            ),
        ),
        (
            "sum_of_string",
            variant("sql: ${price_eur}", "sql: ${status}"),
        ),
        (
            "missing_relationship",
            variant("        relationship: one_to_many\n", ""),
        ),
        (
            "unknown_relationship",
            variant("relationship: one_to_many", "relationship: one_to_manny"),
        ),
        (
            "fanout_without_primary_key",
            variant("    primary_key: trip_id\n", ""),
        ),
        (
            "ambiguous_join",
            format!(
                "{BASE}      - name: orders\n        sql_on: ${{trips.trip_id}} = ${{orders.trip_id}}\n        relationship: one_to_many\n"
            ),
        ),
        (
            "unknown_dimension_type",
            variant(
                "        type: number\n      - name: trip_id",
                "        type: numbr\n      - name: trip_id",
            ),
        ),
        (
            "unknown_measure_type",
            variant(
                "type: sum\n        sql: ${price_eur}",
                "type: summ\n        sql: ${price_eur}",
            ),
        ),
        (
            "missing_source",
            variant("    sql_table_name: fact_trips\n", ""),
        ),
        (
            "unknown_key_syntax",
            variant("    primary_key: order_id", "    primary_keys: order_id"),
        ),
        (
            "yaml_syntax_error",
            variant("      - name: status", "      - name: [status"),
        ),
        (
            "invalid_sql",
            variant("sql: ${price_eur}", "sql: ${price_eur} +* 2"),
        ),
        (
            "unknown_primary_key",
            variant("primary_key: order_id", "primary_key: orderid"),
        ),
        (
            "unknown_timeframe",
            variant(
                "      - name: status\n",
                "      - name: created\n        type: time\n        timeframes: [date, mnth]\n      - name: status\n",
            ),
        ),
        (
            "measure_filter_error",
            variant(
                "      - name: order_count\n        type: count\n",
                "      - name: order_count\n        type: count\n        filters:\n          - field: price_eur\n            value: \">=1O0\"\n",
            ),
        ),
        (
            "join_refers_to_later_view",
            format!(
                "{BASE}      - name: customers\n        from: trips\n        sql_on: ${{aeroplanes.id}} = ${{customers.trip_id}}\n        relationship: many_to_one\n"
            ),
        ),
        (
            "explore_options_errors",
            format!(
                "{BASE}    fields: [trips.*, orders.revenu]\n    always_filter:\n      - field: trips.max_seats\n        value: \"[1,\"\n    sql_always_where: ${{trips.status}} = 1\n"
            ),
        ),
        (
            "several_errors_at_once",
            variant("sql: ${price_eur}", "sql: ${price_euro}")
                .replacen("relationship: one_to_many", "relationship: one_to_manny", 1)
                .replacen("primary_key: order_id", "primary_key: orderid", 1),
        ),
    ]
}

fn yaml(name: &str) -> String {
    variants()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, y)| y)
        .unwrap_or_default()
}

#[test]
fn base_is_valid() {
    check(&yaml("base_is_valid"), &[]);
}

#[test]
fn unknown_field_in_measure() {
    check(
        &yaml("unknown_field_in_measure"),
        &[(
            16,
            14,
            r#"unknown-field"#,
            r#"unknown field 'price_euro' in view 'orders'"#,
            Some(r#"did you mean 'price_eur'?"#),
        )],
    );
}

#[test]
fn unknown_view_in_join() {
    check(
        &yaml("unknown_view_in_join"),
        &[(
            34,
            15,
            r#"unknown-view"#,
            r#"unknown view 'order' in join of explore 'trips'"#,
            Some(r#"did you mean 'orders'?"#),
        )],
    );
}

#[test]
fn duplicate_view() {
    check(
        &yaml("duplicate_view"),
        &[
            (
                19,
                11,
                r#"duplicate-name"#,
                r#"view 'orders' is defined twice"#,
                Some(r#"rename one of them; the other is in 'm.yml'"#),
            ),
            (
                32,
                11,
                r#"unknown-view"#,
                r#"unknown view 'trips' in explore 'trips'"#,
                None,
            ),
        ],
    );
}

#[test]
fn duplicate_field() {
    check(
        &yaml("duplicate_field"),
        &[(
            11,
            15,
            r#"duplicate-name"#,
            r#"dimension 'status' is defined twice in view 'orders'"#,
            Some(r#"rename one of them"#),
        )],
    );
}

#[test]
fn dimension_cycle() {
    check(
        &yaml("dimension_cycle"),
        &[(
            13,
            14,
            r#"reference-cycle"#,
            r#"fields refer to each other in a cycle: label -> status -> label"#,
            Some(r#"break the cycle by using a column ('${TABLE}.x') in one of them"#),
        )],
    );
}

#[test]
fn measure_cycle() {
    check(
        &yaml("measure_cycle"),
        &[(
            19,
            14,
            r#"reference-cycle"#,
            r#"fields refer to each other in a cycle: a -> b -> a"#,
            Some(r#"break the cycle by using a column ('${TABLE}.x') in one of them"#),
        )],
    );
}

#[test]
fn sum_of_string() {
    check(
        &yaml("sum_of_string"),
        &[(
            16,
            14,
            r#"type-mismatch"#,
            r#"measure 'revenue' of type 'sum' needs a number, but 'status' is a string dimension"#,
            Some(r#"use 'type: count_distinct', 'min' or 'max', or a number dimension"#),
        )],
    );
}

#[test]
fn missing_relationship() {
    check(
        &yaml("missing_relationship"),
        &[(
            34,
            15,
            r#"missing-relationship"#,
            r#"join 'orders' in explore 'trips' has no 'relationship'"#,
            Some(r#"add 'relationship: many_to_one' (or one_to_many, one_to_one, many_to_many)"#),
        )],
    );
}

#[test]
fn unknown_relationship() {
    check(
        &yaml("unknown_relationship"),
        &[(
            36,
            23,
            r#"invalid-type"#,
            r#"unknown relationship 'one_to_manny' in join 'orders'"#,
            Some(r#"did you mean 'one_to_many'?"#),
        )],
    );
}

#[test]
fn fanout_without_primary_key() {
    check(
        &yaml("fanout_without_primary_key"),
        &[(
            35,
            23,
            r#"fanout-without-primary-key"#,
            r#"join 'orders' fans out view 'trips', which has no 'primary_key'"#,
            Some(r#"add 'primary_key' to view 'trips' so its measures stay correct"#),
        )],
    );
}

#[test]
fn ambiguous_join() {
    check(
        &yaml("ambiguous_join"),
        &[(
            37,
            15,
            r#"ambiguous-join"#,
            r#"'orders' is joined twice in explore 'trips'"#,
            Some(
                r#"give this join its own 'name' and set 'from: orders' so each path has a clear alias"#,
            ),
        )],
    );
}

#[test]
fn unknown_dimension_type() {
    check(
        &yaml("unknown_dimension_type"),
        &[
            (
                7,
                15,
                r#"invalid-type"#,
                r#"unknown dimension type 'numbr' in dimension 'order_id'"#,
                Some(r#"did you mean 'number'?"#),
            ),
            (
                4,
                18,
                r#"unknown-field"#,
                r#"primary key 'order_id' is not a dimension of view 'orders'"#,
                Some(r#"add a dimension named 'order_id'"#),
            ),
        ],
    );
}

#[test]
fn unknown_measure_type() {
    check(
        &yaml("unknown_measure_type"),
        &[(
            15,
            15,
            r#"invalid-type"#,
            r#"unknown measure type 'summ' in measure 'revenue'"#,
            Some(r#"did you mean 'sum'?"#),
        )],
    );
}

#[test]
fn missing_source() {
    check(
        &yaml("missing_source"),
        &[
            (
                19,
                11,
                r#"invalid-source"#,
                r#"view 'trips' has no 'sql_table_name' or 'derived_table'"#,
                Some(r#"add 'sql_table_name: <warehouse table>'"#),
            ),
            (
                31,
                11,
                r#"unknown-view"#,
                r#"unknown view 'trips' in explore 'trips'"#,
                None,
            ),
        ],
    );
}

#[test]
fn unknown_key_syntax() {
    check(
        &yaml("unknown_key_syntax"),
        &[(
            4,
            5,
            r#"syntax"#,
            r#"views[0]: unknown field `primary_keys`, expected one of `name`, `sql_table_name`, `derived_table`, `primary_key`, `label`, `description`, `dimensions`, `measures`, `required_access_grants`"#,
            Some(r#"did you mean 'primary_key'?"#),
        )],
    );
}

#[test]
fn yaml_syntax_error() {
    check(
        &yaml("yaml_syntax_error"),
        &[(
            10,
            15,
            r#"syntax"#,
            r#"views[0].dimensions[2].name: invalid type: sequence, expected a string"#,
            None,
        )],
    );
}

#[test]
fn invalid_sql() {
    check(
        &yaml("invalid_sql"),
        &[(
            16,
            14,
            r#"invalid-sql"#,
            r#"invalid sql in measure 'revenue': Expected: an expression, found: * at Line: 1, Column: 4"#,
            None,
        )],
    );
}

#[test]
fn unknown_primary_key() {
    check(
        &yaml("unknown_primary_key"),
        &[(
            4,
            18,
            r#"unknown-field"#,
            r#"primary key 'orderid' is not a dimension of view 'orders'"#,
            Some(r#"did you mean 'order_id'?"#),
        )],
    );
}

#[test]
fn unknown_timeframe() {
    check(
        &yaml("unknown_timeframe"),
        &[(
            12,
            28,
            r#"invalid-timeframe"#,
            r#"unknown timeframe 'mnth' in dimension 'created'"#,
            Some(r#"did you mean 'month'?"#),
        )],
    );
}

#[test]
fn measure_filter_error() {
    check(
        &yaml("measure_filter_error"),
        &[(
            21,
            24,
            r#"invalid-filter"#,
            r#"invalid filter '>=1O0' on 'price_eur': expected ',', 'AND' or 'OR', found 'O0'"#,
            None,
        )],
    );
}

#[test]
fn join_refers_to_later_view() {
    check(
        &yaml("join_refers_to_later_view"),
        &[(
            39,
            17,
            r#"unknown-view"#,
            r#"unknown view 'aeroplanes' in explore 'trips'"#,
            Some(r#"join the view before referring to it"#),
        )],
    );
}

#[test]
fn several_errors_at_once() {
    check(
        &yaml("several_errors_at_once"),
        &[
            (
                4,
                18,
                r#"unknown-field"#,
                r#"primary key 'orderid' is not a dimension of view 'orders'"#,
                Some(r#"did you mean 'order_id'?"#),
            ),
            (
                16,
                14,
                r#"unknown-field"#,
                r#"unknown field 'price_euro' in view 'orders'"#,
                Some(r#"did you mean 'price_eur'?"#),
            ),
            (
                36,
                23,
                r#"invalid-type"#,
                r#"unknown relationship 'one_to_manny' in join 'orders'"#,
                Some(r#"did you mean 'one_to_many'?"#),
            ),
        ],
    );
}

#[test]
fn explore_options_errors() {
    check(
        &yaml("explore_options_errors"),
        &[
            (
                40,
                20,
                "invalid-filter",
                "invalid filter '[1,' on 'trips.max_seats': expected a number, found the end",
                None,
            ),
            (
                41,
                23,
                "unknown-field",
                "unknown field 'status' in view 'trips'",
                Some("did you mean 'seats'?"),
            ),
            (
                37,
                23,
                "unknown-field",
                "unknown field 'revenu' in view 'orders'",
                Some("did you mean 'revenue'?"),
            ),
        ],
    );
}

#[test]
fn drill_fields_name_fields_that_exist() {
    let yaml = variant(
        "      - name: order_count\n        type: count\n",
        "      - name: order_count\n        type: count\n        drill_fields: [order_id, trips.max_seat, trip.trip_id, status]\n",
    );
    check(
        &yaml,
        &[
            (
                19,
                34,
                "unknown-field",
                "unknown field 'max_seat' of view 'trips' in 'drill_fields' of measure 'order_count'",
                Some("did you mean 'max_seats'?"),
            ),
            (
                19,
                50,
                "unknown-view",
                "unknown view 'trip' in 'drill_fields' of measure 'order_count'",
                Some("did you mean 'trips'?"),
            ),
        ],
    );
}

/// Found by fuzzing (`fuzz/`): a file ending in an unfinished line was reported on the line
/// after its last.
#[test]
fn a_syntax_error_at_the_end_points_into_the_file() {
    let d = diags("views:\n  - name: orders\n    primar");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].line, d[0].column), (3, 11), "{}", d[0]);
}
