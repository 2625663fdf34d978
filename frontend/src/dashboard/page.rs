//! The two routes that show one dashboard: `/dashboards/:name` and `/s/:token`, the read-only
//! page a share link opens (every request it makes carries the token).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::board::Board;
use crate::api::{self, DashboardResponse};
use crate::widgets::ErrorBox;

/// `/dashboards/:name`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let params = use_params_map();
    let info = LocalResource::new(move || {
        let name = params.read().get("name").unwrap_or_default();
        async move { api::get::<DashboardResponse>(&format!("/api/v1/dashboards/{name}")).await }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the dashboard…"</p> }>
            {move || info.get().map(|d| match d {
                Ok(d) => view! { <Board info=d shared=false/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// `/s/:token`: the dashboard a share link opens, read-only; every request carries the token.
#[component]
pub fn SharedPage() -> impl IntoView {
    let params = use_params_map();
    let info = LocalResource::new(move || {
        let token = params.read().get("token").unwrap_or_default();
        api::use_share_token(Some(token));
        api::get::<DashboardResponse>("/api/v1/share")
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the dashboard…"</p> }>
            {move || info.get().map(|d| match d {
                Ok(d) => view! { <Board info=d shared=true/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}
