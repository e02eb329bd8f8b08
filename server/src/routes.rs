//! The HTTP application: routes and the middleware stack, in one place.

use crate::state::AppState;
use app::{shell, App};
use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::PgPool;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub const REQUEST_ID: &str = "x-request-id";

/// The whole application as a router, ready to serve or to test in-process.
pub fn router(state: AppState) -> Router {
    let context = state.context.clone();
    let accounts = app::ssr::auth::Accounts::new(state.auth.absolute_timeout);
    let provide = move || {
        provide_context(context.clone());
        provide_context(accounts.clone());
        app::csp::provide_request_nonce();
    };
    let routes = generate_route_list(App);
    let mut app = Router::new();
    if bench_baseline_enabled() {
        app = app.route(BENCH_BASELINE_PATH, get(bench_baseline));
    }
    let app = app
        .route("/healthz", get(healthz))
        .merge(crate::chart_routes::routes())
        .merge(crate::audit::routes())
        .merge(crate::sync_status::routes())
        .merge(crate::feed::routes())
        .leptos_routes_with_context(&state, routes, provide.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide, shell))
        .with_state(state.clone());
    // Accounts, innermost first: the cross-origin check, the session, a
    // removal cookie for a session cookie that names no live session, and
    // `Cache-Control: no-store` for whatever carries or sets a session cookie.
    let app = app
        .layer(axum::middleware::from_fn(page_policy))
        .layer(axum::middleware::from_fn(
            crate::client_errors::server_fn_client_errors,
        ))
        .layer(axum::middleware::from_fn(
            crate::client_errors::server_fn_form_bodies_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.auth.clone(),
            crate::auth::csrf_guard,
        ))
        .layer(crate::auth::session_layer(state.pool.clone(), &state.auth))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::forget_unknown_session,
        ))
        .layer(axum::middleware::from_fn(
            crate::auth::no_store_for_sessions,
        ));
    with_middleware(app, state.page_cache.clone(), state.auth.secure_cookie())
}

/// A nonce per request, handed to the render ([`app::csp`]) and named in
/// the page's Content-Security-Policy: an HTML response gets the page
/// policy with it, set here rather than from inside the render. Inside the
/// page cache, so a stored page keeps the header that names its nonce.
async fn page_policy(
    mut req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let nonce = leptos::nonce::Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(policy) = HeaderValue::from_str(&app::csp::for_page(&nonce)) {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    res
}

/// A client's `x-request-id` is kept only when it is a short token of safe
/// characters (it is logged and echoed); otherwise a fresh one is made.
fn drop_unsafe_request_id<B>(mut req: Request<B>) -> Request<B> {
    let safe = |v: &HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    };
    if req.headers().get(REQUEST_ID).is_some_and(|v| !safe(v)) {
        req.headers_mut().remove(REQUEST_ID);
    }
    req
}

/// Request bodies accepted at most: the bulk upload's own (its CSV of up to
/// [`app::api::bulk::MAX_BYTES`], form-encoded, which can triple it), and
/// a small one for every other form and server function (the largest,
/// an analyst entry with its note and source, is a few kilobytes).
pub const BULK_BODY_LIMIT: usize = 3 * app::api::bulk::MAX_BYTES + 64 * 1024;
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

/// The body limit of a request to `path`.
pub fn body_limit(path: &str) -> usize {
    use leptos::server_fn::ServerFn;
    if path == app::api::bulk::BulkPreview::PATH || path == app::api::bulk::BulkCommit::PATH {
        BULK_BODY_LIMIT
    } else {
        FORM_BODY_LIMIT
    }
}

/// Refuses a body over its route's [`body_limit`] with 413 before reading
/// it (a declared `Content-Length`), and cuts off one that grows past it
/// while read (chunked): no request can make the server hold more.
async fn limit_body(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = body_limit(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is over {} KB, the most this address accepts.\n",
                limit / 1024
            ),
        )
            .into_response();
    }
    let req = req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(req).await
}

/// The last net: a handler that panics is answered with 500 and the
/// request's reference (its `x-request-id`, which every log line of the
/// request carries) instead of a dropped connection, and the panic is logged
/// in the request's span. Nothing on a request path should panic (the error
/// policy in `app::error`); this keeps a bug from looking like an outage.
async fn catch_panic(
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use futures_util::FutureExt;
    let reference = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, "a request panicked");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CACHE_CONTROL, "no-store")],
                format!("{}\n", app::error::AppError::Internal(reference)),
            )
                .into_response()
        }
    }
}

/// The middleware stack, outermost first:
///
/// 1. request id: taken from `x-request-id` when it is a short safe token, else
///    generated, so the trace span carries it;
/// 2. trace: one span per request (`http.method`, `http.path`, `request.id`) and a
///    log line per response (`http.status`, `duration_ms`);
/// 3. the request id echoed on the response;
/// 4. security headers on every response (and `Strict-Transport-Security`
///    when the public address is https);
/// 5. the page cache: public pages for anonymous visitors, stored compressed
///    until the store changes ([`crate::page_cache`]);
/// 6. compression (gzip, brotli), the WebAssembly included;
/// 7. a 30 s timeout for anything that hangs;
/// 8. the request body limit of the route ([`body_limit`]);
/// 9. the last net: a panic is answered with 500 and the request id
///    ([`catch_panic`]).
fn with_middleware(app: Router, page_cache: crate::page_cache::PageCache, https: bool) -> Router {
    let header = HeaderName::from_static(REQUEST_ID);
    // Innermost first (each `layer` wraps what is already there).
    let app = app
        .layer(axum::middleware::from_fn(catch_panic))
        .layer(axum::middleware::from_fn(limit_body))
        .layer(ServiceBuilder::new().layer(CompressionLayer::new()).layer(
            TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)),
        ))
        .layer(axum::middleware::from_fn_with_state(
            page_cache,
            crate::page_cache::serve_cached,
        ));
    app.layer(
        ServiceBuilder::new()
            .layer(tower::util::MapRequestLayer::new(drop_unsafe_request_id))
            .layer(SetRequestIdLayer::new(header.clone(), MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<_>| {
                        let id = req
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        tracing::info_span!(
                            "request",
                            http.method = %req.method(),
                            http.path = %req.uri().path(),
                            request.id = %id,
                        )
                    })
                    .on_request(())
                    .on_response(
                        |res: &axum::http::Response<_>,
                         latency: Duration,
                         _span: &tracing::Span| {
                            tracing::info!(
                                http.status = res.status().as_u16(),
                                duration_ms = latency.as_secs_f64() * 1000.0,
                                "response"
                            );
                        },
                    ),
            )
            .layer(PropagateRequestIdLayer::new(header))
            .option_layer(https.then(|| {
                SetResponseHeaderLayer::if_not_present(
                    header::STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static("max-age=31536000; includeSubDomains"),
                )
            }))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            // A rendered page sets its own, with its nonce (`app::csp`).
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&app::csp::for_other_responses())
                    .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
            )),
    )
}

use axum::http::HeaderName;

/// Path of the benchmarks' trivial handler (see [`bench_baseline_enabled`]).
pub const BENCH_BASELINE_PATH: &str = "/bench/baseline";

/// `CAPEX_BENCH_BASELINE=1` (set by `scripts/bench.sh` only) adds
/// [`BENCH_BASELINE_PATH`]: a handler returning a fixed string, behind the
/// same middleware as every page, so the benchmarks compare pages with the
/// practical ceiling of this very server. Off otherwise: the route does not exist.
pub fn bench_baseline_enabled() -> bool {
    std::env::var_os("CAPEX_BENCH_BASELINE").is_some_and(|v| v == "1")
}

async fn bench_baseline() -> &'static str {
    "ok\n"
}

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
async fn healthz(State(pool): State<PgPool>) -> impl IntoResponse {
    let check = tokio::time::timeout(Duration::from_secs(2), store::ping(&pool)).await;
    match check {
        Ok(Ok(_)) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            "ok\n",
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database error");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "database unavailable\n",
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, "no-store")],
            "database timed out\n",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_handler_that_panics_is_answered_with_500_and_the_request_id_as_reference() {
        // Arrange: the real middleware stack around a route that panics.
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .expect("a lazy pool parses its address");
        let cache =
            crate::page_cache::PageCache::new(store::generation::StoreGeneration::unfollowed(pool));
        async fn boom() -> &'static str {
            panic!("a bug")
        }
        let app = with_middleware(Router::new().route("/boom", get(boom)), cache, false);

        // Act
        let response = app
            .oneshot(
                Request::get("/boom")
                    .header(REQUEST_ID, "ref-42")
                    .body(axum::body::Body::empty())
                    .expect("a request"),
            )
            .await
            .expect("the stack answers");

        // Assert
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[REQUEST_ID], "ref-42");
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("reference ref-42"), "{body}");
        assert!(
            !body.contains("a bug"),
            "the panic's detail stays in the log: {body}"
        );
    }
}
