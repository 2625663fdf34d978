//! `boltic serve`: the JSON query API over the semantic model, run by DataFusion on the
//! published warehouse. See `docs/api.md` for the endpoints and error codes.

pub mod cache;
pub mod config;
pub mod dashboards;
pub mod encode;
pub mod error;
pub mod metrics;
pub mod query;
pub mod routes;
pub mod state;

use std::future::Future;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use config::{ServeConfig, ServeSettings};
pub use error::ApiError;
pub use state::AppState;

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    // Query routes share the query slots; when all are busy a request is refused at once
    // (429 `overloaded`) instead of queueing without bound.
    let limited = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            ApiError::overloaded()
        }))
        .layer(LoadShedLayer::new())
        .layer(GlobalConcurrencyLimitLayer::with_semaphore(
            state.query_slots.clone(),
        ));
    let queries = Router::new()
        .route("/api/v1/query", post(routes::run_query))
        .route(
            "/api/v1/dashboards/{dashboard}/tiles/{tile}/query",
            post(dashboards::tile_query),
        )
        .route(
            "/api/v1/explores/{explore}/fields/{field}/values",
            get(routes::field_values),
        )
        .route_layer(limited);
    Router::new()
        .route("/api/v1/explores", get(routes::list_explores))
        .route("/api/v1/explores/{explore}", get(routes::describe_explore))
        .route("/api/v1/sql", post(routes::compile_sql))
        .route("/api/v1/health", get(routes::health))
        .route("/api/v1/ready", get(routes::ready))
        .route("/api/v1/admin/reload", post(routes::reload))
        .route("/api/v1/openapi.json", get(routes::openapi))
        .route("/metrics", get(routes::metrics))
        .route(
            "/api/v1/dashboards",
            get(dashboards::list).post(dashboards::create),
        )
        .route(
            "/api/v1/dashboards/{dashboard}",
            get(dashboards::get)
                .put(dashboards::update)
                .delete(dashboards::delete),
        )
        .route("/api/v1/share", get(dashboards::shared))
        .route(
            "/api/v1/dashboards/{dashboard}/tiles",
            post(dashboards::add_tile),
        )
        .route(
            "/api/v1/dashboards/{dashboard}/shares",
            get(dashboards::list_shares).post(dashboards::create_share),
        )
        .route(
            "/api/v1/dashboards/{dashboard}/shares/{id}",
            axum::routing::delete(dashboards::revoke_share),
        )
        .merge(queries)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // who asks: share-link visitors are confined to their dashboard
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            dashboards::identify,
        ))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            count_errors,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                tracing::error!("a request handler panicked");
                ApiError::internal("answering the request").into_response()
            },
        ))
        .with_state(state.clone())
        .merge(web_app(&state))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// The web app: server-rendered Leptos pages, their assets under `/pkg` (gzip when the
/// browser accepts it), and `/s/{token}`, the shared dashboard page that first checks its link.
fn web_app(state: &AppState) -> Router {
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
    let assets = ServiceBuilder::new()
        .layer(tower_http::compression::CompressionLayer::new())
        .service(tower_http::services::ServeDir::new(
            config.site_dir.join("pkg"),
        ));
    let render = {
        let (context, shell) = (options.clone(), options.clone());
        leptos_axum::render_app_to_stream_with_context(
            move || provide_context(context.clone()),
            move || boltic_frontend::shell(shell.clone()),
        )
    };
    let app_state = state.clone();
    Router::new()
        .leptos_routes(&options, routes, move || {
            boltic_frontend::shell(shell_options.clone())
        })
        .route(
            share_route,
            get(
                move |axum::extract::Path(token): axum::extract::Path<String>,
                      req: axum::extract::Request| {
                    let render = render.clone();
                    dashboards::share_page(app_state.clone(), token, req, move |r| render(r))
                },
            ),
        )
        .nest_service("/pkg", assets)
        .with_state(options)
}

/// Whether the built web app is in `site_dir` (the pages work without it, but do not hydrate).
pub fn web_app_built(config: &ServeConfig) -> bool {
    let pkg = config.site_dir.join("pkg");
    pkg.join(format!("{}.js", boltic_frontend::OUTPUT_NAME))
        .is_file()
        && pkg
            .join(format!("{}_bg.wasm", boltic_frontend::OUTPUT_NAME))
            .is_file()
}

/// The span of a request in the logs; a share link's token is never written there.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let path = req.uri().path();
    let path = if path.starts_with("/s/") {
        "/s/<token>"
    } else {
        path
    };
    tracing::debug_span!("request", method = %req.method(), path)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "there is no such endpoint",
    )
    .hint("the endpoints are listed in /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
    .hint("the endpoints and their methods are listed in /api/v1/openapi.json")
}

async fn count_errors(State(state): State<AppState>, response: Response) -> Response {
    if let Some(code) = response.extensions().get::<error::ErrorCode>() {
        state.metrics.error(code.0);
    }
    response
}

/// Serve on `listener` until `shutdown` resolves; running requests are finished first.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let watcher = {
        let mut rx = stop_rx.clone();
        tokio::spawn(state.clone().watch(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }))
    };
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing running requests");
            let _ = stop_tx.send(true);
        })
        .await?;
    let _ = watcher.await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
