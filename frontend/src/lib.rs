//! Boltic's web app (Leptos): rendered on the server by `boltic serve` (feature `ssr`) and
//! hydrated in the browser (feature `hydrate`, built to wasm by `scripts/build-frontend.sh`).
//! All data comes from the JSON API (`/api/v1`); all assets (the wasm bundle, ECharts, CSS)
//! are served by Boltic itself under `/pkg`.
//!
//! - [`state`] — the explore state and its URL / API encodings (pure);
//! - [`api`] — API types and `fetch`;
//! - [`chart`] — chart choice, ECharts options, the wasm-bindgen layer over ECharts;
//! - [`cell_format`], [`pivot`], [`grid`] — cell formatting, pivoting a result, the grid's
//!   rules (pure);
//! - [`widgets`] — what both pages show: result tables, charts, the chart-type picker, errors;
//! - [`explore`] — the explore page;
//! - [`dashboard`] — dashboards, their grid and filters, share links, the shared page.
//!
//! Pages depend on widgets, widgets on the pure modules; never the other way round.

#![recursion_limit = "256"]

pub mod api;
mod browser;
pub mod cell_format;
pub mod chart;
pub mod dashboard;
pub mod explore;
pub mod grid;
pub mod pivot;
pub mod state;
pub mod widgets;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// Name of the wasm bundle under `/pkg` (`boltic.js`, `boltic_bg.wasm`).
pub const OUTPUT_NAME: &str = "boltic";

/// The HTML document around the app (server side).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos::hydration::HydrationScripts;
    use leptos_meta::MetaTags;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <link rel="stylesheet" href="/pkg/boltic.css"/>
                <script src="/pkg/echarts.min.js" defer></script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: routes and the top bar.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Boltic"/>
        <Router>
            <TopBar/>
            <main>
                <Routes fallback=|| view! { <p class="error">"There is no such page."</p> }>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/explore/:explore") view=explore::ExplorePage/>
                    <Route path=path!("/dashboards") view=dashboard::DashboardList/>
                    <Route path=path!("/dashboards/:name") view=dashboard::DashboardPage/>
                    <Route path=path!("/s/:token") view=dashboard::SharedPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// The top bar; a share-link visitor sees no way into the rest of the app.
#[component]
fn TopBar() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let visitor = move || location.pathname.get().starts_with("/s/");
    view! {
        <header class="topbar">
            <span class="brand">"Boltic"</span>
            <Show when=move || !visitor()>
                <nav aria-label="main">
                    <A href="/">"Explores"</A>
                    <A href="/dashboards">"Dashboards"</A>
                </nav>
            </Show>
        </header>
    }
}

/// The start page: the explores.
#[component]
fn Home() -> impl IntoView {
    let explores = LocalResource::new(|| api::get::<Vec<api::ExploreSummary>>("/api/v1/explores"));
    view! {
        <h1>"Explores"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || explores.get().map(|e| match e {
                Ok(list) => view! {
                    <ul class="explores">
                        {list.into_iter().map(|e| view! {
                            <li><a href=format!("/explore/{}", e.name)>{e.label}</a></li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <widgets::ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Browser entry point: hydrate the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
