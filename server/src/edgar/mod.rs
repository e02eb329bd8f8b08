//! SEC EDGAR importer: company-facts JSON → versioned facts in the store.
//!
//! `server import edgar --ticker MSFT,NVDA` downloads each company's XBRL
//! company facts from the SEC (`CAPEX_SEC_DATA_URL`, by default
//! `https://data.sec.gov`); `--file PATH` imports a JSON already on disk
//! through the same code path ([`import_company_facts`]). Each company is one
//! transaction: an error leaves the store exactly as before, and `--dry-run`
//! computes the report inside a transaction that is rolled back.
//!
//! The company row: an existing row (found by CIK) is kept as it is (its name,
//! ticker and fiscal calendar are curated); otherwise it is created from the
//! JSON's `cik` and `entityName`, with the ticker and fiscal year-end month
//! from the built-in list of [`KNOWN_COMPANIES`], or for any other company
//! from the SEC's ticker list (`files/company_tickers.json`) and its
//! submissions document (`fiscalYearEnd`), else a year-end month inferred
//! from the 10-K periods.
//!
//! `server import observations --file PATH` reads the same company facts
//! relayed as CSV rows ([`observations`]) and brings them through the same
//! mapping and store.

pub mod fetch;
pub mod mapping;
pub mod model;
pub mod observations;
pub mod periods;
pub mod sync;
pub mod tags;

use anyhow::Context;
use domain::{Cik, Ticker};
use mapping::{MapOptions, Mapped};
use model::EdgarCompanyFacts;
use periods::FiscalCalendar;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;
use store::{self, CompanyRecord};

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
    #[error("unknown ticker {ticker}: the SEC's ticker list ({url}) has no such ticker; check the spelling or pass the company's CIK with --cik and --ticker")]
    TickerNotListed { ticker: String, url: String },
    #[error("no ticker known for CIK {cik}: the SEC's ticker list ({url}) has none; pass --ticker with --cik")]
    NoTickerForCik { cik: u64, url: String },
    #[error("the fiscal year-end month of CIK {0} is unknown and no 10-K annual period was found to infer it")]
    UnknownFiscalYear(u64),
    #[error("nothing to import: pass --ticker, --cik or --file")]
    NothingToDo,
    #[error("another Capex Lens instance is talking to the SEC right now (its EDGAR sync); run this again in a few minutes")]
    SyncBusy,
    #[error("--ticker names one company when used with --file (got {0})")]
    TickerWithFile(usize),
}

/// `server import edgar` arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EdgarArgs {
    /// Tickers to fetch (repeatable or comma-separated): --ticker MSFT,NVDA.
    /// A company not yet in the store is looked up in the SEC's ticker list.
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
    /// Fiscal year-end month to use when the company is created (from the
    /// SEC's submissions document); else the built-in list, else inferred.
    pub fiscal_year_end_month: Option<u8>,
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
    let doc = ParsedFacts::parse(json_bytes)?;
    let mut tx = pool
        .begin()
        .await
        .context("starting the import transaction")?;
    let (company, mapped, applied) = import_into(&mut tx, &doc, opts).await?;
    if opts.dry_run {
        tx.rollback().await.context("rolling back the dry run")?;
    } else {
        tx.commit()
            .await
            .with_context(|| format!("committing the import of {}", company.ticker))?;
    }
    let report = build_report(&company, doc.cik, opts.dry_run, &mapped, &applied, started);
    log_import(&report);
    Ok(report)
}

/// A company-facts document, parsed and checked before any transaction opens.
pub(crate) struct ParsedFacts {
    doc: EdgarCompanyFacts,
    cik: Cik,
    tags: tags::TagMap,
}

impl ParsedFacts {
    pub(crate) fn parse(json_bytes: &[u8]) -> Result<Self, EdgarError> {
        let doc = EdgarCompanyFacts::from_slice(json_bytes)?;
        let cik = Cik::new(doc.cik).map_err(|_| EdgarError::BadCik(doc.cik))?;
        let tags = tags::TagMap::builtin()?;
        Ok(Self { doc, cik, tags })
    }
}

impl ParsedFacts {
    /// The accession numbers of the filings the document's mapped facts come from.
    pub(crate) fn accessions(&self) -> std::collections::HashSet<&str> {
        self.raw_facts().map(|f| f.accn.as_str()).collect()
    }

    /// The latest filing date (`YYYY-MM-DD`) among the mapped facts.
    pub(crate) fn latest_filed(&self) -> Option<String> {
        self.raw_facts().map(|f| f.filed.clone()).max()
    }

    fn raw_facts(&self) -> impl Iterator<Item = &model::RawFact> {
        self.doc
            .facts
            .us_gaap
            .values()
            .flat_map(|c| c.units.values().flatten())
    }
}

/// Maps a parsed document and writes it through the store's funnel inside the
/// caller's transaction (the sync commits it together with the filings it
/// records; `--dry-run` rolls it back).
pub(crate) async fn import_into(
    conn: &mut PgConnection,
    parsed: &ParsedFacts,
    opts: &ImportOptions,
) -> anyhow::Result<(CompanyRecord, Mapped, store::ApplyReport)> {
    let doc = &parsed.doc;
    let company = resolve_company(conn, doc, parsed.cik, opts).await?;
    let calendar = FiscalCalendar::new(company.fiscal_year_end_month)
        .ok_or(EdgarError::UnknownFiscalYear(doc.cik))?;
    let map_opts = MapOptions {
        ticker: company.ticker.clone(),
        cik: parsed.cik,
        calendar,
        since_fiscal_year: opts.since_fiscal_year,
    };
    let mapped =
        mapping::map_company_facts(doc, &parsed.tags, &map_opts).map_err(EdgarError::from)?;
    let applied = store::apply_facts(conn, &company.ticker, &mapped.records)
        .await
        .with_context(|| format!("storing the facts of {}", company.ticker))?;
    Ok((company, mapped, applied))
}

pub(crate) fn log_import(report: &CompanyImportReport) {
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
}

pub(crate) fn build_report(
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
    doc: &EdgarCompanyFacts,
    cik: Cik,
    opts: &ImportOptions,
) -> anyhow::Result<CompanyRecord> {
    if let Some(existing) = store::company_by_cik(conn, cik).await? {
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
    if let Some(mut existing) = store::company_by_ticker(conn, &ticker).await? {
        // Stored without a CIK (e.g. from a CSV): keep its fields, record the CIK.
        existing.cik = Some(cik);
        store::upsert_company(conn, &existing).await?;
        return Ok(existing);
    }
    let fiscal_year_end_month = match (
        known.or_else(|| known_by_ticker(&ticker)),
        opts.fiscal_year_end_month,
    ) {
        (Some(k), _) => k.fiscal_year_end_month,
        (None, Some(month)) if (1..=12).contains(&month) => month,
        (None, _) => infer_year_end(doc).ok_or(EdgarError::UnknownFiscalYear(cik.value()))?,
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
fn infer_year_end(doc: &EdgarCompanyFacts) -> Option<u8> {
    let annual = doc
        .facts
        .us_gaap
        .values()
        .flat_map(|c| c.units.values().flatten())
        .filter(|f| {
            f.form
                .as_deref()
                .is_some_and(|form| form.starts_with("10-K"))
        })
        .filter_map(|f| {
            let start = mapping::parse_date(f.start.as_deref()?).ok()?;
            let end = mapping::parse_date(&f.end).ok()?;
            Some((start, end))
        });
    periods::infer_year_end_month(annual)
}

async fn stored_cik(pool: &PgPool, ticker: &Ticker) -> anyhow::Result<Option<Cik>> {
    let mut conn = pool.acquire().await?;
    Ok(store::company_by_ticker(&mut conn, ticker)
        .await?
        .and_then(|c| c.cik))
}

async fn stored_ticker(pool: &PgPool, cik: Cik) -> anyhow::Result<Option<Ticker>> {
    let mut conn = pool.acquire().await?;
    Ok(store::company_by_cik(&mut conn, cik)
        .await?
        .map(|c| c.ticker))
}

/// One company to download.
struct Target {
    label: String,
    cik: Cik,
    ticker: Option<Ticker>,
    /// Neither stored nor built in: its fiscal year end is read from the SEC first.
    is_new: bool,
}

/// The SEC's ticker list, downloaded at most once per run and only if needed.
struct Directory<'a> {
    client: &'a fetch::SecClient,
    url: String,
    list: Option<fetch::TickerDirectory>,
}

impl Directory<'_> {
    async fn get(&mut self) -> anyhow::Result<&fetch::TickerDirectory> {
        if self.list.is_none() {
            let list = self
                .client
                .company_tickers()
                .await
                .context("downloading the SEC's ticker list")?;
            self.list = Some(list);
        }
        self.list
            .as_ref()
            .context("the SEC's ticker list is not at hand")
    }
}

/// Every company to download, resolved before anything is fetched or
/// written: an unknown ticker stops the run with nothing changed.
async fn resolve_targets(
    pool: &PgPool,
    client: &fetch::SecClient,
    www_url: &str,
    tickers: Vec<Ticker>,
    ciks: &[String],
) -> anyhow::Result<Vec<Target>> {
    let mut dir = Directory {
        client,
        url: fetch::company_tickers_url(www_url),
        list: None,
    };
    let mut targets = Vec::new();
    for ticker in tickers {
        let known = match known_by_ticker(&ticker) {
            Some(k) => Some(Cik::new(k.cik)?),
            None => stored_cik(pool, &ticker).await?,
        };
        let (cik, is_new) = match known {
            Some(cik) => (cik, false),
            None => {
                let url = dir.url.clone();
                let entry = dir.get().await?.by_ticker(ticker.as_str()).ok_or_else(|| {
                    EdgarError::TickerNotListed {
                        ticker: ticker.to_string(),
                        url,
                    }
                })?;
                let cik = Cik::new(entry.cik_str)?;
                let is_new = stored_ticker(pool, cik).await?.is_none();
                (cik, is_new)
            }
        };
        targets.push(Target {
            label: ticker.to_string(),
            cik,
            ticker: Some(ticker),
            is_new,
        });
    }
    for raw in ciks {
        let cik = Cik::parse(raw)?;
        let known = match known_by_cik(cik.value()) {
            Some(k) => Some(Ticker::parse(k.ticker)?),
            None => stored_ticker(pool, cik).await?,
        };
        let (ticker, is_new) = match known {
            Some(t) => (t, false),
            None => {
                let url = dir.url.clone();
                let entry = dir
                    .get()
                    .await?
                    .by_cik(cik)
                    .ok_or(EdgarError::NoTickerForCik {
                        cik: cik.value(),
                        url,
                    })?;
                (Ticker::parse(&entry.ticker)?, true)
            }
        };
        targets.push(Target {
            label: ticker.to_string(),
            cik,
            ticker: Some(ticker),
            is_new,
        });
    }
    Ok(targets)
}

/// Runs `server import edgar`, printing progress to stderr.
pub async fn run(
    pool: &PgPool,
    args: &EdgarArgs,
    sec: &fetch::SecConfig,
) -> anyhow::Result<Vec<CompanyImportReport>> {
    let mut stderr = std::io::stderr();
    run_with_progress(pool, args, sec, &mut stderr).await
}

/// Runs `server import edgar`: one report per company, in the order given,
/// and progress lines (`[2/3] MSFT: …`) to `progress`. Every company is
/// resolved first (an unknown ticker writes nothing); then each is downloaded
/// and imported in its own transaction. Stops at the first failing company
/// (those before it stay imported).
pub async fn run_with_progress<W: std::io::Write + Send>(
    pool: &PgPool,
    args: &EdgarArgs,
    sec: &fetch::SecConfig,
    progress: &mut W,
) -> anyhow::Result<Vec<CompanyImportReport>> {
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
        say(progress, format_args!("[1/1] importing {}", path.display()));
        let opts = ImportOptions {
            dry_run: args.dry_run,
            ticker: tickers.into_iter().next(),
            since_fiscal_year: args.since_fiscal_year,
            fiscal_year_end_month: None,
        };
        let report = import_company_facts_with(pool, &bytes, &opts)
            .await
            .with_context(|| format!("importing {}", path.display()))?;
        say(progress, format_args!("[1/1] {}", summary(&report)));
        return Ok(vec![report]);
    }
    if tickers.is_empty() && args.ciks.is_empty() {
        return Err(EdgarError::NothingToDo.into());
    }

    let client = fetch::SecClient::new(sec)?;
    // One process talks to the SEC at a time across every instance on this
    // database (the sync's lock), so that the ten-a-second rule holds in all.
    let lock = store::sync::SyncLock::try_acquire(pool)
        .await
        .context("taking the EDGAR sync lock")?
        .ok_or(EdgarError::SyncBusy)?;
    let result = download_and_import(pool, args, sec, &client, tickers, progress).await;
    lock.release().await;
    result
}

/// The downloads of `import edgar`, under the sync lock.
async fn download_and_import<W: std::io::Write + Send>(
    pool: &PgPool,
    args: &EdgarArgs,
    sec: &fetch::SecConfig,
    client: &fetch::SecClient,
    tickers: Vec<Ticker>,
    progress: &mut W,
) -> anyhow::Result<Vec<CompanyImportReport>> {
    let targets = resolve_targets(pool, client, &sec.www_url, tickers, &args.ciks).await?;
    let mut reports = Vec::with_capacity(targets.len());
    let total = targets.len();
    for (i, target) in targets.into_iter().enumerate() {
        let n = i + 1;
        let label = &target.label;
        let fiscal_year_end_month = if target.is_new {
            let subs = client
                .submissions(target.cik)
                .await
                .with_context(|| format!("reading the fiscal year end of {label}"))?;
            subs.fiscal_year_end_month()
        } else {
            None
        };
        let url = client.company_facts_url(target.cik);
        say(
            progress,
            format_args!("[{n}/{total}] {label}: fetching {url}"),
        );
        let bytes = client
            .company_facts(target.cik)
            .await
            .with_context(|| format!("downloading {label}"))?;
        let opts = ImportOptions {
            dry_run: args.dry_run,
            ticker: target.ticker,
            since_fiscal_year: args.since_fiscal_year,
            fiscal_year_end_month,
        };
        let report = import_company_facts_with(pool, &bytes, &opts)
            .await
            .with_context(|| format!("importing {label}"))?;
        say(
            progress,
            format_args!(
                "[{n}/{total}] {} ({} KB)",
                summary(&report),
                bytes.len() / 1024
            ),
        );
        reports.push(report);
    }
    Ok(reports)
}

/// One line per company: what the import did.
pub(crate) fn summary(report: &CompanyImportReport) -> String {
    let dry = if report.dry_run { ", dry run" } else { "" };
    format!(
        "{}: imported{dry}: {} new, {} changed, {} unchanged, {} skipped",
        report.ticker,
        report.new,
        report.changed,
        report.unchanged,
        report.skipped_total()
    )
}

/// Writes a progress line; a closed stream does not stop the import.
pub(crate) fn say<W: std::io::Write>(out: &mut W, line: fmt::Arguments<'_>) {
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
