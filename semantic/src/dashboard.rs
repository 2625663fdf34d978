//! Dashboards: tiles (a saved query, a chart type and a place on a 12-column grid) and
//! dashboard filters. A dashboard filter names a field; it applies to every tile whose explore
//! has that field, so nothing is wired tile by tile.
//!
//! The same type is read from the project's YAML (`dashboards:` in any model file; read-only in
//! the app) and from JSON (dashboards made in the app, stored by the server).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::Model;
use crate::query::{Filter, Filters, Query};
use crate::{CompileOptions, Error};

/// Columns of the dashboard grid.
pub const GRID_COLUMNS: u32 = 12;
/// Tallest tile, in grid rows.
pub const MAX_TILE_HEIGHT: u32 = 24;
/// Most tiles on one dashboard.
pub const MAX_TILES: usize = 100;

/// A dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    /// Identifier used in URLs: lowercase letters, digits, `_` and `-`.
    pub name: String,
    /// Title shown on the page.
    pub title: String,
    /// What the dashboard is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Filters that apply to every tile whose explore has the field.
    #[serde(default)]
    pub filters: Vec<DashboardFilter>,
    /// The tiles, in reading order.
    #[serde(default)]
    pub tiles: Vec<Tile>,
}

/// A dashboard filter on one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DashboardFilter {
    /// The filtered dimension, `view.field` (the alias as the tiles' explores name it).
    pub field: String,
    /// Label on the filter bar (default: the field's label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Looker-style filter expression applied until the viewer changes it; none or empty = no filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A tile: a query shown as a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Tile {
    /// Identifier within the dashboard: lowercase letters, digits, `_` and `-`.
    pub name: String,
    /// Title shown on the tile.
    pub title: String,
    /// How the result is drawn.
    #[serde(default)]
    pub chart: ChartType,
    /// The question.
    pub query: Query,
    /// Place on the grid; tiles without one are placed after the others, two per row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
}

/// A tile's place: column `x` (0-based, of [`GRID_COLUMNS`]), row `y`, width and height in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Column, 0-based.
    pub x: u32,
    /// Row, 0-based.
    pub y: u32,
    /// Width in columns.
    pub w: u32,
    /// Height in rows.
    pub h: u32,
}

/// Chart types of tiles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChartType {
    /// Chosen from the result: time → line, one category → bar, a lone measure → single value.
    #[default]
    Auto,
    /// Table.
    Table,
    /// Horizontal bars.
    Bar,
    /// Vertical bars.
    Column,
    /// Line.
    Line,
    /// Area.
    Area,
    /// Scatter.
    Scatter,
    /// Pie.
    Pie,
    /// One big number.
    Single,
}

/// One problem with a dashboard: where (a path of keys and indexes, e.g. `tiles.2.query`),
/// a stable code, a lowercase message and a hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DashboardProblem {
    /// Keys and indexes from the dashboard's root.
    pub path: Vec<PathSeg>,
    /// Stable code: `invalid-name`, `duplicate-name`, `invalid-tile-query`, `invalid-layout`,
    /// `unknown-field`, `invalid-filter`, `too-many-tiles`.
    pub code: &'static str,
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

impl Dashboard {
    /// Every problem of this dashboard against `model`: names, tile queries (each must compile),
    /// layouts (inside the grid), dashboard filters (a dimension of some tile's explore, with a
    /// default that parses).
    pub fn check(&self, model: &Model) -> Vec<DashboardProblem> {
        let mut out = Vec::new();
        use PathSeg::{Index, Key};
        if !valid_name(&self.name) {
            out.push(problem(
                vec![Key("name")],
                "invalid-name",
                format!("dashboard name '{}' is not a valid identifier", self.name),
                Some("use 1 to 64 lowercase letters, digits, '_' or '-'"),
            ));
        }
        if self.title.trim().is_empty() {
            out.push(problem(
                vec![Key("title")],
                "invalid-name",
                format!("dashboard '{}' has an empty title", self.name),
                Some("give the dashboard a title"),
            ));
        }
        if self.tiles.len() > MAX_TILES {
            out.push(problem(
                vec![Key("tiles")],
                "too-many-tiles",
                format!(
                    "dashboard '{}' has {} tiles, more than {MAX_TILES}",
                    self.name,
                    self.tiles.len()
                ),
                Some("split it into several dashboards"),
            ));
        }
        let now = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        let opts = CompileOptions::new(now);
        let mut names = BTreeSet::new();
        for (i, t) in self.tiles.iter().enumerate() {
            let at = |k| vec![Key("tiles"), Index(i), Key(k)];
            if !valid_name(&t.name) {
                out.push(problem(
                    at("name"),
                    "invalid-name",
                    format!("tile name '{}' is not a valid identifier", t.name),
                    Some("use 1 to 64 lowercase letters, digits, '_' or '-'"),
                ));
            } else if !names.insert(t.name.as_str()) {
                out.push(problem(
                    at("name"),
                    "duplicate-name",
                    format!("tile '{}' appears twice", t.name),
                    Some("give each tile of a dashboard its own name"),
                ));
            }
            if t.title.trim().is_empty() {
                out.push(problem(
                    at("title"),
                    "invalid-name",
                    format!("tile '{}' has an empty title", t.name),
                    Some("give the tile a title"),
                ));
            }
            if let Err(e) = crate::compile(model, &t.query, &opts) {
                let (hint, subject) = match &e {
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
                out.push(DashboardProblem {
                    path: at("query"),
                    code: "invalid-tile-query",
                    message: format!("tile '{}': {e}", t.name),
                    hint,
                    subject,
                });
            }
            if let Some(l) = t.layout {
                if l.w == 0 || l.h == 0 || l.x + l.w > GRID_COLUMNS || l.h > MAX_TILE_HEIGHT {
                    out.push(DashboardProblem {
                        path: at("layout"),
                        code: "invalid-layout",
                        message: format!(
                            "tile '{}' does not fit the grid (x {}, w {}, h {})",
                            t.name, l.x, l.w, l.h
                        ),
                        hint: Some(format!(
                            "use 1 <= w, x + w <= {GRID_COLUMNS} and 1 <= h <= {MAX_TILE_HEIGHT}"
                        )),
                        subject: None,
                    });
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (i, f) in self.filters.iter().enumerate() {
            let at = |k| vec![Key("filters"), Index(i), Key(k)];
            if !seen.insert(f.field.as_str()) {
                out.push(DashboardProblem {
                    path: at("field"),
                    code: "duplicate-name",
                    message: format!("dashboard filter on '{}' appears twice", f.field),
                    hint: Some("keep one filter per field".into()),
                    subject: None,
                });
                continue;
            }
            let dims: Vec<_> = self
                .tiles
                .iter()
                .filter_map(|t| tile_dimension(model, &t.query.explore, &f.field))
                .collect();
            let Some(d) = dims.first() else {
                let hint = if self.tiles.is_empty() {
                    "add a tile first; a dashboard filter applies to the tiles whose explore has its field".to_string()
                } else {
                    "use a dimension of one of the tiles' explores, as 'view.field'".to_string()
                };
                out.push(DashboardProblem {
                    path: at("field"),
                    code: "unknown-field",
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
                if let Err(e) = crate::filter::parse(crate::load::filter_kind(d), expr, now) {
                    out.push(DashboardProblem {
                        path: at("default"),
                        code: "invalid-filter",
                        message: format!("default of dashboard filter '{}': {e}", f.field),
                        hint: Some("write a filter expression such as 'Finished', '>100' or 'last 30 days'".into()),
                        subject: None,
                    });
                }
            }
        }
        out
    }

    /// Give every tile a layout: each tile without one takes the first free half-width,
    /// four-row place, scanning rows from the top and columns from the left.
    pub fn place_tiles(&mut self) {
        const W: u32 = GRID_COLUMNS / 2;
        const H: u32 = 4;
        let mut taken: Vec<Layout> = self.tiles.iter().filter_map(|t| t.layout).collect();
        for t in self.tiles.iter_mut().filter(|t| t.layout.is_none()) {
            let bottom = taken.iter().map(|l| l.y + l.h).max().unwrap_or(0);
            let free = (0..=bottom)
                .flat_map(|y| (0..=GRID_COLUMNS - W).map(move |x| Layout { x, y, w: W, h: H }))
                .find(|c| !taken.iter().any(|l| overlaps(c, l)))
                .unwrap_or(Layout {
                    x: 0,
                    y: bottom,
                    w: W,
                    h: H,
                });
            taken.push(free);
            t.layout = Some(free);
        }
    }

    /// The query that tile `tile` runs with the dashboard filter values `values` (field →
    /// expression; a filter missing from `values` takes its default): the tile's own query plus
    /// each non-empty dashboard filter whose field its explore has. Values for fields that are
    /// not dashboard filters are ignored, so a viewer can only narrow the saved questions.
    pub fn tile_query(
        &self,
        model: &Model,
        tile: &Tile,
        values: &BTreeMap<String, String>,
    ) -> Query {
        let mut q = tile.query.clone();
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
        q
    }

    /// The tile called `name`.
    pub fn tile(&self, name: &str) -> Option<&Tile> {
        self.tiles.iter().find(|t| t.name == name)
    }
}

fn overlaps(a: &Layout, b: &Layout) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

fn problem(
    path: Vec<PathSeg>,
    code: &'static str,
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
fn tile_dimension<'m>(
    model: &'m Model,
    explore: &str,
    field: &str,
) -> Option<&'m crate::Dimension> {
    let x = model.explores.get(explore)?;
    let (alias, _, f) = model.resolve(x, field)?;
    let name = field.split_once('.').map_or(field, |(_, n)| n);
    if !x.allows(alias, name) {
        return None;
    }
    match &f.kind {
        crate::FieldKind::Dimension(d) => Some(d),
        crate::FieldKind::Measure(_) => None,
    }
}
