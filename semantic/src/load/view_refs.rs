//! References inside a view, checked once every view is built: `${name}` in dimension and
//! measure SQL (unknown names, wrong kinds, other views), type misuse (a sum of a string),
//! reference cycles, and the dimensions and expressions of filtered measures.

use crate::error::Code;
use std::collections::{BTreeMap, BTreeSet};

use super::context::{At, Ctx};
use super::spec::{MeasureSpec, ViewSpec};
use crate::error::did_you_mean;
use crate::model::{DimensionType, Field, FieldKind, Measure, MeasureType, View};
use crate::refs::{Ref, refs};
use crate::yaml_pos::{Seg, ypath};

/// Check the references of view `v`, the `vi`th of file `fi` (if it was built).
pub(super) fn check_view_refs(
    ctx: &mut Ctx<'_>,
    fi: usize,
    vi: usize,
    v: &ViewSpec,
    views: &BTreeMap<String, View>,
) {
    let Some(view) = views.get(&v.name) else {
        return;
    };
    let dim_graph = check_dimension_refs(ctx, fi, vi, v, view);
    report_cycles(ctx, fi, &dim_graph, |name| {
        let di = v
            .dimensions
            .iter()
            .position(|d| d.name == name)
            .unwrap_or(0);
        ypath!["views", vi, "dimensions", di, "sql"].to_vec()
    });

    let mut m_graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (mi, m) in v.measures.iter().enumerate() {
        let Some(Field {
            kind: FieldKind::Measure(meas),
            ..
        }) = view.fields.get(&m.name)
        else {
            continue;
        };
        let measure = MeasureAt {
            fi,
            vi,
            mi,
            m,
            meas,
        };
        let deps = measure.check_refs(ctx, view, views);
        measure.check_type(ctx, view);
        measure.check_filters(ctx, view);
        m_graph.insert(m.name.as_str(), deps);
    }
    report_cycles(ctx, fi, &m_graph, |name| {
        let mi = v.measures.iter().position(|m| m.name == name).unwrap_or(0);
        ypath!["views", vi, "measures", mi, "sql"].to_vec()
    });
}

fn is_measure(view: &View, name: &str) -> bool {
    view.fields
        .get(name)
        .is_some_and(|f| matches!(f.kind, FieldKind::Measure(_)))
}

/// `${...}` in dimension SQL: `${TABLE}` and other dimensions of the view only. Returns which
/// dimension refers to which, for the cycle check.
fn check_dimension_refs<'v>(
    ctx: &mut Ctx<'_>,
    fi: usize,
    vi: usize,
    v: &'v ViewSpec,
    view: &'v View,
) -> BTreeMap<&'v str, Vec<&'v str>> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
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
                (None, n) if is_measure(view, n) => ctx.report(
                    fi,
                    at,
                    Code::InvalidReference,
                    format!("dimension '{}' cannot refer to measure '{n}'", d.name),
                    Some("dimensions can only use columns and other dimensions".into()),
                ),
                (None, n) => ctx.report(
                    fi,
                    at,
                    Code::UnknownField,
                    format!("unknown field '{n}' in view '{}'", v.name),
                    did_you_mean(n, view.dims.keys().map(String::as_str)),
                ),
                (Some(a), f) => ctx.report(
                    fi,
                    at,
                    Code::InvalidReference,
                    format!("dimension '{}' refers to '{a}.{f}' in another view", d.name),
                    Some("dimensions can only use their own view's columns and dimensions; join the views in an explore".into()),
                ),
            }
        }
        graph.insert(d.name.as_str(), deps);
    }
    graph
}

/// A built measure and where it is declared: the `mi`th measure of the `vi`th view of file `fi`.
struct MeasureAt<'v> {
    fi: usize,
    vi: usize,
    mi: usize,
    m: &'v MeasureSpec,
    meas: &'v Measure,
}

impl<'v> MeasureAt<'v> {
    fn sql(&self) -> &'v str {
        self.meas.sql.as_deref().unwrap_or_default()
    }

    fn sql_path(&self) -> [Seg; 5] {
        ypath!["views", self.vi, "measures", self.mi, "sql"]
    }

    /// `${...}` in the measure's SQL: a `number` measure combines measures (of this view or
    /// `${view.measure}`), the others aggregate columns and dimensions of their view. Returns
    /// the measures of this view it refers to, for the cycle check.
    fn check_refs(
        &self,
        ctx: &mut Ctx<'_>,
        view: &'v View,
        views: &BTreeMap<String, View>,
    ) -> Vec<&'v str> {
        let sql_p = self.sql_path();
        let mut deps = Vec::new();
        for r in refs(self.sql()) {
            let needle = format!("${{{}}}", r.inner);
            let at = At::Find(&sql_p, &needle);
            if self.meas.ty == MeasureType::Number {
                if let Some(dep) = self.number_ref(ctx, at, &r, view, views) {
                    deps.push(dep);
                }
            } else {
                self.aggregate_ref(ctx, at, &r, view);
            }
        }
        deps
    }

    /// One reference of a `number` measure; the measure of this view it names, if any.
    fn number_ref(
        &self,
        ctx: &mut Ctx<'_>,
        at: At<'_>,
        r: &Ref<'v>,
        view: &View,
        views: &BTreeMap<String, View>,
    ) -> Option<&'v str> {
        let (fi, name) = (self.fi, &self.m.name);
        match r.split() {
            (None, "TABLE") => ctx.report(
                fi,
                at,
                Code::InvalidReference,
                format!("measure '{name}' of type 'number' cannot use '${{TABLE}}'"),
                Some("refer to other measures, e.g. '${revenue}'".into()),
            ),
            (None, n) if is_measure(view, n) => return Some(n),
            (None, n) if view.dims.contains_key(n) => ctx.report(
                fi,
                at,
                Code::InvalidReference,
                format!("measure '{name}' of type 'number' refers to dimension '{n}'"),
                Some("a 'number' measure combines other measures; aggregate the dimension with a measure first".into()),
            ),
            // like an aggregate measure's: an unknown name
            (None, _) => self.aggregate_ref(ctx, at, r, view),
            (Some(a), f) => match views.get(a) {
                None => ctx.report(
                    fi,
                    at,
                    Code::UnknownView,
                    format!("unknown view '{a}' in measure '{name}'"),
                    did_you_mean(a, views.keys().map(String::as_str)),
                ),
                Some(ov) => match ov.fields.get(f) {
                    Some(Field {
                        kind: FieldKind::Measure(_),
                        ..
                    }) => {}
                    _ => ctx.report(
                        fi,
                        at,
                        Code::UnknownField,
                        format!("unknown measure '{f}' in view '{a}'"),
                        did_you_mean(
                            f,
                            ov.fields
                                .values()
                                .filter(|x| !x.is_dimension())
                                .map(|x| x.name.as_str()),
                        ),
                    ),
                },
            },
        }
        None
    }

    /// One reference of an aggregate measure (count, sum, ...): `${TABLE}` or a dimension of
    /// its own view.
    fn aggregate_ref(&self, ctx: &mut Ctx<'_>, at: At<'_>, r: &Ref<'_>, view: &View) {
        let (fi, name, ty) = (self.fi, &self.m.name, self.meas.ty.name());
        match r.split() {
            (None, "TABLE") => {}
            (None, n) if view.dims.contains_key(n) => {}
            (None, n) if is_measure(view, n) => ctx.report(
                fi,
                at,
                Code::InvalidReference,
                format!("measure '{name}' of type '{ty}' refers to measure '{n}'"),
                Some("use 'type: number' to combine measures".into()),
            ),
            (None, n) => ctx.report(
                fi,
                at,
                Code::UnknownField,
                format!("unknown field '{n}' in view '{}'", view.name),
                did_you_mean(
                    n,
                    view.fields
                        .keys()
                        .chain(view.dims.keys())
                        .map(String::as_str),
                ),
            ),
            (Some(a), f) => ctx.report(
                fi,
                at,
                Code::InvalidReference,
                format!("measure '{name}' refers to '{a}.{f}' in another view"),
                Some(
                    "aggregate measures use their own view; combine views with a 'number' measure"
                        .into(),
                ),
            ),
        }
    }

    /// Type misuse: sum, average, median or percentile of just a non-number dimension.
    fn check_type(&self, ctx: &mut Ctx<'_>, view: &View) {
        let sql = self.sql();
        let all_refs = refs(sql);
        let [only] = all_refs.as_slice() else {
            return;
        };
        let numeric = matches!(
            self.meas.ty,
            MeasureType::Sum | MeasureType::Average | MeasureType::Median | MeasureType::Percentile
        );
        let text = &sql[only.start..only.end];
        if !numeric || sql.trim() != text {
            return;
        }
        let (None, n) = only.split() else {
            return;
        };
        let Some(d) = view.dims.get(n) else {
            return;
        };
        if !matches!(d.ty, DimensionType::Number) {
            ctx.report(
                self.fi,
                At::Find(&self.sql_path(), text),
                Code::TypeMismatch,
                format!(
                    "measure '{}' of type '{}' needs a number, but '{n}' is a {} dimension",
                    self.m.name,
                    self.meas.ty.name(),
                    d.ty.name()
                ),
                Some("use 'type: count_distinct', 'min' or 'max', or a number dimension".into()),
            );
        }
    }

    /// A filtered measure's filters: each on a dimension of its view, with an expression that
    /// parses.
    fn check_filters(&self, ctx: &mut Ctx<'_>, view: &View) {
        let (fi, vi, mi) = (self.fi, self.vi, self.mi);
        for (fidx, (field, value)) in self.meas.filters.iter().enumerate() {
            let fp = ypath!["views", vi, "measures", mi, "filters", fidx, "field"];
            let vp = ypath!["views", vi, "measures", mi, "filters", fidx, "value"];
            match view.fields.get(field.as_str()) {
                Some(Field {
                    kind: FieldKind::Dimension(d),
                    ..
                }) => ctx.check_filter_value(fi, &vp, d, field, value),
                _ => ctx.report(
                    fi,
                    At::Value(&fp),
                    Code::UnknownField,
                    format!(
                        "unknown dimension '{field}' in filter of measure '{}'",
                        self.m.name
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
    }
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
                        Code::ReferenceCycle,
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
