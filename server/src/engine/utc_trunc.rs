//! `date_trunc` with fast paths for timestamps that name a zone.
//!
//! The warehouse keeps times as UTC instants (`Timestamp(µs, "+00:00")`), and a query in the
//! model's default zone truncates them as they are: `date_trunc('week', start_timestamp)`; a
//! query in another zone truncates `start_timestamp AT TIME ZONE 'Europe/Tallinn'`.
//! DataFusion 55 truncates any timestamp that names a zone through chrono, value by value (to a
//! local date and time, truncated field by field, then back to an instant with daylight-saving
//! gaps and overlaps resolved), while it truncates zone-less timestamps with integer arithmetic.
//!
//! - In UTC both are the same instants (no daylight saving, no offset), so this `date_trunc`
//!   hands UTC timestamps to DataFusion's own function without their zone and puts the zone
//!   back on the result.
//! - In any other zone, for the granularities DataFusion truncates through chrono (hour to
//!   year), each value is moved to local time by its offset, the local times are truncated by
//!   DataFusion's integer path, and each distinct (truncated local time, offset) is turned back
//!   into an instant once, resolving gaps and overlaps exactly as DataFusion does.
//!
//! Every other input (dates, scalars, strings, finer granularities) goes to DataFusion's
//! function unchanged, and so does any array the fast path cannot take whole (a value out of
//! range, a local time with no instant): DataFusion then answers or fails as it would. The
//! signature, return type, ordering and documentation are DataFusion's.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use datafusion::arrow::datatypes::{
    ArrowTimestampType, DataType, Field, FieldRef, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature,
};

/// DataFusion's `date_trunc`, with UTC timestamps truncated as zone-less ones (see the module).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct UtcDateTrunc {
    inner: Arc<ScalarUDF>,
}

impl UtcDateTrunc {
    /// The function to register in place of DataFusion's `date_trunc`.
    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(UtcDateTrunc {
            inner: datafusion::functions::datetime::date_trunc(),
        })
    }

    /// DataFusion's `date_trunc` of `args` with the timestamps replaced by `naive` (zone-less).
    fn truncate_naive(&self, args: &ScalarFunctionArgs, naive: ArrayRef) -> Result<ColumnarValue> {
        let mut args = args.clone();
        let naive_type = naive.data_type().clone();
        args.args[1] = ColumnarValue::Array(naive);
        if let Some(field) = args.arg_fields.get_mut(1) {
            *field = Arc::new(field.as_ref().clone().with_data_type(naive_type.clone()));
        }
        args.return_field = Arc::new(
            Field::new(
                args.return_field.name(),
                naive_type,
                args.return_field.is_nullable(),
            )
            .with_metadata(args.return_field.metadata().clone()),
        );
        self.inner.invoke_with_args(args)
    }

    /// The truncation of `array` (timestamps in a zone other than UTC) through local times, or
    /// `None` when DataFusion should answer (see the module).
    fn truncate_zoned(
        &self,
        args: &ScalarFunctionArgs,
        array: &ArrayRef,
    ) -> Result<Option<ArrayRef>> {
        let Some(ColumnarValue::Scalar(
            ScalarValue::Utf8(Some(granularity))
            | ScalarValue::Utf8View(Some(granularity))
            | ScalarValue::LargeUtf8(Some(granularity)),
        )) = args.args.first()
        else {
            return Ok(None);
        };
        // the granularities DataFusion truncates through chrono in a zone; finer ones it
        // truncates with integer arithmetic already
        if !matches!(
            granularity.to_lowercase().as_str(),
            "hour" | "day" | "week" | "month" | "quarter" | "year"
        ) {
            return Ok(None);
        }
        let DataType::Timestamp(unit, Some(zone)) = array.data_type() else {
            return Ok(None);
        };
        let Ok(tz) = zone.parse::<Tz>() else {
            return Ok(None);
        };
        macro_rules! zoned {
            ($t:ty) => {{
                let values = array.as_primitive::<$t>();
                let Some((local, offsets)) = to_local(values, tz) else {
                    return Ok(None);
                };
                let ColumnarValue::Array(truncated) = self.truncate_naive(args, Arc::new(local))?
                else {
                    return Ok(None);
                };
                to_instants::<$t>(truncated.as_primitive::<$t>(), &offsets, tz, zone)
                    .map(|a| Arc::new(a) as ArrayRef)
            }};
        }
        Ok(match unit {
            TimeUnit::Second => zoned!(TimestampSecondType),
            TimeUnit::Millisecond => zoned!(TimestampMillisecondType),
            TimeUnit::Microsecond => zoned!(TimestampMicrosecondType),
            TimeUnit::Nanosecond => zoned!(TimestampNanosecondType),
        })
    }
}

/// Units of `T` in a second.
pub(super) fn per_second<T: ArrowTimestampType>() -> i64 {
    match T::UNIT {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// Each instant of `values` as the local time of `tz` (zone-less, same unit), and its offset
/// from UTC in seconds; `None` when a value is out of the range DataFusion truncates (it works
/// in nanoseconds).
pub(super) fn to_local<T: ArrowTimestampType>(
    values: &PrimitiveArray<T>,
    tz: Tz,
) -> Option<(PrimitiveArray<T>, Vec<i32>)> {
    let per_second = per_second::<T>();
    let scale = 1_000_000_000 / per_second;
    let offset_at = |seconds: i64| -> Option<i32> {
        let utc = DateTime::from_timestamp(seconds, 0)?.naive_utc();
        Some(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc())
    };
    // A UTC day whose first and last second have the same offset has it all day: no zone of
    // the tz database changes its offset twice within four days (the shortest gap is 95.7
    // hours), so a day holds at most one change. Such days are looked up twice, in a table of
    // the array's days, not once per value; the day of a change (or a value of an array
    // spanning over 100,000 days) is looked up value by value.
    let (first_day, last_day) =
        values
            .iter()
            .flatten()
            .fold((i64::MAX, i64::MIN), |(lo, hi), v| {
                let day = v.div_euclid(per_second).div_euclid(86_400);
                (lo.min(day), hi.max(day))
            });
    let span = match last_day.checked_sub(first_day) {
        Some(span @ 0..100_000) => span as usize + 1,
        _ => 0,
    };
    let mut whole_days: Vec<Option<Option<i32>>> = vec![None; span];
    let mut local = Vec::with_capacity(values.len());
    let mut offsets = Vec::with_capacity(values.len());
    for (i, &v) in values.values().iter().enumerate() {
        if values.is_null(i) {
            local.push(0);
            offsets.push(0);
            continue;
        }
        v.checked_mul(scale)?;
        let seconds = v.div_euclid(per_second);
        let day = seconds.div_euclid(86_400);
        let whole = if span > 0 {
            *whole_days[(day - first_day) as usize].get_or_insert_with(|| {
                let first = offset_at(day * 86_400)?;
                (offset_at(day * 86_400 + 86_399) == Some(first)).then_some(first)
            })
        } else {
            None
        };
        let offset = match whole {
            Some(offset) => offset,
            None => offset_at(seconds)?,
        };
        let l = v.checked_add(i64::from(offset) * per_second)?;
        l.checked_mul(scale)?;
        local.push(l);
        offsets.push(offset);
    }
    Some((
        PrimitiveArray::<T>::new(local.into(), values.nulls().cloned()),
        offsets,
    ))
}

/// Truncated local times back to instants of `tz`, labelled `zone`: each distinct (local time,
/// offset of the value it came from) resolved once, as DataFusion resolves it; `None` when one
/// has no instant (DataFusion then reports it).
fn to_instants<T: ArrowTimestampType>(
    truncated: &PrimitiveArray<T>,
    offsets: &[i32],
    tz: Tz,
    zone: &Arc<str>,
) -> Option<PrimitiveArray<T>> {
    let per_second = per_second::<T>();
    let mut resolved: HashMap<(i64, i32), i64> = HashMap::new();
    let mut last: Option<((i64, i32), i64)> = None;
    let mut out = Vec::with_capacity(truncated.len());
    for (i, (&t, &offset)) in truncated.values().iter().zip(offsets).enumerate() {
        if truncated.is_null(i) {
            out.push(0);
            continue;
        }
        let key = (t, offset);
        let instant = match last {
            Some((k, v)) if k == key => v,
            _ => {
                let v = match resolved.get(&key) {
                    Some(&v) => v,
                    None => {
                        let v = resolve(t, offset, per_second, tz)?;
                        resolved.insert(key, v);
                        v
                    }
                };
                last = Some((key, v));
                v
            }
        };
        out.push(instant);
    }
    Some(
        PrimitiveArray::<T>::new(out.into(), truncated.nulls().cloned())
            .with_timezone(Arc::clone(zone)),
    )
}

/// The instant of the local time `local` (in units of which `per_second` make a second) in
/// `tz`, for a value whose offset was `offset` seconds: DataFusion's rule (a local time that
/// does not exist is looked for three hours earlier and moved three hours on; one that exists
/// twice takes the offset of the value).
fn resolve(local: i64, offset: i32, per_second: i64, tz: Tz) -> Option<i64> {
    let secs = local.div_euclid(per_second);
    let nanos = u32::try_from(local.rem_euclid(per_second) * (1_000_000_000 / per_second)).ok()?;
    let naive: NaiveDateTime = DateTime::from_timestamp(secs, nanos)?.naive_utc();
    let instant = match naive.and_local_timezone(tz) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(a, b) => {
            if a.offset().fix().local_minus_utc() == offset {
                a
            } else {
                b
            }
        }
        LocalResult::None => {
            let three = TimeDelta::try_hours(3)?;
            (naive - three).and_local_timezone(tz).single()? + three
        }
    };
    let nanos = instant.timestamp_nanos_opt()?;
    Some(nanos / (1_000_000_000 / per_second))
}

/// Whether a timestamp's zone is UTC by another name.
pub(super) fn is_utc(zone: &str) -> bool {
    matches!(
        zone,
        "UTC" | "utc" | "+00:00" | "+0000" | "+00" | "Z" | "Etc/UTC" | "GMT" | "Etc/GMT"
    )
}

/// `array` without its time zone (the same values) and the zone it had, if it is a timestamp
/// array in UTC.
fn without_utc_zone(array: &ArrayRef) -> Option<(ArrayRef, Arc<str>)> {
    match array.data_type() {
        DataType::Timestamp(_, Some(zone)) if is_utc(zone) => {
            Some((with_zone(array, None), Arc::clone(zone)))
        }
        _ => None,
    }
}

/// `array` (a timestamp array) with the time zone `zone` (the same values); anything else as
/// it is.
fn with_zone(array: &ArrayRef, zone: Option<Arc<str>>) -> ArrayRef {
    macro_rules! retag {
        ($t:ty) => {
            Arc::new(array.as_primitive::<$t>().clone().with_timezone_opt(zone))
        };
    }
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => retag!(TimestampSecondType),
        DataType::Timestamp(TimeUnit::Millisecond, _) => retag!(TimestampMillisecondType),
        DataType::Timestamp(TimeUnit::Microsecond, _) => retag!(TimestampMicrosecondType),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => retag!(TimestampNanosecondType),
        _ => Arc::clone(array),
    }
}

impl ScalarUDFImpl for UtcDateTrunc {
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
        let Some(ColumnarValue::Array(array)) = args.args.get(1) else {
            return self.inner.invoke_with_args(args);
        };
        if let Some((naive, zone)) = without_utc_zone(array) {
            #[cfg(test)]
            tests::FAST_PATHS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return match self.truncate_naive(&args, naive)? {
                ColumnarValue::Array(truncated) => {
                    Ok(ColumnarValue::Array(with_zone(&truncated, Some(zone))))
                }
                scalar => Ok(scalar),
            };
        }
        if let Some(truncated) = self.truncate_zoned(&args, array)? {
            #[cfg(test)]
            tests::ZONED_PATHS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(ColumnarValue::Array(truncated));
        }
        self.inner.invoke_with_args(args)
    }

    fn output_ordering(&self, input: &[ExprProperties]) -> Result<SortProperties> {
        self.inner.output_ordering(input)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::TimestampMicrosecondArray;
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::prelude::SessionContext;

    use super::*;
    use crate::engine::same_as_datafusion::Sessions;

    /// How many arrays took the fast path.
    pub(super) static FAST_PATHS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    /// How many arrays were truncated through local times.
    pub(super) static ZONED_PATHS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    /// Through local times, the same instants as DataFusion's own `date_trunc` for every
    /// granularity it truncates through chrono, in zones with daylight saving (changes at 02:00,
    /// at midnight, by half an hour), historic offsets in seconds, a skipped day, fixed offsets;
    /// every 53 minutes of 2024, around the days with gaps and overlaps of other years, and
    /// before 1970; in seconds, microseconds and nanoseconds.
    #[tokio::test]
    async fn truncates_zoned_times_as_datafusion_does() {
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp();
        let mut seconds: Vec<Option<i64>> = Vec::new();
        for (from, to, step) in [
            ("2024-01-01T00:00:00Z", "2025-01-02T00:00:00Z", 53 * 60),
            // Sao Paulo's midnight changes, Apia's skipped 30 December
            ("2018-11-02T00:00:00Z", "2018-11-06T00:00:00Z", 7 * 60),
            ("2019-02-15T00:00:00Z", "2019-02-18T00:00:00Z", 7 * 60),
            ("2011-12-28T00:00:00Z", "2012-01-02T00:00:00Z", 11 * 60),
            // local mean times (offsets in seconds), before 1970
            ("1899-12-30T00:00:00Z", "1900-01-03T00:00:00Z", 17 * 60 + 3),
            ("1969-12-30T00:00:00Z", "1970-01-02T00:00:00Z", 29 * 60 + 1),
        ] {
            let mut t = at(from);
            while t < at(to) {
                seconds.push(Some(t));
                t += step;
            }
        }
        seconds.push(None);
        for zone in [
            "Europe/Tallinn",
            "America/New_York",
            "America/Sao_Paulo",
            "America/Havana",
            "Australia/Lord_Howe",
            "Asia/Kathmandu",
            "Pacific/Apia",
            "America/St_Johns",
            "+05:30",
            "-03:00",
        ] {
            for (unit, array) in [
                (
                    "µs",
                    Arc::new(
                        TimestampMicrosecondArray::from(
                            seconds
                                .iter()
                                .map(|s| s.map(|s| s * 1_000_000 + 123_456))
                                .collect::<Vec<_>>(),
                        )
                        .with_timezone(zone),
                    ) as ArrayRef,
                ),
                (
                    "s",
                    Arc::new(
                        datafusion::arrow::array::TimestampSecondArray::from(seconds.clone())
                            .with_timezone(zone),
                    ),
                ),
                (
                    "ns",
                    Arc::new(
                        datafusion::arrow::array::TimestampNanosecondArray::from(
                            seconds
                                .iter()
                                .map(|s| s.map(|s| s * 1_000_000_000 + 7))
                                .collect::<Vec<_>>(),
                        )
                        .with_timezone(zone),
                    ),
                ),
            ] {
                let batch = RecordBatch::try_from_iter([("ts", array)]).unwrap();
                let sessions = Sessions::new(batch, UtcDateTrunc::udf());
                for granularity in ["hour", "day", "week", "month", "quarter", "year"] {
                    let before = ZONED_PATHS.load(std::sync::atomic::Ordering::Relaxed);
                    let sql = format!("SELECT date_trunc('{granularity}', ts) AS d FROM t");
                    sessions
                        .assert_same(&sql, &format!("{granularity} in {zone}, {unit}"), &seconds)
                        .await;
                    assert!(
                        ZONED_PATHS.load(std::sync::atomic::Ordering::Relaxed) > before,
                        "{granularity} in {zone}, {unit}: the zoned path was taken"
                    );
                }
            }
        }
    }

    /// The same answers as DataFusion's own `date_trunc` for every granularity, on UTC
    /// timestamps (fast path: zone kept on the result) and on timestamps of another zone.
    #[tokio::test]
    async fn truncates_as_datafusion_does() {
        // around a week-end, a month end, a year end, a daylight-saving change, before 1970
        let micros: Vec<Option<i64>> = [
            "2024-03-31T00:59:59.999999Z",
            "2024-03-31T01:00:00Z",
            "2024-12-31T23:59:59Z",
            "2025-01-01T00:00:00Z",
            "2024-06-16T23:30:00Z",
            "1969-12-31T23:59:59.5Z",
            "2024-02-29T12:34:56.789Z",
        ]
        .iter()
        .map(|t| {
            Some(
                chrono::DateTime::parse_from_rfc3339(t)
                    .unwrap()
                    .timestamp_micros(),
            )
        })
        .chain([None])
        .collect();
        for (zone, fast) in [("+00:00", true), ("UTC", true), ("Europe/Tallinn", false)] {
            let before = FAST_PATHS.load(std::sync::atomic::Ordering::Relaxed);
            let ts = TimestampMicrosecondArray::from(micros.clone()).with_timezone(zone);
            let batch = RecordBatch::try_from_iter([("ts", Arc::new(ts) as ArrayRef)]).unwrap();
            let builtin = SessionContext::new();
            builtin.register_batch("t", batch.clone()).unwrap();
            let ours = SessionContext::new();
            ours.register_udf(UtcDateTrunc::udf());
            ours.register_batch("t", batch).unwrap();
            for unit in [
                "microsecond",
                "millisecond",
                "second",
                "minute",
                "hour",
                "day",
                "week",
                "month",
                "quarter",
                "year",
            ] {
                let sql = format!("SELECT ts, date_trunc('{unit}', ts) AS d FROM t");
                let expected = builtin.sql(&sql).await.unwrap().collect().await.unwrap();
                let got = ours.sql(&sql).await.unwrap().collect().await.unwrap();
                assert_eq!(
                    pretty_format_batches(&got).unwrap().to_string(),
                    pretty_format_batches(&expected).unwrap().to_string(),
                    "{unit} in {zone}"
                );
                assert_eq!(got[0].schema(), expected[0].schema(), "{unit} in {zone}");
            }
            let taken = FAST_PATHS.load(std::sync::atomic::Ordering::Relaxed) - before;
            assert_eq!(taken > 0, fast, "fast path in {zone}: {taken} arrays");
        }
    }
}
