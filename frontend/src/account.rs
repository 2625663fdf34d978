//! `/account`: who the caller is (email, role, attributes) and their API keys: the list, making
//! one (a name and an optional expiry; its secret is shown once, to copy), revoking one.

use leptos::prelude::*;
use serde_json::json;

use crate::api::{self, ErrorBody, KeyCreated, KeyInfo};
use crate::attributes;
use crate::me::use_me;
use crate::when::{days_from_now, short_time};
use crate::widgets::ErrorBox;

/// Put `text` on the clipboard (the browser's; nothing on the server).
fn copy_to_clipboard(text: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &JsValue::from_str(k)).ok();
        let Some(window) = web_sys::window() else {
            return;
        };
        let clipboard = get(&window.into(), "navigator").and_then(|n| get(&n, "clipboard"));
        if let Some(clipboard) = clipboard.filter(|c| !c.is_undefined())
            && let Some(write) =
                get(&clipboard, "writeText").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let _ = write.call1(&clipboard, &JsValue::from_str(text));
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}

/// `/account`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let me = use_me();
    view! {
        <h1>"Your account"</h1>
        {move || me.answer().map(|m| match m {
            Ok(m) => view! {
                <dl class="me">
                    <dt>"Email"</dt><dd>{m.email.clone()}</dd>
                    <dt>"Name"</dt><dd>{m.name.clone()}</dd>
                    <dt>"Role"</dt><dd>{m.role.as_str()}</dd>
                    <dt>"Attributes"</dt>
                    <dd>{match attributes::pairs(&m.attributes).join("; ") {
                        s if s.is_empty() => "none".to_string(),
                        s => s,
                    }}</dd>
                </dl>
            }.into_any(),
            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
        })}
        <ApiKeys/>
    }
}

/// The caller's API keys: list, make, revoke.
#[component]
fn ApiKeys() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let keys = LocalResource::new(move || {
        reload.get();
        api::get::<Vec<KeyInfo>>("/api/v1/me/keys")
    });
    let name = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let made = RwSignal::new(None::<Result<KeyCreated, ErrorBody>>);
    let create = move || {
        let n = name.get_untracked().trim().to_string();
        if n.is_empty() {
            made.set(Some(Err(api::local_error(
                "give the key a name, e.g. what uses it",
            ))));
            return;
        }
        let d = days.get_untracked();
        let expires = match d.trim() {
            "" => None,
            d => match d.parse::<u32>() {
                Ok(d) if d > 0 => days_from_now(d),
                _ => {
                    made.set(Some(Err(api::local_error(
                        "expiry: a whole number of days, or empty for none",
                    ))));
                    return;
                }
            },
        };
        leptos::task::spawn_local(async move {
            let r = api::post::<KeyCreated>(
                "/api/v1/me/keys",
                &json!({"name": n, "expires_at": expires}),
                None,
            )
            .await;
            if r.is_ok() {
                name.set(String::new());
                days.set(String::new());
            }
            made.set(Some(r));
            reload.update(|r| *r += 1);
        });
    };
    let error = RwSignal::new(None::<ErrorBody>);
    let revoke = Callback::new(move |id: String| {
        leptos::task::spawn_local(async move {
            match api::delete(&format!("/api/v1/me/keys/{id}")).await {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(e)),
            }
            reload.update(|r| *r += 1);
        });
    });
    view! {
        <section class="api-keys" aria-label="API keys">
            <h2>"API keys"</h2>
            <p class="muted">"A key lets a program use the API as you: send it as "<code>"Authorization: Bearer bk_…"</code>". Revoke it when it is no longer needed."</p>
            <form class="new-key" aria-label="new API key" on:submit=move |ev| { ev.prevent_default(); create(); }>
                <label for="key-name">"Name"</label>
                <input id="key-name" placeholder="what uses it" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="key-days">"Expires in (days)"</label>
                <input id="key-days" type="number" min="1" placeholder="never" prop:value=move || days.get()
                    on:input=move |ev| days.set(event_target_value(&ev))/>
                <button class="primary" type="submit">"Create key"</button>
            </form>
            {move || made.get().map(|m| match m {
                Ok(k) => {
                    let secret = k.secret.clone();
                    view! {
                        <div class="key-secret" role="status">
                            <label for="key-secret">{format!("Key '{}', shown once: copy it now ", k.key.name)}</label>
                            <input id="key-secret" readonly size="60" value=k.secret.clone()
                                on:focus=move |ev| { use wasm_bindgen::JsCast; if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { i.select(); } }/>
                            <button type="button" on:click=move |_| copy_to_clipboard(&secret)>"Copy"</button>
                        </div>
                    }.into_any()
                }
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
            <Suspense fallback=|| view! { <p class="loading">"Loading your keys…"</p> }>
                {move || keys.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No keys yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data keys">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Id"</th><th scope="col">"Made"</th><th scope="col">"Expires"</th>
                                <th scope="col">"Last used"</th><th scope="col">"Status"</th><th></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|k| {
                                    let id = k.id.clone();
                                    let time = |t: Option<String>, none: &'static str| t.map(|t| short_time(&t)).unwrap_or_else(|| none.into());
                                    let status = if k.active { "active" } else if k.revoked_at.is_some() { "revoked" } else { "expired" };
                                    view! {
                                        <tr data-key=k.id.clone() data-status=status>
                                            <td>{k.name.clone()}</td>
                                            <td><code>{k.id.clone()}</code></td>
                                            <td>{short_time(&k.created_at.to_string())}</td>
                                            <td>{time(k.expires_at.map(|t| t.to_string()), "never")}</td>
                                            <td>{time(k.last_used_at.map(|t| t.to_string()), "never")}</td>
                                            <td>{status}</td>
                                            <td>{k.active.then(|| view! {
                                                <button class="revoke" aria-label=format!("revoke key {}", k.name) on:click=move |_| revoke.run(id.clone())>"Revoke"</button>
                                            })}</td>
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
