//! The command line: `server` (serve), `server import …`, `server export …`.
//! Every failure ends with one line on stderr saying what to do, and a
//! non-zero exit code; never a panic trace.

use crate::configuration::Settings;
use crate::db::Database;
use crate::{bundled, startup, telemetry};
use anyhow::Context;
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
    /// Import filings: from SEC EDGAR's XBRL company facts, relayed observations, or a CSV file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Keep tracked companies current from SEC EDGAR: status, a round now, track or untrack a company.
    #[command(subcommand)]
    Sync(crate::edgar::sync::SyncCommand),
    /// Manage accounts (the password is read from a prompt or stdin, never from arguments).
    #[command(subcommand)]
    User(crate::users::UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import company facts from SEC EDGAR (`--ticker MSFT`, `--cik 789019`) or a file on disk (`--file`).
    Edgar(crate::edgar::EdgarArgs),
    /// Import SEC company-facts observations relayed as CSV (`--file PATH`), through the same mapping; one transaction.
    Observations(crate::edgar::observations::ObservationsArgs),
    /// Import fact versions from a CSV file in the export layout (one transaction).
    Csv {
        /// The CSV file (see `server export csv`), or `-` for standard input.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every fact version with its provenance, as CSV (to stdout, or `--out FILE`).
    Csv {
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Serving logs to stdout; every other command keeps stdout for its data
    // (reports, `export csv`) and logs to stderr.
    let stream = match cli.command {
        None | Some(Command::Serve) => telemetry::LogStream::Stdout,
        Some(_) => telemetry::LogStream::Stderr,
    };
    telemetry::init(cli.settings.log_format, stream);
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
        Command::Import(ImportCommand::Edgar(args)) => {
            let sec = settings.sec.config();
            with_database(&settings, |pool| async move {
                for report in crate::edgar::run(&pool, &args, &sec).await? {
                    println!("{report}");
                }
                Ok(())
            })
            .await
        }
        Command::Import(ImportCommand::Observations(args)) => {
            // Read and checked before the database is opened.
            let text = crate::edgar::observations::read_observations_file(&args.file)?;
            with_database(&settings, |pool| async move {
                for report in crate::edgar::observations::run(&pool, &args, &text).await? {
                    println!("{report}");
                }
                Ok(())
            })
            .await
        }
        Command::Import(ImportCommand::Csv { file }) => {
            with_database(&settings, |pool| async move {
                // `-`: standard input, so `export csv | import csv -` works.
                let report = if file.as_os_str() == "-" {
                    crate::csv_io::import_csv(&pool, std::io::stdin().lock()).await?
                } else {
                    let reader = std::fs::File::open(&file)
                        .with_context(|| format!("opening {}", file.display()))?;
                    crate::csv_io::import_csv(&pool, reader).await?
                };
                println!("{report}");
                Ok(())
            })
            .await
        }
        Command::Sync(command) => {
            let sec = settings.sec.config();
            let interval = settings.sync_interval_minutes;
            with_database(&settings, |pool| async move {
                let mut stdout = std::io::stdout().lock();
                crate::edgar::sync::run_command(&pool, command, &sec, interval, &mut stdout).await
            })
            .await
        }
        Command::User(command) => {
            with_database(&settings, |pool| async move {
                crate::users::run(&pool, command).await
            })
            .await
        }
        Command::Export(ExportCommand::Csv { out }) => {
            with_database(&settings, |pool| async move {
                let rows = match &out {
                    Some(path) => {
                        let file = std::fs::File::create(path)
                            .with_context(|| format!("creating {}", path.display()))?;
                        crate::csv_io::export_csv(&pool, std::io::BufWriter::new(file)).await?
                    }
                    None => crate::csv_io::export_csv(&pool, std::io::stdout().lock()).await?,
                };
                eprintln!("exported {rows} fact versions");
                Ok(())
            })
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
    crate::auth::spawn_expired_session_cleanup(pool.clone());
    let sync = crate::edgar::sync::spawn(
        pool.clone(),
        &settings.sec.config(),
        settings.sync_interval_minutes,
    );
    tracing::info!(http.addr = %app.local_addr(), "serving Capex Lens on http://{}", app.local_addr());
    let served = app.run_until(startup::shutdown_signal()).await;
    if let Some(sync) = sync {
        // A round cut here rolls back: nothing half-imported stays.
        sync.abort();
    }
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
