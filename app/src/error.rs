//! Errors as the user interface sees them.
//!
//! Error policy (the whole project follows it):
//! - Each boundary has its own `thiserror` enum (`EmbeddedPgError`, the importer's
//!   errors, [`AppError`] here); inside a boundary, `anyhow` adds context.
//! - What crosses to the browser is [`AppError`]: a message a user can act on.
//!   Internal details (SQL, paths) are logged on the server with the request id
//!   and never sent to the browser.
//! - A database that cannot be reached is [`AppError::Unavailable`] and answers
//!   HTTP 503, so clients and load balancers retry; one that is read-only
//!   (SQLSTATE 25006) is [`AppError::ReadOnly`], also 503; bad input is
//!   [`AppError::Invalid`] (400) and changes nothing; an unknown thing is
//!   [`AppError::NotFound`] (404).
//! - Authorization: not signed in is [`AppError::Unauthorized`] (401), signed in
//!   without the role is [`AppError::Forbidden`] (403), too many login attempts
//!   is [`AppError::TooManyRequests`] (429); each is logged on the server with
//!   `auth.outcome`, never with credentials.
//! - Nothing on a request path panics: no `unwrap` or `expect` outside tests.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("The database is unavailable right now. Please try again in a moment.")]
    Unavailable,
    /// The database accepts reads but no writes (maintenance, a failover, a
    /// replica): nothing was saved. Answers 503 so clients retry later.
    #[error("The database is read-only right now (maintenance or failover), so nothing was saved. Your input is kept: try again in a few minutes.")]
    ReadOnly,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("Something went wrong on the server (reference {0}).")]
    Internal(String),
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unavailable | AppError::ReadOnly => 503,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 400,
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::TooManyRequests(_) => 429,
            // The request's arguments could not be read: the client's fault.
            AppError::ServerFn(
                ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_),
            ) => 400,
            AppError::Internal(_) | AppError::ServerFn(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    /// Read as text, like page data (see [`crate::api::codec`]).
    type Encoder = crate::api::codec::TextJsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::ServerFn(value)
    }
}
