//! Drilling: from one value of a result to the question behind it, as Looker does.
//!
//! - On a **measure** ([`drill`] with no `to`): the rows behind the value — the measure's
//!   `drill_fields`, filtered to the clicked row's dimension values, the question's dimension
//!   filters and the measure's own filters, limited to [`DRILL_ROW_LIMIT`] rows. The result
//!   groups by the drill fields only, so a drill that names the base view's primary key
//!   lists each row once, whatever the joins (no fan-out: no measure is computed).
//! - On a **dimension** (`to` set): the same question with the dimension replaced by `to`, one
//!   of [`drill_targets`] (its `drill_fields`; for a timeframe also the next finer one:
//!   year → quarter → month → date), filtered to the clicked value.
//!
//! The drill is a new [`Query`], compiled and run like any other, so the caller's access
//! filters and grants apply to it as they do to every query.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate, NaiveDateTime, TimeDelta};

use crate::compile::resolve::{FieldRef, Scope};
use crate::error::{Code, Error, Result};
use crate::filter::{FilterKind, equals_expression};
use crate::model::{Access, Explore, FieldKind, Model, Timeframe, filter_kind};
use boltic_types::{Condition, DRILL_ROW_LIMIT, DrillRequest, Filter, Filters, Op, Query, Sort};

/// Timeframes a timeframe drills down to, coarse to fine.
const TIME_LEVELS: [Timeframe; 4] = [
    Timeframe::Year,
    Timeframe::Quarter,
    Timeframe::Month,
    Timeframe::Date,
];

/// Where a value of `alias.field` in `explore` drills to, for `access`: `view.field` names of
/// the explore, as [`drill`] accepts them in `to` (dimensions) or puts in the detail query
/// (measures). Entries the explore does not join, leaves out, or `access` may not see are
/// left out.
pub fn drill_targets(
    model: &Model,
    explore: &Explore,
    alias: &str,
    field: &str,
    access: &Access,
) -> Vec<String> {
    let Some((alias, view, f)) = model.resolve(explore, &format!("{alias}.{field}")) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    if let FieldKind::Dimension(d) = &f.kind
        && let (Some(tf), Some(group)) = (d.timeframe, &d.group)
        && let Some(level) = TIME_LEVELS.iter().position(|t| *t == tf)
        && let Some(next) = TIME_LEVELS[level + 1..]
            .iter()
            .map(|t| format!("{group}_{}", t.name()))
            .find(|n| view.fields.contains_key(n))
    {
        out.push(format!("{alias}.{next}"));
    }
    for entry in &f.drill_fields {
        // `field` is of the same view, under the alias the explore gives it
        let name = match entry.split_once('.') {
            Some((v, rest)) if v != view.name => format!("{v}.{rest}"),
            Some((_, rest)) => format!("{alias}.{rest}"),
            None => format!("{alias}.{entry}"),
        };
        let usable = model
            .resolve(explore, &name)
            .is_some_and(|(a, _, g)| explore.allows(a, &g.name) && model.allows_field(g, access));
        if usable && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The question a click on `request.field` of a result row leads to (see the module docs).
/// `now` only checks the question's relative date filters, as [`crate::compile`] does.
pub fn drill(
    model: &Model,
    request: &DrillRequest,
    access: &Access,
    now: NaiveDateTime,
) -> Result<Query> {
    let query = &request.query;
    let scope = Scope::new(model, query, now, access.clone())?;
    let clicked = scope.resolve(&request.field)?;
    let in_question = |name: &str| query.fields.iter().chain(&query.pivots).any(|f| f == name);
    if !in_question(&request.field) {
        return Err(drill_error(
            format!("field '{}' is not in the question", request.field),
            "drill on one of the question's fields".into(),
        ));
    }
    let targets = drill_targets(
        model,
        scope.explore,
        clicked.alias,
        &clicked.field.name,
        access,
    );
    match (&clicked.field.kind, &request.to) {
        (FieldKind::Measure(m), None) => {
            if targets.is_empty() {
                return Err(drill_error(
                    format!("measure '{}' has no drill fields", request.field),
                    "list the columns of its rows in 'drill_fields' in the model".into(),
                ));
            }
            let mut filters = dimension_filters(&scope, query);
            filters.extend(row_filters(&scope, query, request)?);
            for (dim, expr) in &m.filters {
                let key = format!("{}.{dim}", clicked.alias);
                filters.push(Filter::Expressions(BTreeMap::from([(key, expr.clone())])));
            }
            Ok(Query {
                explore: query.explore.clone(),
                fields: targets,
                filters: Filters::List(filters),
                sorts: Vec::new(),
                limit: Some(DRILL_ROW_LIMIT),
                offset: None,
                pivots: Vec::new(),
                totals: false,
                timezone: query.timezone.clone(),
            })
        }
        (FieldKind::Measure(_), Some(_)) => Err(drill_error(
            format!(
                "measure '{}' drills to its rows, not to a field",
                request.field
            ),
            "leave out 'to'".into(),
        )),
        (FieldKind::Dimension(_), None) => Err(drill_error(
            format!("a drill on dimension '{}' needs 'to'", request.field),
            hint_targets(&targets),
        )),
        (FieldKind::Dimension(_), Some(to)) => {
            if !targets.contains(to) {
                return Err(drill_error(
                    format!("dimension '{}' does not drill to '{to}'", request.field),
                    hint_targets(&targets),
                ));
            }
            let value = row_value(request, &request.field)?;
            let mut filters = query.filters.to_list();
            filters.push(value_filter(&clicked, value)?);
            let rename = |f: &String| {
                if *f == request.field {
                    to.clone()
                } else {
                    f.clone()
                }
            };
            let mut fields: Vec<String> = Vec::new();
            for f in query.fields.iter().map(rename) {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
            Ok(Query {
                fields,
                pivots: query.pivots.iter().map(rename).collect(),
                sorts: query
                    .sorts
                    .iter()
                    .map(|s| Sort {
                        field: rename(&s.field),
                        desc: s.desc,
                    })
                    .collect(),
                filters: Filters::List(filters),
                offset: None,
                ..query.clone()
            })
        }
    }
}

fn drill_error(message: String, hint: String) -> Error {
    Error::query(Code::InvalidDrill, message, Some(hint))
}

fn hint_targets(targets: &[String]) -> String {
    if targets.is_empty() {
        "this dimension drills nowhere: give it 'drill_fields' in the model".into()
    } else {
        format!("drill to one of: {}", targets.join(", "))
    }
}

/// The question's filters on dimensions (a filter on measures limits groups, not rows, so a
/// drill leaves it out). A filter naming an unknown field is kept: compiling the drill says so.
fn dimension_filters(scope: &Scope<'_>, query: &Query) -> Vec<Filter> {
    let on_measure = |f: &Filter| {
        let mut names = Vec::new();
        field_names(f, &mut names);
        names
            .iter()
            .any(|n| scope.resolve(n).is_ok_and(|r| r.measure().is_some()))
    };
    query
        .filters
        .to_list()
        .into_iter()
        .filter(|f| !on_measure(f))
        .collect()
}

fn field_names<'f>(f: &'f Filter, out: &mut Vec<&'f str>) {
    match f {
        Filter::And { and: v } | Filter::Or { or: v } => v.iter().for_each(|f| field_names(f, out)),
        Filter::Condition(c) => out.push(&c.field),
        Filter::Expressions(m) => out.extend(m.keys().map(String::as_str)),
    }
}

/// One filter per dimension of the question: equal to the clicked row's value.
fn row_filters(scope: &Scope<'_>, query: &Query, request: &DrillRequest) -> Result<Vec<Filter>> {
    let mut out = Vec::new();
    for name in query.fields.iter().chain(&query.pivots) {
        let f = scope.resolve(name)?;
        if f.dim().is_some() {
            out.push(value_filter(&f, row_value(request, name)?)?);
        }
    }
    Ok(out)
}

fn row_value<'r>(request: &'r DrillRequest, name: &str) -> Result<&'r serde_json::Value> {
    request.row.get(name).ok_or_else(|| {
        drill_error(
            format!("the clicked row has no value for '{name}'"),
            "send every dimension of the row in 'row'".into(),
        )
    })
}

/// `field` equal to `value`, as a result gave it, as a filter expression where one says it
/// exactly (so the drill opens in an explore, whose filters are expressions), else as a
/// condition: NULL is `NULL`; a time period (a timeframe's value is the period's start) is
/// `start to end`, end excluded.
fn value_filter(f: &FieldRef<'_>, value: &serde_json::Value) -> Result<Filter> {
    let Some(d) = f.dim() else {
        return Err(Error::Internal("not a dimension".into()));
    };
    let kind = filter_kind(d);
    let expression = |e: String| Filter::Expressions(BTreeMap::from([(f.key.clone(), e)]));
    if kind != FilterKind::Time {
        return Ok(match equals_expression(kind, value) {
            Some(e) => expression(e),
            None => Filter::Condition(Condition {
                field: f.key.clone(),
                op: Op::Equals,
                values: vec![value.clone()],
            }),
        });
    }
    if value.is_null() {
        return Ok(expression("NULL".into()));
    }
    let text = value.as_str().unwrap_or_default();
    let start = period_start(text).ok_or_else(|| {
        drill_error(
            format!("'{text}' is not a time value of '{}'", f.key),
            "send the value as the result gave it, e.g. '2024-03-01T00:00:00'".into(),
        )
    })?;
    let end = match d.timeframe.unwrap_or(Timeframe::Raw) {
        Timeframe::Year => start.checked_add_months(Months::new(12)),
        Timeframe::Quarter => start.checked_add_months(Months::new(3)),
        Timeframe::Month => start.checked_add_months(Months::new(1)),
        Timeframe::Week => start.checked_add_signed(TimeDelta::days(7)),
        Timeframe::Date => start.checked_add_signed(TimeDelta::days(1)),
        Timeframe::Hour => start.checked_add_signed(TimeDelta::hours(1)),
        Timeframe::Minute => start.checked_add_signed(TimeDelta::minutes(1)),
        _ => start.checked_add_signed(TimeDelta::seconds(1)),
    }
    .ok_or_else(|| {
        drill_error(
            format!("'{text}' is out of range"),
            "drill on another value".into(),
        )
    })?;
    Ok(expression(format!("{} to {}", point(start), point(end))))
}

/// A time as the filter grammar reads it: the date alone at midnight.
fn point(t: NaiveDateTime) -> String {
    if t.time() == chrono::NaiveTime::MIN {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// The start of a period as results write it: `2024`, `2024-03`, `2024-03-05`,
/// `2024-03-05T10:00:00[.fff][Z]` or with a space.
fn period_start(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim().trim_end_matches('Z').replace(' ', "T");
    if let Ok(dt) = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(dt);
    }
    let date = match t.len() {
        4 => NaiveDate::from_ymd_opt(t.parse().ok()?, 1, 1),
        7 => NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d").ok(),
        _ => NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok(),
    }?;
    date.and_hms_opt(0, 0, 0)
}
