//! The audit trail: every version written to the store (filings, derived
//! values, analysts' entries and reverts), newest first, with the value it
//! replaced. Read by `/audit` and `/audit.csv`.

use domain::{Metric, Ticker};
use rust_decimal::Decimal;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

/// Which changes to list; every part optional (all changes when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub company: Option<Ticker>,
    pub metric: Option<Metric>,
    /// Part of the author's email, lower case.
    pub user: Option<String>,
    /// Written on or after this day (UTC).
    pub from: Option<Date>,
    /// Written on or before this day (UTC).
    pub to: Option<Date>,
}

/// One version written, with the value of the version before it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub recorded_at: OffsetDateTime,
    pub ticker: String,
    pub metric: String,
    pub fiscal_year: i16,
    pub fiscal_quarter: i16,
    pub version: i32,
    /// The value it replaced; `None` for the first version.
    pub previous: Option<Decimal>,
    pub value: Decimal,
    pub unit: String,
    pub known_at: Date,
    pub source_kind: String,
    pub source_url: Option<String>,
    pub entered_by: Option<String>,
    pub note: Option<String>,
}

/// The matching changes, newest first, at most `limit` (all when `None`).
pub async fn changes(
    pool: &PgPool,
    query: &AuditQuery,
    limit: Option<i64>,
) -> sqlx::Result<Vec<AuditRecord>> {
    sqlx::query_as!(
        AuditRecord,
        r#"SELECT f.recorded_at, f.ticker, f.metric, f.fiscal_year, f.fiscal_quarter, f.version,
                  (SELECT p.value FROM fact_versions p
                   WHERE p.ticker = f.ticker AND p.metric = f.metric
                     AND p.fiscal_year = f.fiscal_year AND p.fiscal_quarter = f.fiscal_quarter
                     AND p.version < f.version
                   ORDER BY p.version DESC LIMIT 1) AS "previous?",
                  f.value, f.unit, f.known_at, f.source_kind::text AS "source_kind!",
                  f.source_url, f.entered_by, f.note
           FROM fact_versions f
           WHERE ($1::text IS NULL OR f.ticker = $1)
             AND ($2::text IS NULL OR f.metric = $2)
             AND ($3::text IS NULL OR position($3 IN lower(coalesce(f.entered_by, ''))) > 0)
             AND ($4::date IS NULL OR f.recorded_at >= ($4::date)::timestamp AT TIME ZONE 'UTC')
             AND ($5::date IS NULL OR f.recorded_at < ($5::date + 1)::timestamp AT TIME ZONE 'UTC')
           ORDER BY f.recorded_at DESC, f.id DESC
           LIMIT $6"#,
        query.company.as_ref().map(Ticker::as_str),
        query.metric.map(Metric::key),
        query.user.as_deref(),
        query.from,
        query.to,
        limit
    )
    .fetch_all(pool)
    .await
}

/// How many changes match.
pub async fn count(pool: &PgPool, query: &AuditQuery) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM fact_versions f
           WHERE ($1::text IS NULL OR f.ticker = $1)
             AND ($2::text IS NULL OR f.metric = $2)
             AND ($3::text IS NULL OR position($3 IN lower(coalesce(f.entered_by, ''))) > 0)
             AND ($4::date IS NULL OR f.recorded_at >= ($4::date)::timestamp AT TIME ZONE 'UTC')
             AND ($5::date IS NULL OR f.recorded_at < ($5::date + 1)::timestamp AT TIME ZONE 'UTC')"#,
        query.company.as_ref().map(Ticker::as_str),
        query.metric.map(Metric::key),
        query.user.as_deref(),
        query.from,
        query.to
    )
    .fetch_one(pool)
    .await
}

/// Everyone who has entered a figure, by email.
pub async fn authors(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT DISTINCT entered_by AS "entered_by!" FROM fact_versions
           WHERE entered_by IS NOT NULL ORDER BY 1"#
    )
    .fetch_all(pool)
    .await
}
