//! The explore's toolbar: Run, Cancel, auto-run, row limit, time zone, totals, chart type,
//! "Save to dashboard" (for whoever may make dashboards), and the running status.

use leptos::prelude::*;

use super::session::ExploreSession;
use crate::browser::{BrowserZones, Zones};
use crate::dashboard::SaveToDashboard;
use crate::me::use_me;
use crate::state::DEFAULT_LIMIT;
use crate::widgets::ChartTypeSelect;

/// The toolbar above the results.
#[component]
pub(super) fn ExploreToolbar(session: ExploreSession) -> impl IntoView {
    let (state, running, auto_run) = (session.state, session.running, session.auto_run);
    let me = use_me();
    // a row limit that is not a whole number of at least 1 is refused, not silently changed
    let limit_error = RwSignal::new(None::<String>);
    // CSV of the question as it stands, through the query endpoint (same access rules)
    let download_note = RwSignal::new(None::<String>);
    let download = move |_| {
        let s = state.get_untracked();
        let body = s.to_query(&session.explore.get_value());
        let name = crate::api::csv_name(&session.suggested_title());
        download_note.set(Some("Preparing the CSV…".into()));
        leptos::task::spawn_local(async move {
            let note = match crate::api::download_csv("/api/v1/query", &body, &name).await {
                Ok(true) => format!(
                    "Saved {name}: the first rows only (the server's row cap); add filters for the rest"
                ),
                Ok(false) => format!("Saved {name}"),
                Err(e) => format!("Download failed: {}", e.message),
            };
            download_note.set(Some(note));
        });
    };
    view! {
        <div class="toolbar">
            <button class="run primary" title="Run (Ctrl+Enter)" on:click=move |_| session.run() disabled=move || state.with(|s| s.is_empty()) || limit_error.with(Option::is_some)>"Run"</button>
            <button class="cancel" on:click=move |_| session.cancel() disabled=move || !running.get()>"Cancel"</button>
            <label><input type="checkbox" prop:checked=move || auto_run.get() on:change=move |ev| auto_run.set(event_target_checked(&ev))/>" Auto-run"</label>
            <label>"Row limit "<input type="number" min="1" step="1" class="limit" aria-invalid=move || limit_error.with(Option::is_some).to_string()
                prop:value=move || state.with(|s| s.limit.to_string())
                on:change=move |ev| {
                    let text = event_target_value(&ev);
                    match text.trim().parse::<u64>() {
                        Ok(v) if v >= 1 => { limit_error.set(None); session.edit(|s| s.limit = v) }
                        _ => limit_error.set(Some(format!("the row limit '{text}' is not a whole number of at least 1; the default is {DEFAULT_LIMIT}"))),
                    }
                }/></label>
            {move || limit_error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
            <TimezoneSelect session=session/>
            <label><input type="checkbox" prop:checked=move || state.with(|s| s.totals) on:change=move |ev| { let on = event_target_checked(&ev); session.edit(|s| s.totals = on) }/>" Totals"</label>
            <label>"Chart "<ChartTypeSelect chosen=Signal::derive(move || state.with(|s| s.viz.clone()))
                unfit=Signal::derive(move || session.result.with(|r| match r { Some(Ok(r)) => crate::chart::unfit_types(r), _ => Vec::new() }))
                on_change=Callback::new(move |v: String| state.update(|s| s.viz = (v != "auto").then_some(v)))/></label>
            <button class="download" title="Download the rows as CSV" disabled=move || state.with(|s| s.is_empty()) || limit_error.with(Option::is_some) on:click=download>"Download CSV"</button>
            {move || download_note.get().map(|n| view! { <span class="download-note" role="status">{n}</span> })}
            <Show when=move || me.can_edit()>
                <SaveToDashboard explore=session.explore.get_value() state=state suggested_title=Signal::derive(move || session.suggested_title())/>
            </Show>
            <span class="status" aria-live="polite">{move || if running.get() { "Running…" } else { "" }}</span>
        </div>
    }
}

/// The query's time zone: the explore's default, the browser's own, or any zone the browser
/// knows (IANA names, which the server checks); the list is filled once the page is idle.
#[component]
fn TimezoneSelect(session: ExploreSession) -> impl IntoView {
    let state = session.state;
    let default = session.timezone.get_value();
    let chosen = move || state.with(|s| s.timezone.clone().unwrap_or_default());
    let zones = BrowserZones::new();
    // the options say whether they are chosen when drawn (`prop:value` follows later changes)
    let options = move || {
        let first = state.with_untracked(|s| s.timezone.clone().unwrap_or_default());
        let Zones { all: mut list, own } = zones.get();
        // browsers list UTC under its own name only sometimes
        if !list.iter().any(|z| z == "UTC") {
            list.insert(0, "UTC".to_string());
        }
        if !first.is_empty() && !list.contains(&first) {
            list.insert(0, first.clone());
        }
        let own = own.filter(|z| *z != default).map(|z| {
            let selected = first == z;
            view! { <option value=z.clone() selected=selected>{format!("Yours ({z})")}</option> }
        });
        view! {
            <option value="" selected=first.is_empty()>{format!("Explore default ({default})")}</option>
            {own}
            {list.into_iter().map(|z| {
                let (selected, value) = (first == z, z.clone());
                view! { <option value=value selected=selected>{z}</option> }
            }).collect_view()}
        }
    };
    view! {
        <label title="the time zone that dates, times and their parts (day of week, hour…) are read in">"Time zone "
            <select class="timezone" prop:value=chosen
                on:focus=move |_| zones.read_now()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    session.edit(|s| s.timezone = (!v.is_empty()).then_some(v));
                }>
                {options}
            </select>
        </label>
    }
}
