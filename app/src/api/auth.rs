//! Accounts: sign in, sign out, change password, who is signed in.
//!
//! Every server function here is a POST (CSRF: the server refuses cross-origin
//! POSTs) and answers with `Cache-Control: no-store`. The work is done in
//! [`crate::ssr::auth`].

use crate::error::AppError;
use domain::account::SignedIn;
use leptos::prelude::*;

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
