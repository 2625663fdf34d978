//! Filter conditions ([`Cond`], from [`crate::filter::parse`] or a structured query filter) as
//! SQL predicates on a target expression. Every query value becomes a literal here: strings
//! single-quoted with every `'` doubled, numbers as checked by the filter parser.

use super::sqltext::string_lit;
use crate::filter::{CmpOp, Cond, Lit};

/// A query value as a SQL literal (strings quoted with every `'` doubled). Times are RFC 3339
/// instants when the query runs in UTC, local wall-clock times otherwise; `date_only` writes a
/// midnight as a bare date.
fn literal(l: &Lit, date_only: bool, utc: bool) -> String {
    match l {
        Lit::Str(s) => string_lit(s),
        // checked to be a finite number by the filter parser / query reader
        Lit::Num(n) => n.clone(),
        Lit::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Lit::Time(t) => {
            let s = if date_only && t.time() == chrono::NaiveTime::MIN {
                t.format("%Y-%m-%d").to_string()
            } else if utc {
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            } else {
                t.format("%Y-%m-%dT%H:%M:%S").to_string()
            };
            string_lit(&s)
        }
    }
}

/// Render a condition on `target`; None when it matches everything.
pub(super) fn cond_sql(c: &Cond, target: &str, date_only: bool, utc: bool) -> Option<String> {
    let op = |o: CmpOp| match o {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    };
    Some(match c {
        Cond::Any => return None,
        Cond::IsNull => format!("{target} IS NULL"),
        Cond::NotNull => format!("{target} IS NOT NULL"),
        Cond::Empty => {
            let e = literal(&Lit::Str(String::new()), false, utc);
            format!("({target} IS NULL OR {target} = {e})")
        }
        Cond::Cmp(o, l) => {
            let l = literal(l, date_only, utc);
            format!("{target} {} {l}", op(*o))
        }
        Cond::Like(p) => {
            let l = literal(&Lit::Str(p.clone()), false, utc);
            format!("{target} LIKE {l}")
        }
        Cond::In(ls) => {
            let items: Vec<String> = ls.iter().map(|l| literal(l, date_only, utc)).collect();
            format!("{target} IN ({})", items.join(", "))
        }
        Cond::Range { low, high } => {
            let mut parts = Vec::new();
            if let Some((l, incl)) = low {
                let l = literal(l, date_only, utc);
                parts.push(format!("{target} {} {l}", if *incl { ">=" } else { ">" }));
            }
            if let Some((h, incl)) = high {
                let h = literal(h, date_only, utc);
                parts.push(format!("{target} {} {h}", if *incl { "<=" } else { "<" }));
            }
            match parts.len() {
                0 => return None,
                1 => parts.remove(0),
                _ => format!("({})", parts.join(" AND ")),
            }
        }
        Cond::And(v) | Cond::Or(v) => {
            let sep = if matches!(c, Cond::And(_)) {
                " AND "
            } else {
                " OR "
            };
            let parts: Vec<String> = v
                .iter()
                .filter_map(|x| cond_sql(x, target, date_only, utc))
                .collect();
            if parts.is_empty() {
                return None;
            }
            format!("({})", parts.join(sep))
        }
        Cond::NotOrNull(inner) => {
            let i = cond_sql(inner, target, date_only, utc)?;
            format!("(NOT ({i}) OR {target} IS NULL)")
        }
    })
}
