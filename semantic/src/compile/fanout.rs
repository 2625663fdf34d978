//! Fan-out: for each view whose leaf measures the query aggregates, whether its rows can be
//! repeated by the joins in the query and so must be aggregated over its distinct keys
//! ([`Strategy::KeysThenAggregate`]) rather than directly ([`Strategy::Direct`]). See the
//! crate docs, "Fan-out".

use crate::error::Code;
use std::collections::{BTreeMap, BTreeSet};

use super::joins;
use super::measures::Leaves;
use super::resolve::{Scope, query_error};
use crate::error::{Error, Result};
use crate::model::FieldKind;

/// How the leaf measures of one joined view are aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// Aggregated over the joined rows: in the one `SELECT ... GROUP BY` when no view is fanned
    /// out, else in the `__agg` CTE shared by all such views.
    Direct,
    /// The view is fanned out: `__keys_<alias>` selects the distinct dimensions and primary
    /// keys, `__agg_<alias>` joins them back to the view and aggregates each row once.
    KeysThenAggregate,
}

/// The strategy for each alias that has leaf measures in the query. With `naive` every view is
/// aggregated directly (inflated sums, for comparison only).
pub(super) fn strategies<'a>(
    scope: &Scope<'a>,
    leaves: &Leaves,
    joined: &BTreeSet<&'a str>,
    naive: bool,
) -> Result<BTreeMap<&'a str, Strategy>> {
    let mut out = BTreeMap::new();
    for (a, name) in leaves {
        let alias = scope
            .alias(a)
            .ok_or_else(|| Error::Internal(format!("alias '{a}'")))?;
        let strategy = out.entry(alias).or_insert(Strategy::Direct);
        if naive || *strategy == Strategy::KeysThenAggregate {
            continue;
        }
        let Ok(view) = scope.view(a) else { continue };
        let Some(m) = view.fields.get(name).and_then(|f| match &f.kind {
            FieldKind::Measure(m) => Some(m),
            FieldKind::Dimension(_) => None,
        }) else {
            continue;
        };
        if m.ty.is_fanout_sensitive() && joins::fanning_join(scope.explore, joined, a).is_some() {
            if view.primary_key.is_none() {
                return Err(query_error(
                    Code::FanoutWithoutPrimaryKey,
                    format!(
                        "measure '{a}.{name}' is fanned out by the joins and view '{}' has no primary key",
                        view.name
                    ),
                    Some(format!("add 'primary_key' to view '{}'", view.name)),
                ));
            }
            *strategy = Strategy::KeysThenAggregate;
        }
    }
    Ok(out)
}
