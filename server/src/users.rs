//! `server user add` and `server user disable`: managing accounts from the
//! command line (the first admin is created this way).
//!
//! The password is never an argument (arguments end up in shell history and
//! in `ps`): it is asked for twice on the terminal without echo, or read as
//! the first line of stdin when stdin is not a terminal
//! (`printf '%s\n' "$PW" | server user add …`).

use anyhow::Context;
use app::ssr::auth::{create_user, disable_user, CreateUserError};
use clap::{Subcommand, ValueEnum};
use domain::account::Role;
use sqlx::PgPool;
use std::io::{BufRead, IsTerminal};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account: `server user add --email ann@example.com --role admin`.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Analyst)]
        role: RoleArg,
        /// The password is one you hand over: the account must choose its
        /// own at its first sign-in (as for accounts added at /admin/users).
        #[arg(long)]
        temporary: bool,
    },
    /// Disable an account and end all its sessions: `server user disable --email ann@example.com`.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Viewer,
    Analyst,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Analyst => Role::Analyst,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Runs a `user` subcommand, printing one line on success.
pub async fn run(pool: &PgPool, command: UserCommand) -> anyhow::Result<()> {
    run_with(pool, command, read_password).await
}

/// [`run`] with the password taken from `password` (tests pass it directly).
pub async fn run_with(
    pool: &PgPool,
    command: UserCommand,
    password: impl FnOnce() -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            role,
            temporary,
        } => {
            let password = password()?;
            let role = Role::from(role);
            match create_user(pool, &email, role, &password, temporary).await {
                Ok(id) => {
                    println!(
                        "created {role} account {} (id {id})",
                        email.trim().to_lowercase()
                    );
                    Ok(())
                }
                Err(CreateUserError::Other(e)) => Err(e),
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        UserCommand::Disable { email } => match disable_user(pool, &email).await? {
            Some((id, ended)) => {
                println!(
                    "disabled account {} (id {id}); {ended} session(s) ended",
                    email.trim().to_lowercase()
                );
                Ok(())
            }
            None => anyhow::bail!("no account with the email {}", email.trim().to_lowercase()),
        },
    }
}

/// The new password: from the terminal (asked twice, no echo) or stdin's first line.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (8 to 128 characters): ")
            .context("reading the password")?;
        let second =
            rpassword::prompt_password("Repeat the password: ").context("reading the password")?;
        anyhow::ensure!(first == second, "the passwords do not match");
        Ok(first)
    } else {
        first_line(&mut std::io::stdin().lock())
    }
}

/// The first line of `input`, without its line ending; an error when empty.
pub fn first_line(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    anyhow::ensure!(
        !password.is_empty(),
        "no password on stdin: pipe it in (printf '%s\\n' \"$PASSWORD\" | server user add …) or run in a terminal"
    );
    Ok(password.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_of_stdin_without_its_line_ending() {
        let mut input = "correct horse battery\r\nsecond line\n".as_bytes();
        assert_eq!(first_line(&mut input).unwrap(), "correct horse battery");
        assert!(first_line(&mut "".as_bytes()).is_err());
    }
}
