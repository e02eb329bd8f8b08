//! Numbers as investors read them: B/M suffixes, negatives in parentheses,
//! percentages and percentage points told apart, missing shown as `n/a`.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// What a missing value is shown as. Never zero.
pub const MISSING: &str = "n/a";

const BILLION: i64 = 1_000_000_000;
const MILLION: i64 = 1_000_000;

/// `$44.2B`, `$764M`, `($1.2B)` for a negative amount. Amounts of a billion or
/// more get one decimal in billions (two below ten billion); smaller amounts are
/// whole millions; below a million, whole dollars.
pub fn usd(value: Decimal) -> String {
    let abs = value.abs();
    let body = if abs >= Decimal::from(BILLION) {
        let b = abs / Decimal::from(BILLION);
        let dp = if b < Decimal::from(10) { 2 } else { 1 };
        format!("${}B", round(b, dp))
    } else if abs >= Decimal::from(MILLION) {
        format!("${}M", round(abs / Decimal::from(MILLION), 0))
    } else {
        format!("${}", round(abs, 0))
    };
    if value.is_sign_negative() && !value.is_zero() {
        format!("({body})")
    } else {
        body
    }
}

/// Like [`usd`] but `n/a` when missing.
pub fn usd_opt(value: Option<Decimal>) -> String {
    value.map(usd).unwrap_or_else(|| MISSING.to_string())
}

/// A ratio as a percentage: `0.1234` → `12.3%`; negatives in parentheses.
pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() {
        return MISSING.to_string();
    }
    let p = ratio * 100.0;
    if p < 0.0 {
        format!("({:.1}%)", -p)
    } else {
        format!("{p:.1}%")
    }
}

/// A difference of two percentages: `+4.5 pp`, `−3.0 pp`.
pub fn percentage_points(pp: f64) -> String {
    if !pp.is_finite() {
        return MISSING.to_string();
    }
    if pp < 0.0 {
        format!("\u{2212}{:.1} pp", -pp)
    } else {
        format!("+{pp:.1} pp")
    }
}

/// A multiple: `1.84×`.
pub fn multiple(ratio: f64) -> String {
    if !ratio.is_finite() {
        return MISSING.to_string();
    }
    format!("{ratio:.2}\u{d7}")
}

/// Billions as a float, for charts (exact values stay in `Decimal`).
pub fn to_billions(value: Decimal) -> f64 {
    (value / Decimal::from(BILLION))
        .to_f64()
        .unwrap_or(f64::NAN)
}

fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn runs_as_formula(s: &str) -> bool {
    s.starts_with(FORMULA_START) || s.strip_prefix('\'').is_some_and(runs_as_formula)
}

/// A text cell for a CSV file a spreadsheet may open: text a spreadsheet
/// would run as a formula gets a leading `'` (OWASP's CSV-injection advice).
/// [`from_spreadsheet_safe`] undoes it exactly, so files round-trip.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if runs_as_formula(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The text [`spreadsheet_safe`] was given.
pub fn from_spreadsheet_safe(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if runs_as_formula(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_safe_text_round_trips_and_never_starts_a_formula() {
        for s in [
            "=1+1", "+x", "-2", "@SUM(A1)", "\tx", "'=x", "''=x", "'plain", "plain", "",
        ] {
            let safe = spreadsheet_safe(s);
            assert!(!safe.starts_with(FORMULA_START), "{safe:?}");
            assert_eq!(from_spreadsheet_safe(&safe), s, "{s:?}");
        }
        assert_eq!(spreadsheet_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(spreadsheet_safe("Alphabet Inc."), "Alphabet Inc.");
    }
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn billions_get_a_b_suffix_and_sensible_precision() {
        assert_eq!(usd(d("44203000000")), "$44.2B");
        assert_eq!(usd(d("148500000000")), "$148.5B");
        assert_eq!(usd(d("1234000000")), "$1.23B");
    }

    #[test]
    fn millions_get_an_m_suffix() {
        assert_eq!(usd(d("764000000")), "$764M");
        assert_eq!(usd(d("999499999")), "$999M");
    }

    #[test]
    fn negatives_are_shown_in_parentheses() {
        assert_eq!(usd(d("-1200000000")), "($1.20B)");
        assert_eq!(usd(d("-5000000")), "($5M)");
        assert_eq!(percent(-0.053), "(5.3%)");
    }

    #[test]
    fn missing_values_are_na_never_zero() {
        assert_eq!(usd_opt(None), "n/a");
        assert_eq!(percent(f64::NAN), "n/a");
        assert_eq!(multiple(f64::INFINITY), "n/a");
    }

    #[test]
    fn percentage_points_are_distinct_from_percentages() {
        assert_eq!(percentage_points(4.54), "+4.5 pp");
        assert_eq!(percentage_points(-3.0), "\u{2212}3.0 pp");
        assert_eq!(percent(0.1234), "12.3%");
    }
}
