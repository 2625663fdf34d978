//! Share links of a dashboard: make a read-only link (optionally expiring), see the links made
//! and revoke them.

use leptos::prelude::*;
use serde_json::{Value, json};

use crate::api::{self, ErrorBody, ShareCreated, ShareInfo, ShareStatus};
use crate::widgets::ErrorBox;

/// Share links of a dashboard: make one (optionally expiring), see and revoke the others.
#[component]
pub(super) fn SharePanel(name: String) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let list_name = name.clone();
    let links = LocalResource::new(move || {
        reload.get();
        let n = list_name.clone();
        async move { api::get::<Vec<ShareInfo>>(&format!("/api/v1/dashboards/{n}/shares")).await }
    });
    let days = RwSignal::new(0u32);
    let made = RwSignal::new(None::<Result<String, ErrorBody>>);
    let make_name = name.clone();
    let make = move || {
        let n = make_name.clone();
        let expires = match days.get_untracked() {
            0 => Value::Null,
            d => expiry(d),
        };
        leptos::task::spawn_local(async move {
            let r = api::post::<ShareCreated>(
                &format!("/api/v1/dashboards/{n}/shares"),
                &json!({"expires_at": expires}),
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
                                    let active = l.status == ShareStatus::Active;
                                    view! {
                                        <tr data-link=l.id.clone() data-status=l.status.as_str()>
                                            <td><code>{l.id.clone()}</code></td>
                                            <td>{short_time(&l.created_at.to_string())}</td>
                                            <td>{l.expires_at.map(|t| short_time(&t.to_string())).unwrap_or_else(|| "never".into())}</td>
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

/// `2024-08-01 10:30` of an RFC 3339 or `Display`ed UTC time.
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
