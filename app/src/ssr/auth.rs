//! Accounts on the server: the password policy, Argon2id hashes, the users
//! table, the signed-in user read from the session, authorization checks for
//! server functions, and login rate limiting.
//!
//! Sessions live in PostgreSQL (table `sessions`, managed by tower-sessions);
//! the server layer sets the cookie flags and the idle timeout. This module
//! stores the account id and the login time in the session and enforces the
//! absolute timeout.
//!
//! Logs use dotted fields (`user.id`, `auth.action`, `auth.outcome`) and never
//! contain a password, a hash or a session id.

use super::limiter::WindowLimiter;
use crate::error::AppError;
use anyhow::Context;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use domain::account::{Role, SignedIn};
use leptos::prelude::*;
use password_hash::rand_core::OsRng;
use password_hash::SaltString;
use sqlx::PgPool;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use store::accounts::{end_sessions, find_user_by_email, find_user_by_id};
use tower_sessions::Session;

/// Session key: the signed-in account's id (the server also copies it to
/// `sessions.user_id`, so a user's sessions can be ended on the server).
pub const SESSION_USER_ID: &str = "auth.user_id";
/// Session key: when the account signed in, in Unix seconds (absolute timeout).
pub const SESSION_LOGIN_AT: &str = "auth.login_at";
/// Session key: the account's `password_changed_at` (Unix microseconds) when
/// the session signed in. A session whose password has changed since is over.
pub const SESSION_PASSWORD_AT: &str = "auth.password_at";

/// Shortest password accepted, in characters (OWASP ASVS 2.1.1).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted, in characters (ASVS 2.1.2 asks for at least 64).
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest email address accepted (RFC 5321's path limit), in bytes.
pub const MAX_EMAIL_BYTES: usize = 254;

/// The answer to every failed login, whatever the reason.
pub const LOGIN_FAILED: &str = "Email or password is incorrect.";

/// Shared account state, provided as Leptos context by the server.
#[derive(Clone, Debug)]
pub struct Accounts {
    pub limiter: Arc<LoginLimiter>,
    /// A session ends this long after login, however active it is.
    pub absolute_timeout: Duration,
}

impl Accounts {
    pub fn new(absolute_timeout: Duration) -> Self {
        Self {
            limiter: Arc::new(LoginLimiter::default()),
            absolute_timeout,
        }
    }
}

// ----- passwords ----------------------------------------------------------

/// Why a new password is refused. No composition rules (ASVS 2.1.9).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("The password must be at least {MIN_PASSWORD_CHARS} characters long.")]
    TooShort,
    #[error("The password must be at most {MAX_PASSWORD_CHARS} characters long.")]
    TooLong,
    #[error("This password is too common. Choose another; a few unrelated words work well.")]
    Common,
    #[error("The password must not be the email address.")]
    IsEmail,
}

/// Checks a new password: 8 to 128 characters, not a common password
/// ([`is_common_password`]), not the email.
pub fn check_password_policy(password: &str, email: &str) -> Result<(), PasswordPolicyError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordPolicyError::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordPolicyError::TooLong);
    }
    let lower = password.to_lowercase();
    if !email.is_empty() && lower == email.to_lowercase() {
        return Err(PasswordPolicyError::IsEmail);
    }
    if is_common_password(password) {
        return Err(PasswordPolicyError::Common);
    }
    Ok(())
}

/// Whether the whole password is one of the 30,000 most common passwords
/// of public breach corpora (zxcvbn's ranked list, OWASP ASVS 2.1.7),
/// compared case-insensitively, reversed or with l33t substitutions
/// (`P@ssw0rd`) included. Only the list decides: zxcvbn's strength score is
/// not a rule here (no composition rules, ASVS 2.1.9).
fn is_common_password(password: &str) -> bool {
    use zxcvbn::matching::patterns::{DictionaryPattern, MatchPattern};
    // The crate does not export the dictionaries' type by name; its default
    // is the passwords list (the test below holds it to that).
    let passwords = DictionaryPattern::default().dictionary_name;
    let estimate = zxcvbn::zxcvbn(password, &[]);
    match estimate.sequence() {
        [whole] => matches!(
            &whole.pattern,
            MatchPattern::Dictionary(d) if d.dictionary_name == passwords
        ),
        _ => false,
    }
}

/// An Argon2id PHC string (the crate's defaults: 19 MiB, 2 passes, 1 lane,
/// the OWASP recommendation) with a random salt. CPU-heavy: call from
/// blocking code or through [`hash_password_async`].
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc`. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`hash_password`] off the async threads.
pub async fn hash_password_async(password: String) -> anyhow::Result<String> {
    let _slot = argon2_slots().acquire().await.context("no hashing slot")?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .context("the hashing task failed")?
}

/// Verifies against the account's hash, or against a dummy hash when there is
/// no account, so both take the same time (no user enumeration by timing).
async fn verify_or_dummy(password: String, phc: Option<String>) -> bool {
    let Ok(_slot) = argon2_slots().acquire().await else {
        return false;
    };
    let verified = tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify_password(&password, &phc),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await;
    verified.unwrap_or(false)
}

/// The hash of a random password, made once per process with the same parameters.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        hash_password(random.as_str()).unwrap_or_default()
    })
}

// ----- emails and users ----------------------------------------------------

/// Why an email address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an email address")]
pub struct EmailError(pub String);

/// Trims and lower-cases an email address and checks its shape.
pub fn normalize_email(raw: &str) -> Result<String, EmailError> {
    let email = raw.trim().to_lowercase();
    let bad = || EmailError(raw.chars().take(80).collect());
    if email.len() < 3 || email.len() > 254 {
        return Err(bad());
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(email)
        }
        _ => Err(bad()),
    }
}

/// A moment as the session stores it: Unix microseconds.
fn micros(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("{0}")]
    Email(#[from] EmailError),
    #[error("{0}")]
    Password(#[from] PasswordPolicyError),
    #[error("an account with the email {0} already exists")]
    Exists(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Creates an account after checking the email and the password policy.
/// Returns the new account's id.
/// `issued`: someone other than the account's owner chose the password (an
/// admin at `/admin/users`); the owner must change it at the first sign-in.
pub async fn create_user(
    pool: &PgPool,
    email: &str,
    role: Role,
    password: &str,
    issued: bool,
) -> Result<i64, CreateUserError> {
    let email = normalize_email(email)?;
    check_password_policy(password, &email)?;
    let hash = hash_password_async(password.to_string()).await?;
    let inserted = store::accounts::insert_user(pool, &email, role, &hash, issued)
        .await
        .context("saving the account")?;
    let id = inserted.ok_or_else(|| CreateUserError::Exists(email.clone()))?;
    tracing::info!(user.id = id, user.role = %role, auth.action = "user_add", auth.outcome = "success", "account created");
    Ok(id)
}

/// Disables an account and deletes all its sessions, in one transaction.
/// Returns the account id and how many sessions ended, or `None` if no such account.
pub async fn disable_user(pool: &PgPool, email: &str) -> anyhow::Result<Option<(i64, u64)>> {
    let email = normalize_email(email)?;
    let Some((id, ended)) = store::accounts::disable_user(pool, &email)
        .await
        .context("disabling the account and ending its sessions")?
    else {
        return Ok(None);
    };
    tracing::info!(
        user.id = id,
        auth.action = "user_disable",
        auth.outcome = "success",
        sessions.ended = ended,
        "account disabled"
    );
    Ok(Some((id, ended)))
}

// ----- rate limiting -------------------------------------------------------

/// Sign-in attempts counted in memory, per account and per client address,
/// in a sliding window ([`WindowLimiter`]). An attempt is reserved *before*
/// the password is verified, so parallel guesses cannot all pass the check
/// while the slow verification runs: of N simultaneous attempts at most the
/// limit get to verify. A successful sign-in gives its attempt back and
/// clears the account's count.
#[derive(Debug)]
pub struct LoginLimiter {
    attempts: WindowLimiter,
    /// Attempts allowed per account within the window.
    pub per_account: usize,
    /// Attempts allowed per client address within the window.
    pub per_address: usize,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            attempts: WindowLimiter::new(Duration::from_secs(15 * 60), 50_000),
            per_account: 5,
            per_address: 20,
        }
    }
}

/// An attempt reserved by [`LoginLimiter::reserve`]: it counts as a failure
/// unless given back with [`LoginLimiter::succeeded`].
#[derive(Debug)]
#[must_use = "an attempt counts as a failure unless it is given back on success"]
pub struct Attempt {
    account_key: String,
    address_key: Option<String>,
    at: Instant,
}

impl LoginLimiter {
    /// A limiter that keeps at most `max_keys` keys (accounts and addresses).
    pub fn with_max_keys(max_keys: usize) -> Self {
        let default = Self::default();
        Self {
            attempts: WindowLimiter::new(default.attempts.window, max_keys),
            ..default
        }
    }

    /// Reserves an attempt for the account from the address, or
    /// `Err(retry_after)` when either has used up its attempts (then nothing
    /// is counted).
    pub fn reserve(&self, account: &str, address: Option<IpAddr>) -> Result<Attempt, Duration> {
        let account_key = format!("account:{account}");
        let address_key = address.map(|a| format!("address:{a}"));
        let mut keys = vec![(account_key.as_str(), self.per_account)];
        if let Some(key) = &address_key {
            keys.push((key.as_str(), self.per_address));
        }
        let at = self.attempts.reserve(&keys)?;
        Ok(Attempt {
            account_key,
            address_key,
            at,
        })
    }

    /// A successful sign-in: the attempt is given back and the account's
    /// count cleared.
    pub fn succeeded(&self, attempt: Attempt) {
        self.attempts.clear(&attempt.account_key);
        if let Some(key) = &attempt.address_key {
            self.attempts.give_back(key, attempt.at);
        }
    }

    /// Number of keys held (for tests and operators).
    pub fn keys_held(&self) -> usize {
        self.attempts.keys_held()
    }
}

/// Argon2 verifications and hashes running at once, at most: each takes
/// 19 MiB and a core for tens of milliseconds, so a burst of sign-ins
/// queues here instead of taking all memory and every core.
fn argon2_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores.clamp(1, 4))
    })
}

// ----- the current request -------------------------------------------------

fn accounts() -> Result<Accounts, AppError> {
    use_context::<Accounts>()
        .ok_or_else(|| super::internal("no accounts in the context", &"the server provides none"))
}

/// The request's session (the server's session layer provides it).
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| super::internal("no session layer", &e))
}

/// The client's address, when the server knows it.
pub async fn client_address() -> Option<IpAddr> {
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|c| c.0.ip())?;
    let trusted = use_context::<super::ServerContext>()
        .map(|c| c.trusted_proxies.clone())
        .unwrap_or_default();
    if trusted.is_empty() {
        return Some(peer);
    }
    let headers = use_context::<http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Some(super::client::client_of(peer, &forwarded, &trusted))
}

/// Marks the response as not cacheable (it depends on who is signed in).
pub fn no_store() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store error");
    let err = AppError::Unavailable;
    crate::ssr::set_status(&err);
    err
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The signed-in account, or `None`. A session past its absolute timeout, or
/// of an account that was disabled or deleted, is ended here.
pub async fn current_user() -> Result<Option<SignedIn>, AppError> {
    let session = session().await?;
    let absolute = accounts()?.absolute_timeout;
    let pool = crate::ssr::pool()?;
    user_of_session(&session, &pool, absolute).await
}

/// The account signed in on `session`, or `None` (see [`current_user`]);
/// for handlers outside the Leptos context, such as the CSV export.
pub async fn user_of_session(
    session: &Session,
    pool: &PgPool,
    absolute_timeout: Duration,
) -> Result<Option<SignedIn>, AppError> {
    let Some(user_id) = session
        .get::<i64>(SESSION_USER_ID)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    no_store();
    let login_at = session
        .get::<i64>(SESSION_LOGIN_AT)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    let absolute = i64::try_from(absolute_timeout.as_secs()).unwrap_or(i64::MAX);
    if now_unix() - login_at > absolute {
        tracing::info!(
            user.id = user_id,
            auth.action = "session",
            auth.outcome = "expired",
            "session reached its absolute timeout"
        );
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    let user = find_user_by_id(pool, user_id)
        .await
        .map_err(crate::ssr::db_error)?;
    // Signed in before the password last changed (here or by other means):
    // the session is over. A session from before this key existed is
    // judged by when it signed in.
    let password_at = session
        .get::<i64>(SESSION_PASSWORD_AT)
        .await
        .map_err(session_error)?;
    let stale = user.as_ref().is_some_and(|u| match password_at {
        Some(at) => at != micros(u.password_changed_at),
        None => login_at < u.password_changed_at.unix_timestamp(),
    });
    match user {
        Some(u) if !u.disabled && !stale => {
            // The idle timeout starts again (the session is saved because it
            // changed; nothing else saves it).
            session.set_expiry(session.expiry());
            Ok(Some(SignedIn {
                id: u.id,
                role: u.role(),
                email: u.email,
                must_change_password: u.must_change_password,
            }))
        }
        _ => {
            tracing::info!(
                user.id = user_id,
                auth.action = "session",
                auth.outcome = "ended",
                "session of a disabled or deleted account, or from before a password change"
            );
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

/// The signed-in account if it has at least `needed`; otherwise 401 (not
/// signed in) or 403 (signed in without the role), logged as refused.
/// Every server function that changes state starts with this.
///
/// An account still on a password an admin issued is refused (403) until it
/// changes it: everything but [`require_own_account`]'s actions.
pub async fn require(needed: Role, action: &'static str) -> Result<SignedIn, AppError> {
    authorize(needed, action, false).await
}

/// Any signed-in account, acting on itself only (its password, its
/// sessions): allowed while its password is still one an admin issued.
pub async fn require_own_account(action: &'static str) -> Result<SignedIn, AppError> {
    authorize(Role::Viewer, action, true).await
}

async fn authorize(
    needed: Role,
    action: &'static str,
    on_own_account: bool,
) -> Result<SignedIn, AppError> {
    no_store();
    let user = current_user().await?;
    let refused = match &user {
        None => AppError::Unauthorized("Sign in to do this.".into()),
        Some(u) if !u.role.allows(needed) => AppError::Forbidden(format!(
            "Your account ({}) may not do this; it needs the {needed} role.",
            u.role
        )),
        Some(u) if u.must_change_password && !on_own_account => {
            AppError::Forbidden(domain::account::CHANGE_ISSUED_PASSWORD.into())
        }
        Some(u) => return Ok(u.clone()),
    };
    tracing::warn!(
        user.id = user.as_ref().map(|u| u.id),
        user.role = user.as_ref().map(|u| u.role.as_str()),
        auth.action = action,
        auth.required = needed.as_str(),
        auth.outcome = "refused",
        "action refused"
    );
    crate::ssr::set_status(&refused);
    Err(refused)
}

/// Signs in (see [`crate::api::auth::login`]).
pub async fn login(email: &str, password: &str) -> Result<SignedIn, AppError> {
    no_store();
    let accounts = accounts()?;
    let address = client_address().await;
    // An unparsable email is counted and answered like any unknown account.
    // Oversized input is refused before it reaches the limiter's memory,
    // the database or the password hash.
    if email.len() > MAX_EMAIL_BYTES || password.chars().count() > MAX_PASSWORD_CHARS {
        let err = AppError::Invalid(format!(
            "An email address has at most {MAX_EMAIL_BYTES} characters and a password at most {MAX_PASSWORD_CHARS}."
        ));
        crate::ssr::set_status(&err);
        return Err(err);
    }
    let account = normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let attempt = match accounts.limiter.reserve(&account, address) {
        Ok(attempt) => attempt,
        Err(retry) => {
            tracing::warn!(client.address = ?address, auth.action = "login", auth.outcome = "rate_limited", "login refused: too many attempts");
            let err = AppError::TooManyRequests(format!(
                "Too many failed sign-in attempts. Try again in {} minutes.",
                retry.as_secs().div_ceil(60).max(1)
            ));
            crate::ssr::set_status(&err);
            return Err(err);
        }
    };
    let pool = crate::ssr::pool()?;
    let user = find_user_by_email(&pool, &account)
        .await
        .map_err(crate::ssr::db_error)?;
    let verified = verify_or_dummy(
        password.to_string(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let user = match user {
        Some(u) if verified && !u.disabled => u,
        other => {
            // The reserved attempt stays counted: it was a failure.
            drop(attempt);
            let reason = match &other {
                None => "unknown_account",
                Some(u) if u.disabled => "disabled",
                Some(_) => "wrong_password",
            };
            tracing::warn!(
                user.id = other.as_ref().map(|u| u.id),
                client.address = ?address,
                auth.action = "login",
                auth.outcome = "failure",
                auth.reason = reason,
                "login failed"
            );
            let err = AppError::Unauthorized(LOGIN_FAILED.into());
            crate::ssr::set_status(&err);
            return Err(err);
        }
    };
    accounts.limiter.succeeded(attempt);
    let session = session().await?;
    // A new id for the signed-in session: an id planted before login is useless.
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER_ID, user.id)
        .await
        .map_err(session_error)?;
    session
        .insert(SESSION_LOGIN_AT, now_unix())
        .await
        .map_err(session_error)?;
    session
        .insert(SESSION_PASSWORD_AT, micros(user.password_changed_at))
        .await
        .map_err(session_error)?;
    tracing::info!(user.id = user.id, user.role = %user.role(), client.address = ?address, auth.action = "login", auth.outcome = "success", "signed in");
    Ok(SignedIn {
        id: user.id,
        role: user.role(),
        email: user.email,
        must_change_password: user.must_change_password,
    })
}

/// Signs out: deletes the session on the server and clears the cookie.
pub async fn logout() -> Result<(), AppError> {
    no_store();
    let session = session().await?;
    let user_id = session
        .get::<i64>(SESSION_USER_ID)
        .await
        .map_err(session_error)?;
    session.flush().await.map_err(session_error)?;
    if let Some(id) = user_id {
        tracing::info!(
            user.id = id,
            auth.action = "logout",
            auth.outcome = "success",
            "signed out"
        );
    }
    Ok(())
}

/// A moment as the account page shows it: `2026-12-07 18:50 UTC`.
fn minute_utc(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

/// The signed-in account's open sessions, this one marked.
pub async fn my_sessions() -> Result<Vec<crate::api::auth::SessionView>, AppError> {
    let user = require_own_account("my_sessions").await?;
    let current = session().await?.id().map(|id| id.to_string());
    let pool = crate::ssr::pool()?;
    let sessions = store::accounts::sessions_of(&pool, user.id, current.as_deref()).await?;
    Ok(sessions
        .into_iter()
        .map(|s| crate::api::auth::SessionView {
            handle: s.handle,
            signed_in: minute_utc(s.signed_in_at),
            expires: minute_utc(s.expires_at),
            current: s.current,
        })
        .collect())
}

/// Ends one of the signed-in account's own sessions, named by its handle.
pub async fn end_my_session(handle: &str) -> Result<(), AppError> {
    let user = require_own_account("end_my_session").await?;
    let well_formed = handle.len() == 16 && handle.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        let err = AppError::Invalid("That is not a session of this page.".into());
        crate::ssr::set_status(&err);
        return Err(err);
    }
    let pool = crate::ssr::pool()?;
    if !store::accounts::end_session(&pool, user.id, &handle.to_ascii_lowercase()).await? {
        let err = AppError::NotFound("That session has ended already.".into());
        crate::ssr::set_status(&err);
        return Err(err);
    }
    tracing::info!(
        user.id = user.id,
        auth.action = "end_session",
        auth.outcome = "success",
        "a session ended by its account"
    );
    Ok(())
}

/// Changes the password of the signed-in account.
pub async fn change_password(current: &str, new: &str, repeat: &str) -> Result<(), AppError> {
    let user = require_own_account("change_password").await?;
    let accounts = accounts()?;
    let address = client_address().await;
    let invalid = |msg: String| {
        let err = AppError::Invalid(msg);
        crate::ssr::set_status(&err);
        err
    };
    if current.chars().count() > MAX_PASSWORD_CHARS {
        return Err(invalid("The current password is incorrect.".into()));
    }
    let Ok(attempt) = accounts.limiter.reserve(&user.email, address) else {
        let err = AppError::TooManyRequests("Too many failed attempts. Try again later.".into());
        crate::ssr::set_status(&err);
        return Err(err);
    };
    let pool = crate::ssr::pool()?;
    let row = find_user_by_id(&pool, user.id)
        .await
        .map_err(crate::ssr::db_error)?
        .ok_or_else(|| AppError::Unauthorized("Sign in to do this.".into()))?;
    if !verify_or_dummy(current.to_string(), Some(row.password_hash)).await {
        drop(attempt);
        tracing::warn!(
            user.id = user.id,
            auth.action = "change_password",
            auth.outcome = "failure",
            auth.reason = "wrong_password",
            "password change refused"
        );
        return Err(invalid("The current password is incorrect.".into()));
    }
    accounts.limiter.succeeded(attempt);
    if new != repeat {
        return Err(invalid("The new passwords do not match.".into()));
    }
    check_password_policy(new, &user.email).map_err(|e| invalid(e.to_string()))?;
    let hash = hash_password_async(new.to_string())
        .await
        .map_err(|e| super::internal("hashing failed", &e))?;
    let changed_at = store::accounts::set_password(&pool, user.id, &hash).await?;
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    // This session continues, with the new password.
    session
        .insert(SESSION_PASSWORD_AT, micros(changed_at))
        .await
        .map_err(session_error)?;
    // The old id was deleted by the cycle; every other session of the account ends too.
    let ended = end_sessions(&pool, user.id, None)
        .await
        .map_err(crate::ssr::db_error)?;
    tracing::info!(
        user.id = user.id,
        auth.action = "change_password",
        auth.outcome = "success",
        sessions.ended = ended,
        "password changed"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_policy_counts_characters_and_refuses_common_ones() {
        assert_eq!(
            check_password_policy("short", "a@b.c"),
            Err(PasswordPolicyError::TooShort)
        );
        assert_eq!(
            check_password_policy(&"é".repeat(129), "a@b.c"),
            Err(PasswordPolicyError::TooLong)
        );
        assert_eq!(
            check_password_policy("Password123", "a@b.c"),
            Err(PasswordPolicyError::Common)
        );
        assert_eq!(
            check_password_policy("ann@example.com", "ann@example.com"),
            Err(PasswordPolicyError::IsEmail)
        );
        assert_eq!(
            check_password_policy("correct horse battery", "a@b.c"),
            Ok(())
        );
        assert_eq!(check_password_policy(&"x".repeat(128), "a@b.c"), Ok(()));
    }

    #[test]
    fn common_passwords_come_from_a_list_of_thousands_not_a_short_selection() {
        // Not among the 157 entries the check used to have; all in zxcvbn's list.
        for common in [
            "midnight",
            "computer1",
            "whatever1",
            "Qwertyuiop",
            "P@ssw0rd",
            "drowssap",
        ] {
            assert_eq!(
                check_password_policy(common, "a@b.c"),
                Err(PasswordPolicyError::Common),
                "{common}"
            );
        }
        // A phrase of common words is not one common password.
        for fine in [
            "midnight basketball cinema",
            "river-stone-lantern-42",
            "correct horse battery",
        ] {
            assert_eq!(check_password_policy(fine, "a@b.c"), Ok(()), "{fine}");
        }
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterz", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Ann@Example.COM "),
            Ok("ann@example.com".into())
        );
        for bad in ["", "ann", "@example.com", "ann@", "a b@c.d", "a@b@c"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_limiter_refuses_after_the_allowed_failures() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..limiter.per_account {
            let _failed = limiter.reserve("ann@example.com", Some(ip)).unwrap();
        }
        assert!(limiter.reserve("ann@example.com", Some(ip)).is_err());
        assert!(limiter.reserve("bob@example.com", Some(ip)).is_ok());
    }

    #[test]
    fn a_successful_sign_in_gives_its_attempt_back_and_clears_the_account() {
        let limiter = LoginLimiter {
            per_address: 2,
            ..LoginLimiter::default()
        };
        let ip: IpAddr = [127, 0, 0, 1].into();
        let _failed = limiter.reserve("ann@example.com", Some(ip)).unwrap();
        let ok = limiter.reserve("ann@example.com", Some(ip)).unwrap();
        limiter.succeeded(ok);
        // The address has one failure left of two, and Ann's count is clear.
        let again = limiter.reserve("bob@example.com", Some(ip)).unwrap();
        assert!(limiter.reserve("carol@example.com", Some(ip)).is_err());
        limiter.succeeded(again);
        for _ in 0..limiter.per_account - 1 {
            let _failed = limiter.reserve("ann@example.com", None).unwrap();
        }
    }

    #[test]
    fn the_limiter_holds_at_most_its_key_cap_evicting_the_oldest() {
        let limiter = LoginLimiter::with_max_keys(100);
        let _first = limiter.reserve("first@example.com", None).unwrap();
        for i in 0..1_000 {
            let _ = limiter.reserve(&format!("user{i}@example.com"), None);
        }
        assert!(limiter.keys_held() <= 101, "{}", limiter.keys_held());
        // The oldest key went first: its account counts from zero again.
        for _ in 0..limiter.per_account {
            let _failed = limiter.reserve("first@example.com", None).unwrap();
        }
    }
}
