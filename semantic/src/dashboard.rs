//! Dashboards against a model: every problem of a [`Dashboard`] (names, tile queries or texts,
//! layouts, dashboard filters) and the query a tile runs with the dashboard's filter values and
//! time zone. A dashboard
//! filter names a field; it applies to every tile whose explore has that field, so nothing is
//! wired tile by tile.
//!
//! The dashboard shapes themselves are wire types (`boltic_types`): the same [`Dashboard`] is
//! read from the project's YAML and from JSON (dashboards made in the app, stored by the server).

use crate::error::Code;
use std::collections::{BTreeMap, BTreeSet};

use boltic_types::grid::{self, GRID_COLUMNS, MAX_TILE_HEIGHT, MAX_TILES};
use boltic_types::{Dashboard, Filter, Filters, Query, Tile};
use serde::Serialize;

use crate::compile::{CompileOptions, compile};
use crate::error::Error;
use crate::model::{Access, Dimension, FieldKind, Model, check_filter_expr, check_time};

/// One problem with a dashboard: where (a path of keys and indexes, e.g. `tiles.2.query`),
/// a stable code, a lowercase message and a hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DashboardProblem {
    /// Keys and indexes from the dashboard's root.
    pub path: Vec<PathSeg>,
    /// Stable code: `invalid-name`, `duplicate-name`, `invalid-tile-query`, `invalid-layout`,
    /// `unknown-field`, `invalid-filter`, `too-many-tiles`.
    pub code: Code,
    /// Lowercase message.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// The name the problem is about, when it is more precise than the path (the unknown field
    /// of a tile's query), for pointing at it in the YAML.
    pub subject: Option<String>,
}

/// A step of a [`DashboardProblem`] path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PathSeg {
    /// A key.
    Key(&'static str),
    /// An index in a list.
    Index(usize),
}

impl DashboardProblem {
    /// The path as `tiles.2.query`.
    pub fn location(&self) -> String {
        self.path
            .iter()
            .map(|s| match s {
                PathSeg::Key(k) => k.to_string(),
                PathSeg::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Whether `s` can name a dashboard or tile: 1 to 64 of `a-z`, `0-9`, `_`, `-`.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// What the semantic layer adds to a [`Dashboard`]: checking it against a model and the query
/// each tile runs.
pub trait DashboardExt {
    /// Every problem of this dashboard against `model`: names, tile queries (each must compile),
    /// layouts (inside the grid), dashboard filters (a dimension of some tile's explore, with a
    /// default that parses).
    fn check(&self, model: &Model) -> Vec<DashboardProblem> {
        self.check_as(model, &Access::Unrestricted)
    }

    /// [`DashboardExt::check`] for a caller with `access`: a tile on something the caller may
    /// not see is a problem, and no hint names what is hidden from them.
    fn check_as(&self, model: &Model, access: &Access) -> Vec<DashboardProblem>;

    /// The query that tile `tile` runs with the dashboard filter values `values` (field →
    /// expression; a filter missing from `values` takes its default) in time zone `timezone`
    /// (none: the tile's own, else the model's): the tile's own query plus each non-empty
    /// dashboard filter whose field its explore has. Values for fields that are not dashboard
    /// filters are ignored, so a viewer can only narrow the saved questions. None for a text
    /// tile.
    fn tile_query(
        &self,
        model: &Model,
        tile: &Tile,
        values: &BTreeMap<String, String>,
        timezone: Option<&str>,
    ) -> Option<Query>;
}

impl DashboardExt for Dashboard {
    fn check_as(&self, model: &Model, access: &Access) -> Vec<DashboardProblem> {
        let mut out = Vec::new();
        use PathSeg::Key;
        if !valid_name(&self.name) {
            out.push(problem(
                vec![Key("name")],
                Code::InvalidName,
                format!("dashboard name '{}' is not a valid identifier", self.name),
                Some("use 1 to 64 lowercase letters, digits, '_' or '-'"),
            ));
        }
        if self.title.trim().is_empty() {
            out.push(problem(
                vec![Key("title")],
                Code::InvalidName,
                format!("dashboard '{}' has an empty title", self.name),
                Some("give the dashboard a title"),
            ));
        }
        if self.tiles.len() > MAX_TILES {
            out.push(problem(
                vec![Key("tiles")],
                Code::TooManyTiles,
                format!(
                    "dashboard '{}' has {} tiles, more than {MAX_TILES}",
                    self.name,
                    self.tiles.len()
                ),
                Some("split it into several dashboards"),
            ));
        }
        let mut opts = CompileOptions::new(check_time());
        opts.access = access.clone();
        let mut names = BTreeSet::new();
        for (i, t) in self.tiles.iter().enumerate() {
            check_tile(model, &opts, i, t, &mut names, &mut out);
        }
        check_filters(self, model, &mut out);
        out
    }

    fn tile_query(
        &self,
        model: &Model,
        tile: &Tile,
        values: &BTreeMap<String, String>,
        timezone: Option<&str>,
    ) -> Option<Query> {
        let mut q = tile.query.clone()?;
        if let Some(tz) = timezone {
            q.timezone = Some(tz.to_string());
        }
        let mut extra = Vec::new();
        for f in &self.filters {
            let value = values.get(&f.field).or(f.default.as_ref());
            let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            if tile_dimension(model, &q.explore, &f.field).is_some() {
                extra.push(Filter::Expressions(BTreeMap::from([(
                    f.field.clone(),
                    value.clone(),
                )])));
            }
        }
        if !extra.is_empty() {
            let mut list = q.filters.to_list();
            list.extend(extra);
            q.filters = Filters::List(list);
        }
        Some(q)
    }
}

/// The problems of tile `t`, the `i`th: its name (valid, not taken in `names`) and title, its
/// query (it must compile with `opts`) or its text (one of the two), and its layout (inside
/// the grid).
fn check_tile<'t>(
    model: &Model,
    opts: &CompileOptions,
    i: usize,
    t: &'t Tile,
    names: &mut BTreeSet<&'t str>,
    out: &mut Vec<DashboardProblem>,
) {
    use PathSeg::{Index, Key};
    let at = |k| vec![Key("tiles"), Index(i), Key(k)];
    if !valid_name(&t.name) {
        out.push(problem(
            at("name"),
            Code::InvalidName,
            format!("tile name '{}' is not a valid identifier", t.name),
            Some("use 1 to 64 lowercase letters, digits, '_' or '-'"),
        ));
    } else if !names.insert(t.name.as_str()) {
        out.push(problem(
            at("name"),
            Code::DuplicateName,
            format!("tile '{}' appears twice", t.name),
            Some("give each tile of a dashboard its own name"),
        ));
    }
    if t.title.trim().is_empty() {
        out.push(problem(
            at("title"),
            Code::InvalidName,
            format!("tile '{}' has an empty title", t.name),
            Some("give the tile a title"),
        ));
    }
    match (&t.query, &t.text) {
        (Some(q), None) => {
            if let Err(e) = compile(model, q, opts) {
                out.push(query_problem(&t.name, at("query"), &e));
            }
        }
        (None, Some(_)) => {}
        (Some(_), Some(_)) => out.push(problem(
            at("text"),
            Code::InvalidTileQuery,
            format!("tile '{}' has both a 'text' and a 'query'", t.name),
            Some("a tile shows either a query or a text; make them two tiles"),
        )),
        (None, None) => out.push(problem(
            at("name"),
            Code::InvalidTileQuery,
            format!("tile '{}' has neither a 'query' nor a 'text'", t.name),
            Some("give the tile a 'query' (a chart) or a 'text' (markdown)"),
        )),
    }
    if let Some(l) = t.layout {
        if !grid::fits(l) {
            out.push(DashboardProblem {
                path: at("layout"),
                code: Code::InvalidLayout,
                message: format!(
                    "tile '{}' does not fit the grid (x {}, y {}, w {}, h {})",
                    t.name, l.x, l.y, l.w, l.h
                ),
                hint: Some(format!(
                    "use 1 <= w, x + w <= {GRID_COLUMNS}, 1 <= h <= {MAX_TILE_HEIGHT} and y <= {}",
                    grid::MAX_TILE_TOP
                )),
                subject: None,
            });
        }
    }
}

/// The problem of tile `tile`'s query at `path`, which does not compile (`e`), pointing at the
/// unknown name when there is one.
fn query_problem(tile: &str, path: Vec<PathSeg>, e: &Error) -> DashboardProblem {
    let (hint, subject) = match e {
        // the first name in quotes: the unknown explore or field
        Error::Query { hint, message, .. } => {
            (hint.clone(), message.split('\'').nth(1).map(str::to_string))
        }
        Error::Filter { field, .. } => (
            Some("fix the filter expression".to_string()),
            Some(field.clone()),
        ),
        _ => (None, None),
    };
    DashboardProblem {
        path,
        code: Code::InvalidTileQuery,
        message: format!("tile '{tile}': {e}"),
        hint,
        subject,
    }
}

/// The problems of the dashboard filters: one per field, each a dimension of some tile's
/// explore, with a default that parses.
fn check_filters(dashboard: &Dashboard, model: &Model, out: &mut Vec<DashboardProblem>) {
    use PathSeg::{Index, Key};
    let mut seen = BTreeSet::new();
    for (i, f) in dashboard.filters.iter().enumerate() {
        let at = |k| vec![Key("filters"), Index(i), Key(k)];
        if !seen.insert(f.field.as_str()) {
            out.push(DashboardProblem {
                path: at("field"),
                code: Code::DuplicateName,
                message: format!("dashboard filter on '{}' appears twice", f.field),
                hint: Some("keep one filter per field".into()),
                subject: None,
            });
            continue;
        }
        let dims: Vec<_> = dashboard
            .tiles
            .iter()
            .filter_map(|t| {
                let q = t.query.as_ref()?;
                tile_dimension(model, &q.explore, &f.field)
            })
            .collect();
        let Some(d) = dims.first() else {
            let hint = if dashboard.tiles.iter().all(|t| t.query.is_none()) {
                "add a tile first; a dashboard filter applies to the tiles whose explore has its field".to_string()
            } else {
                "use a dimension of one of the tiles' explores, as 'view.field'".to_string()
            };
            out.push(DashboardProblem {
                path: at("field"),
                code: Code::UnknownField,
                message: format!(
                    "dashboard filter field '{}' is not a dimension of any tile's explore",
                    f.field
                ),
                hint: Some(hint),
                subject: None,
            });
            continue;
        };
        if let Some(expr) = f.default.as_deref().filter(|e| !e.trim().is_empty()) {
            if let Err(e) = check_filter_expr(d, expr) {
                out.push(DashboardProblem {
                    path: at("default"),
                    code: Code::InvalidFilter,
                    message: format!("default of dashboard filter '{}': {e}", f.field),
                    hint: Some(
                        "write a filter expression such as 'Finished', '>100' or 'last 30 days'"
                            .into(),
                    ),
                    subject: None,
                });
            }
        }
    }
}

fn problem(
    path: Vec<PathSeg>,
    code: Code,
    message: String,
    hint: Option<&str>,
) -> DashboardProblem {
    DashboardProblem {
        path,
        code,
        message,
        hint: hint.map(str::to_string),
        subject: None,
    }
}

/// The dimension `field` as seen through `explore`, when that explore exposes it.
fn tile_dimension<'m>(model: &'m Model, explore: &str, field: &str) -> Option<&'m Dimension> {
    let x = model.explores.get(explore)?;
    let (alias, _, f) = model.resolve(x, field)?;
    let name = field.split_once('.').map_or(field, |(_, n)| n);
    if !x.allows(alias, name) {
        return None;
    }
    match &f.kind {
        FieldKind::Dimension(d) => Some(d),
        FieldKind::Measure(_) => None,
    }
}
