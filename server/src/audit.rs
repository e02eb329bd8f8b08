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

fn plain(status: StatusCode, message: String) -> Response {
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
    let user =
        app::ssr::auth::user_of_session(&session, &state.pool, state.auth.absolute_timeout).await;
    let refused = match &user {
        Ok(Some(u)) if u.role.allows(Role::Analyst) && !u.must_change_password => None,
        Ok(Some(u)) if u.role.allows(Role::Analyst) => Some((
            StatusCode::FORBIDDEN,
            format!("{}\n", domain::account::CHANGE_ISSUED_PASSWORD),
        )),
        Ok(Some(u)) => Some((
            StatusCode::FORBIDDEN,
            format!(
                "Your account ({}) may not export the audit trail; it needs the analyst role.\n",
                u.role
            ),
        )),
        Ok(None) => Some((
            StatusCode::UNAUTHORIZED,
            "Sign in as an analyst to export the audit trail.\n".to_string(),
        )),
        Err(e) => Some((StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n"))),
    };
    if let Some((status, message)) = refused {
        let who = user.ok().flatten();
        tracing::warn!(
            user.id = who.as_ref().map(|u| u.id),
            auth.action = "audit_csv",
            auth.required = "analyst",
            auth.outcome = "refused",
            "action refused"
        );
        return plain(status, message);
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
