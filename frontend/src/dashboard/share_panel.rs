//! Share links of a dashboard: make a read-only link (optionally expiring, optionally locking
//! the dashboard filters' current values), see the links made and revoke them.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde_json::json;

use super::board_state::BoardState;
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

/// Share links of a dashboard: make one (optionally expiring, optionally with the filters'
/// current values locked), see and revoke the others.
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
    // None: the default, which is to lock when there is something to lock.
    let lock_choice = RwSignal::new(None::<bool>);
    let to_lock = Memo::new(move |_| lockable(board));
    let lock = move || lock_choice.get().unwrap_or(true) && !to_lock.with(Vec::is_empty);
    let made = RwSignal::new(None::<Result<String, ErrorBody>>);
    let make_name = name.clone();
    let make = move || {
        let n = make_name.clone();
        let expires = match days.get_untracked() {
            0 => None,
            d => days_from_now(d),
        };
        let locked: BTreeMap<String, String> = if lock_choice.get_untracked().unwrap_or(true) {
            to_lock
                .get_untracked()
                .into_iter()
                .map(|(field, _, value)| (field, value))
                .collect()
        } else {
            BTreeMap::new()
        };
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
                format!("{origin}{}", l.path)
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
                <div class="share-lock">
                    <label>
                        <input type="checkbox" prop:checked=lock
                            on:change=move |ev| lock_choice.set(Some(event_target_checked(&ev)))/>
                        " Lock current filter values"
                    </label>
                    <span class="muted">" (visitors see them and cannot change them)"</span>
                    <ul class="locked-list" class:off=move || !lock()>
                        {move || to_lock.get().into_iter().map(|(field, title, value)| view! {
                            <li data-filter=field>{title}": "<code>{value}</code></li>
                        }).collect_view()}
                    </ul>
                </div>
            </Show>
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
