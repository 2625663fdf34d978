//! Dashboards: the list, a dashboard page (tiles on a 12-column grid, dashboard filters that
//! reach every tile whose explore has the field, refresh, layout editing by pointer or
//! keyboard, share links) and the read-only page a share link opens.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde_json::{Value, json};

use crate::api::{
    self, ApiError, DashboardFilter, DashboardInfo, DashboardSummary, ExploreDescription, Layout,
    QueryResult, ShareInfo, Tile,
};
use crate::chart::{CHART_TYPES, auto_type, filter_for_category};
use crate::explore::current_search;
use crate::explore::{ChartView, ErrorBox};
use crate::grid;
use crate::state::{ExploreState, filters_query_string};
use crate::table::TableView;

/// Height of a grid row and the gap between cells, in CSS pixels (as in boltic.css).
const ROW_PX: f64 = 72.0;
const GAP_PX: f64 = 12.0;

/// `/dashboards`: every dashboard, and a form to make one.
#[component]
pub fn DashboardList() -> impl IntoView {
    let list = LocalResource::new(|| api::get::<Vec<DashboardSummary>>("/api/v1/dashboards"));
    let title = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let create = move || {
        let t = title.get_untracked();
        if t.trim().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::post::<DashboardInfo>("/api/v1/dashboards", &json!({"title": t}), None).await
            {
                Ok(d) => navigate(&format!("/dashboards/{}", d.name)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h1>"Dashboards"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || list.get().map(|l| match l {
                Ok(list) => view! {
                    <ul class="dashboards">
                        {list.into_iter().map(|d| view! {
                            <li>
                                <a href=format!("/dashboards/{}", d.name)>{d.title}</a>
                                <span class="badge" title=if d.source == "project" { "defined in the project's YAML (read-only here)" } else { "made in the app" }>
                                    {if d.source == "project" { "project" } else { "app" }}
                                </span>
                                <span class="muted">{format!(" {} tiles", d.tiles)}</span>
                                {d.description.map(|t| view! { <p class="muted">{t}</p> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
        <form class="new-dashboard" on:submit=move |ev| { ev.prevent_default(); create(); }>
            <label>"New dashboard "
                <input aria-label="new dashboard title" placeholder="Title" prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))/>
            </label>
            <button class="primary" type="submit">"Create"</button>
        </form>
        {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
    }
}

fn navigate(path: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
}

/// `/dashboards/:name`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let params = use_params_map();
    let info = LocalResource::new(move || {
        let name = params.read().get("name").unwrap_or_default();
        async move { api::get::<DashboardInfo>(&format!("/api/v1/dashboards/{name}")).await }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the dashboard…"</p> }>
            {move || info.get().map(|d| match d {
                Ok(d) => view! { <Board info=d shared=false/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// `/s/:token`: the dashboard a share link opens, read-only; every request carries the token.
#[component]
pub fn SharedPage() -> impl IntoView {
    let params = use_params_map();
    let info = LocalResource::new(move || {
        let token = params.read().get("token").unwrap_or_default();
        api::use_share_token(Some(token));
        api::get::<DashboardInfo>("/api/v1/share")
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the dashboard…"</p> }>
            {move || info.get().map(|d| match d {
                Ok(d) => view! { <Board info=d shared=true/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// A change to a tile's place or size.
type LayoutEdit = fn(Layout) -> Layout;

/// A tile's latest answer.
#[derive(Debug, Clone, PartialEq)]
struct TileState {
    answer: Option<Result<QueryResult, ApiError>>,
    loading: bool,
    ran_at: Option<String>,
}

fn clock() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::Date::new_0().to_locale_time_string("en-GB"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

fn layouts(d: &DashboardInfo) -> Vec<Layout> {
    d.tiles
        .iter()
        .map(|t| {
            t.layout.unwrap_or(Layout {
                x: 0,
                y: 0,
                w: 6,
                h: 4,
            })
        })
        .collect()
}

/// Put tile `name` at `to`, pushing the tiles it covers down.
fn place_tile(d: &mut DashboardInfo, name: &str, to: Layout) -> bool {
    let Some(i) = d.tiles.iter().position(|t| t.name == name) else {
        return false;
    };
    let mut ls = layouts(d);
    let changed = grid::place(&mut ls, i, to);
    for (t, l) in d.tiles.iter_mut().zip(ls) {
        t.layout = Some(l);
    }
    changed
}

/// A dashboard: filter bar, tiles, and (for app dashboards) editing and sharing.
#[component]
fn Board(info: DashboardInfo, shared: bool) -> impl IntoView {
    let editable = info.editable && !shared;
    let dash = RwSignal::new(info);
    // filter values: from the URL (a shared link reproduces them), else the defaults
    // (the `f.<field>` pairs, read as the explore reads its filters)
    let from_url: BTreeMap<String, String> = ExploreState::from_query_string(&current_search())
        .filters
        .into_iter()
        .collect();
    let values = RwSignal::new(dash.with_untracked(|d| {
        d.filters
            .iter()
            .map(|f| {
                let v = from_url
                    .get(&f.field)
                    .cloned()
                    .or_else(|| f.default.clone())
                    .unwrap_or_default();
                (f.field.clone(), v)
            })
            .collect::<BTreeMap<_, _>>()
    }));
    let results = RwSignal::new(HashMap::<String, TileState>::new());
    let seq = StoredValue::new(HashMap::<String, u64>::new());
    let editing = RwSignal::new(false);
    let sharing = RwSignal::new(false);
    let save_error = RwSignal::new(None::<ApiError>);
    let saving = StoredValue::new(false);
    let save_again = StoredValue::new(false);

    let run_tile = move |tile: String, fresh: bool| {
        let name = dash.with_untracked(|d| d.name.clone());
        let n = seq.with_value(|s| s.get(&tile).copied().unwrap_or(0)) + 1;
        seq.update_value(|s| {
            s.insert(tile.clone(), n);
        });
        results.update(|r| {
            r.entry(tile.clone())
                .or_insert(TileState {
                    answer: None,
                    loading: true,
                    ran_at: None,
                })
                .loading = true;
        });
        let body = json!({"filters": values.get_untracked()});
        let url = format!(
            "/api/v1/dashboards/{name}/tiles/{tile}/query{}",
            if fresh { "?cache=false" } else { "" }
        );
        leptos::task::spawn_local(async move {
            let answer = api::post::<QueryResult>(&url, &body, None).await;
            if seq.with_value(|s| s.get(&tile) == Some(&n)) {
                results.update(|r| {
                    r.insert(
                        tile,
                        TileState {
                            answer: Some(answer),
                            loading: false,
                            ran_at: Some(clock()),
                        },
                    );
                });
            }
        });
    };
    let run_all = move |fresh: bool| {
        for t in dash.with_untracked(|d| d.tiles.iter().map(|t| t.name.clone()).collect::<Vec<_>>())
        {
            run_tile(t, fresh);
        }
    };
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            run_all(false);
        }
    });

    // Save the dashboard; changes made while a save runs are saved after it.
    let save = move || {
        fn go(
            dash: RwSignal<DashboardInfo>,
            save_error: RwSignal<Option<ApiError>>,
            saving: StoredValue<bool>,
            save_again: StoredValue<bool>,
        ) {
            if saving.get_value() {
                save_again.set_value(true);
                return;
            }
            saving.set_value(true);
            let d = dash.get_untracked();
            let url = format!("/api/v1/dashboards/{}", d.name);
            let body = d.to_update();
            leptos::task::spawn_local(async move {
                match api::put::<DashboardInfo>(&url, &body).await {
                    Ok(saved) => {
                        dash.update(|d| d.version = saved.version);
                        save_error.set(None);
                    }
                    Err(e) => save_error.set(Some(e)),
                }
                saving.set_value(false);
                if save_again.get_value() {
                    save_again.set_value(false);
                    go(dash, save_error, saving, save_again);
                }
            });
        }
        go(dash, save_error, saving, save_again);
    };

    // Dashboard filters: set a value (URL and tiles follow).
    let set_filter = move |field: String, value: String| {
        values.update(|v| {
            v.insert(field, value);
        });
        let qs = values.with_untracked(|v| filters_query_string(v.iter()));
        if let Some(w) = web_sys::window() {
            let path = w.location().pathname().unwrap_or_default();
            let url = if qs.is_empty() {
                path
            } else {
                format!("{path}?{qs}")
            };
            if let Ok(h) = w.history() {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        run_all(false);
    };
    let filters = Memo::new(move |_| dash.with(|d| d.filters.clone()));

    // Fields a new dashboard filter can use: the dimensions of the tiles' explores.
    let explores = Memo::new(move |_| {
        dash.with(|d| {
            d.tiles
                .iter()
                .filter_map(|t| t.query["explore"].as_str().map(str::to_string))
                .collect::<BTreeSet<_>>()
        })
    });
    let candidates = LocalResource::new(move || {
        let xs = explores.get();
        let wanted = editing.get();
        async move {
            let mut out: BTreeMap<String, String> = BTreeMap::new();
            if !wanted {
                return out;
            }
            for x in xs {
                if let Ok(d) =
                    api::get::<ExploreDescription>(&format!("/api/v1/explores/{x}")).await
                {
                    for f in d
                        .fields
                        .into_iter()
                        .filter(|f| f.is_dimension() && !f.hidden)
                    {
                        out.entry(f.name.clone())
                            .or_insert(format!("{} › {}", f.view, f.label));
                    }
                }
            }
            out
        }
    });

    // Pointer dragging: move by the header, resize by the corner handle.
    let grid_ref = NodeRef::<leptos::html::Div>::new();
    let drag = StoredValue::new(None::<(String, bool, f64, f64, Layout)>);
    // every tile's place when the drag began: saved only if something moved
    let drag_from = StoredValue::new(Vec::<Layout>::new());
    let start_drag = move |name: String, resize: bool, ev: leptos::ev::PointerEvent| {
        if !editing.get_untracked() || ev.button() != 0 {
            return;
        }
        let Some(l) = dash.with_untracked(|d| {
            d.tiles
                .iter()
                .find(|t| t.name == name)
                .and_then(|t| t.layout)
        }) else {
            return;
        };
        ev.prevent_default();
        drag_from.set_value(dash.with_untracked(layouts));
        drag.set_value(Some((
            name,
            resize,
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
            l,
        )));
    };
    let on_move = window_event_listener(leptos::ev::pointermove, move |ev| {
        let Some((name, resize, sx, sy, start)) = drag.get_value() else {
            return;
        };
        let Some(el) = grid_ref.get_untracked() else {
            return;
        };
        let width = el.get_bounding_client_rect().width();
        let cell = (width + GAP_PX) / f64::from(grid::COLUMNS);
        let dx = ((f64::from(ev.client_x()) - sx) / cell).round() as i64;
        let dy = ((f64::from(ev.client_y()) - sy) / (ROW_PX + GAP_PX)).round() as i64;
        let to = if resize {
            grid::resized(start, dx, dy)
        } else {
            grid::moved(start, dx, dy)
        };
        let current = dash.with_untracked(|d| {
            d.tiles
                .iter()
                .find(|t| t.name == name)
                .and_then(|t| t.layout)
        });
        if current != Some(grid::fit(to)) {
            dash.update(|d| {
                place_tile(d, &name, to);
            });
        }
    });
    let on_up = window_event_listener(leptos::ev::pointerup, move |_| {
        if drag.get_value().is_some() {
            drag.set_value(None);
            if dash.with_untracked(layouts) != drag_from.get_value() {
                save();
            }
        }
    });
    on_cleanup(move || {
        on_move.remove();
        on_up.remove();
    });

    // Keyboard and button edits of one tile.
    let nudge = move |name: String, f: LayoutEdit| {
        let changed = dash
            .try_update(|d| {
                let l = d
                    .tiles
                    .iter()
                    .find(|t| t.name == name)
                    .and_then(|t| t.layout);
                l.is_some_and(|l| place_tile(d, &name, f(l)))
            })
            .unwrap_or(false);
        if changed {
            save();
        }
    };

    // Tiles in reading order; a tile is rebuilt when its size, title or chart changes (its
    // chart then fits the new size), only repositioned when it moves.
    let tiles = Memo::new(move |_| {
        let mut t: Vec<Tile> = dash.with(|d| d.tiles.clone());
        t.sort_by_key(|t| t.layout.map(|l| (l.y, l.x)));
        t.into_iter()
            .map(|t| {
                let size = t.layout.map(|l| (l.w, l.h));
                (
                    format!("{}|{:?}|{}|{}", t.name, size, t.title, t.chart),
                    t.name,
                )
            })
            .collect::<Vec<_>>()
    });

    let tile_view = move |name: String| {
        let tile = {
            let name = name.clone();
            move || dash.with(|d| d.tiles.iter().find(|t| t.name == name).cloned())
        };
        let Some(t) = tile() else {
            return ().into_any();
        };
        let style = {
            let tile = tile.clone();
            move || {
                tile()
                    .and_then(|t| t.layout)
                    .map(|l| {
                        format!(
                            "--col:{};--row:{};--w:{};--h:{}",
                            l.x + 1,
                            l.y + 1,
                            l.w,
                            l.h
                        )
                    })
                    .unwrap_or_default()
            }
        };
        let state = {
            let name = name.clone();
            Memo::new(move |_| results.with(|r| r.get(&name).cloned()))
        };
        let explore_link = {
            let query = t.query.clone();
            move || {
                let x = query["explore"].as_str().unwrap_or_default().to_string();
                let qs = state.with(|s| match s.as_ref().and_then(|s| s.answer.as_ref()) {
                    Some(Ok(r)) => {
                        let measures: Vec<String> = r
                            .fields
                            .iter()
                            .filter(|f| f.kind == "measure")
                            .map(|f| f.name.clone())
                            .collect();
                        ExploreState::from_api_query(&query, |f| measures.iter().any(|m| m == f))
                            .to_query_string()
                    }
                    _ => String::new(),
                });
                format!("/explore/{x}{}{qs}", if qs.is_empty() { "" } else { "?" })
            }
        };
        let chart = t.chart.clone();
        let body = move || {
            let chart = chart.clone();
            state.get().map(|s| match s.answer {
                None => view! { <p class="loading">"Running…"</p> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                Some(Ok(r)) => {
                    let kind = if chart == "auto" { auto_type(&r).to_string() } else { chart };
                    let rows = r.row_count.to_string();
                    // clicking a category of a field the dashboard filters on sets that filter
                    let first = r.fields.iter().find(|f| f.kind == "dimension" && !f.pivot).map(|f| (f.name.clone(), f.ty.clone()));
                    let on_click = Callback::new(move |category: String| {
                        let Some((field, ty)) = first.clone() else { return };
                        if filters.with_untracked(|fs| fs.iter().any(|f| f.field == field))
                            && let Some(e) = filter_for_category(&ty, &category)
                        {
                            set_filter(field, e);
                        }
                    });
                    let inner = if kind == "table" {
                        view! { <div class="tile-table"><TableView result=r/></div> }.into_any()
                    } else {
                        view! { <ChartView result=r kind=Signal::derive(move || Some(kind.clone())) on_click=on_click/> }.into_any()
                    };
                    view! { <div class="tile-result" data-rows=rows>{inner}</div> }.into_any()
                }
            })
        };
        let (n_drag, n_resize, n_title, n_chart, n_remove) = (
            name.clone(),
            name.clone(),
            name.clone(),
            name.clone(),
            name.clone(),
        );
        let title = t.title.clone();
        let moves: [(&str, &str, LayoutEdit); 8] = [
            ("◀", "move left", |l| grid::moved(l, -1, 0)),
            ("▶", "move right", |l| grid::moved(l, 1, 0)),
            ("▲", "move up", |l| grid::moved(l, 0, -1)),
            ("▼", "move down", |l| grid::moved(l, 0, 1)),
            ("−W", "narrower", |l| grid::resized(l, -1, 0)),
            ("+W", "wider", |l| grid::resized(l, 1, 0)),
            ("−H", "shorter", |l| grid::resized(l, 0, -1)),
            ("+H", "taller", |l| grid::resized(l, 0, 1)),
        ];
        let data_name = name.clone();
        view! {
            <article class="tile" style=style data-tile=data_name aria-label=title.clone()>
                <header class="tile-head" on:pointerdown=move |ev| start_drag(n_drag.clone(), false, ev)>
                    <Show when=move || editing.get() fallback={
                        let title = title.clone();
                        move || view! { <h2>{title.clone()}</h2> }
                    }>
                        {
                            let (n_title, title) = (n_title.clone(), t.title.clone());
                            view! {
                                <input class="tile-title" aria-label="tile title" prop:value=title
                                    on:pointerdown=|ev| ev.stop_propagation()
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        if !v.trim().is_empty() {
                                            let n = n_title.clone();
                                            dash.update(|d| if let Some(t) = d.tiles.iter_mut().find(|t| t.name == n) { t.title = v; });
                                            save();
                                        }
                                    }/>
                            }
                        }
                    </Show>
                    <span class="ran" title="last run">
                        {move || state.with(|s| s.as_ref().map(|s| if s.loading { "running…".to_string() } else { s.ran_at.clone().unwrap_or_default() }))}
                    </span>
                    {(!shared).then(|| view! { <a class="open" href=explore_link title="open in explore" aria-label="open in explore">"↗"</a> })}
                </header>
                <Show when=move || editing.get()>
                    {
                        let (n_chart, n_remove, current) = (n_chart.clone(), n_remove.clone(), t.chart.clone());
                        let name = name.clone();
                        view! {
                            <div class="tile-tools" on:pointerdown=|ev| ev.stop_propagation()>
                                {moves.iter().map(|(text, label, f)| {
                                    let (name, f) = (name.clone(), *f);
                                    view! { <button aria-label=format!("{label}") title=*label on:click=move |_| nudge(name.clone(), f)>{*text}</button> }
                                }).collect_view()}
                                <select aria-label="chart type" on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    let n = n_chart.clone();
                                    dash.update(|d| if let Some(t) = d.tiles.iter_mut().find(|t| t.name == n) { t.chart = v; });
                                    save();
                                }>
                                    <option value="auto" selected=current == "auto">"Automatic"</option>
                                    {CHART_TYPES.iter().map(|(id, label)| view! { <option value=*id selected=current == *id>{*label}</option> }).collect_view()}
                                </select>
                                <button class="danger" aria-label="remove tile" on:click=move |_| {
                                    let n = n_remove.clone();
                                    dash.update(|d| d.tiles.retain(|t| t.name != n));
                                    save();
                                }>"Remove"</button>
                            </div>
                        }
                    }
                </Show>
                <div class="tile-body">{body}</div>
                <Show when=move || editing.get()>
                    {
                        let n = n_resize.clone();
                        view! { <div class="resize-handle" title="drag to resize" on:pointerdown=move |ev| start_drag(n.clone(), true, ev)></div> }
                    }
                </Show>
            </article>
        }
        .into_any()
    };

    let title = move || dash.with(|d| d.title.clone());
    let description = move || dash.with(|d| d.description.clone());
    let is_project = dash.with_untracked(|d| d.source == "project");
    view! {
        <div class="dashboard" class:editing=move || editing.get()>
            <div class="dash-head">
                <h1>{title}</h1>
                {(!shared && is_project).then(|| view! { <span class="badge" title="defined in the project's YAML; edit it there">"project · read-only"</span> })}
                <div class="dash-actions">
                    <button class="refresh" on:click=move |_| run_all(true)>"Refresh"</button>
                    {editable.then(|| view! {
                        <button class="edit" aria-pressed=move || editing.get().to_string() on:click=move |_| editing.update(|e| *e = !*e)>
                            {move || if editing.get() { "Done editing" } else { "Edit" }}
                        </button>
                    })}
                    {(!shared).then(|| view! {
                        <button class="share" aria-expanded=move || sharing.get().to_string() on:click=move |_| sharing.update(|s| *s = !*s)>"Share"</button>
                    })}
                </div>
            </div>
            {move || description().map(|d| view! { <p class="muted">{d}</p> })}
            {move || save_error.get().map(|e| view! { <ErrorBox error=e/> })}
            <Show when=move || sharing.get()>
                <SharePanel name=dash.with_untracked(|d| d.name.clone())/>
            </Show>
            <form class="dash-filters" aria-label="dashboard filters" on:submit=|ev| ev.prevent_default()>
                <For each=move || filters.get() key=|f: &DashboardFilter| f.field.clone() let(f)>
                    {
                        let field = f.field.clone();
                        let (f_value, f_change, f_remove) = (field.clone(), field.clone(), field.clone());
                        let label = f.title.clone().unwrap_or_else(|| field.clone());
                        view! {
                            <label class="dash-filter" data-filter=field.clone()>
                                <span>{label}</span>
                                <input placeholder="any value" title="a filter expression, e.g. Finished, >100, last 30 days"
                                    prop:value=move || values.with(|v| v.get(&f_value).cloned().unwrap_or_default())
                                    on:change=move |ev| set_filter(f_change.clone(), event_target_value(&ev))/>
                                <Show when=move || editing.get()>
                                    {
                                        let n = f_remove.clone();
                                        view! { <button type="button" aria-label="remove filter" on:click=move |_| {
                                            let n = n.clone();
                                            dash.update(|d| d.filters.retain(|f| f.field != n));
                                            values.update(|v| { v.remove(&n); });
                                            save();
                                            run_all(false);
                                        }>"✕"</button> }
                                    }
                                </Show>
                            </label>
                        }
                    }
                </For>
                <Show when=move || editing.get()>
                    <label class="dash-filter add-filter">
                        <span>"Add filter"</span>
                        <select aria-label="add a dashboard filter" on:change=move |ev| {
                            let field = event_target_value(&ev);
                            if field.is_empty() { return; }
                            // titled with the field's label, as the picker shows it
                            let title = candidates.get_untracked().and_then(|c| c.get(&field).and_then(|l| l.split(" › ").last().map(str::to_string)));
                            dash.update(|d| if !d.filters.iter().any(|f| f.field == field) {
                                d.filters.push(DashboardFilter { field: field.clone(), title, default: None });
                            });
                            values.update(|v| { v.entry(field).or_default(); });
                            save();
                        }>
                            <option value="">"choose a field…"</option>
                            {move || candidates.get().map(|c| c.into_iter().map(|(name, label)| view! { <option value=name>{label}</option> }).collect_view())}
                        </select>
                    </label>
                </Show>
            </form>
            {move || dash.with(|d| d.tiles.is_empty()).then(|| view! {
                <p class="hint">"No tiles yet. Open an explore, run a question and use “Save to dashboard”."</p>
            })}
            <div class="grid" node_ref=grid_ref>
                <For each=move || tiles.get() key=|(key, _)| key.clone() let((_, name))>
                    {tile_view(name)}
                </For>
            </div>
        </div>
    }
}

/// Share links of a dashboard: make one (optionally expiring), see and revoke the others.
#[component]
fn SharePanel(name: String) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let list_name = name.clone();
    let links = LocalResource::new(move || {
        reload.get();
        let n = list_name.clone();
        async move { api::get::<Vec<ShareInfo>>(&format!("/api/v1/dashboards/{n}/shares")).await }
    });
    let days = RwSignal::new(0u32);
    let made = RwSignal::new(None::<Result<String, ApiError>>);
    let make_name = name.clone();
    let make = move || {
        let n = make_name.clone();
        let expires = match days.get_untracked() {
            0 => Value::Null,
            d => expiry(d),
        };
        leptos::task::spawn_local(async move {
            let r = api::post::<ShareInfo>(
                &format!("/api/v1/dashboards/{n}/shares"),
                &json!({"expires_at": expires}),
                None,
            )
            .await;
            made.set(Some(r.map(|l| {
                let origin = web_sys::window()
                    .and_then(|w| w.location().origin().ok())
                    .unwrap_or_default();
                format!("{origin}{}", l.path.unwrap_or_default())
            })));
            reload.update(|r| *r += 1);
        });
    };
    let revoke_name = name.clone();
    let revoke = Callback::new(move |id: String| {
        let n = revoke_name.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = api::delete(&format!("/api/v1/dashboards/{n}/shares/{id}")).await {
                made.set(Some(Err(e)));
            }
            reload.update(|r| *r += 1);
        });
    });
    view! {
        <section class="share-panel" aria-label="share links">
            <h2>"Share a read-only link"</h2>
            <p class="muted">"Whoever has the link sees this dashboard and nothing else, without an account. Revoke it any time."</p>
            <div class="share-make">
                <label>"Expires "
                    <select aria-label="link expiry" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(0))>
                        <option value="0">"never (until revoked)"</option>
                        <option value="1">"in 1 day"</option>
                        <option value="7">"in 7 days"</option>
                        <option value="30">"in 30 days"</option>
                    </select>
                </label>
                <button class="primary make-link" on:click=move |_| make()>"Create link"</button>
            </div>
            {move || made.get().map(|m| match m {
                Ok(url) => view! {
                    <p class="share-url">
                        <label>"Link (shown once) "
                            <input readonly aria-label="share link" value=url.clone() size="60"
                                on:focus=move |ev| { use wasm_bindgen::JsCast; if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { i.select(); } }/>
                        </label>
                    </p>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            <Suspense fallback=|| ()>
                {move || links.get().map(|l| match l {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No links yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data links">
                            <thead><tr><th scope="col">"Link"</th><th scope="col">"Made"</th><th scope="col">"Expires"</th><th scope="col">"Status"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|l| {
                                    let id = l.id.clone();
                                    let active = l.status == "active";
                                    view! {
                                        <tr data-link=l.id.clone() data-status=l.status.clone()>
                                            <td><code>{l.id.clone()}</code></td>
                                            <td>{short_time(&l.created_at)}</td>
                                            <td>{l.expires_at.as_deref().map(short_time).unwrap_or_else(|| "never".into())}</td>
                                            <td>{l.status.clone()}</td>
                                            <td>{active.then(|| view! { <button class="revoke" on:click=move |_| revoke.run(id.clone())>"Revoke"</button> })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

fn short_time(rfc3339: &str) -> String {
    rfc3339.get(..16).unwrap_or(rfc3339).replace('T', " ")
}

/// Now plus `days`, as RFC 3339.
fn expiry(days: u32) -> Value {
    #[cfg(target_arch = "wasm32")]
    {
        let ms = js_sys::Date::now() + f64::from(days) * 86_400_000.0;
        Value::String(String::from(js_sys::Date::new(&ms.into()).to_iso_string()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = days;
        Value::Null
    }
}

/// "Save to dashboard" on the explore page: a new dashboard or an app dashboard, as a tile.
#[component]
pub fn SaveToDashboard(
    /// The explore.
    explore: String,
    /// The explore's state (query and chart type).
    state: RwSignal<ExploreState>,
    /// A title proposed for the tile.
    #[prop(into)]
    suggested_title: Signal<String>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let list = LocalResource::new(move || {
        let wanted = open.get();
        async move {
            if !wanted {
                return Ok(Vec::new());
            }
            api::get::<Vec<DashboardSummary>>("/api/v1/dashboards")
                .await
                .map(|l| l.into_iter().filter(|d| d.editable).collect::<Vec<_>>())
        }
    });
    let target = RwSignal::new(String::new()); // "" = new dashboard
    let new_title = RwSignal::new(String::new());
    let tile_title = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<DashboardInfo, ApiError>>);
    let explore = StoredValue::new(explore);
    let save = move || {
        let s = state.get_untracked();
        let query = s.to_query(&explore.get_value());
        let chart = s.viz.clone().unwrap_or_else(|| "auto".into());
        let mut title = tile_title.get_untracked();
        if title.trim().is_empty() {
            title = suggested_title.get_untracked();
        }
        let tile = json!({"title": title, "chart": chart, "query": query});
        let target = target.get_untracked();
        let dashboard_title = new_title.get_untracked();
        leptos::task::spawn_local(async move {
            let r = if target.is_empty() {
                let mut t = tile;
                t["name"] = json!("tile-1");
                let title = if dashboard_title.trim().is_empty() {
                    "Untitled dashboard".to_string()
                } else {
                    dashboard_title
                };
                api::post::<DashboardInfo>(
                    "/api/v1/dashboards",
                    &json!({"title": title, "tiles": [t]}),
                    None,
                )
                .await
            } else {
                api::post::<DashboardInfo>(
                    &format!("/api/v1/dashboards/{target}/tiles"),
                    &tile,
                    None,
                )
                .await
            };
            outcome.set(Some(r));
        });
    };
    view! {
        <button class="save-tile" aria-expanded=move || open.get().to_string()
            disabled=move || state.with(|s| s.is_empty())
            on:click=move |_| { open.update(|o| *o = !*o); outcome.set(None); }>"Save to dashboard"</button>
        <Show when=move || open.get()>
            <form class="save-panel" aria-label="save to dashboard" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <label>"Tile title "
                    <input aria-label="tile title" prop:placeholder=move || suggested_title.get()
                        prop:value=move || tile_title.get() on:input=move |ev| tile_title.set(event_target_value(&ev))/>
                </label>
                <label>"Dashboard "
                    <select aria-label="dashboard" on:change=move |ev| target.set(event_target_value(&ev))>
                        <option value="">"New dashboard…"</option>
                        {move || list.get().and_then(Result::ok).map(|l| l.into_iter().map(|d| view! {
                            <option value=d.name.clone()>{d.title}</option>
                        }).collect_view())}
                    </select>
                </label>
                <Show when=move || target.get().is_empty()>
                    <label>"New dashboard title "
                        <input aria-label="new dashboard title" placeholder="Untitled dashboard"
                            prop:value=move || new_title.get() on:input=move |ev| new_title.set(event_target_value(&ev))/>
                    </label>
                </Show>
                <button class="primary" type="submit">"Save"</button>
                {move || outcome.get().map(|o| match o {
                    Ok(d) => view! {
                        <p class="saved" role="status">"Saved to "<a href=format!("/dashboards/{}", d.name)>{d.title}</a></p>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </form>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_round_trip_through_the_url() {
        let values = BTreeMap::from([
            ("orders.status".to_string(), "Finished,Booked".to_string()),
            ("trips.start_date".to_string(), "last 30 days".to_string()),
            ("customers.customer_group_type".to_string(), String::new()),
        ]);
        let qs = filters_query_string(values.iter());
        assert_eq!(
            qs,
            "f.orders.status=Finished,Booked&f.trips.start_date=last+30+days"
        );
        let back: BTreeMap<String, String> = ExploreState::from_query_string(&format!("?{qs}"))
            .filters
            .into_iter()
            .collect();
        assert_eq!(back.len(), 2);
        assert_eq!(back["trips.start_date"], "last 30 days");
    }

    #[test]
    fn placing_a_tile_pushes_the_others_down() {
        let tile = |name: &str, x, y| Tile {
            name: name.into(),
            title: name.into(),
            chart: "auto".into(),
            query: json!({}),
            layout: Some(Layout { x, y, w: 6, h: 4 }),
        };
        let mut d = DashboardInfo {
            name: "d".into(),
            title: "D".into(),
            description: None,
            filters: vec![],
            tiles: vec![tile("a", 0, 0), tile("b", 6, 0)],
            source: "app".into(),
            editable: true,
            version: Some(1),
        };
        assert!(place_tile(
            &mut d,
            "a",
            Layout {
                x: 6,
                y: 0,
                w: 6,
                h: 4
            }
        ));
        assert_eq!(
            d.tiles[1].layout,
            Some(Layout {
                x: 6,
                y: 4,
                w: 6,
                h: 4
            })
        );
        assert!(!place_tile(
            &mut d,
            "nope",
            Layout {
                x: 0,
                y: 0,
                w: 1,
                h: 1
            }
        ));
    }
}
