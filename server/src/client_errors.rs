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
