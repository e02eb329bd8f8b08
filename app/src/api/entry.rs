//! The analyst entry workflow: the companies to pick from, the value current
//! for a key, and saving an entry as a new fact version. Analysts only: each
//! server function checks the role itself.

use crate::error::AppError;
use leptos::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A company in the entry form's picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChoice {
    pub ticker: String,
    pub name: String,
    pub fiscal_year_end_month: u8,
}

/// The version currently in force for a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentFact {
    pub version: i32,
    pub value: Decimal,
    /// `$37B (37,000,000,000 USD)`.
    pub display: String,
    pub known_at: time::Date,
    /// `filing`, `derived`, `secondary` or `analyst`.
    pub source_kind: String,
    pub source_url: Option<String>,
    pub entered_by: Option<String>,
}

/// A validation message for one field of the form (`ticker`, `period`,
/// `metric`, `value`, `source_url`, `note`, `confirm`, `base_version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

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
    ssr::companies(&pool).await.map_err(crate::ssr::db_error)
}

/// The value current for a key, if any (the form carries its version).
#[server(endpoint = "entry/current", output = crate::api::codec::PageJson)]
pub async fn current_value(
    ticker: String,
    metric: String,
    period: String,
) -> Result<Option<CurrentFact>, AppError> {
    crate::ssr::auth::require(domain::account::Role::Analyst, "current_value").await?;
    let Ok((ticker, metric, period)) = ssr::parse_key(&ticker, &metric, &period) else {
        return Ok(None);
    };
    let pool = crate::ssr::pool()?;
    ssr::current(&pool, &ticker, metric, period)
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
        ssr::Form {
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
    use super::{
        CompanyChoice, CurrentFact, FieldError, GuidancePreview, PreviewAnswer, SaveOutcome,
        ScorecardPreview,
    };
    use crate::error::AppError;
    use domain::account::SignedIn;
    use domain::analytics::scorecard;
    use domain::entry::{describe, implausibility, nominal_dates, parse_amount, StoredUnit};
    use domain::{FiscalPeriod, Metric, MetricKind, Ticker};
    use sqlx::PgPool;
    use store::entry::{Entry, WriteOutcome};
    use store::{FactRecord, Source};
    use time::{Date, Duration, OffsetDateTime};

    /// Longest source URL accepted.
    pub const MAX_URL_LEN: usize = 2000;
    /// Longest note accepted.
    pub const MAX_NOTE_LEN: usize = 2000;
    /// How far ahead a disclosure (guidance) may look.
    const GUIDANCE_HORIZON_DAYS: i64 = 3 * 366;

    /// The form as submitted, all text.
    #[derive(Debug, Clone, Default)]
    pub struct Form {
        pub ticker: String,
        pub period: String,
        pub metric: String,
        pub value: String,
        pub source_url: String,
        pub note: String,
        pub base_version: String,
        pub confirmed: bool,
    }

    pub async fn companies(pool: &PgPool) -> sqlx::Result<Vec<CompanyChoice>> {
        let rows = sqlx::query!(
            "SELECT ticker, name, fiscal_year_end_month FROM companies ORDER BY ticker"
        )
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| CompanyChoice {
                ticker: r.ticker,
                name: r.name,
                fiscal_year_end_month: u8::try_from(r.fiscal_year_end_month).unwrap_or(12),
            })
            .collect())
    }

    /// Ticker, metric and period, parsed (messages per field otherwise).
    pub fn parse_key(
        ticker: &str,
        metric: &str,
        period: &str,
    ) -> Result<(Ticker, Metric, FiscalPeriod), Vec<FieldError>> {
        let mut errors = Vec::new();
        let ticker = Ticker::parse(ticker)
            .map_err(|e| errors.push(field("ticker", e.to_string())))
            .ok();
        let metric = Metric::parse(metric)
            .map_err(|e| errors.push(field("metric", e.to_string())))
            .ok();
        let period = FiscalPeriod::parse(period)
            .map_err(|e| errors.push(field("period", e.to_string())))
            .ok();
        match (ticker, metric, period) {
            (Some(t), Some(m), Some(p)) if errors.is_empty() => Ok((t, m, p)),
            _ => Err(errors),
        }
    }

    fn field(name: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: name.to_string(),
            message: message.into(),
        }
    }

    /// The version current for a key.
    pub async fn current(
        pool: &PgPool,
        ticker: &Ticker,
        metric: Metric,
        period: FiscalPeriod,
    ) -> sqlx::Result<Option<CurrentFact>> {
        let row = sqlx::query!(
            r#"SELECT version AS "version!", value AS "value!", known_at AS "known_at!",
                      source_kind::text AS "source_kind!", source_url, entered_by
               FROM current_facts
               WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4"#,
            ticker.as_str(),
            metric.key(),
            period.fiscal_year as i16,
            i16::from(period.quarter)
        )
        .fetch_optional(pool)
        .await?;
        Ok(row.map(|r| CurrentFact {
            version: r.version,
            display: describe(r.value, StoredUnit::for_metric(metric)),
            value: r.value,
            known_at: r.known_at,
            source_kind: r.source_kind,
            source_url: r.source_url,
            entered_by: r.entered_by,
        }))
    }

    /// A URL with an http or https scheme and a host, no spaces or control characters.
    pub fn check_url(raw: &str) -> Result<String, String> {
        let url = raw.trim();
        if url.is_empty() {
            return Err("A source URL is required.".into());
        }
        if url.chars().count() > MAX_URL_LEN {
            return Err(format!("The URL is longer than {MAX_URL_LEN} characters."));
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("The URL must not contain spaces or control characters.".into());
        }
        let lower = url.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or("The source URL must start with https:// or http://.")?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit('@').next().unwrap_or("");
        if host.is_empty() || !host.contains('.') && !host.starts_with("localhost") {
            return Err("The source URL has no host name.".into());
        }
        Ok(url.to_string())
    }

    /// The period's real dates when the store knows them (52/53-week years),
    /// else the nominal dates of the company's fiscal calendar.
    async fn period_dates(
        pool: &PgPool,
        ticker: &Ticker,
        period: FiscalPeriod,
        fiscal_year_end_month: u8,
    ) -> sqlx::Result<Option<(Date, Date)>> {
        let known = sqlx::query!(
            r#"SELECT period_start AS "period_start!", period_end
               FROM fact_versions
               WHERE ticker = $1 AND fiscal_year = $2 AND fiscal_quarter = $3
                 AND period_start IS NOT NULL
               ORDER BY recorded_at DESC LIMIT 1"#,
            ticker.as_str(),
            period.fiscal_year as i16,
            i16::from(period.quarter)
        )
        .fetch_optional(pool)
        .await?;
        Ok(known
            .map(|r| (r.period_start, r.period_end))
            .or_else(|| nominal_dates(period, fiscal_year_end_month)))
    }

    /// Validates and saves an entry. Everything the analyst typed is checked
    /// before anything is written; the write itself is one transaction.
    pub async fn save(user: &SignedIn, form: Form) -> Result<SaveOutcome, AppError> {
        let pool = crate::ssr::pool()?;
        match validate(&pool, user, &form).await? {
            Ok((entry, understood)) => write(user, &pool, entry, understood).await,
            Err(invalid) => Ok(invalid),
        }
    }

    /// Checks everything the analyst typed: the entry ready to write and
    /// what the value was understood as, or the refusal (`Invalid`) with a
    /// message per field. Writes nothing.
    pub async fn validate(
        pool: &PgPool,
        user: &SignedIn,
        form: &Form,
    ) -> Result<Result<(Entry, String), SaveOutcome>, AppError> {
        let today = OffsetDateTime::now_utc().date();
        let mut errors = Vec::new();

        let key = parse_key(&form.ticker, &form.metric, &form.period);
        let (ticker, metric, period) = match key {
            Ok(k) => (Some(k.0), Some(k.1), Some(k.2)),
            Err(mut e) => {
                let t = Ticker::parse(&form.ticker).ok();
                let m = Metric::parse(&form.metric).ok();
                errors.append(&mut e);
                (t, m, None)
            }
        };
        let company = match &ticker {
            Some(t) => sqlx::query!(
                "SELECT fiscal_year_end_month FROM companies WHERE ticker = $1",
                t.as_str()
            )
            .fetch_optional(pool)
            .await
            .map_err(crate::ssr::db_error)?,
            None => None,
        };
        if ticker.is_some() && company.is_none() {
            errors.push(field(
                "ticker",
                "No company with this ticker is in the store.",
            ));
        }
        let unit = metric
            .map(StoredUnit::for_metric)
            .unwrap_or(StoredUnit::Usd);
        let value = match parse_amount(&form.value, unit) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(field("value", capitalize(&e.to_string())));
                None
            }
        };
        let understood = value.map(|v| describe(v, unit));
        let source_url = check_url(&form.source_url)
            .map_err(|e| errors.push(field("source_url", e)))
            .ok();
        let note = form.note.trim();
        if note.chars().count() > MAX_NOTE_LEN {
            errors.push(field(
                "note",
                format!("The note is longer than {MAX_NOTE_LEN} characters."),
            ));
        } else if note
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            errors.push(field(
                "note",
                "The note must not contain control characters.",
            ));
        }
        let base_version = match form.base_version.trim() {
            "" => Some(0),
            v => v.parse::<i32>().ok().filter(|v| *v >= 0),
        };
        if base_version.is_none() {
            errors.push(field(
                "base_version",
                "The form is out of date. Reload the page and enter the value again.",
            ));
        }

        // The period must exist in the company's fiscal calendar: actuals for
        // a period that has ended, guidance up to three years ahead.
        let mut dates = None;
        if let (Some(t), Some(m), Some(p), Some(c)) = (&ticker, metric, period, &company) {
            let fye = u8::try_from(c.fiscal_year_end_month).unwrap_or(12);
            match period_dates(pool, t, p, fye)
                .await
                .map_err(crate::ssr::db_error)?
            {
                None => errors.push(field("period", "This period is outside the calendar.")),
                Some((start, end)) => {
                    let horizon = if m.kind() == MetricKind::Disclosure {
                        today + Duration::days(GUIDANCE_HORIZON_DAYS)
                    } else {
                        today
                    };
                    if end > horizon {
                        errors.push(field(
                            "period",
                            if m.kind() == MetricKind::Disclosure {
                                format!("{} ends {end}, more than three years ahead.", p.label())
                            } else {
                                format!(
                                    "{} of {t} ends {end}: actual figures can be entered once the period has ended.",
                                    p.label()
                                )
                            },
                        ));
                    }
                    dates = Some((start, end));
                }
            }
        }

        let (
            Some(ticker),
            Some(metric),
            Some(period),
            Some(value),
            Some(source_url),
            Some(base_version),
            Some((start, end)),
            true,
        ) = (
            ticker,
            metric,
            period,
            value,
            source_url,
            base_version,
            dates,
            errors.is_empty(),
        )
        else {
            if let Some(err) = errors.first() {
                tracing::info!(user.id = user.id, entry.field = %err.field, entry.outcome = "invalid", "entry refused by validation");
            }
            return Ok(Err(SaveOutcome::Invalid { errors, understood }));
        };
        let understood = describe(value, unit);

        // An unusual value is saved only when the analyst confirmed it.
        if !form.confirmed {
            let largest = sqlx::query_scalar!(
                "SELECT max(abs(value)) FROM current_facts WHERE ticker = $1 AND metric = $2",
                ticker.as_str(),
                metric.key()
            )
            .fetch_one(pool)
            .await
            .map_err(crate::ssr::db_error)?;
            if let Some(reason) = implausibility(metric, value, largest) {
                return Ok(Err(SaveOutcome::Invalid {
                    errors: vec![field(
                        "confirm",
                        format!("{reason} Check the value, or tick the box to save it anyway."),
                    )],
                    understood: Some(understood),
                }));
            }
        }

        let entry = Entry {
            record: FactRecord {
                ticker: ticker.clone(),
                metric,
                period,
                period_start: (metric.kind() == MetricKind::Flow).then_some(start),
                period_end: end,
                value,
                unit: unit.as_db_str(),
                known_at: today,
                source: Source::analyst(source_url, user.email.clone()),
                note: (!note.is_empty()).then(|| note.to_string()),
            },
            base_version,
        };
        Ok(Ok((entry, understood)))
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
                errors: vec![field(
                    "value",
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
                let current = current(pool, &ticker, metric, period)
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
        let Ok((ticker, metric, period)) = parse_key(ticker, metric, period) else {
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

    fn capitalize(s: &str) -> String {
        let mut chars = s.chars();
        match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn source_urls_must_be_http_with_a_host() {
            assert!(check_url("https://www.sec.gov/x").is_ok());
            assert!(check_url("http://example.com").is_ok());
            for bad in [
                "",
                "ftp://x.com",
                "javascript:alert(1)",
                "https://",
                "https://a b.com",
                "https://nohost",
            ] {
                assert!(check_url(bad).is_err(), "{bad}");
            }
        }

        #[test]
        fn key_errors_name_their_field() {
            let errors = parse_key("MSFT", "ebitda", "FY26 Q9").unwrap_err();
            let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["metric", "period"]);
        }
    }
}
