//! The pages: the Leptos web app (server-rendered, its assets under `/pkg`) and `/s/{token}`,
//! the shared dashboard page, which first checks its link and otherwise shows a friendly
//! askama page saying why the link does not open anything.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use tower::ServiceBuilder;

use super::login;
use super::state::AppState;
use crate::store::ShareStatus;

/// The web app: server-rendered Leptos pages, their assets under `/pkg` (brotli or gzip when
/// the browser accepts it), and `/s/{token}`, the shared dashboard page that first checks its link.
pub(super) fn web_app(state: &AppState) -> Router {
    use leptos::config::LeptosOptions;
    use leptos::prelude::provide_context;
    use leptos_axum::{LeptosRoutes, generate_route_list_with_exclusions};
    let config = &state.config;
    let options = LeptosOptions::builder()
        .output_name(boltic_frontend::OUTPUT_NAME)
        .site_root(config.site_dir.display().to_string())
        .site_pkg_dir("pkg")
        .build();
    let share_route = "/s/{token}";
    let routes =
        generate_route_list_with_exclusions(boltic_frontend::App, Some(vec![share_route.into()]));
    let shell_options = options.clone();
    // The brotli and gzip files scripts/build-frontend.sh wrote next to each asset when the
    // browser takes them, else gzip on the fly. No long-lived caching (the names carry no
    // version): the browser asks again each time and gets a 304 while the file is unchanged.
    let assets = ServiceBuilder::new()
        .map_response(|mut response: Response<_>| {
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            // what is sent depends on Accept-Encoding, also for the precompressed files
            let varies = headers.get_all(header::VARY).iter().any(|v| {
                v.to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
            });
            if !varies {
                headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
            response
        })
        .layer(tower_http::compression::CompressionLayer::new())
        .service(
            tower_http::services::ServeDir::new(config.site_dir.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    let render = {
        let (context, shell) = (options.clone(), options.clone());
        leptos_axum::render_app_to_stream_with_context(
            move || {
                provide_context(context.clone());
                content_security_policy();
            },
            move || boltic_frontend::shell(shell.clone()),
        )
    };
    let app_state = state.clone();
    let login = Router::new()
        .route("/login", get(login::login_page).post(login::login))
        .route("/logout", axum::routing::post(login::logout))
        .with_state(state.clone());
    Router::new()
        .leptos_routes_with_context(&options, routes, content_security_policy, move || {
            boltic_frontend::shell(shell_options.clone())
        })
        // the app's pages need a logged-in user; the rest of this router does not
        .route_layer(axum::middleware::from_fn(login::require_login))
        .route(
            share_route,
            get(
                move |axum::extract::Path(token): axum::extract::Path<String>,
                      req: axum::extract::Request| {
                    let render = render.clone();
                    share_page(app_state.clone(), token, req, move |r| render(r))
                },
            ),
        )
        .nest_service("/pkg", assets)
        .with_state(options)
        .merge(login)
}

/// The Content-Security-Policy of a page, set while it renders: scripts only from this
/// server or with this response's nonce (which `leptos` puts on its hydration scripts),
/// WebAssembly compiled from this server's bundle, no framing, forms only to this server.
fn content_security_policy() {
    use leptos::prelude::use_context;
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The page of a share link that does not open anything (askama).
#[derive(askama::Template)]
#[template(path = "share_unavailable.html")]
struct Unavailable {
    heading: &'static str,
    explanation: &'static str,
}

/// `GET /s/{token}`: the shared dashboard page (rendered by `render`) when the link works, a
/// friendly 404 (unknown or revoked) or 410 (expired) page otherwise.
pub async fn share_page<F>(state: AppState, token: String, req: Request, render: F) -> Response
where
    F: FnOnce(Request) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>,
{
    use askama::Template;
    let link = state.store.share_by_token(&token).await;
    let (status, page) = match link
        .as_ref()
        .map(|l| l.as_ref().map(|l| l.status(Utc::now())))
    {
        Ok(Some(ShareStatus::Active)) => {
            let mut response = render(req).await;
            response.headers_mut().insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            return response;
        }
        Ok(Some(ShareStatus::Expired)) => (
            StatusCode::GONE,
            Unavailable {
                heading: "This link has expired",
                explanation: "The dashboard was shared for a limited time, and that time is over. Ask the person who sent it for a new link.",
            },
        ),
        Ok(_) => (
            StatusCode::NOT_FOUND,
            Unavailable {
                heading: "This link does not open anything",
                explanation: "The link is unknown or was revoked by the person who shared it. Ask them for a new link.",
            },
        ),
        Err(e) => {
            tracing::error!(error = %e, "app database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Unavailable {
                    heading: "This page cannot be shown right now",
                    explanation: "The server could not read its database. Try again in a moment.",
                },
            )
        }
    };
    let html = page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "share page template");
        String::from(
            "<!DOCTYPE html><title>Not available</title><p>This link does not open anything.</p>",
        )
    });
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
