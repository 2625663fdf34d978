//! Share links of a dashboard: make a read-only link (optionally expiring) that carries the
//! dashboard filters' current values — locked, or as where its visitors start — copy it, see
//! the links made and revoke them.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde_json::json;

use super::board_state::{BoardState, board_query_string};
use crate::api::{self, ErrorBody, ShareCreated, ShareInfo, ShareStatus};
use crate::when::{days_from_now, short_time};
use crate::widgets::ErrorBox;

/// The filters a link would lock: every dashboard filter with a value, as (field, title,
/// value), in the dashboard's order.
fn lockable(board: BoardState) -> Vec<(String, String, String)> {
    let values = board.values.get();
    board.dash.with(|d| {
        d.filters
            .iter()
            .filter_map(|f| {
                let v = values.get(&f.field).filter(|v| !v.trim().is_empty())?;
                let title = f.title.clone().unwrap_or_else(|| f.field.clone());
                Some((f.field.clone(), title, v.clone()))
            })
            .collect()
    })
}

/// `field = value` pairs of a link's locked filters, for the links table.
fn locked_text(locked: &BTreeMap<String, String>) -> String {
    if locked.is_empty() {
        return "none".into();
    }
    locked
        .iter()
        .map(|(f, v)| format!("{f} = {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Put `text` on the clipboard (`navigator.clipboard.writeText`); whether it worked.
async fn copy_text(text: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let write = || -> Option<js_sys::Promise> {
            let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
            let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).ok()?;
            let f = js_sys::Reflect::get(&clipboard, &"writeText".into()).ok()?;
            let f = f.dyn_into::<js_sys::Function>().ok()?;
            f.call1(&clipboard, &text.into()).ok()?.dyn_into().ok()
        };
        match write() {
            Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
            None => false,
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = text;
        false
    }
}

/// A link with a Copy button that says "Copied" once it has.
#[component]
fn CopyableLink(url: String) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let to_copy = url.clone();
    view! {
        <p class="share-url">
            <label>"Link (shown once) "
                <input readonly aria-label="share link" value=url size="60"
                    on:focus=move |ev| { use wasm_bindgen::JsCast; if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { i.select(); } }/>
            </label>
            <button type="button" class="copy" on:click=move |_| {
                let text = to_copy.clone();
                leptos::task::spawn_local(async move { copied.set(Some(copy_text(&text).await)); });
            }>"Copy"</button>
            <span class="copied" role="status">{move || match copied.get() {
                Some(true) => "Copied",
                Some(false) => "could not copy: select the link and copy it",
                None => "",
            }}</span>
        </p>
    }
}

/// What a new link does with the board's current filter values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterMode {
    /// Its visitors see them and cannot change them.
    Lock,
    /// Its visitors start with them and may change them.
    Start,
}

/// Share links of a dashboard: make one (optionally expiring, with the filters' current values
/// locked or as the start), see and revoke the others.
#[component]
pub(super) fn SharePanel(name: String, board: BoardState) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let list_name = name.clone();
    let links = LocalResource::new(move || {
        reload.get();
        let n = list_name.clone();
        async move { api::get::<Vec<ShareInfo>>(&format!("/api/v1/dashboards/{n}/shares")).await }
    });
    let days = RwSignal::new(0u32);
    let mode = RwSignal::new(FilterMode::Lock);
    let to_lock = Memo::new(move |_| lockable(board));
    let made = RwSignal::new(None::<Result<String, ErrorBody>>);
    let make_name = name.clone();
    let make = move || {
        let n = make_name.clone();
        let expires = match days.get_untracked() {
            0 => None,
            d => days_from_now(d),
        };
        let values: BTreeMap<String, String> = to_lock
            .get_untracked()
            .into_iter()
            .map(|(field, _, value)| (field, value))
            .collect();
        // locked values travel in the link's record; starting values (and the time zone) in
        // its URL, as on the board
        let (locked, start) = match mode.get_untracked() {
            FilterMode::Lock => (values, BTreeMap::new()),
            FilterMode::Start => (BTreeMap::new(), values),
        };
        let qs = board_query_string(&start, board.timezone.get_untracked().as_deref());
        leptos::task::spawn_local(async move {
            let r = api::post::<ShareCreated>(
                &format!("/api/v1/dashboards/{n}/shares"),
                &json!({"expires_at": expires, "locked_filters": locked}),
                None,
            )
            .await;
            made.set(Some(r.map(|l| {
                let origin = web_sys::window()
                    .and_then(|w| w.location().origin().ok())
                    .unwrap_or_default();
                let sep = if qs.is_empty() { "" } else { "?" };
                format!("{origin}{}{sep}{qs}", l.path)
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
            <p class="muted">"Whoever has the link sees this dashboard and nothing else, without an account, with your access to the data. Revoke it any time."</p>
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
            <Show when=move || !to_lock.with(Vec::is_empty)>
                <fieldset class="share-lock">
                    <legend>"The link keeps the filter values on the board now"</legend>
                    <label>
                        <input type="radio" name="share-filters" value="lock" prop:checked=move || mode.get() == FilterMode::Lock
                            on:change=move |_| mode.set(FilterMode::Lock)/>
                        " Lock current filter values (visitors see them and cannot change them)"
                    </label>
                    <label>
                        <input type="radio" name="share-filters" value="start" prop:checked=move || mode.get() == FilterMode::Start
                            on:change=move |_| mode.set(FilterMode::Start)/>
                        " Start with current filter values (visitors may change them)"
                    </label>
                    <ul class="locked-list">
                        {move || to_lock.get().into_iter().map(|(field, title, value)| view! {
                            <li data-filter=field>{title}": "<code>{value}</code></li>
                        }).collect_view()}
                    </ul>
                </fieldset>
            </Show>
            {move || made.get().map(|m| match m {
                Ok(url) => view! { <CopyableLink url=url/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            <Suspense fallback=|| ()>
                {move || links.get().map(|l| match l {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No links yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data links">
                            <thead><tr><th scope="col">"Link"</th><th scope="col">"Made"</th><th scope="col">"By"</th><th scope="col">"Expires"</th><th scope="col">"Locked filters"</th><th scope="col">"Status"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|l| {
                                    let id = l.id.clone();
                                    let active = l.status == ShareStatus::Active;
                                    view! {
                                        <tr data-link=l.id.clone() data-status=l.status.as_str()>
                                            <td><code>{l.id.clone()}</code></td>
                                            <td>{short_time(&l.created_at.to_string())}</td>
                                            <td class="created-by">{l.created_by.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td>{l.expires_at.map(|t| short_time(&t.to_string())).unwrap_or_else(|| "never".into())}</td>
                                            <td class="locked">{locked_text(&l.locked_filters)}</td>
                                            <td>{l.status.as_str()}</td>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_filters_read_as_pairs() {
        assert_eq!(locked_text(&BTreeMap::new()), "none");
        let locked = BTreeMap::from([
            ("orders.status".to_string(), "Finished".to_string()),
            ("trips.start_date".to_string(), "last 30 days".to_string()),
        ]);
        assert_eq!(
            locked_text(&locked),
            "orders.status = Finished; trips.start_date = last 30 days"
        );
    }
}
