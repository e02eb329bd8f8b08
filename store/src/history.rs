//! Every version of one number (a company, metric and fiscal period), as
//! the history page lists them and a revert reads one back.

use domain::{FiscalPeriod, Metric, Ticker};
use rust_decimal::Decimal;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

/// The company a number belongs to, as its history names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryCompany {
    pub name: String,
    pub cik: Option<i64>,
}

/// One stored version of a number, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub id: i64,
    pub version: i32,
    pub value: Decimal,
    pub period_start: Option<Date>,
    pub period_end: Date,
    pub known_at: Date,
    pub recorded_at: OffsetDateTime,
    pub source_kind: String,
    pub form: Option<String>,
    pub accession: Option<String>,
    pub filed_date: Option<Date>,
    pub source_url: Option<String>,
    pub entered_by: Option<String>,
    pub note: Option<String>,
}

/// The company's name and CIK; `None` for a ticker the store does not track.
pub async fn company(pool: &PgPool, ticker: &Ticker) -> sqlx::Result<Option<HistoryCompany>> {
    sqlx::query_as!(
        HistoryCompany,
        "SELECT name, cik FROM companies WHERE ticker = $1",
        ticker.as_str()
    )
    .fetch_optional(pool)
    .await
}

/// Every version of the number, oldest knowledge first: the order in which
/// they became current.
pub async fn versions(
    pool: &PgPool,
    ticker: &Ticker,
    metric: Metric,
    period: FiscalPeriod,
) -> sqlx::Result<Vec<StoredVersion>> {
    sqlx::query_as!(
        StoredVersion,
        r#"SELECT id, version, value, period_start, period_end, known_at, recorded_at,
                  source_kind::text AS "source_kind!", form, accession, filed_date, source_url,
                  entered_by, note
           FROM fact_versions
           WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4
           ORDER BY known_at, version"#,
        ticker.as_str(),
        metric.key(),
        period.fiscal_year as i16,
        i16::from(period.quarter)
    )
    .fetch_all(pool)
    .await
}

/// One version of the number; `None` when it has no such version. A
/// number has a handful of versions: read them all, keep the one.
pub async fn version(
    pool: &PgPool,
    ticker: &Ticker,
    metric: Metric,
    period: FiscalPeriod,
    version: i32,
) -> sqlx::Result<Option<StoredVersion>> {
    Ok(versions(pool, ticker, metric, period)
        .await?
        .into_iter()
        .find(|v| v.version == version))
}
