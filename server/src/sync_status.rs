//! `GET /api/sync/status`: the EDGAR sync's state per company as JSON, for
//! monitoring (the same rows as `/admin/sync` and `server sync status
//! --json`). Admins only, checked here from the session.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::account::Role;
use tower_sessions::Session;

/// The sync's status route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/sync/status", get(status))
}

pub async fn status(State(state): State<AppState>, session: Session) -> Response {
    if let Err(refused) = crate::auth::require_role(
        &state,
        &session,
        Role::Admin,
        "sync_status_json",
        "read the sync status",
    )
    .await
    {
        return refused;
    }
    match store::sync::status(&state.pool).await {
        Ok(rows) => ([(header::CACHE_CONTROL, "no-store")], Json(rows)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading the sync status failed");
            crate::audit::plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable right now. Please try again in a moment.\n".into(),
            )
        }
    }
}
