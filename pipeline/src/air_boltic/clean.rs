//! The Air Boltic cleaning rules, one cleaner per raw CSV file. Each reads its file row by row,
//! repairs what it can (trimmed text, lowercased emails, `+`-and-digits phones, canonical order
//! statuses), flags rows that look wrong (dangling references, trips ending before they start),
//! drops rows without a usable key, and pushes the cleaned row in the table's column order
//! (see `table_schema` in `tables`).

use chrono::NaiveDateTime;

use crate::air_boltic::catalogue::raw;
use crate::air_boltic::catalogue_file::Catalogue;
use crate::error::Result;
use crate::extract::fields::{IdSet, Seen, primary_key, trimmed};
use crate::extract::reader::RawRows;
use crate::extract::writer::{Cell, TableOut};
use crate::findings::{FindingKind, Recorder};

/// Order statuses, in their canonical spelling.
pub const STATUSES: &[&str] = &["Finished", "Booked", "Cancelled"];

/// `customer_group.csv` -> `customer_groups`; the group ids kept go into `seen`.
pub(crate) fn clean_groups(
    rows: &mut RawRows,
    out: &mut TableOut,
    rec: &mut Recorder,
    seen: &mut dyn Seen,
) -> Result<()> {
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "ID", seen, rec)? else {
            continue;
        };
        let kind = trimmed(rows, 1, "type", rec, id);
        if kind.is_none() {
            rec.note(
                FindingKind::Flagged,
                "group type missing",
                rows.line(),
                Some(id),
            );
        }
        let name = trimmed(rows, 2, "name", rec, id);
        let registry = trimmed(rows, 3, "registry number", rec, id);
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(kind),
            Cell::Text(name),
            Cell::Text(registry),
        ])?;
    }
    Ok(())
}

/// `aeroplane.csv` -> `aeroplanes`, with the specs of its model from the catalogue; the
/// aeroplane ids kept go into `seen`.
pub(crate) fn clean_aeroplanes(
    rows: &mut RawRows,
    out: &mut TableOut,
    rec: &mut Recorder,
    seen: &mut dyn Seen,
    catalogue: &Catalogue,
) -> Result<()> {
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Airplane ID", seen, rec)? else {
            continue;
        };
        let model = trimmed(rows, 1, "model", rec, id);
        let maker = trimmed(rows, 2, "manufacturer", rec, id);
        let spec = match (maker, model) {
            (Some(maker), Some(model)) => catalogue.get(&(maker.to_string(), model.to_string())),
            _ => None,
        };
        if spec.is_none() {
            rec.note(
                FindingKind::Flagged,
                "model not in the catalogue (specs left empty)",
                rows.line(),
                Some(id),
            );
        }
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(model),
            Cell::Text(maker),
            Cell::Int(spec.and_then(|s| s.max_seats)),
            Cell::Int(spec.and_then(|s| s.max_weight)),
            Cell::Int(spec.and_then(|s| s.max_distance)),
            Cell::Text(spec.and_then(|s| s.engine_type.as_deref())),
        ])?;
    }
    Ok(())
}

/// Normalize a phone number to `+` and digits. `None` when it has no usable country code.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let t = raw.trim();
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let international = t.starts_with('+') || t.starts_with("(+");
    let digits = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else {
        return None;
    };
    (7..=15)
        .contains(&digits.len())
        .then(|| format!("+{digits}"))
}

/// `customer.csv` -> `customers`, checked against the customer groups; the customer ids kept go
/// into `seen`.
pub(crate) fn clean_customers(
    rows: &mut RawRows,
    out: &mut TableOut,
    rec: &mut Recorder,
    seen: &mut dyn Seen,
    groups: &IdSet,
) -> Result<()> {
    let mut email_buf = String::new();
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Customer ID", seen, rec)? else {
            continue;
        };
        let line = rows.line();
        let name = trimmed(rows, 1, "name", rec, id);
        let group = rows.int(2, "Customer Group ID")?;
        match group {
            None => rec.note(FindingKind::Flagged, "no customer group", line, Some(id)),
            Some(g) if !groups.contains(g) => rec.note(
                FindingKind::Flagged,
                "points at a missing customer group",
                line,
                Some(id),
            ),
            Some(_) => {}
        }
        let email = match trimmed(rows, 3, "email", rec, id) {
            None => {
                rec.note(FindingKind::Flagged, "email missing", line, Some(id));
                None
            }
            Some(e) if !e.contains('@') || e.contains(' ') => {
                rec.note(
                    FindingKind::Flagged,
                    "email invalid (left empty)",
                    line,
                    Some(id),
                );
                None
            }
            Some(e) => {
                email_buf.clear();
                email_buf.push_str(e);
                if e.bytes().any(|b| b.is_ascii_uppercase()) {
                    email_buf.make_ascii_lowercase();
                    rec.note(FindingKind::Fixed, "email lowercased", line, Some(id));
                }
                Some(email_buf.as_str())
            }
        };
        let phone = clean_phone(rows.text(4), rec, line, id);
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(name),
            Cell::Int(group),
            Cell::Text(email),
            Cell::Text(phone.as_deref()),
        ])?;
    }
    Ok(())
}

/// A customer's phone, normalized; missing or unusable numbers are flagged and left empty.
fn clean_phone(raw_phone: &str, rec: &mut Recorder, line: u64, id: i64) -> Option<String> {
    if raw_phone.is_empty() {
        rec.note(FindingKind::Flagged, "phone missing", line, Some(id));
        return None;
    }
    match normalize_phone(raw_phone) {
        Some(p) => {
            if p != raw_phone {
                rec.note(FindingKind::Fixed, "phone normalized", line, Some(id));
            }
            Some(p)
        }
        None => {
            rec.note(
                FindingKind::Flagged,
                "phone without country code (left empty)",
                line,
                Some(id),
            );
            None
        }
    }
}

/// Parse a raw timestamp (`YYYY-MM-DD HH:MM:SS`, also with a `T`) as UTC microseconds.
fn timestamp(rows: &RawRows, i: usize, column: &str) -> Result<Option<i64>> {
    let text = rows.text(i);
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(text, raw::TIMESTAMP_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| Some(t.and_utc().timestamp_micros()))
        .map_err(|_| {
            rows.error(format!(
                "'{column}' value '{text}' is not a timestamp; write it as YYYY-MM-DD HH:MM:SS"
            ))
        })
}

/// `trip.csv` -> `trips`, checked against the aeroplanes; the trip ids kept go into `seen`.
pub(crate) fn clean_trips(
    rows: &mut RawRows,
    out: &mut TableOut,
    rec: &mut Recorder,
    seen: &mut dyn Seen,
    aeroplanes: &IdSet,
) -> Result<()> {
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Trip ID", seen, rec)? else {
            continue;
        };
        let line = rows.line();
        let origin = trimmed(rows, 1, "origin city", rec, id);
        let destination = trimmed(rows, 2, "destination city", rec, id);
        let aeroplane = rows.int(3, "Airplane ID")?;
        if aeroplane.is_none_or(|a| !aeroplanes.contains(a)) {
            rec.note(FindingKind::Flagged, "unknown aeroplane", line, Some(id));
        }
        let start = timestamp(rows, 4, "Start Timestamp")?;
        let end = timestamp(rows, 5, "End Timestamp")?;
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            rec.note(
                FindingKind::Flagged,
                "ends before it starts",
                line,
                Some(id),
            );
        }
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Text(origin),
            Cell::Text(destination),
            Cell::Int(aeroplane),
            Cell::Time(start),
            Cell::Time(end),
        ])?;
    }
    Ok(())
}

/// `order.csv` -> `orders`, checked against the customers and the trips; the order ids kept go
/// into `seen`.
pub(crate) fn clean_orders(
    rows: &mut RawRows,
    out: &mut TableOut,
    rec: &mut Recorder,
    seen: &mut dyn Seen,
    customers: &IdSet,
    trips: &IdSet,
) -> Result<()> {
    let mut seat_buf = String::new();
    while rows.next()?.is_some() {
        let Some(id) = primary_key(rows, "Order ID", seen, rec)? else {
            continue;
        };
        let line = rows.line();
        let customer = rows.int(1, "Customer ID")?;
        if customer.is_none_or(|c| !customers.contains(c)) {
            rec.note(FindingKind::Flagged, "unknown customer", line, Some(id));
        }
        let trip = rows.int(2, "Trip ID")?;
        if trip.is_none_or(|t| !trips.contains(t)) {
            rec.note(FindingKind::Flagged, "unknown trip", line, Some(id));
        }
        let price = price(rows, rec, id)?;
        let seat = match trimmed(rows, 4, "seat number", rec, id) {
            Some(s) if s.bytes().any(|b| b.is_ascii_lowercase()) => {
                seat_buf.clear();
                seat_buf.push_str(s);
                seat_buf.make_ascii_uppercase();
                rec.note(FindingKind::Fixed, "seat number uppercased", line, Some(id));
                Some(seat_buf.as_str())
            }
            other => other,
        };
        let status = status(rows.text(5), rec, line, id);
        out.push(&[
            Cell::Int(Some(id)),
            Cell::Int(customer),
            Cell::Int(trip),
            Cell::Float(price),
            Cell::Text(seat),
            Cell::Text(status),
        ])?;
    }
    Ok(())
}

/// An order's price in EUR (field 3): missing and negative prices are flagged; a value that is
/// not a number is an error.
fn price(rows: &RawRows, rec: &mut Recorder, id: i64) -> Result<Option<f64>> {
    let line = rows.line();
    let price_text = rows.text(3);
    if price_text.is_empty() {
        rec.note(FindingKind::Flagged, "price missing", line, Some(id));
        return Ok(None);
    }
    let value: f64 = price_text.parse().map_err(|_| {
        rows.error(format!(
            "'Price (EUR)' value '{price_text}' is not a number; write it like 1200 or 1200.50"
        ))
    })?;
    if value < 0.0 {
        rec.note(FindingKind::Flagged, "negative price", line, Some(id));
    }
    Ok(Some(value))
}

/// An order's status in its canonical spelling; an unknown status is flagged and kept as written.
fn status<'a>(raw_status: &'a str, rec: &mut Recorder, line: u64, id: i64) -> Option<&'a str> {
    match STATUSES.iter().find(|s| s.eq_ignore_ascii_case(raw_status)) {
        Some(canonical) => {
            if *canonical != raw_status {
                rec.note(
                    FindingKind::Fixed,
                    "status spelling normalized",
                    line,
                    Some(id),
                );
            }
            Some(*canonical)
        }
        None if raw_status.is_empty() => {
            rec.note(FindingKind::Flagged, "status missing", line, Some(id));
            None
        }
        None => {
            rec.note(
                FindingKind::Flagged,
                "status not one of Finished/Booked/Cancelled",
                line,
                Some(id),
            );
            Some(raw_status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_plus_and_digits() {
        assert_eq!(
            normalize_phone("+1-555-123-4567").as_deref(),
            Some("+15551234567")
        );
        assert_eq!(
            normalize_phone("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalize_phone("+1 (555) 567-8901").as_deref(),
            Some("+15555678901")
        );
        assert_eq!(
            normalize_phone("0044-20-1234-5678").as_deref(),
            Some("+442012345678")
        );
        assert_eq!(
            normalize_phone("(+81) 3 1234 5678").as_deref(),
            Some("+81312345678")
        );
        assert_eq!(normalize_phone("555 1234"), None);
        assert_eq!(normalize_phone("+1"), None);
    }
}
