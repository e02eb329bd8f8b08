//! Accounts: sign in, sign out, change password, who is signed in.
//!
//! Every server function here is a POST (CSRF: the server refuses cross-origin
//! POSTs) and answers with `Cache-Control: no-store`. The work is done in
//! [`crate::ssr::auth`].

use crate::error::AppError;
use domain::account::SignedIn;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One of the signed-in account's open sessions, as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Names the session without its secret id; [`end_my_session`] takes it.
    pub handle: String,
    /// When it signed in (`2026-12-07 18:50 UTC`).
    pub signed_in: String,
    /// When it ends unless used again.
    pub expires: String,
    /// The session of this very browser.
    pub current: bool,
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

/// The signed-in account's open sessions (its own only).
#[server(endpoint = "auth/sessions", output = crate::api::codec::PageJson)]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    crate::ssr::auth::my_sessions().await
}

/// Ends one of the signed-in account's own sessions, e.g. one left signed
/// in on another computer. Another account's session is never found.
#[server(endpoint = "auth/sessions/end")]
pub async fn end_my_session(handle: String) -> Result<(), AppError> {
    crate::ssr::auth::end_my_session(&handle).await
}
