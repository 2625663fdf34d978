//! `date_trunc` with a fast path for UTC timestamps.
//!
//! The warehouse keeps times as UTC instants (`Timestamp(µs, "+00:00")`), and a query in the
//! model's default zone truncates them as they are: `date_trunc('week', start_timestamp)`.
//! DataFusion 55 truncates any timestamp that names a zone through chrono, value by value, even
//! when that zone is UTC, while it truncates zone-less timestamps with integer arithmetic. In UTC
//! both are the same instants (no daylight saving, no offset), so this `date_trunc` hands UTC
//! timestamps to DataFusion's own function without their zone and puts the zone back on the
//! result. Every other input (other zones, dates, scalars, strings) goes to DataFusion's
//! function unchanged; so do the signature, return type, ordering and documentation.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use datafusion::common::Result;
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
}

/// Whether a timestamp's zone is UTC by another name.
fn is_utc(zone: &str) -> bool {
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

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let fast = match args.args.get(1) {
            Some(ColumnarValue::Array(array)) => without_utc_zone(array),
            _ => None,
        };
        let Some((naive, zone)) = fast else {
            return self.inner.invoke_with_args(args);
        };
        #[cfg(test)]
        tests::FAST_PATHS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
        match self.inner.invoke_with_args(args)? {
            ColumnarValue::Array(truncated) => {
                Ok(ColumnarValue::Array(with_zone(&truncated, Some(zone))))
            }
            scalar => Ok(scalar),
        }
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

    /// How many arrays took the fast path.
    pub(super) static FAST_PATHS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

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
