//! Charts: which type suits a result, the ECharts option for it (pure, tested on the host),
//! and the thin wasm-bindgen layer over ECharts (init, setOption, resize, dispose, click).
//! ECharts itself is served by Boltic from `/pkg/echarts.min.js`, never from a CDN.
//!
//! A chart never misleads: a type that cannot show a result truthfully says why ([`unfit`])
//! instead of drawing; pivot values become series (one per value) over the other dimensions;
//! a time axis runs forward whatever the table's sort.

use std::cmp::Ordering;

use serde_json::{Value, json};

use crate::api::{FieldMeta, QueryResult};

/// The chart types offered.
pub const CHART_TYPES: [(&str, &str); 8] = [
    ("table", "Table"),
    ("bar", "Bar"),
    ("column", "Column"),
    ("line", "Line"),
    ("area", "Area"),
    ("scatter", "Scatter"),
    ("pie", "Pie"),
    ("single", "Single value"),
];

/// The most slices a pie may have; more cannot be told apart.
pub const MAX_PIE_SLICES: usize = 12;

/// The filter expression that selects a clicked category of a dimension of type `ty`: the
/// value itself for strings and numbers (`∅` is NULL), None when it cannot be said exactly
/// (times are shown rounded; values with filter syntax in them).
pub fn filter_for_category(ty: &str, category: &str) -> Option<String> {
    if category == "∅" {
        return Some("NULL".into());
    }
    let plain = !category.is_empty()
        && !category.starts_with(['-', '>', '<', '=', '[', '(', ' '])
        && !category.contains([',', '%', '_', '^', '"', '·'])
        && !category.to_lowercase().starts_with("null");
    match ty {
        "string" | "number" | "tier" if plain => Some(category.to_string()),
        _ => None,
    }
}

/// A time (or date) field: its values are ISO-8601 text, in order when sorted as text.
fn is_time(f: &FieldMeta) -> bool {
    matches!(f.ty.as_str(), "time" | "date")
}

/// The shape a chart sees: the dimensions along the axis (not pivoted), the pivot dimensions
/// and the measures.
struct Shape<'a> {
    axis: Vec<&'a FieldMeta>,
    pivots: Vec<&'a FieldMeta>,
    measures: Vec<&'a FieldMeta>,
}

fn shape(result: &QueryResult) -> Shape<'_> {
    let dims = || result.fields.iter().filter(|f| f.is_dimension());
    Shape {
        axis: dims().filter(|f| !f.pivot).collect(),
        pivots: dims().filter(|f| f.pivot).collect(),
        measures: result.fields.iter().filter(|f| f.is_measure()).collect(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why chart type `kind` cannot show `result` truthfully, or None when it can: single value
/// needs one row and one measure; pie one dimension, one measure, no pivot and at most
/// [`MAX_PIE_SLICES`] slices; scatter an x axis (a dimension, or a second measure); every
/// chart a measure. A table always fits.
pub fn unfit(result: &QueryResult, kind: &str) -> Option<String> {
    let s = shape(result);
    let rows = result.rows().len();
    let measures = s.measures.len();
    let name = CHART_TYPES
        .iter()
        .find(|(id, _)| *id == kind)
        .map_or(kind, |(_, label)| *label);
    match kind {
        "table" => None,
        _ if measures == 0 => Some(format!("{name} needs a measure; this result has none")),
        "single" if rows != 1 => Some(format!(
            "Single value needs one row; this result has {rows}"
        )),
        "single" if measures != 1 => Some(format!(
            "Single value needs one measure; this result has {measures}"
        )),
        "pie" if !s.pivots.is_empty() => Some("Pie cannot show a pivot".into()),
        "pie" if s.axis.len() != 1 || measures != 1 => Some(format!(
            "Pie needs one dimension and one measure; this result has {} and {}",
            plural(s.axis.len(), "dimension", "dimensions"),
            plural(measures, "measure", "measures"),
        )),
        "pie" if rows > MAX_PIE_SLICES => Some(format!(
            "Pie needs at most {MAX_PIE_SLICES} slices; this result has {rows}"
        )),
        "scatter" if s.axis.is_empty() && measures < 2 => {
            Some("Scatter needs a dimension or a second measure for its x axis".into())
        }
        _ => None,
    }
}

/// Every chart type that does not fit `result`, with why (for the type picker).
pub fn unfit_types(result: &QueryResult) -> Vec<(&'static str, String)> {
    CHART_TYPES
        .iter()
        .filter_map(|(id, _)| unfit(result, id).map(|why| (*id, why)))
        .collect()
}

/// The automatic choice, always one that fits ([`unfit`]): one time dimension → line; one other
/// dimension → bar (never a pie: bars compare better); a lone measure on one row → single
/// value; otherwise a table. Pivot dimensions become series, so they do not count here.
pub fn auto_type(result: &QueryResult) -> &'static str {
    let s = shape(result);
    let chosen = match (s.axis.as_slice(), s.measures.len()) {
        ([], 1) if s.pivots.is_empty() && result.rows().len() == 1 => "single",
        ([d], m) if m >= 1 && is_time(d) => "line",
        ([_], m) if m >= 1 => "bar",
        _ => "table",
    };
    if unfit(result, chosen).is_some() {
        "table"
    } else {
        chosen
    }
}

fn label(f: &FieldMeta) -> String {
    f.label.clone().unwrap_or_else(|| f.name.clone())
}

/// A cell as a category label.
pub fn category(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "∅".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A cell of field `f` as a label: times at their field's grain, else as [`category`].
fn shown(f: &FieldMeta, v: &Value) -> String {
    match v {
        Value::String(t) if is_time(f) => time_label(&f.name, t),
        v => category(Some(v)),
    }
}

/// A time value as an axis label at its field's grain: `trips.start_month` 2024-08-01T00:00:00Z
/// → `2024-08`, `_year` → `2024`, `_quarter` → `2024-Q3`, midnight → the date, else date and time.
pub fn time_label(field: &str, value: &str) -> String {
    let Some((date, time)) = value.strip_suffix('Z').and_then(|v| v.split_once('T')) else {
        return value.to_string();
    };
    let month = date.get(5..7).and_then(|m| m.parse::<u32>().ok());
    match (field.rsplit('_').next(), date.get(..4), month) {
        (Some("month"), _, Some(_)) => date[..7].to_string(),
        (Some("year"), Some(y), _) => y.to_string(),
        (Some("quarter"), Some(y), Some(m)) => format!("{y}-Q{}", (m - 1) / 3 + 1),
        _ if time == "00:00:00" => date.to_string(),
        _ => format!("{date} {time}"),
    }
}

/// Time values (ISO-8601 text) earliest first, nulls last.
fn time_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (a, b) => a.to_string().cmp(&b.to_string()),
    }
}

/// One row's values of some fields.
type Values = Vec<Value>;

/// A result laid out for a chart.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    /// One per row, or per combination of axis dimensions when pivoted; in time order when
    /// the first axis dimension is a time, else in the result's order.
    categories: Vec<String>,
    /// The pivot values (one series group each); one unnamed group without a pivot.
    columns: Vec<String>,
    /// Per category, one cell per (column, measure); null where a pivot value has no row.
    cells: Vec<Vec<Value>>,
}

fn layout(result: &QueryResult, s: &Shape<'_>) -> Layout {
    // the axis dimensions' values, the pivot values, the measures' cells
    let (keys, columns, cells): (Vec<Values>, Vec<Values>, Vec<Values>) =
        match crate::pivot::pivot(result) {
            Some(p) => {
                let (keys, cells) = p
                    .rows
                    .into_iter()
                    .map(|(k, c)| (k, c.into_iter().map(Option::unwrap_or_default).collect()))
                    .unzip();
                (keys, p.columns, cells)
            }
            None => {
                let get = |row: &serde_json::Map<String, Value>, fields: &[&FieldMeta]| {
                    fields
                        .iter()
                        .map(|f| row.get(&f.name).cloned().unwrap_or(Value::Null))
                        .collect::<Vec<_>>()
                };
                let rows = result.rows();
                (
                    rows.iter().map(|r| get(r, &s.axis)).collect(),
                    vec![vec![]],
                    rows.iter().map(|r| get(r, &s.measures)).collect(),
                )
            }
        };
    let in_order = |fields: &[&FieldMeta], values: &[Vec<Value>]| -> Vec<usize> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        if fields.first().is_some_and(|f| is_time(f)) {
            order.sort_by(|a, b| time_order(&values[*a][0], &values[*b][0]));
        }
        order
    };
    let named = |fields: &[&FieldMeta], values: &[Value]| -> String {
        fields
            .iter()
            .zip(values)
            .map(|(f, v)| shown(f, v))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let rows = in_order(&s.axis, &keys);
    let cols = in_order(&s.pivots, &columns);
    let m = s.measures.len();
    Layout {
        categories: rows.iter().map(|r| named(&s.axis, &keys[*r])).collect(),
        columns: cols
            .iter()
            .map(|c| named(&s.pivots, &columns[*c]))
            .collect(),
        cells: rows
            .iter()
            .map(|r| {
                let row = &cells[*r];
                cols.iter()
                    .flat_map(|c| (0..m).map(move |k| row[c * m + k].clone()))
                    .collect()
            })
            .collect(),
    }
}

/// The ECharts option for `kind` (None for `table` and `single`, which are HTML, and for a
/// type that does not fit the result, see [`unfit`]). Pivot values become series: one per
/// pivot value (and measure, when there are several) over the other dimensions.
pub fn option(result: &QueryResult, kind: &str) -> Option<Value> {
    if matches!(kind, "table" | "single") || unfit(result, kind).is_some() {
        return None;
    }
    let s = shape(result);
    let l = layout(result, &s);
    let m = s.measures.len();
    let pivoted = !s.pivots.is_empty();
    // the series of pivot column `c` and measure `k`
    let series_name = |c: usize, k: usize| match (pivoted, m) {
        (false, _) => label(s.measures[k]),
        (true, 1) => l.columns[c].clone(),
        (true, _) => format!("{} · {}", l.columns[c], label(s.measures[k])),
    };
    let column = |c: usize, k: usize| -> Vec<Value> {
        l.cells.iter().map(|row| row[c * m + k].clone()).collect()
    };
    let each_series = || (0..l.columns.len()).flat_map(|c| (0..m).map(move |k| (c, k)));
    let axis_name = s
        .axis
        .iter()
        .map(|f| label(f))
        .collect::<Vec<_>>()
        .join(" · ");
    let mut option = json!({
        "animation": false,
        "tooltip": {"trigger": if kind == "pie" || kind == "scatter" { "item" } else { "axis" }},
        "legend": {"top": 0},
        "grid": {"left": 16, "right": 24, "top": 36, "bottom": 16, "containLabel": true},
    });
    match kind {
        "pie" => {
            let data: Vec<Value> = l
                .categories
                .iter()
                .zip(column(0, 0))
                .map(|(c, v)| json!({"name": c, "value": v}))
                .collect();
            option["series"] = json!([{"type": "pie", "name": label(s.measures[0]), "radius": ["30%", "65%"], "data": data}]);
        }
        "scatter" if m >= 2 => {
            // x: the first measure, y: the second
            let series: Vec<Value> = (0..l.columns.len())
                .map(|c| {
                    let data: Vec<Value> = column(c, 0)
                        .into_iter()
                        .zip(column(c, 1))
                        .map(|(x, y)| json!([x, y]))
                        .collect();
                    let name = if pivoted {
                        l.columns[c].clone()
                    } else {
                        label(s.measures[1])
                    };
                    json!({"type": "scatter", "name": name, "data": data})
                })
                .collect();
            option["xAxis"] = json!({"type": "value", "name": label(s.measures[0]),
                                     "axisLabel": {"alignMaxLabel": "right"}});
            option["yAxis"] = json!({"type": "value", "name": label(s.measures[1])});
            option["series"] = json!(series);
        }
        "scatter" => {
            // x: the dimensions' categories
            let series: Vec<Value> = each_series()
                .map(|(c, k)| json!({"type": "scatter", "name": series_name(c, k), "data": column(c, k)}))
                .collect();
            option["xAxis"] = json!({"type": "category", "name": axis_name, "data": l.categories});
            option["yAxis"] = json!({"type": "value"});
            option["series"] = json!(series);
        }
        _ => {
            let (series_type, horizontal, area) = match kind {
                "bar" => ("bar", true, false),
                "column" => ("bar", false, false),
                "area" => ("line", false, true),
                _ => ("line", false, false),
            };
            let series: Vec<Value> = each_series()
                .map(|(c, k)| {
                    let mut s = json!({"type": series_type, "name": series_name(c, k), "data": column(c, k)});
                    if area {
                        s["areaStyle"] = json!({});
                    }
                    s
                })
                .collect();
            let category_axis = json!({"type": "category", "data": l.categories});
            let value_axis = json!({"type": "value"});
            if horizontal {
                option["yAxis"] = category_axis;
                option["yAxis"]["inverse"] = json!(true);
                option["xAxis"] = value_axis;
                // the last tick's label ends at the chart's edge instead of past it
                option["xAxis"]["axisLabel"] = json!({"alignMaxLabel": "right"});
            } else {
                option["xAxis"] = category_axis;
                option["yAxis"] = value_axis;
            }
            option["series"] = json!(series);
        }
    }
    Some(option)
}

/// How a chart shows its numbers, in the formats of the measures drawn (their
/// `value_format`s): its value axes' tick labels and each series' tooltip values. ECharts wants
/// functions for these, so they are attached to the drawn chart ([`Chart::set_formats`]), not
/// written into the option JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Formats {
    /// The value axes (`xAxis` or `yAxis`) with a format: one that every series on the axis
    /// shares (an axis of revenue and a count claims neither).
    pub axes: Vec<(&'static str, String)>,
    /// Each series' formats, in [`option`]'s series order: one per value (two, x then y, for a
    /// scatter of two measures); None where a measure has no format.
    pub series: Vec<Vec<Option<String>>>,
}

/// The formats of the chart [`option`] draws for `kind` (None where it draws none).
pub fn formats(result: &QueryResult, kind: &str) -> Option<Formats> {
    option(result, kind)?;
    let s = shape(result);
    let format = |k: usize| s.measures[k].value_format.clone();
    let columns = match crate::pivot::pivot(result) {
        Some(p) => p.columns.len(),
        None => 1,
    };
    let m = s.measures.len();
    // the one format all of `ks` share, if any
    let shared = |ks: &[usize]| -> Option<String> {
        let first = format(*ks.first()?)?;
        ks.iter()
            .all(|k| format(*k).as_ref() == Some(&first))
            .then_some(first)
    };
    let all: Vec<usize> = (0..m).collect();
    Some(match kind {
        "pie" => Formats {
            axes: Vec::new(),
            series: vec![vec![format(0)]],
        },
        "scatter" if m >= 2 => Formats {
            axes: [("xAxis", format(0)), ("yAxis", format(1))]
                .into_iter()
                .filter_map(|(a, f)| f.map(|f| (a, f)))
                .collect(),
            series: vec![vec![format(0), format(1)]; columns],
        },
        _ => Formats {
            axes: shared(&all)
                .map(|f| (if kind == "bar" { "xAxis" } else { "yAxis" }, f))
                .into_iter()
                .collect(),
            series: (0..columns)
                .flat_map(|_| (0..m).map(|k| vec![format(k)]))
                .collect(),
        },
    })
}

#[cfg(target_arch = "wasm32")]
mod binding {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// An ECharts instance.
        pub type ECharts;
        #[wasm_bindgen(js_namespace = echarts, js_name = init)]
        pub fn init(element: &web_sys::HtmlElement) -> ECharts;
        #[wasm_bindgen(method, js_name = setOption)]
        pub fn set_option(this: &ECharts, option: &JsValue, not_merge: bool);
        #[wasm_bindgen(method)]
        pub fn resize(this: &ECharts);
        #[wasm_bindgen(method)]
        pub fn dispose(this: &ECharts);
        #[wasm_bindgen(method)]
        pub fn on(this: &ECharts, event: &str, handler: &js_sys::Function);
    }
}

/// The click listener a chart keeps alive.
#[cfg(target_arch = "wasm32")]
type ClickHandler = wasm_bindgen::closure::Closure<dyn FnMut(wasm_bindgen::JsValue)>;

/// A JS function ECharts calls with a value (a tick, a tooltip value) for its text.
#[cfg(target_arch = "wasm32")]
type Formatter = wasm_bindgen::closure::Closure<dyn Fn(wasm_bindgen::JsValue) -> String>;

/// A chart drawn in an element; disposed on drop.
pub struct Chart {
    #[cfg(target_arch = "wasm32")]
    inner: binding::ECharts,
    #[cfg(target_arch = "wasm32")]
    _on_resize: Option<wasm_bindgen::closure::Closure<dyn FnMut()>>,
    #[cfg(target_arch = "wasm32")]
    on_click: std::cell::RefCell<Option<ClickHandler>>,
    /// The axis label and tooltip formatters ECharts calls, kept until the chart is disposed.
    #[cfg(target_arch = "wasm32")]
    formatters: std::cell::RefCell<Vec<Formatter>>,
}

impl std::fmt::Debug for Chart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Chart")
    }
}

impl Chart {
    /// Draw `option` in `element` (browser only).
    #[cfg(target_arch = "wasm32")]
    pub fn draw(element: &web_sys::HtmlElement, option: &Value) -> Option<Chart> {
        use wasm_bindgen::JsCast;
        let option = js_sys::JSON::parse(&option.to_string()).ok()?;
        let chart = binding::init(element);
        chart.set_option(&option, true);
        let handle: binding::ECharts = wasm_bindgen::JsValue::clone(&chart).unchecked_into();
        let on_resize = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            handle.resize();
        });
        if let Some(w) = web_sys::window() {
            let _ =
                w.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        }
        Some(Chart {
            inner: chart,
            _on_resize: Some(on_resize),
            on_click: std::cell::RefCell::new(None),
            formatters: std::cell::RefCell::new(Vec::new()),
        })
    }

    /// Draw `option` in `element` (browser only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn draw(_element: &web_sys::HtmlElement, _option: &Value) -> Option<Chart> {
        None
    }

    /// Show the value axes' ticks and each series' tooltip values in `formats` (merged into
    /// the drawn option: ECharts takes formatters only as functions).
    #[cfg(target_arch = "wasm32")]
    pub fn set_formats(&self, formats: &Formats) {
        use crate::cell_format::parse;
        use js_sys::{Array, Object, Reflect};
        use wasm_bindgen::{JsCast, JsValue};
        // `{key: value}`
        let object = |key: &str, value: &JsValue| -> JsValue {
            let o = Object::new();
            let _ = Reflect::set(&o, &key.into(), value);
            o.into()
        };
        let mut kept = self.formatters.borrow_mut();
        let option = Object::new();
        for (axis, format) in &formats.axes {
            let Some(f) = parse(Some(format)) else {
                continue;
            };
            let tick = Formatter::new(move |v: JsValue| match v.as_f64() {
                Some(x) => f.format_tick(x),
                None => String::new(),
            });
            let label = object("formatter", tick.as_ref().unchecked_ref());
            let _ = Reflect::set(&option, &(*axis).into(), &object("axisLabel", &label));
            kept.push(tick);
        }
        let series = Array::new();
        for values in &formats.series {
            let fs: Vec<_> = values.iter().map(|f| parse(f.as_deref())).collect();
            if fs.iter().all(Option::is_none) {
                series.push(&Object::new());
                continue;
            }
            // a value, or [x, y] of a scatter, each in its format
            let show = Formatter::new(move |v: JsValue| {
                let one = |v: &JsValue, k: usize| match v.as_f64() {
                    Some(x) => {
                        crate::cell_format::format_number(x, fs.get(k).and_then(Option::as_ref))
                    }
                    None => "-".into(),
                };
                match v.dyn_ref::<Array>() {
                    Some(a) => a
                        .iter()
                        .enumerate()
                        .map(|(k, v)| one(&v, k))
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => one(&v, 0),
                }
            });
            let tooltip = object("valueFormatter", show.as_ref().unchecked_ref());
            series.push(&object("tooltip", &tooltip));
            kept.push(show);
        }
        let _ = Reflect::set(&option, &"series".into(), &series);
        self.inner.set_option(&option, false);
    }

    /// Show numbers in `formats` (browser only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn set_formats(&self, _formats: &Formats) {}

    /// Call `handler` with the clicked item's category name.
    #[cfg(target_arch = "wasm32")]
    pub fn on_click(&self, handler: impl FnMut(String) + 'static) {
        use wasm_bindgen::JsCast;
        let mut handler = handler;
        let closure = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(
            move |event: wasm_bindgen::JsValue| {
                let name = js_sys::Reflect::get(&event, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                handler(name);
            },
        );
        self.inner.on("click", closure.as_ref().unchecked_ref());
        // kept until the chart is disposed
        *self.on_click.borrow_mut() = Some(closure);
    }

    /// Call `handler` with the clicked item's category name (browser only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn on_click(&self, _handler: impl FnMut(String) + 'static) {}
}

#[cfg(target_arch = "wasm32")]
impl Drop for Chart {
    fn drop(&mut self) {
        if let (Some(w), Some(cb)) = (web_sys::window(), &self._on_resize) {
            use wasm_bindgen::JsCast;
            let _ = w.remove_event_listener_with_callback("resize", cb.as_ref().unchecked_ref());
        }
        self.inner.dispose();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::FieldMeta;

    fn result(fields: &[(&str, &str, &str)], rows: Value) -> QueryResult {
        pivoted(fields, &[], rows)
    }

    /// A result whose fields named in `pivots` are pivot dimensions.
    fn pivoted(fields: &[(&str, &str, &str)], pivots: &[&str], rows: Value) -> QueryResult {
        let fields = fields
            .iter()
            .map(|(n, k, t)| FieldMeta {
                name: n.to_string(),
                kind: serde_json::from_value(json!(k)).unwrap(),
                ty: t.to_string(),
                label: Some(n.to_uppercase()),
                value_format: None,
                pivot: pivots.contains(n),
            })
            .collect();
        crate::api::test_result(fields, rows)
    }

    const MONTH: (&str, &str, &str) = ("trips.start_month", "dimension", "time");
    const STATUS: (&str, &str, &str) = ("orders.status", "dimension", "string");
    const REVENUE: (&str, &str, &str) = ("orders.revenue", "measure", "sum");

    fn month(m: u32) -> String {
        format!("2024-{m:02}-01T00:00:00Z")
    }

    /// Months `from..=to` of revenue, newest first (as an unsorted query returns them).
    fn monthly(from: u32, to: u32) -> QueryResult {
        let rows: Vec<Value> = (from..=to)
            .rev()
            .map(|m| json!({"trips.start_month": month(m), "orders.revenue": m * 10}))
            .collect();
        result(&[MONTH, REVENUE], json!(rows))
    }

    #[test]
    fn a_pivot_draws_one_series_per_pivot_value_over_the_other_dimensions() {
        // newest first, as the query returns them; February has no Booked orders
        let r = pivoted(
            &[MONTH, STATUS, REVENUE],
            &["orders.status"],
            json!([
                {"trips.start_month": month(3), "orders.status": "Booked", "orders.revenue": 5},
                {"trips.start_month": month(3), "orders.status": "Finished", "orders.revenue": 30},
                {"trips.start_month": month(2), "orders.status": "Finished", "orders.revenue": 20},
                {"trips.start_month": month(1), "orders.status": "Booked", "orders.revenue": 1},
                {"trips.start_month": month(1), "orders.status": "Finished", "orders.revenue": 10},
            ]),
        );
        assert_eq!(auto_type(&r), "line");
        for kind in ["line", "bar", "column", "area", "scatter"] {
            let o = option(&r, kind).unwrap();
            let axis = if kind == "bar" { "yAxis" } else { "xAxis" };
            assert_eq!(
                o[axis]["data"],
                json!(["2024-01", "2024-02", "2024-03"]),
                "{kind}"
            );
            let series = o["series"].as_array().unwrap();
            assert_eq!(series.len(), 2, "{kind}");
            assert_eq!(series[0]["name"], "Booked");
            assert_eq!(series[0]["data"], json!([1, null, 5]), "{kind}");
            assert_eq!(series[1]["name"], "Finished");
            assert_eq!(series[1]["data"], json!([10, 20, 30]), "{kind}");
        }
        // two measures: one series per pivot value and measure
        let two = pivoted(
            &[
                STATUS,
                ("c.group", "dimension", "string"),
                REVENUE,
                ("orders.n", "measure", "count"),
            ],
            &["orders.status"],
            json!([
                {"orders.status": "Booked", "c.group": "A", "orders.revenue": 1, "orders.n": 2},
                {"orders.status": "Finished", "c.group": "A", "orders.revenue": 3, "orders.n": 4},
            ]),
        );
        let o = option(&two, "column").unwrap();
        assert_eq!(o["xAxis"]["data"], json!(["A"]));
        let names: Vec<&Value> = o["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| &s["name"])
            .collect();
        assert_eq!(
            names,
            [
                "Booked · ORDERS.REVENUE",
                "Booked · ORDERS.N",
                "Finished · ORDERS.REVENUE",
                "Finished · ORDERS.N"
            ]
        );
        assert_eq!(o["series"][3]["data"], json!([4]));
        // a pie cannot show a pivot
        assert!(option(&r, "pie").is_none());
        assert_eq!(unfit(&r, "pie").as_deref(), Some("Pie cannot show a pivot"));
    }

    #[test]
    fn a_time_axis_runs_forward_whatever_the_rows_order() {
        let r = monthly(1, 4);
        for kind in ["line", "area", "column", "scatter"] {
            let o = option(&r, kind).unwrap();
            assert_eq!(
                o["xAxis"]["data"],
                json!(["2024-01", "2024-02", "2024-03", "2024-04"]),
                "{kind}"
            );
            assert_eq!(o["series"][0]["data"], json!([10, 20, 30, 40]), "{kind}");
        }
        // a date dimension too, with nulls last
        let dates = result(
            &[("t.day", "dimension", "date"), REVENUE],
            json!([
                {"t.day": null, "orders.revenue": 0},
                {"t.day": "2024-02-01", "orders.revenue": 2},
                {"t.day": "2024-01-01", "orders.revenue": 1},
            ]),
        );
        let o = option(&dates, "line").unwrap();
        assert_eq!(o["xAxis"]["data"], json!(["2024-01-01", "2024-02-01", "∅"]));
        assert_eq!(o["series"][0]["data"], json!([1, 2, 0]));
        // other categories keep the result's order (its sort)
        let cat = result(
            &[STATUS, REVENUE],
            json!([{"orders.status": "b", "orders.revenue": 2}, {"orders.status": "a", "orders.revenue": 1}]),
        );
        assert_eq!(
            option(&cat, "column").unwrap()["xAxis"]["data"],
            json!(["b", "a"])
        );
    }

    #[test]
    fn types_that_would_mislead_say_why_instead() {
        let many = monthly(1, 12);
        assert_eq!(
            unfit(&many, "single").as_deref(),
            Some("Single value needs one row; this result has 12")
        );
        assert!(option(&many, "single").is_none());
        let one = result(&[REVENUE], json!([{"orders.revenue": 5}]));
        assert_eq!(unfit(&one, "single"), None);
        let two_measures = result(
            &[REVENUE, ("orders.n", "measure", "count")],
            json!([{"orders.revenue": 5, "orders.n": 1}]),
        );
        assert_eq!(
            unfit(&two_measures, "single").as_deref(),
            Some("Single value needs one measure; this result has 2")
        );
        let none = result(&[STATUS], json!([{"orders.status": "a"}]));
        assert_eq!(
            unfit(&none, "line").as_deref(),
            Some("Line needs a measure; this result has none")
        );
        assert_eq!(unfit(&none, "table"), None);

        // pie: one dimension, one measure, at most 12 slices
        assert_eq!(unfit(&many, "pie"), None);
        let o = option(&many, "pie").unwrap();
        assert_eq!(
            o["series"][0]["data"][0],
            json!({"name": "2024-01", "value": 10})
        );
        let too_many = monthly(1, 13);
        assert_eq!(
            unfit(&too_many, "pie").as_deref(),
            Some("Pie needs at most 12 slices; this result has 13")
        );
        assert!(option(&too_many, "pie").is_none());
        assert_eq!(
            unfit(&two_measures, "pie").as_deref(),
            Some(
                "Pie needs one dimension and one measure; this result has 0 dimensions and 2 measures"
            )
        );

        // scatter: x is the dimension, never the row number
        let o = option(&many, "scatter").unwrap();
        assert_eq!(o["xAxis"]["type"], "category");
        assert_eq!(o["xAxis"]["data"][0], "2024-01");
        assert_eq!(o["series"][0]["data"][0], 10);
        // … or the first measure when there are two
        let o = option(&two_measures, "scatter").unwrap();
        assert_eq!(o["xAxis"]["name"], "ORDERS.REVENUE");
        assert_eq!(o["yAxis"]["name"], "ORDERS.N");
        assert_eq!(o["series"][0]["data"], json!([[5, 1]]));
        assert_eq!(
            unfit(&one, "scatter").as_deref(),
            Some("Scatter needs a dimension or a second measure for its x axis")
        );

        // the picker's list
        let kinds: Vec<&str> = unfit_types(&too_many).iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, ["pie", "single"]);
        assert!(unfit_types(&one).iter().all(|(k, _)| *k != "single"));
        // the automatic choice always fits
        for r in [&many, &too_many, &one, &two_measures, &none] {
            assert_eq!(unfit(r, auto_type(r)), None);
        }
    }

    #[test]
    fn time_labels_follow_the_grain() {
        assert_eq!(
            time_label("trips.start_month", "2024-08-01T00:00:00Z"),
            "2024-08"
        );
        assert_eq!(
            time_label("trips.start_year", "2024-01-01T00:00:00Z"),
            "2024"
        );
        assert_eq!(
            time_label("trips.start_quarter", "2024-07-01T00:00:00Z"),
            "2024-Q3"
        );
        assert_eq!(
            time_label("trips.start_date", "2024-08-05T00:00:00Z"),
            "2024-08-05"
        );
        assert_eq!(
            time_label("trips.start_hour", "2024-08-05T14:00:00Z"),
            "2024-08-05 14:00:00"
        );
        assert_eq!(time_label("trips.start_date", "2024-08-05"), "2024-08-05");
    }

    #[test]
    fn clicked_categories_become_exact_filters() {
        assert_eq!(
            filter_for_category("string", "Company").as_deref(),
            Some("Company")
        );
        assert_eq!(filter_for_category("string", "∅").as_deref(), Some("NULL"));
        assert_eq!(filter_for_category("number", "42").as_deref(), Some("42"));
        assert_eq!(filter_for_category("string", "Tallinn, EE"), None);
        assert_eq!(filter_for_category("string", "-x"), None);
        assert_eq!(filter_for_category("time", "2024-08"), None);
    }

    #[test]
    fn automatic_choice() {
        let time = result(
            &[
                ("t.month", "dimension", "time"),
                ("o.n", "measure", "count"),
            ],
            json!([{"t.month": "2024-01-01T00:00:00Z", "o.n": 1}]),
        );
        assert_eq!(auto_type(&time), "line");
        let cat = result(
            &[
                ("c.group", "dimension", "string"),
                ("o.n", "measure", "count"),
            ],
            json!([{"c.group": "A", "o.n": 1}]),
        );
        assert_eq!(auto_type(&cat), "bar");
        let single = result(&[("o.n", "measure", "count")], json!([{"o.n": 20}]));
        assert_eq!(auto_type(&single), "single");
        let two = result(
            &[
                ("a.x", "dimension", "string"),
                ("a.y", "dimension", "string"),
                ("o.n", "measure", "count"),
            ],
            json!([]),
        );
        assert_eq!(auto_type(&two), "table");
    }

    /// `r` with `formats` as its fields' value formats, by name.
    fn formatted(mut r: QueryResult, formats: &[(&str, &str)]) -> QueryResult {
        for f in &mut r.fields {
            f.value_format = formats
                .iter()
                .find(|(n, _)| *n == f.name)
                .map(|(_, v)| v.to_string());
        }
        r
    }

    #[test]
    fn axes_and_tooltips_show_the_measures_formats() {
        let eur = || Some("€#,##0.00".to_string());
        let n = ("orders.n", "measure", "count");
        let by_status = |fields: &[(&str, &str, &str)]| {
            result(
                fields,
                json!([{"orders.status": "a", "orders.revenue": 1.5, "orders.n": 2}]),
            )
        };
        let one = formatted(
            by_status(&[STATUS, REVENUE]),
            &[("orders.revenue", "€#,##0.00")],
        );
        // a bar's value axis is x, a column's y
        let f = formats(&one, "bar").unwrap();
        assert_eq!(f.axes, [("xAxis", "€#,##0.00".to_string())]);
        assert_eq!(f.series, [vec![eur()]]);
        assert_eq!(formats(&one, "column").unwrap().axes[0].0, "yAxis");
        assert_eq!(formats(&one, "pie").unwrap().series, [vec![eur()]]);
        assert!(formats(&one, "pie").unwrap().axes.is_empty());
        assert_eq!(formats(&one, "table"), None);
        // revenue and a count: each series its own format, the shared axis neither
        let two = formatted(
            by_status(&[STATUS, REVENUE, n]),
            &[("orders.revenue", "€#,##0.00"), ("orders.n", "#,##0")],
        );
        let f = formats(&two, "line").unwrap();
        assert_eq!(f.axes, []);
        assert_eq!(f.series, [vec![eur()], vec![Some("#,##0".into())]]);
        // two measures in one format share the axis
        let same = formatted(
            by_status(&[STATUS, REVENUE, n]),
            &[("orders.revenue", "€#,##0.00"), ("orders.n", "€#,##0.00")],
        );
        assert_eq!(
            formats(&same, "area").unwrap().axes,
            [("yAxis", "€#,##0.00".to_string())]
        );
        // a scatter of two measures: x in the first's format, y in the second's
        let xy = formatted(
            result(&[REVENUE, n], json!([{"orders.revenue": 5, "orders.n": 1}])),
            &[("orders.revenue", "€#,##0.00")],
        );
        let f = formats(&xy, "scatter").unwrap();
        assert_eq!(f.axes, [("xAxis", "€#,##0.00".to_string())]);
        assert_eq!(f.series, [vec![eur(), None]]);
        // pivoted: one series per pivot value and measure, in the option's order
        let p = formatted(
            pivoted(
                &[MONTH, STATUS, REVENUE, n],
                &["orders.status"],
                json!([
                    {"trips.start_month": month(1), "orders.status": "A", "orders.revenue": 1, "orders.n": 1},
                    {"trips.start_month": month(1), "orders.status": "B", "orders.revenue": 2, "orders.n": 2},
                ]),
            ),
            &[("orders.revenue", "€#,##0.00"), ("orders.n", "#,##0")],
        );
        let o = option(&p, "column").unwrap();
        let f = formats(&p, "column").unwrap();
        assert_eq!(f.series.len(), o["series"].as_array().unwrap().len());
        assert_eq!(o["series"][1]["name"], "A · ORDERS.N");
        assert_eq!(f.series[1], [Some("#,##0".to_string())]);
        assert_eq!(f.series[2], [eur()]);
    }

    #[test]
    fn bar_option_has_categories_and_one_series_per_measure() {
        let r = result(
            &[
                ("c.group", "dimension", "string"),
                ("o.rev", "measure", "sum"),
                ("o.n", "measure", "count"),
            ],
            json!([{"c.group": "A", "o.rev": 10.5, "o.n": 2}, {"c.group": null, "o.rev": 3, "o.n": 1}]),
        );
        let o = option(&r, "bar").unwrap();
        assert_eq!(o["yAxis"]["data"], json!(["A", "∅"]));
        assert_eq!(o["series"][0]["data"], json!([10.5, 3]));
        assert_eq!(o["series"][1]["name"], "O.N");
        let column = option(&r, "column").unwrap();
        assert_eq!(column["xAxis"]["data"], json!(["A", "∅"]));
        // two measures: a pie would show only the first
        assert!(option(&r, "pie").is_none());
        assert!(option(&r, "table").is_none());
        assert!(option(&r, "area").unwrap()["series"][0]["areaStyle"].is_object());
    }
}
