//! How big a query may be, checked before anything else, so that the work of compiling one is
//! bounded whatever is sent: fields, sorts, pivots, filters, their nesting and values.
//! (A filter expression's own length is bounded by [`crate::filter::MAX_EXPRESSION_CHARS`].)

use super::filters::Pred;
use crate::error::{Code, Error, Result};
use crate::filter::terms;
use boltic_types::{Filter, Query};

/// Fields (dimensions and measures) of one query.
pub const MAX_FIELDS: usize = 200;
/// Sort keys of one query.
pub const MAX_SORTS: usize = 50;
/// Pivot dimensions of one query.
pub const MAX_PIVOTS: usize = 10;
/// Filters of one query, counting every condition and expression in every group.
pub const MAX_FILTERS: usize = 200;
/// `and` / `or` groups inside one another.
pub const MAX_FILTER_DEPTH: usize = 8;
/// Values of one structured condition.
pub const MAX_VALUES: usize = 1_000;
/// Conditions of all a query's filters together (each expression's own are at most
/// [`crate::filter::MAX_TERMS`]); each is a level of the engine's expression tree.
pub const MAX_TERMS: usize = 400;

/// Refuse a query over any of the limits, saying which and what to do instead.
pub(super) fn check(query: &Query) -> Result<()> {
    let over = |what: &str, n: usize, max: usize, hint: &str| {
        Error::query(
            Code::QueryTooLarge,
            format!("the query has {n} {what}; at most {max} are allowed"),
            Some(hint.to_string()),
        )
    };
    if query.fields.len() > MAX_FIELDS {
        return Err(over(
            "fields",
            query.fields.len(),
            MAX_FIELDS,
            "ask for fewer fields, or split the question",
        ));
    }
    if query.sorts.len() > MAX_SORTS {
        return Err(over(
            "sorts",
            query.sorts.len(),
            MAX_SORTS,
            "sort by fewer fields",
        ));
    }
    if query.pivots.len() > MAX_PIVOTS {
        return Err(over(
            "pivots",
            query.pivots.len(),
            MAX_PIVOTS,
            "pivot on fewer dimensions",
        ));
    }
    let mut count = 0;
    for f in query.filters.to_list() {
        walk(&f, 1, &mut count)?;
    }
    if count > MAX_FILTERS {
        return Err(over(
            "filters",
            count,
            MAX_FILTERS,
            "combine values into one filter (a list, a range or a pattern)",
        ));
    }
    Ok(())
}

fn walk(f: &Filter, depth: usize, count: &mut usize) -> Result<()> {
    if depth > MAX_FILTER_DEPTH {
        return Err(Error::query(
            Code::QueryTooLarge,
            format!("the filters nest deeper than {MAX_FILTER_DEPTH} 'and'/'or' groups"),
            Some("flatten the groups: an 'and' inside an 'and' is one 'and'".into()),
        ));
    }
    match f {
        Filter::And { and: v } | Filter::Or { or: v } => {
            for f in v {
                walk(f, depth + 1, count)?;
            }
        }
        Filter::Condition(c) => {
            *count += 1;
            if c.values.len() > MAX_VALUES {
                return Err(Error::query(
                    Code::QueryTooLarge,
                    format!(
                        "the filter on '{}' has {} values; at most {MAX_VALUES} are allowed",
                        c.field,
                        c.values.len()
                    ),
                    Some("filter on a range or a pattern instead of a list".into()),
                ));
            }
        }
        Filter::Expressions(m) => *count += m.len(),
    }
    Ok(())
}

/// Refuse filters that make more than [`MAX_TERMS`] conditions together.
pub(super) fn check_terms(preds: &[Pred<'_>]) -> Result<()> {
    fn count(p: &Pred<'_>) -> usize {
        match p {
            Pred::Leaf(_, c) => terms(c),
            Pred::And(v) | Pred::Or(v) => v.iter().map(count).sum(),
            Pred::Never => 1,
        }
    }
    let n: usize = preds.iter().map(count).sum();
    if n > MAX_TERMS {
        return Err(Error::query(
            Code::QueryTooLarge,
            format!("the filters make {n} conditions; at most {MAX_TERMS} are allowed"),
            Some("use lists of values (one condition each), ranges or patterns".into()),
        ));
    }
    Ok(())
}
