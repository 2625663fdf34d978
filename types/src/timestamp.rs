//! Timestamps in answers: RFC 3339 text, written by chrono as a `DateTime<Utc>` writes itself
//! (`2026-12-07T18:33:00Z`, with a fraction of a second when there is one).
//!
//! Fields of answers read them back with [`parse`] (`#[serde(with = "crate::timestamp")]`, and
//! `timestamp::option` for optional ones) instead of chrono's own decoder, which goes through
//! chrono's general format-string parser: the browser app reads every timestamp it shows
//! through here and so carries none of that parser (about 15 KiB of wasm on every page that
//! shows a date). Request bodies (`expires_at` of a new key or share link) keep chrono's
//! decoder, which is what the server reads them with.
//!
//! [`parse`] takes any RFC 3339 date-time (section 5.6): a `T`, `t` or space between date and
//! time, a fraction of a second of any length (kept to the nanosecond), `Z`, `z` or a numeric
//! offset, a leap second; it answers in UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Reads an RFC 3339 date-time as UTC.
///
/// # Errors
/// Text that is not one, or names a day or time that does not exist; the message names the text.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    read(text.as_bytes()).ok_or_else(|| {
        format!("invalid timestamp \"{text}\": expected RFC 3339 such as \"2026-12-07T18:33:00Z\"")
    })
}

fn read(s: &[u8]) -> Option<DateTime<Utc>> {
    let digits = |from: usize, len: usize| -> Option<u32> {
        let part = s.get(from..from + len)?;
        part.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let at = |i: usize, allowed: &[u8]| s.get(i).is_some_and(|b| allowed.contains(b));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(digits(0, 4)?).ok()?,
        digits(5, 2)?,
        digits(8, 2)?,
    )?;
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let mut i = 19;
    let mut nano = 0;
    if at(i, b".") {
        i += 1;
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nano += u32::from(s[i] - b'0') * 10u32.pow(u32::try_from(8 - (i - start)).ok()?);
            }
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    // a leap second is the 60th second, which chrono keeps as 59 with a second's nanoseconds
    let (second, nano) = if second == 60 {
        (59, nano + 1_000_000_000)
    } else {
        (second, nano)
    };
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?;
    let offset = match s.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), ..] if s.len() == i + 6 && at(i + 3, b":") => {
            let seconds = i32::try_from(digits(i + 1, 2)? * 3600 + digits(i + 4, 2)? * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let local = FixedOffset::east_opt(offset)?
        .from_local_datetime(&date.and_time(time))
        .single()?;
    Some(local.with_timezone(&Utc))
}

/// Writes as chrono does (serde's `serialize_with`).
///
/// # Errors
/// The serializer's.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    at.serialize(serializer)
}

/// Reads with [`parse`] (serde's `deserialize_with`).
///
/// # Errors
/// Not a string, or not RFC 3339.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

/// The same for an optional timestamp (`null` or missing is none; give the field
/// `#[serde(default)]`).
pub mod option {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes as chrono does.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        at.serialize(serializer)
    }

    /// Reads with [`super::parse`].
    ///
    /// # Errors
    /// Neither null nor a string, or not RFC 3339.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| super::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

    use super::parse;

    fn chrono(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
    }

    #[test]
    fn reads_what_chrono_writes_and_reads() {
        let base = DateTime::parse_from_rfc3339("2026-12-07T18:33:00Z")
            .unwrap()
            .to_utc();
        let steps = [
            TimeDelta::zero(),
            TimeDelta::milliseconds(5),
            TimeDelta::microseconds(123_456),
            TimeDelta::nanoseconds(987_654_321),
            TimeDelta::days(-20_000) + TimeDelta::nanoseconds(1),
            TimeDelta::days(3000) + TimeDelta::seconds(59),
        ];
        for step in steps {
            let at = base + step;
            // as the server writes it (serde), and in every form chrono offers
            let written = serde_json::to_value(at).unwrap();
            assert_eq!(parse(written.as_str().unwrap()), Ok(at), "{written}");
            for form in [
                SecondsFormat::Secs,
                SecondsFormat::Millis,
                SecondsFormat::Micros,
                SecondsFormat::Nanos,
                SecondsFormat::AutoSi,
            ] {
                for z in [true, false] {
                    let text = at.to_rfc3339_opts(form, z);
                    assert_eq!(parse(&text).ok(), chrono(&text), "{text}");
                }
            }
        }
    }

    #[test]
    fn reads_offsets_fractions_and_leap_seconds_as_chrono_does() {
        for text in [
            "2024-02-29T23:59:59.999999999+14:00",
            "2024-01-01t00:00:00-05:30",
            "2024-01-01 12:00:00z",
            "1999-12-31T23:59:60Z",
            "1999-12-31T23:59:60.5+01:00",
            "2024-06-01T10:00:00.1234567891234Z",
            "2024-06-01T10:00:00.1Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59-23:59",
        ] {
            assert!(parse(text).is_ok(), "{text}");
            assert_eq!(parse(text).ok(), chrono(text), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_timestamp_with_the_text_in_the_message() {
        for text in [
            "",
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:61Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00+01:00 ",
            "2024-01-01T00:00:00Zjunk",
            "2024-1-01T00:00:00Z",
            "+2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00+24:00",
            "２０２４-01-01T00:00:00Z",
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(&format!("\"{text}\"")), "{err}");
            assert_eq!(chrono(text), None, "chrono reads {text:?}");
        }
    }

    #[test]
    fn answers_read_their_timestamps_with_it() {
        let share: crate::ShareInfo = serde_json::from_value(serde_json::json!({
            "id": "s1", "dashboard": "d", "created_at": "2026-12-07T18:33:00.25+01:00",
            "expires_at": null, "status": "active",
        }))
        .unwrap();
        assert_eq!(
            share.created_at.to_rfc3339(),
            "2026-12-07T17:33:00.250+00:00"
        );
        assert_eq!(share.revoked_at, None);
        let err = serde_json::from_value::<crate::KeyInfo>(serde_json::json!({
            "id": "k", "user": "u", "name": "n", "created_at": "yesterday", "active": true,
        }))
        .unwrap_err();
        assert!(
            err.to_string().contains("invalid timestamp \"yesterday\""),
            "{err}"
        );
    }
}
