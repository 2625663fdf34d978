//! `boltic serve`: the JSON query API over the semantic model, run by DataFusion on the
//! published warehouse. See `docs/api.md` for the endpoints and error codes.
//!
//! This file puts the router together (routes, layers, fallbacks) and runs the server. The
//! handlers live by resource: [`explores`], [`queries`], [`dashboards`], [`shares`], [`ops`],
//! [`openapi`], and the pages in [`web`]. Who asks is decided once per request in [`caller`];
//! one query's path (compile, cache, run) is [`answer`].

pub mod answer;
pub mod audit;
pub mod body;
pub mod cache;
pub mod caller;
pub mod config;
pub mod dashboards;
pub mod encode;
pub mod error;
pub mod explores;
pub mod extract;
pub mod listen;
pub mod login;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod permissions;
pub mod queries;
pub mod rate;
pub mod safety;
pub mod shares;
pub mod state;
pub mod users;
pub mod web;

use std::future::Future;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use config::{ServeConfig, ServeSettings};
pub use error::{ApiCode, ApiError};
pub use state::AppState;

/// Largest request body accepted.
const MAX_BODY: usize = 1 << 20;

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    // Query routes read their body whole, then share the query slots; when all are busy a
    // request is refused at once (429 `overloaded`) instead of queueing without bound.
    let queries = Router::new()
        .route("/api/v1/query", post(queries::run_query))
        .route(
            "/api/v1/dashboards/{dashboard}/tiles/{tile}/query",
            post(dashboards::tile_query),
        )
        .route(
            "/api/v1/explores/{explore}/fields/{field}/values",
            get(explores::field_values),
        )
        .route_layer(
            ServiceBuilder::new()
                // the body is read whole before a query slot is taken
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    body::read_whole,
                ))
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    ApiError::overloaded()
                }))
                .layer(LoadShedLayer::new())
                .layer(GlobalConcurrencyLimitLayer::with_semaphore(
                    state.query_slots.clone(),
                )),
        );
    let api = Router::new()
        .route("/api/v1/explores", get(explores::list_explores))
        .route(
            "/api/v1/explores/{explore}",
            get(explores::describe_explore),
        )
        .route("/api/v1/sql", post(queries::compile_sql))
        .route("/api/v1/drill", post(queries::drill))
        .route("/api/v1/health", get(ops::health))
        .route("/api/v1/ready", get(ops::ready))
        .route("/api/v1/warehouse/versions", get(ops::warehouse_versions))
        .route("/api/v1/admin/reload", post(ops::reload))
        .route("/api/v1/openapi.json", get(openapi::openapi))
        .route("/metrics", get(ops::metrics))
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
        .route("/api/v1/share", get(shares::shared))
        .route(
            "/api/v1/dashboards/{dashboard}/tiles",
            post(dashboards::add_tile),
        )
        .route(
            "/api/v1/dashboards/{dashboard}/shares",
            get(shares::list_shares).post(shares::create_share),
        )
        .route(
            "/api/v1/dashboards/{dashboard}/shares/{id}",
            axum::routing::delete(shares::revoke_share),
        )
        .route("/api/v1/me", get(users::me))
        .route(
            "/api/v1/me/keys",
            get(users::my_keys).post(users::create_my_key),
        )
        .route(
            "/api/v1/me/keys/{id}",
            axum::routing::delete(users::revoke_my_key),
        )
        .route(
            "/api/v1/admin/users",
            get(users::list_users).post(users::add_user),
        )
        .route(
            "/api/v1/admin/users/{id}",
            axum::routing::patch(users::change_user),
        )
        .route(
            "/api/v1/admin/users/{id}/keys",
            get(users::user_keys).post(users::create_user_key),
        )
        .route(
            "/api/v1/admin/keys/{id}",
            axum::routing::delete(users::revoke_key),
        )
        .route("/api/v1/admin/audit", get(users::audit_log))
        .merge(queries)
        // what the caller may do, per route (after `identify`, below), then its rate
        .route_layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn(permissions::authorize))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    rate::limit,
                )),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(
                    |_: Box<dyn std::any::Any + Send>| {
                        tracing::error!("a request handler panicked");
                        ApiError::internal("answering the request").into_response()
                    },
                ))
                .layer(DefaultBodyLimit::max(MAX_BODY))
                .layer(axum::middleware::map_response_with_state(
                    state.clone(),
                    count_errors,
                )),
        )
        .with_state(state.clone())
        .merge(web::web_app(&state));
    // Layers every request crosses, API and pages alike, stacked once around the routes rather
    // than once per route (a route's layers are boxed and cloned level by level per request).
    let outer = ServiceBuilder::new()
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // before anything answers: the Host, cross-site and JSON-only checks, security headers
        .layer(axum::middleware::from_fn_with_state(
            safety::AllowedHosts::new(state.config.public_url.as_ref()),
            safety::guard,
        ))
        // login sessions, kept in the app database
        .layer(session_layer(&state))
        // who asks, for the API and the pages: share-link visitors are confined to their
        // dashboard
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            caller::identify,
        ))
        .service(api);
    Router::new().fallback_service(outer)
}

/// The login session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` behind https; the session
/// ends after the idle timeout (kept alive by use).
fn session_layer(
    state: &AppState,
) -> tower_sessions::SessionManagerLayer<crate::store::SessionRecords> {
    use tower_sessions::cookie::{SameSite, time};
    let idle = i64::try_from(state.config.session_idle.as_secs()).unwrap_or(i64::MAX);
    tower_sessions::SessionManagerLayer::new(crate::store::SessionRecords(state.store.clone()))
        .with_name(login::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.https())
        .with_expiry(tower_sessions::Expiry::OnInactivity(
            time::Duration::seconds(idle),
        ))
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
    ApiError::new(ApiCode::NotFound, "there is no such endpoint")
        .hint("the endpoints are listed in /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ApiCode::MethodNotAllowed,
        "this endpoint does not take that method",
    )
}

async fn count_errors(State(state): State<AppState>, response: Response) -> Response {
    if let Some(code) = response.extensions().get::<error::ErrorCode>() {
        state.metrics.error(code.0.as_str());
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
    // expired sessions and audit entries past their retention go away in the background
    let cleaner = tokio::spawn(clean_up(state.clone()));
    let limits = listen::ConnectionLimits {
        max_connections: state.config.max_connections,
        header_timeout: state.config.header_timeout,
    };
    listen::serve_connections(listener, router(state.clone()), limits, async move {
        shutdown.await;
        tracing::info!("shutting down: finishing running requests");
        let _ = stop_tx.send(true);
    })
    .await;
    let _ = watcher.await;
    cleaner.abort();
    // what the last requests noted is in the audit log before the process ends
    state.audit.flush().await;
    state.release_reader().await;
    Ok(())
}

/// Every hour: delete expired sessions and audit entries older than the retention.
async fn clean_up(state: AppState) {
    use tower_sessions::session_store::ExpiredDeletion;
    let sessions = crate::store::SessionRecords(state.store.clone());
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = sessions.delete_expired().await {
            tracing::warn!(error = %e, "cannot delete expired sessions");
        }
        let keep = chrono::Duration::from_std(state.config.audit_retention)
            .unwrap_or(chrono::Duration::MAX);
        let before = chrono::Utc::now()
            .checked_sub_signed(keep)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        match state.store.prune_audit(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(entries = n, "pruned the audit log"),
            Err(e) => tracing::warn!(error = %e, "cannot prune the audit log"),
        }
    }
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
