//! Accounts on the HTTP side: server-side sessions in PostgreSQL, the
//! cross-site request forgery guard, and `Cache-Control: no-store` for
//! anything that depends on who is signed in.
//!
//! - Sessions: tower-sessions with its PostgreSQL store (table `sessions`).
//!   The cookie is HttpOnly, SameSite=Lax, and `__Host-` prefixed and Secure
//!   when `CAPEX_PUBLIC_URL` is https; a session ends after `CAPEX_SESSION_IDLE_MINUTES` without a request
//!   (its expiry moves on every request) and `CAPEX_SESSION_MAX_HOURS` after
//!   login whatever the activity (checked by `app::ssr::auth::current_user`).
//!   The store wrapper copies the account id into `sessions.user_id`, so
//!   logging out, changing the password and disabling an account delete the
//!   account's sessions on the server.
//! - CSRF: SameSite=Lax keeps the cookie off cross-site POSTs, and every
//!   state-changing request (anything but GET, HEAD, OPTIONS) must carry an
//!   `Origin` (or, failing that, a `Referer`) of this site.

use crate::configuration::Settings;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// Name of the session cookie on a site served over http (development).
pub const SESSION_COOKIE: &str = "capex_session";
/// Name of the session cookie on a site served over https: the `__Host-`
/// prefix makes browsers accept it only with `Secure`, `Path=/` and no
/// `Domain`, so no other host or plain-http page can set or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-capex_session";

/// Whether a `name=value` pair of a `Cookie` header is a session cookie
/// (either name).
fn is_session_pair(pair: &str) -> bool {
    let pair = pair.trim();
    [SESSION_COOKIE, SECURE_SESSION_COOKIE].iter().any(|name| {
        pair.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('='))
    })
}

/// Whether the request carries a session cookie (either name; a header that
/// is not text counts as one, to be safe).
pub fn carries_session_cookie(headers: &axum::http::HeaderMap) -> bool {
    headers.get_all(header::COOKIE).iter().any(|v| {
        v.to_str()
            .map_or(true, |c| c.split(';').any(is_session_pair))
    })
}

/// Session and origin settings, from [`Settings`].
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after login.
    pub absolute_timeout: Duration,
    /// `https://capex.example.com` (no trailing slash) when configured.
    pub public_origin: Option<String>,
}

impl AuthConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            idle_timeout: Duration::from_secs(settings.session_idle_minutes.max(1) * 60),
            absolute_timeout: Duration::from_secs(settings.session_max_hours.max(1) * 3600),
            public_origin: settings.public_url.as_deref().and_then(origin_of),
        }
    }

    /// Whether the cookie gets the `Secure` flag: when the site is served over https.
    pub fn secure_cookie(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }

    /// The session cookie's name: `__Host-` prefixed when the site is https.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure_cookie() {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            public_origin: None,
        }
    }
}

/// `scheme://host[:port]` of a URL, lower-cased; `None` if it is not http(s).
pub fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

/// The PostgreSQL session store, with the account id copied to a column.
#[derive(Debug, Clone)]
pub struct UserSessionStore {
    inner: PostgresStore,
    pool: PgPool,
}

impl UserSessionStore {
    pub fn new(pool: PgPool) -> Self {
        // Schema and table are created by our migrations, not by the store.
        let inner = PostgresStore::new(pool.clone());
        let inner = inner
            .clone()
            .with_schema_name("public")
            .and_then(|s| s.with_table_name("sessions"))
            .unwrap_or(inner);
        Self { inner, pool }
    }

    /// Whether new transactions are read-only (`default_transaction_read_only`, a hot standby).
    async fn database_is_read_only(&self) -> bool {
        store::is_read_only(&self.pool).await.unwrap_or(false)
    }

    /// The session's data, expiry and account, where its row still exists.
    async fn update(&self, record: &Record) -> session_store::Result<()> {
        let data =
            rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let user_id = record
            .data
            .get(app::ssr::auth::SESSION_USER_ID)
            .and_then(serde_json::Value::as_i64);
        store::accounts::update_session(
            &self.pool,
            &record.id.to_string(),
            &data,
            record.expiry_date,
            user_id,
        )
        .await
        .map_err(|e| session_store::Error::Backend(e.to_string()))
    }

    async fn index_user(&self, record: &Record) -> session_store::Result<()> {
        let user_id = record
            .data
            .get(app::ssr::auth::SESSION_USER_ID)
            .and_then(serde_json::Value::as_i64);
        store::accounts::index_session(&self.pool, &record.id.to_string(), user_id)
            .await
            .map_err(|e| session_store::Error::Backend(e.to_string()))
    }
}

#[async_trait::async_trait]
impl SessionStore for UserSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.inner.create(record).await?;
        self.index_user(record).await
    }

    /// Updates a session that exists; never inserts. A session ended
    /// (logout, password change, a disabled account) while one of its
    /// requests was in flight stays ended: that request's save finds no row.
    /// New sessions go through [`SessionStore::create`].
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if let Err(e) = self.update(record).await {
            // A read-only database (maintenance, failover) still serves reads:
            // the session keeps its stored expiry instead of failing the page.
            if self.database_is_read_only().await {
                tracing::warn!(error = %e, "database is read-only: session expiry not extended");
                return Ok(());
            }
            return Err(e);
        }
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        self.inner.load(session_id).await
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.inner.delete(session_id).await
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for UserSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.inner.delete_expired().await
    }
}

/// The session layer: cookie flags and the idle timeout.
pub fn session_layer(pool: PgPool, config: &AuthConfig) -> SessionManagerLayer<UserSessionStore> {
    let idle =
        time::Duration::seconds(i64::try_from(config.idle_timeout.as_secs()).unwrap_or(1800));
    SessionManagerLayer::new(UserSessionStore::new(pool))
        .with_name(config.cookie_name())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookie())
        .with_path("/")
        // Saved only when something changed: a request that never reads
        // the session writes nothing, and an unknown id creates nothing.
        // Reading the signed-in user moves the expiry on (idle timeout,
        // `app::ssr::auth::user_of_session`).
        .with_expiry(Expiry::OnInactivity(idle))
}

/// Deletes expired sessions every ten minutes until the process ends.
pub fn spawn_expired_session_cleanup(pool: PgPool) {
    let store = UserSessionStore::new(pool);
    tokio::spawn(async move {
        if let Err(e) = store
            .continuously_delete_expired(tokio::time::Duration::from_secs(600))
            .await
        {
            tracing::warn!(error = %e, "deleting expired sessions stopped");
        }
    });
}

/// Refuses state-changing requests that do not come from this site: the
/// `Origin` (or the `Referer`'s origin) must be the configured public origin,
/// or have the request's `Host`. A request with neither header is refused.
pub async fn csrf_guard(State(config): State<AuthConfig>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map(str::to_string)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of)
        });
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let allowed = match (&claimed, &config.public_origin) {
        (None, _) => false,
        (Some(origin), Some(public)) => origin.eq_ignore_ascii_case(public),
        (Some(origin), None) => origin_of(origin)
            .and_then(|o| o.split_once("://").map(|(_, a)| a.to_string()))
            .is_some_and(|authority| host.as_deref() == Some(authority.as_str())),
    };
    if allowed {
        return next.run(req).await;
    }
    tracing::warn!(
        http.method = %req.method(),
        http.path = %req.uri().path(),
        http.origin = claimed.as_deref().unwrap_or("none"),
        auth.action = "csrf_check",
        auth.outcome = "refused",
        "cross-origin request refused"
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CACHE_CONTROL, "no-store")],
        "Cross-origin request refused: state-changing requests must come from this site.\n",
    )
        .into_response()
}

/// The value of the request's cookie `name`, if it carries one.
fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .find_map(|p| {
            p.trim()
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::to_string)
        })
}

/// A session cookie that names no live session (ended, expired, never
/// issued, or not a session id at all) is answered with a cookie that
/// removes it, so the browser stops sending it; nothing is stored. A
/// response that sets the session cookie itself (signing in) is left alone,
/// and so are static files. When the database cannot answer, the cookie is
/// kept: an outage must not sign anyone out.
pub async fn forget_unknown_session(
    State(config): State<AuthConfig>,
    State(pool): State<PgPool>,
    req: Request,
    next: Next,
) -> Response {
    let name = config.cookie_name();
    let sent = cookie_value(req.headers(), name).filter(|_| !req.uri().path().starts_with("/pkg/"));
    let mut res = next.run(req).await;
    let Some(sent) = sent else {
        return res;
    };
    let sets_own = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with(&format!("{name}=")));
    if sets_own {
        return res;
    }
    let live = match sent.parse::<Id>() {
        Err(_) => Ok(false),
        Ok(id) => store::accounts::session_is_live(&pool, &id.to_string()).await,
    };
    match live {
        Ok(true) => {}
        Ok(false) => {
            let removal = tower_sessions::cookie::Cookie::build((name, ""))
                .path("/")
                .max_age(time::Duration::ZERO)
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(config.secure_cookie())
                .build();
            if let Ok(value) = HeaderValue::from_str(&removal.to_string()) {
                res.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot check the session cookie; kept"),
    }
    res
}

/// `Cache-Control: no-store` on every response to a request that carries a
/// session cookie or that sets one (except static files, the same for all).
pub async fn no_store_for_sessions(req: Request, next: Next) -> Response<Body> {
    let has_session = carries_session_cookie(req.headers());
    let is_static = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let sets_cookie = res.headers().contains_key(header::SET_COOKIE);
    if (has_session || sets_cookie) && !is_static {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The signed-in user of a plain (non-server-function) route if their role
/// allows `required`, else the answer to send: 401 signed out, 403 with the
/// reason, 503 when the database cannot tell. Logged as server functions
/// log their refusals.
pub async fn require_role(
    state: &crate::state::AppState,
    session: &tower_sessions::Session,
    required: domain::account::Role,
    action: &'static str,
    what: &str,
) -> Result<domain::account::SignedIn, Response> {
    let user =
        app::ssr::auth::user_of_session(session, &state.pool, state.auth.absolute_timeout).await;
    let refused = match &user {
        Ok(Some(u)) if u.role.allows(required) && !u.must_change_password => None,
        Ok(Some(u)) if u.role.allows(required) => Some((
            StatusCode::FORBIDDEN,
            format!("{}\n", domain::account::CHANGE_ISSUED_PASSWORD),
        )),
        Ok(Some(u)) => Some((
            StatusCode::FORBIDDEN,
            format!(
                "Your account ({}) may not {what}; it needs the {required} role.\n",
                u.role
            ),
        )),
        Ok(None) => Some((
            StatusCode::UNAUTHORIZED,
            format!("Sign in as an {required} to {what}.\n"),
        )),
        Err(e) => Some((StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n"))),
    };
    match (refused, user) {
        (None, Ok(Some(u))) => Ok(u),
        (refused, user) => {
            let who = user.ok().flatten();
            tracing::warn!(
                user.id = who.as_ref().map(|u| u.id),
                auth.action = action,
                auth.required = %required,
                auth.outcome = "refused",
                "action refused"
            );
            let (status, message) = refused.unwrap_or((
                StatusCode::SERVICE_UNAVAILABLE,
                "The session could not be read.\n".to_string(),
            ));
            Err(crate::audit::plain(status, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_and_authority() {
        assert_eq!(
            origin_of("https://Capex.example.com/path?q"),
            Some("https://capex.example.com".into())
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000"),
            Some("http://127.0.0.1:3000".into())
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("https://user@evil.com"), None);
    }

    #[test]
    fn the_cookie_is_secure_when_the_site_is_https() {
        let mut config = AuthConfig::default();
        assert!(!config.secure_cookie());
        config.public_origin = origin_of("https://capex.example.com");
        assert!(config.secure_cookie());
    }
}
