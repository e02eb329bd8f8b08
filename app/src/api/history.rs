//! The history of one number: every version of a key (company, metric,
//! fiscal period), who or what it came from, and what it replaced.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One version of a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub version: i32,
    /// `$37B (37,000,000,000 USD)`.
    pub value: String,
    /// The value current just before this version became known, if any.
    pub previous: Option<String>,
    pub known_at: time::Date,
    /// When it was written to the store (UTC, to the second).
    pub recorded_at: String,
    pub source: super::SourceRef,
    /// The analyst who entered it. Shown to signed-in users only.
    pub entered_by: Option<String>,
    pub note: Option<String>,
    /// Whether this version is the one in force.
    pub current: bool,
}

/// A key's versions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactHistoryData {
    pub ticker: String,
    pub company: String,
    pub metric: String,
    pub metric_label: String,
    pub period: String,
    pub entries: Vec<HistoryEntry>,
}

/// Where the history of a number is shown: `/company/MSFT/history/capex/FY26Q3`.
pub fn history_href(ticker: &str, metric: domain::Metric, period: domain::FiscalPeriod) -> String {
    format!(
        "/company/{ticker}/history/{}/{}",
        metric.key(),
        period.label().replace(' ', "")
    )
}

/// The versions of one number (readable by everyone; analysts' emails only
/// when signed in).
#[server(endpoint = "facts/history")]
pub async fn fact_history(
    ticker: String,
    metric: String,
    period: String,
) -> Result<FactHistoryData, AppError> {
    let invalid = |msg: String| {
        let err = AppError::Invalid(msg);
        crate::ssr::set_status(&err);
        err
    };
    let ticker = domain::Ticker::parse(&ticker).map_err(|e| invalid(e.to_string()))?;
    let metric = domain::Metric::parse(&metric).map_err(|e| invalid(e.to_string()))?;
    let period = domain::FiscalPeriod::parse(&period).map_err(|e| invalid(e.to_string()))?;
    let signed_in = crate::ssr::auth::current_user().await?.is_some();
    let pool = crate::ssr::pool()?;
    let data = ssr::history(&pool, &ticker, metric, period, signed_in)
        .await
        .map_err(crate::ssr::db_error)?;
    data.ok_or_else(|| {
        let err = AppError::NotFound(format!("No company with ticker {ticker} is in the store."));
        crate::ssr::set_status(&err);
        err
    })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{FactHistoryData, HistoryEntry};
    use domain::entry::{describe, Unit};
    use domain::{FiscalPeriod, Metric, Ticker};
    use sqlx::PgPool;

    /// The key's versions, newest first; `None` for an unknown company.
    pub async fn history(
        pool: &PgPool,
        ticker: &Ticker,
        metric: Metric,
        period: FiscalPeriod,
        show_authors: bool,
    ) -> sqlx::Result<Option<FactHistoryData>> {
        let Some(company) = sqlx::query!(
            "SELECT name, cik FROM companies WHERE ticker = $1",
            ticker.as_str()
        )
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        // Oldest knowledge first: the order in which versions became current.
        let rows = sqlx::query!(
            r#"SELECT version, value, known_at, recorded_at, source_kind::text AS "source_kind!",
                      form, accession, filed_date, source_url, entered_by, note
               FROM fact_versions
               WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4
               ORDER BY known_at, version"#,
            ticker.as_str(),
            metric.key(),
            period.fiscal_year as i16,
            i16::from(period.quarter)
        )
        .fetch_all(pool)
        .await?;
        let unit = Unit::for_metric(metric);
        let last = rows.len().saturating_sub(1);
        let mut previous: Option<String> = None;
        let mut entries = Vec::with_capacity(rows.len());
        for (i, r) in rows.into_iter().enumerate() {
            let value = describe(r.value, unit);
            let source = crate::api::overview::ssr::source_ref(
                Some(&r.source_kind),
                r.form.as_deref(),
                r.accession.as_deref(),
                r.filed_date,
                r.source_url.as_deref(),
                company.cik,
            );
            entries.push(HistoryEntry {
                version: r.version,
                previous: previous.replace(value.clone()),
                value,
                known_at: r.known_at,
                recorded_at: r
                    .recorded_at
                    .replace_nanosecond(0)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                source,
                entered_by: if show_authors { r.entered_by } else { None },
                note: r.note,
                current: i == last,
            });
        }
        entries.reverse();
        Ok(Some(FactHistoryData {
            ticker: ticker.as_str().to_string(),
            company: company.name,
            metric: metric.key().to_string(),
            metric_label: metric.label().to_string(),
            period: period.label(),
            entries,
        }))
    }
}
