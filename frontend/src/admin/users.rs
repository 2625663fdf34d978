//! The users table: email, name, role, attributes, disabled, password; per row, change the
//! role, disable or enable, set the attributes, set a password (`PATCH
//! /api/v1/admin/users/{id}`).

use leptos::prelude::*;

use crate::api::{self, ErrorBody, Role, UserChange, UserInfo};
use crate::attributes;
use crate::widgets::ErrorBox;

/// Every user, with its actions.
#[component]
pub(super) fn UsersTable(reload: RwSignal<u32>) -> impl IntoView {
    let users = LocalResource::new(move || {
        reload.get();
        api::get::<Vec<UserInfo>>("/api/v1/admin/users")
    });
    let error = RwSignal::new(None::<ErrorBody>);
    let done = RwSignal::new(None::<String>);
    view! {
        <section class="users" aria-label="users">
            <h2>"Users"</h2>
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
            {move || done.get().map(|d| view! { <p class="saved" role="status">{d}</p> })}
            <Suspense fallback=|| view! { <p class="loading">"Loading the users…"</p> }>
                {move || users.get().map(|r| match r {
                    Ok(list) => view! {
                        <table class="data users">
                            <thead><tr>
                                <th scope="col">"Email"</th><th scope="col">"Name"</th><th scope="col">"Role"</th>
                                <th scope="col">"Attributes"</th><th scope="col">"Disabled"</th><th scope="col">"Password"</th><th scope="col">"Actions"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| view! { <UserRow user=u reload=reload error=error done=done/> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// Which editor a row has open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Editor {
    Attributes,
    Password,
}

/// One user and its actions; an attributes or password editor opens under it.
#[component]
fn UserRow(
    user: UserInfo,
    reload: RwSignal<u32>,
    error: RwSignal<Option<ErrorBody>>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let UserInfo {
        id,
        email,
        name,
        role,
        attributes: attrs,
        disabled,
        has_password,
    } = user;
    let open = RwSignal::new(None::<Editor>);
    let attrs_text = RwSignal::new(attributes::to_text(&attrs));
    let password = RwSignal::new(String::new());
    let who = StoredValue::new(email.clone());
    let change = Callback::new(move |(change, what): (UserChange, &'static str)| {
        let url = format!("/api/v1/admin/users/{id}");
        leptos::task::spawn_local(async move {
            match api::patch::<UserInfo>(&url, &change).await {
                Ok(u) => {
                    error.set(None);
                    done.set(Some(format!("{what} of {}", u.email)));
                    reload.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let save_attributes = move || match attributes::parse(&attrs_text.get_untracked()) {
        Ok(a) => change.run((
            UserChange {
                attributes: Some(a),
                ..Default::default()
            },
            "Changed the attributes",
        )),
        Err(m) => error.set(Some(api::local_error(m))),
    };
    let save_password = move || {
        change.run((
            UserChange {
                password: Some(password.get_untracked()),
                ..Default::default()
            },
            "Set the password",
        ))
    };
    let toggle = move |e: Editor| open.update(|o| *o = if *o == Some(e) { None } else { Some(e) });
    let pairs = attributes::pairs(&attrs);
    view! {
        <tr data-user=email.clone() data-role=role.as_str() class:disabled=disabled>
            <td>{email.clone()}</td>
            <td>{name}</td>
            <td>
                <select aria-label=format!("role of {email}") on:change=move |ev| {
                    if let Some(r) = Role::from_name(&event_target_value(&ev)) {
                        change.run((UserChange { role: Some(r), ..Default::default() }, "Changed the role"));
                    }
                }>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected={r == role}>{r.as_str()}</option> }).collect_view()}
                </select>
            </td>
            <td class="attributes">
                {if pairs.is_empty() {
                    view! { <span class="muted">"none"</span> }.into_any()
                } else {
                    pairs.into_iter().map(|p| view! { <code>{p}</code>" " }).collect_view().into_any()
                }}
            </td>
            <td class="disabled">{if disabled { "yes" } else { "no" }}</td>
            <td class="has-password">{if has_password { "yes" } else { "no (keys only)" }}</td>
            <td class="actions">
                <button aria-label=format!("{} {email}", if disabled { "enable" } else { "disable" })
                    on:click=move |_| change.run((UserChange { disabled: Some(!disabled), ..Default::default() }, if disabled { "Enabled" } else { "Disabled" }))>
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <button aria-expanded=move || (open.get() == Some(Editor::Attributes)).to_string()
                    aria-label=format!("set attributes of {email}") on:click=move |_| toggle(Editor::Attributes)>"Set attributes"</button>
                <button aria-expanded=move || (open.get() == Some(Editor::Password)).to_string()
                    aria-label=format!("set password of {email}") on:click=move |_| toggle(Editor::Password)>"Set password"</button>
            </td>
        </tr>
        <Show when=move || open.get() == Some(Editor::Attributes)>
            <tr class="row-editor">
                <td colspan="7">
                    <form on:submit=move |ev| { ev.prevent_default(); save_attributes(); }>
                        <label>{format!("Attributes of {} (one key=value1,value2 a line) ", who.get_value())}
                            <textarea rows="3" prop:value=move || attrs_text.get()
                                on:input=move |ev| attrs_text.set(event_target_value(&ev))></textarea>
                        </label>
                        <button class="primary" type="submit">"Save attributes"</button>
                        <button type="button" on:click=move |_| open.set(None)>"Cancel"</button>
                    </form>
                </td>
            </tr>
        </Show>
        <Show when=move || open.get() == Some(Editor::Password)>
            <tr class="row-editor">
                <td colspan="7">
                    <form on:submit=move |ev| { ev.prevent_default(); save_password(); }>
                        <label>{format!("New password for {} (at least 10 characters; ends their sessions) ", who.get_value())}
                            <input type="password" autocomplete="new-password" prop:value=move || password.get()
                                on:input=move |ev| password.set(event_target_value(&ev))/>
                        </label>
                        <button class="primary" type="submit">"Save password"</button>
                        <button type="button" on:click=move |_| open.set(None)>"Cancel"</button>
                    </form>
                </td>
            </tr>
        </Show>
    }
}
