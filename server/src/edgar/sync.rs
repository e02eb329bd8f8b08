//! Keeping every tracked company current from SEC EDGAR (issue 16).
//!
//! A round, for each tracked company that is due (or every one, or one, by
//! hand): read its submissions list; if it names a 10-K, 10-Q or amendment
//! the store has not imported, download the company facts and import them
//! through the importer's path ([`super::import_into`]), recording those
//! filings in the same transaction. So a crash mid-round leaves a company
//! either fully imported with its filings recorded or untouched, and a filing
//! recorded is never imported again. Then the check is recorded: when it ran,
//! when the next is due, and its error in plain words (shown on
//! `/admin/sync`, in `/api/sync/status` and by `server sync status`).
//!
//! One instance syncs at a time: a round runs only while it holds the
//! database's advisory lock ([`store::sync::SyncLock`]); another instance's
//! round finds it taken and skips. SEC's fair-access rules hold through the
//! one [`SecClient`] the round uses: the declared User-Agent, requests spaced
//! to at most ten a second, backoff on 429 and 5xx honouring `Retry-After`.

use super::fetch::{SecClient, SecConfig, TickerDirectory};
use super::{
    build_report, import_into, log_import, CompanyImportReport, ImportOptions, ParsedFacts,
};
use anyhow::Context;
use domain::{Cik, Ticker};
use serde::Serialize;
use sqlx::PgPool;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::sync::{ImportCounts, ListedFiling, SyncLock, TrackedCompany};

/// When a listed filing is not in the SEC's company facts yet, the next
/// look at the company.
pub const WAITING_RECHECK: Duration = Duration::from_secs(15 * 60);

/// Which tracked companies a round checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Those whose next check is due (the schedule).
    Due,
    /// Every tracked company (`server sync now`).
    All,
    /// One company (`server sync now --ticker T`), due or not.
    Only(&'a Ticker),
}

/// What a round did for one company.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Every listed report was already imported.
    Current { reports_listed: usize },
    /// New filings were imported (and others listed that the SEC's company
    /// facts do not carry yet are waited for).
    Imported {
        filings: Vec<String>,
        waiting: Vec<String>,
        report: CompanyImportReport,
    },
    /// New filings are listed, but the SEC's company facts do not carry them
    /// yet (they follow the filing by minutes to hours); checked again soon.
    Waiting { filings: Vec<String> },
    /// The check failed; nothing of it was written.
    Failed { error: String },
}

/// One company's line of a round.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub ticker: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl fmt::Display for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Current { reports_listed } => write!(
                f,
                "{}: current ({reports_listed} reports listed, all imported)",
                self.ticker
            ),
            Outcome::Imported {
                filings,
                waiting,
                report,
            } => {
                write!(
                    f,
                    "{}: imported {} filing(s) ({}): {} new, {} restated, {} history, {} unchanged",
                    self.ticker,
                    filings.len(),
                    filings.join(", "),
                    report.new,
                    report.changed,
                    report.history,
                    report.unchanged
                )?;
                if !waiting.is_empty() {
                    write!(
                        f,
                        "; waiting for the company facts of {}",
                        waiting.join(", ")
                    )?;
                }
                Ok(())
            }
            Outcome::Waiting { filings } => write!(
                f,
                "{}: waiting: the SEC's company facts do not carry {} yet",
                self.ticker,
                filings.join(", ")
            ),
            Outcome::Failed { error } => write!(f, "{}: failed: {error}", self.ticker),
        }
    }
}

/// What a round did.
#[derive(Debug, Clone)]
pub enum Round {
    /// Another instance holds the sync lock; nothing was checked.
    Busy,
    /// The companies checked, in order.
    Done(Vec<Checked>),
}

/// A sync round's failure before any company was checked.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0} is not tracked: track it first with `server sync track --ticker {0}`")]
    NotTracked(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Runs one round if no other instance is syncing.
pub async fn round(
    pool: &PgPool,
    client: &SecClient,
    scope: Scope<'_>,
    interval: Duration,
) -> Result<Round, SyncError> {
    let Some(lock) = SyncLock::try_acquire(pool).await? else {
        return Ok(Round::Busy);
    };
    let result = round_locked(pool, client, scope, interval).await;
    lock.release().await;
    result.map(Round::Done)
}

async fn round_locked(
    pool: &PgPool,
    client: &SecClient,
    scope: Scope<'_>,
    interval: Duration,
) -> Result<Vec<Checked>, SyncError> {
    let companies = match scope {
        Scope::Due => store::sync::tracked(pool, true).await?,
        Scope::All => store::sync::tracked(pool, false).await?,
        Scope::Only(ticker) => {
            let all = store::sync::tracked(pool, false).await?;
            let one: Vec<_> = all.into_iter().filter(|c| &c.ticker == ticker).collect();
            if one.is_empty() {
                return Err(SyncError::NotTracked(ticker.to_string()));
            }
            one
        }
    };
    let mut directory = None;
    let mut done = Vec::with_capacity(companies.len());
    for company in companies {
        let outcome = match check(pool, client, &company, &mut directory).await {
            Ok(outcome) => {
                // A filing whose figures the SEC has not published yet is
                // looked for again soon, not at the next regular check.
                let waits = matches!(&outcome, Outcome::Waiting { .. })
                    || matches!(&outcome, Outcome::Imported { waiting, .. } if !waiting.is_empty());
                let next = if waits {
                    interval.min(WAITING_RECHECK)
                } else {
                    interval
                };
                store::sync::record_check(pool, &company.ticker, next, None).await?;
                outcome
            }
            Err(e) => {
                let error = format!("{e:#}");
                tracing::warn!(company.ticker = %company.ticker, error = %error, "edgar sync check failed");
                store::sync::record_check(pool, &company.ticker, interval, Some(&error)).await?;
                Outcome::Failed { error }
            }
        };
        let checked = Checked {
            ticker: company.ticker.to_string(),
            outcome,
        };
        tracing::info!(company.ticker = %checked.ticker, "edgar sync: {checked}");
        done.push(checked);
    }
    Ok(done)
}

/// Checks one company and imports what is new.
async fn check(
    pool: &PgPool,
    client: &SecClient,
    company: &TrackedCompany,
    directory: &mut Option<TickerDirectory>,
) -> anyhow::Result<Outcome> {
    let cik = match company.cik {
        Some(cik) => cik,
        None => resolve_cik(client, &company.ticker, directory).await?,
    };
    let submissions = client
        .submissions(cik)
        .await
        .context("reading the list of filings")?;
    let listed = submissions
        .financial_reports()
        .context("reading the list of filings")?;
    let imported: HashSet<String> = {
        let mut conn = pool.acquire().await?;
        store::sync::imported(&mut conn, &company.ticker)
            .await?
            .into_iter()
            .collect()
    };
    let new: Vec<ListedFiling> = listed
        .iter()
        .filter(|f| !imported.contains(f.accession_number.as_str()))
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(Outcome::Current {
            reports_listed: listed.len(),
        });
    }
    let bytes = client
        .company_facts(cik)
        .await
        .context("downloading the company facts")?;
    let started = Instant::now();
    let parsed = ParsedFacts::parse(&bytes).context("reading the company facts")?;
    anyhow::ensure!(
        parsed.cik == cik,
        "the company facts are those of CIK {}, not of CIK {} ({})",
        parsed.cik.value(),
        cik.value(),
        company.ticker
    );
    // A filing is imported when the facts carry it: some value under its
    // accession, or facts filed after it (then they will never carry more
    // of it, e.g. a report without XBRL). A newer one is waited for.
    let carried = parsed.accessions();
    let latest = parsed.latest_filed();
    let (take, wait): (Vec<ListedFiling>, Vec<ListedFiling>) = new.into_iter().partition(|f| {
        carried.contains(f.accession_number.as_str())
            || latest
                .as_deref()
                .is_some_and(|l| f.filing_date.to_string().as_str() < l)
    });
    let named = |filings: &[ListedFiling]| -> Vec<String> {
        filings
            .iter()
            .map(|f| format!("{} {}", f.form, f.accession_number))
            .collect()
    };
    if take.is_empty() {
        return Ok(Outcome::Waiting {
            filings: named(&wait),
        });
    }
    let opts = ImportOptions {
        dry_run: false,
        ticker: Some(company.ticker.clone()),
        since_fiscal_year: None,
        fiscal_year_end_month: submissions.fiscal_year_end_month(),
    };
    let mut tx = pool.begin().await?;
    let (record, mapped, applied) = import_into(&mut tx, &parsed, &opts).await?;
    anyhow::ensure!(
        record.ticker == company.ticker,
        "CIK {} is stored under the ticker {}, not {}; stop tracking one of them",
        cik.value(),
        record.ticker,
        company.ticker
    );
    let counts = ImportCounts {
        new: applied.new,
        changed: applied.changed,
        history: applied.history,
    };
    store::sync::record_imported(&mut tx, &company.ticker, &take, counts).await?;
    tx.commit()
        .await
        .with_context(|| format!("committing the import of {}", company.ticker))?;
    let report = build_report(&record, cik, false, &mapped, &applied, started);
    log_import(&report);
    Ok(Outcome::Imported {
        filings: named(&take),
        waiting: named(&wait),
        report,
    })
}

/// The CIK of a ticker not yet in the store, from the SEC's ticker list
/// (downloaded at most once per round).
async fn resolve_cik(
    client: &SecClient,
    ticker: &Ticker,
    directory: &mut Option<TickerDirectory>,
) -> anyhow::Result<Cik> {
    if directory.is_none() {
        *directory = Some(
            client
                .company_tickers()
                .await
                .context("downloading the SEC's ticker list")?,
        );
    }
    let list = directory
        .as_ref()
        .context("the SEC's ticker list is not at hand")?;
    let entry = list.by_ticker(ticker.as_str()).with_context(|| {
        format!("the SEC's ticker list has no ticker {ticker}; check the spelling, then stop tracking it")
    })?;
    Ok(Cik::new(entry.cik_str)?)
}

/// The schedule while serving: a round of the companies due, every `poll`.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Between two checks of one company.
    pub interval: Duration,
    /// Between two looks for companies due.
    pub poll: Duration,
}

impl Schedule {
    /// Every `interval` per company, looking for work once a minute (or
    /// every `interval`, if shorter).
    pub fn every(interval: Duration) -> Self {
        Self {
            interval,
            poll: interval.min(Duration::from_secs(60)),
        }
    }
}

/// Starts the sync in the background when a User-Agent is configured and
/// the interval is not zero; says in the log why it does not otherwise.
pub fn spawn(
    pool: PgPool,
    sec: &SecConfig,
    interval_minutes: u64,
) -> Option<tokio::task::JoinHandle<()>> {
    if interval_minutes == 0 {
        tracing::info!("edgar sync off (CAPEX_SYNC_INTERVAL_MINUTES=0)");
        return None;
    }
    if sec
        .user_agent
        .as_deref()
        .is_none_or(|ua| ua.trim().is_empty())
    {
        tracing::info!("edgar sync off: set CAPEX_SEC_USER_AGENT (a name and contact e-mail) to keep tracked companies current");
        return None;
    }
    let client = match SecClient::new(sec) {
        Ok(client) => Arc::new(client),
        Err(e) => {
            tracing::error!(error = %e, "edgar sync off: the SEC client cannot be built");
            return None;
        }
    };
    let schedule = Schedule::every(Duration::from_secs(interval_minutes.saturating_mul(60)));
    tracing::info!(
        sync.interval_minutes = interval_minutes,
        "edgar sync on: each tracked company is checked every {interval_minutes} minutes"
    );
    Some(tokio::spawn(run_schedule(pool, client, schedule)))
}

/// Rounds forever, `poll` apart.
pub async fn run_schedule(pool: PgPool, client: Arc<SecClient>, schedule: Schedule) {
    loop {
        match round(&pool, &client, Scope::Due, schedule.interval).await {
            Ok(Round::Busy) => tracing::debug!("edgar sync: another instance is syncing"),
            Ok(Round::Done(_)) => {}
            Err(e) => tracing::warn!(error = %e, "edgar sync round failed"),
        }
        tokio::time::sleep(schedule.poll).await;
    }
}

/// `server sync …`.
#[derive(Debug, clap::Subcommand)]
pub enum SyncCommand {
    /// Each tracked company's sync state: last check, last filing imported and
    /// what it changed, next check, last error (`--json`: as /api/sync/status).
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Run one round now: every tracked company, or `--ticker T`, due or not.
    Now {
        #[arg(long)]
        ticker: Option<String>,
    },
    /// Track a company by its ticker (resolved through the SEC's ticker list)
    /// and import its filings now.
    Track {
        #[arg(long)]
        ticker: String,
    },
    /// Stop checking a company; what was imported stays.
    Untrack {
        #[arg(long)]
        ticker: String,
    },
}

/// Runs a `sync` subcommand: data on `out`, the failure (if any) returned
/// for the one line on stderr.
pub async fn run_command<W: std::io::Write>(
    pool: &PgPool,
    command: SyncCommand,
    sec: &SecConfig,
    interval_minutes: u64,
    out: &mut W,
) -> anyhow::Result<()> {
    // A check by hand schedules the next one as the server would.
    let interval = Duration::from_secs(interval_minutes.max(1).saturating_mul(60));
    match command {
        SyncCommand::Status { json } => {
            let status = store::sync::status(pool).await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &status)?;
                writeln!(out)?;
            } else {
                write_status(out, &status)?;
            }
            Ok(())
        }
        SyncCommand::Now { ticker } => {
            let ticker = ticker.as_deref().map(Ticker::parse).transpose()?;
            let client = SecClient::new(sec)?;
            let scope = match &ticker {
                Some(t) => Scope::Only(t),
                None => Scope::All,
            };
            report_round(round(pool, &client, scope, interval).await?, out)
        }
        SyncCommand::Track { ticker } => {
            let ticker = Ticker::parse(&ticker)?;
            let client = SecClient::new(sec)?;
            // Listed at the SEC before anything is written.
            let known = store::sync::tracked(pool, false)
                .await?
                .into_iter()
                .any(|c| c.ticker == ticker && c.cik.is_some());
            if !known {
                resolve_cik(&client, &ticker, &mut None).await?;
            }
            store::sync::track(pool, &ticker).await?;
            writeln!(out, "{ticker}: tracked")?;
            report_round(
                round(pool, &client, Scope::Only(&ticker), interval).await?,
                out,
            )
        }
        SyncCommand::Untrack { ticker } => {
            let ticker = Ticker::parse(&ticker)?;
            if store::sync::untrack(pool, &ticker).await? {
                writeln!(
                    out,
                    "{ticker}: no longer tracked (its imported figures stay)"
                )?;
                Ok(())
            } else {
                anyhow::bail!("{ticker} is not tracked; `server sync status` lists those that are")
            }
        }
    }
}

/// Prints a round's lines; an error when another instance was syncing or a company failed.
fn report_round<W: std::io::Write>(round: Round, out: &mut W) -> anyhow::Result<()> {
    let Round::Done(checked) = round else {
        anyhow::bail!(
            "another Capex Lens instance is syncing right now; run this again in a few minutes"
        );
    };
    for c in &checked {
        writeln!(out, "{c}")?;
    }
    let failed = checked
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
        .count();
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} companies could not be synced (see above); the next round retries them",
            checked.len()
        );
    }
    Ok(())
}

/// The status as a table for people.
pub fn write_status<W: std::io::Write>(
    out: &mut W,
    status: &[domain::sync::CompanySync],
) -> std::io::Result<()> {
    if status.is_empty() {
        return writeln!(
            out,
            "no company is tracked; track one with `server sync track --ticker T`"
        );
    }
    writeln!(
        out,
        "{:<8} {:<13} {:<20} {:<20} {:<44} {:<32} ERROR",
        "TICKER", "STATE", "LAST CHECK", "NEXT CHECK", "LAST FILING IMPORTED", "WHAT IT CHANGED"
    )?;
    for s in status {
        let filing = s.last_filing.as_ref();
        writeln!(
            out,
            "{:<8} {:<13} {:<20} {:<20} {:<44} {:<32} {}",
            s.ticker,
            s.state(),
            s.last_checked_at
                .map(domain::sync::utc_minute)
                .unwrap_or_else(|| "never".into()),
            if s.tracked {
                domain::sync::utc_minute(s.next_check_at)
            } else {
                "not tracked".into()
            },
            filing
                .map(|f| format!("{} {} ({})", f.form, f.accession_number, f.filing_date))
                .unwrap_or_else(|| "none yet".into()),
            filing.map(|f| f.changes()).unwrap_or_default(),
            s.last_error.as_deref().unwrap_or("-"),
        )?;
    }
    Ok(())
}
