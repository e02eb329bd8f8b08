//! Analyst entry: reading a typed amount (`37B`, `37,000M`, `37000000000`),
//! the unit each metric is stored in, a fiscal period's nominal dates, and the
//! plausibility checks that ask for confirmation before an unusual value is
//! saved, and the rules an entry must pass ([`check`]). Pure, so the browser
//! shows what it understood as the analyst types.

mod check;

pub use check::{
    check, check_url, parse_key, EntryContext, EntryField, EntryForm, EntryKey, FieldError,
    Refusal, StoredValue, ValidEntry, GUIDANCE_HORIZON_DAYS, MAX_NOTE_LEN, MAX_URL_LEN,
};

use crate::analytics::{CompanyFacts, FactPoint};
use crate::metric::Metric;
use crate::period::FiscalPeriod;
use crate::{Provenance, SourceKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// A company in the entry form's picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyChoice {
    pub ticker: String,
    pub name: String,
    pub fiscal_year_end_month: u8,
}

/// The version in force for a key, with where it came from: shown beside
/// the form, and when a save meets a newer version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentFact {
    pub version: i32,
    pub value: Decimal,
    /// `$37B (37,000,000,000 USD)`.
    pub display: String,
    pub known_at: Date,
    /// `filing`, `derived`, `secondary` or `analyst`.
    pub source_kind: String,
    pub source_url: Option<String>,
    pub entered_by: Option<String>,
}

/// Longest amount accepted, in characters.
pub const MAX_AMOUNT_LEN: usize = 64;

/// A value above this many times the company's largest stored value of the
/// same metric is flagged as implausible.
pub const PLAUSIBLE_FACTOR: i64 = 10;

/// The unit a metric's values are stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredUnit {
    /// US dollars.
    Usd,
    /// US dollars per unit (inference cost).
    UsdPerUnit,
}

impl StoredUnit {
    pub fn for_metric(metric: Metric) -> Self {
        match metric {
            Metric::UnitInferenceCost => StoredUnit::UsdPerUnit,
            _ => StoredUnit::Usd,
        }
    }

    /// As stored in `fact_versions.unit`.
    pub fn as_db_str(self) -> &'static str {
        match self {
            StoredUnit::Usd => "USD",
            StoredUnit::UsdPerUnit => "USD/unit",
        }
    }
}

/// Why a typed amount was not understood. Messages are shown at the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("enter a value, e.g. 37B, 37,000M or 37000000000")]
    Empty,
    #[error("the value is longer than {MAX_AMOUNT_LEN} characters")]
    TooLong,
    #[error(
        "{0:?} is not a number: use digits with an optional B, M or K suffix, e.g. 37B or 37,000M"
    )]
    Malformed(String),
    #[error("{0:?} has misplaced thousands separators: write 37,000M or 37000M")]
    Separators(String),
    #[error("this metric is in US dollars, not {0}")]
    WrongUnit(String),
    #[error("the value is too large")]
    Overflow,
}

/// Reads an amount as analysts type it: `37B`, `$37 bn`, `37,000M`,
/// `37000000000`, `-1.5B`, `0.0021` (dollars per unit). Suffixes K, M, B, T
/// (and thousand, million, billion, trillion) are case-insensitive.
pub fn parse_amount(raw: &str, unit: StoredUnit) -> Result<Decimal, AmountError> {
    if raw.chars().count() > MAX_AMOUNT_LEN {
        return Err(AmountError::TooLong);
    }
    let malformed = || AmountError::Malformed(raw.trim().to_string());
    let mut s = raw.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    if s.chars().any(char::is_control) {
        return Err(malformed());
    }
    if s.ends_with('%') {
        return Err(AmountError::WrongUnit("percent".into()));
    }
    for other in ["eur", "€", "gbp", "£", "jpy", "¥"] {
        if s.contains(other) {
            return Err(AmountError::WrongUnit(other.to_uppercase()));
        }
    }
    let negative = match s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        Some(rest) => {
            s = rest.trim_start().to_string();
            true
        }
        None => false,
    };
    for prefix in ["us$", "$"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start().to_string();
        }
    }
    if unit == StoredUnit::Usd && s.ends_with("/unit") {
        return Err(AmountError::WrongUnit("US dollars per unit".into()));
    }
    for suffix in ["usd/unit", "usd"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end().to_string();
        }
    }
    let scales: [(&str, u32); 13] = [
        ("trillion", 12),
        ("billion", 9),
        ("million", 6),
        ("thousand", 3),
        ("tn", 12),
        ("bn", 9),
        ("mm", 6),
        ("mn", 6),
        ("t", 12),
        ("b", 9),
        ("m", 6),
        ("k", 3),
        ("", 0),
    ];
    let (digits, exponent) = scales
        .iter()
        .find_map(|(suffix, exp)| s.strip_suffix(suffix).map(|d| (d.trim_end(), *exp)))
        .ok_or_else(malformed)?;
    let plain = strip_separators(digits).ok_or_else(|| {
        if digits.contains(',') {
            AmountError::Separators(raw.trim().to_string())
        } else {
            malformed()
        }
    })?;
    let mut value: Decimal = plain.parse().map_err(|_| malformed())?;
    for _ in 0..exponent {
        value = value
            .checked_mul(Decimal::TEN)
            .ok_or(AmountError::Overflow)?;
    }
    if negative {
        value = -value;
    }
    Ok(value.normalize())
}

/// `37,000.5` → `37000.5`; `None` unless the separators group the integer
/// part in threes and the rest is plain digits with at most one decimal point.
fn strip_separators(s: &str) -> Option<String> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int.is_empty() && frac.is_none_or(str::is_empty) {
        return None;
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups.len() > 1;
    for (i, g) in groups.iter().enumerate() {
        if !g.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if grouped && ((i == 0 && !(1..=3).contains(&g.len())) || (i > 0 && g.len() != 3)) {
            return None;
        }
    }
    let mut out: String = groups.concat();
    if out.is_empty() {
        out.push('0');
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// What the form shows it understood: `$37B (37,000,000,000 USD)`.
pub fn describe(value: Decimal, unit: StoredUnit) -> String {
    match unit {
        StoredUnit::Usd => format!(
            "{} ({} USD)",
            crate::format::usd(value),
            group_thousands(value)
        ),
        StoredUnit::UsdPerUnit => format!("{} USD per unit", value.normalize()),
    }
}

/// `37000000000` → `37,000,000,000`, decimals kept.
pub fn group_thousands(value: Decimal) -> String {
    let text = value.normalize().to_string();
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Who entered a value, as shown to the public: an analyst's email address
/// becomes "an analyst"; a descriptive author (e.g. the bundled data set)
/// is shown as it is. Signed-in users see the email on the history page.
pub fn public_author(entered_by: &str) -> String {
    if entered_by.contains('@') || entered_by.trim().is_empty() {
        "an analyst".to_string()
    } else {
        entered_by.to_string()
    }
}

/// Whether a metric can meaningfully be negative (an operating loss can; a
/// capex amount or a revenue cannot).
pub fn can_be_negative(metric: Metric) -> bool {
    matches!(
        metric,
        Metric::OperatingIncome | Metric::NetIncome | Metric::OperatingCashFlow
    )
}

/// Why a value needs an explicit confirmation before it is saved, if it does.
pub fn implausibility(
    metric: Metric,
    value: Decimal,
    largest_stored: Option<Decimal>,
) -> Option<String> {
    if value.is_sign_negative() && !value.is_zero() && !can_be_negative(metric) {
        return Some(format!("{} is normally not negative.", metric.label()));
    }
    let largest = largest_stored?.abs();
    if largest.is_zero() {
        return None;
    }
    let bound = largest.checked_mul(Decimal::from(PLAUSIBLE_FACTOR))?;
    (value.abs() > bound).then(|| {
        format!(
            "This is more than {PLAUSIBLE_FACTOR}× the company's largest stored {} ({}).",
            metric.label().to_lowercase(),
            crate::format::usd(largest)
        )
    })
}

/// The company's facts as they would be with `value` stored for `metric` at
/// `period` (replacing the value in force, or added where there is none), so
/// the scorecard can be recomputed before an entry is saved. The dates of an
/// existing fact are kept; `period_start` and `period_end` date a new one.
/// A capex guidance value also joins the guidance history as a statement
/// made on `known_at` (the day the entry would be saved).
pub fn with_value(
    company: &CompanyFacts,
    metric: Metric,
    period: FiscalPeriod,
    period_start: Option<Date>,
    period_end: Date,
    value: Decimal,
    known_at: Date,
) -> CompanyFacts {
    let mut out = company.clone();
    let existing = out
        .facts
        .iter()
        .filter(|f| f.metric == metric && f.period == period)
        .max_by_key(|f| f.provenance.fact_id)
        .map(|f| (f.period_start, f.period_end));
    let (start, end) = existing.unwrap_or((period_start, period_end));
    let fact_id = out
        .facts
        .iter()
        .map(|f| f.provenance.fact_id)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    out.facts
        .retain(|f| !(f.metric == metric && f.period == period));
    out.facts.push(FactPoint {
        metric,
        period,
        period_start: start,
        period_end: end,
        value,
        provenance: Provenance {
            fact_id,
            kind: SourceKind::Analyst,
            label: "the value being entered (not saved)".to_string(),
            url: None,
        },
    });
    if matches!(metric, Metric::CapexGuidanceLow | Metric::CapexGuidanceHigh) {
        if let Some(fact) = out.facts.last().cloned() {
            out.guidance_history
                .push(crate::analytics::KnownFact { known_at, fact });
            out.guidance_history.sort_by_key(|k| k.known_at);
        }
    }
    out
}

/// The nominal first and last day of a fiscal period in a calendar whose year
/// ends in `year_end_month` (fiscal years are named by the calendar year in
/// which they end). 52/53-week years end near these dates, not on them.
pub fn nominal_dates(period: FiscalPeriod, year_end_month: u8) -> Option<(Date, Date)> {
    let fye = i32::from(year_end_month.clamp(1, 12));
    let end_month = if period.is_full_year() {
        period.fiscal_year * 12 + (fye - 1)
    } else {
        period.fiscal_year * 12 + (fye - 1) - 3 * (4 - i32::from(period.quarter))
    };
    let months = if period.is_full_year() { 12 } else { 3 };
    let end = month_end(end_month)?;
    let start = month_end(end_month - months)?.next_day()?;
    Some((start, end))
}

/// Last day of the month with running index `year * 12 + (month − 1)`.
fn month_end(index: i32) -> Option<Date> {
    let year = index.div_euclid(12);
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    Date::from_calendar_date(year, month, month.length(year)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_forms_analysts_type_all_mean_thirty_seven_billion() {
        for raw in [
            "37B",
            "37b",
            "37 bn",
            "$37B",
            "37,000M",
            "37000000000",
            "37,000,000,000",
            "37 billion",
            "37000000 k",
            "0.037T",
            "US$ 37,000 million",
            "37B USD",
        ] {
            assert_eq!(
                parse_amount(raw, StoredUnit::Usd),
                Ok(dec("37000000000")),
                "{raw}"
            );
        }
    }

    #[test]
    fn negatives_and_decimals_are_read() {
        assert_eq!(
            parse_amount("-1.5B", StoredUnit::Usd),
            Ok(dec("-1500000000"))
        );
        assert_eq!(
            parse_amount("0.0021", StoredUnit::UsdPerUnit),
            Ok(dec("0.0021"))
        );
    }

    #[test]
    fn malformed_amounts_are_errors_that_say_why() {
        assert_eq!(parse_amount("", StoredUnit::Usd), Err(AmountError::Empty));
        assert!(matches!(
            parse_amount("3,7000M", StoredUnit::Usd),
            Err(AmountError::Separators(_))
        ));
        assert!(matches!(
            parse_amount("12%", StoredUnit::Usd),
            Err(AmountError::WrongUnit(_))
        ));
        assert!(matches!(
            parse_amount("€37B", StoredUnit::Usd),
            Err(AmountError::WrongUnit(_))
        ));
        for bad in [
            "NaN", "inf", "1e9", "37X", "B", "1.2.3", "--5", "3 7", "\u{0}1",
        ] {
            assert!(parse_amount(bad, StoredUnit::Usd).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_amount(&"9".repeat(65), StoredUnit::Usd),
            Err(AmountError::TooLong)
        );
        assert_eq!(
            parse_amount("79228162514264337593543950335T", StoredUnit::Usd),
            Err(AmountError::Overflow)
        );
    }

    #[test]
    fn the_public_sees_a_role_instead_of_an_email() {
        assert_eq!(public_author("ann@example.com"), "an analyst");
        assert_eq!(
            public_author("bundled data (data/bundled/disclosures.csv)"),
            "bundled data (data/bundled/disclosures.csv)"
        );
    }

    #[test]
    fn the_form_shows_what_it_understood() {
        assert_eq!(
            describe(dec("37000000000"), StoredUnit::Usd),
            "$37B (37,000,000,000 USD)"
        );
        assert_eq!(group_thousands(dec("-1234.5")), "-1,234.5");
    }

    #[test]
    fn ten_times_the_largest_stored_value_needs_confirmation() {
        let largest = Some(dec("30000000000"));
        assert!(implausibility(Metric::Capex, dec("37000000000"), largest).is_none());
        assert!(implausibility(Metric::Capex, dec("370000000000"), largest)
            .unwrap()
            .contains("10×"));
        assert!(implausibility(Metric::Capex, dec("-1"), None)
            .unwrap()
            .contains("not negative"));
        assert!(implausibility(Metric::NetIncome, dec("-1"), None).is_none());
    }

    #[test]
    fn a_previewed_value_replaces_the_one_in_force_and_keeps_its_dates() {
        // Arrange
        let q = FiscalPeriod::quarter(2026, 1).unwrap();
        let point = |metric, value: &str, id| FactPoint {
            metric,
            period: q,
            period_start: Some(date!(2025 - 07 - 01)),
            period_end: date!(2025 - 09 - 30),
            value: dec(value),
            provenance: Provenance {
                fact_id: id,
                kind: SourceKind::Filing,
                label: "10-Q".into(),
                url: None,
            },
        };
        let company = CompanyFacts {
            ticker: "MSFT".into(),
            fiscal_year_end_month: 6,
            nets_capex_proceeds: false,
            facts: vec![
                point(Metric::Capex, "19", 7),
                point(Metric::Revenue, "77", 9),
            ],
            guidance_history: Vec::new(),
        };

        // Act
        let changed = with_value(
            &company,
            Metric::Capex,
            q,
            None,
            date!(2030 - 01 - 01),
            dec("20"),
            date!(2030 - 02 - 01),
        );
        let added = with_value(
            &company,
            Metric::Rpo,
            q,
            None,
            date!(2025 - 09 - 30),
            dec("5"),
            date!(2025 - 10 - 30),
        );

        // Assert
        let capex: Vec<_> = changed
            .facts
            .iter()
            .filter(|f| f.metric == Metric::Capex)
            .collect();
        assert_eq!(capex.len(), 1);
        assert_eq!(capex[0].value, dec("20"));
        assert_eq!(
            capex[0].period_end,
            date!(2025 - 09 - 30),
            "the stored dates are kept"
        );
        assert_eq!(capex[0].provenance.fact_id, 10, "the newest fact");
        assert_eq!(added.facts.len(), 3);
        assert_eq!(company.facts[0].value, dec("19"), "the input is unchanged");
    }

    #[test]
    fn nominal_dates_follow_the_fiscal_year_end() {
        let q3 = FiscalPeriod::quarter(2026, 3).unwrap();
        assert_eq!(
            nominal_dates(q3, 6),
            Some((date!(2026 - 01 - 01), date!(2026 - 03 - 31)))
        );
        let fy = FiscalPeriod::year(2026).unwrap();
        assert_eq!(
            nominal_dates(fy, 12),
            Some((date!(2026 - 01 - 01), date!(2026 - 12 - 31)))
        );
        let nvda_q1 = FiscalPeriod::quarter(2027, 1).unwrap();
        assert_eq!(
            nominal_dates(nvda_q1, 1),
            Some((date!(2026 - 02 - 01), date!(2026 - 04 - 30)))
        );
    }
}
