//! Writing to the filings store: companies and fact versions.
//!
//! Every loader (bundled CSV files, the EDGAR importer, CSV import) turns its
//! input into [`FactRecord`]s and hands them to [`apply_facts`] inside one
//! transaction per company, so an error leaves the store exactly as before.
//! Versions are never overwritten: a different value for a key adds a version.

use anyhow::Context;
use domain::{AccessionNumber, Cik, FiscalPeriod, Metric, SourceKind, Ticker};
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::PgConnection;
use std::collections::HashMap;
use time::Date;

/// Where a value came from, as recorded (the write side of
/// [`domain::Provenance`], which is what pages read).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub kind: SourceKind,
    pub form: Option<String>,
    pub accession: Option<AccessionNumber>,
    pub filed_date: Option<Date>,
    pub url: Option<String>,
    /// The source as written where the value was read, verbatim.
    pub text: String,
    /// For derived values: the formula and its inputs with their provenance.
    pub derivation: Option<serde_json::Value>,
    pub entered_by: Option<String>,
}

/// One value for one key (company, metric, fiscal period), with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactRecord {
    pub ticker: Ticker,
    pub metric: Metric,
    pub period: FiscalPeriod,
    pub period_start: Option<Date>,
    pub period_end: Date,
    pub value: Decimal,
    pub unit: &'static str,
    /// When the value became known: the filing date, or the day of an entry.
    pub known_at: Date,
    pub source: Source,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyRecord {
    pub ticker: Ticker,
    pub name: String,
    pub cik: Option<Cik>,
    pub fiscal_year_end_month: u8,
    pub nets_capex_proceeds: bool,
}

/// What applying a batch of records did, by category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Keys seen for the first time.
    pub new: usize,
    /// A later source reported a different value: a new current version (restatement).
    pub changed: usize,
    /// An older source than the current version, with a different value: kept as history.
    pub history: usize,
    /// Already stored (same value known at the same date, or a later repeat of the current value).
    pub unchanged: usize,
}

impl Source {
    /// An analyst's entry: the link it was read at, and who entered it.
    pub fn analyst(url: String, entered_by: String) -> Self {
        Self {
            kind: SourceKind::Analyst,
            form: None,
            accession: None,
            filed_date: None,
            text: url.clone(),
            url: Some(url),
            derivation: None,
            entered_by: Some(entered_by),
        }
    }
}

impl ApplyReport {
    pub fn written(&self) -> usize {
        self.new + self.changed + self.history
    }
}

/// Inserts the company or updates its descriptive fields.
pub async fn upsert_company(conn: &mut PgConnection, c: &CompanyRecord) -> anyhow::Result<()> {
    // A repeat of what is stored updates nothing, so it does not advance
    // the store generation (every cache would start over).
    sqlx::query!(
        "INSERT INTO companies (ticker, name, cik, fiscal_year_end_month, nets_capex_proceeds)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (ticker) DO UPDATE SET
             name = EXCLUDED.name,
             cik = COALESCE(EXCLUDED.cik, companies.cik),
             fiscal_year_end_month = EXCLUDED.fiscal_year_end_month,
             nets_capex_proceeds = EXCLUDED.nets_capex_proceeds
         WHERE (companies.name, companies.cik, companies.fiscal_year_end_month,
                companies.nets_capex_proceeds)
               IS DISTINCT FROM
               (EXCLUDED.name, COALESCE(EXCLUDED.cik, companies.cik),
                EXCLUDED.fiscal_year_end_month, EXCLUDED.nets_capex_proceeds)",
        c.ticker.as_str(),
        &c.name,
        c.cik.map(|c| c.value() as i64),
        i16::from(c.fiscal_year_end_month),
        c.nets_capex_proceeds
    )
    .execute(&mut *conn)
    .await
    .with_context(|| format!("saving company {}", c.ticker))?;
    Ok(())
}

/// The stored company with this CIK, if any.
pub async fn company_by_cik(
    conn: &mut PgConnection,
    cik: Cik,
) -> anyhow::Result<Option<CompanyRecord>> {
    let row = sqlx::query!(
        "SELECT ticker, name, cik, fiscal_year_end_month, nets_capex_proceeds FROM companies WHERE cik = $1",
        cik.value() as i64
    )
    .fetch_optional(&mut *conn)
    .await
    .context("looking up the company by CIK")?;
    row.map(|r| {
        company_record(
            &r.ticker,
            r.name,
            r.cik,
            r.fiscal_year_end_month,
            r.nets_capex_proceeds,
        )
    })
    .transpose()
}

/// The stored company with this ticker, if any.
pub async fn company_by_ticker(
    conn: &mut PgConnection,
    ticker: &Ticker,
) -> anyhow::Result<Option<CompanyRecord>> {
    let row = sqlx::query!(
        "SELECT ticker, name, cik, fiscal_year_end_month, nets_capex_proceeds FROM companies WHERE ticker = $1",
        ticker.as_str()
    )
    .fetch_optional(&mut *conn)
    .await
    .context("looking up the company by ticker")?;
    row.map(|r| {
        company_record(
            &r.ticker,
            r.name,
            r.cik,
            r.fiscal_year_end_month,
            r.nets_capex_proceeds,
        )
    })
    .transpose()
}

fn company_record(
    ticker: &str,
    name: String,
    cik: Option<i64>,
    fiscal_year_end_month: i16,
    nets_capex_proceeds: bool,
) -> anyhow::Result<CompanyRecord> {
    let cik = cik
        .map(|n| {
            Cik::new(u64::try_from(n).context("negative CIK in the store")?)
                .map_err(anyhow::Error::from)
        })
        .transpose()?;
    Ok(CompanyRecord {
        ticker: Ticker::parse(ticker)?,
        name,
        cik,
        fiscal_year_end_month: u8::try_from(fiscal_year_end_month)
            .context("fiscal_year_end_month out of range")?,
        nets_capex_proceeds,
    })
}

type Key = (String, i32, i16);

#[derive(Debug)]
struct StoredVersion {
    value: Decimal,
    known_at: Date,
    version: i32,
}

/// Locks the company's row for the rest of the transaction, so concurrent
/// writers of the same company queue up; fails when the company is unknown.
pub async fn lock_company(conn: &mut PgConnection, ticker: &Ticker) -> anyhow::Result<()> {
    let locked = sqlx::query_scalar!(
        "SELECT ticker FROM companies WHERE ticker = $1 FOR UPDATE",
        ticker.as_str()
    )
    .fetch_optional(&mut *conn)
    .await
    .context("locking the company")?;
    anyhow::ensure!(
        locked.is_some(),
        "company {ticker} is not in the store; add it first"
    );
    Ok(())
}

/// Applies records for one company. Call inside a transaction: the company row
/// is locked so that concurrent imports of the same company queue up.
pub async fn apply_facts(
    conn: &mut PgConnection,
    ticker: &Ticker,
    records: &[FactRecord],
) -> anyhow::Result<ApplyReport> {
    lock_company(conn, ticker).await?;
    apply_locked(conn, ticker, records).await
}

/// [`apply_facts`] for a caller that already holds the company's lock.
pub(crate) async fn apply_locked(
    conn: &mut PgConnection,
    ticker: &Ticker,
    records: &[FactRecord],
) -> anyhow::Result<ApplyReport> {
    let rows = sqlx::query!(
        r#"SELECT metric AS "metric!", fiscal_year::int4 AS "fiscal_year!",
                  fiscal_quarter AS "fiscal_quarter!", value AS "value!",
                  known_at AS "known_at!", version AS "version!"
           FROM fact_versions WHERE ticker = $1"#,
        ticker.as_str()
    )
    .fetch_all(&mut *conn)
    .await
    .context("reading the stored versions")?;
    let mut stored: HashMap<Key, Vec<StoredVersion>> = HashMap::new();
    for row in rows {
        let key: Key = (row.metric, row.fiscal_year, row.fiscal_quarter);
        stored.entry(key).or_default().push(StoredVersion {
            value: row.value,
            known_at: row.known_at,
            version: row.version,
        });
    }

    // Oldest knowledge first, so versions number in the order they became known.
    let mut ordered: Vec<&FactRecord> = records.iter().collect();
    ordered.sort_by_key(|r| r.known_at);

    let mut report = ApplyReport::default();
    let mut to_insert: Vec<(&FactRecord, i32)> = Vec::new();
    for r in ordered {
        anyhow::ensure!(
            &r.ticker == ticker,
            "record for {} in the batch of {ticker}",
            r.ticker
        );
        let key: Key = (
            r.metric.key().to_string(),
            r.period.fiscal_year,
            i16::from(r.period.quarter),
        );
        let versions = stored.entry(key).or_default();
        let current = versions.iter().max_by_key(|v| (v.known_at, v.version));
        // What was current on the record's own date: if it already says the
        // same, the record repeats a known value (idempotent re-imports).
        let as_of = versions
            .iter()
            .filter(|v| v.known_at <= r.known_at)
            .max_by_key(|v| (v.known_at, v.version));
        let decision = match current {
            None => Some(&mut report.new),
            Some(_) if as_of.is_some_and(|v| v.value == r.value) => None,
            Some(cur) if r.known_at >= cur.known_at => Some(&mut report.changed),
            Some(_) => Some(&mut report.history),
        };
        match decision {
            None => report.unchanged += 1,
            Some(counter) => {
                *counter += 1;
                let version = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
                versions.push(StoredVersion {
                    value: r.value,
                    known_at: r.known_at,
                    version,
                });
                to_insert.push((r, version));
            }
        }
    }
    insert_versions(conn, &to_insert).await?;
    Ok(report)
}

/// Writes the new versions with one `COPY … FROM STDIN` (text format): the
/// fastest way PostgreSQL loads rows, inside the caller's transaction, with
/// the table's constraints, foreign keys and triggers applied as for INSERT.
async fn insert_versions(
    conn: &mut PgConnection,
    rows: &[(&FactRecord, i32)],
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut text = String::with_capacity(rows.len() * 400);
    for (r, v) in rows {
        copy_row(&mut text, r, *v);
    }
    let mut copy = conn
        .copy_in_raw(
            "COPY fact_versions (ticker, metric, fiscal_year, fiscal_quarter, period_start,
                 period_end, value, unit, version, known_at, source_kind, form, accession,
                 filed_date, source_url, source_text, derivation, entered_by, note) FROM STDIN",
        )
        .await
        .context("inserting fact versions")?;
    if let Err(e) = copy.send(text.as_bytes()).await {
        // The COPY must end before the connection can be used (or rolled back).
        let _ = copy.abort("sending the rows failed").await;
        return Err(anyhow::Error::new(e).context("inserting fact versions"));
    }
    copy.finish().await.context("inserting fact versions")?;
    Ok(())
}

/// One line of COPY text: tab-separated, `\N` for NULL, backslash escapes.
fn copy_row(out: &mut String, r: &FactRecord, version: i32) {
    use std::fmt::Write;
    let fields: [Option<String>; 19] = [
        Some(r.ticker.as_str().to_string()),
        Some(r.metric.key().to_string()),
        Some(r.period.fiscal_year.to_string()),
        Some(r.period.quarter.to_string()),
        r.period_start.map(|d| d.to_string()),
        Some(r.period_end.to_string()),
        Some(r.value.to_string()),
        Some(r.unit.to_string()),
        Some(version.to_string()),
        Some(r.known_at.to_string()),
        Some(r.source.kind.as_str().to_string()),
        r.source.form.clone(),
        r.source.accession.as_ref().map(|a| a.as_str().to_string()),
        r.source.filed_date.map(|d| d.to_string()),
        r.source.url.clone(),
        Some(r.source.text.clone()),
        r.source.derivation.as_ref().map(|d| d.to_string()),
        r.source.entered_by.clone(),
        r.note.clone(),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match field {
            None => out.push_str("\\N"),
            Some(v) => {
                for c in v.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => {
                            let _ = out.write_char(c);
                        }
                    }
                }
            }
        }
    }
    out.push('\n');
}
