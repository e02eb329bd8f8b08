//! The analyst entry workflow: the companies to pick from, the value current
//! for a key, and saving an entry as a new fact version. Analysts only: each
//! server function checks the role itself.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use domain::entry::{CompanyChoice, CurrentFact, EntryField, FieldError};

/// What saving an entry did. Only `Saved` wrote anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SaveOutcome {
    /// Stored as `version`, now the current value.
    Saved { version: i32, understood: String },
    /// Nothing written: fix the fields named (a `confirm` error asks to tick
    /// the confirmation box for an unusual value).
    Invalid {
        errors: Vec<FieldError>,
        understood: Option<String>,
    },
    /// Nothing written: someone saved a newer version since the form was
    /// loaded. The form keeps the analyst's input.
    Conflict {
        current: Option<CurrentFact>,
        understood: String,
    },
}

/// Companies to pick from.
#[server(endpoint = "entry/companies", output = crate::api::codec::PageJson)]
pub async fn entry_companies() -> Result<Vec<CompanyChoice>, AppError> {
    crate::ssr::auth::require(domain::account::Role::Analyst, "entry_companies").await?;
    let pool = crate::ssr::pool()?;
    store::entry::companies(&pool)
        .await
        .map_err(crate::ssr::db_error)
}

/// The value current for a key, if any (the form carries its version).
#[server(endpoint = "entry/current", output = crate::api::codec::PageJson)]
pub async fn current_value(
    ticker: String,
    metric: String,
    period: String,
) -> Result<Option<CurrentFact>, AppError> {
    crate::ssr::auth::require(domain::account::Role::Analyst, "current_value").await?;
    let Ok(key) = domain::entry::parse_key(&ticker, &metric, &period) else {
        return Ok(None);
    };
    let pool = crate::ssr::pool()?;
    store::entry::current(&pool, &key)
        .await
        .map_err(crate::ssr::db_error)
}

/// Saves an analyst's entry as a new version (see [`SaveOutcome`]).
/// `base_version` is the version the form showed as current (`0` or empty:
/// none); `confirm` is the checkbox that accepts an unusual value.
#[server(endpoint = "entry/save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_entry(
    ticker: String,
    period: String,
    metric: String,
    value: String,
    source_url: String,
    note: Option<String>,
    base_version: Option<String>,
    confirm: Option<String>,
) -> Result<SaveOutcome, AppError> {
    let user = crate::ssr::auth::require(domain::account::Role::Analyst, "save_entry").await?;
    ssr::save(
        &user,
        domain::entry::EntryForm {
            ticker,
            period,
            metric,
            value,
            source_url,
            note: note.unwrap_or_default(),
            base_version: base_version.unwrap_or_default(),
            confirmed: confirm.is_some_and(|c| !c.is_empty() && c != "false"),
        },
    )
    .await
}

/// One of the scorecard's four answers, now and with the value being entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewAnswer {
    pub question: String,
    /// `Healthy`, `Watch`, `Stress` or `Insufficient data`.
    pub now: String,
    pub with_value: String,
    pub now_sentence: String,
    pub with_value_sentence: String,
}

/// How the company's scorecard would change with the value being entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardPreview {
    /// The quarter the scorecard is computed at (`FY26 Q1`).
    pub quarter: String,
    /// The four answers, in the scorecard's order.
    pub answers: Vec<PreviewAnswer>,
    /// For capex guidance or a capex quarter: the fiscal year's guidance
    /// against its actuals, now and with the value.
    #[serde(default)]
    pub guidance: Option<GuidancePreview>,
}

/// A fiscal year's capex guidance against its actuals, now and with the
/// value being entered (methodology section 8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuidancePreview {
    /// `FY27`.
    pub label: String,
    /// As stored (`None`: no complete range yet).
    pub now: Option<domain::analytics::guidance::GuidanceYear>,
    /// With the value (`None`: the range still lacks an end).
    pub with_value: Option<domain::analytics::guidance::GuidanceYear>,
}

/// The scorecard now and with `value` stored for the key, computed with the
/// analytics on the stored facts; nothing is written. `None` when the key or
/// the value cannot be read yet (the form shows why at the field).
#[server(endpoint = "entry/preview", output = crate::api::codec::PageJson)]
pub async fn preview_entry(
    ticker: String,
    metric: String,
    period: String,
    value: String,
) -> Result<Option<ScorecardPreview>, AppError> {
    crate::ssr::auth::require(domain::account::Role::Analyst, "preview_entry").await?;
    ssr::preview(&ticker, &metric, &period, &value).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{FieldError, GuidancePreview, PreviewAnswer, SaveOutcome, ScorecardPreview};
    use crate::error::AppError;
    use domain::account::SignedIn;
    use domain::analytics::scorecard;
    use domain::entry::{
        check, nominal_dates, parse_amount, parse_key, EntryField, EntryForm, Refusal, StoredUnit,
        ValidEntry,
    };
    use domain::{Metric, MetricKind, Ticker};
    use sqlx::PgPool;
    use store::entry::{Entry, WriteOutcome};
    use store::{FactRecord, Source};
    use time::{Date, OffsetDateTime};

    /// Checks and saves an entry from the form: the store is read once for
    /// what the rules need ([`store::entry::context`]), the rules are
    /// [`domain::entry::check`], and the write is one transaction.
    pub async fn save(user: &SignedIn, form: EntryForm) -> Result<SaveOutcome, AppError> {
        let pool = crate::ssr::pool()?;
        let today = OffsetDateTime::now_utc().date();
        let ticker: Vec<Ticker> = Ticker::parse(&form.ticker).into_iter().collect();
        let key = parse_key(&form.ticker, &form.metric, &form.period).ok();
        let ctx = store::entry::context(&pool, &ticker, key.as_slice())
            .await
            .map_err(crate::ssr::db_error)?;
        match check(&form, &ctx, today) {
            Ok(valid) => {
                let understood = valid.understood.clone();
                write(user, &pool, entry(user, valid, today), understood).await
            }
            Err(refusal) => {
                let outcome = refused(refusal);
                if let SaveOutcome::Invalid { errors, .. } = &outcome {
                    if let Some(err) = errors.first() {
                        tracing::info!(
                            user.id = user.id,
                            entry.field = err.field.as_str(),
                            entry.outcome = "invalid",
                            "entry refused by validation"
                        );
                    }
                }
                Ok(outcome)
            }
        }
    }

    /// What the form shows for a refused entry: the fields to fix, or the
    /// confirmation an unusual value needs.
    pub fn refused(refusal: Refusal) -> SaveOutcome {
        match refusal {
            Refusal::Invalid { errors, understood } => SaveOutcome::Invalid { errors, understood },
            Refusal::Unusual { reason, understood } => SaveOutcome::Invalid {
                errors: vec![FieldError::new(
                    EntryField::Confirm,
                    format!("{reason} Check the value, or tick the box to save it anyway."),
                )],
                understood: Some(understood),
            },
        }
    }

    /// The record a valid entry writes: an analyst's value, known today,
    /// cited with its source.
    pub fn entry(user: &SignedIn, valid: ValidEntry, today: Date) -> Entry {
        Entry {
            record: FactRecord {
                ticker: valid.key.ticker,
                metric: valid.key.metric,
                period: valid.key.period,
                period_start: valid.period_start,
                period_end: valid.period_end,
                value: valid.value,
                unit: valid.unit.as_db_str(),
                known_at: today,
                source: Source::analyst(valid.source_url, user.email.clone()),
                note: valid.note,
            },
            base_version: valid.base_version,
        }
    }

    /// Writes a validated entry through the store and
    /// says what happened: saved, a duplicate of the current value, or a
    /// conflict with a newer version (then nothing was written).
    pub async fn write(
        user: &SignedIn,
        pool: &PgPool,
        entry: Entry,
        understood: String,
    ) -> Result<SaveOutcome, AppError> {
        let (ticker, metric, period, base_version) = (
            entry.record.ticker.clone(),
            entry.record.metric,
            entry.record.period,
            entry.base_version,
        );
        // A read-only or unreachable database is a 503 with a clear message.
        let outcome = store::entry::write(pool, &entry)
            .await
            .map_err(|e| crate::ssr::write_error(&e))?;
        match outcome {
            WriteOutcome::Saved { version } => {
                tracing::info!(
                    user.id = user.id,
                    company.ticker = %ticker,
                    fact.metric = metric.key(),
                    fact.period = %period,
                    fact.version = version,
                    entry.outcome = "saved",
                    "analyst entry saved"
                );
                Ok(SaveOutcome::Saved {
                    version,
                    understood,
                })
            }
            WriteOutcome::Duplicate { version } => Ok(SaveOutcome::Invalid {
                errors: vec![FieldError::new(
                    EntryField::Value,
                    format!(
                        "This is already the current value (version {version}); nothing to save."
                    ),
                )],
                understood: Some(understood),
            }),
            WriteOutcome::Conflict { current_version } => {
                tracing::info!(
                    user.id = user.id,
                    company.ticker = %ticker,
                    fact.metric = metric.key(),
                    fact.period = %period,
                    fact.version = current_version,
                    entry.base_version = base_version,
                    entry.outcome = "conflict",
                    "analyst entry based on a stale version"
                );
                let key = domain::entry::EntryKey {
                    ticker,
                    metric,
                    period,
                };
                let current = store::entry::current(pool, &key)
                    .await
                    .map_err(crate::ssr::db_error)?;
                Ok(SaveOutcome::Conflict {
                    current,
                    understood,
                })
            }
        }
    }

    /// See [`super::preview_entry`].
    pub async fn preview(
        ticker: &str,
        metric: &str,
        period: &str,
        value: &str,
    ) -> Result<Option<ScorecardPreview>, AppError> {
        let Ok(domain::entry::EntryKey {
            ticker,
            metric,
            period,
        }) = parse_key(ticker, metric, period)
        else {
            return Ok(None);
        };
        let Ok(value) = parse_amount(value, StoredUnit::for_metric(metric)) else {
            return Ok(None);
        };
        let ctx = crate::ssr::context()?;
        let Some(company) = ctx
            .facts
            .get(&ctx.pool, &ticker)
            .await
            .map_err(crate::ssr::db_error)?
        else {
            return Ok(None);
        };
        let latest = company.facts.latest_quarter();
        let entered = (!period.is_full_year()).then_some(period);
        let Some(quarter) = latest.max(entered) else {
            return Ok(None);
        };
        let Some((start, end)) = nominal_dates(period, company.facts.fiscal_year_end_month) else {
            return Ok(None);
        };
        let start = (metric.kind() == MetricKind::Flow).then_some(start);
        let today = time::OffsetDateTime::now_utc().date();
        let changed =
            domain::entry::with_value(&company.facts, metric, period, start, end, value, today);
        let guidance = matches!(
            metric,
            Metric::Capex | Metric::CapexGuidanceLow | Metric::CapexGuidanceHigh
        )
        .then(|| {
            use domain::analytics::guidance::guidance_year;
            let fy = period.fiscal_year;
            GuidancePreview {
                label: domain::FiscalPeriod::year(fy)
                    .map(|y| y.label())
                    .unwrap_or_default(),
                now: guidance_year(&company.facts, fy),
                with_value: guidance_year(&changed, fy),
            }
        })
        .filter(|g| g.now.is_some() || g.with_value.is_some() || metric != Metric::Capex);
        let now = scorecard(&company.facts, quarter, &ctx.thresholds);
        let then = scorecard(&changed, quarter, &ctx.thresholds);
        let answers = now
            .answers
            .iter()
            .zip(&then.answers)
            .map(|(a, b)| PreviewAnswer {
                question: a.question.text().to_string(),
                now: a.signal.label().to_string(),
                with_value: b.signal.label().to_string(),
                now_sentence: a.sentence.clone(),
                with_value_sentence: b.sentence.clone(),
            })
            .collect();
        Ok(Some(ScorecardPreview {
            quarter: quarter.label(),
            answers,
            guidance,
        }))
    }
}
