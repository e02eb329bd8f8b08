//! Accounts and their sessions: the `users` table and the account side of
//! `sessions` (the session layer's own reads and writes of a session's data
//! stay with it, in the server). The password policy, hashing and who may
//! do what are the app's (`app::ssr::auth`); this module only stores.
//!
//! A session is named to its owner by a *handle*: the first 16 hex digits of
//! the SHA-256 of its id. The id is the cookie's secret and never leaves the
//! server; the handle lets a user end one of their sessions without it.

use domain::account::Role;
use sqlx::PgPool;
use time::OffsetDateTime;

/// A row of `users`.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub password_changed_at: OffsetDateTime,
    /// The password was issued by an admin and is to be changed at the
    /// next sign-in.
    pub must_change_password: bool,
}

impl UserRow {
    /// The role, or `Viewer` for a value this build does not know.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }
}

/// An account as the admin page lists it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountListing {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
    /// Sessions open on the server (not expired).
    pub sessions: i64,
}

/// One of an account's open sessions, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionListing {
    /// Names the session without its secret id (see the module docs).
    pub handle: String,
    /// When it signed in (the row is created at sign-in).
    pub signed_in_at: OffsetDateTime,
    /// When it ends unless used again (the idle timeout moves it on).
    pub expires_at: OffsetDateTime,
    /// The session the request came with.
    pub current: bool,
}

pub async fn find_user_by_email(pool: &PgPool, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, email, role, password_hash, disabled, password_changed_at, must_change_password
         FROM users WHERE email = $1",
        email
    )
    .fetch_optional(pool)
    .await
}

pub async fn find_user_by_id(pool: &PgPool, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, email, role, password_hash, disabled, password_changed_at, must_change_password
         FROM users WHERE id = $1",
        id
    )
    .fetch_optional(pool)
    .await
}

/// Adds an account; `None` when one with this (normalized) email exists.
/// `must_change_password`: the password was issued by someone else, and
/// the account is to choose its own at its first sign-in.
pub async fn insert_user(
    pool: &PgPool,
    email: &str,
    role: Role,
    password_hash: &str,
    must_change_password: bool,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!(
        "INSERT INTO users (email, role, password_hash, must_change_password) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING RETURNING id",
        email,
        role.as_str(),
        password_hash,
        must_change_password
    )
    .fetch_optional(pool)
    .await
}

/// Disables an account and deletes all its sessions, in one transaction.
/// Returns the account id and how many sessions ended, or `None` if no such account.
pub async fn disable_user(pool: &PgPool, email: &str) -> sqlx::Result<Option<(i64, u64)>> {
    let mut tx = pool.begin().await?;
    let Some(id) = sqlx::query_scalar!(
        "UPDATE users SET disabled = true WHERE email = $1 RETURNING id",
        email
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let ended = sqlx::query!("DELETE FROM sessions WHERE user_id = $1", id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(Some((id, ended)))
}

/// Lets a disabled account sign in again.
pub async fn enable_user(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE users SET disabled = false WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn set_role(pool: &PgPool, id: i64, role: Role) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE users SET role = $2 WHERE id = $1",
        id,
        role.as_str()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores a new password hash, the account's own; returns the moment it
/// changed (sessions signed in before it are over).
pub async fn set_password(
    pool: &PgPool,
    id: i64,
    password_hash: &str,
) -> sqlx::Result<OffsetDateTime> {
    sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, password_changed_at = now(), must_change_password = false
         WHERE id = $1 RETURNING password_changed_at",
        id,
        password_hash
    )
    .fetch_one(pool)
    .await
}

pub async fn user_id_by_email(pool: &PgPool, email: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar!("SELECT id FROM users WHERE email = $1", email)
        .fetch_optional(pool)
        .await
}

/// Every account, by email, with its open sessions counted.
pub async fn list_users(pool: &PgPool) -> sqlx::Result<Vec<AccountListing>> {
    let rows = sqlx::query!(
        r#"SELECT u.id, u.email, u.role, u.disabled, u.created_at,
                  (SELECT count(*) FROM sessions s
                    WHERE s.user_id = u.id AND s.expiry_date > now()) AS "sessions!"
           FROM users u ORDER BY u.email"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AccountListing {
            id: r.id,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            email: r.email,
            disabled: r.disabled,
            created_at: r.created_at,
            sessions: r.sessions,
        })
        .collect())
}

/// Deletes the account's sessions on the server, except the one with id `keep`.
pub async fn end_sessions(pool: &PgPool, user_id: i64, keep: Option<&str>) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::text IS NULL OR id <> $2)",
        user_id,
        keep
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// The account's open sessions, newest sign-in first; `current` is the id
/// of the session asking, which is marked.
pub async fn sessions_of(
    pool: &PgPool,
    user_id: i64,
    current: Option<&str>,
) -> sqlx::Result<Vec<SessionListing>> {
    let rows = sqlx::query!(
        r#"SELECT left(encode(sha256(convert_to(id, 'UTF8')), 'hex'), 16) AS "handle!",
                  created_at, expiry_date, (id = $2) AS "current!"
           FROM sessions
           WHERE user_id = $1 AND expiry_date > now()
           ORDER BY created_at DESC, id"#,
        user_id,
        current.unwrap_or("")
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SessionListing {
            handle: r.handle,
            signed_in_at: r.created_at,
            expires_at: r.expiry_date,
            current: r.current,
        })
        .collect())
}

/// Ends the account's session named by `handle`; false when the account
/// has no such session (ended already, or someone else's).
pub async fn end_session(pool: &PgPool, user_id: i64, handle: &str) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "DELETE FROM sessions
         WHERE user_id = $1 AND left(encode(sha256(convert_to(id, 'UTF8')), 'hex'), 16) = $2",
        user_id,
        handle
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Stores a session's data, expiry and account, where its row still exists
/// (never inserts: a session ended while one of its requests was in flight
/// stays ended).
pub async fn update_session(
    pool: &PgPool,
    id: &str,
    data: &[u8],
    expiry: OffsetDateTime,
    user_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE sessions SET data = $2, expiry_date = $3, user_id = $4 WHERE id = $1",
        id,
        data,
        expiry,
        user_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records which account a new session belongs to.
pub async fn index_session(pool: &PgPool, id: &str, user_id: Option<i64>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE sessions SET user_id = $2 WHERE id = $1",
        id,
        user_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether a session with this id exists and has not expired.
pub async fn session_is_live(pool: &PgPool, id: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND expiry_date > now()) AS "live!""#,
        id
    )
    .fetch_one(pool)
    .await
}
