//! The dashboard's filter bar: one input per dashboard filter (its value reaches every tile
//! whose explore has the field), suggesting the field's values as the explore's filter editor
//! does; the time zone the tiles run in; and, in edit mode, removing a filter or adding one on
//! a dimension of the tiles' explores.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

use super::board_state::BoardState;
use super::editing::{add_filter, later, remove_filter, run};
use crate::api::{self, DashboardFilter, ExploreDescription};
use crate::browser::BrowserZones;
use crate::state::encode;

/// Fields a new dashboard filter can use: the dimensions of `explores`, by name, labelled
/// "view › field".
async fn filter_candidates(explores: BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for x in explores {
        if let Ok(d) = api::get::<ExploreDescription>(&format!("/api/v1/explores/{x}")).await {
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

/// The filter bar.
#[component]
pub(super) fn FilterBar(board: BoardState) -> impl IntoView {
    let (dash, editing) = (board.dash, board.editing);
    let filters = Memo::new(move |_| dash.with(|d| d.filters.clone()));
    // changes only when the set of explores does, not with every move of a tile
    let explores = Memo::new(move |_| {
        dash.with(|d| {
            d.tiles
                .iter()
                .filter_map(|t| Some(t.query.as_ref()?["explore"].as_str()?.to_string()))
                .collect::<BTreeSet<_>>()
        })
    });
    view! {
        <form class="dash-filters" aria-label="dashboard filters" on:submit=|ev| ev.prevent_default()>
            <For each=move || filters.get() key=|f: &DashboardFilter| f.field.clone() let(f)>
                <FilterInput board=board filter=f explores=explores/>
            </For>
            <TimeZone board=board/>
            {(!board.shared).then(|| view! { <DataVersion board=board/> })}
            <Show when=move || editing.get()>
                {move || later(add_filter(board, explores))}
            </Show>
        </form>
    }
}

/// Up to 50 values of `field` containing `q`, from the first of `explores` that has the field
/// (the field-values endpoint, under the caller's access).
async fn field_values(explores: BTreeSet<String>, field: String, q: String) -> Vec<String> {
    for x in explores {
        let url = format!(
            "/api/v1/explores/{x}/fields/{field}/values?limit=50&q={}",
            encode(&q)
        );
        if let Ok(v) = api::get::<serde_json::Value>(&url).await {
            return v["values"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| match v {
                            serde_json::Value::String(s) => Some(s.clone()),
                            serde_json::Value::Null => None,
                            other => Some(other.to_string()),
                        })
                        .collect()
                })
                .unwrap_or_default();
        }
    }
    Vec::new()
}

/// The time zone the tiles run in: the model's by default (named), or one the viewer picks (the
/// browser's zones, listed once the page is idle).
#[component]
fn TimeZone(board: BoardState) -> impl IntoView {
    let model = board
        .dash
        .with_untracked(|d| d.default_timezone.clone())
        .unwrap_or_else(|| "UTC".into());
    let zones = BrowserZones::new();
    let options = move || {
        let mut list = zones.get().all;
        if let Some(tz) = board.timezone.get_untracked()
            && !list.contains(&tz)
        {
            list.push(tz);
        }
        list.retain(|z| *z != model);
        let chosen = board.timezone.get_untracked().unwrap_or_default();
        view! {
            <option value="" selected=chosen.is_empty()>{format!("{model} (the model's)")}</option>
            {list.into_iter().map(|z| {
                let selected = z == chosen;
                view! { <option value=z.clone() selected=selected>{z.replace('_', " ")}</option> }
            }).collect_view()}
        }
    };
    view! {
        <label class="dash-filter dash-timezone">
            <span>"Time zone"</span>
            <select aria-label="time zone" title="the time zone dates and times are shown and filtered in"
                prop:value=move || board.timezone.get().unwrap_or_default()
                on:focus=move |_| zones.read_now()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    board.set_timezone(Some(v).filter(|v| !v.is_empty()));
                }>
                {options}
            </select>
        </label>
    }
}

/// The warehouse version the tiles run on: the latest by default, or an earlier published one
/// (time travel); hidden when the versions cannot be listed.
#[component]
fn DataVersion(board: BoardState) -> impl IntoView {
    // filled once, in the browser, when the versions are listed (the head of each: no row
    // counts, no decoder of them)
    let versions = RwSignal::new(Vec::<boltic_types::VersionHead>::new());
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(answer) = api::get::<serde_json::Value>("/api/v1/warehouse/versions").await {
                let list = serde::Deserialize::deserialize(&answer["versions"]);
                versions.set(list.unwrap_or_default());
            }
        });
    });
    move || {
        let list = versions.get();
        if list.len() < 2 && board.as_of.get_untracked().is_none() {
            return None;
        }
        let latest = list
            .iter()
            .find(|v| v.current)
            .map(|v| short_time(&v.published_at))
            .unwrap_or_default();
        let earlier: Vec<_> = list.into_iter().filter(|v| !v.current).collect();
        Some(view! {
            <label class="dash-filter dash-version">
                <span>"Data"</span>
                <select aria-label="warehouse version" title="the published warehouse version the tiles read"
                    prop:value=move || board.as_of.get().unwrap_or_default()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        board.set_as_of(Some(v).filter(|v| !v.is_empty()));
                    }>
                    <option value="">{format!("latest ({latest})")}</option>
                    {earlier.into_iter().map(|v| {
                        let label = format!("as of {} · version {}", short_time(&v.published_at), v.version);
                        view! { <option value=v.version.clone()>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            {move || board.as_of.get().map(|v| view! {
                <p class="notice as-of" role="status">
                    {format!("Earlier data: the tiles show warehouse version {v}, not the latest. ")}
                    <button type="button" class="latest" on:click=move |_| board.set_as_of(None)>"Show the latest data"</button>
                </p>
            })}
        })
    }
}

/// `2024-12-21T06:00:12.345+00:00` as `2024-12-21 06:00 UTC`.
fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// One dashboard filter: its title, its value (with suggestions of the field's values), and
/// (edit mode) a remove button.
#[component]
fn FilterInput(
    board: BoardState,
    filter: DashboardFilter,
    explores: Memo<BTreeSet<String>>,
) -> impl IntoView {
    let values = board.values;
    let field = filter.field;
    let (f_value, f_change, f_remove) = (field.clone(), field.clone(), field.clone());
    let label = filter.title.unwrap_or_else(|| field.clone());
    let locked = board.is_locked(&field);
    // suggestions: not for a share link's visitor, whose token opens nothing but the board
    let suggestions = RwSignal::new(Vec::<String>::new());
    let list_id = format!("dash-values-{}", field.replace('.', "-"));
    let suggest = {
        let field = field.clone();
        move |q: String| {
            if board.shared || locked {
                return;
            }
            let (xs, field) = (explores.get_untracked(), field.clone());
            leptos::task::spawn_local(async move {
                suggestions.set(field_values(xs, field, q).await);
            });
        }
    };
    let suggest_on_focus = suggest.clone();
    let f_focus = field.clone();
    view! {
        <label class="dash-filter" class:locked=locked data-filter=field.clone()>
            <span>{label}{locked.then(|| view! { <span class="lock badge" title="locked by the link">"locked by the link"</span> })}</span>
            <input placeholder="any value" disabled=locked list=list_id.clone() autocomplete="off"
                title=if locked { "locked by the link" } else { "a filter expression, e.g. Finished, >100, last 30 days" }
                prop:value=move || values.with(|v| v.get(&f_value).cloned().unwrap_or_default())
                on:focus=move |_| suggest_on_focus(values.with_untracked(|v| v.get(&f_focus).cloned().unwrap_or_default()))
                on:input=move |ev| suggest(event_target_value(&ev))
                on:change=move |ev| board.set_filter(f_change.clone(), event_target_value(&ev))/>
            <datalist id=list_id>
                {move || suggestions.get().into_iter().map(|v| view! { <option value=v/> }).collect_view()}
            </datalist>
            <Show when=move || board.editing.get()>
                {
                    let n = f_remove.clone();
                    view! { <button type="button" aria-label="remove filter" on:click=move |_| run(remove_filter(board, n.clone()))>"✕"</button> }
                }
            </Show>
        </label>
    }
}

/// Adding a filter (edit mode): a picker of the dimensions of the tiles' `explores` (fetched
/// again when that set changes).
#[component]
pub(super) fn AddFilter(board: BoardState, explores: Memo<BTreeSet<String>>) -> impl IntoView {
    let (dash, values) = (board.dash, board.values);
    let candidates = LocalResource::new(move || filter_candidates(explores.get()));
    view! {
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
                board.save();
            }>
                <option value="">"choose a field…"</option>
                {move || candidates.get().map(|c| c.into_iter().map(|(name, label)| view! { <option value=name>{label}</option> }).collect_view())}
            </select>
        </label>
    }
}
