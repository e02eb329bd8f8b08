//! Configuration from environment variables (or the equivalent flags), with
//! documented defaults. `server --help` lists them all.

use clap::{Args, ValueEnum};
use domain::analytics::Thresholds;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address the dashboard listens on.
    #[arg(
        long,
        env = "CAPEX_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,

    /// PostgreSQL to use. When unset, the server runs its own cluster under
    /// CAPEX_DATA_DIR (created on first start, stopped on shutdown).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Data directory of the embedded PostgreSQL cluster.
    #[arg(long, env = "CAPEX_DATA_DIR", default_value = "data/pg", global = true)]
    pub data_dir: PathBuf,

    /// Folder holding initdb and pg_ctl (default: the newest /usr/lib/postgresql/*/bin, else PATH).
    #[arg(long, env = "PG_BIN_DIR", global = true)]
    pub pg_bin_dir: Option<PathBuf>,

    /// Maximum connections in the database pool.
    #[arg(long, env = "CAPEX_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub db_pool_size: u32,

    /// Chart images (PNG, SVG) drawn at once; beyond it a render is refused
    /// with 503 and Retry-After (default: two per core).
    #[arg(long, env = "CAPEX_CHART_RENDERS", global = true)]
    pub chart_renders: Option<usize>,

    /// New short links one client address may create per hour; beyond it a
    /// request is refused with 429 and Retry-After. A link that already
    /// exists is returned and not counted.
    #[arg(long, env = "CAPEX_SHORT_LINKS_PER_HOUR", default_value_t = app::ssr::DEFAULT_SHORT_LINKS_PER_HOUR, global = true)]
    pub short_links_per_hour: usize,

    /// Reverse proxies (IP addresses, comma-separated) whose
    /// `X-Forwarded-For` header names the client for the per-client limits.
    /// Unset: the header is ignored and the connection's peer is the client.
    #[arg(
        long,
        env = "CAPEX_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Folder of the built site (WebAssembly, JS, CSS, static files) made by cargo-leptos.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: PathBuf,

    /// Folder of the bundled real filings loaded on start.
    #[arg(
        long,
        env = "CAPEX_BUNDLED_DATA",
        default_value = "data/bundled",
        global = true
    )]
    pub bundled_data: PathBuf,

    /// Scorecard thresholds as JSON, overriding the methodology's defaults field by field,
    /// e.g. `{"ai_spread_watch_pp": -10.0}`. The methodology page shows those in force.
    #[arg(long, env = "CAPEX_THRESHOLDS", value_parser = parse_thresholds, default_value = "{}", global = true)]
    pub thresholds: Thresholds,

    /// The address people use to reach the dashboard, e.g. `https://capex.example.com`.
    /// When https, the session cookie is `Secure`; state-changing requests must
    /// come from this origin (when unset: from the request's own host).
    #[arg(long, env = "CAPEX_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// A signed-in session ends after this many minutes without a request.
    #[arg(
        long,
        env = "CAPEX_SESSION_IDLE_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub session_idle_minutes: u64,

    /// A signed-in session ends this many hours after login, however active.
    #[arg(
        long,
        env = "CAPEX_SESSION_MAX_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_max_hours: u64,

    /// How the server reaches SEC EDGAR (the sync, `import edgar`, `sync …`).
    #[command(flatten)]
    pub sec: crate::edgar::fetch::SecArgs,

    /// Minutes between two checks of one tracked company at SEC EDGAR while
    /// serving (default 360: four times a day); 0 turns the sync off. The
    /// sync also needs CAPEX_SEC_USER_AGENT.
    #[arg(
        long,
        env = "CAPEX_SYNC_INTERVAL_MINUTES",
        default_value_t = 360,
        global = true
    )]
    pub sync_interval_minutes: u64,

    /// Log format: `text` for people, `json` for log pipelines. Levels via RUST_LOG (default info).
    #[arg(long, env = "CAPEX_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn parse_thresholds(raw: &str) -> Result<Thresholds, String> {
    serde_json::from_str(raw)
        .map_err(|e| format!("CAPEX_THRESHOLDS is not valid threshold JSON: {e}"))
}
