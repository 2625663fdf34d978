//! The "New user" form: email, name, role, password, attributes (`POST /api/v1/admin/users`).

use leptos::prelude::*;

use crate::api::{self, ErrorBody, NewUser, Role, UserInfo};
use crate::attributes;
use crate::widgets::ErrorBox;

/// Add a user; `reload` is bumped when one is added.
#[component]
pub(super) fn NewUserForm(reload: RwSignal<u32>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let password = RwSignal::new(String::new());
    let attrs = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<UserInfo, ErrorBody>>);
    let add = move || {
        let attributes = match attributes::parse(&attrs.get_untracked()) {
            Ok(a) => a,
            Err(m) => return outcome.set(Some(Err(api::local_error(m)))),
        };
        let some = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let body = NewUser {
            email: email.get_untracked().trim().to_string(),
            name: some(name.get_untracked()),
            role: role.get_untracked(),
            password: (!password.get_untracked().is_empty()).then(|| password.get_untracked()),
            attributes,
        };
        leptos::task::spawn_local(async move {
            let r = api::post::<UserInfo>("/api/v1/admin/users", &body, None).await;
            if r.is_ok() {
                for s in [email, name, password, attrs] {
                    s.set(String::new());
                }
                reload.update(|r| *r += 1);
            }
            outcome.set(Some(r));
        });
    };
    view! {
        <form class="new-user" aria-label="new user" on:submit=move |ev| { ev.prevent_default(); add(); }>
            <h2>"New user"</h2>
            <div class="form-grid">
                <label for="new-user-email">"Email"</label>
                <input id="new-user-email" type="email" required autocomplete="off" prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))/>
                <label for="new-user-name">"Name"</label>
                <input id="new-user-name" placeholder="the email's first part" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="new-user-role">"Role"</label>
                <select id="new-user-role" on:change=move |ev| role.set(Role::from_name(&event_target_value(&ev)).unwrap_or(Role::Viewer))>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected={move || role.get() == r}>{r.as_str()}</option> }).collect_view()}
                </select>
                <label for="new-user-password">"Password"</label>
                <input id="new-user-password" type="password" autocomplete="new-password"
                    placeholder="at least 10 characters; empty: API keys only"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                <label for="new-user-attributes">"Attributes"</label>
                <textarea id="new-user-attributes" rows="3" placeholder="one key=value1,value2 a line, e.g. group_type=Company"
                    prop:value=move || attrs.get() on:input=move |ev| attrs.set(event_target_value(&ev))></textarea>
            </div>
            <button class="primary" type="submit">"Add user"</button>
            {move || outcome.get().map(|o| match o {
                Ok(u) => view! { <p class="saved" role="status">{format!("Added {} ({})", u.email, u.role.as_str())}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </form>
    }
}
