//! An API error shown in place: its message, its hint, and its code as `data-code`.

use leptos::prelude::*;

use crate::api::ErrorBody;

/// An error in place, with its hint.
#[component]
pub fn ErrorBox(error: ErrorBody) -> impl IntoView {
    view! {
        <div class="error" role="alert" data-code=error.code.clone()>
            <strong>{error.message.clone()}</strong>
            {error.hint.clone().map(|h| view! { <p class="hint">{h}</p> })}
        </div>
    }
}
