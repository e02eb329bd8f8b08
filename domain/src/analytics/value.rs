//! Values that remember where they came from: every derived number carries the
//! facts it was computed from and, when it cannot be computed, what is missing.

use super::input::FactPoint;
use crate::Provenance;
use crate::{FiscalPeriod, Metric};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

/// A stored fact used as an input to a derived value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRef {
    pub metric: Metric,
    pub period: FiscalPeriod,
    pub period_end: Date,
    pub value: Decimal,
    pub provenance: Provenance,
}

impl From<&FactPoint> for InputRef {
    fn from(f: &FactPoint) -> Self {
        Self {
            metric: f.metric,
            period: f.period,
            period_end: f.period_end,
            value: f.value,
            provenance: f.provenance.clone(),
        }
    }
}

/// Why a value is not available.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    /// A fact the formula needs is not in the data.
    Fact {
        metric: Metric,
        period: FiscalPeriod,
    },
    /// The denominator of a ratio is zero: the ratio is not available.
    ZeroDenominator { denominator: String },
    /// Growth from a zero or negative base has no meaning.
    NonPositiveBase { base: String },
    /// The arithmetic left the range of exact decimals.
    Overflow { what: String },
    /// A model input or assumption that cannot be formed from the data.
    Unavailable { what: String },
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Fact { metric, period } => {
                write!(f, "{} for {}", metric.key(), period.label())
            }
            Missing::ZeroDenominator { denominator } => write!(f, "{denominator} is zero"),
            Missing::NonPositiveBase { base } => {
                write!(f, "{base} is zero or negative, so growth is not meaningful")
            }
            Missing::Overflow { what } => write!(f, "{what} is too large to compute exactly"),
            Missing::Unavailable { what } => f.write_str(what),
        }
    }
}

/// How a number is read: dollars, a ratio shown as a percentage, a multiple or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Usd,
    /// A fraction shown as a percentage (0.12 = 12%).
    Ratio,
    /// A multiple (1.8×).
    Multiple,
    /// Years (of revenue).
    Years,
    /// Percentage points (already multiplied by 100).
    PercentagePoints,
    /// Percent (already multiplied by 100).
    Percent,
}

impl Unit {
    /// The name used in exports and JSON (`usd`, `ratio`, `multiple`, …).
    pub fn key(self) -> &'static str {
        match self {
            Unit::Usd => "usd",
            Unit::Ratio => "ratio",
            Unit::Multiple => "multiple",
            Unit::Years => "years",
            Unit::PercentagePoints => "percentage_points",
            Unit::Percent => "percent",
        }
    }
}

/// A value with its inputs. `value` is `Some` exactly when `missing` is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived<T> {
    pub value: Option<T>,
    pub inputs: Vec<InputRef>,
    pub missing: Vec<Missing>,
}

/// An exact amount (or exact ratio) with its inputs.
pub type Amount = Derived<Decimal>;

impl<T> Derived<T> {
    /// True when every input was present.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// Human list of what is missing, e.g. `capex_proceeds for FY25 Q3; …`.
    pub fn missing_text(&self) -> String {
        self.missing
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Amount {
    /// A constant that needs no input (e.g. proceeds counted as zero).
    pub(crate) fn constant(value: Decimal) -> Self {
        Self {
            value: Some(value),
            inputs: Vec::new(),
            missing: Vec::new(),
        }
    }

    pub(crate) fn from_fact(f: &FactPoint) -> Self {
        Self {
            value: Some(f.value),
            inputs: vec![InputRef::from(f)],
            missing: Vec::new(),
        }
    }

    pub(crate) fn missing(reason: Missing) -> Self {
        Self {
            value: None,
            inputs: Vec::new(),
            missing: vec![reason],
        }
    }

    /// Merges the inputs and gaps of two values and applies `f` when both are known.
    fn combine(
        mut self,
        other: Amount,
        f: impl FnOnce(Decimal, Decimal) -> Result<Decimal, Missing>,
    ) -> Amount {
        merge_inputs(&mut self.inputs, other.inputs);
        merge_missing(&mut self.missing, other.missing);
        self.value = match (self.value, other.value) {
            (Some(a), Some(b)) if self.missing.is_empty() => match f(a, b) {
                Ok(v) => Some(v),
                Err(m) => {
                    self.missing.push(m);
                    None
                }
            },
            _ => None,
        };
        self
    }

    pub(crate) fn plus(self, other: Amount) -> Amount {
        self.combine(other, |a, b| {
            a.checked_add(b).ok_or_else(|| overflow("a sum"))
        })
    }

    pub(crate) fn minus(self, other: Amount) -> Amount {
        self.combine(other, |a, b| {
            a.checked_sub(b).ok_or_else(|| overflow("a difference"))
        })
    }

    /// Multiplies by an exact constant (e.g. 4 to annualize a quarter, ½ for an average).
    pub(crate) fn scaled(self, factor: Decimal) -> Amount {
        self.combine(Amount::constant(factor), |a, b| {
            a.checked_mul(b).ok_or_else(|| overflow("a product"))
        })
    }

    /// The sum of all parts; complete only if every part is.
    pub(crate) fn sum(parts: impl IntoIterator<Item = Amount>) -> Amount {
        parts
            .into_iter()
            .fold(Amount::constant(Decimal::ZERO), Amount::plus)
    }

    /// `self / den`; not available when the denominator is zero.
    pub(crate) fn ratio(self, den: Amount, den_name: &str) -> Amount {
        self.combine(den, |a, b| {
            if b.is_zero() {
                Err(Missing::ZeroDenominator {
                    denominator: den_name.to_string(),
                })
            } else {
                a.checked_div(b).ok_or_else(|| overflow("a ratio"))
            }
        })
    }

    /// `self / base − 1`; not available when the base is zero or negative.
    pub(crate) fn growth_over(self, base: Amount, base_name: &str) -> Amount {
        self.combine(base, |a, b| {
            if b <= Decimal::ZERO {
                return Err(Missing::NonPositiveBase {
                    base: base_name.to_string(),
                });
            }
            a.checked_div(b)
                .and_then(|r| r.checked_sub(Decimal::ONE))
                .ok_or_else(|| overflow("a growth rate"))
        })
    }

    /// The value as a float: always finite (a `Decimal` cannot hold NaN or infinity).
    pub fn as_f64(&self) -> Option<f64> {
        self.value.and_then(|v| finite(v.to_f64()))
    }

    /// The same value with a float (finite) instead of an exact decimal.
    pub fn to_f64(&self) -> Derived<f64> {
        Derived {
            value: self.as_f64(),
            inputs: self.inputs.clone(),
            missing: self.missing.clone(),
        }
    }
}

fn overflow(what: &str) -> Missing {
    Missing::Overflow {
        what: what.to_string(),
    }
}

/// Keeps only finite floats: the one gate every float passes before it leaves the module.
pub(crate) fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// An `f64` as an exact decimal, `None` for NaN, infinity or out-of-range values.
pub(crate) fn decimal_from_f64(x: f64) -> Option<Decimal> {
    if x.is_finite() {
        Decimal::from_f64(x)
    } else {
        None
    }
}

pub(crate) fn merge_inputs(into: &mut Vec<InputRef>, more: Vec<InputRef>) {
    for i in more {
        let dup = into.iter().any(|j| {
            j.metric == i.metric
                && j.period == i.period
                && j.provenance.fact_id == i.provenance.fact_id
        });
        if !dup {
            into.push(i);
        }
    }
}

pub(crate) fn merge_missing(into: &mut Vec<Missing>, more: Vec<Missing>) {
    for m in more {
        if !into.contains(&m) {
            into.push(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(v: i64) -> Amount {
        Amount::constant(Decimal::from(v))
    }

    #[test]
    fn a_units_export_name_is_its_serde_name() {
        for unit in [
            Unit::Usd,
            Unit::Ratio,
            Unit::Multiple,
            Unit::Years,
            Unit::PercentagePoints,
            Unit::Percent,
        ] {
            assert_eq!(
                serde_json::to_string(&unit).unwrap(),
                format!("\"{}\"", unit.key())
            );
        }
    }

    #[test]
    fn a_zero_denominator_gives_no_ratio_and_says_why() {
        // Arrange / Act
        let r = amount(5).ratio(amount(0), "TTM revenue");

        // Assert
        assert_eq!(r.value, None);
        assert_eq!(r.missing_text(), "TTM revenue is zero");
    }

    #[test]
    fn growth_from_a_negative_base_is_not_available() {
        let g = amount(5).growth_over(amount(-2), "TTM FCF a year earlier");
        assert_eq!(g.value, None);
        assert!(matches!(g.missing[0], Missing::NonPositiveBase { .. }));
    }

    #[test]
    fn a_sum_with_a_missing_part_is_incomplete_and_names_the_part() {
        let gap = Missing::Fact {
            metric: Metric::Capex,
            period: FiscalPeriod {
                fiscal_year: 2025,
                quarter: 3,
            },
        };
        let s = Amount::sum([amount(1), Amount::missing(gap.clone()), amount(2)]);
        assert_eq!(s.value, None);
        assert_eq!(s.missing, vec![gap]);
        assert_eq!(s.missing_text(), "capex for FY25 Q3");
    }

    #[test]
    fn overflowing_sums_are_reported_not_panicking() {
        let s = Amount::constant(Decimal::MAX).plus(Amount::constant(Decimal::MAX));
        assert_eq!(s.value, None);
        assert!(matches!(s.missing[0], Missing::Overflow { .. }));
    }
}
