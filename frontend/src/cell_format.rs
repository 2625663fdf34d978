//! How a value is shown in a cell: dates without a midnight time, numbers grouped by thousands
//! with the field's `value_format` decimals or percent, booleans as Yes / No, NULL as `∅`.
//! Pure; used by the result table and the single-value chart.

use serde_json::Value;

/// Format a cell for the table.
pub fn format_cell(value: Option<&Value>, format: Option<&str>) -> String {
    match value {
        None | Some(Value::Null) => "∅".into(),
        Some(Value::String(s)) => match s.strip_suffix('Z').and_then(|s| s.split_once('T')) {
            Some((date, "00:00:00")) => date.to_string(),
            Some((date, time)) => format!("{date} {time}"),
            None => s.clone(),
        },
        Some(Value::Number(n)) => {
            let x = n.as_f64().unwrap_or_default();
            let decimals = match format {
                Some(f) if f.contains('%') => return format!("{:.1}%", x * 100.0),
                Some(f) => f
                    .split_once('.')
                    .map_or(0, |(_, d)| d.chars().filter(|c| *c == '0').count()),
                None if n.is_i64() || n.is_u64() => 0,
                None => 2,
            };
            group_thousands(&format!("{x:.decimals$}"))
        }
        Some(Value::Bool(b)) => if *b { "Yes" } else { "No" }.into(),
        Some(other) => other.to_string(),
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

    #[test]
    fn cells_are_formatted_for_people() {
        let v = |j: serde_json::Value| format_cell(Some(&j), None);
        assert_eq!(v(serde_json::json!(1234567)), "1,234,567");
        assert_eq!(v(serde_json::json!(-1234.5)), "-1,234.50");
        assert_eq!(v(serde_json::json!("2024-08-01T00:00:00Z")), "2024-08-01");
        assert_eq!(
            v(serde_json::json!("2024-08-01T14:30:00Z")),
            "2024-08-01 14:30:00"
        );
        assert_eq!(format_cell(None, None), "∅");
        assert_eq!(
            format_cell(Some(&serde_json::json!(0.256)), Some("0.0%")),
            "25.6%"
        );
        assert_eq!(
            format_cell(Some(&serde_json::json!(1000.0)), Some("#,##0.00")),
            "1,000.00"
        );
    }
}
