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
    pub source: domain::Provenance,
    /// Who entered it: the analyst's email for signed-in users, otherwise
    /// [`domain::entry::public_author`].
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
    /// Whether the viewer may revert to an earlier version (analysts).
    pub can_revert: bool,
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
#[server(endpoint = "facts/history", output = crate::api::codec::PageJson)]
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
    let user = crate::ssr::auth::current_user().await?;
    let pool = crate::ssr::pool()?;
    let data = ssr::history(&pool, &ticker, metric, period, user.is_some())
        .await
        .map_err(crate::ssr::db_error)?
        .map(|mut d| {
            d.can_revert = user
                .as_ref()
                .is_some_and(|u| u.role.allows(domain::account::Role::Analyst));
            d
        });
    data.ok_or_else(|| {
        let err = AppError::NotFound(format!("No company with ticker {ticker} is in the store."));
        crate::ssr::set_status(&err);
        err
    })
}

/// Reverts a number to an earlier version: that version's value, with its
/// source, is saved as a new version (history is never rewritten).
/// `base_version` is the version the page showed as current (optimistic
/// concurrency, as for an entry). Analysts only.
#[server(endpoint = "facts/revert")]
pub async fn revert_fact(
    ticker: String,
    metric: String,
    period: String,
    version: String,
    base_version: String,
) -> Result<crate::api::entry::SaveOutcome, AppError> {
    let user = crate::ssr::auth::require(domain::account::Role::Analyst, "revert_fact").await?;
    ssr::revert(&user, &ticker, &metric, &period, &version, &base_version).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{FactHistoryData, HistoryEntry};
    use domain::entry::{describe, StoredUnit};
    use domain::provenance::SourceColumns;
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
        let Some(company) = store::history::company(pool, ticker).await? else {
            return Ok(None);
        };
        let rows = store::history::versions(pool, ticker, metric, period).await?;
        let unit = StoredUnit::for_metric(metric);
        let last = rows.len().saturating_sub(1);
        let mut previous: Option<String> = None;
        let mut entries = Vec::with_capacity(rows.len());
        for (i, r) in rows.into_iter().enumerate() {
            let value = describe(r.value, unit);
            let source = SourceColumns {
                kind: r.source_kind.parse().ok(),
                form: r.form.as_deref(),
                accession: r.accession.as_deref(),
                filed: r.filed_date,
                url: r.source_url.as_deref(),
                cik: company.cik,
            }
            .describe(r.id);
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
                entered_by: r.entered_by.map(|who| {
                    if show_authors {
                        who
                    } else {
                        domain::entry::public_author(&who)
                    }
                }),
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
            can_revert: false,
        }))
    }

    /// See [`super::revert_fact`].
    pub async fn revert(
        user: &domain::account::SignedIn,
        ticker: &str,
        metric: &str,
        period: &str,
        version: &str,
        base_version: &str,
    ) -> Result<crate::api::entry::SaveOutcome, crate::error::AppError> {
        use crate::error::AppError;
        let invalid = |msg: String| {
            let err = AppError::Invalid(msg);
            crate::ssr::set_status(&err);
            err
        };
        let domain::entry::EntryKey {
            ticker,
            metric,
            period,
        } = domain::entry::parse_key(ticker, metric, period).map_err(|errors| {
            invalid(
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })?;
        let version: i32 = version
            .trim()
            .parse()
            .map_err(|_| invalid(format!("{version:?} is not a version number.")))?;
        let base_version: i32 = base_version
            .trim()
            .parse()
            .ok()
            .filter(|v: &i32| *v >= 0)
            .ok_or_else(|| invalid("The page is out of date. Reload it and try again.".into()))?;
        let pool = crate::ssr::pool()?;
        let found = store::history::version(&pool, &ticker, metric, period, version).await?;
        let company = store::history::company(&pool, &ticker).await?;
        let (Some(found), Some(company)) = (found, company) else {
            let err = AppError::NotFound(format!("There is no version {version} of this number."));
            crate::ssr::set_status(&err);
            return Err(err);
        };
        let store::history::StoredVersion {
            id,
            value,
            period_start: start,
            period_end: end,
            source_kind: kind,
            form,
            accession,
            filed_date: filed,
            source_url: url,
            ..
        } = found;
        let cik = company.cik;
        let source = SourceColumns {
            kind: kind.parse().ok(),
            form: form.as_deref(),
            accession: accession.as_deref(),
            filed,
            url: url.as_deref(),
            cik,
        }
        .describe(id);
        let Some(source_url) = source.url.clone() else {
            return Err(invalid(format!(
                "Version {version} has no source link to cite; enter the value with its source instead."
            )));
        };
        let unit = StoredUnit::for_metric(metric);
        let entry = store::entry::Entry {
            record: store::FactRecord {
                ticker,
                metric,
                period,
                period_start: start,
                period_end: end,
                value,
                unit: unit.as_db_str(),
                known_at: time::OffsetDateTime::now_utc().date(),
                source: store::Source::analyst(source_url, user.email.clone()),
                note: Some(format!(
                    "{} {version} ({}).",
                    store::changes::REVERT_NOTE,
                    source.label
                )),
            },
            base_version,
        };
        crate::api::entry::ssr::write(user, &pool, entry, describe(value, unit)).await
    }
}
