//! Charts: which type suits a result, the ECharts option for it (pure, tested on the host),
//! and the thin wasm-bindgen layer over ECharts (init, setOption, resize, dispose, click).
//! ECharts itself is served by Boltic from `/pkg/echarts.min.js`, never from a CDN.

use serde_json::{Value, json};

use crate::api::QueryResult;

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

/// The automatic choice: a time dimension → line; one category → bar; a lone measure →
/// single value; otherwise a table.
pub fn auto_type(result: &QueryResult) -> &'static str {
    let dims: Vec<_> = result.fields.iter().filter(|f| f.is_dimension()).collect();
    let measures = result.fields.len() - dims.len();
    match (dims.as_slice(), measures) {
        ([], 1) if result.rows().len() == 1 => "single",
        ([d], m) if m >= 1 && matches!(d.ty.as_str(), "time" | "date") => "line",
        ([_], m) if m >= 1 => "bar",
        _ => "table",
    }
}

fn label(result: &QueryResult, name: &str) -> String {
    result
        .fields
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.label.clone())
        .unwrap_or_else(|| name.to_string())
}

/// A cell as a category label.
pub fn category(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "∅".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
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

/// The ECharts option for `kind` (None for `table` and `single`, which are HTML).
pub fn option(result: &QueryResult, kind: &str) -> Option<Value> {
    let dims: Vec<(&str, bool)> = result
        .fields
        .iter()
        .filter(|f| f.is_dimension())
        .map(|f| (f.name.as_str(), matches!(f.ty.as_str(), "time" | "date")))
        .collect();
    let measures: Vec<&str> = result
        .fields
        .iter()
        .filter(|f| f.is_measure())
        .map(|f| f.name.as_str())
        .collect();
    if measures.is_empty() || matches!(kind, "table" | "single") {
        return None;
    }
    let categories: Vec<String> = result
        .rows()
        .iter()
        .map(|r| {
            dims.iter()
                .map(|(d, time)| match r.get(*d) {
                    Some(Value::String(t)) if *time => time_label(d, t),
                    v => category(v),
                })
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .collect();
    let values = |m: &str| -> Vec<Value> {
        result
            .rows()
            .iter()
            .map(|r| r.get(m).cloned().unwrap_or(Value::Null))
            .collect()
    };
    let base = json!({
        "animation": false,
        "tooltip": {"trigger": if kind == "pie" || kind == "scatter" { "item" } else { "axis" }},
        "legend": {"top": 0},
        "grid": {"left": 16, "right": 24, "top": 36, "bottom": 16, "containLabel": true},
    });
    let mut option = base;
    match kind {
        "pie" => {
            let m = measures[0];
            let data: Vec<Value> = categories
                .iter()
                .zip(values(m))
                .map(|(c, v)| json!({"name": c, "value": v}))
                .collect();
            option["series"] = json!([{"type": "pie", "name": label(result, m), "radius": ["30%", "65%"], "data": data}]);
        }
        "scatter" => {
            let (x, y) = match measures.as_slice() {
                [x, y, ..] => (*x, *y),
                [y] => ("", *y),
                [] => return None,
            };
            let xs = if x.is_empty() {
                (0..result.rows().len()).map(|i| json!(i)).collect()
            } else {
                values(x)
            };
            let data: Vec<Value> = xs
                .into_iter()
                .zip(values(y))
                .map(|(a, b)| json!([a, b]))
                .collect();
            option["xAxis"] = json!({"type": "value", "name": if x.is_empty() { String::new() } else { label(result, x) }});
            option["yAxis"] = json!({"type": "value", "name": label(result, y)});
            option["series"] = json!([{"type": "scatter", "name": label(result, y), "data": data}]);
        }
        _ => {
            let (series_type, horizontal, area) = match kind {
                "bar" => ("bar", true, false),
                "column" => ("bar", false, false),
                "area" => ("line", false, true),
                _ => ("line", false, false),
            };
            let series: Vec<Value> = measures
                .iter()
                .map(|m| {
                    let mut s =
                        json!({"type": series_type, "name": label(result, m), "data": values(m)});
                    if area {
                        s["areaStyle"] = json!({});
                    }
                    s
                })
                .collect();
            let category_axis = json!({"type": "category", "data": categories});
            let value_axis = json!({"type": "value"});
            if horizontal {
                option["yAxis"] = category_axis;
                option["yAxis"]["inverse"] = json!(true);
                option["xAxis"] = value_axis;
            } else {
                option["xAxis"] = category_axis;
                option["yAxis"] = value_axis;
            }
            option["series"] = json!(series);
        }
    }
    Some(option)
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

/// A chart drawn in an element; disposed on drop.
pub struct Chart {
    #[cfg(target_arch = "wasm32")]
    inner: binding::ECharts,
    #[cfg(target_arch = "wasm32")]
    _on_resize: Option<wasm_bindgen::closure::Closure<dyn FnMut()>>,
    #[cfg(target_arch = "wasm32")]
    on_click: std::cell::RefCell<Option<ClickHandler>>,
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
        })
    }

    /// Draw `option` in `element` (browser only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn draw(_element: &web_sys::HtmlElement, _option: &Value) -> Option<Chart> {
        None
    }

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
        let fields = fields
            .iter()
            .map(|(n, k, t)| FieldMeta {
                name: n.to_string(),
                kind: serde_json::from_value(json!(k)).unwrap(),
                ty: t.to_string(),
                label: Some(n.to_uppercase()),
                value_format: None,
                pivot: false,
            })
            .collect();
        crate::api::test_result(fields, rows)
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
        let pie = option(&r, "pie").unwrap();
        assert_eq!(
            pie["series"][0]["data"][0],
            json!({"name": "A", "value": 10.5})
        );
        assert!(option(&r, "table").is_none());
        assert!(option(&r, "area").unwrap()["series"][0]["areaStyle"].is_object());
    }
}
