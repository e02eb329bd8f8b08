//! User administration for admins: list accounts, add one, change a role,
//! disable or re-enable. Each server function checks the admin role itself.
//! An admin cannot change their own role or disable themselves, so the site
//! always keeps the admin who is acting.

use crate::error::AppError;
use domain::account::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An account as the admin page lists it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// `YYYY-MM-DD`.
    pub created: String,
    /// Sessions open on the server.
    pub sessions: i64,
}

/// Every account, by email (admins only).
#[server(endpoint = "admin/users", output = crate::api::codec::PageJson)]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    crate::ssr::auth::require(Role::Admin, "list_users").await?;
    let pool = crate::ssr::pool()?;
    ssr::list(&pool).await.map_err(crate::ssr::db_error)
}

/// Creates an account with a first password the admin hands over.
#[server(endpoint = "admin/users/add")]
pub async fn add_account(email: String, role: String, password: String) -> Result<(), AppError> {
    let admin = crate::ssr::auth::require(Role::Admin, "add_account").await?;
    let role = ssr::role(&role)?;
    let pool = crate::ssr::pool()?;
    // The admin chose this password: the account changes it at its first sign-in.
    match crate::ssr::auth::create_user(&pool, &email, role, &password, true).await {
        Ok(id) => {
            tracing::info!(
                user.id = admin.id,
                target.id = id,
                auth.action = "admin_add_user",
                auth.outcome = "success",
                "account added by an admin"
            );
            Ok(())
        }
        Err(crate::ssr::auth::CreateUserError::Other(e)) => Err(crate::ssr::write_error(&e)),
        Err(e) => Err(ssr::invalid(ssr::capitalize(&e.to_string()))),
    }
}

/// Changes an account's role (not the acting admin's own).
#[server(endpoint = "admin/users/role")]
pub async fn set_role(email: String, role: String) -> Result<(), AppError> {
    let admin = crate::ssr::auth::require(Role::Admin, "set_role").await?;
    let role = ssr::role(&role)?;
    let pool = crate::ssr::pool()?;
    ssr::set_role(&pool, &admin, &email, role).await
}

/// Disables an account (ending its sessions) or re-enables it; `disabled`
/// is `true` or `false`. Not the acting admin's own.
#[server(endpoint = "admin/users/disabled")]
pub async fn set_disabled(email: String, disabled: String) -> Result<(), AppError> {
    let admin = crate::ssr::auth::require(Role::Admin, "set_disabled").await?;
    let disabled = match disabled.trim() {
        "true" => true,
        "false" => false,
        other => {
            return Err(ssr::invalid(format!(
                "{other:?} is neither true nor false."
            )))
        }
    };
    let pool = crate::ssr::pool()?;
    ssr::set_disabled(&pool, &admin, &email, disabled).await
}

/// Ends every session of another account without disabling it: it must
/// sign in again (admins only).
#[server(endpoint = "admin/users/end-sessions")]
pub async fn end_user_sessions(email: String) -> Result<u64, AppError> {
    let admin = crate::ssr::auth::require(Role::Admin, "end_user_sessions").await?;
    let pool = crate::ssr::pool()?;
    ssr::end_sessions(&pool, &admin, &email).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::UserSummary;
    use crate::error::AppError;
    use crate::ssr::auth::{disable_user, normalize_email};
    use domain::account::{Role, SignedIn};
    use sqlx::PgPool;

    pub fn capitalize(s: &str) -> String {
        let mut chars = s.chars();
        match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    pub fn invalid(message: String) -> AppError {
        let err = AppError::Invalid(message);
        crate::ssr::set_status(&err);
        err
    }

    pub fn role(raw: &str) -> Result<Role, AppError> {
        Role::parse(raw).ok_or_else(|| {
            invalid(format!(
                "{:?} is not a role: viewer, analyst or admin.",
                raw.chars().take(40).collect::<String>()
            ))
        })
    }

    pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<UserSummary>> {
        Ok(store::accounts::list_users(pool)
            .await?
            .into_iter()
            .map(|a| UserSummary {
                id: a.id,
                email: a.email,
                role: a.role,
                disabled: a.disabled,
                created: a.created_at.date().to_string(),
                sessions: a.sessions,
            })
            .collect())
    }

    /// The account `email` if it exists and is not `admin` themselves.
    async fn other_account(pool: &PgPool, admin: &SignedIn, email: &str) -> Result<i64, AppError> {
        let email = normalize_email(email).map_err(|e| invalid(e.to_string()))?;
        let id = store::accounts::user_id_by_email(pool, &email).await?;
        let Some(id) = id else {
            let err = AppError::NotFound(format!("There is no account {email}."));
            crate::ssr::set_status(&err);
            return Err(err);
        };
        if id == admin.id {
            return Err(invalid(
                "You cannot change your own account here; ask another admin.".into(),
            ));
        }
        Ok(id)
    }

    pub async fn set_role(
        pool: &PgPool,
        admin: &SignedIn,
        email: &str,
        role: Role,
    ) -> Result<(), AppError> {
        let id = other_account(pool, admin, email).await?;
        store::accounts::set_role(pool, id, role).await?;
        tracing::info!(user.id = admin.id, target.id = id, user.role = %role, auth.action = "admin_set_role", auth.outcome = "success", "role changed by an admin");
        Ok(())
    }

    pub async fn end_sessions(
        pool: &PgPool,
        admin: &SignedIn,
        email: &str,
    ) -> Result<u64, AppError> {
        let id = other_account(pool, admin, email).await?;
        let ended = store::accounts::end_sessions(pool, id, None).await?;
        tracing::info!(
            user.id = admin.id,
            target.id = id,
            auth.action = "admin_end_sessions",
            auth.outcome = "success",
            sessions.ended = ended,
            "sessions ended by an admin"
        );
        Ok(ended)
    }

    pub async fn set_disabled(
        pool: &PgPool,
        admin: &SignedIn,
        email: &str,
        disabled: bool,
    ) -> Result<(), AppError> {
        let id = other_account(pool, admin, email).await?;
        if disabled {
            disable_user(pool, email)
                .await
                .map_err(|e| crate::ssr::write_error(&e))?;
        } else {
            store::accounts::enable_user(pool, id).await?;
        }
        tracing::info!(
            user.id = admin.id,
            target.id = id,
            auth.action = if disabled {
                "admin_disable"
            } else {
                "admin_enable"
            },
            auth.outcome = "success",
            "account status changed by an admin"
        );
        Ok(())
    }
}
