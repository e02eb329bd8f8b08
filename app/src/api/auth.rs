//! Accounts: sign in, sign out, change password, who is signed in.
//!
//! Every server function here is a POST (CSRF: the server refuses cross-origin
//! POSTs) and answers with `Cache-Control: no-store`. The work is done in
//! [`crate::ssr::auth`].

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a signed-in account may do. Anonymous visitors are viewers too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the dashboard (the default, also without an account).
    Viewer,
    /// Enters and edits figures.
    Analyst,
    /// Also manages users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];

    /// As stored in `users.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim().to_ascii_lowercase())
    }

    /// Whether this role includes everything `needed` may do.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed-in account, as the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

/// Signs in: a new session id is issued (session fixation), and the session
/// ends after the idle or absolute timeout. An unknown email and a wrong
/// password get the same answer in the same time.
#[server(endpoint = "auth/login")]
pub async fn login(email: String, password: String) -> Result<SignedIn, AppError> {
    crate::ssr::auth::login(&email, &password).await
}

/// Signs out: the session is deleted on the server.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::ssr::auth::logout().await
}

/// Changes the signed-in account's password; every other session of the
/// account ends, and this one gets a new id.
#[server(endpoint = "auth/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_repeat: String,
) -> Result<(), AppError> {
    crate::ssr::auth::change_password(&current_password, &new_password, &new_password_repeat).await
}

/// Who is signed in, if anyone.
#[server(endpoint = "auth/me", output = crate::api::codec::PageJson)]
pub async fn who_am_i() -> Result<Option<SignedIn>, AppError> {
    crate::ssr::auth::no_store();
    crate::ssr::auth::current_user().await
}
