//! `/admin`: the users (role, attributes, disabled, password; adding one) and the audit log.
//! Only admins get it; anyone else is told so (the server refuses them anyway).
//!
//! - `users` — the users table and each row's actions;
//! - `new_user` — the "New user" form;
//! - `audit` — the latest lines of the audit log.

mod audit;
mod new_user;
mod users;

use leptos::prelude::*;

use crate::me::use_me;
use crate::widgets::ErrorBox;

/// `/admin`.
#[component]
pub fn AdminPage() -> impl IntoView {
    let me = use_me();
    // Bumped after a user is added or changed: the table and the log load again.
    let reload = RwSignal::new(0u32);
    view! {
        <h1>"Users and audit log"</h1>
        {move || match me.answer() {
            None => view! { <p class="loading">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
            Some(Ok(m)) if !m.permissions.admin => view! {
                <p class="notice" role="alert">
                    "Only admins can manage users. You are logged in as "{m.email}" ("{m.role.as_str()}")."
                </p>
            }.into_any(),
            Some(Ok(_)) => view! {
                <users::UsersTable reload=reload/>
                <new_user::NewUserForm reload=reload/>
                <audit::AuditLog reload=reload/>
            }.into_any(),
        }}
    }
}
