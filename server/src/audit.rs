//! `GET /audit.csv`: the audit trail as CSV, with the filters of the `/audit`
//! page (`company`, `metric`, `user`, `from`, `to`). Analysts and admins only,
//! checked here from the session as the `audit_log` server function does.

use crate::state::AppState;
use app::api::audit::{ssr, AuditFilter};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::account::Role;
use tower_sessions::Session;

pub(crate) fn plain(status: StatusCode, message: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        message,
    )
        .into_response()
}

/// The audit log as CSV, for analysts.
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit.csv", get(csv))
}

pub async fn csv(
    State(state): State<AppState>,
    session: Session,
    Query(filter): Query<AuditFilter>,
) -> Response {
    if let Err(refused) = crate::auth::require_role(
        &state,
        &session,
        Role::Analyst,
        "audit_csv",
        "export the audit trail",
    )
    .await
    {
        return refused;
    }
    let filter = match ssr::parse_filter(&filter) {
        Ok(f) => f,
        Err(message) => return plain(StatusCode::BAD_REQUEST, format!("{message}\n")),
    };
    match ssr::rows(&state.pool, &filter, None).await {
        Ok(rows) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"capex-lens-audit.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            ssr::to_csv(&rows),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading the audit trail failed");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable right now. Please try again in a moment.\n".into(),
            )
        }
    }
}
