//! The one rule for time zone names, shared by the loader (a model file's `timezone:`) and the
//! compiler (a query's `timezone`), so both accept the same names and say the same thing about
//! the others.

use crate::error::Code;

/// Why a time zone name is refused: the parts of an `invalid-timezone` problem, which the loader
/// reports as a diagnostic and the compiler returns as a query error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidTimezone {
    /// Stable code: `invalid-timezone`.
    pub code: Code,
    /// Lowercase message naming the time zone.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Check a time zone name: an IANA-style name (`UTC`, `Europe/Tallinn`, `Etc/GMT+2`) of ASCII
/// letters, digits, `/`, `_`, `-` and `+`, starting with a letter and shorter than 64 bytes.
/// The name ends up in SQL only as a quoted literal; this rule keeps it a plain name.
pub(crate) fn check_timezone(tz: &str) -> Result<(), InvalidTimezone> {
    let valid = !tz.is_empty()
        && tz.len() < 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && tz.starts_with(|c: char| c.is_ascii_alphabetic());
    if valid {
        return Ok(());
    }
    Err(InvalidTimezone {
        code: Code::InvalidTimezone,
        message: format!("invalid time zone '{tz}'"),
        hint: "use an IANA name such as 'UTC' or 'Europe/Tallinn'".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::check_timezone;
    use crate::error::Code;

    #[test]
    fn iana_names_pass_and_others_are_refused_with_one_message() {
        for tz in [
            "UTC",
            "Etc/UTC",
            "Europe/Tallinn",
            "Etc/GMT+2",
            "America/Port-au-Prince",
        ] {
            assert_eq!(check_timezone(tz), Ok(()), "{tz}");
        }
        for tz in ["", "UTC') --", "+02:00", "1Europe", &"A".repeat(64)] {
            let err = check_timezone(tz).expect_err(tz);
            assert_eq!(err.code, Code::InvalidTimezone);
            assert_eq!(err.message, format!("invalid time zone '{tz}'"));
        }
    }
}
