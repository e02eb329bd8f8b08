//! The embedded default database: a project-local PostgreSQL cluster.
//!
//! With no `DATABASE_URL`, the server creates a cluster under the data
//! directory on first start (`initdb`), starts it listening on a Unix socket
//! only (no TCP port, so nothing on the machine can collide with it), and stops
//! it on shutdown. PostgreSQL refuses to run as root, so when the server runs as
//! root the cluster runs as the unprivileged `postgres` system user, which owns
//! the data directory.

use anyhow::Context;
use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::Command;

/// The superuser role created by `initdb`, used by the server over the socket.
const ROLE: &str = "capex";
/// Port number in the socket's file name (`.s.PGSQL.5432`); no TCP port is opened.
const SOCKET_PORT: u16 = 5432;
/// Longest usable Unix socket path on Linux, minus the socket file name.
const MAX_SOCKET_DIR_LEN: usize = 107 - ".s.PGSQL.5432".len() - 1;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedPgError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found: install them \
         (Debian/Ubuntu: `apt-get install postgresql`), set PG_BIN_DIR to their folder, \
         or set DATABASE_URL to use an existing server"
    )]
    BinariesMissing,
    #[error(
        "running as root, the embedded PostgreSQL must run as the unprivileged `postgres` \
         user, which does not exist: install PostgreSQL from the system packages \
         (`apt-get install postgresql`) or run the server as a normal user"
    )]
    NoUnprivilegedUser,
    #[error(
        "the `postgres` user cannot reach the data directory {0}: choose a data directory \
         whose parent folders are world-searchable (set CAPEX_DATA_DIR), or run as a normal user"
    )]
    DataDirUnreachable(PathBuf),
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// How the cluster is tuned. `throwaway` trades durability for speed and is
/// only for test clusters, never for users' data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    #[default]
    Durable,
    Throwaway,
}

#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    run_as_postgres: bool,
    durability: Durability,
}

impl EmbeddedPostgres {
    /// Prepares (but does not start) a cluster in `data_dir`.
    pub fn new(
        data_dir: &Path,
        bin_dir: Option<&Path>,
        durability: Durability,
    ) -> Result<Self, EmbeddedPgError> {
        let bin_dir = find_bin_dir(bin_dir).ok_or(EmbeddedPgError::BinariesMissing)?;
        let run_as_postgres = is_root();
        if run_as_postgres && postgres_uid_gid().is_none() {
            return Err(EmbeddedPgError::NoUnprivilegedUser);
        }
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("resolving the data directory {}", data_dir.display()))?;
        let socket_dir = socket_dir_for(&data_dir);
        Ok(Self {
            bin_dir,
            data_dir,
            socket_dir,
            run_as_postgres,
            durability,
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Connection options for a database in this cluster, over its Unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .port(SOCKET_PORT)
            .username(ROLE)
            .database(database)
    }

    /// Creates the cluster if it does not exist yet and starts it (or adopts a
    /// cluster left running by a previous process that was killed).
    pub async fn start(&self) -> Result<(), EmbeddedPgError> {
        std::fs::create_dir_all(&self.socket_dir).with_context(|| {
            format!(
                "creating the socket directory {}",
                self.socket_dir.display()
            )
        })?;
        if self.run_as_postgres {
            let (uid, gid) = postgres_uid_gid().ok_or(EmbeddedPgError::NoUnprivilegedUser)?;
            for dir in [&self.data_dir, &self.socket_dir] {
                std::os::unix::fs::chown(dir, Some(uid), Some(gid))
                    .with_context(|| format!("giving {} to the postgres user", dir.display()))?;
            }
            let reachable = self
                .command("test")
                .args(["-w"])
                .arg(&self.data_dir)
                .status()
                .await
                .map(|s| s.success())
                .unwrap_or(false);
            if !reachable {
                return Err(EmbeddedPgError::DataDirUnreachable(self.data_dir.clone()));
            }
        }
        if !self.data_dir.join("PG_VERSION").exists() {
            self.initdb().await?;
        }
        if self.is_running().await {
            if self.accepts_connections().await {
                tracing::info!(pg.data_dir = %self.data_dir.display(), "embedded PostgreSQL already running; adopting it");
                return Ok(());
            }
            // A cluster still shutting down (a previous server stopping it):
            // wait for it to finish, then start it again.
            self.wait_until_stopped().await?;
        }
        // A stale pid file from a killed postmaster makes pg_ctl refuse; pg_ctl
        // status said no server runs, so the file is stale.
        let _ = std::fs::remove_file(self.data_dir.join("postmaster.pid"));
        let mut options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c port={SOCKET_PORT}",
            self.socket_dir.display()
        );
        if self.durability == Durability::Throwaway {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = self.data_dir.join("server.log");
        self.run_pg(
            "pg_ctl start",
            self.command(self.bin_dir.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data_dir)
                .arg("-l")
                .arg(&log)
                .args(["-o", &options, "-w", "-t", "60", "start"]),
        )
        .await
        .map_err(|e| match e {
            EmbeddedPgError::Command { what, detail } => EmbeddedPgError::Command {
                what,
                detail: format!("{detail} (see {})", log.display()),
            },
            other => other,
        })?;
        tracing::info!(pg.data_dir = %self.data_dir.display(), pg.socket_dir = %self.socket_dir.display(), "embedded PostgreSQL started");
        Ok(())
    }

    /// Creates `database` if it does not exist.
    pub async fn ensure_database(&self, database: &str) -> Result<(), EmbeddedPgError> {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = self
            .connect_options("postgres")
            .connect()
            .await
            .context("connecting to the embedded PostgreSQL")?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(database)
                .fetch_one(&mut conn)
                .await
                .context("looking up the database")?;
        if !exists {
            let quoted = format!("\"{}\"", database.replace('"', "\"\""));
            sqlx::query(&format!("CREATE DATABASE {quoted}"))
                .execute(&mut conn)
                .await
                .with_context(|| format!("creating database {database}"))?;
        }
        conn.close().await.ok();
        Ok(())
    }

    /// Whether the running cluster accepts connections (not starting up or shutting down).
    async fn accepts_connections(&self) -> bool {
        use sqlx::{ConnectOptions, Connection};
        for _ in 0..20 {
            match self.connect_options("postgres").connect().await {
                Ok(conn) => {
                    let _ = conn.close().await;
                    return true;
                }
                Err(e) if e.to_string().contains("starting up") => {
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                Err(_) => return false,
            }
        }
        false
    }

    async fn wait_until_stopped(&self) -> Result<(), EmbeddedPgError> {
        for _ in 0..240 {
            if !self.is_running().await {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        Err(EmbeddedPgError::Command {
            what: "waiting for the embedded PostgreSQL to stop".into(),
            detail: "it is still shutting down after 60 s".into(),
        })
    }

    pub async fn is_running(&self) -> bool {
        self.command(self.bin_dir.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data_dir)
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// Stops the cluster, finishing open transactions' rollback (`-m fast`).
    pub async fn stop(&self) -> Result<(), EmbeddedPgError> {
        if !self.is_running().await {
            return Ok(());
        }
        self.run_pg(
            "pg_ctl stop",
            self.command(self.bin_dir.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-m", "fast", "-w", "-t", "60", "stop"]),
        )
        .await?;
        tracing::info!(pg.data_dir = %self.data_dir.display(), "embedded PostgreSQL stopped");
        Ok(())
    }

    /// Stops the cluster with SIGKILL-like abruptness (`-m immediate`), for fault tests.
    pub async fn stop_immediately(&self) -> Result<(), EmbeddedPgError> {
        self.run_pg(
            "pg_ctl stop -m immediate",
            self.command(self.bin_dir.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data_dir)
                .args(["-m", "immediate", "-w", "stop"]),
        )
        .await
    }

    async fn initdb(&self) -> Result<(), EmbeddedPgError> {
        tracing::info!(pg.data_dir = %self.data_dir.display(), "creating the embedded PostgreSQL cluster");
        self.run_pg(
            "initdb",
            self.command(self.bin_dir.join("initdb"))
                .arg("-D")
                .arg(&self.data_dir)
                .args([
                    "-U",
                    ROLE,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]),
        )
        .await
    }

    /// A command run as the cluster's owner (`runuser -u postgres` when root).
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        // The cluster must not die with the terminal's Ctrl-C before we stop it cleanly.
        cmd.process_group(0).kill_on_drop(false);
        cmd
    }

    async fn run_pg(&self, what: &str, cmd: &mut Command) -> Result<(), EmbeddedPgError> {
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .await
            .with_context(|| format!("running {what}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let detail = String::from_utf8_lossy(&out.stderr)
                .lines()
                .chain(String::from_utf8_lossy(&out.stdout).lines())
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("no output")
                .trim()
                .to_string();
            Err(EmbeddedPgError::Command {
                what: what.to_string(),
                detail,
            })
        }
    }
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn postgres_uid_gid() -> Option<(u32, u32)> {
    let user = nix::unistd::User::from_name("postgres").ok().flatten()?;
    Some((user.uid.as_raw(), user.gid.as_raw()))
}

/// Finds `initdb` and `pg_ctl`: the configured folder, else the newest
/// `/usr/lib/postgresql/*/bin`, else `PATH`.
fn find_bin_dir(configured: Option<&Path>) -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(dir) = configured {
        return has_tools(dir).then(|| dir.to_path_buf());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_tools(d))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).find(|d| has_tools(d)))
}

/// The socket lives in the data directory unless that path is too long for a
/// Unix socket, in which case a short folder under /tmp named after it is used.
fn socket_dir_for(data_dir: &Path) -> PathBuf {
    if data_dir.as_os_str().len() <= MAX_SOCKET_DIR_LEN {
        return data_dir.to_path_buf();
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut h);
    PathBuf::from(format!("/tmp/capex-lens-pg-{:016x}", h.finish()))
}
