//! SEC EDGAR importer: company-facts JSON → versioned facts in the store.
//!
//! `server import edgar --ticker MSFT,NVDA` downloads each company's XBRL
//! company facts from `data.sec.gov`; `--file PATH` imports a JSON already on
//! disk through the same code path ([`import_company_facts`]). Each company is
//! one transaction: an error leaves the store exactly as before, and
//! `--dry-run` computes the report inside a transaction that is rolled back.
//!
//! The company row: an existing row (found by CIK) is kept as it is (its name,
//! ticker and fiscal calendar are curated); otherwise it is created from the
//! JSON's `cik` and `entityName`, with the ticker and fiscal year-end month
//! from the built-in list of [`KNOWN_COMPANIES`] (or `--ticker`, and a
//! year-end month inferred from the 10-K periods).

pub mod fetch;
pub mod mapping;
pub mod model;
pub mod periods;
pub mod tags;

use crate::store::{self, CompanyRecord};
use anyhow::Context;
use domain::{Cik, Ticker};
use mapping::{MapOptions, Mapped};
use model::CompanyFacts;
use periods::FiscalCalendar;
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

/// A company the importer knows without asking the SEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownCompany {
    pub ticker: &'static str,
    pub cik: u64,
    pub fiscal_year_end_month: u8,
    pub nets_capex_proceeds: bool,
}

/// The bundled companies.
pub const KNOWN_COMPANIES: &[KnownCompany] = &[
    KnownCompany {
        ticker: "GOOGL",
        cik: 1_652_044,
        fiscal_year_end_month: 12,
        nets_capex_proceeds: false,
    },
    KnownCompany {
        ticker: "NVDA",
        cik: 1_045_810,
        fiscal_year_end_month: 1,
        nets_capex_proceeds: false,
    },
    KnownCompany {
        ticker: "MSFT",
        cik: 789_019,
        fiscal_year_end_month: 6,
        nets_capex_proceeds: false,
    },
    KnownCompany {
        ticker: "AMZN",
        cik: 1_018_724,
        fiscal_year_end_month: 12,
        nets_capex_proceeds: true,
    },
    KnownCompany {
        ticker: "META",
        cik: 1_326_801,
        fiscal_year_end_month: 12,
        nets_capex_proceeds: false,
    },
    KnownCompany {
        ticker: "ORCL",
        cik: 1_341_439,
        fiscal_year_end_month: 5,
        nets_capex_proceeds: false,
    },
];

fn known_by_cik(cik: u64) -> Option<&'static KnownCompany> {
    KNOWN_COMPANIES.iter().find(|k| k.cik == cik)
}

fn known_by_ticker(ticker: &Ticker) -> Option<&'static KnownCompany> {
    KNOWN_COMPANIES.iter().find(|k| k.ticker == ticker.as_str())
}

/// Errors at the importer's boundary.
#[derive(Debug, thiserror::Error)]
pub enum EdgarError {
    #[error("the company-facts JSON is malformed or not of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Mapping(#[from] mapping::MappingError),
    #[error("the tag table is invalid: {0}")]
    Tags(#[from] tags::TagTableError),
    #[error("CIK {0} in the JSON is not a valid CIK")]
    BadCik(u64),
    #[error(
        "no ticker known for CIK {cik} ({name}); add the company first (server import csv) or pass --ticker with --file"
    )]
    UnknownTicker { cik: u64, name: String },
    #[error("unknown ticker {0}: pass its SEC CIK with --cik")]
    UnknownCik(String),
    #[error("the fiscal year-end month of CIK {0} is unknown and no 10-K annual period was found to infer it")]
    UnknownFiscalYear(u64),
    #[error("nothing to import: pass --ticker, --cik or --file")]
    NothingToDo,
    #[error("--ticker names one company when used with --file (got {0})")]
    TickerWithFile(usize),
}

/// `server import edgar` arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EdgarArgs {
    /// Tickers to fetch (repeatable or comma-separated): --ticker MSFT,NVDA.
    /// With --file: the ticker of the company in the file.
    #[arg(long = "ticker", value_delimiter = ',')]
    pub tickers: Vec<String>,
    /// SEC CIKs to fetch (repeatable or comma-separated).
    #[arg(long = "cik", value_delimiter = ',')]
    pub ciks: Vec<String>,
    /// Import a company-facts JSON already on disk instead of downloading.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Compute the report without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// User-Agent for SEC requests, with a contact ("Name email@example.com").
    #[arg(long, env = "SEC_USER_AGENT")]
    pub user_agent: Option<String>,
    /// Import fiscal years from this one on (default: all).
    #[arg(long)]
    pub since_fiscal_year: Option<i32>,
}

/// Options of one company's import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// Ticker to use when the company is not yet in the store and not built in.
    pub ticker: Option<Ticker>,
    pub since_fiscal_year: Option<i32>,
}

/// What importing one company did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompanyImportReport {
    pub ticker: String,
    pub cik: u64,
    pub name: String,
    pub fiscal_year_end_month: u8,
    pub dry_run: bool,
    /// Entries read under mapped tags.
    pub facts_read: usize,
    /// Records handed to the store (reported and derived).
    pub records: usize,
    /// Derived records among them.
    pub derived: usize,
    /// 6- and 9-month year-to-date entries used only as derivation inputs.
    pub ytd_inputs: usize,
    /// Values repeated unchanged by later filings (known since the first).
    pub repeats: usize,
    /// Keys seen for the first time.
    pub new: usize,
    /// A later filing reported a different value: a new current version.
    pub changed: usize,
    /// An older filing with a different value than the current one: stored as history.
    pub history: usize,
    /// Already stored.
    pub unchanged: usize,
    /// Entries not used, per reason.
    pub skipped: BTreeMap<String, usize>,
    pub duration_ms: u64,
}

impl CompanyImportReport {
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
}

impl fmt::Display for CompanyImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        };
        writeln!(f, "{} {} (CIK {}){mode}", self.ticker, self.name, self.cik)?;
        writeln!(
            f,
            "  read {} entries -> {} records ({} derived); {} year-to-date inputs, {} repeats of known values; {} ms",
            self.facts_read, self.records, self.derived, self.ytd_inputs, self.repeats, self.duration_ms
        )?;
        writeln!(
            f,
            "  new {}, changed (restated) {}, history {}, unchanged {}, skipped {}",
            self.new,
            self.changed,
            self.history,
            self.unchanged,
            self.skipped_total()
        )?;
        for (reason, count) in &self.skipped {
            writeln!(f, "    skipped {count:>6}: {reason}")?;
        }
        Ok(())
    }
}

/// Imports one company-facts JSON (the `--file` path and the step after a download).
pub async fn import_company_facts(
    pool: &PgPool,
    json_bytes: &[u8],
    dry_run: bool,
) -> anyhow::Result<CompanyImportReport> {
    import_company_facts_with(
        pool,
        json_bytes,
        &ImportOptions {
            dry_run,
            ..ImportOptions::default()
        },
    )
    .await
}

/// [`import_company_facts`] with all options.
pub async fn import_company_facts_with(
    pool: &PgPool,
    json_bytes: &[u8],
    opts: &ImportOptions,
) -> anyhow::Result<CompanyImportReport> {
    let started = Instant::now();
    let doc = CompanyFacts::from_slice(json_bytes).map_err(EdgarError::from)?;
    let cik = Cik::new(doc.cik).map_err(|_| EdgarError::BadCik(doc.cik))?;
    let tags = tags::TagMap::builtin().map_err(EdgarError::from)?;

    let mut tx = pool
        .begin()
        .await
        .context("starting the import transaction")?;
    let company = resolve_company(&mut tx, &doc, cik, opts).await?;
    let calendar = FiscalCalendar::new(company.fiscal_year_end_month)
        .ok_or(EdgarError::UnknownFiscalYear(doc.cik))?;
    let map_opts = MapOptions {
        ticker: company.ticker.clone(),
        cik,
        calendar,
        since_fiscal_year: opts.since_fiscal_year,
    };
    let mapped = mapping::map_company_facts(&doc, &tags, &map_opts).map_err(EdgarError::from)?;
    let applied = store::apply_facts(&mut tx, &company.ticker, &mapped.records)
        .await
        .with_context(|| format!("storing the facts of {}", company.ticker))?;
    if opts.dry_run {
        tx.rollback().await.context("rolling back the dry run")?;
    } else {
        tx.commit()
            .await
            .with_context(|| format!("committing the import of {}", company.ticker))?;
    }
    let report = build_report(&company, cik, opts.dry_run, &mapped, &applied, started);
    tracing::info!(
        company.ticker = %report.ticker,
        company.cik = report.cik,
        import.new = report.new,
        import.changed = report.changed,
        import.unchanged = report.unchanged,
        import.skipped = report.skipped_total(),
        import.dry_run = report.dry_run,
        duration_ms = report.duration_ms,
        "edgar import done"
    );
    Ok(report)
}

fn build_report(
    company: &CompanyRecord,
    cik: Cik,
    dry_run: bool,
    mapped: &Mapped,
    applied: &store::ApplyReport,
    started: Instant,
) -> CompanyImportReport {
    CompanyImportReport {
        ticker: company.ticker.to_string(),
        cik: cik.value(),
        name: company.name.clone(),
        fiscal_year_end_month: company.fiscal_year_end_month,
        dry_run,
        facts_read: mapped.facts_read,
        records: mapped.records.len(),
        derived: mapped.derived,
        ytd_inputs: mapped.ytd_inputs,
        repeats: mapped.repeats,
        new: applied.new,
        changed: applied.changed,
        history: applied.history,
        unchanged: applied.unchanged,
        skipped: mapped.skipped.clone(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// The company row for the document: the stored one (by CIK), or a new one
/// created inside the import's transaction.
async fn resolve_company(
    conn: &mut PgConnection,
    doc: &CompanyFacts,
    cik: Cik,
    opts: &ImportOptions,
) -> anyhow::Result<CompanyRecord> {
    if let Some(existing) = company_by_cik(conn, cik).await? {
        return Ok(existing);
    }
    let known = known_by_cik(cik.value());
    let ticker = match (&opts.ticker, known) {
        (Some(t), _) => t.clone(),
        (None, Some(k)) => Ticker::parse(k.ticker)?,
        (None, None) => {
            return Err(EdgarError::UnknownTicker {
                cik: cik.value(),
                name: doc.entity_name.clone(),
            }
            .into())
        }
    };
    if let Some(mut existing) = company_by_ticker(conn, &ticker).await? {
        // Stored without a CIK (e.g. from a CSV): keep its fields, record the CIK.
        existing.cik = Some(cik);
        store::upsert_company(conn, &existing).await?;
        return Ok(existing);
    }
    let fiscal_year_end_month = match known.or_else(|| known_by_ticker(&ticker)) {
        Some(k) => k.fiscal_year_end_month,
        None => infer_year_end(doc).ok_or(EdgarError::UnknownFiscalYear(cik.value()))?,
    };
    let company = CompanyRecord {
        ticker,
        name: doc.entity_name.trim().to_string(),
        cik: Some(cik),
        fiscal_year_end_month,
        nets_capex_proceeds: known.is_some_and(|k| k.nets_capex_proceeds),
    };
    store::upsert_company(conn, &company).await?;
    Ok(company)
}

/// The fiscal year-end month from the 12-month periods the company's 10-Ks report.
fn infer_year_end(doc: &CompanyFacts) -> Option<u8> {
    let annual = doc
        .facts
        .us_gaap
        .values()
        .flat_map(|c| c.units.values().flatten())
        .filter(|f| f.form.starts_with("10-K"))
        .filter_map(|f| {
            let start = mapping::parse_date(f.start.as_deref()?).ok()?;
            let end = mapping::parse_date(&f.end).ok()?;
            Some((start, end))
        });
    periods::infer_year_end_month(annual)
}

async fn company_by_cik(
    conn: &mut PgConnection,
    cik: Cik,
) -> anyhow::Result<Option<CompanyRecord>> {
    let row = sqlx::query(
        "SELECT ticker, name, cik, fiscal_year_end_month, nets_capex_proceeds FROM companies WHERE cik = $1",
    )
    .bind(cik.value() as i64)
    .fetch_optional(&mut *conn)
    .await
    .context("looking up the company by CIK")?;
    row.map(|r| company_from_row(&r)).transpose()
}

async fn company_by_ticker(
    conn: &mut PgConnection,
    ticker: &Ticker,
) -> anyhow::Result<Option<CompanyRecord>> {
    let row = sqlx::query(
        "SELECT ticker, name, cik, fiscal_year_end_month, nets_capex_proceeds FROM companies WHERE ticker = $1",
    )
    .bind(ticker.as_str())
    .fetch_optional(&mut *conn)
    .await
    .context("looking up the company by ticker")?;
    row.map(|r| company_from_row(&r)).transpose()
}

fn company_from_row(row: &sqlx::postgres::PgRow) -> anyhow::Result<CompanyRecord> {
    let ticker: String = row.try_get("ticker")?;
    let month: i16 = row.try_get("fiscal_year_end_month")?;
    let cik: Option<i64> = row.try_get("cik")?;
    let cik = cik
        .map(|n| Cik::new(u64::try_from(n).unwrap_or(0)))
        .transpose()?;
    Ok(CompanyRecord {
        ticker: Ticker::parse(&ticker)?,
        name: row.try_get("name")?,
        cik,
        fiscal_year_end_month: u8::try_from(month).context("fiscal_year_end_month out of range")?,
        nets_capex_proceeds: row.try_get("nets_capex_proceeds")?,
    })
}

async fn cik_by_ticker(pool: &PgPool, ticker: &Ticker) -> anyhow::Result<Option<Cik>> {
    if let Some(k) = known_by_ticker(ticker) {
        return Ok(Some(Cik::new(k.cik)?));
    }
    let cik: Option<Option<i64>> =
        sqlx::query_scalar("SELECT cik FROM companies WHERE ticker = $1")
            .bind(ticker.as_str())
            .fetch_optional(pool)
            .await
            .context("looking up the company's CIK")?;
    match cik.flatten() {
        Some(n) => Ok(Some(Cik::new(
            u64::try_from(n).context("negative CIK in the store")?,
        )?)),
        None => Ok(None),
    }
}

/// Runs `server import edgar`: one report per company, in the order given.
/// Stops at the first failing company (those before it stay imported).
pub async fn run(pool: &PgPool, args: &EdgarArgs) -> anyhow::Result<Vec<CompanyImportReport>> {
    let tickers = args
        .tickers
        .iter()
        .map(|t| Ticker::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(path) = &args.file {
        if tickers.len() > 1 {
            return Err(EdgarError::TickerWithFile(tickers.len()).into());
        }
        let bytes = tokio::fs::read(path)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        eprintln!("[1/1] importing {}", path.display());
        let opts = ImportOptions {
            dry_run: args.dry_run,
            ticker: tickers.into_iter().next(),
            since_fiscal_year: args.since_fiscal_year,
        };
        let report = import_company_facts_with(pool, &bytes, &opts)
            .await
            .with_context(|| format!("importing {}", path.display()))?;
        return Ok(vec![report]);
    }

    let mut targets: Vec<(String, Cik, Option<Ticker>)> = Vec::new();
    for ticker in tickers {
        let cik = cik_by_ticker(pool, &ticker)
            .await?
            .ok_or_else(|| EdgarError::UnknownCik(ticker.to_string()))?;
        targets.push((ticker.to_string(), cik, Some(ticker)));
    }
    for raw in &args.ciks {
        let cik = Cik::parse(raw)?;
        targets.push((format!("CIK {cik}"), cik, None));
    }
    if targets.is_empty() {
        return Err(EdgarError::NothingToDo.into());
    }

    let client = fetch::SecClient::new(args.user_agent.as_deref())?;
    let mut reports = Vec::with_capacity(targets.len());
    let total = targets.len();
    for (i, (label, cik, ticker)) in targets.into_iter().enumerate() {
        eprintln!(
            "[{}/{total}] {label}: fetching {}",
            i + 1,
            fetch::company_facts_url(cik)
        );
        let bytes = client
            .company_facts(cik)
            .await
            .with_context(|| format!("downloading {label}"))?;
        eprintln!(
            "[{}/{total}] {label}: {} KB received, importing",
            i + 1,
            bytes.len() / 1024
        );
        let opts = ImportOptions {
            dry_run: args.dry_run,
            ticker,
            since_fiscal_year: args.since_fiscal_year,
        };
        let report = import_company_facts_with(pool, &bytes, &opts)
            .await
            .with_context(|| format!("importing {label}"))?;
        eprintln!(
            "[{}/{total}] {label}: {} new, {} changed, {} unchanged, {} skipped",
            i + 1,
            report.new,
            report.changed,
            report.unchanged,
            report.skipped_total()
        );
        reports.push(report);
    }
    Ok(reports)
}
