//! The rules an analyst's entry must pass before it is written, as one pure
//! function of what was typed and what the store holds.
//!
//! Why pure: the form, the bulk upload (up to 2,000 lines, checked twice: at
//! the dry run and again at commit) and the revert all judge entries the same
//! way, and none of them should query the database per line. The caller loads
//! an [`EntryContext`] for every key at once (`store::entry::context`, four
//! queries whatever the number of lines) and [`check`] needs nothing else, so
//! the rules are tested here without a database and cannot drift between the
//! three paths.

use super::{describe, implausibility, nominal_dates, parse_amount, StoredUnit};
use crate::{FiscalPeriod, Metric, MetricKind, Ticker};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::{Date, Duration};

/// Longest source URL accepted.
pub const MAX_URL_LEN: usize = 2000;
/// Longest note accepted.
pub const MAX_NOTE_LEN: usize = 2000;
/// How far ahead a disclosure (guidance) may look, in days.
pub const GUIDANCE_HORIZON_DAYS: i64 = 3 * 366;

/// An entry as typed: every field text, as the form or a CSV line has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryForm {
    pub ticker: String,
    pub period: String,
    pub metric: String,
    pub value: String,
    pub source_url: String,
    pub note: String,
    /// The version the form showed as current (empty or `0`: none).
    pub base_version: String,
    /// The analyst ticked the box that accepts an unusual value.
    pub confirmed: bool,
}

/// A field of the entry form, named in error messages and in the page's
/// `data-field` markers (serialized as `ticker`, `source_url`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryField {
    Ticker,
    Period,
    Metric,
    Value,
    SourceUrl,
    Note,
    BaseVersion,
    /// The confirmation box for an unusual value.
    Confirm,
}

impl EntryField {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryField::Ticker => "ticker",
            EntryField::Period => "period",
            EntryField::Metric => "metric",
            EntryField::Value => "value",
            EntryField::SourceUrl => "source_url",
            EntryField::Note => "note",
            EntryField::BaseVersion => "base_version",
            EntryField::Confirm => "confirm",
        }
    }
}

/// A validation message for one field of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: EntryField,
    pub message: String,
}

impl FieldError {
    pub fn new(field: EntryField, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// The number an entry is about: a company's metric for a fiscal period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey {
    pub ticker: Ticker,
    pub metric: Metric,
    pub period: FiscalPeriod,
}

/// The version in force for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredValue {
    pub version: i32,
    pub value: Decimal,
}

/// What the store holds that the rules need, for a set of keys: loaded in
/// one go for a form or a whole upload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryContext {
    /// The fiscal-year-end month of each company in the store.
    pub companies: HashMap<Ticker, u8>,
    /// A period's real first (flows) and last day where the store has them
    /// (52/53-week years end near the nominal dates, not on them).
    pub period_dates: HashMap<(Ticker, FiscalPeriod), (Date, Date)>,
    /// The largest absolute value in force of a company's metric.
    pub largest: HashMap<(Ticker, Metric), Decimal>,
    /// The version in force for each key that has one.
    pub current: HashMap<EntryKey, StoredValue>,
}

impl EntryContext {
    /// The version in force for a key (0: none).
    pub fn current_version(&self, key: &EntryKey) -> i32 {
        self.current.get(key).map_or(0, |c| c.version)
    }

    /// The period's dates: the store's where known, else the nominal dates
    /// of the company's fiscal calendar. `None` when the company is unknown
    /// or the period falls outside the calendar.
    fn dates(&self, ticker: &Ticker, period: FiscalPeriod) -> Option<(Date, Date)> {
        if let Some(known) = self.period_dates.get(&(ticker.clone(), period)) {
            return Some(*known);
        }
        nominal_dates(period, *self.companies.get(ticker)?)
    }
}

/// An entry that passed every rule, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEntry {
    pub key: EntryKey,
    pub value: Decimal,
    pub unit: StoredUnit,
    /// The first day, for flows; `None` for point-in-time values.
    pub period_start: Option<Date>,
    pub period_end: Date,
    pub source_url: String,
    pub note: Option<String>,
    pub base_version: i32,
    /// What the value was understood as: `$37B (37,000,000,000 USD)`.
    pub understood: String,
}

/// Why an entry was not accepted. Nothing is written in either case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// One message per field that is wrong; `understood` when the value
    /// itself was read.
    Invalid {
        errors: Vec<FieldError>,
        understood: Option<String>,
    },
    /// Every field is right but the value is unusual (see
    /// [`implausibility`]): it is accepted only when confirmed.
    Unusual { reason: String, understood: String },
}

/// Ticker, metric and period, parsed; a message per field otherwise.
pub fn parse_key(ticker: &str, metric: &str, period: &str) -> Result<EntryKey, Vec<FieldError>> {
    let mut errors = Vec::new();
    let ticker = Ticker::parse(ticker)
        .map_err(|e| {
            errors.push(FieldError::new(
                EntryField::Ticker,
                capitalize(&e.to_string()),
            ))
        })
        .ok();
    let metric = Metric::parse(metric)
        .map_err(|e| {
            errors.push(FieldError::new(
                EntryField::Metric,
                capitalize(&e.to_string()),
            ))
        })
        .ok();
    let period = FiscalPeriod::parse(period)
        .map_err(|e| {
            errors.push(FieldError::new(
                EntryField::Period,
                capitalize(&e.to_string()),
            ))
        })
        .ok();
    match (ticker, metric, period) {
        (Some(ticker), Some(metric), Some(period)) => Ok(EntryKey {
            ticker,
            metric,
            period,
        }),
        _ => Err(errors),
    }
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

/// A note within the length limit, without control characters other than
/// line breaks and tabs; `None` when empty.
fn check_note(raw: &str) -> Result<Option<String>, String> {
    let note = raw.trim();
    if note.chars().count() > MAX_NOTE_LEN {
        return Err(format!(
            "The note is longer than {MAX_NOTE_LEN} characters."
        ));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err("The note must not contain control characters.".into());
    }
    Ok((!note.is_empty()).then(|| note.to_string()))
}

/// Judges an entry against every rule: each field well formed, the company
/// in the store, the period in its fiscal calendar (actuals once the period
/// has ended, guidance up to three years ahead of `today`), and, unless
/// confirmed, a plausible value. Every field is checked, so the analyst sees
/// all that is wrong at once.
pub fn check(form: &EntryForm, ctx: &EntryContext, today: Date) -> Result<ValidEntry, Refusal> {
    let mut errors = Vec::new();
    let (ticker, metric, period) = match parse_key(&form.ticker, &form.metric, &form.period) {
        Ok(k) => (Some(k.ticker), Some(k.metric), Some(k.period)),
        Err(mut e) => {
            errors.append(&mut e);
            (
                Ticker::parse(&form.ticker).ok(),
                Metric::parse(&form.metric).ok(),
                None,
            )
        }
    };
    let known_company = ticker.as_ref().filter(|t| ctx.companies.contains_key(*t));
    if ticker.is_some() && known_company.is_none() {
        errors.push(FieldError::new(
            EntryField::Ticker,
            "No company with this ticker is in the store.",
        ));
    }
    let unit = metric
        .map(StoredUnit::for_metric)
        .unwrap_or(StoredUnit::Usd);
    let value = parse_amount(&form.value, unit)
        .map_err(|e| {
            errors.push(FieldError::new(
                EntryField::Value,
                capitalize(&e.to_string()),
            ))
        })
        .ok();
    let source_url = check_url(&form.source_url)
        .map_err(|e| errors.push(FieldError::new(EntryField::SourceUrl, e)))
        .ok();
    let note = check_note(&form.note)
        .map_err(|e| errors.push(FieldError::new(EntryField::Note, e)))
        .ok();
    let base_version = match form.base_version.trim() {
        "" => Some(0),
        v => v.parse::<i32>().ok().filter(|v| *v >= 0),
    };
    if base_version.is_none() {
        errors.push(FieldError::new(
            EntryField::BaseVersion,
            "The form is out of date. Reload the page and enter the value again.",
        ));
    }
    let dates = match (known_company, metric, period) {
        (Some(t), Some(m), Some(p)) => match ctx.dates(t, p) {
            None => {
                errors.push(FieldError::new(
                    EntryField::Period,
                    "This period is outside the calendar.",
                ));
                None
            }
            Some((start, end)) => {
                if let Some(message) = too_late(t, m, p, end, today) {
                    errors.push(FieldError::new(EntryField::Period, message));
                }
                Some((start, end))
            }
        },
        _ => None,
    };

    let understood = value.map(|v| describe(v, unit));
    let (
        Some(ticker),
        Some(metric),
        Some(period),
        Some(value),
        Some(source_url),
        Some(note),
        Some(base_version),
        Some((start, end)),
        Some(understood),
        true,
    ) = (
        ticker,
        metric,
        period,
        value,
        source_url,
        note,
        base_version,
        dates,
        understood.clone(),
        errors.is_empty(),
    )
    else {
        return Err(Refusal::Invalid { errors, understood });
    };

    if !form.confirmed {
        let largest = ctx.largest.get(&(ticker.clone(), metric)).copied();
        if let Some(reason) = implausibility(metric, value, largest) {
            return Err(Refusal::Unusual { reason, understood });
        }
    }
    Ok(ValidEntry {
        key: EntryKey {
            ticker,
            metric,
            period,
        },
        value,
        unit,
        period_start: (metric.kind() == MetricKind::Flow).then_some(start),
        period_end: end,
        source_url,
        note,
        base_version,
        understood,
    })
}

/// Why a period ending on `end` cannot be entered yet, if it cannot: actual
/// figures once the period has ended, disclosures up to three years ahead.
fn too_late(
    ticker: &Ticker,
    metric: Metric,
    period: FiscalPeriod,
    end: Date,
    today: Date,
) -> Option<String> {
    let disclosure = metric.kind() == MetricKind::Disclosure;
    let horizon = if disclosure {
        today + Duration::days(GUIDANCE_HORIZON_DAYS)
    } else {
        today
    };
    (end > horizon).then(|| {
        if disclosure {
            format!("{} ends {end}, more than three years ahead.", period.label())
        } else {
            format!(
                "{} of {ticker} ends {end}: actual figures can be entered once the period has ended.",
                period.label()
            )
        }
    })
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
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 07);

    fn msft() -> Ticker {
        Ticker::parse("MSFT").unwrap()
    }

    /// Microsoft (fiscal year ending in June) in the store, with FY26 Q1
    /// capex of $19.4B as version 3.
    fn context() -> EntryContext {
        let key = EntryKey {
            ticker: msft(),
            metric: Metric::Capex,
            period: FiscalPeriod::parse("FY26 Q1").unwrap(),
        };
        let mut ctx = EntryContext::default();
        ctx.companies.insert(msft(), 6);
        ctx.largest
            .insert((msft(), Metric::Capex), "19394000000".parse().unwrap());
        ctx.current.insert(
            key,
            StoredValue {
                version: 3,
                value: "19394000000".parse().unwrap(),
            },
        );
        ctx
    }

    fn form(period: &str, metric: &str, value: &str) -> EntryForm {
        EntryForm {
            ticker: "MSFT".into(),
            period: period.into(),
            metric: metric.into(),
            value: value.into(),
            source_url: "https://www.sec.gov/x".into(),
            base_version: "3".into(),
            ..EntryForm::default()
        }
    }

    fn fields(refusal: Refusal) -> Vec<EntryField> {
        match refusal {
            Refusal::Invalid { errors, .. } => errors.iter().map(|e| e.field).collect(),
            Refusal::Unusual { .. } => vec![EntryField::Confirm],
        }
    }

    #[test]
    fn a_well_formed_entry_for_an_ended_quarter_is_accepted_with_its_dates() {
        let entry = check(&form("FY26 Q1", "capex", "20B"), &context(), TODAY).unwrap();
        assert_eq!(entry.key.ticker, msft());
        assert_eq!(entry.value, Decimal::from(20_000_000_000_i64));
        assert_eq!(entry.period_start, Some(date!(2025 - 07 - 01)));
        assert_eq!(entry.period_end, date!(2025 - 09 - 30));
        assert_eq!(entry.base_version, 3);
        assert_eq!(entry.note, None);
        assert_eq!(entry.understood, "$20B (20,000,000,000 USD)");
    }

    #[test]
    fn the_stores_real_period_dates_win_over_the_nominal_ones() {
        let mut ctx = context();
        let q1 = FiscalPeriod::parse("FY26 Q1").unwrap();
        ctx.period_dates
            .insert((msft(), q1), (date!(2025 - 06 - 29), date!(2025 - 09 - 27)));
        let entry = check(&form("FY26 Q1", "capex", "20B"), &ctx, TODAY).unwrap();
        assert_eq!(entry.period_start, Some(date!(2025 - 06 - 29)));
        assert_eq!(entry.period_end, date!(2025 - 09 - 27));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = EntryForm {
            ticker: "MSFT".into(),
            period: "FY26 Q9".into(),
            metric: "capex".into(),
            value: "lots".into(),
            source_url: "ftp://x".into(),
            note: "a\u{7}b".into(),
            base_version: "-1".into(),
            confirmed: false,
        };
        let got = fields(check(&bad, &context(), TODAY).unwrap_err());
        assert_eq!(
            got,
            [
                EntryField::Period,
                EntryField::Value,
                EntryField::SourceUrl,
                EntryField::Note,
                EntryField::BaseVersion
            ]
        );
    }

    #[test]
    fn a_company_not_in_the_store_is_refused_at_the_ticker() {
        let mut f = form("FY26 Q1", "capex", "20B");
        f.ticker = "ZZZZ".into();
        let got = fields(check(&f, &context(), TODAY).unwrap_err());
        assert_eq!(got, [EntryField::Ticker]);
    }

    #[test]
    fn actuals_wait_for_the_period_to_end_and_guidance_may_look_three_years_ahead() {
        let ctx = context();
        let future = check(&form("FY27 Q4", "capex", "20B"), &ctx, TODAY).unwrap_err();
        let Refusal::Invalid { errors, .. } = future else {
            panic!("{future:?}")
        };
        assert!(errors[0].message.contains("once the period has ended"));
        assert!(check(&form("FY28", "capex_guidance_low", "80B"), &ctx, TODAY).is_ok());
        let far = check(&form("FY31", "capex_guidance_low", "80B"), &ctx, TODAY);
        assert_eq!(fields(far.unwrap_err()), [EntryField::Period]);
    }

    #[test]
    fn an_unusual_value_needs_confirmation_and_says_why() {
        let ten_times = form("FY26 Q1", "capex", "300B");
        match check(&ten_times, &context(), TODAY) {
            Err(Refusal::Unusual { reason, understood }) => {
                assert!(reason.contains("more than 10×"), "{reason}");
                assert_eq!(understood, "$300B (300,000,000,000 USD)");
            }
            other => panic!("{other:?}"),
        }
        let confirmed = EntryForm {
            confirmed: true,
            ..ten_times
        };
        assert!(check(&confirmed, &context(), TODAY).is_ok());
    }

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
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, [EntryField::Metric, EntryField::Period]);
    }

    #[test]
    fn fields_serialize_as_the_forms_names() {
        let json = serde_json::to_string(&EntryField::SourceUrl).unwrap();
        assert_eq!(json, "\"source_url\"");
        for f in [
            EntryField::Ticker,
            EntryField::BaseVersion,
            EntryField::Confirm,
        ] {
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.as_str())
            );
        }
    }
}
