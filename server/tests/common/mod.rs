//! What the process-level tests share: the throwaway test cluster, a fresh
//! database per test, and the `server` binary Cargo built for this package.
#![allow(dead_code)]

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn alphabet_file() -> PathBuf {
    workspace_root().join("data/bundled/edgar/companyfacts_CIK0001652044.json")
}

/// The shared throwaway test cluster (adopted if already running), started
/// once per test binary on a runtime of its own.
fn cluster() -> &'static PgConnectOptions {
    static CLUSTER: OnceLock<PgConnectOptions> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let dir = workspace_root().join("target/test-pg");
                let pg = server::embedded_pg::EmbeddedPostgres::new(
                    &dir,
                    None,
                    server::embedded_pg::Durability::Throwaway,
                )
                .unwrap();
                pg.start().await.unwrap();
                pg.connect_options("postgres")
            })
        })
        .join()
        .unwrap()
    })
}

/// A fresh empty database: its connection options and its `DATABASE_URL`.
pub async fn fresh_database() -> (PgConnectOptions, String) {
    let admin = cluster().clone();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = admin.connect().await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let socket_dir: String =
        sqlx::query_scalar("SELECT current_setting('unix_socket_directories')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let port: String = sqlx::query_scalar("SELECT current_setting('port')")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    let socket_dir = socket_dir.split(',').next().unwrap_or_default().trim();
    let url = format!("postgres://capex@localhost:{port}/{name}?host={socket_dir}");
    (admin.database(&name), url)
}

pub fn server(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env("DATABASE_URL", database_url)
        .env("CAPEX_LOG_FORMAT", "text")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("CAPEX_BUNDLED_DATA", workspace_root().join("data/bundled"))
        .env("LEPTOS_SITE_ROOT", workspace_root().join("target/site"));
    cmd
}
