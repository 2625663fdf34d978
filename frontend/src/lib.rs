//! Boltic's web app (Leptos): rendered on the server by `boltic serve` (feature `ssr`) and
//! hydrated in the browser (feature `hydrate`, built to wasm by `scripts/build-frontend.sh`).
//! All data comes from the JSON API (`/api/v1`); all assets (the wasm bundle, ECharts, CSS)
//! are served by Boltic itself under `/pkg`; ECharts only to pages that draw a chart.
//!
//! - [`state`] — the explore state and its URL / API encodings (pure);
//! - [`api`] — API types and `fetch`;
//! - [`chart`] — chart choice, ECharts options, the wasm-bindgen layer over ECharts;
//! - [`cell_format`], [`pivot`], [`grid`] — cell formatting, pivoting a result, the grid's
//!   rules (pure);
//! - [`widgets`] — what both pages show: result tables, charts, the chart-type picker, errors;
//! - [`attributes`], [`when`] — user attributes and times as people write and read them (pure);
//! - `me` — who is using the app (`/api/v1/me`), shared with every page through the context;
//! - [`explore`] — the explore page;
//! - [`dashboard`] — dashboards, their grid and filters, share links, the shared page;
//! - [`admin`] — `/admin`: users and the audit log (admins);
//! - [`account`] — `/account`: the caller's API keys.
//!
//! Logging in and out are the server's (`/login` is a plain server-rendered form; "Log out" is
//! a form posting to `/logout`). Every control shown depends on the caller's role, but the
//! server decides: the app only hides what it would refuse.
//!
//! Pages depend on widgets, widgets on the pure modules; never the other way round.

#![recursion_limit = "256"]

pub mod account;
pub mod admin;
pub mod api;
pub mod attributes;
mod browser;
pub mod cell_format;
pub mod chart;
pub mod dashboard;
pub mod explore;
pub mod grid;
mod me;
pub mod pivot;
pub mod state;
pub mod when;
pub mod widgets;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, lazy_route, path};

/// Name of the wasm bundle under `/pkg` (`boltic.js`, `boltic_bg.wasm`).
pub const OUTPUT_NAME: &str = "boltic";

/// The HTML document around the app (server side). Its head asks the browser to fetch at once
/// the answers the page's app fetches first ([`first_fetches`]).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos::hydration::HydrationScripts;
    use leptos_meta::MetaTags;
    let path = use_context::<leptos_router::location::RequestUrl>()
        .and_then(|url| url.parse().ok())
        .map(|url| url.path().to_string())
        .unwrap_or_default();
    // `crossorigin`: fetched as the app's own `fetch` does (same-origin credentials), which is
    // what lets the app's request take the preloaded answer
    let preloads = first_fetches(&path)
        .into_iter()
        .map(|href| view! { <link rel="preload" href=href r#as="fetch" crossorigin="anonymous"/> })
        .collect_view();
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <link rel="stylesheet" href="/pkg/boltic.css"/>
                {preloads}
                <script nonce=nonce>{STOPPED_NOTE}</script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Says so on the page when the app has stopped: a WebAssembly trap, which is what a panic is in
/// the browser bundle (it aborts), e.g. when a page's own code cannot be fetched (Leptos' lazy
/// routes then panic, leptos-rs/leptos#4785) or a bug. The page would otherwise look alive and
/// do nothing. Plain script in the page's head, so it works when the app does not.
#[cfg(feature = "ssr")]
const STOPPED_NOTE: &str = r#"(() => {
  const stopped = (e) => {
    if (!(e instanceof WebAssembly.RuntimeError) || document.getElementById("stopped")) return;
    const note = document.createElement("p");
    note.id = "stopped";
    note.className = "error stopped";
    note.setAttribute("role", "alert");
    note.textContent = "This page has stopped working: part of its code could not be loaded, or it failed. Reload the page to try again.";
    document.body.prepend(note);
  };
  addEventListener("error", (e) => stopped(e.error));
  addEventListener("unhandledrejection", (e) => stopped(e.reason));
})();"#;

/// The API answers the page at `path` fetches as soon as its app runs, in the browser: who is
/// asking (every page but a share link's, [`me::provide_me`]) and the explore of an explore page
/// (`explore::ExplorePage`). The server's HTML preloads them, so that they arrive while the
/// page's code loads instead of after it (`docs/benchmarks.md`, session 39). Each must be
/// exactly the URL the app then fetches, or the browser fetches it twice (and says so in the
/// console).
pub fn first_fetches(path: &str) -> Vec<String> {
    use leptos_router::PossibleRouteMatch;
    if path.starts_with("/s/") {
        return Vec::new();
    }
    let mut fetches = vec![me::ME_PATH.to_string()];
    if let Some(name) = ExploreRoute::path()
        .test(path)
        .filter(|m| m.is_complete())
        .and_then(|m| m.params().first().map(|(_, v)| v.to_string()))
        // a name the app's URL would spell otherwise (percent-encoding) is not guessed at
        .filter(|n| {
            n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
    {
        fetches.push(explore::description_path(&name));
    }
    fetches
}

/// The app: routes and the top bar.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    me::provide_me();
    view! {
        <Title text="Boltic"/>
        <Router>
            <TopBar/>
            <main>
                <Routes fallback=|| view! { <p class="error">"There is no such page."</p> }>
                    <Route path=path!("/") view=Home/>
                    <Route path=ExploreRoute::path() view={Lazy::<ExploreRoute>::new()}/>
                    <Route path=DashboardListRoute::path() view={Lazy::<DashboardListRoute>::new()}/>
                    <Route path=DashboardRoute::path() view={Lazy::<DashboardRoute>::new()}/>
                    <Route path=SharedRoute::path() view={Lazy::<SharedRoute>::new()}/>
                    <Route path=AdminRoute::path() view={Lazy::<AdminRoute>::new()}/>
                    <Route path=AccountRoute::path() view={Lazy::<AccountRoute>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}

/// The pages, each a lazy route: in the browser its code is a part of the bundle of its own
/// (`scripts/build-frontend.sh` splits the wasm where `#[lazy_route]` marks it), fetched when the
/// page is first shown, so a page downloads its own code and what it shares with others, not
/// every page's. On the server they render as any route.
///
/// Each page is listed with its path, which [`App`]'s routes match and [`page_for`] tests, so
/// that the browser's entry point can load a page's code before hydrating it (hydration is
/// synchronous, `vendor/README.md`).
macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $route:ident($path:tt) => $module:ident::$page:ident;)*) => {
        $(
            $(#[$doc])*
            struct $route;

            impl $route {
                /// The route's path, as `App`'s routes match it.
                fn path() -> impl leptos_router::PossibleRouteMatch + Clone + Send + 'static {
                    path!($path)
                }
            }

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                fn view(_this: Self) -> AnyView {
                    view! { <$module::$page/> }.into_any()
                }
            }
        )*

        /// The lazy page a path shows (its route's name), if any.
        pub fn page_for(path: &str) -> Option<&'static str> {
            use leptos_router::PossibleRouteMatch;
            $(
                if $route::path().test(path).is_some_and(|m| m.is_complete()) {
                    return Some(stringify!($route));
                }
            )*
            None
        }

        /// Loads the code of the lazy page a path shows, if it is one and not loaded yet.
        #[cfg(feature = "hydrate")]
        async fn load_page(path: &str) {
            match page_for(path) {
                $(Some(stringify!($route)) => <$route as LazyRoute>::preload().await,)*
                _ => {}
            }
        }
    };
}

lazy_pages! {
    ExploreRoute("/explore/:explore") => explore::ExplorePage;
    DashboardListRoute("/dashboards") => dashboard::DashboardList;
    DashboardRoute("/dashboards/:name") => dashboard::DashboardPage;
    /// A share link
    SharedRoute("/s/:token") => dashboard::SharedPage;
    AdminRoute("/admin") => admin::AdminPage;
    AccountRoute("/account") => account::AccountPage;
}

/// The top bar: the app's sections, who is logged in (name, email, role), their API keys and
/// "Log out"; a share-link visitor sees none of it.
#[component]
fn TopBar() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let visitor = move || location.pathname.get().starts_with("/s/");
    let me = me::use_me();
    view! {
        <header class="topbar">
            <span class="brand">"Boltic"</span>
            <Show when=move || !visitor()>
                <nav aria-label="main">
                    <A href="/">"Explores"</A>
                    <A href="/dashboards">"Dashboards"</A>
                    <Show when=move || me.is_admin()>
                        <A href="/admin">"Admin"</A>
                    </Show>
                </nav>
                <div class="account">
                    {move || me.answer().map(|m| match m {
                        Ok(m) => view! {
                            <span class="user" data-email=m.email.clone()>
                                <span class="name">{m.name.clone()}</span>" "
                                <span class="email">{m.email.clone()}</span>
                            </span>
                            <span class="role" title="your role">{m.role.as_str()}</span>
                        }.into_any(),
                        Err(_) => view! { <a href="/login" rel="external">"Log in"</a> }.into_any(),
                    })}
                    <A href="/account">"API keys"</A>
                    <form class="logout" method="post" action="/logout">
                        <button type="submit">"Log out"</button>
                    </form>
                </div>
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

/// Browser entry point: hydrate the server-rendered page once its page's code is loaded (the
/// server's HTML preloads it). Hydration is synchronous: Boltic's tachys hydrates type-erased
/// views only synchronously (`vendor/README.md`), which keeps a second, asynchronous copy of
/// every view's hydration out of the bundle, so a lazy page must be loaded before it starts.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panics logged to the console; a bundle built with `-Cpanic=immediate-abort`
    // (scripts/build-frontend.sh) runs no panic hook, so it carries none.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let path = browser::current_path();
        load_page(&path).await;
        leptos::mount::hydrate_body(App);
    });
}

#[cfg(test)]
mod tests {
    use super::{first_fetches, page_for};

    /// A page preloads who asks (not a share link's) and an explore page its explore, spelled
    /// as the app fetches them.
    #[test]
    fn a_page_preloads_what_its_app_fetches_first() {
        let cases: [(&str, &[&str]); 7] = [
            ("/", &["/api/v1/me"]),
            (
                "/explore/orders",
                &["/api/v1/me", "/api/v1/explores/orders"],
            ),
            (
                "/explore/flight_legs-2",
                &["/api/v1/me", "/api/v1/explores/flight_legs-2"],
            ),
            // a name that is spelled otherwise in a URL is not guessed at
            ("/explore/caf%C3%A9", &["/api/v1/me"]),
            ("/explore", &["/api/v1/me"]),
            ("/dashboards/revenue", &["/api/v1/me"]),
            ("/s/abc", &[]),
        ];
        for (path, fetches) in cases {
            assert_eq!(first_fetches(path), fetches, "{path}");
        }
        assert_eq!(
            crate::explore::description_path("orders"),
            "/api/v1/explores/orders"
        );
    }

    /// The pages found for paths are those `App`'s routes show.
    #[test]
    fn a_path_names_the_page_its_route_shows() {
        let cases = [
            ("/", None),
            ("/explore/orders", Some("ExploreRoute")),
            ("/explore/orders/", Some("ExploreRoute")),
            ("/explore", None),
            ("/dashboards", Some("DashboardListRoute")),
            ("/dashboards/revenue", Some("DashboardRoute")),
            ("/dashboards/revenue/more", None),
            ("/s/abc", Some("SharedRoute")),
            ("/admin", Some("AdminRoute")),
            ("/account", Some("AccountRoute")),
            ("/nowhere", None),
        ];
        for (path, page) in cases {
            assert_eq!(page_for(path), page, "{path}");
        }
    }
}
