//! Loading: YAML files -> [`Model`] plus every [`Diagnostic`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::dashboard::DashboardExt;
use crate::error::{Diagnostic, Severity, did_you_mean};
use crate::filter::{self, FilterKind};
use crate::joins;
use crate::model::*;
use crate::refs::{self, refs};
use crate::sqltext::{QueryText, SqlCache, Template};
use crate::yaml_pos::{PosIndex, Seg, ypath};

// ---------- the YAML format ----------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    timezone: Option<String>,
    #[serde(default)]
    views: Vec<ViewSpec>,
    #[serde(default)]
    explores: Vec<ExploreSpec>,
    #[serde(default)]
    dashboards: Vec<crate::Dashboard>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewSpec {
    name: String,
    sql_table_name: Option<String>,
    derived_table: Option<DerivedSpec>,
    primary_key: Option<String>,
    label: Option<String>,
    description: Option<String>,
    #[serde(default)]
    dimensions: Vec<DimensionSpec>,
    #[serde(default)]
    measures: Vec<MeasureSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DerivedSpec {
    sql: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionSpec {
    name: String,
    #[serde(rename = "type")]
    ty: Option<String>,
    sql: Option<String>,
    label: Option<String>,
    description: Option<String>,
    group_label: Option<String>,
    #[serde(default)]
    hidden: bool,
    value_format: Option<String>,
    tiers: Option<Vec<f64>>,
    timeframes: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasureSpec {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    sql: Option<String>,
    label: Option<String>,
    description: Option<String>,
    group_label: Option<String>,
    #[serde(default)]
    hidden: bool,
    value_format: Option<String>,
    #[serde(default)]
    filters: Vec<FilterSpec>,
    percentile: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FilterSpec {
    field: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExploreSpec {
    name: String,
    view: Option<String>,
    label: Option<String>,
    description: Option<String>,
    #[serde(default)]
    joins: Vec<JoinSpec>,
    #[serde(default)]
    always_filter: Vec<FilterSpec>,
    sql_always_where: Option<String>,
    #[serde(default)]
    fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinSpec {
    name: String,
    from: Option<String>,
    sql_on: Option<String>,
    relationship: Option<String>,
    #[serde(rename = "type")]
    ty: Option<String>,
}

/// Default timeframes of `time` dimensions.
const DEFAULT_TIMEFRAMES: [Timeframe; 10] = [
    Timeframe::Raw,
    Timeframe::Hour,
    Timeframe::Date,
    Timeframe::Week,
    Timeframe::Month,
    Timeframe::Quarter,
    Timeframe::Year,
    Timeframe::DayOfWeek,
    Timeframe::HourOfDay,
    Timeframe::MonthName,
];

// ---------- diagnostics ----------

struct Ctx<'a> {
    files: &'a [crate::SourceFile],
    idx: Vec<PosIndex>,
    diags: Vec<Diagnostic>,
    /// Every valid snippet parsed and printed, for the compiler.
    sql: SqlCache,
}

#[derive(Clone, Copy)]
enum At<'p> {
    Key(&'p [Seg]),
    Value(&'p [Seg]),
    Find(&'p [Seg], &'p str),
}

impl Ctx<'_> {
    fn report(
        &mut self,
        file: usize,
        at: At<'_>,
        code: &'static str,
        message: String,
        hint: Option<String>,
    ) {
        let (line, column) = match at {
            At::Key(p) => self.idx[file].key(p),
            At::Value(p) => self.idx[file].value(p),
            At::Find(p, n) => self.idx[file].find(p, n),
        };
        self.diags.push(Diagnostic {
            file: self.files[file].name.clone(),
            line,
            column,
            severity: Severity::Error,
            code,
            message,
            hint,
        });
    }

    /// Check an expression snippet and keep its printed template; the error is the message.
    fn check_expr(&mut self, sql: &str) -> Result<(), String> {
        if self.sql.has_expr(sql) {
            return Ok(());
        }
        match Template::parse(sql) {
            Ok(t) => {
                self.sql.insert_expr(sql, t);
                Ok(())
            }
            // the message as for the references written as `x`
            Err(_) => parse_expr_check(sql),
        }
    }

    /// Check a derived table's query and keep its printed form; the error is the message.
    fn check_query(&mut self, sql: &str) -> Result<(), String> {
        parse_query_check(sql).map(|q| self.sql.insert_query(sql, q))
    }
}

fn parse_expr_check(sql: &str) -> Result<(), String> {
    // references become plain identifiers for the syntax check
    let text = refs::expand(sql, |_| Ok::<_, ()>("x".to_string())).unwrap_or_default();
    Parser::new(&GenericDialect {})
        .try_with_sql(&text)
        .and_then(|mut p| {
            let e = p.parse_expr()?;
            p.expect_token(&sqlparser::tokenizer::Token::EOF)?;
            Ok(e)
        })
        .map(|_| ())
        .map_err(|e| {
            e.to_string()
                .trim_start_matches("sql parser error: ")
                .to_string()
        })
}

fn parse_query_check(sql: &str) -> Result<QueryText, String> {
    QueryText::parse(sql).map_err(|e| e.trim_start_matches("sql parser error: ").to_string())
}

/// The grammar used to filter on a field.
pub(crate) fn filter_kind(d: &Dimension) -> FilterKind {
    match d.result_type() {
        DimensionType::Number => FilterKind::Number,
        DimensionType::Boolean => FilterKind::Boolean,
        DimensionType::Time | DimensionType::Date => FilterKind::Time,
        DimensionType::String | DimensionType::Tier => FilterKind::String,
    }
}

fn check_filter_expr(d: &Dimension, expr: &str) -> Result<(), crate::FilterError> {
    let now = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    filter::parse(filter_kind(d), expr, now).map(|_| ())
}

/// Load and validate model files. Returns the model only if there are no errors; the
/// diagnostics list every problem found.
pub fn load(files: &[crate::SourceFile]) -> (Option<Model>, Vec<Diagnostic>) {
    let mut ctx = Ctx {
        files,
        idx: files.iter().map(|f| PosIndex::new(&f.text)).collect(),
        diags: Vec::new(),
        sql: SqlCache::default(),
    };
    let mut specs = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        match serde_yaml::from_str::<Option<FileSpec>>(&f.text) {
            Ok(Some(s)) => specs.push((fi, s)),
            Ok(None) => {}
            Err(e) => {
                let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let hint = unknown_key_hint(&msg);
                ctx.diags.push(Diagnostic {
                    file: f.name.clone(),
                    line,
                    column,
                    severity: Severity::Error,
                    code: "syntax",
                    message: msg,
                    hint,
                });
            }
        }
    }

    // time zone
    let mut timezone: Option<(String, usize)> = None;
    for (fi, s) in &specs {
        if let Some(tz) = &s.timezone {
            let p = ypath!["timezone"];
            if !valid_timezone(tz) {
                ctx.report(
                    *fi,
                    At::Value(&p),
                    "invalid-timezone",
                    format!("invalid time zone '{tz}'"),
                    Some("use an IANA name such as 'UTC' or 'Europe/Tallinn'".into()),
                );
            } else if let Some((prev, pf)) = &timezone {
                if prev != tz {
                    let other = files[*pf].name.clone();
                    ctx.report(
                        *fi,
                        At::Value(&p),
                        "duplicate-name",
                        format!("time zone '{tz}' conflicts with '{prev}' set in '{other}'"),
                        Some("set 'timezone' in one file only".into()),
                    );
                }
            } else {
                timezone = Some((tz.clone(), *fi));
            }
        }
    }

    // views
    let mut views: BTreeMap<String, View> = BTreeMap::new();
    let mut view_loc: HashMap<String, (usize, usize)> = HashMap::new();
    let mut view_specs = Vec::new();
    for (fi, s) in &specs {
        for (vi, v) in s.views.iter().enumerate() {
            if view_loc.contains_key(&v.name) {
                let (pf, _) = view_loc[&v.name];
                let other = files[pf].name.clone();
                ctx.report(
                    *fi,
                    At::Value(&ypath!["views", vi, "name"]),
                    "duplicate-name",
                    format!("view '{}' is defined twice", v.name),
                    Some(format!("rename one of them; the other is in '{other}'")),
                );
                continue;
            }
            view_loc.insert(v.name.clone(), (*fi, vi));
            if let Some(view) = build_view(&mut ctx, *fi, vi, v) {
                views.insert(v.name.clone(), view);
                view_specs.push((*fi, vi, v));
            }
        }
    }
    for (fi, vi, v) in &view_specs {
        check_view_refs(&mut ctx, *fi, *vi, v, &views);
    }

    // explores
    let mut explores: BTreeMap<String, Explore> = BTreeMap::new();
    let mut explore_files: HashMap<String, usize> = HashMap::new();
    for (fi, s) in &specs {
        for (ei, e) in s.explores.iter().enumerate() {
            if let Some(pf) = explore_files.get(&e.name) {
                let other = files[*pf].name.clone();
                ctx.report(
                    *fi,
                    At::Value(&ypath!["explores", ei, "name"]),
                    "duplicate-name",
                    format!("explore '{}' is defined twice", e.name),
                    Some(format!("rename one of them; the other is in '{other}'")),
                );
                continue;
            }
            explore_files.insert(e.name.clone(), *fi);
            if let Some(x) = build_explore(&mut ctx, *fi, ei, e, &views) {
                explores.insert(e.name.clone(), x);
            }
        }
    }

    let ok = !ctx.diags.iter().any(|d| d.severity == Severity::Error);
    let mut model = ok.then(|| Model {
        timezone: timezone.map_or_else(|| "UTC".to_string(), |(t, _)| t),
        views,
        explores,
        dashboards: BTreeMap::new(),
        sql: std::mem::take(&mut ctx.sql),
    });
    // dashboards are checked against the finished model (their tile queries must compile)
    if let Some(m) = &mut model {
        let mut dashboards = BTreeMap::new();
        let mut dashboard_files: HashMap<String, usize> = HashMap::new();
        for (fi, s) in &specs {
            for (di, d) in s.dashboards.iter().enumerate() {
                if let Some(pf) = dashboard_files.get(&d.name) {
                    let other = files[*pf].name.clone();
                    ctx.report(
                        *fi,
                        At::Value(&ypath!["dashboards", di, "name"]),
                        "duplicate-name",
                        format!("dashboard '{}' is defined twice", d.name),
                        Some(format!("rename one of them; the other is in '{other}'")),
                    );
                    continue;
                }
                dashboard_files.insert(d.name.clone(), *fi);
                let problems = d.check(m);
                for p in &problems {
                    let mut path = vec![Seg::from("dashboards"), Seg::from(di)];
                    path.extend(p.path.iter().map(|s| match s {
                        crate::PathSeg::Key(k) => Seg::from(*k),
                        crate::PathSeg::Index(i) => Seg::from(*i),
                    }));
                    let at = match p.subject.as_deref() {
                        Some(n) => At::Find(&path, n),
                        None => At::Value(&path),
                    };
                    ctx.report(*fi, at, p.code, p.message.clone(), p.hint.clone());
                }
                if problems.is_empty() {
                    let mut d = d.clone();
                    d.place_tiles();
                    dashboards.insert(d.name.clone(), d);
                }
            }
        }
        m.dashboards = dashboards;
    }
    let diags = std::mem::take(&mut ctx.diags);
    let ok = !diags.iter().any(|d| d.severity == Severity::Error);
    (model.filter(|_| ok), diags)
}

/// Where the text of a scalar value starts (after an opening quote).
fn value_text_pos(ctx: &Ctx<'_>, fi: usize, p: &[Seg]) -> (usize, usize) {
    let (l, c) = ctx.idx[fi].value(p);
    let quoted = ctx.files[fi]
        .text
        .lines()
        .nth(l - 1)
        .and_then(|line| line.chars().nth(c - 1))
        .is_some_and(|ch| ch == '"' || ch == '\'');
    (l, c + usize::from(quoted))
}

fn unknown_key_hint(msg: &str) -> Option<String> {
    // serde: "unknown field `x`, expected one of `a`, `b`"
    let rest = msg.split("unknown field `").nth(1)?;
    let (name, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(name, candidates.iter().copied())
}

pub(crate) fn valid_timezone(tz: &str) -> bool {
    !tz.is_empty()
        && tz.len() < 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && tz.starts_with(|c: char| c.is_ascii_alphabetic())
}

fn build_view(ctx: &mut Ctx<'_>, fi: usize, vi: usize, v: &ViewSpec) -> Option<View> {
    let vp = ypath!["views", vi];
    let source = match (&v.sql_table_name, &v.derived_table) {
        (Some(t), None) => ViewSource::Table(t.clone()),
        (None, Some(d)) => {
            if let Err(e) = ctx.check_query(&d.sql) {
                let p = ypath!["views", vi, "derived_table", "sql"];
                ctx.report(
                    fi,
                    At::Value(&p),
                    "invalid-sql",
                    format!("invalid sql in derived table of view '{}': {e}", v.name),
                    None,
                );
            }
            ViewSource::Derived(d.sql.clone())
        }
        (Some(_), Some(_)) => {
            ctx.report(
                fi,
                At::Key(&ypath!["views", vi, "derived_table"]),
                "invalid-source",
                format!(
                    "view '{}' has both 'sql_table_name' and 'derived_table'",
                    v.name
                ),
                Some("keep only one of them".into()),
            );
            return None;
        }
        (None, None) => {
            ctx.report(
                fi,
                At::Value(&ypath!["views", vi, "name"]),
                "invalid-source",
                format!(
                    "view '{}' has no 'sql_table_name' or 'derived_table'",
                    v.name
                ),
                Some("add 'sql_table_name: <warehouse table>'".into()),
            );
            return None;
        }
    };
    let _ = vp;
    let mut fields: BTreeMap<String, Field> = BTreeMap::new();
    let mut dims: BTreeMap<String, DimDecl> = BTreeMap::new();
    let mut columns = BTreeSet::new();
    let mut add_field = |ctx: &mut Ctx<'_>, f: Field, p: &[Seg]| {
        if fields.contains_key(&f.name) {
            ctx.report(
                fi,
                At::Value(p),
                "duplicate-name",
                format!("field '{}' is defined twice in view '{}'", f.name, v.name),
                Some("rename one of them".into()),
            );
        } else {
            fields.insert(f.name.clone(), f);
        }
    };
    for (di, d) in v.dimensions.iter().enumerate() {
        let name_p = ypath!["views", vi, "dimensions", di, "name"];
        let ty_p = ypath!["views", vi, "dimensions", di, "type"];
        let ty = match &d.ty {
            None if d.timeframes.is_some() => DimensionType::Time,
            None if d.tiers.is_some() => DimensionType::Tier,
            None => DimensionType::String,
            Some(t) => match DimensionType::parse(t) {
                Some(t) => t,
                None => {
                    ctx.report(
                        fi,
                        At::Value(&ty_p),
                        "invalid-type",
                        format!("unknown dimension type '{t}' in dimension '{}'", d.name),
                        did_you_mean(t, DimensionType::NAMES.iter().copied()).or_else(|| {
                            Some(format!("use one of {}", DimensionType::NAMES.join(", ")))
                        }),
                    );
                    continue;
                }
            },
        };
        let sql = d
            .sql
            .clone()
            .unwrap_or_else(|| format!("${{TABLE}}.{}", d.name));
        columns.extend(refs::table_columns(&sql));
        if let Err(e) = ctx.check_expr(&sql) {
            let p = ypath!["views", vi, "dimensions", di, "sql"];
            ctx.report(
                fi,
                At::Value(&p),
                "invalid-sql",
                format!("invalid sql in dimension '{}': {e}", d.name),
                None,
            );
        }
        if dims.contains_key(&d.name) {
            ctx.report(
                fi,
                At::Value(&name_p),
                "duplicate-name",
                format!(
                    "dimension '{}' is defined twice in view '{}'",
                    d.name, v.name
                ),
                Some("rename one of them".into()),
            );
            continue;
        }
        dims.insert(
            d.name.clone(),
            DimDecl {
                sql: sql.clone(),
                ty,
            },
        );
        if d.tiers.is_some() && ty != DimensionType::Tier {
            ctx.report(
                fi,
                At::Key(&ypath!["views", vi, "dimensions", di, "tiers"]),
                "invalid-type",
                format!("'tiers' needs 'type: tier' in dimension '{}'", d.name),
                Some("set 'type: tier' or remove 'tiers'".into()),
            );
        }
        if d.timeframes.is_some() && !matches!(ty, DimensionType::Time | DimensionType::Date) {
            ctx.report(
                fi,
                At::Key(&ypath!["views", vi, "dimensions", di, "timeframes"]),
                "invalid-type",
                format!(
                    "'timeframes' needs 'type: time' or 'type: date' in dimension '{}'",
                    d.name
                ),
                Some("set 'type: time' or remove 'timeframes'".into()),
            );
        }
        let base = Field {
            name: d.name.clone(),
            label: d.label.clone(),
            description: d.description.clone(),
            group_label: d.group_label.clone(),
            hidden: d.hidden,
            value_format: d.value_format.clone(),
            kind: FieldKind::Dimension(Dimension {
                ty,
                sql: sql.clone(),
                timeframe: None,
                group: None,
                tiers: Vec::new(),
            }),
        };
        match ty {
            DimensionType::Time | DimensionType::Date => {
                let tf_p = ypath!["views", vi, "dimensions", di, "timeframes"];
                let tfs: Vec<Timeframe> = match &d.timeframes {
                    None => DEFAULT_TIMEFRAMES
                        .into_iter()
                        .filter(|t| ty == DimensionType::Time || !t.needs_time())
                        .collect(),
                    Some(list) => {
                        let mut out = Vec::new();
                        for t in list {
                            match Timeframe::parse(t) {
                                Some(tf) if ty == DimensionType::Date && tf.needs_time() => ctx.report(
                                    fi,
                                    At::Find(&tf_p, t),
                                    "invalid-timeframe",
                                    format!("timeframe '{t}' needs a time, but dimension '{}' is a date", d.name),
                                    Some("use 'type: time' or remove the timeframe".into()),
                                ),
                                Some(tf) => out.push(tf),
                                None => ctx.report(
                                    fi,
                                    At::Find(&tf_p, t),
                                    "invalid-timeframe",
                                    format!("unknown timeframe '{t}' in dimension '{}'", d.name),
                                    did_you_mean(t, Timeframe::ALL.iter().map(|t| t.name())),
                                ),
                            }
                        }
                        out
                    }
                };
                for tf in tfs {
                    let mut f = base.clone();
                    f.name = format!("{}_{}", d.name, tf.name());
                    if let FieldKind::Dimension(dim) = &mut f.kind {
                        dim.timeframe = Some(tf);
                        dim.group = Some(d.name.clone());
                    }
                    add_field(ctx, f, &name_p);
                }
            }
            DimensionType::Tier => {
                let mut f = base;
                let tiers = d.tiers.clone().unwrap_or_default();
                let sorted = tiers.windows(2).all(|w| w[0] < w[1]);
                if tiers.is_empty() || !sorted || tiers.iter().any(|t| !t.is_finite()) {
                    ctx.report(
                        fi,
                        At::Key(&ypath![
                            "views",
                            vi,
                            "dimensions",
                            di,
                            if d.tiers.is_some() { "tiers" } else { "type" }
                        ]),
                        "invalid-tiers",
                        format!("dimension '{}' needs 'tiers': increasing numbers", d.name),
                        Some("e.g. 'tiers: [0, 100, 500]'".into()),
                    );
                }
                if let FieldKind::Dimension(dim) = &mut f.kind {
                    dim.tiers = tiers;
                }
                add_field(ctx, f, &name_p);
            }
            _ => add_field(ctx, base, &name_p),
        }
    }
    for (mi, m) in v.measures.iter().enumerate() {
        let name_p = ypath!["views", vi, "measures", mi, "name"];
        let ty_p = ypath!["views", vi, "measures", mi, "type"];
        let Some(ty) = MeasureType::parse(&m.ty) else {
            ctx.report(
                fi,
                At::Value(&ty_p),
                "invalid-type",
                format!("unknown measure type '{}' in measure '{}'", m.ty, m.name),
                did_you_mean(&m.ty, MeasureType::NAMES.iter().copied())
                    .or_else(|| Some(format!("use one of {}", MeasureType::NAMES.join(", ")))),
            );
            continue;
        };
        if m.sql.is_none() && ty != MeasureType::Count {
            ctx.report(
                fi,
                At::Value(&name_p),
                "missing-sql",
                format!("measure '{}' of type '{}' needs 'sql'", m.name, ty.name()),
                Some("add e.g. 'sql: ${TABLE}.amount'".into()),
            );
            continue;
        }
        if let Some(sql) = &m.sql {
            columns.extend(refs::table_columns(sql));
            if let Err(e) = ctx.check_expr(sql) {
                let p = ypath!["views", vi, "measures", mi, "sql"];
                ctx.report(
                    fi,
                    At::Value(&p),
                    "invalid-sql",
                    format!("invalid sql in measure '{}': {e}", m.name),
                    None,
                );
            }
        }
        match (ty, m.percentile) {
            (MeasureType::Percentile, Some(p)) if (0.0..=100.0).contains(&p) => {}
            (MeasureType::Percentile, _) => ctx.report(
                fi,
                At::Value(&name_p),
                "invalid-percentile",
                format!("measure '{}' needs 'percentile' between 0 and 100", m.name),
                Some("add e.g. 'percentile: 90'".into()),
            ),
            (_, Some(_)) => ctx.report(
                fi,
                At::Key(&ypath!["views", vi, "measures", mi, "percentile"]),
                "invalid-percentile",
                format!(
                    "'percentile' needs 'type: percentile' in measure '{}'",
                    m.name
                ),
                Some("set 'type: percentile' or remove 'percentile'".into()),
            ),
            _ => {}
        }
        if ty == MeasureType::Number && !m.filters.is_empty() {
            ctx.report(
                fi,
                At::Key(&ypath!["views", vi, "measures", mi, "filters"]),
                "invalid-filter",
                format!(
                    "measure '{}' of type 'number' cannot have 'filters'",
                    m.name
                ),
                Some("filter the measures it refers to instead".into()),
            );
        }
        add_field(
            ctx,
            Field {
                name: m.name.clone(),
                label: m.label.clone(),
                description: m.description.clone(),
                group_label: m.group_label.clone(),
                hidden: m.hidden,
                value_format: m.value_format.clone(),
                kind: FieldKind::Measure(Measure {
                    ty,
                    sql: m.sql.clone(),
                    percentile: m.percentile,
                    filters: m
                        .filters
                        .iter()
                        .map(|f| (f.field.clone(), f.value.clone()))
                        .collect(),
                }),
            },
            &name_p,
        );
    }
    if let Some(pk) = &v.primary_key {
        if !dims.contains_key(pk) {
            ctx.report(
                fi,
                At::Value(&ypath!["views", vi, "primary_key"]),
                "unknown-field",
                format!("primary key '{pk}' is not a dimension of view '{}'", v.name),
                did_you_mean(pk, dims.keys().map(String::as_str))
                    .or_else(|| Some(format!("add a dimension named '{pk}'"))),
            );
        }
    }
    Some(View {
        name: v.name.clone(),
        source,
        primary_key: v.primary_key.clone(),
        label: v.label.clone(),
        description: v.description.clone(),
        fields,
        dims,
        columns,
    })
}

/// References inside a view: unknown names, wrong kinds, type misuse, cycles, measure filters.
fn check_view_refs(
    ctx: &mut Ctx<'_>,
    fi: usize,
    vi: usize,
    v: &ViewSpec,
    views: &BTreeMap<String, View>,
) {
    let Some(view) = views.get(&v.name) else {
        return;
    };
    let is_measure = |n: &str| {
        view.fields
            .get(n)
            .is_some_and(|f| matches!(f.kind, FieldKind::Measure(_)))
    };
    // dimensions
    let mut dim_graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (di, d) in v.dimensions.iter().enumerate() {
        let Some(decl) = view.dims.get(&d.name) else {
            continue;
        };
        let sql_p = ypath!["views", vi, "dimensions", di, "sql"];
        let mut deps = Vec::new();
        for r in refs(&decl.sql) {
            let needle = format!("${{{}}}", r.inner);
            let at = At::Find(&sql_p, &needle);
            match r.split() {
                (None, "TABLE") => {}
                (None, n) if view.dims.contains_key(n) => deps.push(n),
                (None, n) if is_measure(n) => ctx.report(
                    fi,
                    at,
                    "invalid-reference",
                    format!("dimension '{}' cannot refer to measure '{n}'", d.name),
                    Some("dimensions can only use columns and other dimensions".into()),
                ),
                (None, n) => ctx.report(
                    fi,
                    at,
                    "unknown-field",
                    format!("unknown field '{n}' in view '{}'", v.name),
                    did_you_mean(n, view.dims.keys().map(String::as_str)),
                ),
                (Some(a), f) => ctx.report(
                    fi,
                    at,
                    "invalid-reference",
                    format!("dimension '{}' refers to '{a}.{f}' in another view", d.name),
                    Some("dimensions can only use their own view's columns and dimensions; join the views in an explore".into()),
                ),
            }
        }
        dim_graph.insert(d.name.as_str(), deps);
    }
    report_cycles(ctx, fi, &dim_graph, |name| {
        let di = v
            .dimensions
            .iter()
            .position(|d| d.name == name)
            .unwrap_or(0);
        ypath!["views", vi, "dimensions", di, "sql"].to_vec()
    });

    // measures
    let mut m_graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (mi, m) in v.measures.iter().enumerate() {
        let Some(Field {
            kind: FieldKind::Measure(meas),
            ..
        }) = view.fields.get(&m.name)
        else {
            continue;
        };
        let sql_p = ypath!["views", vi, "measures", mi, "sql"];
        let sql: &str = meas.sql.as_deref().unwrap_or_default();
        let mut deps = Vec::new();
        let all_refs = refs(sql);
        for r in &all_refs {
            let needle = format!("${{{}}}", r.inner);
            let at = At::Find(&sql_p, &needle);
            match (meas.ty, r.split()) {
                (MeasureType::Number, (None, "TABLE")) => ctx.report(
                    fi,
                    at,
                    "invalid-reference",
                    format!("measure '{}' of type 'number' cannot use '${{TABLE}}'", m.name),
                    Some("refer to other measures, e.g. '${revenue}'".into()),
                ),
                (MeasureType::Number, (None, n)) if is_measure(n) => deps.push(n),
                (MeasureType::Number, (None, n)) if view.dims.contains_key(n) => ctx.report(
                    fi,
                    at,
                    "invalid-reference",
                    format!("measure '{}' of type 'number' refers to dimension '{n}'", m.name),
                    Some("a 'number' measure combines other measures; aggregate the dimension with a measure first".into()),
                ),
                (MeasureType::Number, (Some(a), f)) => match views.get(a) {
                    None => ctx.report(
                        fi,
                        at,
                        "unknown-view",
                        format!("unknown view '{a}' in measure '{}'", m.name),
                        did_you_mean(a, views.keys().map(String::as_str)),
                    ),
                    Some(ov) => match ov.fields.get(f) {
                        Some(Field { kind: FieldKind::Measure(_), .. }) => {}
                        _ => ctx.report(
                            fi,
                            at,
                            "unknown-field",
                            format!("unknown measure '{f}' in view '{a}'"),
                            did_you_mean(
                                f,
                                ov.fields.values().filter(|x| !x.is_dimension()).map(|x| x.name.as_str()),
                            ),
                        ),
                    },
                },
                (_, (None, "TABLE")) => {}
                (_, (None, n)) if view.dims.contains_key(n) => {}
                (_, (None, n)) if is_measure(n) => ctx.report(
                    fi,
                    at,
                    "invalid-reference",
                    format!("measure '{}' of type '{}' refers to measure '{n}'", m.name, meas.ty.name()),
                    Some("use 'type: number' to combine measures".into()),
                ),
                (_, (None, n)) => ctx.report(
                    fi,
                    at,
                    "unknown-field",
                    format!("unknown field '{n}' in view '{}'", v.name),
                    did_you_mean(n, view.fields.keys().chain(view.dims.keys()).map(String::as_str)),
                ),
                (_, (Some(a), f)) => ctx.report(
                    fi,
                    at,
                    "invalid-reference",
                    format!("measure '{}' refers to '{a}.{f}' in another view", m.name),
                    Some("aggregate measures use their own view; combine views with a 'number' measure".into()),
                ),
            }
        }
        // type misuse: sum/average/median/percentile of a non-number dimension
        if matches!(
            meas.ty,
            MeasureType::Sum | MeasureType::Average | MeasureType::Median | MeasureType::Percentile
        ) && all_refs.len() == 1
            && sql.trim() == &sql[all_refs[0].start..all_refs[0].end]
        {
            if let (None, n) = all_refs[0].split() {
                if let Some(d) = view.dims.get(n) {
                    if !matches!(d.ty, DimensionType::Number) {
                        ctx.report(
                            fi,
                            At::Find(&sql_p, &sql[all_refs[0].start..all_refs[0].end]),
                            "type-mismatch",
                            format!(
                                "measure '{}' of type '{}' needs a number, but '{n}' is a {} dimension",
                                m.name,
                                meas.ty.name(),
                                d.ty.name()
                            ),
                            Some("use 'type: count_distinct', 'min' or 'max', or a number dimension".into()),
                        );
                    }
                }
            }
        }
        // filtered measures
        for (fidx, (field, value)) in meas.filters.iter().enumerate() {
            let fp = ypath!["views", vi, "measures", mi, "filters", fidx, "field"];
            let vp = ypath!["views", vi, "measures", mi, "filters", fidx, "value"];
            match view.fields.get(field.as_str()) {
                Some(Field {
                    kind: FieldKind::Dimension(d),
                    ..
                }) => {
                    if let Err(e) = check_filter_expr(d, value) {
                        let (l, c) = value_text_pos(ctx, fi, &vp);
                        ctx.diags.push(Diagnostic {
                            file: ctx.files[fi].name.clone(),
                            line: l,
                            column: c + e.offset,
                            severity: Severity::Error,
                            code: "invalid-filter",
                            message: format!(
                                "invalid filter '{value}' on '{field}': {}",
                                e.message
                            ),
                            hint: None,
                        });
                    }
                }
                _ => ctx.report(
                    fi,
                    At::Value(&fp),
                    "unknown-field",
                    format!(
                        "unknown dimension '{field}' in filter of measure '{}'",
                        m.name
                    ),
                    did_you_mean(
                        field,
                        view.fields
                            .values()
                            .filter(|f| f.is_dimension())
                            .map(|f| f.name.as_str()),
                    ),
                ),
            }
        }
        m_graph.insert(m.name.as_str(), deps);
    }
    report_cycles(ctx, fi, &m_graph, |name| {
        let mi = v.measures.iter().position(|m| m.name == name).unwrap_or(0);
        ypath!["views", vi, "measures", mi, "sql"].to_vec()
    });
}

/// Report each reference cycle once, at the first field of the cycle (in name order).
fn report_cycles(
    ctx: &mut Ctx<'_>,
    fi: usize,
    graph: &BTreeMap<&str, Vec<&str>>,
    path_of: impl Fn(&str) -> Vec<Seg>,
) {
    let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
    for start in graph.keys() {
        // DFS for a path back to `start`
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_path: Vec<&str> = vec![start];
        let mut seen = BTreeSet::new();
        while let Some((node, i)) = stack.pop() {
            let next = graph.get(node).and_then(|d| d.get(i)).copied();
            let Some(next) = next else {
                on_path.pop();
                continue;
            };
            stack.push((node, i + 1));
            if next == *start {
                let mut cycle = on_path.clone();
                let mut key = cycle.clone();
                key.sort_unstable();
                if reported.insert(key) {
                    cycle.push(start);
                    let p = path_of(start);
                    let needle = format!("${{{}}}", cycle[1]);
                    ctx.report(
                        fi,
                        At::Find(&p, &needle),
                        "reference-cycle",
                        format!(
                            "fields refer to each other in a cycle: {}",
                            cycle.join(" -> ")
                        ),
                        Some(
                            "break the cycle by using a column ('${TABLE}.x') in one of them"
                                .into(),
                        ),
                    );
                }
                continue;
            }
            if graph.contains_key(next) && seen.insert(next) {
                stack.push((next, 0));
                on_path.push(next);
            }
        }
    }
}

fn build_explore(
    ctx: &mut Ctx<'_>,
    fi: usize,
    ei: usize,
    e: &ExploreSpec,
    views: &BTreeMap<String, View>,
) -> Option<Explore> {
    let base = e.view.clone().unwrap_or_else(|| e.name.clone());
    let mut ok = true;
    if !views.contains_key(&base) {
        let p = if e.view.is_some() {
            ypath!["explores", ei, "view"]
        } else {
            ypath!["explores", ei, "name"]
        };
        ctx.report(
            fi,
            At::Value(&p),
            "unknown-view",
            format!("unknown view '{base}' in explore '{}'", e.name),
            did_you_mean(&base, views.keys().map(String::as_str)),
        );
        return None;
    }
    let mut joins: Vec<Join> = Vec::new();
    let mut aliases: Vec<(String, String)> = vec![(base.clone(), base.clone())];
    for (ji, j) in e.joins.iter().enumerate() {
        let jp = |k: &str| ypath!["explores", ei, "joins", ji, k];
        let view = j.from.clone().unwrap_or_else(|| j.name.clone());
        if !views.contains_key(&view) {
            let p = jp(if j.from.is_some() { "from" } else { "name" });
            ctx.report(
                fi,
                At::Value(&p),
                "unknown-view",
                format!("unknown view '{view}' in join of explore '{}'", e.name),
                did_you_mean(&view, views.keys().map(String::as_str)),
            );
            ok = false;
            continue;
        }
        if aliases.iter().any(|(a, _)| *a == j.name) {
            ctx.report(
                fi,
                At::Value(&jp("name")),
                "ambiguous-join",
                format!("'{}' is joined twice in explore '{}'", j.name, e.name),
                Some(format!(
                    "give this join its own 'name' and set 'from: {view}' so each path has a clear alias"
                )),
            );
            ok = false;
            continue;
        }
        let relationship = match &j.relationship {
            None => {
                ctx.report(
                    fi,
                    At::Value(&jp("name")),
                    "missing-relationship",
                    format!("join '{}' in explore '{}' has no 'relationship'", j.name, e.name),
                    Some("add 'relationship: many_to_one' (or one_to_many, one_to_one, many_to_many)".into()),
                );
                ok = false;
                None
            }
            Some(r) => match Relationship::parse(r) {
                Some(r) => Some(r),
                None => {
                    ctx.report(
                        fi,
                        At::Value(&jp("relationship")),
                        "invalid-type",
                        format!("unknown relationship '{r}' in join '{}'", j.name),
                        did_you_mean(
                            r,
                            ["many_to_one", "one_to_many", "one_to_one", "many_to_many"],
                        )
                        .or_else(|| {
                            Some("use many_to_one, one_to_many, one_to_one or many_to_many".into())
                        }),
                    );
                    ok = false;
                    None
                }
            },
        };
        let join_type = match j.ty.as_deref() {
            None | Some("left") | Some("left_outer") => JoinType::Left,
            Some("inner") => JoinType::Inner,
            Some("full") | Some("full_outer") => JoinType::Full,
            Some(t) => {
                ctx.report(
                    fi,
                    At::Value(&jp("type")),
                    "invalid-type",
                    format!("unknown join type '{t}' in join '{}'", j.name),
                    did_you_mean(t, ["left", "inner", "full"])
                        .or_else(|| Some("use left, inner or full".into())),
                );
                ok = false;
                JoinType::Left
            }
        };
        aliases.push((j.name.clone(), view.clone()));
        let Some(sql_on) = &j.sql_on else {
            ctx.report(
                fi,
                At::Value(&jp("name")),
                "missing-sql-on",
                format!("join '{}' in explore '{}' has no 'sql_on'", j.name, e.name),
                Some(format!(
                    "add e.g. 'sql_on: ${{{base}.id}} = ${{{}.id}}'",
                    j.name
                )),
            );
            ok = false;
            continue;
        };
        let p = jp("sql_on");
        let (sql_ok, referenced) = check_explore_sql(
            ctx,
            fi,
            &p,
            sql_on,
            (&aliases, views, &e.name),
            &format!("'sql_on' of join '{}'", j.name),
            &format!("'sql_on' of join '{}'", j.name),
            &format!("write '${{{}.{{n}}}}' or '${{<view>.{{n}}}}'", j.name),
        );
        ok &= sql_ok;
        let depends_on: Vec<String> = referenced.into_iter().filter(|a| *a != j.name).collect();
        if ok && depends_on.is_empty() {
            ctx.report(
                fi,
                At::Value(&p),
                "invalid-join",
                format!(
                    "'sql_on' of join '{}' does not refer to any other view",
                    j.name
                ),
                Some(format!(
                    "compare a field of '{}' with a field of a view joined before it",
                    j.name
                )),
            );
            ok = false;
        }
        if let Some(relationship) = relationship {
            joins.push(Join {
                name: j.name.clone(),
                view,
                sql_on: sql_on.clone(),
                relationship,
                join_type,
                depends_on,
            });
        }
    }
    // aliases joined later than where they are referenced
    let explore = Explore {
        name: e.name.clone(),
        view: base,
        label: e.label.clone(),
        description: e.description.clone(),
        joins,
        always_filter: e
            .always_filter
            .iter()
            .map(|f| (f.field.clone(), f.value.clone()))
            .collect(),
        sql_always_where: e.sql_always_where.clone(),
        fields: e.fields.clone(),
    };
    for (i, (field, value)) in explore.always_filter.iter().enumerate() {
        let fp = ypath!["explores", ei, "always_filter", i, "field"];
        match field.split_once('.') {
            Some((a, f)) => {
                if check_alias_field(
                    ctx,
                    fi,
                    At::Value(&fp),
                    &aliases,
                    views,
                    a,
                    f,
                    &e.name,
                    false,
                ) {
                    let view = &aliases
                        .iter()
                        .find(|(x, _)| x == a)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    if let Some(Field {
                        kind: FieldKind::Dimension(d),
                        ..
                    }) = views.get(view).and_then(|v| v.fields.get(f))
                    {
                        if let Err(err) = check_filter_expr(d, value) {
                            let vp = ypath!["explores", ei, "always_filter", i, "value"];
                            let (l, c) = value_text_pos(ctx, fi, &vp);
                            ctx.diags.push(Diagnostic {
                                file: ctx.files[fi].name.clone(),
                                line: l,
                                column: c + err.offset,
                                severity: Severity::Error,
                                code: "invalid-filter",
                                message: format!(
                                    "invalid filter '{value}' on '{field}': {}",
                                    err.message
                                ),
                                hint: None,
                            });
                        }
                    }
                } else {
                    ok = false;
                }
            }
            None => {
                ctx.report(
                    fi,
                    At::Value(&fp),
                    "unknown-field",
                    format!("field '{field}' needs a view: 'view.field'"),
                    None,
                );
                ok = false;
            }
        }
    }
    if let Some(w) = &explore.sql_always_where {
        let p = ypath!["explores", ei, "sql_always_where"];
        let (sql_ok, _) = check_explore_sql(
            ctx,
            fi,
            &p,
            w,
            (&aliases, views, &e.name),
            &format!("'sql_always_where' of explore '{}'", e.name),
            "'sql_always_where'",
            &format!("write '${{{}.{{n}}}}'", explore.view),
        );
        ok &= sql_ok;
    }
    for (i, f) in explore.fields.iter().enumerate() {
        let fp = ypath!["explores", ei, "fields", i];
        let name = f.strip_prefix('-').unwrap_or(f);
        if name == "ALL_FIELDS*" {
            continue;
        }
        let at = if ctx.idx[fi].key(&fp) == ctx.idx[fi].key(&ypath!["explores", ei, "fields"]) {
            At::Find(&fp, name)
        } else {
            At::Value(&fp)
        };
        match name.split_once('.') {
            Some((a, "*")) => {
                if !aliases.iter().any(|(x, _)| x == a) {
                    ctx.report(
                        fi,
                        at,
                        "unknown-view",
                        format!("unknown view '{a}' in 'fields' of explore '{}'", e.name),
                        did_you_mean(a, aliases.iter().map(|(x, _)| x.as_str())),
                    );
                    ok = false;
                }
            }
            Some((a, fl)) => {
                if !check_alias_field(ctx, fi, at, &aliases, views, a, fl, &e.name, false) {
                    ok = false;
                }
            }
            None => {
                ctx.report(
                    fi,
                    at,
                    "unknown-field",
                    format!("field '{name}' needs a view: 'view.field' or 'view.*'"),
                    None,
                );
                ok = false;
            }
        }
    }
    // fan-out joins need primary keys
    let all: BTreeSet<&str> = explore.aliases().collect();
    for alias in explore.aliases() {
        let Some(view) = explore.view_of(alias).and_then(|v| views.get(v)) else {
            continue;
        };
        let sensitive = view
            .fields
            .values()
            .any(|f| matches!(&f.kind, FieldKind::Measure(m) if m.ty.is_fanout_sensitive()));
        if !sensitive || view.primary_key.is_some() {
            continue;
        }
        if let Some(ji) = joins::fanning_join(&explore, &all, alias) {
            let jname = &explore.joins[ji].name;
            let jidx = e.joins.iter().position(|j| j.name == *jname).unwrap_or(0);
            ctx.report(
                fi,
                At::Value(&ypath!["explores", ei, "joins", jidx, "relationship"]),
                "fanout-without-primary-key",
                format!(
                    "join '{jname}' fans out view '{}', which has no 'primary_key'",
                    view.name
                ),
                Some(format!(
                    "add 'primary_key' to view '{}' so its measures stay correct",
                    view.name
                )),
            );
            ok = false;
        }
    }
    ok.then_some(explore)
}

/// Check an explore-level SQL snippet (`sql_on`, `sql_always_where`): it parses, and every
/// `${alias.field}` names a dimension of a view in the explore. Returns whether all is well and
/// the aliases referred to, in order of first use. `what` names the snippet in the parse error,
/// `place` in the bare-reference error, whose hint is `bare_hint` with `{n}` for the name.
#[allow(clippy::too_many_arguments)]
fn check_explore_sql(
    ctx: &mut Ctx<'_>,
    fi: usize,
    p: &[Seg],
    sql: &str,
    (aliases, views, explore): (&[(String, String)], &BTreeMap<String, View>, &str),
    what: &str,
    place: &str,
    bare_hint: &str,
) -> (bool, Vec<String>) {
    let mut ok = true;
    let mut referenced: Vec<String> = Vec::new();
    if let Err(err) = ctx.check_expr(sql) {
        ctx.report(
            fi,
            At::Value(p),
            "invalid-sql",
            format!("invalid sql in {what}: {err}"),
            None,
        );
        ok = false;
    }
    for r in refs(sql) {
        let needle = format!("${{{}}}", r.inner);
        let at = At::Find(p, &needle);
        match r.split() {
            (Some(a), f) => {
                if !check_alias_field(ctx, fi, at, aliases, views, a, f, explore, true) {
                    ok = false;
                } else if !referenced.iter().any(|d| d == a) {
                    referenced.push(a.to_string());
                }
            }
            (None, n) => {
                ctx.report(
                    fi,
                    at,
                    "invalid-reference",
                    format!("'${{{n}}}' in {place} does not name a view"),
                    Some(bare_hint.replace("{n}", n)),
                );
                ok = false;
            }
        }
    }
    (ok, referenced)
}

/// Check `${alias.field}` against the aliases joined so far. `dims_only` rejects measures.
#[allow(clippy::too_many_arguments)]
fn check_alias_field(
    ctx: &mut Ctx<'_>,
    fi: usize,
    at: At<'_>,
    aliases: &[(String, String)],
    views: &BTreeMap<String, View>,
    alias: &str,
    field: &str,
    explore: &str,
    dims_only: bool,
) -> bool {
    let Some((_, view)) = aliases.iter().find(|(a, _)| a == alias) else {
        ctx.report(
            fi,
            at,
            "unknown-view",
            format!("unknown view '{alias}' in explore '{explore}'"),
            did_you_mean(alias, aliases.iter().map(|(a, _)| a.as_str()))
                .or_else(|| Some("join the view before referring to it".into())),
        );
        return false;
    };
    let Some(v) = views.get(view) else {
        return false;
    };
    let found = v
        .fields
        .get(field)
        .map(|f| f.is_dimension())
        .or_else(|| v.dims.get(field).map(|_| true));
    match found {
        Some(true) => true,
        Some(false) if !dims_only => true,
        Some(false) => {
            ctx.report(
                fi,
                at,
                "invalid-reference",
                format!("'{alias}.{field}' is a measure; only dimensions can be used here"),
                None,
            );
            false
        }
        None => {
            ctx.report(
                fi,
                at,
                "unknown-field",
                format!("unknown field '{field}' in view '{alias}'"),
                did_you_mean(
                    field,
                    v.fields.keys().chain(v.dims.keys()).map(String::as_str),
                ),
            );
            false
        }
    }
}
