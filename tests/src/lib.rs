//! Test support: a real PostgreSQL for every test, the application served
//! in-process on a free port, and headless Chromium driven over WebDriver.
//!
//! The cluster is a throwaway embedded one under `target/test-pg` (durability
//! off: it holds nothing but test data), shared by all tests and test binaries
//! of a run and adopted if already running; every test gets a fresh database
//! of its own, migrated, so tests never see each other's rows. Set
//! `TEST_DATABASE_URL` to use another server instead.

pub mod accounts;
pub mod assets;
pub mod bench_fragment;
pub mod browser;
pub mod edgar_replay;
pub mod fixtures;
pub mod universe;

use server::configuration::{LogFormat, Settings};
use server::embedded_pg::{Durability, EmbeddedPostgres};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;

/// An HTTP client that leaves response bodies as sent (compressed), so tests
/// see `Content-Encoding` and count bytes as a browser receives them.
pub fn compressed_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_brotli()
        .no_gzip()
        .build()
        .expect("build the HTTP client")
}

/// The workspace root (tests run with the `tests/` crate as working directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cluster() -> &'static Result<PgConnectOptions, String> {
    static CLUSTER: OnceLock<Result<PgConnectOptions, String>> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            return PgConnectOptions::from_str(&url).map_err(|e| e.to_string());
        }
        // Started on a runtime of its own: each #[tokio::test] has its own runtime.
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let dir = workspace_root().join("target/test-pg");
                let pg = EmbeddedPostgres::new(&dir, None, Durability::Throwaway)
                    .map_err(|e| e.to_string())?;
                pg.start().await.map_err(|e| e.to_string())?;
                Ok(pg.connect_options("postgres"))
            })
        })
        .join()
        .unwrap_or_else(|_| Err("starting the test cluster panicked".into()))
    })
}

/// The application's logs on standard error when `TEST_LOG` is set (any
/// value), at `RUST_LOG`'s levels (default `info`); silent otherwise, so a
/// passing run stays readable. Every test that makes a database calls this.
///
/// `TEST_LOG=1 cargo test -p capex-lens-tests --test http entry:: -- --nocapture`
pub fn init_test_log() {
    if std::env::var_os("TEST_LOG").is_some() {
        server::telemetry::init(LogFormat::Text, server::telemetry::LogStream::Stderr);
    }
}

/// A fresh, migrated database of its own for one test.
pub struct TestDb {
    pub pool: PgPool,
    pub name: String,
    pub options: PgConnectOptions,
}

impl TestDb {
    pub async fn new() -> Self {
        init_test_log();
        let admin = cluster().as_ref().expect("test PostgreSQL cluster").clone();
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin.connect().await.expect("connect to test cluster");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let options = admin.clone().database(&name);
        let pool = server::db::connect(options.clone(), 8)
            .await
            .expect("connect to test database");
        store::migrate(&pool).await.expect("migrate test database");
        Self {
            pool,
            name,
            options,
        }
    }

    /// The same database with the bundled real filings loaded.
    pub async fn with_bundled_data() -> Self {
        let db = Self::new().await;
        server::bundled::load(&db.pool, &workspace_root().join("data/bundled"))
            .await
            .expect("load bundled data");
        db
    }
}

/// Settings for an in-process server on a free loopback port.
pub fn test_settings() -> Settings {
    let root = workspace_root();
    Settings {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: None,
        data_dir: root.join("target/test-pg-unused"),
        pg_bin_dir: None,
        db_pool_size: 8,
        chart_renders: None,
        short_links_per_hour: app::ssr::DEFAULT_SHORT_LINKS_PER_HOUR,
        trusted_proxies: Vec::new(),
        site_root: std::env::var_os("LEPTOS_SITE_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/site")),
        bundled_data: root.join("data/bundled"),
        log_format: LogFormat::Text,
        thresholds: Default::default(),
        public_url: None,
        session_idle_minutes: 30,
        session_max_hours: 12,
        // The sync needs a User-Agent; the EDGAR tests point it at their replay.
        sec: Default::default(),
        sync_interval_minutes: 0,
    }
}

/// The application served in-process on a free port, backed by its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    pub client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the application with the bundled data loaded.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestDb::with_bundled_data().await).await
}

pub async fn spawn_app_with(db: TestDb) -> TestApp {
    spawn_app_with_settings(db, test_settings()).await
}

/// Starts the application on `db` with `settings` (e.g. a public URL).
pub async fn spawn_app_with_settings(db: TestDb, settings: Settings) -> TestApp {
    let listener = server::startup::bind(settings.addr).await.expect("bind");
    let app = server::startup::Application::new(listener, &settings, db.pool.clone());
    let addr = app.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        addr,
        db,
        client,
        shutdown: Some(tx),
    }
}
