//! The command line: `server` (serve), `server import …`, `server export …`.
//! Every failure ends with one line on stderr saying what to do, and a
//! non-zero exit code; never a panic trace.

use crate::configuration::Settings;
use crate::db::Database;
use crate::{bundled, startup, telemetry};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Capex Lens: AI infrastructure filings dashboard", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard (the default).
    Serve,
    /// Load the bundled real filings into the store and exit (serving does this too).
    LoadBundled,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings).await,
        Command::LoadBundled => {
            let dir = settings.clone();
            with_database(
                &settings,
                |pool| async move { load_bundled(&dir, &pool).await },
            )
            .await
        }
    }
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let listener = startup::bind(settings.addr).await?;
    let (db, pool) = Database::open(settings).await?;
    if let Err(e) = load_bundled(settings, &pool).await {
        db.close(pool, true).await;
        return Err(e);
    }
    let app = startup::Application::new(listener, settings, pool.clone());
    tracing::info!(http.addr = %app.local_addr(), "serving Capex Lens on http://{}", app.local_addr());
    let served = app.run_until(startup::shutdown_signal()).await;
    db.close(pool, true).await;
    tracing::info!("stopped");
    Ok(served?)
}

/// Opens the database, runs `f`, and closes it again (stopping the embedded
/// cluster only if this command started it).
async fn with_database<F, Fut>(settings: &Settings, f: F) -> anyhow::Result<()>
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let (db, pool) = Database::open(settings).await?;
    let result = f(pool.clone()).await;
    db.close(pool, false).await;
    result
}

async fn load_bundled(settings: &Settings, pool: &sqlx::PgPool) -> anyhow::Result<()> {
    if !settings.bundled_data.join("companies.csv").exists() {
        tracing::warn!(path = %settings.bundled_data.display(), "no bundled data found; starting with the store as it is");
        return Ok(());
    }
    bundled::load(pool, &settings.bundled_data).await?;
    Ok(())
}
