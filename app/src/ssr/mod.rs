//! Server-only plumbing shared by the server functions: the database handle
//! provided as context, and the mapping of database errors to [`AppError`].

pub mod auth;
pub mod client;
pub mod limiter;

use crate::error::AppError;
use domain::analytics::Thresholds;
use leptos::prelude::*;
use sqlx::PgPool;
use std::sync::Arc;

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
    /// New short links per client address per hour ([`short_link`]).
    pub short_links: Arc<ShortLinkLimit>,
    /// Reverse proxies whose `X-Forwarded-For` names the client
    /// (`CAPEX_TRUSTED_PROXIES`; [`client::client_of`]).
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
}

/// The default of `CAPEX_SHORT_LINKS_PER_HOUR`: far above what a person
/// sharing charts makes, and above the load test's traffic, whose 5 % of
/// short-link requests name at most 540 distinct charts (`loadgen`).
pub const DEFAULT_SHORT_LINKS_PER_HOUR: usize = 1_000;

/// New short links counted per client address within an hour.
#[derive(Debug)]
pub struct ShortLinkLimit {
    hits: limiter::WindowLimiter,
    per_hour: usize,
}

impl ShortLinkLimit {
    pub fn new(per_hour: usize) -> Self {
        Self {
            hits: limiter::WindowLimiter::new(std::time::Duration::from_secs(3600), 50_000),
            per_hour,
        }
    }
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
            short_links: Arc::new(ShortLinkLimit::new(DEFAULT_SHORT_LINKS_PER_HOUR)),
            trusted_proxies: Arc::from([]),
        }
    }

    /// Sets the reverse proxies trusted to name the client.
    pub fn with_trusted_proxies(mut self, proxies: &[std::net::IpAddr]) -> Self {
        self.trusted_proxies = Arc::from(proxies);
        self
    }

    /// Sets the number of new short links a client may make per hour.
    pub fn with_short_links_per_hour(mut self, per_hour: usize) -> Self {
        self.short_links = Arc::new(ShortLinkLimit::new(per_hour));
        self
    }

    /// Sets the public address (a trailing slash is dropped).
    pub fn with_public_url(mut self, url: Option<String>) -> Self {
        self.public_url = url
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty());
        self
    }
}

/// The refusal (400) of tickers the store does not track, naming the ones it does.
pub fn untracked(unknown: &[&str], known: &[domain::Ticker]) -> AppError {
    let tracked: Vec<&str> = known.iter().map(|t| t.as_str()).collect();
    let err = AppError::Invalid(format!(
        "{} {} not tracked here; the companies tracked are {}.",
        unknown.join(", "),
        if unknown.len() == 1 { "is" } else { "are" },
        tracked.join(", ")
    ));
    set_status(&err);
    err
}

/// `Err(`[`untracked`]`)` when any of `tickers` is not in the store.
pub async fn refuse_untracked(
    ctx: &ServerContext,
    tickers: &[domain::Ticker],
) -> Result<(), AppError> {
    let known = store::facts::tickers(&ctx.pool).await.map_err(db_error)?;
    let unknown: Vec<&str> = tickers
        .iter()
        .filter(|t| !known.contains(t))
        .map(|t| t.as_str())
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(untracked(&unknown, &known))
    }
}

/// The short link (`/c/{id}`) to `page` with `canonical_query`: an existing
/// one as it is, a new one counted against the client address's hourly
/// limit ([`ShortLinkLimit`]; 429 beyond it, with when to try again). The
/// limit is reserved before the row is written, so parallel requests cannot
/// race past it.
pub async fn short_link(
    ctx: &ServerContext,
    page: store::short_links::LinkedPage,
    canonical_query: &str,
) -> Result<String, AppError> {
    if let Some(id) = store::short_links::find(&ctx.pool, page, canonical_query)
        .await
        .map_err(db_error)?
    {
        return Ok(id);
    }
    let client = auth::client_address()
        .await
        .map_or_else(|| "unknown".to_string(), |a| a.to_string());
    let limit = &ctx.short_links;
    if let Err(retry) = limit.hits.reserve(&[(client.as_str(), limit.per_hour)]) {
        tracing::warn!(client.address = %client, "short link refused: hourly limit reached");
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(value) = http::HeaderValue::from_str(&retry.as_secs().max(1).to_string()) {
                response.insert_header(http::header::RETRY_AFTER, value);
            }
        }
        let err = AppError::TooManyRequests(format!(
            "This address has made {} new short links in the last hour, the most allowed. Try again in {} minutes.",
            limit.per_hour,
            retry.as_secs().div_ceil(60).max(1)
        ));
        set_status(&err);
        return Err(err);
    }
    store::short_links::create(&ctx.pool, page, canonical_query)
        .await
        .map_err(db_error)
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
    use_context::<ServerContext>()
        .ok_or_else(|| internal("no server context", &"the server provides none"))
}

/// The database pool.
pub fn pool() -> Result<PgPool, AppError> {
    context().map(|c| c.pool)
}

/// What a database error means to the user: the one classification, used
/// for every read and write (503 when the database cannot be reached or is
/// read-only, else an internal fault with the request's reference).
fn classify(err: &sqlx::Error) -> AppError {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => AppError::Unavailable,
        sqlx::Error::Database(db) if is_unavailable_code(db.code().as_deref()) => {
            AppError::Unavailable
        }
        _ if is_read_only(err) => AppError::ReadOnly,
        _ => AppError::Internal(reference()),
    }
}

/// Maps a database error to what the user sees, logs the detail, and sets the
/// response status (503 when the database cannot be reached).
pub fn db_error(err: sqlx::Error) -> AppError {
    let app_error = classify(&err);
    tracing::error!(error = %err, error.kind = ?app_error, "database error");
    set_status(&app_error);
    app_error
}

impl From<sqlx::Error> for AppError {
    /// The policy made mechanical: `?` on a query is [`db_error`].
    fn from(err: sqlx::Error) -> Self {
        db_error(err)
    }
}

/// Maps the error of a writer that adds context with `anyhow` (such as the
/// entry writer) like [`db_error`] when a database error is inside it; any
/// other error is internal. Logs the detail and sets the response status.
pub fn write_error(err: &anyhow::Error) -> AppError {
    let app_error = match err.downcast_ref::<sqlx::Error>() {
        Some(db) => classify(db),
        None => AppError::Internal(reference()),
    };
    tracing::error!(error = %format!("{err:#}"), error.kind = ?app_error, "writing failed");
    set_status(&app_error);
    app_error
}

/// A fault of the server itself (a missing context, a failed hash): logged
/// with its detail, answered with [`AppError::Internal`] and the request's
/// reference, status 500.
pub fn internal(what: &str, detail: &dyn std::fmt::Display) -> AppError {
    let app_error = AppError::Internal(reference());
    tracing::error!(error = %detail, "{what}");
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

/// The reference a user quotes for a server fault: the request's id
/// (`x-request-id`, echoed on the response and carried by every log line of
/// the request), so the logs of that very request are found by it. Outside a
/// request, a fresh one.
pub fn reference() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}
