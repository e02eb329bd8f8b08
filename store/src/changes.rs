//! What changed in the store, newest first: the filings imported and every
//! new version of a number (a restatement, an analyst's entry, a revert).
//!
//! Everything here is read from the append-only `fact_versions`, so a change
//! has an identity of its own that survives restarts and is the same on every
//! server instance: a filing is its company and accession number, a new
//! version its row id. The feed (`/feed.atom`) is a view of this list.

use domain::provenance::SourceColumns;
use domain::{FiscalPeriod, Metric, Provenance, SourceKind, Ticker};
use rust_decimal::Decimal;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};

/// The most changes one read returns.
pub const MAX_CHANGES: i64 = 200;

/// A filing whose figures entered the store.
#[derive(Debug, Clone, PartialEq)]
pub struct FilingImported {
    pub ticker: String,
    pub company: String,
    pub form: Option<String>,
    pub accession: String,
    pub filed: Option<Date>,
    /// When its first figure was written here.
    pub recorded_at: OffsetDateTime,
    /// How many figures (versions) it brought.
    pub figures: i64,
    /// The filing, in SEC's archive (or the recorded link).
    pub source: Provenance,
}

/// Why a number has a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionKind {
    /// A later filing (or source) reports another value for the same period.
    Restatement,
    /// An analyst entered the value (the first one, or a correction).
    AnalystEntry,
    /// An analyst restored an earlier version.
    Revert,
}

/// A new version of a number, with the one it replaced (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// `fact_versions.id` of the new version.
    pub id: i64,
    pub ticker: String,
    pub company: String,
    pub metric: Metric,
    pub period: FiscalPeriod,
    pub version: i32,
    pub kind: RevisionKind,
    pub value: Decimal,
    pub source: Provenance,
    /// The value and source it replaced; `None` for a first value.
    pub previous: Option<(Decimal, Provenance)>,
    pub recorded_at: OffsetDateTime,
    pub entered_by: Option<String>,
    pub note: Option<String>,
}

/// One change, for a feed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Filing(FilingImported),
    Revision(Revision),
}

impl Change {
    pub fn recorded_at(&self) -> OffsetDateTime {
        match self {
            Change::Filing(f) => f.recorded_at,
            Change::Revision(r) => r.recorded_at,
        }
    }

    pub fn ticker(&self) -> &str {
        match self {
            Change::Filing(f) => &f.ticker,
            Change::Revision(r) => &r.ticker,
        }
    }
}

/// The latest `limit` changes (at most [`MAX_CHANGES`]), of one company or
/// of all, newest first: filings by when their first figure was recorded,
/// revisions by when they were written. A new version from another source
/// with the same value as the one before is no change and is left out.
pub async fn recent(
    pool: &PgPool,
    ticker: Option<&Ticker>,
    limit: i64,
) -> Result<Vec<Change>, sqlx::Error> {
    let limit = limit.clamp(1, MAX_CHANGES);
    let ticker = ticker.map(Ticker::as_str);
    let filings = sqlx::query!(
        r#"SELECT f.ticker AS "ticker!", c.name AS "company!", c.cik,
                  f.accession AS "accession!", min(f.form) AS form,
                  min(f.filed_date) AS filed, min(f.source_url) AS url,
                  min(f.recorded_at) AS "recorded_at!", count(*) AS "figures!"
           FROM fact_versions f JOIN companies c ON c.ticker = f.ticker
           WHERE f.accession IS NOT NULL AND ($1::text IS NULL OR f.ticker = $1)
           GROUP BY f.ticker, c.name, c.cik, f.accession
           ORDER BY min(f.recorded_at) DESC, min(f.filed_date) DESC NULLS LAST, f.accession DESC
           LIMIT $2"#,
        ticker,
        limit
    )
    .fetch_all(pool)
    .await?;
    let revisions = sqlx::query!(
        r#"SELECT v.id, v.ticker, c.name AS company, c.cik, v.metric, v.fiscal_year,
                  v.fiscal_quarter, v.version, v.value, v.source_kind::text AS "kind!",
                  v.form, v.accession, v.filed_date, v.source_url, v.recorded_at,
                  v.entered_by, v.note,
                  p.id AS "p_id?", p.value AS "p_value?", p.source_kind::text AS p_kind,
                  p.form AS p_form, p.accession AS p_accession,
                  p.filed_date AS p_filed, p.source_url AS p_url
           FROM fact_versions v
           JOIN companies c ON c.ticker = v.ticker
           LEFT JOIN fact_versions p
             ON p.ticker = v.ticker AND p.metric = v.metric
            AND p.fiscal_year = v.fiscal_year AND p.fiscal_quarter = v.fiscal_quarter
            AND p.version = v.version - 1
           WHERE (v.version > 1 OR v.source_kind = 'analyst')
             AND ($1::text IS NULL OR v.ticker = $1)
             -- A later source that reports the same value changes no number:
             -- not news. An analyst's entry always is.
             AND (v.source_kind = 'analyst' OR p.value IS NULL OR p.value <> v.value)
           ORDER BY v.recorded_at DESC, v.id DESC
           LIMIT $2"#,
        ticker,
        limit
    )
    .fetch_all(pool)
    .await?;

    let mut out: Vec<Change> = Vec::with_capacity(filings.len() + revisions.len());
    for f in filings {
        let source = SourceColumns {
            kind: Some(SourceKind::Filing),
            form: f.form.as_deref(),
            accession: Some(&f.accession),
            filed: f.filed,
            url: f.url.as_deref(),
            cik: f.cik,
        }
        .describe(0);
        out.push(Change::Filing(FilingImported {
            ticker: f.ticker,
            company: f.company,
            form: f.form,
            accession: f.accession,
            filed: f.filed,
            recorded_at: f.recorded_at,
            figures: f.figures,
            source,
        }));
    }
    for r in revisions {
        let (Ok(metric), Some(period)) = (
            Metric::parse(&r.metric),
            crate::facts::period_of(r.fiscal_year, r.fiscal_quarter),
        ) else {
            continue;
        };
        let kind_of = |k: Option<&str>| k.and_then(|k| k.parse::<SourceKind>().ok());
        let source = SourceColumns {
            kind: kind_of(Some(&r.kind)),
            form: r.form.as_deref(),
            accession: r.accession.as_deref(),
            filed: r.filed_date,
            url: r.source_url.as_deref(),
            cik: r.cik,
        }
        .describe(r.id);
        let previous = match (r.p_id, r.p_value) {
            (Some(id), Some(value)) => Some((
                value,
                SourceColumns {
                    kind: kind_of(r.p_kind.as_deref()),
                    form: r.p_form.as_deref(),
                    accession: r.p_accession.as_deref(),
                    filed: r.p_filed,
                    url: r.p_url.as_deref(),
                    cik: r.cik,
                }
                .describe(id),
            )),
            _ => None,
        };
        let analyst = source.kind == SourceKind::Analyst;
        let kind = if analyst
            && r.note
                .as_deref()
                .is_some_and(|n| n.starts_with(REVERT_NOTE))
        {
            RevisionKind::Revert
        } else if analyst {
            RevisionKind::AnalystEntry
        } else {
            RevisionKind::Restatement
        };
        out.push(Change::Revision(Revision {
            id: r.id,
            ticker: r.ticker,
            company: r.company,
            metric,
            period,
            version: r.version,
            kind,
            value: r.value,
            source,
            previous,
            recorded_at: r.recorded_at,
            // The feed is public: an author as the public sees them.
            entered_by: r.entered_by.as_deref().map(domain::entry::public_author),
            note: r.note,
        }));
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.recorded_at()));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// How a revert's note begins (written by the revert, read back here).
pub const REVERT_NOTE: &str = "Reverted to version";
