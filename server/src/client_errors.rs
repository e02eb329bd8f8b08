//! Server functions whose arguments cannot be read (malformed bodies, wrong
//! types, missing fields) fail inside the server-function layer, before any
//! of our code runs, and that layer answers 500. This middleware gives such
//! answers the status [`AppError::status`] assigns them (400): the fault is
//! the client's, and a 500 would page whoever watches the server.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// The header server functions set on an error response.
const SERVER_FN_ERROR: &str = "serverfnerror";

/// Largest error body read back (server-function errors are short JSON).
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn server_fn_client_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key(SERVER_FN_ERROR)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(err.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The one body encoding every server function reads: an HTML form's
/// (`ActionForm`, and the client's calls, send it).
const FORM: &str = "application/x-www-form-urlencoded";

/// Server functions accept only the content type they use: a POST to one
/// with any other body type (JSON, multipart, `text/plain`, none) is
/// refused with 415 before anything reads it. `text/plain` is what a
/// cross-site form may send without asking; it never reaches a server
/// function.
pub async fn server_fn_form_bodies_only(req: Request, next: Next) -> Response {
    use axum::http::{header, Method};
    use axum::response::IntoResponse;
    let is_server_fn = req.method() == Method::POST && server_fn_paths().contains(req.uri().path());
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(FORM));
    if is_server_fn && !is_form {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            [(header::ACCEPT, FORM)],
            format!("This address takes form data ({FORM}); nothing was done.\n"),
        )
            .into_response();
    }
    next.run(req).await
}

/// The paths of the registered server functions, read once.
fn server_fn_paths() -> &'static std::collections::HashSet<String> {
    static PATHS: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path.to_string())
            .collect()
    })
}
