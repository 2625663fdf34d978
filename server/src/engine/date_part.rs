//! `date_part` of timestamps with integer arithmetic on local times.
//!
//! The model's "number" time frames (day of week, day of month, hour of day, month number and
//! name) compile to `date_part('dow' | 'day' | 'hour' | 'month', t)`, with `t` a UTC instant
//! (`Timestamp(µs, "+00:00")`) or `t AT TIME ZONE 'Asia/Tokyo'` in another zone. DataFusion 55
//! (arrow's `date_part` kernel) takes every value through chrono: a timestamp that names a
//! zone to a date and time in UTC, then through the zone's offset to local fields, one value at
//! a time, and a zone-less one through chrono's calendar.
//!
//! Here the local time is found first: a UTC or zone-less timestamp is its own local time;
//! another zone's values are moved by each value's offset as `date_trunc`'s zoned path moves
//! them ([`to_local`]). The parts are then integer functions of the local time: the time of day
//! from the seconds of the day, the calendar fields from the day number (days since
//! 1970-01-01) by the proleptic Gregorian civil-from-days conversion, the weekday from the day
//! number modulo 7.
//!
//! Only the parts below take this path, named as the compiler names them (lower case, no
//! quotes, or their plural); any other part, input (a scalar, a date, a time, an interval) or
//! array the path cannot take whole (a value beyond the years chrono represents) goes to
//! DataFusion's function, which answers or fails as it would. The signature, return type and
//! documentation are DataFusion's.

use std::sync::Arc;

use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, PrimitiveArray};
use datafusion::arrow::datatypes::{
    ArrowTimestampType, DataType, FieldRef, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature,
};

use super::utc_trunc::{is_utc, per_second, to_local};

/// DataFusion's `date_part`, with the common parts of timestamps computed from local times (see
/// the module).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LocalDatePart {
    inner: Arc<ScalarUDF>,
}

/// A part the fast path computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Year,
    Quarter,
    Month,
    /// Day of the month.
    Day,
    Hour,
    Minute,
    /// Day of the week, Sunday 0.
    Dow,
    /// Day of the week, Monday 1 to Sunday 7.
    IsoDow,
    /// Day of the year, from 1.
    Doy,
}

impl Part {
    fn named(name: &str) -> Option<Part> {
        Some(match name.to_ascii_lowercase().as_str() {
            "year" | "years" => Part::Year,
            "quarter" => Part::Quarter,
            "month" | "months" => Part::Month,
            "day" | "days" => Part::Day,
            "hour" | "hours" => Part::Hour,
            "minute" | "minutes" => Part::Minute,
            "dow" => Part::Dow,
            "isodow" => Part::IsoDow,
            "doy" => Part::Doy,
            _ => return None,
        })
    }
}

/// Days either side of 1970-01-01 the path takes: well inside the years chrono represents
/// (±262,142), beyond which DataFusion answers NULL.
const MAX_DAYS: i64 = 95_000_000;

/// Year, month (1-12) and day (1-31) of a day number (days since 1970-01-01), proleptic
/// Gregorian (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The day number of 1 January of `year` (Hinnant's `days_from_civil`).
fn new_year(year: i64) -> i64 {
    let y = year - 1;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    // 1 January is day 306 of the year that starts on 1 March before it
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + 306;
    era * 146_097 + doe - 719_468
}

/// `part` of each local time of `local` (zone-less, in `T`'s unit); `None` when a value is
/// beyond [`MAX_DAYS`].
fn parts<T: ArrowTimestampType>(local: &PrimitiveArray<T>, part: Part) -> Option<Int32Array> {
    let per_second = per_second::<T>();
    let mut out = Vec::with_capacity(local.len());
    for (i, &v) in local.values().iter().enumerate() {
        if local.is_null(i) {
            out.push(0);
            continue;
        }
        let seconds = v.div_euclid(per_second);
        let days = seconds.div_euclid(86_400);
        if !(-MAX_DAYS..=MAX_DAYS).contains(&days) {
            return None;
        }
        let of_day = seconds.rem_euclid(86_400);
        let value = match part {
            Part::Hour => of_day / 3_600,
            Part::Minute => of_day / 60 % 60,
            // 1970-01-01 was a Thursday
            Part::Dow => (days + 4).rem_euclid(7),
            Part::IsoDow => (days + 3).rem_euclid(7) + 1,
            Part::Year => civil(days).0,
            Part::Month => civil(days).1,
            Part::Quarter => (civil(days).1 + 2) / 3,
            Part::Day => civil(days).2,
            Part::Doy => days - new_year(civil(days).0) + 1,
        };
        out.push(i32::try_from(value).ok()?);
    }
    Some(Int32Array::new(out.into(), local.nulls().cloned()))
}

impl LocalDatePart {
    /// The function to register in place of DataFusion's `date_part`.
    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(LocalDatePart {
            inner: datafusion::functions::datetime::date_part(),
        })
    }

    /// The parts of `args` on the fast path, or `None` when DataFusion should answer.
    fn fast(args: &ScalarFunctionArgs) -> Option<ArrayRef> {
        let [ColumnarValue::Scalar(name), ColumnarValue::Array(array)] = args.args.as_slice()
        else {
            return None;
        };
        let part = Part::named(name.try_as_str().flatten()?)?;
        let DataType::Timestamp(unit, zone) = array.data_type() else {
            return None;
        };
        let tz = match zone {
            Some(zone) if !is_utc(zone) => Some(zone.parse::<Tz>().ok()?),
            _ => None,
        };
        macro_rules! local_parts {
            ($t:ty) => {{
                let values = array.as_primitive::<$t>();
                match tz {
                    Some(tz) => parts(&to_local(values, tz)?.0, part),
                    None => parts(values, part),
                }
            }};
        }
        let parts = match unit {
            TimeUnit::Second => local_parts!(TimestampSecondType),
            TimeUnit::Millisecond => local_parts!(TimestampMillisecondType),
            TimeUnit::Microsecond => local_parts!(TimestampMicrosecondType),
            TimeUnit::Nanosecond => local_parts!(TimestampNanosecondType),
        }?;
        #[cfg(test)]
        tests::FAST_PATHS.with(|n| n.set(n.get() + 1));
        Some(Arc::new(parts))
    }
}

impl ScalarUDFImpl for LocalDatePart {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs<'_>) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match Self::fast(&args) {
            Some(parts) => Ok(ColumnarValue::Array(parts)),
            None => self.inner.invoke_with_args(args),
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{
        TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray,
        TimestampSecondArray,
    };
    use datafusion::arrow::record_batch::RecordBatch;

    use super::*;
    use crate::engine::same_as_datafusion::Sessions;

    thread_local! {
        /// How many arrays took the fast path on this thread (a test's runtime has one).
        pub(super) static FAST_PATHS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// The same parts as DataFusion's own `date_part`, value for value: every part the fast
    /// path takes (and two it leaves to DataFusion), in UTC under two names, without a zone, in
    /// zones with daylight saving, half-hour and historic offsets, a skipped day and fixed
    /// offsets; every 53 minutes of 2024 (a leap year), around other years' changes and
    /// century ends, and before 1970; in seconds, milliseconds, microseconds and nanoseconds,
    /// NULLs kept.
    #[tokio::test]
    async fn parts_as_datafusion_computes_them() {
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp();
        let mut seconds: Vec<Option<i64>> = Vec::new();
        for (from, to, step) in [
            ("2024-01-01T00:00:00Z", "2025-01-02T00:00:00Z", 53 * 60),
            ("2018-11-02T00:00:00Z", "2018-11-06T00:00:00Z", 7 * 60),
            ("2011-12-28T00:00:00Z", "2012-01-02T00:00:00Z", 11 * 60),
            (
                "1899-12-30T00:00:00Z",
                "1900-03-03T00:00:00Z",
                6 * 3_600 + 17 * 60 + 3,
            ),
            (
                "1999-12-30T00:00:00Z",
                "2000-03-02T00:00:00Z",
                5 * 3_600 + 1,
            ),
            ("1969-12-30T00:00:00Z", "1970-01-02T00:00:00Z", 29 * 60 + 1),
            (
                "1600-02-27T00:00:00Z",
                "1600-03-02T00:00:00Z",
                3 * 3_600 + 7,
            ),
        ] {
            let mut t = at(from);
            while t < at(to) {
                seconds.push(Some(t));
                t += step;
            }
        }
        seconds.push(None);
        let parts = [
            "year", "quarter", "month", "day", "hour", "minute", "dow", "isodow", "doy", "MONTH",
            "week", "second",
        ];
        for zone in [
            None,
            Some("+00:00"),
            Some("UTC"),
            Some("Europe/Tallinn"),
            Some("America/New_York"),
            Some("America/Sao_Paulo"),
            Some("Asia/Kolkata"),
            Some("Pacific/Apia"),
            Some("+05:30"),
            Some("-03:00"),
        ] {
            // NULL where the unit cannot hold the instant (nanoseconds before 1677)
            let scaled = |per_second: i64, extra: i64| -> Vec<Option<i64>> {
                seconds
                    .iter()
                    .map(|s| s.and_then(|s| s.checked_mul(per_second)?.checked_add(extra)))
                    .collect()
            };
            for (unit, array) in [
                (
                    "s",
                    Arc::new(TimestampSecondArray::from(scaled(1, 0)).with_timezone_opt(zone))
                        as ArrayRef,
                ),
                (
                    "ms",
                    Arc::new(
                        TimestampMillisecondArray::from(scaled(1_000, 999)).with_timezone_opt(zone),
                    ),
                ),
                (
                    "µs",
                    Arc::new(
                        TimestampMicrosecondArray::from(scaled(1_000_000, 123_456))
                            .with_timezone_opt(zone),
                    ),
                ),
                (
                    "ns",
                    Arc::new(
                        TimestampNanosecondArray::from(scaled(1_000_000_000, 7))
                            .with_timezone_opt(zone),
                    ),
                ),
            ] {
                let batch = RecordBatch::try_from_iter([("ts", array)]).unwrap();
                let sessions = Sessions::new(batch, LocalDatePart::udf());
                for part in parts {
                    let before = FAST_PATHS.with(std::cell::Cell::get);
                    let sql = format!("SELECT date_part('{part}', ts) AS p FROM t");
                    sessions
                        .assert_same(&sql, &format!("{part} in {zone:?}, {unit}"), &seconds)
                        .await;
                    let fast = FAST_PATHS.with(std::cell::Cell::get) > before;
                    assert_eq!(
                        fast,
                        !matches!(part, "week" | "second"),
                        "{part} in {zone:?}, {unit}: the fast path taken or not"
                    );
                }
            }
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil(days);
            let date = chrono::NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32).unwrap();
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            assert_eq!((date - epoch).num_days(), days, "{y}-{m}-{d}");
            let first = chrono::NaiveDate::from_ymd_opt(y as i32, 1, 1).unwrap();
            assert_eq!((first - epoch).num_days(), new_year(y), "{y}");
        }
    }
}
