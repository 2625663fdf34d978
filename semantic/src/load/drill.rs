//! `drill_fields` of dimensions and measures, checked once every view is built: each entry
//! names a field of the same view (`order_id`) or of another view (`customers.name`), as
//! Looker's do. A time dimension's entries name timeframes (`trip_month`), not the dimension.

use std::collections::BTreeMap;

use super::context::{At, Ctx};
use super::spec::ViewSpec;
use crate::error::{Code, did_you_mean};
use crate::model::View;
use crate::yaml_pos::{Seg, ypath};

/// Check the `drill_fields` of view `v`, the `vi`th of file `fi`.
pub(super) fn check_drill_fields(
    ctx: &mut Ctx<'_>,
    fi: usize,
    vi: usize,
    v: &ViewSpec,
    views: &BTreeMap<String, View>,
) {
    let dims = v.dimensions.iter().enumerate().map(|(i, d)| {
        let owner = format!("dimension '{}'", d.name);
        (ypath!["views", vi, "dimensions", i], owner, &d.drill_fields)
    });
    let measures = v.measures.iter().enumerate().map(|(i, m)| {
        let owner = format!("measure '{}'", m.name);
        (ypath!["views", vi, "measures", i], owner, &m.drill_fields)
    });
    for (at, owner, entries) in dims.collect::<Vec<_>>().into_iter().chain(measures) {
        for (k, entry) in entries.iter().enumerate() {
            let mut path: Vec<Seg> = at.to_vec();
            path.extend_from_slice(&ypath!["drill_fields", k]);
            if let Some((code, message, hint)) = problem(&v.name, entry, views) {
                let message = format!("{message} in 'drill_fields' of {owner}");
                ctx.report(fi, At::Find(&path, entry), code, message, hint);
            }
        }
    }
}

/// What is wrong with one entry, if anything.
fn problem(
    own_view: &str,
    entry: &str,
    views: &BTreeMap<String, View>,
) -> Option<(Code, String, Option<String>)> {
    let (view_name, field) = entry.split_once('.').unwrap_or((own_view, entry));
    let Some(view) = views.get(view_name) else {
        let hint = did_you_mean(view_name, views.keys().map(String::as_str))
            .or_else(|| Some("name a field of this view, or 'view.field'".into()));
        return Some((
            Code::UnknownView,
            format!("unknown view '{view_name}'"),
            hint,
        ));
    };
    if view.fields.contains_key(field) {
        return None;
    }
    let hint = if view.dims.contains_key(field) {
        Some(format!(
            "'{field}' is a time dimension: name one of its timeframes, e.g. '{field}_date'"
        ))
    } else {
        did_you_mean(field, view.fields.keys().map(String::as_str))
    };
    Some((
        Code::UnknownField,
        format!("unknown field '{field}' of view '{view_name}'"),
        hint,
    ))
}
