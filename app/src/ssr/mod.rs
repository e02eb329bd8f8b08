//! Server-only plumbing shared by the server functions: the database handle
//! provided as context, and the mapping of database errors to [`AppError`].

pub mod auth;

use crate::error::AppError;
use domain::analytics::Thresholds;
use leptos::prelude::*;
use sqlx::PgPool;

/// Everything a server function may need, provided as Leptos context by the server.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub pool: PgPool,
    /// Scorecard thresholds in force (configuration; methodology defaults).
    pub thresholds: Thresholds,
    pub facts: store::facts::FactsCache,
    /// The address people use to reach the dashboard (`CAPEX_PUBLIC_URL`),
    /// without a trailing slash; `None`: the request's own host.
    pub public_url: Option<String>,
}

impl ServerContext {
    /// The context of a server whose caches key on `generation`.
    pub fn new(
        pool: PgPool,
        thresholds: Thresholds,
        generation: store::generation::StoreGeneration,
    ) -> Self {
        Self {
            pool,
            thresholds,
            facts: store::facts::FactsCache::new(generation),
            public_url: None,
        }
    }

    /// Sets the public address (a trailing slash is dropped).
    pub fn with_public_url(mut self, url: Option<String>) -> Self {
        self.public_url = url
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty());
        self
    }
}

/// `path` as an absolute URL: on the configured public address, else on the
/// request's `Host` (http), else left relative.
pub fn absolute_url(path: &str) -> String {
    if let Some(base) = use_context::<ServerContext>().and_then(|c| c.public_url) {
        return format!("{base}{path}");
    }
    let host = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                    })
            })
            .map(str::to_string)
    });
    match host {
        Some(host) => format!("http://{host}{path}"),
        None => path.to_string(),
    }
}

/// The server context, or an internal error if the server forgot to provide it.
pub fn context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| AppError::Internal("no-context".into()))
}

/// The database pool.
pub fn pool() -> Result<PgPool, AppError> {
    context().map(|c| c.pool)
}

/// Maps a database error to what the user sees, logs the detail, and sets the
/// response status (503 when the database cannot be reached).
pub fn db_error(err: sqlx::Error) -> AppError {
    let app_error = match &err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => AppError::Unavailable,
        sqlx::Error::Database(db) if is_unavailable_code(db.code().as_deref()) => {
            AppError::Unavailable
        }
        _ if is_read_only(&err) => AppError::ReadOnly,
        _ => AppError::Internal(short_reference()),
    };
    tracing::error!(error = %err, error.kind = ?app_error, "database error");
    set_status(&app_error);
    app_error
}

/// Maps the error of a writer that adds context with `anyhow` (such as the
/// entry writer) like [`db_error`] when a database error is inside it; any
/// other error is internal. Logs the detail and sets the response status.
pub fn write_error(err: &anyhow::Error) -> AppError {
    let app_error = match err.downcast_ref::<sqlx::Error>() {
        Some(
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed,
        ) => AppError::Unavailable,
        Some(sqlx::Error::Database(db)) if is_unavailable_code(db.code().as_deref()) => {
            AppError::Unavailable
        }
        Some(e) if is_read_only(e) => AppError::ReadOnly,
        _ => AppError::Internal(short_reference()),
    };
    tracing::error!(error = %format!("{err:#}"), error.kind = ?app_error, "writing failed");
    set_status(&app_error);
    app_error
}

/// SQLSTATE 25006 (`read_only_sql_transaction`): the database, or the
/// server it runs on (a hot standby), accepts no writes right now.
pub fn is_read_only(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("25006"))
}

/// Sets the HTTP status of the current response to match `err`.
pub fn set_status(err: &AppError) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(err.status()) {
            response.set_status(status);
        }
    }
}

/// Admin shutdown, crash shutdown, cannot connect now, too many connections.
fn is_unavailable_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("57P01" | "57P02" | "57P03" | "53300" | "08000" | "08003" | "08006")
    )
}

fn short_reference() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:08x}")
}
