//! The explore page: field picker, shelves (drag, click or keyboard), filters, run, results
//! as table / chart / SQL. The URL holds the state: Run pushes it, reload / back / forward
//! read it back and run the same query.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde_json::Value;

use crate::api::{self, ApiError, ExploreDescription, FieldInfo, QueryResult};
use crate::browser::current_search;
use crate::chart;
use crate::dashboard::SaveToDashboard;
use crate::state::ExploreState;
use crate::widgets::{ChartTypeSelect, ChartView, ErrorBox, TableView};

/// Which shelf a field sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shelf {
    Dimensions,
    Measures,
    Pivots,
    Filters,
}

impl Shelf {
    fn id(self) -> &'static str {
        match self {
            Shelf::Dimensions => "dimensions",
            Shelf::Measures => "measures",
            Shelf::Pivots => "pivots",
            Shelf::Filters => "filters",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Shelf::Dimensions => "Dimensions",
            Shelf::Measures => "Measures",
            Shelf::Pivots => "Pivots",
            Shelf::Filters => "Filters",
        }
    }
}

/// Put `field` on `shelf` (at the end) if it fits there and is not already on it.
fn add_to(state: &mut ExploreState, shelf: Shelf, field: &FieldInfo) {
    let name = field.name.clone();
    match shelf {
        Shelf::Filters => {
            if !state.filters.iter().any(|(f, _)| *f == name) {
                state.filters.push((name, String::new()));
            }
        }
        Shelf::Measures if !field.is_dimension() => {
            if !state.measures.contains(&name) {
                state.measures.push(name);
            }
        }
        Shelf::Dimensions | Shelf::Pivots if field.is_dimension() => {
            state.dimensions.retain(|f| *f != name);
            state.pivots.retain(|f| *f != name);
            if shelf == Shelf::Dimensions {
                state.dimensions.push(name);
            } else {
                state.pivots.push(name);
            }
        }
        // dropped on the wrong shelf: put it where it belongs
        _ => add_to(
            state,
            if field.is_dimension() {
                Shelf::Dimensions
            } else {
                Shelf::Measures
            },
            field,
        ),
    }
}

fn shelf_items(state: &ExploreState, shelf: Shelf) -> Vec<String> {
    match shelf {
        Shelf::Dimensions => state.dimensions.clone(),
        Shelf::Measures => state.measures.clone(),
        Shelf::Pivots => state.pivots.clone(),
        Shelf::Filters => state.filters.iter().map(|(f, _)| f.clone()).collect(),
    }
}

fn shelf_list(state: &mut ExploreState, shelf: Shelf) -> Option<&mut Vec<String>> {
    match shelf {
        Shelf::Dimensions => Some(&mut state.dimensions),
        Shelf::Measures => Some(&mut state.measures),
        Shelf::Pivots => Some(&mut state.pivots),
        Shelf::Filters => None,
    }
}

fn remove_from(state: &mut ExploreState, shelf: Shelf, name: &str) {
    match shelf_list(state, shelf) {
        Some(list) => list.retain(|f| f != name),
        None => state.filters.retain(|(f, _)| f != name),
    }
}

fn move_in(state: &mut ExploreState, shelf: Shelf, name: &str, by: isize) {
    fn shift<T>(list: &mut [T], i: usize, by: isize) {
        let j = i as isize + by;
        if j >= 0 && (j as usize) < list.len() {
            list.swap(i, j as usize);
        }
    }
    match shelf_list(state, shelf) {
        Some(list) => {
            if let Some(i) = list.iter().position(|f| f == name) {
                shift(list, i, by);
            }
        }
        None => {
            if let Some(i) = state.filters.iter().position(|(f, _)| f == name) {
                shift(&mut state.filters, i, by);
            }
        }
    }
}

/// The explore page at `/explore/:explore`.
#[component]
pub fn ExplorePage() -> impl IntoView {
    let params = use_params_map();
    let explore = move || params.read().get("explore").unwrap_or_default();
    let description = LocalResource::new(move || {
        let name = explore();
        async move { api::get::<ExploreDescription>(&format!("/api/v1/explores/{name}")).await }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the explore…"</p> }>
            {move || {
                description
                    .get()
                    .map(|d| match d {
                        Ok(d) => view! { <Explore description=d/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Explore(description: ExploreDescription) -> impl IntoView {
    let fields = StoredValue::new(description.fields.clone());
    let name = description.name.clone();
    let explore_name = StoredValue::new(name.clone());
    let state = RwSignal::new(ExploreState::from_query_string(&current_search()));
    let result = RwSignal::new(None::<Result<QueryResult, ApiError>>);
    let running = RwSignal::new(false);
    let auto_run = RwSignal::new(false);
    let tab = RwSignal::new("results");
    let search = RwSignal::new(String::new());
    let abort = StoredValue::new_local(None::<web_sys::AbortController>);

    let field = move |n: &str| fields.with_value(|fs| fs.iter().find(|f| f.name == n).cloned());
    let label_of = move |n: &str| field(n).map(|f| f.label).unwrap_or_else(|| n.to_string());

    // Run the state's query (without touching the URL).
    let execute = move || {
        let s = state.get_untracked();
        if s.is_empty() {
            result.set(None);
            return;
        }
        if let Some(c) = abort.get_value() {
            c.abort();
        }
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        abort.set_value(controller);
        running.set(true);
        let body = s.to_query(&explore_name.get_value());
        leptos::task::spawn_local(async move {
            let answer = api::post::<QueryResult>("/api/v1/query", &body, signal.as_ref()).await;
            if !matches!(&answer, Err(e) if e.message == "cancelled") {
                result.set(Some(answer));
            }
            running.set(false);
        });
    };
    // Run: put the state in the URL (a new history entry), then execute.
    let run = move || {
        let qs = state.get_untracked().to_query_string();
        if let Some(w) = web_sys::window() {
            let url = format!(
                "/explore/{}{}{}",
                explore_name.get_value(),
                if qs.is_empty() { "" } else { "?" },
                qs
            );
            if let Ok(h) = w.history()
                && current_search().trim_start_matches('?') != qs
            {
                let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        execute();
    };
    let cancel = move || {
        if let Some(c) = abort.get_value() {
            c.abort();
        }
        running.set(false);
    };
    // Edits re-run when auto-run is on.
    let edit = move |f: &dyn Fn(&mut ExploreState)| {
        state.update(|s| f(s));
        if auto_run.get_untracked() {
            run();
        }
    };
    // Back / forward: read the URL again and run it.
    let _popstate = window_event_listener(leptos::ev::popstate, move |_| {
        state.set(ExploreState::from_query_string(&current_search()));
        execute();
    });
    // Opened from a link: run what it holds.
    Effect::new(move |first: Option<()>| {
        if first.is_none() && !state.get_untracked().is_empty() {
            execute();
        }
    });

    // "Revenue and Orders by Group type"
    let suggested_title = move || {
        state.with(|s| {
            let labels = |l: &[String]| {
                l.iter()
                    .map(|n| label_of(n))
                    .collect::<Vec<_>>()
                    .join(" and ")
            };
            let (m, d) = (labels(&s.measures), labels(&s.dimensions));
            match (m.is_empty(), d.is_empty()) {
                (false, false) => format!("{m} by {d}"),
                (false, true) => m,
                _ => d,
            }
        })
    };
    let on_drop = move |shelf: Shelf, ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let Some(data) = ev
            .data_transfer()
            .and_then(|d| d.get_data("text/plain").ok())
        else {
            return;
        };
        if let Some(f) = field(&data) {
            edit(&|s| add_to(s, shelf, &f));
        }
    };

    let picker = move || {
        let q = search.get().to_lowercase();
        let mut groups: Vec<(String, Vec<FieldInfo>)> = Vec::new();
        fields.with_value(|fs| {
            for f in fs.iter().filter(|f| !f.hidden) {
                let hay = format!("{} {}", f.label, f.name).to_lowercase();
                if !q.is_empty() && !hay.contains(&q) {
                    continue;
                }
                match groups.iter_mut().find(|(v, _)| *v == f.view) {
                    Some((_, list)) => list.push(f.clone()),
                    None => groups.push((f.view.clone(), vec![f.clone()])),
                }
            }
        });
        groups
            .into_iter()
            .map(|(view_name, list)| {
                view! {
                    <section class="view-group">
                        <h3>{view_name}</h3>
                        <ul>
                            {list.into_iter().map(|f| {
                                let kind = f.kind.clone();
                                let name = f.name.clone();
                                let drag_name = name.clone();
                                let add = f.clone();
                                let filt = f.clone();
                                let title = f.description.clone().unwrap_or_else(|| format!("{} ({})", f.name, f.ty));
                                view! {
                                    <li class=format!("field {kind}") draggable="true" title=title data-field=name.clone()
                                        on:dragstart=move |ev: leptos::ev::DragEvent| {
                                            if let Some(dt) = ev.data_transfer() {
                                                let _ = dt.set_data("text/plain", &drag_name);
                                            }
                                        }>
                                        <button class="add" aria-label=format!("add {}", f.label)
                                            on:click=move |_| { let f = add.clone(); edit(&|s| add_to(s, if f.is_dimension() { Shelf::Dimensions } else { Shelf::Measures }, &f)); }>
                                            <span class="kind-dot"></span>{f.label.clone()}
                                        </button>
                                        <button class="filter-add" aria-label=format!("filter on {}", f.label)
                                            on:click=move |_| { let f = filt.clone(); edit(&|s| add_to(s, Shelf::Filters, &f)); }>
                                            "▽"
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }
            })
            .collect_view()
    };

    let shelf_view = move |shelf: Shelf| {
        // Re-render a shelf only when its fields change, not when a filter's value does (that
        // would reset the editor being typed in).
        let items = Memo::new(move |_| state.with(|s| shelf_items(s, shelf)));
        view! {
            <div class=format!("shelf {}", shelf.id()) data-shelf=shelf.id()
                on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=move |ev| on_drop(shelf, ev)>
                <h3>{shelf.title()}</h3>
                <ul>
                    {move || {
                        let items = items.get();
                        if items.is_empty() {
                            return view! { <li class="empty">"Drop fields here"</li> }.into_any();
                        }
                        items.into_iter().map(|n| {
                            let label = label_of(&n);
                            let (n1, n2, n3, n4) = (n.clone(), n.clone(), n.clone(), n.clone());
                            let filter_editor = (shelf == Shelf::Filters).then(|| {
                                let info = field(&n);
                                view! { <FilterEditor field=n4.clone() info=info state=state on_change=Callback::new(move |()| if auto_run.get_untracked() { run() })/> }
                            });
                            view! {
                                <li class="chip" data-field=n.clone()>
                                    <span class="chip-label">{label.clone()}</span>
                                    <button aria-label=format!("move {label} earlier") on:click=move |_| { let n = n1.clone(); edit(&|s| move_in(s, shelf, &n, -1)) }>"◀"</button>
                                    <button aria-label=format!("move {label} later") on:click=move |_| { let n = n2.clone(); edit(&|s| move_in(s, shelf, &n, 1)) }>"▶"</button>
                                    <button aria-label=format!("remove {label}") on:click=move |_| { let n = n3.clone(); edit(&|s| remove_from(s, shelf, &n)) }>"✕"</button>
                                    {filter_editor}
                                </li>
                            }
                        }).collect_view().into_any()
                    }}
                </ul>
            </div>
        }
    };

    view! {
        <div class="explore">
            <aside class="picker" aria-label="fields">
                <h2>{description.label.clone()}</h2>
                <input type="search" placeholder="Search fields" aria-label="search fields"
                    prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                {picker}
            </aside>
            <section class="workspace">
                <div class="shelves">
                    {shelf_view(Shelf::Dimensions)}
                    {shelf_view(Shelf::Measures)}
                    {shelf_view(Shelf::Pivots)}
                    {shelf_view(Shelf::Filters)}
                </div>
                <div class="toolbar">
                    <button class="run primary" on:click=move |_| run() disabled=move || state.with(|s| s.is_empty())>"Run"</button>
                    <button class="cancel" on:click=move |_| cancel() disabled=move || !running.get()>"Cancel"</button>
                    <label><input type="checkbox" prop:checked=move || auto_run.get() on:change=move |ev| auto_run.set(event_target_checked(&ev))/>" Auto-run"</label>
                    <label>"Row limit "<input type="number" min="1" class="limit" prop:value=move || state.with(|s| s.limit.to_string())
                        on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(crate::state::DEFAULT_LIMIT); edit(&|s| s.limit = v.max(1)) }/></label>
                    <label><input type="checkbox" prop:checked=move || state.with(|s| s.totals) on:change=move |ev| { let on = event_target_checked(&ev); edit(&|s| s.totals = on) }/>" Totals"</label>
                    <label>"Chart "<ChartTypeSelect chosen=Signal::derive(move || state.with(|s| s.viz.clone()))
                        on_change=Callback::new(move |v: String| state.update(|s| s.viz = (v != "auto").then_some(v)))/></label>
                    <SaveToDashboard explore=explore_name.get_value() state=state suggested_title=Signal::derive(suggested_title)/>
                    <span class="status" aria-live="polite">{move || if running.get() { "Running…" } else { "" }}</span>
                </div>
                <div class="tabs" role="tablist">
                    {["results", "chart", "sql"].into_iter().map(|t| view! {
                        <button role="tab" aria-selected=move || (tab.get() == t).to_string() class:active=move || tab.get() == t on:click=move |_| tab.set(t)>
                            {match t { "results" => "Results", "chart" => "Chart", _ => "SQL" }}
                        </button>
                    }).collect_view()}
                </div>
                {move || match result.get() {
                    None => view! { <p class="hint">"Add dimensions and measures, then Run."</p> }.into_any(),
                    Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                    Some(Ok(r)) => view! { <Results result=r tab=tab state=state on_sort=Callback::new(move |f: String| edit(&|s| s.toggle_sort(&f))) on_resort=Callback::new(move |()| run())/> }.into_any(),
                }}
            </section>
        </div>
    }
}

/// A filter's editor: an operator for the field's type and a value, or a raw expression.
#[component]
fn FilterEditor(
    field: String,
    info: Option<FieldInfo>,
    state: RwSignal<ExploreState>,
    on_change: Callback<()>,
) -> impl IntoView {
    let ty = info
        .as_ref()
        .map(|f| f.ty.clone())
        .unwrap_or_else(|| "string".into());
    let ops: &'static [(&'static str, &'static str)] = match ty.as_str() {
        "number" | "sum" | "count" | "count_distinct" | "average" | "min" | "max" | "median"
        | "percentile" => &[
            ("eq", "is"),
            ("gt", ">"),
            ("gte", "≥"),
            ("lt", "<"),
            ("lte", "≤"),
            ("between", "between"),
            ("null", "is null"),
            ("notnull", "is not null"),
            ("raw", "expression"),
        ],
        "time" | "date" => &[
            ("last_days", "in the last N days"),
            ("last_weeks", "in the last N weeks"),
            ("last_months", "in the last N months"),
            ("this_month", "this month"),
            ("range", "between dates"),
            ("null", "is null"),
            ("notnull", "is not null"),
            ("raw", "expression"),
        ],
        _ => &[
            ("eq", "is"),
            ("ne", "is not"),
            ("contains", "contains"),
            ("starts", "starts with"),
            ("null", "is null"),
            ("notnull", "is not null"),
            ("raw", "expression"),
        ],
    };
    let op = RwSignal::new(ops[0].0);
    let initial = state.with_untracked(|s| {
        s.filters
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    });
    if !initial.is_empty() {
        op.set("raw");
    }
    let a = RwSignal::new(initial);
    let b = RwSignal::new(String::new());
    let key = field.clone();
    let apply = Callback::new(move |()| {
        let (a, b) = (a.get_untracked(), b.get_untracked());
        let expression = match op.get_untracked() {
            "eq" => a.clone(),
            "ne" => format!("-{a}"),
            "contains" => format!("%{a}%"),
            "starts" => format!("{a}%"),
            "gt" => format!(">{a}"),
            "gte" => format!(">={a}"),
            "lt" => format!("<{a}"),
            "lte" => format!("<={a}"),
            "between" => format!("[{a},{b}]"),
            "last_days" => format!("last {a} days"),
            "last_weeks" => format!("last {a} weeks"),
            "last_months" => format!("last {a} months"),
            "this_month" => "this month".into(),
            "range" => format!("{a} to {b}"),
            "null" => "NULL".into(),
            "notnull" => "-NULL".into(),
            _ => a.clone(),
        };
        let key = key.clone();
        state.update(|s| {
            if let Some(entry) = s.filters.iter_mut().find(|(f, _)| *f == key) {
                entry.1 = expression.clone();
            }
        });
        on_change.run(());
    });
    let current = {
        let key = field.clone();
        move || {
            state.with(|s| {
                s.filters
                    .iter()
                    .find(|(f, _)| *f == key)
                    .map(|(_, e)| e.clone())
                    .unwrap_or_default()
            })
        }
    };
    // Suggestions for strings, from the field-values endpoint.
    let suggestions = RwSignal::new(Vec::<String>::new());
    let explore = leptos_router::hooks::use_params_map();
    let list_id = format!("values-{}", field.replace('.', "-"));
    let suggest_field = field.clone();
    let suggest = move |q: String| {
        let Some(explore) = explore.get_untracked().get("explore") else {
            return;
        };
        let url = format!(
            "/api/v1/explores/{explore}/fields/{suggest_field}/values?limit=50&q={}",
            crate::state::encode(&q)
        );
        leptos::task::spawn_local(async move {
            if let Ok(v) = api::get::<Value>(&url).await {
                let values = v["values"]
                    .as_array()
                    .map(|a| a.iter().map(|v| chart::category(Some(v))).collect())
                    .unwrap_or_default();
                suggestions.set(values);
            }
        });
    };
    let suggest_on_focus = suggest.clone();
    let is_string = ty == "string";
    view! {
        <span class="filter-editor">
            <select aria-label=format!("operator for {field}") on:change=move |ev| { let v = event_target_value(&ev); if let Some((id, _)) = ops.iter().find(|(id, _)| *id == v) { op.set(id); } apply.run(()); }>
                {ops.iter().map(|(id, label)| view! { <option value=*id selected=move || op.get() == *id>{*label}</option> }).collect_view()}
            </select>
            <input class="filter-value" aria-label=format!("value for {field}") list=list_id.clone()
                prop:value=move || a.get()
                placeholder=move || match op.get() { "range" => "2024-01-01", "raw" => "Looker expression", _ => "value" }
                on:focus=move |_| if is_string { suggest_on_focus(a.get_untracked()) }
                on:input=move |ev| { let v = event_target_value(&ev); a.set(v.clone()); if is_string { suggest(v) } }
                on:change=move |_| apply.run(())
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { apply.run(()) }/>
            <Show when=move || matches!(op.get(), "between" | "range")>
                <input class="filter-value2" aria-label=format!("second value for {field}")
                    on:input=move |ev| b.set(event_target_value(&ev)) on:change=move |_| apply.run(())/>
            </Show>
            <datalist id=list_id>
                {move || suggestions.get().into_iter().map(|v| view! { <option value=v/> }).collect_view()}
            </datalist>
            <code class="expression" title="the filter expression sent">{current}</code>
        </span>
    }
}

#[component]
fn Results(
    result: QueryResult,
    tab: RwSignal<&'static str>,
    state: RwSignal<ExploreState>,
    on_sort: Callback<String>,
    on_resort: Callback<()>,
) -> impl IntoView {
    // Clicking a bar, point or slice filters on its category (drill into it), then runs.
    let first_dimension = result
        .fields
        .iter()
        .find(|f| f.kind == "dimension" && !f.pivot)
        .map(|f| (f.name.clone(), f.ty.clone()));
    let on_category = Callback::new(move |category: String| {
        let Some((field, ty)) = first_dimension.clone() else {
            return;
        };
        let Some(expression) = chart::filter_for_category(&ty, &category) else {
            return;
        };
        state.update(|s| {
            s.filters.retain(|(f, _)| *f != field);
            s.filters.push((field, expression));
        });
        on_resort.run(());
    });
    let r = StoredValue::new(result);
    let sorts = Signal::derive(move || state.with(|s| s.sorts.clone()));
    let sort = Callback::new(move |name: String| {
        on_sort.run(name);
        on_resort.run(());
    });
    view! {
        <div class="results">
            <p class="meta">
                {move || r.with_value(|r| format!("{} rows{} · cache {}", r.row_count, if r.truncated { " (truncated)" } else { "" }, r.cache))}
            </p>
            <Show when=move || tab.get() == "results">
                <TableView result=r.get_value() on_sort=sort sorts=sorts/>
            </Show>
            <Show when=move || tab.get() == "chart">
                <ChartView result=r.get_value() kind=Signal::derive(move || state.with(|s| s.viz.clone())) on_click=on_category/>
            </Show>
            <Show when=move || tab.get() == "sql">
                <pre class="sql"><code>{r.with_value(|r| r.sql.clone())}</code></pre>
            </Show>
        </div>
    }
}
