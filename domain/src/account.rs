//! Accounts as every layer sees them: the roles and the signed-in user.
//! Plain data: the sessions and password hashes behind them are the
//! server's (`app::ssr::auth`).

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
    /// Still on a password an admin issued: until the account chooses its
    /// own, it may only change it (and see or end its sessions).
    #[serde(default)]
    pub must_change_password: bool,
}

/// The refusal of every action but changing the password while
/// [`SignedIn::must_change_password`].
pub const CHANGE_ISSUED_PASSWORD: &str =
    "Choose your own password first: the one an admin gave you must be changed at /login.";
