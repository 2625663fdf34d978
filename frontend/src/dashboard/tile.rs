//! One tile of a dashboard: its header (title, last run, a link into the explore with the
//! tile's chart type), its answer as a table or chart, or its text (markdown); in edit mode its
//! tools, a resize handle, and the arrow keys (move; with shift, resize) when it has the focus.

use leptos::prelude::*;

use super::board_state::{BoardState, TileState};
use super::drag::TileDrag;
use super::editing::{later, nudge, run, text_editor, tile_tools, title_input};
use super::placement::LayoutEdit;
use crate::api::Tile;
use crate::chart::{auto_type, filter_for_category};
use crate::state::ExploreState;
use crate::widgets::{ChartView, ErrorBox, TableView};

/// The grid placement of a tile, as CSS variables.
fn grid_style(tile: Option<Tile>) -> String {
    tile.and_then(|t| t.layout)
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

/// The explore link of a tile's query (with its measures as the answer names them) and its
/// chart type (none for the automatic one).
fn explore_link(query: &serde_json::Value, chart: &str, state: Option<&TileState>) -> String {
    let x = query["explore"].as_str().unwrap_or_default().to_string();
    let qs = match state.and_then(|s| s.answer.as_ref()) {
        Some(Ok(r)) => {
            let measures: Vec<String> = r
                .fields
                .iter()
                .filter(|f| f.is_measure())
                .map(|f| f.name.clone())
                .collect();
            let mut s = ExploreState::from_api_query(query, |f| measures.iter().any(|m| m == f));
            s.viz = (chart != "auto").then(|| chart.to_string());
            s.to_query_string()
        }
        _ => String::new(),
    };
    format!("/explore/{x}{}{qs}", if qs.is_empty() { "" } else { "?" })
}

/// What the arrow keys do to a focused tile: move it, or with shift resize it.
fn key_edit(key: &str, shift: bool) -> Option<LayoutEdit> {
    let (dx, dy) = match key {
        "ArrowLeft" => (-1, 0),
        "ArrowRight" => (1, 0),
        "ArrowUp" => (0, -1),
        "ArrowDown" => (0, 1),
        _ => return None,
    };
    Some((dx, dy, shift))
}

/// Give the focus back to tile `name` once the grid has redrawn it (a moved or resized tile is
/// a new element).
fn refocus(name: String) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        let found = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| {
                d.query_selector(&format!(".tile[data-tile=\"{name}\"]"))
                    .ok()
                    .flatten()
            })
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = found {
            let _ = el.focus();
        }
    });
}

/// A tile on the grid.
#[component]
pub(super) fn TileCard(board: BoardState, drag: TileDrag, name: String) -> impl IntoView {
    let Some(t) = board.tile(&name) else {
        return ().into_any();
    };
    let editing = board.editing;
    let style = {
        let name = name.clone();
        move || grid_style(board.tile(&name))
    };
    let state = {
        let name = name.clone();
        Memo::new(move |_| board.results.with(|r| r.get(&name).cloned()))
    };
    let (title, chart) = (t.title, t.chart.to_string());
    let link = {
        let query = t.query.clone().unwrap_or_default();
        let chart = chart.clone();
        move || state.with(|s| explore_link(&query, &chart, s.as_ref()))
    };
    let is_text = t.text.is_some();
    let (n_drag, n_title, n_tools, n_resize, n_download, n_key, n_text) = (
        name.clone(),
        name.clone(),
        name.clone(),
        name.clone(),
        name.clone(),
        name.clone(),
        name.clone(),
    );
    let (title_edit, chart_tools) = (title.clone(), chart.clone());
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        // only the tile itself: keys typed in its title, text or tools stay theirs
        if !editing.get_untracked() || ev.target() != ev.current_target() {
            return;
        }
        if let Some(edit) = key_edit(&ev.key(), ev.shift_key()) {
            ev.prevent_default();
            run(nudge(board, n_key.clone(), edit));
            refocus(n_key.clone());
        }
    };
    let body = match t.text {
        Some(text) => view! { <TextBody board=board name=n_text text=text/> }.into_any(),
        None => view! { <TileBody board=board state=state chart=chart/> }.into_any(),
    };
    view! {
        <article class="tile" class:text-tile=is_text style=style data-tile=name aria-label=title.clone()
            tabindex=move || editing.get().then_some("0")
            aria-keyshortcuts=move || editing.get().then_some("ArrowLeft ArrowRight ArrowUp ArrowDown Shift+ArrowLeft Shift+ArrowRight Shift+ArrowUp Shift+ArrowDown")
            on:keydown=on_key>
            <header class="tile-head" on:pointerdown=move |ev| drag.start(n_drag.clone(), false, &ev)>
                <Show when=move || editing.get()>
                    <span class="grip" title="drag to move; or focus the tile and use the arrow keys (with shift to resize)" aria-hidden="true">"⠿"</span>
                </Show>
                <Show when=move || editing.get() fallback={
                    let title = title.clone();
                    move || view! { <h2>{title.clone()}</h2> }
                }>
                    {
                        let (name, title) = (n_title.clone(), title_edit.clone());
                        move || later(title_input(board, name.clone(), title.clone()))
                    }
                </Show>
                {(!is_text).then(|| view! {
                    <span class="ran" title=move || state.with(|s| match s.as_ref().and_then(|s| s.answer.as_ref()) {
                        Some(Ok(r)) => format!("last run; data of warehouse version {}", r.warehouse_version),
                        _ => "last run".to_string(),
                    })>
                        {move || state.with(|s| s.as_ref().map(|s| if s.loading { "running…".to_string() } else { s.ran_at.clone().unwrap_or_default() }))}
                    </span>
                    <button class="download" title="download as CSV" aria-label=format!("download {title} as CSV")
                        on:pointerdown=|ev| ev.stop_propagation()
                        on:click={
                            let (tile, title) = (n_download.clone(), title.clone());
                            move |_| {
                                let (tile, name) = (tile.clone(), crate::api::csv_name(&title));
                                let dashboard = board.dash.with_untracked(|d| d.name.clone());
                                let body = board.tile_request();
                                let url = board.tile_url(&dashboard, &tile, false);
                                leptos::task::spawn_local(async move {
                                    if let Err(e) = crate::api::download_csv(&url, &body, &name).await {
                                        leptos::logging::warn!("download failed: {}", e.message);
                                    }
                                });
                            }
                        }>"⤓"</button>
                    {(!board.shared).then(|| view! { <a class="open" href=link title="open in explore" aria-label="open in explore">"↗"</a> })}
                })}
            </header>
            <Show when=move || editing.get()>
                {
                    let (name, chart) = (n_tools.clone(), (!is_text).then(|| chart_tools.clone()));
                    move || later(tile_tools(board, name.clone(), chart.clone()))
                }
            </Show>
            {body}
            <Show when=move || editing.get()>
                {
                    let n = n_resize.clone();
                    view! { <div class="resize-handle" title="drag to resize" on:pointerdown=move |ev| drag.start(n.clone(), true, &ev)></div> }
                }
            </Show>
        </article>
    }
    .into_any()
}

/// A text tile's body: its markdown as the server rendered it (safe HTML, new after each save);
/// in edit mode, the markdown to edit.
#[component]
fn TextBody(board: BoardState, name: String, text: String) -> impl IntoView {
    let html = {
        let name = name.clone();
        move || {
            board
                .dash
                .with(|d| d.text_html.get(&name).cloned().unwrap_or_default())
        }
    };
    view! {
        <div class="tile-body">
            <Show when=move || board.editing.get() fallback=move || view! { <div class="tile-text" inner_html=html.clone()></div> }>
                {
                    let (name, text) = (name.clone(), text.clone());
                    move || later(text_editor(board, name.clone(), text.clone()))
                }
            </Show>
        </div>
    }
}

/// A text tile's markdown, editable (edit mode).
#[component]
pub(super) fn TextEditor(board: BoardState, name: String, text: String) -> impl IntoView {
    view! {
        <textarea class="tile-markdown" aria-label="tile text (markdown)" prop:value=text
            on:pointerdown=|ev| ev.stop_propagation()
            on:change=move |ev| {
                let v = event_target_value(&ev);
                board.edit_tile(&name, |t| t.text = Some(v));
            }></textarea>
    }
}

/// A tile's title, editable (edit mode).
#[component]
pub(super) fn TileTitleInput(board: BoardState, name: String, title: String) -> impl IntoView {
    view! {
        <input class="tile-title" aria-label="tile title" prop:value=title
            on:pointerdown=|ev| ev.stop_propagation()
            on:change=move |ev| {
                let v = event_target_value(&ev);
                if !v.trim().is_empty() {
                    board.edit_tile(&name, |t| t.title = v);
                }
            }/>
    }
}

/// A tile's answer: running, an error, or the result as a table or chart. Clicking a category
/// of a field the dashboard filters on sets that filter.
#[component]
fn TileBody(board: BoardState, state: Memo<Option<TileState>>, chart: String) -> impl IntoView {
    let body = move || {
        let chart = chart.clone();
        state.get().map(|s| match s.answer {
            None => view! { <p class="loading">"Running…"</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
            Some(Ok(r)) => {
                let kind = if chart == "auto" { auto_type(&r).to_string() } else { chart };
                let rows = r.row_count.to_string();
                let first = r.fields.iter().find(|f| f.is_dimension() && !f.pivot).map(|f| (f.name.clone(), f.ty.clone()));
                let on_click = Callback::new(move |category: String| {
                    let Some((field, ty)) = first.clone() else { return };
                    if board.dash.with_untracked(|d| d.filters.iter().any(|f| f.field == field))
                        && let Some(e) = filter_for_category(&ty, &category)
                    {
                        board.set_filter(field, e);
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
    view! { <div class="tile-body">{body}</div> }
}
