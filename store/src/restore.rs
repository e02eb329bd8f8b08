//! The CSV round trip's side of the store: every fact version read out with
//! its company for `server export csv`, and versions written back with the
//! version numbers they were exported with (`server import csv` of such a
//! file). Restoring bypasses the write funnel's versioning on purpose (the
//! numbers are the file's), so it refuses a version number that is stored
//! with different contents instead of overwriting it; a version stored
//! identically is left alone.

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use time::Date;

/// One fact version with its company, as exported.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedVersion {
    pub ticker: String,
    pub name: String,
    pub cik: Option<i64>,
    pub fiscal_year_end_month: i16,
    pub nets_capex_proceeds: bool,
    pub metric: String,
    pub fiscal_year: i16,
    pub fiscal_quarter: i16,
    pub period_start: Option<Date>,
    pub period_end: Date,
    pub value: Decimal,
    pub unit: String,
    pub version: i32,
    pub known_at: Date,
    pub source_kind: String,
    pub form: Option<String>,
    pub accession: Option<String>,
    pub filed_date: Option<Date>,
    pub source_url: Option<String>,
    pub source_text: String,
    /// The derivation as JSON text, as stored.
    pub derivation: Option<String>,
    pub entered_by: Option<String>,
    pub note: Option<String>,
}

/// Every fact version, by company, metric, period and version.
pub async fn all_versions(pool: &PgPool) -> Result<Vec<ExportedVersion>, sqlx::Error> {
    sqlx::query_as!(
        ExportedVersion,
        r#"SELECT f.ticker, c.name, c.cik, c.fiscal_year_end_month, c.nets_capex_proceeds, f.metric,
                  f.fiscal_year, f.fiscal_quarter, f.period_start, f.period_end, f.value, f.unit, f.version,
                  f.known_at, f.source_kind::text AS "source_kind!", f.form, f.accession, f.filed_date,
                  f.source_url, f.source_text, f.derivation::text AS derivation, f.entered_by, f.note
           FROM fact_versions f JOIN companies c ON c.ticker = f.ticker
           ORDER BY f.ticker, f.metric, f.fiscal_year, f.fiscal_quarter, f.version"#
    )
    .fetch_all(pool)
    .await
}

/// Versions to restore, one array per column, each line of the file at the
/// same index (`line` is its line number, named in a conflict).
#[derive(Debug, Clone, Default)]
pub struct VersionColumns {
    pub line: Vec<i64>,
    pub ticker: Vec<String>,
    pub metric: Vec<String>,
    pub fiscal_year: Vec<i16>,
    pub fiscal_quarter: Vec<i16>,
    pub period_start: Vec<Option<Date>>,
    pub period_end: Vec<Date>,
    pub value: Vec<Decimal>,
    pub unit: Vec<String>,
    pub version: Vec<i32>,
    pub known_at: Vec<Date>,
    pub source_kind: Vec<String>,
    pub form: Vec<Option<String>>,
    pub accession: Vec<Option<String>>,
    pub filed_date: Vec<Option<Date>>,
    pub source_url: Vec<Option<String>>,
    pub source_text: Vec<String>,
    /// JSON text.
    pub derivation: Vec<Option<String>>,
    pub entered_by: Vec<Option<String>>,
    pub note: Vec<Option<String>>,
}

/// What restoring did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    /// These many versions were new; the others were stored identically.
    Inserted(u64),
    /// The first line (by line number) whose version number is stored with
    /// other contents; nothing was written.
    Conflict { line: i64 },
}

/// Restores versions with their numbers, inside the caller's transaction.
pub async fn restore_versions(
    conn: &mut PgConnection,
    c: &VersionColumns,
) -> Result<Restored, sqlx::Error> {
    let conflict = sqlx::query_scalar!(
        r#"SELECT i.line AS "line!" FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::int2[], $5::int2[], $6::date[],
               $7::date[], $8::numeric[], $9::text[], $10::int4[], $11::date[], $12::text[], $13::text[],
               $14::text[], $15::date[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
             AS i(line, ticker, metric, fy, fq, ps, pe, value, unit, version, known, kind, form, acc,
                  filed, url, txt, deriv, by, note)
           JOIN fact_versions f ON f.ticker = i.ticker AND f.metric = i.metric AND f.fiscal_year = i.fy
                AND f.fiscal_quarter = i.fq AND f.version = i.version
           WHERE (f.period_start, f.period_end, f.value, f.unit, f.known_at, f.source_kind::text, f.form,
                  f.accession, f.filed_date, f.source_url, f.source_text, f.derivation, f.entered_by, f.note)
             IS DISTINCT FROM (i.ps, i.pe, i.value, i.unit, i.known, i.kind, i.form, i.acc, i.filed, i.url,
                  i.txt, i.deriv::jsonb, i.by, i.note)
           ORDER BY i.line LIMIT 1"#,
        &c.line,
        &c.ticker,
        &c.metric,
        &c.fiscal_year,
        &c.fiscal_quarter,
        &c.period_start as &[Option<Date>],
        &c.period_end,
        &c.value,
        &c.unit,
        &c.version,
        &c.known_at,
        &c.source_kind,
        &c.form as &[Option<String>],
        &c.accession as &[Option<String>],
        &c.filed_date as &[Option<Date>],
        &c.source_url as &[Option<String>],
        &c.source_text,
        &c.derivation as &[Option<String>],
        &c.entered_by as &[Option<String>],
        &c.note as &[Option<String>],
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(line) = conflict {
        return Ok(Restored::Conflict { line });
    }
    let done = sqlx::query!(
        r#"INSERT INTO fact_versions (ticker, metric, fiscal_year, fiscal_quarter, period_start,
               period_end, value, unit, version, known_at, source_kind, form, accession,
               filed_date, source_url, source_text, derivation, entered_by, note)
           SELECT ticker, metric, fy, fq, ps, pe, value, unit, version, known, kind::source_kind, form, acc,
                  filed, url, txt, deriv::jsonb, by, note
           FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::int2[], $5::int2[], $6::date[],
               $7::date[], $8::numeric[], $9::text[], $10::int4[], $11::date[], $12::text[], $13::text[],
               $14::text[], $15::date[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
             AS i(line, ticker, metric, fy, fq, ps, pe, value, unit, version, known, kind, form, acc,
                  filed, url, txt, deriv, by, note)
           ORDER BY line
           ON CONFLICT (ticker, metric, fiscal_year, fiscal_quarter, version) DO NOTHING"#,
        &c.line,
        &c.ticker,
        &c.metric,
        &c.fiscal_year,
        &c.fiscal_quarter,
        &c.period_start as &[Option<Date>],
        &c.period_end,
        &c.value,
        &c.unit,
        &c.version,
        &c.known_at,
        &c.source_kind,
        &c.form as &[Option<String>],
        &c.accession as &[Option<String>],
        &c.filed_date as &[Option<Date>],
        &c.source_url as &[Option<String>],
        &c.source_text,
        &c.derivation as &[Option<String>],
        &c.entered_by as &[Option<String>],
        &c.note as &[Option<String>],
    )
    .execute(&mut *conn)
    .await?;
    Ok(Restored::Inserted(done.rows_affected()))
}
