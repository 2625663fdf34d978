//! Filter expressions: parse errors say where (character offset) and what was expected.

use boltic_semantic::filter::{FilterKind, parse};

use crate::cases::now;

fn err(kind: FilterKind, expr: &str) -> (usize, String) {
    match parse(kind, expr, now()) {
        Ok(c) => panic!("{expr:?} parsed as {c:?}"),
        Err(e) => (e.offset, e.message),
    }
}

#[test]
fn error_01_number_abc() {
    assert_eq!(
        err(FilterKind::Number, r#">=abc"#),
        (2, r#"expected a number, found 'abc'"#.to_string())
    );
}

#[test]
fn error_02_number_5_90() {
    assert_eq!(
        err(FilterKind::Number, r#"[5,90"#),
        (5, r#"expected ']' or ')', found the end"#.to_string())
    );
}

#[test]
fn error_03_number_5_90() {
    assert_eq!(
        err(FilterKind::Number, r#"[5 90]"#),
        (3, r#"expected ',', found '90'"#.to_string())
    );
}

#[test]
fn error_04_number_5_6() {
    assert_eq!(
        err(FilterKind::Number, r#"5,,6"#),
        (
            2,
            r#"expected a number, a comparison, an interval or 'NULL', found ','"#.to_string()
        )
    );
}

#[test]
fn error_05_number_5_and() {
    assert_eq!(
        err(FilterKind::Number, r#">5 AND"#),
        (
            6,
            r#"expected a number, a comparison, an interval or 'NULL', found the end"#.to_string()
        )
    );
}

#[test]
fn error_06_number_not() {
    assert_eq!(
        err(FilterKind::Number, r#"NOT"#),
        (
            3,
            r#"expected a number, a comparison, an interval or 'NULL', found the end"#.to_string()
        )
    );
}

#[test]
fn error_07_number_5_6() {
    assert_eq!(
        err(FilterKind::Number, r#"5 6"#),
        (2, r#"expected ',', 'AND' or 'OR', found '6'"#.to_string())
    );
}

#[test]
fn error_08_number_1e999() {
    assert_eq!(
        err(FilterKind::Number, r#"1e999"#),
        (0, r#"expected a number, found '1e999'"#.to_string())
    );
}

#[test]
fn error_09_number_5_6() {
    assert_eq!(
        err(FilterKind::Number, r#"5 ! 6"#),
        (3, r#"expected '=' after '!'"#.to_string())
    );
}

#[test]
fn error_10_number_5_x() {
    assert_eq!(
        err(FilterKind::Number, r#"(5,x]"#),
        (3, r#"expected a number, found 'x'"#.to_string())
    );
}

#[test]
fn error_11_string_a_b() {
    assert_eq!(
        err(FilterKind::String, r#"a,,b"#),
        (2, r#"expected a value"#.to_string())
    );
}

#[test]
fn error_12_string() {
    assert_eq!(
        err(FilterKind::String, r#"-"#),
        (1, r#"expected a value after '-'"#.to_string())
    );
}

#[test]
fn error_13_string_foo() {
    assert_eq!(
        err(FilterKind::String, r#"FOO^"#),
        (
            4,
            r#"expected a character after the escape '^'"#.to_string()
        )
    );
}

#[test]
fn error_14_time_last_7_dayz() {
    assert_eq!(
        err(FilterKind::Time, r#"last 7 dayz"#),
        (
            7,
            r#"expected a time unit (minute, hour, day, week, month, quarter, year), found 'dayz'"#
                .to_string()
        )
    );
}

#[test]
fn error_15_time_2024_13_01() {
    assert_eq!(
        err(FilterKind::Time, r#"2024-13-01"#),
        (
            0,
            r#"invalid date '2024-13-01', expected YYYY-MM-DD"#.to_string()
        )
    );
}

#[test]
fn error_16_time_2024_08_01_to() {
    assert_eq!(
        err(FilterKind::Time, r#"2024-08-01 to"#),
        (13, r#"expected a date, 'today', 'yesterday', 'this', 'last', 'next', 'before', 'after', a number of units or 'NULL'"#.to_string())
    );
}

#[test]
fn error_17_time_before() {
    assert_eq!(
        err(FilterKind::Time, r#"before"#),
        (6, r#"expected a date, 'today', 'yesterday', 'this', 'last', 'next', 'before', 'after', a number of units or 'NULL'"#.to_string())
    );
}

#[test]
fn error_18_time_next_week_please() {
    assert_eq!(
        err(FilterKind::Time, r#"next week please"#),
        (10, r#"unexpected 'please'"#.to_string())
    );
}

#[test]
fn error_19_time_2024_08_01_25_00() {
    assert_eq!(
        err(FilterKind::Time, r#"2024-08-01 25:00"#),
        (
            11,
            r#"invalid time '25:00', expected HH:MM or HH:MM:SS"#.to_string()
        )
    );
}

#[test]
fn error_20_time_sometime() {
    assert_eq!(
        err(FilterKind::Time, r#"sometime"#),
        (0, r#"expected a date, 'today', 'yesterday', 'this', 'last', 'next', 'before', 'after', a number of units or 'NULL', found 'sometime'"#.to_string())
    );
}

#[test]
fn error_21_time_this() {
    assert_eq!(
        err(FilterKind::Time, r#"this"#),
        (
            4,
            r#"expected a time unit (minute, hour, day, week, month, quarter, year)"#.to_string()
        )
    );
}

#[test]
fn error_22_boolean_maybe() {
    assert_eq!(
        err(FilterKind::Boolean, r#"maybe"#),
        (0, r#"expected 'yes', 'no', 'NULL' or '-NULL'"#.to_string())
    );
}

#[test]
fn error_reported_through_compile_names_field_and_offset() {
    let (model, _) = boltic_semantic::load(&crate::cases::demo());
    let model = model.expect("demo model loads");
    let q: boltic_semantic::Query = serde_json::from_str(
        r#"{"explore":"orders","fields":["orders.order_count"],"filters":{"orders.price_eur":"[5,"}}"#,
    )
    .expect("query json");
    let e = boltic_semantic::compile(&model, &q, &boltic_semantic::CompileOptions::new(now()))
        .expect_err("bad filter");
    assert_eq!(
        e.to_string(),
        r#"filter on 'orders.price_eur': invalid filter expression "[5," at character 3: expected a number, found the end"#
    );
}

#[test]
fn relative_dates_count_from_now() {
    use boltic_semantic::filter::{Cond, Lit};
    let t = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time");
    let range = |a: &str, b: &str| Cond::Range {
        low: Some((Lit::Time(t(a)), true)),
        high: Some((Lit::Time(t(b)), false)),
    };
    let p = |e: &str| parse(FilterKind::Time, e, now()).expect(e);
    // now() is Thursday 2024-08-15 10:30
    assert_eq!(
        p("today"),
        range("2024-08-15 00:00:00", "2024-08-16 00:00:00")
    );
    assert_eq!(
        p("yesterday"),
        range("2024-08-14 00:00:00", "2024-08-15 00:00:00")
    );
    assert_eq!(
        p("last 7 days"),
        range("2024-08-09 00:00:00", "2024-08-16 00:00:00")
    );
    assert_eq!(
        p("this month"),
        range("2024-08-01 00:00:00", "2024-09-01 00:00:00")
    );
    assert_eq!(
        p("last month"),
        range("2024-07-01 00:00:00", "2024-08-01 00:00:00")
    );
    assert_eq!(
        p("this week"),
        range("2024-08-12 00:00:00", "2024-08-19 00:00:00")
    );
    assert_eq!(
        p("this quarter"),
        range("2024-07-01 00:00:00", "2024-10-01 00:00:00")
    );
    assert_eq!(
        p("7 days ago"),
        range("2024-08-08 00:00:00", "2024-08-09 00:00:00")
    );
    assert_eq!(
        p("2024-08-01 to 2024-09-01"),
        range("2024-08-01 00:00:00", "2024-09-01 00:00:00")
    );
    assert_eq!(
        p("2024"),
        range("2024-01-01 00:00:00", "2025-01-01 00:00:00")
    );
    assert_eq!(
        p("before 2024-08-10"),
        Cond::Range {
            low: None,
            high: Some((Lit::Time(t("2024-08-10 00:00:00")), false))
        }
    );
    assert_eq!(
        p("after 2024-08-10"),
        Cond::Range {
            low: Some((Lit::Time(t("2024-08-10 00:00:00")), true)),
            high: None
        }
    );
}

#[test]
fn string_and_number_forms() {
    use boltic_semantic::filter::{CmpOp, Cond, Lit};
    let s = |e: &str| parse(FilterKind::String, e, now()).expect(e);
    let n = |e: &str| parse(FilterKind::Number, e, now()).expect(e);
    assert_eq!(s("FOO"), Cond::Cmp(CmpOp::Eq, Lit::Str("FOO".into())));
    assert_eq!(s("FOO%"), Cond::Like("FOO%".into()));
    assert_eq!(s("a^,b"), Cond::Cmp(CmpOp::Eq, Lit::Str("a,b".into())));
    assert_eq!(s("NULL"), Cond::IsNull);
    assert_eq!(s("-NULL"), Cond::NotNull);
    assert_eq!(
        s("a,b"),
        Cond::In(vec![Lit::Str("a".into()), Lit::Str("b".into())])
    );
    assert_eq!(n(">=100"), Cond::Cmp(CmpOp::Ge, Lit::Num("100".into())));
    assert_eq!(n("NOT NULL"), Cond::NotNull);
    assert_eq!(
        n("(5,90]"),
        Cond::Range {
            low: Some((Lit::Num("5".into()), false)),
            high: Some((Lit::Num("90".into()), true))
        }
    );
    assert_eq!(n(""), Cond::Any);
}

#[test]
fn error_23_time_counts_are_bounded_instead_of_overflowing() {
    for expr in [
        "last 99999999999 days",
        "99999999999 weeks ago",
        "next 100001 years",
    ] {
        let (offset, message) = err(FilterKind::Time, expr);
        assert_eq!(message, "expected a number of at most 100000", "{expr}");
        assert!(offset <= 5, "{expr}: {offset}");
    }
    assert!(parse(FilterKind::Time, "last 100000 years", now()).is_ok());
    assert!(parse(FilterKind::Time, "100000 minutes ago", now()).is_ok());
}

mod equals_expression {
    use boltic_semantic::filter::{CmpOp, Cond, FilterKind, Lit, equals_expression, parse};
    use proptest::prelude::*;
    use serde_json::json;

    use crate::cases::now;

    fn means(kind: FilterKind, value: serde_json::Value) -> Option<Cond> {
        let expr = equals_expression(kind, &value)?;
        Some(parse(kind, &expr, now()).unwrap_or_else(|e| panic!("{expr:?}: {e}")))
    }

    #[test]
    fn values_with_filter_syntax_in_them_mean_themselves() {
        let eq = |s: &str| Some(Cond::Cmp(CmpOp::Eq, Lit::Str(s.into())));
        for s in [
            "Finished",
            "-Cancelled",
            "a,b",
            "50%",
            "^x",
            "NULL",
            "EMPTY",
            " lead",
            "x_y",
        ] {
            assert_eq!(means(FilterKind::String, json!(s)), eq(s), "{s:?}");
        }
        assert_eq!(means(FilterKind::String, json!("")), None);
        assert_eq!(means(FilterKind::String, json!("trail ")), None);
        assert_eq!(means(FilterKind::String, json!(null)), Some(Cond::IsNull));
        assert_eq!(
            means(FilterKind::Number, json!(-5)),
            Some(Cond::Cmp(CmpOp::Eq, Lit::Num("-5".into())))
        );
        assert_eq!(
            means(FilterKind::Number, json!(1234.5)),
            Some(Cond::Cmp(CmpOp::Eq, Lit::Num("1234.5".into())))
        );
        assert_eq!(means(FilterKind::Number, json!(null)), Some(Cond::IsNull));
        assert_eq!(
            means(FilterKind::Boolean, json!(false)),
            Some(Cond::Cmp(CmpOp::Eq, Lit::Bool(false)))
        );
        assert_eq!(means(FilterKind::Time, json!("2024-01-01")), None);
    }

    proptest! {
        #[test]
        fn any_string_it_can_say_it_says_exactly(s in "\\PC{0,12}") {
            if let Some(cond) = means(FilterKind::String, json!(s)) {
                prop_assert_eq!(cond, Cond::Cmp(CmpOp::Eq, Lit::Str(s.clone())));
            } else {
                prop_assert!(s.is_empty() || s.ends_with(char::is_whitespace), "{:?}", s);
            }
        }

        #[test]
        fn any_number_it_says_exactly(x in proptest::num::f64::NORMAL) {
            let v = serde_json::Number::from_f64(x).expect("finite");
            prop_assert_eq!(
                means(FilterKind::Number, json!(v)),
                Some(Cond::Cmp(CmpOp::Eq, Lit::Num(v.to_string())))
            );
        }
    }
}

/// Found by fuzzing (`fuzz/`): the offset of a bad yes/no value after white space of several
/// bytes was a byte offset, beyond the expression's characters.
#[test]
fn error_offsets_count_characters() {
    let e = parse(FilterKind::Boolean, "\u{a0}\n\u{a0}'", now()).expect_err("not yes or no");
    assert_eq!(e.offset, 3);
}
