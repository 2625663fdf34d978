//! A result drawn as an ECharts chart (or as a single value), with clicks on a bar, point or
//! slice reported as the clicked category; and the chart-type picker that goes with it. A type
//! that would mislead about the result ([`chart::unfit`]) is not drawn: its reason is shown
//! instead, and the picker offers it disabled, with the reason as its title.

use leptos::prelude::*;

use crate::api::QueryResult;
use crate::cell_format::format_cell;
use crate::chart::{self, CHART_TYPES, Chart};

/// A chart of a result; `kind` None picks automatically. `on_click` gets the category (the
/// first dimension's value, as shown) of a clicked bar, point or slice.
#[component]
pub fn ChartView(
    result: QueryResult,
    kind: Signal<Option<String>>,
    #[prop(optional)] on_click: Option<Callback<String>>,
) -> impl IntoView {
    let holder = NodeRef::<leptos::html::Div>::new();
    let r = StoredValue::new(result);
    let chart = StoredValue::new_local(None::<Chart>);
    let chosen = move || {
        kind.get()
            .unwrap_or_else(|| r.with_value(|r| chart::auto_type(r).to_string()))
    };
    let unfit = move || r.with_value(|r| chart::unfit(r, &chosen()));
    // which drawing is the latest: one that finds ECharts loaded after another began is dropped
    let drawing = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let k = chosen();
        chart.set_value(None);
        let turn = drawing.get_value() + 1;
        drawing.set_value(turn);
        if let (Some(el), Some(option)) = (holder.get(), r.with_value(|r| chart::option(r, &k))) {
            let formats = r.with_value(|r| chart::formats(r, &k));
            leptos::task::spawn_local(async move {
                if !echarts_loaded().await || drawing.try_get_value() != Some(turn) {
                    return;
                }
                let drawn = Chart::draw(&el, &option);
                // axis labels and tooltips in the measures' value formats
                if let (Some(c), Some(f)) = (&drawn, &formats) {
                    c.set_formats(f);
                }
                if let (Some(c), Some(cb)) = (&drawn, on_click) {
                    c.on_click(move |name| cb.run(name));
                }
                // gone from the page meanwhile: the chart is dropped, which disposes it
                let _ = chart.try_set_value(drawn);
            });
        }
    });
    view! {
        <div class="chart-area" data-chart=chosen data-unfit=move || unfit().is_some().then_some("true")>
            {move || {
                let k = chosen();
                if let Some(why) = unfit() {
                    return view! { <p class="chart-unfit" role="status">{why}</p> }.into_any();
                }
                r.with_value(|r| match k.as_str() {
                    "single" => {
                        let m = r.fields.iter().find(|f| f.is_measure()).cloned();
                        let v = m.as_ref().and_then(|m| r.rows().first().map(|row| format_cell(row.get(&m.name), m.value_format.as_deref())));
                        view! { <div class="single-value"><span class="value">{v.unwrap_or_default()}</span><span class="label">{m.and_then(|m| m.label)}</span></div> }.into_any()
                    }
                    "table" => view! { <p class="hint">"Table chosen: see Results."</p> }.into_any(),
                    _ => ().into_any(),
                })
            }}
            <div class="chart" node_ref=holder></div>
        </div>
    }
}

/// Where ECharts is served (see `scripts/build-frontend.sh`).
#[cfg(target_arch = "wasm32")]
const ECHARTS_SRC: &str = "/pkg/echarts.min.js";

/// Whether ECharts is there to draw with, loading it on the first call: a page downloads it only
/// when it draws a chart. The script is added to the page once; every chart waits for the same
/// load, and a failed load is tried again by the next chart.
#[cfg(target_arch = "wasm32")]
async fn echarts_loaded() -> bool {
    use std::cell::RefCell;
    use wasm_bindgen::JsValue;
    thread_local! {
        static LOADING: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
    }
    let global = js_sys::global();
    if js_sys::Reflect::has(&global, &JsValue::from_str("echarts")).unwrap_or(false) {
        return true;
    }
    let load = LOADING.with_borrow_mut(|loading| {
        loading
            .get_or_insert_with(|| {
                js_sys::Promise::new(&mut |resolve, reject| {
                    let added = document().create_element("script").and_then(|script| {
                        script.set_attribute("src", ECHARTS_SRC)?;
                        js_sys::Reflect::set(&script, &"onload".into(), &resolve)?;
                        js_sys::Reflect::set(&script, &"onerror".into(), &reject)?;
                        let head = document().query_selector("head")?;
                        head.ok_or_else(|| JsValue::from_str("no <head>"))?
                            .append_child(&script)
                    });
                    if let Err(e) = added {
                        let _ = reject.call1(&JsValue::NULL, &e);
                    }
                })
            })
            .clone()
    });
    let loaded = wasm_bindgen_futures::JsFuture::from(load).await.is_ok();
    if !loaded {
        leptos::logging::warn!(
            "could not load ECharts from \"{ECHARTS_SRC}\"; the chart is not drawn"
        );
        LOADING.with_borrow_mut(|loading| *loading = None);
    }
    loaded
}

/// Charts are drawn only in the browser.
#[cfg(not(target_arch = "wasm32"))]
async fn echarts_loaded() -> bool {
    false
}

/// The chart-type `<select>`: "Automatic" (value `auto`) and every type in [`CHART_TYPES`];
/// the types in `unfit` (see [`chart::unfit_types`]) are disabled, their reason as title.
#[component]
pub fn ChartTypeSelect(
    /// The chosen chart type's id; None is the automatic choice.
    #[prop(into)]
    chosen: Signal<Option<String>>,
    /// Called with the value picked (`auto` or a type's id).
    on_change: Callback<String>,
    /// The types that do not fit the current result, with why; none when left out.
    #[prop(optional, into)]
    unfit: Option<Signal<Vec<(&'static str, String)>>>,
) -> impl IntoView {
    let why = move |id: &str| {
        unfit.and_then(|u| u.with(|u| u.iter().find(|(k, _)| *k == id).map(|(_, w)| w.clone())))
    };
    view! {
        <select aria-label="chart type" on:change=move |ev| on_change.run(event_target_value(&ev))>
            <option value="auto" selected=move || chosen.with(Option::is_none)>"Automatic"</option>
            {CHART_TYPES.iter().map(|(id, label)| view! {
                <option value=*id selected=move || chosen.with(|c| c.as_deref() == Some(*id))
                    disabled=move || why(id).is_some() title=move || why(id)>{*label}</option>
            }).collect_view()}
        </select>
    }
}
