//! Query -> SQL for Apache DataFusion.
//!
//! SQL is assembled from the model's snippets, printed once by `sqlparser` at load
//! ([`crate::sqltext::Template`]), quoted identifiers, and literals for every value that comes
//! from the query (strings with every `'` doubled), and laid out as `sqlparser` pretty-prints
//! it ([`crate::sqltext::render`]). Nothing is parsed per query and a query value is never
//! part of any text that is parsed.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::error::{Error, Result, did_you_mean};
use crate::filter::{self, CmpOp, Cond, FilterKind, Lit};
use crate::joins;
use crate::load::{filter_kind, valid_timezone};
use crate::model::*;
use crate::query::{Condition, Filter, Op, Query};
use crate::refs::{self, quote_ident};
use crate::sqltext::{
    Body, From, Item, JoinSql, Query as SqlQuery, Rel, Select, Splice, Sql, Template, render,
    string_lit,
};

/// Inputs of a compilation besides the model and the query.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// The current wall-clock time in the query time zone (see [`query_timezone`]); relative
    /// date filters (`last 7 days`) count from it. Explicit so compilation is deterministic.
    pub now: NaiveDateTime,
    /// Compile fanned-out measures the naive way (a plain join then aggregate), which gives
    /// inflated sums. Only for demonstrating the difference in tests.
    pub naive_fanout: bool,
}

impl CompileOptions {
    /// Options with the given "now".
    pub fn new(now: NaiveDateTime) -> Self {
        CompileOptions {
            now,
            naive_fanout: false,
        }
    }
}

/// A column of the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// `view.field`; also the SQL column alias.
    pub name: String,
    /// `dimension` or `measure`.
    pub kind: &'static str,
    /// `string`, `number`, `boolean`, `time`, `date` or the measure type.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// Label (from the model, else None).
    pub label: Option<String>,
    /// Display format hint.
    pub value_format: Option<String>,
    /// A pivot dimension.
    pub pivot: bool,
}

/// The result of [`compile`].
#[derive(Debug, Clone, Serialize)]
pub struct CompiledQuery {
    /// The query.
    pub sql: String,
    /// Totals (measures only, over the same dimension filters) when the query asks for them.
    pub totals_sql: Option<String>,
    /// Result columns in order.
    pub columns: Vec<Column>,
    /// The time zone used.
    pub timezone: String,
    /// Views whose measures were computed over a keys subquery to avoid fan-out.
    pub fanout_views: Vec<String>,
}

/// The time zone a query runs in: its own `timezone`, else the model's.
pub fn query_timezone<'a>(model: &'a Model, query: &'a Query) -> &'a str {
    query.timezone.as_deref().unwrap_or(&model.timezone)
}

/// Compile a query against the model into DataFusion SQL.
pub fn compile(model: &Model, query: &Query, opts: &CompileOptions) -> Result<CompiledQuery> {
    let mut out = compile_one(model, query, opts)?;
    if query.totals {
        let measures: Vec<String> = out
            .columns
            .iter()
            .filter(|c| c.kind == "measure")
            .map(|c| c.name.clone())
            .collect();
        if !measures.is_empty() {
            let t = Query {
                fields: measures,
                pivots: Vec::new(),
                sorts: Vec::new(),
                limit: None,
                offset: None,
                totals: false,
                ..query.clone()
            };
            let mut c = Compiler::new(model, &t, opts)?;
            c.skip_measure_filters = true;
            out.totals_sql = Some(c.run()?.sql);
        }
    }
    Ok(out)
}

fn compile_one(model: &Model, query: &Query, opts: &CompileOptions) -> Result<CompiledQuery> {
    Compiler::new(model, query, opts)?.run()
}

#[derive(Debug, Clone)]
struct FRef<'a> {
    key: String,
    alias: &'a str,
    view: &'a View,
    field: &'a Field,
}

impl FRef<'_> {
    fn dim(&self) -> Option<&Dimension> {
        match &self.field.kind {
            FieldKind::Dimension(d) => Some(d),
            FieldKind::Measure(_) => None,
        }
    }
    fn measure(&self) -> Option<&Measure> {
        match &self.field.kind {
            FieldKind::Measure(m) => Some(m),
            FieldKind::Dimension(_) => None,
        }
    }
    /// A `min`/`max` measure of a time or date dimension of its view (`sql: ${start}`): its
    /// value is a timestamp, which the (numeric) measure filters cannot compare.
    fn is_time_measure(&self) -> bool {
        let Some(m) = self.measure() else {
            return false;
        };
        if !matches!(m.ty, MeasureType::Min | MeasureType::Max) {
            return false;
        }
        let of = m.sql.as_deref().and_then(|s| {
            s.trim()
                .strip_prefix("${")
                .and_then(|s| s.strip_suffix('}'))
        });
        of.and_then(|n| self.view.dims.get(n.trim()))
            .is_some_and(|d| matches!(d.ty, DimensionType::Time | DimensionType::Date))
    }
}

/// Message for a filter on a [`FRef::is_time_measure`].
const TIME_MEASURE_FILTER: &str = "filters on a time-valued measure are not supported";

/// A predicate tree whose leaves are conditions on fields.
#[derive(Debug)]
enum Pred<'a> {
    Leaf(FRef<'a>, Cond),
    And(Vec<Pred<'a>>),
    Or(Vec<Pred<'a>>),
}

impl Pred<'_> {
    /// Some(true): only measures; Some(false): only dimensions; None: mixed or empty.
    fn on_measures(&self) -> Option<bool> {
        match self {
            Pred::Leaf(f, _) => Some(!f.field.is_dimension()),
            Pred::And(v) | Pred::Or(v) => {
                let kinds: BTreeSet<Option<bool>> = v.iter().map(Pred::on_measures).collect();
                if kinds.len() == 1 {
                    kinds.into_iter().next().flatten()
                } else {
                    None
                }
            }
        }
    }
}

struct Compiler<'a> {
    model: &'a Model,
    explore: &'a Explore,
    query: &'a Query,
    opts: &'a CompileOptions,
    tz: String,
    /// The time zone as a SQL string literal.
    tz_lit: String,
    utc: bool,
    skip_measure_filters: bool,
}

fn qerr(code: &'static str, message: String, hint: Option<String>) -> Error {
    Error::query(code, message, hint)
}

impl<'a> Compiler<'a> {
    fn new(model: &'a Model, query: &'a Query, opts: &'a CompileOptions) -> Result<Self> {
        let explore = model.explores.get(&query.explore).ok_or_else(|| {
            qerr(
                "unknown-explore",
                format!("unknown explore '{}'", query.explore),
                did_you_mean(&query.explore, model.explores.keys().map(String::as_str)),
            )
        })?;
        let tz = query_timezone(model, query).to_string();
        if !valid_timezone(&tz) {
            return Err(qerr(
                "invalid-timezone",
                format!("invalid time zone '{tz}'"),
                Some("use an IANA name such as 'UTC' or 'Europe/Tallinn'".into()),
            ));
        }
        let utc = matches!(tz.as_str(), "UTC" | "Etc/UTC");
        let tz_lit = string_lit(&tz);
        Ok(Compiler {
            model,
            explore,
            query,
            opts,
            tz,
            tz_lit,
            utc,
            skip_measure_filters: false,
        })
    }

    fn resolve(&self, name: &str) -> Result<FRef<'a>> {
        let found = self.model.resolve(self.explore, name);
        let Some((alias, view, field)) = found else {
            let candidates: Vec<String> = self
                .explore
                .aliases()
                .filter_map(|a| {
                    let v = self.model.views.get(self.explore.view_of(a)?)?;
                    Some(v.fields.keys().map(move |f| format!("{a}.{f}")))
                })
                .flatten()
                .collect();
            return Err(qerr(
                "unknown-field",
                format!("unknown field '{name}' in explore '{}'", self.explore.name),
                did_you_mean(name, candidates.iter().map(String::as_str)),
            ));
        };
        if !self.explore.allows(alias, &field.name) {
            return Err(qerr(
                "field-not-allowed",
                format!(
                    "field '{name}' is not available in explore '{}'",
                    self.explore.name
                ),
                Some("the explore's 'fields' list leaves it out".into()),
            ));
        }
        Ok(FRef {
            key: format!("{alias}.{}", field.name),
            alias,
            view,
            field,
        })
    }

    // ---------- expressions (model text) ----------

    /// The printed template of a model expression snippet.
    fn template(&self, sql: &str) -> Result<Arc<Template>> {
        self.model
            .sql
            .expr(sql)
            .map_err(|e| Error::Internal(format!("model sql does not parse: {e}: {sql}")))
    }

    /// A view's table or derived table, as `alias` (quoted).
    fn source(&self, view: &View, alias: String) -> Result<Rel> {
        Ok(match &view.source {
            ViewSource::Table(t) => Rel::Table {
                name: t.split('.').map(quote_ident).collect::<Vec<_>>().join("."),
                alias: Some(alias),
            },
            ViewSource::Derived(sql) => Rel::Derived {
                body: Box::new(Body::Model(self.model.sql.query(sql).map_err(|e| {
                    Error::Internal(format!("derived table does not parse: {e}: {sql}"))
                })?)),
                alias,
            },
        })
    }

    /// A declared dimension's SQL with references expanded, on table alias `alias`.
    fn dim_raw(&self, alias: &str, view: &View, name: &str, depth: usize) -> Result<Sql> {
        let decl = view.dims.get(name).ok_or_else(|| {
            Error::Internal(format!(
                "dimension '{name}' missing in view '{}'",
                view.name
            ))
        })?;
        self.expand_dim_sql(alias, view, &decl.sql, depth)
    }

    fn expand_dim_sql(&self, alias: &str, view: &View, sql: &str, depth: usize) -> Result<Sql> {
        if depth > 64 {
            return Err(Error::Internal("reference depth exceeded".into()));
        }
        self.template(sql)?
            .expand(|r| match (r.alias.as_deref(), r.name.as_str()) {
                (None, "TABLE") => Ok(Splice::Text(quote_ident(alias))),
                (None, n) => Ok(Splice::Paren(self.dim_raw(alias, view, n, depth + 1)?)),
                (Some(a), f) => Err(Error::Internal(format!("unexpected reference '{a}.{f}'"))),
            })
    }

    /// The time value of a time/date dimension in the query time zone.
    fn time_base(&self, alias: &str, view: &View, d: &Dimension) -> Result<Sql> {
        let base = self.expand_dim_sql(alias, view, &d.sql, 0)?;
        Ok(if d.ty == DimensionType::Time && !self.utc {
            // the zone comes from the query: a string literal
            Sql::text(format!("({} AT TIME ZONE {})", base.flat, self.tz_lit))
        } else if d.ty == DimensionType::Date {
            Sql::text(format!("CAST({} AS TIMESTAMP)", base.flat))
        } else {
            base
        })
    }

    /// The value expression of a dimension field, computed from the table alias.
    fn dim_value(&self, alias: &str, view: &View, d: &Dimension) -> Result<Sql> {
        if let Some(tf) = d.timeframe {
            let b = self.time_base(alias, view, d)?;
            let trunc = |u: &str| Sql::text(format!("date_trunc('{u}', {})", b.flat));
            let part = |u: &str| Sql::text(format!("date_part('{u}', {})", b.flat));
            return Ok(match tf {
                Timeframe::Raw => b.clone(),
                Timeframe::Minute => trunc("minute"),
                Timeframe::Hour => trunc("hour"),
                Timeframe::Date => trunc("day"),
                Timeframe::Week => trunc("week"),
                Timeframe::Month => trunc("month"),
                Timeframe::Quarter => trunc("quarter"),
                Timeframe::Year => trunc("year"),
                Timeframe::DayOfWeek => part("dow"),
                Timeframe::DayOfMonth => part("day"),
                Timeframe::HourOfDay => part("hour"),
                Timeframe::MonthNum => part("month"),
                Timeframe::MonthName => Sql::text(format!("to_char({}, '%B')", b.flat)),
            });
        }
        let base = self.expand_dim_sql(alias, view, &d.sql, 0)?;
        if d.ty == DimensionType::Tier {
            // `CASE` prints one clause a line where the formatter is pretty
            let base = &base.flat;
            let mut flat = format!("CASE WHEN {base} IS NULL THEN NULL");
            let mut lines = vec![
                "CASE".to_string(),
                format!("  WHEN {base} IS NULL THEN"),
                "    NULL".to_string(),
            ];
            let t = &d.tiers;
            for (i, hi) in t.iter().enumerate() {
                let label = match i {
                    0 => format!("< {hi}"),
                    _ => format!("[{}, {hi})", t[i - 1]),
                };
                let label = string_lit(&label);
                flat.push_str(&format!(" WHEN {base} < {hi} THEN {label}"));
                lines.push(format!("  WHEN {base} < {hi} THEN"));
                lines.push(format!("    {label}"));
            }
            if let Some(last) = t.last() {
                let label = string_lit(&format!(">= {last}"));
                flat.push_str(&format!(" ELSE {label}"));
                lines.push("  ELSE".to_string());
                lines.push(format!("    {label}"));
            }
            flat.push_str(" END");
            lines.push("END".to_string());
            return Ok(Sql {
                flat,
                pretty: Some(lines),
                simple: false,
            });
        }
        Ok(base)
    }

    /// An explore's `sql_on` / `sql_always_where` with `${alias.field}` expanded.
    fn explore_sql(&self, sql: &str) -> Result<Sql> {
        self.template(sql)?.expand(|r| {
            let a = r.alias.as_deref().unwrap_or_default();
            let f = r.name.as_str();
            let v = self
                .model
                .views
                .get(self.explore.view_of(a).unwrap_or_default())
                .ok_or_else(|| Error::Internal("view".into()))?;
            let d = match v.fields.get(f) {
                Some(Field {
                    kind: FieldKind::Dimension(d),
                    ..
                }) => self.dim_value(a, v, d)?,
                _ => self.dim_raw(a, v, f, 0)?,
            };
            Ok(Splice::Paren(d))
        })
    }

    /// True when the dimension is a bare column (`${TABLE}.col`) and needs no precomputation.
    fn is_trivial(d: &Dimension) -> bool {
        d.timeframe.is_none()
            && d.ty != DimensionType::Tier
            && refs::refs(&d.sql).len() == 1
            && d.sql.trim().starts_with("${TABLE}.")
            && d.sql.trim()["${TABLE}.".len()..]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_')
    }

    /// The dimension as used in the outer query (precomputed column when not trivial).
    fn dim_outer(&self, f: &FRef<'_>) -> Result<Sql> {
        let d = f
            .dim()
            .ok_or_else(|| Error::Internal("not a dimension".into()))?;
        if Self::is_trivial(d) {
            self.dim_value(f.alias, f.view, d)
        } else {
            Ok(Sql::text(format!(
                "{}.{}",
                quote_ident(f.alias),
                quote_ident(&format!("__{}", f.field.name))
            )))
        }
    }

    /// A query value as a SQL literal (strings quoted with every `'` doubled).
    fn lit(&self, l: &Lit, date_only: bool) -> String {
        match l {
            Lit::Str(s) => string_lit(s),
            // checked to be a finite number by the filter parser / query reader
            Lit::Num(n) => n.clone(),
            Lit::Bool(b) => if *b { "true" } else { "false" }.to_string(),
            Lit::Time(t) => {
                let s = if date_only && t.time() == chrono::NaiveTime::MIN {
                    t.format("%Y-%m-%d").to_string()
                } else if self.utc {
                    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                } else {
                    t.format("%Y-%m-%dT%H:%M:%S").to_string()
                };
                string_lit(&s)
            }
        }
    }

    /// Render a condition on `target`; None when it matches everything.
    fn cond_sql(&self, c: &Cond, target: &str, date_only: bool) -> Option<String> {
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
                let e = self.lit(&Lit::Str(String::new()), false);
                format!("({target} IS NULL OR {target} = {e})")
            }
            Cond::Cmp(o, l) => {
                let l = self.lit(l, date_only);
                format!("{target} {} {l}", op(*o))
            }
            Cond::Like(p) => {
                let l = self.lit(&Lit::Str(p.clone()), false);
                format!("{target} LIKE {l}")
            }
            Cond::In(ls) => {
                let items: Vec<String> = ls.iter().map(|l| self.lit(l, date_only)).collect();
                format!("{target} IN ({})", items.join(", "))
            }
            Cond::Range { low, high } => {
                let mut parts = Vec::new();
                if let Some((l, incl)) = low {
                    let l = self.lit(l, date_only);
                    parts.push(format!("{target} {} {l}", if *incl { ">=" } else { ">" }));
                }
                if let Some((h, incl)) = high {
                    let h = self.lit(h, date_only);
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
                    .filter_map(|x| self.cond_sql(x, target, date_only))
                    .collect();
                if parts.is_empty() {
                    return None;
                }
                format!("({})", parts.join(sep))
            }
            Cond::NotOrNull(inner) => {
                let i = self.cond_sql(inner, target, date_only)?;
                format!("(NOT ({i}) OR {target} IS NULL)")
            }
        })
    }

    /// Target expression for a dimension filter: ranges on time fields use the time value
    /// itself (no truncation per row).
    fn dim_filter_target(&self, f: &FRef<'_>) -> Result<(String, bool)> {
        let d = f
            .dim()
            .ok_or_else(|| Error::Internal("not a dimension".into()))?;
        if filter_kind(d) == FilterKind::Time {
            let b = if d.ty == DimensionType::Date {
                self.expand_dim_sql(f.alias, f.view, &d.sql, 0)?
            } else {
                self.time_base(f.alias, f.view, d)?
            };
            return Ok((b.flat, d.ty == DimensionType::Date));
        }
        Ok((self.dim_outer(f)?.flat, false))
    }

    /// A leaf (aggregate) measure over table alias `alias`.
    fn leaf_measure(&self, alias: &str, view: &View, name: &str) -> Result<String> {
        let Some(Field {
            kind: FieldKind::Measure(m),
            ..
        }) = view.fields.get(name)
        else {
            return Err(Error::Internal(format!("measure '{name}' missing")));
        };
        let pk = match &view.primary_key {
            Some(pk) => Some(self.dim_raw(alias, view, pk, 0)?.flat),
            None => None,
        };
        let mut value = match &m.sql {
            Some(sql) => self.expand_dim_sql(alias, view, sql, 0)?.flat,
            None => pk.clone().unwrap_or_else(|| "1".to_string()),
        };
        if !m.filters.is_empty() {
            let mut conds = Vec::new();
            for (field, expr) in &m.filters {
                let Some(Field {
                    kind: FieldKind::Dimension(d),
                    ..
                }) = view.fields.get(field)
                else {
                    return Err(Error::Internal(format!("filter field '{field}' missing")));
                };
                let cond = filter::parse(filter_kind(d), expr, self.opts.now).map_err(|e| {
                    Error::Filter {
                        field: format!("{alias}.{field}"),
                        source: e,
                    }
                })?;
                let (target, date_only) = if filter_kind(d) == FilterKind::Time {
                    (self.time_base(alias, view, d)?, d.ty == DimensionType::Date)
                } else {
                    (self.dim_value(alias, view, d)?, false)
                };
                if let Some(c) = self.cond_sql(&cond, &target.flat, date_only) {
                    conds.push(c);
                }
            }
            if !conds.is_empty() {
                value = format!("CASE WHEN {} THEN {value} END", conds.join(" AND "));
            }
        }
        Ok(match m.ty {
            MeasureType::Count => format!("COUNT({value})"),
            MeasureType::CountDistinct => format!("COUNT(DISTINCT {value})"),
            MeasureType::Sum => format!("SUM({value})"),
            MeasureType::Average => format!("AVG({value})"),
            MeasureType::Min => format!("MIN({value})"),
            MeasureType::Max => format!("MAX({value})"),
            MeasureType::Median => format!("median({value})"),
            MeasureType::Percentile => format!(
                "percentile_cont({}) WITHIN GROUP (ORDER BY {value})",
                m.percentile.unwrap_or(50.0) / 100.0
            ),
            MeasureType::Number => return Err(Error::Internal("number measure as leaf".into())),
        })
    }

    /// Expand a measure: `leaf(alias, name)` renders aggregate leaves, number measures combine them.
    fn measure_expr(
        &self,
        alias: &str,
        view: &View,
        name: &str,
        leaf: &mut dyn FnMut(&Self, &str, &View, &str) -> Result<String>,
        depth: usize,
    ) -> Result<Sql> {
        if depth > 64 {
            return Err(Error::Internal("measure depth exceeded".into()));
        }
        let Some(Field {
            kind: FieldKind::Measure(m),
            ..
        }) = view.fields.get(name)
        else {
            return Err(Error::Internal(format!("measure '{name}' missing")));
        };
        if m.ty != MeasureType::Number {
            return Ok(Sql::text(leaf(self, alias, view, name)?));
        }
        let sql = m.sql.as_deref().unwrap_or_default();
        self.template(sql)?.expand(|r| {
            let (a, f) = match &r.alias {
                None => (alias, r.name.as_str()),
                Some(a) => (a.as_str(), r.name.as_str()),
            };
            let v = self.view_for_alias(a, view, alias)?;
            let a_ref = self.explore.aliases().find(|x| *x == a).unwrap_or(alias);
            Ok(Splice::Paren(self.measure_expr(
                a_ref,
                v,
                f,
                leaf,
                depth + 1,
            )?))
        })
    }

    /// Resolve an alias used in a number measure (a view name as written in the model).
    fn view_for_alias(&self, a: &str, cur_view: &'a View, cur_alias: &str) -> Result<&'a View> {
        if a == cur_alias {
            return Ok(cur_view);
        }
        let view_name = self.explore.view_of(a).ok_or_else(|| {
            qerr(
                "view-not-joined",
                format!(
                    "measure needs view '{a}', which explore '{}' does not join",
                    self.explore.name
                ),
                Some(format!("join '{a}' in explore '{}'", self.explore.name)),
            )
        })?;
        self.model
            .views
            .get(view_name)
            .ok_or_else(|| Error::Internal(format!("view '{view_name}' missing")))
    }

    /// All leaf measures (alias, name) a measure depends on: the leaves [`Self::measure_expr`]
    /// would render.
    fn leaves(
        &self,
        alias: &str,
        view: &View,
        name: &str,
        out: &mut BTreeSet<(String, String)>,
        depth: usize,
    ) -> Result<()> {
        let mut record = |_: &Self, a: &str, _: &View, n: &str| {
            out.insert((a.to_string(), n.to_string()));
            Ok(String::new())
        };
        self.measure_expr(alias, view, name, &mut record, depth)
            .map(|_| ())
    }

    // ---------- filters ----------

    fn condition_to_cond(&self, f: &FRef<'_>, c: &Condition) -> Result<Cond> {
        if f.is_time_measure() {
            return Err(Error::InvalidQuery(format!(
                "filter on '{}': {TIME_MEASURE_FILTER}",
                f.key
            )));
        }
        let kind = match f.dim() {
            Some(d) => filter_kind(d),
            None => FilterKind::Number,
        };
        let bad = |m: String| Error::InvalidQuery(format!("filter on '{}': {m}", f.key));
        let lit = |v: &serde_json::Value| -> Result<Lit> {
            match (kind, v) {
                (FilterKind::Number, serde_json::Value::Number(n)) => Ok(Lit::Num(n.to_string())),
                (FilterKind::Number, serde_json::Value::String(s))
                    if s.trim().parse::<f64>().is_ok_and(f64::is_finite) =>
                {
                    Ok(Lit::Num(s.trim().to_string()))
                }
                (FilterKind::Boolean, serde_json::Value::Bool(b)) => Ok(Lit::Bool(*b)),
                (FilterKind::String, serde_json::Value::String(s)) => Ok(Lit::Str(s.clone())),
                (FilterKind::String, serde_json::Value::Number(n)) => Ok(Lit::Str(n.to_string())),
                (FilterKind::Time, serde_json::Value::String(s)) => {
                    match filter::parse(FilterKind::Time, s, self.opts.now) {
                        Ok(Cond::Range {
                            low: Some((l, _)), ..
                        }) => Ok(l),
                        _ => Err(bad(format!(
                            "expected a date like '2024-08-01', found '{s}'"
                        ))),
                    }
                }
                (k, v) => Err(bad(
                    format!("expected a {k:?} value, found {v}").to_lowercase()
                )),
            }
        };
        let first = || {
            c.values
                .first()
                .ok_or_else(|| bad(format!("'{:?}' needs a value", c.op).to_lowercase()))
        };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(match c.op {
            Op::IsNull => Cond::IsNull,
            Op::IsNotNull => Cond::NotNull,
            Op::Equals | Op::NotEquals if kind == FilterKind::Time => {
                let mut periods = Vec::new();
                for v in &c.values {
                    let s = text(v);
                    periods.push(filter::parse(kind, &s, self.opts.now).map_err(|e| {
                        Error::Filter {
                            field: f.key.clone(),
                            source: e,
                        }
                    })?);
                }
                if periods.is_empty() {
                    return Err(bad("'equals' needs at least one value".into()));
                }
                let pos = if periods.len() == 1 {
                    periods.remove(0)
                } else {
                    Cond::Or(periods)
                };
                if c.op == Op::Equals {
                    pos
                } else {
                    Cond::NotOrNull(Box::new(pos))
                }
            }
            Op::Equals | Op::NotEquals => {
                if c.values.is_empty() {
                    return Err(bad("'equals' needs at least one value".into()));
                }
                let lits = c.values.iter().map(lit).collect::<Result<Vec<_>>>()?;
                let pos = if lits.len() == 1 {
                    Cond::Cmp(
                        CmpOp::Eq,
                        lits.into_iter().next().unwrap_or(Lit::Bool(true)),
                    )
                } else {
                    Cond::In(lits)
                };
                if c.op == Op::Equals {
                    pos
                } else {
                    Cond::NotOrNull(Box::new(pos))
                }
            }
            Op::Gt => Cond::Cmp(CmpOp::Gt, lit(first()?)?),
            Op::Gte => Cond::Cmp(CmpOp::Ge, lit(first()?)?),
            Op::Lt => Cond::Cmp(CmpOp::Lt, lit(first()?)?),
            Op::Lte => Cond::Cmp(CmpOp::Le, lit(first()?)?),
            Op::Between => {
                let [a, b] = c.values.as_slice() else {
                    return Err(bad("'between' needs two values".into()));
                };
                Cond::Range {
                    low: Some((lit(a)?, true)),
                    high: Some((lit(b)?, true)),
                }
            }
            Op::Contains | Op::StartsWith | Op::EndsWith => {
                let s = text(first()?).replace('%', "");
                Cond::Like(match c.op {
                    Op::Contains => format!("%{s}%"),
                    Op::StartsWith => format!("{s}%"),
                    _ => format!("%{s}"),
                })
            }
            Op::Matches => {
                let s = text(first()?);
                filter::parse(kind, &s, self.opts.now).map_err(|e| Error::Filter {
                    field: f.key.clone(),
                    source: e,
                })?
            }
        })
    }

    fn to_pred(&self, f: &Filter) -> Result<Pred<'a>> {
        Ok(match f {
            Filter::And { and } => {
                Pred::And(and.iter().map(|x| self.to_pred(x)).collect::<Result<_>>()?)
            }
            Filter::Or { or } => {
                Pred::Or(or.iter().map(|x| self.to_pred(x)).collect::<Result<_>>()?)
            }
            Filter::Condition(c) => {
                let fr = self.resolve(&c.field)?;
                let cond = self.condition_to_cond(&fr, c)?;
                Pred::Leaf(fr, cond)
            }
            Filter::Expressions(m) => {
                let mut v = Vec::new();
                for (field, expr) in m {
                    v.push(self.expr_pred(field, expr)?);
                }
                if v.len() == 1 {
                    v.remove(0)
                } else {
                    Pred::And(v)
                }
            }
        })
    }

    fn expr_pred(&self, field: &str, expr: &str) -> Result<Pred<'a>> {
        let fr = self.resolve(field)?;
        if fr.is_time_measure() {
            return Err(Error::Filter {
                field: fr.key.clone(),
                source: crate::error::FilterError {
                    expression: expr.to_string(),
                    offset: 0,
                    message: TIME_MEASURE_FILTER.to_string(),
                },
            });
        }
        let kind = fr.dim().map_or(FilterKind::Number, filter_kind);
        let cond = filter::parse(kind, expr, self.opts.now).map_err(|e| Error::Filter {
            field: fr.key.clone(),
            source: e,
        })?;
        Ok(Pred::Leaf(fr, cond))
    }

    fn pred_fields<'p>(p: &'p Pred<'a>, out: &mut Vec<&'p FRef<'a>>) {
        match p {
            Pred::Leaf(f, _) => out.push(f),
            Pred::And(v) | Pred::Or(v) => v.iter().for_each(|x| Self::pred_fields(x, out)),
        }
    }

    fn pred_sql(
        &self,
        p: &Pred<'a>,
        measure_target: &dyn Fn(&FRef<'a>) -> Option<String>,
    ) -> Result<Option<String>> {
        Ok(match p {
            Pred::Leaf(f, c) => {
                let (target, date_only) = match f.dim() {
                    Some(_) => self.dim_filter_target(f)?,
                    None => (
                        measure_target(f).ok_or_else(|| {
                            Error::Internal(format!("measure '{}' not computed", f.key))
                        })?,
                        false,
                    ),
                };
                self.cond_sql(c, &target, date_only)
            }
            Pred::And(v) | Pred::Or(v) => {
                let sep = if matches!(p, Pred::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let mut parts = Vec::new();
                for x in v {
                    if let Some(s) = self.pred_sql(x, measure_target)? {
                        parts.push(s);
                    }
                }
                match parts.len() {
                    0 => None,
                    1 => parts.pop(),
                    _ => Some(format!("({})", parts.join(sep))),
                }
            }
        })
    }

    // ---------- assembly ----------

    fn run(self) -> Result<CompiledQuery> {
        let q = self.query;
        let mut dims: Vec<(FRef<'a>, bool)> = Vec::new();
        let mut measures: Vec<FRef<'a>> = Vec::new();
        let mut seen = BTreeSet::new();
        for (name, pivot) in q
            .fields
            .iter()
            .map(|f| (f, false))
            .chain(q.pivots.iter().map(|p| (p, true)))
        {
            let f = self.resolve(name)?;
            if pivot && !f.field.is_dimension() {
                return Err(qerr(
                    "invalid-pivot",
                    format!("pivot '{name}' is a measure"),
                    Some("pivot on dimensions only".into()),
                ));
            }
            if !seen.insert(f.key.clone()) {
                if pivot {
                    if let Some(d) = dims.iter_mut().find(|(d, _)| d.key == f.key) {
                        d.1 = true;
                    }
                }
                continue;
            }
            if f.field.is_dimension() {
                dims.push((f, pivot));
            } else {
                measures.push(f);
            }
        }
        if dims.is_empty() && measures.is_empty() {
            return Err(qerr(
                "empty-query",
                "query has no fields".into(),
                Some("add 'fields': [\"view.field\", …]".into()),
            ));
        }

        // filters
        let mut preds = Vec::new();
        for f in q.filters.to_list() {
            preds.push(self.to_pred(&f)?);
        }
        let mut filtered = Vec::new();
        for p in &preds {
            Self::pred_fields(p, &mut filtered);
        }
        let filtered_keys: BTreeSet<String> = filtered.iter().map(|f| f.key.clone()).collect();
        for (field, expr) in &self.explore.always_filter {
            let fr = self.resolve(field)?;
            if !filtered_keys.contains(&fr.key) {
                preds.push(self.expr_pred(field, expr)?);
            }
        }
        let mut where_preds = Vec::new();
        let mut having_preds = Vec::new();
        for p in preds {
            match p.on_measures() {
                Some(false) => where_preds.push(p),
                Some(true) => {
                    if !self.skip_measure_filters {
                        having_preds.push(p)
                    }
                }
                None => {
                    return Err(qerr(
                        "mixed-filter",
                        "a filter group mixes dimensions and measures".into(),
                        Some(
                            "put dimension and measure conditions in separate top-level filters"
                                .into(),
                        ),
                    ));
                }
            }
        }

        // measures needed: selected plus those in HAVING
        let mut having_fields = Vec::new();
        for p in &having_preds {
            Self::pred_fields(p, &mut having_fields);
        }
        let mut all_measures: Vec<FRef<'a>> = measures.clone();
        for f in having_fields {
            if !all_measures.iter().any(|m| m.key == f.key) {
                all_measures.push(f.clone());
            }
        }
        let mut leaves = BTreeSet::new();
        for m in &all_measures {
            self.leaves(m.alias, m.view, &m.field.name, &mut leaves, 0)?;
        }

        // joins needed
        let mut needed: BTreeSet<&'a str> = BTreeSet::new();
        for (d, _) in &dims {
            needed.insert(d.alias);
        }
        let mut where_fields = Vec::new();
        for p in &where_preds {
            Self::pred_fields(p, &mut where_fields);
        }
        for f in &where_fields {
            needed.insert(f.alias);
        }
        for (a, _) in &leaves {
            let a = self
                .explore
                .aliases()
                .find(|x| x == a)
                .ok_or_else(|| Error::Internal(format!("alias '{a}'")))?;
            needed.insert(a);
        }
        if let Some(w) = &self.explore.sql_always_where {
            for r in refs::refs(w) {
                if let (Some(a), _) = r.split() {
                    if let Some(a) = self.explore.aliases().find(|x| *x == a) {
                        needed.insert(a);
                    }
                }
            }
        }
        let included = joins::close(self.explore, needed);

        // fan-out
        let mut fanned: BTreeSet<String> = BTreeSet::new();
        if !self.opts.naive_fanout {
            for (a, name) in &leaves {
                let view = self
                    .model
                    .views
                    .get(self.explore.view_of(a).unwrap_or_default());
                let Some(view) = view else { continue };
                let Some(m) = view.fields.get(name).and_then(|f| match &f.kind {
                    FieldKind::Measure(m) => Some(m),
                    FieldKind::Dimension(_) => None,
                }) else {
                    continue;
                };
                if m.ty.is_fanout_sensitive()
                    && joins::fanning_join(self.explore, &included, a).is_some()
                {
                    if view.primary_key.is_none() {
                        return Err(qerr(
                            "fanout-without-primary-key",
                            format!(
                                "measure '{a}.{name}' is fanned out by the joins and view '{}' has no primary key",
                                view.name
                            ),
                            Some(format!("add 'primary_key' to view '{}'", view.name)),
                        ));
                    }
                    fanned.insert(a.clone());
                }
            }
        }

        // precomputed dimensions per alias
        let mut pre: BTreeMap<&str, Vec<(String, Sql)>> = BTreeMap::new();
        let mut pre_dims: Vec<&FRef<'a>> = dims.iter().map(|(d, _)| d).collect();
        for f in &where_fields {
            if f.dim().is_some_and(|d| filter_kind(d) != FilterKind::Time) {
                pre_dims.push(f);
            }
        }
        for f in pre_dims {
            let d = f.dim().ok_or_else(|| Error::Internal("dim".into()))?;
            if Self::is_trivial(d) {
                continue;
            }
            let col = format!("__{}", f.field.name);
            let list = pre.entry(f.alias).or_default();
            if !list.iter().any(|(c, _)| *c == col) {
                let e = self.dim_value(f.alias, f.view, d)?;
                list.push((col, e));
            }
        }

        // FROM
        let mut first: Option<Rel> = None;
        let mut joins_sql = Vec::new();
        for (i, alias) in self.explore.aliases().enumerate() {
            if !included.contains(alias) {
                continue;
            }
            let view = self
                .model
                .views
                .get(self.explore.view_of(alias).unwrap_or_default())
                .ok_or_else(|| Error::Internal("view".into()))?;
            let qa = quote_ident(alias);
            let rel = match pre.get(alias) {
                Some(cols) => {
                    let mut items = vec![Item::Wildcard(qa.clone())];
                    for (c, e) in cols {
                        items.push(Item::Expr(e.clone(), quote_ident(c)));
                    }
                    Rel::Derived {
                        body: Box::new(Body::Select(Select {
                            distinct: false,
                            items,
                            from: Rc::new(From {
                                rel: self.source(view, qa.clone())?,
                                joins: Vec::new(),
                            }),
                            selection: None,
                            group_by: Vec::new(),
                            having: None,
                        })),
                        alias: qa,
                    }
                }
                None => self.source(view, qa)?,
            };
            if i == 0 {
                first = Some(rel);
            } else {
                let j = &self.explore.joins[i - 1];
                let on = self.explore_sql(&j.sql_on)?.flat;
                let kw = match j.join_type {
                    JoinType::Left => "LEFT JOIN",
                    JoinType::Inner => "INNER JOIN",
                    JoinType::Full => "FULL JOIN",
                };
                joins_sql.push(JoinSql { kw, rel, on });
            }
        }
        let from = Rc::new(From {
            rel: first.ok_or_else(|| Error::Internal("base view not included".into()))?,
            joins: joins_sql,
        });

        // WHERE
        let mut wparts = Vec::new();
        for p in &where_preds {
            if let Some(s) = self.pred_sql(p, &|_| None)? {
                wparts.push(s);
            }
        }
        if let Some(w) = &self.explore.sql_always_where {
            let w = self.explore_sql(w)?;
            wparts.push(format!("({})", w.flat));
        }
        let selection = (!wparts.is_empty()).then(|| Rc::new(Sql::text(wparts.join(" AND "))));

        let dim_exprs: Vec<Sql> = dims
            .iter()
            .map(|(d, _)| self.dim_outer(d))
            .collect::<Result<_>>()?;
        let mut select = Vec::new();
        let mut measure_cols: BTreeMap<String, Sql> = BTreeMap::new(); // measure key -> final expr
        let mut having_sql = Vec::new();

        let mut statement = if fanned.is_empty() {
            for (d, e) in dims.iter().zip(&dim_exprs) {
                select.push(Item::Expr(e.clone(), quote_ident(&d.0.key)));
            }
            for m in &all_measures {
                let e = self.measure_expr(
                    m.alias,
                    m.view,
                    &m.field.name,
                    &mut |c: &Self, a, v, n| c.leaf_measure(a, v, n),
                    0,
                )?;
                measure_cols.insert(m.key.clone(), e);
            }
            for m in &measures {
                select.push(Item::Expr(
                    measure_cols[&m.key].clone(),
                    quote_ident(&m.key),
                ));
            }
            for p in &having_preds {
                if let Some(s) =
                    self.pred_sql(p, &|f| measure_cols.get(&f.key).map(|e| e.flat.clone()))?
                {
                    having_sql.push(s);
                }
            }
            SqlQuery {
                ctes: Vec::new(),
                body: Select {
                    distinct: false,
                    items: select,
                    from,
                    selection,
                    group_by: dim_exprs,
                    having: (!having_sql.is_empty()).then(|| Sql::text(having_sql.join(" AND "))),
                },
                order_by: Vec::new(),
                limit: None,
                offset: None,
            }
        } else {
            // per-view aggregates: fanned views over their keys, the rest directly
            let dcols: Vec<String> = (0..dims.len()).map(|i| format!("d{i}")).collect();
            let mut ctes: Vec<(String, Select)> = Vec::new();
            let mut aggs: Vec<String> = Vec::new(); // cte names joined in the final select
            let mut leaf_col: BTreeMap<(String, String), String> = BTreeMap::new();
            let mut n = 0usize;
            let mut direct = Vec::new();
            for (a, name) in &leaves {
                if !fanned.contains(a) {
                    direct.push((a.clone(), name.clone()));
                }
            }
            let dims_select: Vec<Item> = dim_exprs
                .iter()
                .zip(&dcols)
                .map(|(e, c)| Item::Expr(e.clone(), quote_ident(c)))
                .collect();
            if !direct.is_empty() || dims.is_empty() && fanned.is_empty() {
                let mut cols = dims_select.clone();
                for (a, name) in &direct {
                    let v = self
                        .model
                        .views
                        .get(self.explore.view_of(a).unwrap_or_default())
                        .ok_or_else(|| Error::Internal("view".into()))?;
                    let e = self.leaf_measure(a, v, name)?;
                    let c = format!("m{n}");
                    n += 1;
                    cols.push(Item::Expr(Sql::text(e), quote_ident(&c)));
                    leaf_col.insert(
                        (a.clone(), name.clone()),
                        format!("{}.{}", quote_ident("__agg"), quote_ident(&c)),
                    );
                }
                ctes.push((
                    quote_ident("__agg"),
                    Select {
                        distinct: false,
                        items: cols,
                        from: Rc::clone(&from),
                        selection: selection.clone(),
                        group_by: dim_exprs.clone(),
                        having: None,
                    },
                ));
                aggs.push("__agg".to_string());
            }
            for a in &fanned {
                let view = self
                    .model
                    .views
                    .get(self.explore.view_of(a).unwrap_or_default())
                    .ok_or_else(|| Error::Internal("view".into()))?;
                let pk = view.primary_key.clone().unwrap_or_default();
                let pk_outer = self.dim_raw(a, view, &pk, 0)?;
                let keys = format!("__keys_{a}");
                let agg = format!("__agg_{a}");
                let mut kcols = dims_select.clone();
                kcols.push(Item::Expr(pk_outer.clone(), quote_ident("__pk")));
                ctes.push((
                    quote_ident(&keys),
                    Select {
                        distinct: true,
                        items: kcols,
                        from: Rc::clone(&from),
                        selection: selection.clone(),
                        group_by: Vec::new(),
                        having: None,
                    },
                ));
                let k = quote_ident("__k");
                let group: Vec<Sql> = dcols
                    .iter()
                    .map(|c| Sql::text(format!("{k}.{}", quote_ident(c))))
                    .collect();
                let mut acols: Vec<Item> = group.iter().cloned().map(Item::Plain).collect();
                for (la, name) in &leaves {
                    if la != a {
                        continue;
                    }
                    let e = self.leaf_measure(a, view, name)?;
                    let c = format!("m{n}");
                    n += 1;
                    acols.push(Item::Expr(Sql::text(e), quote_ident(&c)));
                    leaf_col.insert(
                        (la.clone(), name.clone()),
                        format!("{}.{}", quote_ident(&agg), quote_ident(&c)),
                    );
                }
                let qa = quote_ident(a);
                ctes.push((
                    quote_ident(&agg),
                    Select {
                        distinct: false,
                        items: acols,
                        from: Rc::new(From {
                            rel: Rel::Table {
                                name: quote_ident(&keys),
                                alias: Some(k.clone()),
                            },
                            joins: vec![JoinSql {
                                kw: "LEFT JOIN",
                                rel: self.source(view, qa)?,
                                on: format!("{k}.{} = {}", quote_ident("__pk"), pk_outer.flat),
                            }],
                        }),
                        selection: None,
                        group_by: group,
                        having: None,
                    },
                ));
                aggs.push(agg);
            }
            let driver = quote_ident(&aggs[0]);
            for ((d, _), c) in dims.iter().zip(&dcols) {
                select.push(Item::Expr(
                    Sql::text(format!("{driver}.{}", quote_ident(c))),
                    quote_ident(&d.key),
                ));
            }
            for m in &all_measures {
                let e = self.measure_expr(
                    m.alias,
                    m.view,
                    &m.field.name,
                    &mut |_c: &Self, a, _v, n| {
                        leaf_col
                            .get(&(a.to_string(), n.to_string()))
                            .cloned()
                            .ok_or_else(|| Error::Internal(format!("leaf '{a}.{n}'")))
                    },
                    0,
                )?;
                measure_cols.insert(m.key.clone(), e);
            }
            for m in &measures {
                select.push(Item::Expr(
                    measure_cols[&m.key].clone(),
                    quote_ident(&m.key),
                ));
            }
            let mut joins_final = Vec::new();
            for other in &aggs[1..] {
                let o = quote_ident(other);
                let on: Vec<String> = dcols
                    .iter()
                    .map(|c| format!("{driver}.{0} IS NOT DISTINCT FROM {o}.{0}", quote_ident(c)))
                    .collect();
                // Several conditions each in parentheses: sqlparser (so DataFusion too) parses
                // the right side of `IS NOT DISTINCT FROM` as a whole expression, so
                // `a IS NOT DISTINCT FROM b AND c ...` would be `a IS NOT DISTINCT FROM (b AND c ...)`.
                // (`true` as sqlparser prints the literal.)
                let on = match on.as_slice() {
                    [] => "true".to_string(),
                    [one] => one.clone(),
                    _ => on
                        .iter()
                        .map(|c| format!("({c})"))
                        .collect::<Vec<_>>()
                        .join(" AND "),
                };
                joins_final.push(JoinSql {
                    kw: "LEFT JOIN",
                    rel: Rel::Table {
                        name: o,
                        alias: None,
                    },
                    on,
                });
            }
            for p in &having_preds {
                if let Some(s) =
                    self.pred_sql(p, &|f| measure_cols.get(&f.key).map(|e| e.flat.clone()))?
                {
                    having_sql.push(s);
                }
            }
            SqlQuery {
                ctes,
                body: Select {
                    distinct: false,
                    items: select,
                    from: Rc::new(From {
                        rel: Rel::Table {
                            name: driver,
                            alias: None,
                        },
                        joins: joins_final,
                    }),
                    selection: (!having_sql.is_empty())
                        .then(|| Rc::new(Sql::text(having_sql.join(" AND ")))),
                    group_by: Vec::new(),
                    having: None,
                },
                order_by: Vec::new(),
                limit: None,
                offset: None,
            }
        };

        // ORDER BY / LIMIT / OFFSET
        let out_keys: Vec<&str> = dims
            .iter()
            .map(|(d, _)| d.key.as_str())
            .chain(measures.iter().map(|m| m.key.as_str()))
            .collect();
        let mut order = Vec::new();
        for s in &q.sorts {
            let f = self.resolve(&s.field)?;
            if !out_keys.contains(&f.key.as_str()) {
                return Err(qerr(
                    "invalid-sort",
                    format!("sort field '{}' is not in the query fields", s.field),
                    Some(format!("add '{}' to 'fields'", s.field)),
                ));
            }
            order.push(format!(
                "{}{}",
                quote_ident(&f.key),
                if s.desc { " DESC" } else { " ASC" }
            ));
        }
        if order.is_empty() {
            let time_dim = dims.iter().find(|(d, _)| {
                d.dim().is_some_and(|x| {
                    matches!(x.result_type(), DimensionType::Time | DimensionType::Date)
                })
            });
            if let Some((d, _)) = time_dim {
                order.push(format!("{} DESC", quote_ident(&d.key)));
            } else if let Some(m) = measures.first() {
                order.push(format!("{} DESC", quote_ident(&m.key)));
            } else if let Some((d, _)) = dims.first() {
                order.push(format!("{} ASC", quote_ident(&d.key)));
            }
        }
        if !(order.is_empty() || dims.is_empty() && q.sorts.is_empty()) {
            statement.order_by = order;
        }
        statement.limit = q.limit;
        statement.offset = q.offset;

        let sql = render(&statement);
        let mut columns = Vec::new();
        for (d, pivot) in &dims {
            columns.push(column(d, *pivot));
        }
        for m in &measures {
            columns.push(column(m, false));
        }
        Ok(CompiledQuery {
            sql,
            totals_sql: None,
            columns,
            timezone: self.tz.clone(),
            fanout_views: fanned.into_iter().collect(),
        })
    }
}

/// `min`/`max` of a dimension keep its type (e.g. the last flight is a time); the rest are numbers.
fn measure_result_type(view: &View, m: &Measure) -> &'static str {
    if matches!(m.ty, MeasureType::Min | MeasureType::Max) {
        let sql = m.sql.as_deref().unwrap_or_default().trim();
        if let [r] = refs::refs(sql).as_slice() {
            if r.start == 0 && r.end == sql.len() {
                if let (None, name) = r.split() {
                    if let Some(d) = view.dims.get(name) {
                        return match d.ty {
                            DimensionType::Tier => "string",
                            t => t.name(),
                        };
                    }
                }
            }
        }
    }
    "number"
}

fn column(f: &FRef<'_>, pivot: bool) -> Column {
    Column {
        name: f.key.clone(),
        kind: if f.field.is_dimension() {
            "dimension"
        } else {
            "measure"
        },
        ty: match f.measure() {
            Some(m) => measure_result_type(f.view, m),
            None => f.field.type_name(),
        },
        label: f.field.label.clone(),
        value_format: f.field.value_format.clone(),
        pivot,
    }
}
