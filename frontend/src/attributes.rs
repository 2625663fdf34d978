//! User attributes as people write and read them (pure, unit-tested): one `key=value1,value2`
//! per line in a form, `key=value1,value2` per attribute in a table.

use crate::api::Attributes;

/// Parse one `key=value1,value2` per line (blank lines skipped; values trimmed, empty ones
/// dropped; a key given twice adds its values). The error names the line and what to write.
pub fn parse(text: &str) -> Result<Attributes, String> {
    let mut out = Attributes::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, values)) = line.split_once('=') else {
            return Err(format!(
                "line {}: '{line}' has no '='; write key=value1,value2",
                i + 1
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!(
                "line {}: the attribute has no name; write key=value1,value2",
                i + 1
            ));
        }
        let entry = out.entry(key.to_string()).or_default();
        for v in values.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            if !entry.iter().any(|e| e == v) {
                entry.push(v.to_string());
            }
        }
    }
    Ok(out)
}

/// Each attribute as `key=value1,value2`, by key.
pub fn pairs(attributes: &Attributes) -> Vec<String> {
    attributes
        .iter()
        .map(|(k, vs)| format!("{k}={}", vs.join(",")))
        .collect()
}

/// The form's text of `attributes` (one attribute a line), which [`parse`] reads back.
pub fn to_text(attributes: &Attributes) -> String {
    pairs(attributes).join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_and_print_back() {
        let a = parse("group_type = Company, Private\n\n region=EU\nregion=US,EU\n").unwrap();
        assert_eq!(a["group_type"], ["Company", "Private"]);
        assert_eq!(a["region"], ["EU", "US"]);
        assert_eq!(
            pairs(&a),
            ["group_type=Company,Private", "region=EU,US"].map(String::from)
        );
        assert_eq!(parse(&to_text(&a)).unwrap(), a);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn a_key_without_values_is_kept_empty() {
        assert_eq!(parse("group_type=").unwrap()["group_type"].len(), 0);
    }

    #[test]
    fn mistakes_name_the_line() {
        assert_eq!(
            parse("a=b\nnonsense").unwrap_err(),
            "line 2: 'nonsense' has no '='; write key=value1,value2"
        );
        assert!(
            parse("=x")
                .unwrap_err()
                .starts_with("line 1: the attribute has no name")
        );
    }
}
