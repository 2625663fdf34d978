//! How a value is shown in a cell: dates without a midnight time, numbers in the field's
//! `value_format` (Excel-style, e.g. `€#,##0.00`: [`boltic_types::value_format`]), else grouped
//! by thousands (whole numbers as they are, fractions with two decimals), booleans as Yes / No,
//! NULL as `∅`. Pure; used by the result table, its totals, the single-value chart and the
//! chart axes and tooltips ([`format_number`]).

use boltic_types::value_format::ValueFormat;
use serde_json::{Number, Value};

/// Format a cell for the table.
pub fn format_cell(value: Option<&Value>, format: Option<&str>) -> String {
    match value {
        None | Some(Value::Null) => "∅".into(),
        Some(Value::String(s)) => match s.strip_suffix('Z').and_then(|s| s.split_once('T')) {
            Some((date, "00:00:00")) => date.to_string(),
            Some((date, time)) => format!("{date} {time}"),
            None => s.clone(),
        },
        Some(Value::Number(n)) => format_json_number(n, parse(format).as_ref()),
        Some(Value::Bool(b)) => if *b { "Yes" } else { "No" }.into(),
        Some(other) => other.to_string(),
    }
}

/// A field's format, parsed; None without one (or, which the server's model check prevents,
/// one that does not parse: then numbers are shown as without a format).
pub fn parse(format: Option<&str>) -> Option<ValueFormat> {
    format.and_then(|f| ValueFormat::parse(f).ok())
}

/// A number (as a chart has it) in `format`, or as without one.
pub fn format_number(x: f64, format: Option<&ValueFormat>) -> String {
    match format {
        Some(f) => f.format(x),
        None if x.fract() == 0.0 && x.abs() < 1e15 => group_thousands(&format!("{x:.0}")),
        None => group_thousands(&format!("{x:.2}")),
    }
}

/// A JSON number: integers exactly (no float rounding of large ids), else as [`format_number`].
fn format_json_number(n: &Number, format: Option<&ValueFormat>) -> String {
    let int = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from));
    match (int, format) {
        (Some(i), Some(f)) => f.format_int(i),
        (Some(i), None) => group_thousands(&i.to_string()),
        (None, f) => format_number(n.as_f64().unwrap_or_default(), f),
    }
}

fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_are_formatted_for_people() {
        let v = |j: Value| format_cell(Some(&j), None);
        assert_eq!(v(json!(1234567)), "1,234,567");
        assert_eq!(v(json!(-1234.5)), "-1,234.50");
        assert_eq!(v(json!("2024-08-01T00:00:00Z")), "2024-08-01");
        assert_eq!(v(json!("2024-08-01T14:30:00Z")), "2024-08-01 14:30:00");
        assert_eq!(v(json!(true)), "Yes");
        assert_eq!(format_cell(None, None), "∅");
        assert_eq!(format_cell(Some(&Value::Null), Some("€#,##0.00")), "∅");
    }

    #[test]
    fn numbers_take_their_fields_format() {
        let f = |j: Value, format: &str| format_cell(Some(&j), Some(format));
        // the example: revenue in euros
        assert_eq!(f(json!(15_500_510.0), "€#,##0.00"), "€15,500,510.00");
        assert_eq!(f(json!(15_500_510), "€#,##0.00"), "€15,500,510.00");
        assert_eq!(f(json!(-12.345), "€#,##0.00"), "-€12.35");
        assert_eq!(f(json!(1234.5), "$#,##0"), "$1,235");
        assert_eq!(f(json!(1234.5), "#,##0.00\" kr\""), "1,234.50 kr");
        assert_eq!(f(json!(0.256), "0.0%"), "25.6%");
        assert_eq!(f(json!(0.256), "#,##0.0%"), "25.6%");
        assert_eq!(f(json!(1000.0), "#,##0.00"), "1,000.00");
        assert_eq!(f(json!(7.12345), "0.00"), "7.12");
        // ids: no grouping, exact however large
        assert_eq!(f(json!(9_007_199_254_740_993_u64), "0"), "9007199254740993");
        // text and times keep their form whatever the format
        assert_eq!(f(json!("Finished"), "€#,##0.00"), "Finished");
        assert_eq!(f(json!("2024-08-01T00:00:00Z"), "0"), "2024-08-01");
        // a format that does not parse (the model check refuses it) shows the plain number
        assert_eq!(f(json!(1234.5), "yyyy"), "1,234.50");
    }

    #[test]
    fn chart_numbers_use_the_same_formats() {
        let eur = parse(Some("€#,##0.00"));
        assert_eq!(format_number(1234.5, eur.as_ref()), "€1,234.50");
        assert_eq!(format_number(1234.0, None), "1,234");
        assert_eq!(format_number(0.5, None), "0.50");
    }
}
