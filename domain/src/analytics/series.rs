//! Chart-ready series (methodology section 2): discrete quarters, TTM, fiscal
//! or calendar years, year-over-year growth, fiscal or calendar labels.

use super::book::{back, inputs_of, Book, Window};
use super::input::CompanyFacts;
use super::measure::Measure;
use super::value::{Amount, InputRef, Missing, Unit};
use crate::{CalendarQuarter, FiscalPeriod, Metric};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

/// Which values a series shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Discrete quarters. Ratios divide the quarter's flows; flows divided by a
    /// balance (asset turnover, RPO coverage) annualize the quarter (× 4).
    Quarterly,
    /// Trailing twelve months: the sum of the last four discrete quarters,
    /// existing only when all four exist. Balances show their period-end value.
    Ttm,
    /// Years: the four quarters of a fiscal year (fiscal alignment) or the four
    /// fiscal quarters aligned to a calendar year (calendar alignment), i.e.
    /// the TTM value at the year's last quarter.
    Annual,
}

/// How periods are labelled and ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alignment {
    /// The company's own fiscal periods: `FY26 Q3`.
    Fiscal,
    /// The calendar quarter containing each fiscal quarter's midpoint: `CY26 Q1`.
    /// The default when companies are compared.
    Calendar,
}

/// Whether a series shows levels or year-over-year growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Level,
    /// `X(t) / X(t−4) − 1` on the basis's values (TTM unless the basis is
    /// quarterly; year over year for annual). Not available from a zero or
    /// negative base.
    YearOverYear,
}

/// One point of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// `FY26 Q3`, `CY26 Q1`, `FY26` or `CY26`.
    pub label: String,
    /// The last fiscal quarter the value covers.
    pub fiscal_period: FiscalPeriod,
    /// The calendar quarter of `fiscal_period`.
    pub calendar_quarter: CalendarQuarter,
    /// End of `fiscal_period` (the nominal month end if no fact dates it).
    pub period_end: Date,
    /// For charts: dollars for amounts, a fraction for ratios. Always finite.
    pub value: Option<f64>,
    /// The exact value (amounts in dollars, ratios as exact decimals).
    pub exact: Option<Decimal>,
    /// Every stored fact the value was computed from.
    pub inputs: Vec<InputRef>,
    /// What is missing when `value` is `None`.
    pub missing: Vec<Missing>,
}

impl SeriesPoint {
    /// True when the value could be computed from complete inputs.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.value.is_some()
    }
}

/// A chart-ready series for one company and one measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub ticker: String,
    pub measure: Measure,
    pub label: String,
    /// `Unit::Ratio` for growth series.
    pub unit: Unit,
    pub basis: Basis,
    pub alignment: Alignment,
    pub change: Change,
    /// Oldest first, ordered by the alignment's quarter.
    pub points: Vec<SeriesPoint>,
}

/// A stored metric's TTM values alone: what [`series`] gives on the TTM basis
/// with fiscal alignment, point for point, without inputs, provenance or
/// labels. For screening many companies at once (the universe benchmark);
/// a chart or a table that shows where numbers come from uses [`series`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TtmValues {
    pub metric: Metric,
    /// The fiscal quarter of `values[0]`; `None` when the company has no fact of the metric.
    pub first: Option<FiscalPeriod>,
    /// One value per quarter from `first` to the last quarter with a fact;
    /// `None` where the TTM does not exist (a quarter missing) or a balance is missing.
    pub values: Vec<Option<Decimal>>,
}

impl TtmValues {
    /// The fiscal quarter of `values[i]`.
    pub fn period(&self, i: usize) -> Option<FiscalPeriod> {
        self.first
            .map(|p| super::book::ahead(p, u32::try_from(i).unwrap_or(u32::MAX)))
    }
}

/// The TTM values of several stored metrics of one company (the facts are
/// indexed once for all of them).
pub fn ttm_values(company: &CompanyFacts, metrics: &[Metric]) -> Vec<TtmValues> {
    let book = Book::new(company);
    metrics
        .iter()
        .map(|m| {
            let (first, values) = book.ttm_values(*m);
            TtmValues {
                metric: *m,
                first,
                values,
            }
        })
        .collect()
}

/// The series of `measure` for `company` on a basis and alignment (levels).
pub fn series(
    company: &CompanyFacts,
    measure: Measure,
    basis: Basis,
    alignment: Alignment,
) -> Series {
    build(company, measure, basis, alignment, Change::Level)
}

/// The year-over-year growth series of `measure`.
pub fn growth_series(
    company: &CompanyFacts,
    measure: Measure,
    basis: Basis,
    alignment: Alignment,
) -> Series {
    build(company, measure, basis, alignment, Change::YearOverYear)
}

/// One value: `measure` at fiscal `period` on `basis` (a full-year period, or
/// the annual basis, reads the fiscal year ending at that year's Q4).
pub fn point_at(
    company: &CompanyFacts,
    measure: Measure,
    period: FiscalPeriod,
    basis: Basis,
) -> SeriesPoint {
    one(company, measure, period, basis, Change::Level)
}

/// Growth of `measure` at `period` versus four quarters earlier, on `basis`
/// (periods are read as in [`point_at`]).
pub fn growth_at(
    company: &CompanyFacts,
    measure: Measure,
    period: FiscalPeriod,
    basis: Basis,
) -> SeriesPoint {
    one(company, measure, period, basis, Change::YearOverYear)
}

fn one(
    company: &CompanyFacts,
    measure: Measure,
    period: FiscalPeriod,
    basis: Basis,
    change: Change,
) -> SeriesPoint {
    let book = Book::new(company);
    let (p, basis) = if period.is_full_year() || basis == Basis::Annual {
        let q4 = FiscalPeriod {
            fiscal_year: period.fiscal_year,
            quarter: 4,
        };
        (q4, Basis::Annual)
    } else {
        (period, basis)
    };
    let v = value(&book, measure, p, basis, change);
    make_point(&book, p, basis, Alignment::Fiscal, v)
}

fn build(
    company: &CompanyFacts,
    measure: Measure,
    basis: Basis,
    alignment: Alignment,
    change: Change,
) -> Series {
    let book = Book::new(company);
    let span = book.span(&inputs_of(measure, company.nets_capex_proceeds));
    let mut points: Vec<(i32, SeriesPoint)> = span
        .into_iter()
        .filter(|p| basis != Basis::Annual || is_year_end(&book, *p, alignment))
        .map(|p| {
            let v = value(&book, measure, p, basis, change);
            let order = match alignment {
                Alignment::Fiscal => p.index(),
                Alignment::Calendar => book.calendar_quarter(p).index(),
            };
            (order, make_point(&book, p, basis, alignment, v))
        })
        .collect();
    points.sort_by_key(|(order, pt)| (*order, pt.fiscal_period.index()));
    Series {
        ticker: company.ticker.clone(),
        measure,
        label: measure.label().to_string(),
        unit: if change == Change::YearOverYear {
            Unit::Ratio
        } else {
            measure.unit()
        },
        basis,
        alignment,
        change,
        points: points.into_iter().map(|(_, p)| p).collect(),
    }
}

/// The measure's value at `p`; growth compares with four quarters earlier
/// (the previous year on the annual basis).
pub(crate) fn value(
    book: &Book,
    measure: Measure,
    p: FiscalPeriod,
    basis: Basis,
    change: Change,
) -> Amount {
    let w = match basis {
        Basis::Quarterly => Window::Quarter,
        Basis::Ttm | Basis::Annual => Window::Trailing,
    };
    let now = book.measure(measure, p, w);
    match change {
        Change::Level => now,
        Change::YearOverYear => {
            let before = book.measure(measure, back(p, 4), w);
            now.growth_over(before, &format!("{} a year earlier", measure.label()))
        }
    }
}

fn is_year_end(book: &Book, p: FiscalPeriod, alignment: Alignment) -> bool {
    match alignment {
        Alignment::Fiscal => p.quarter == 4,
        Alignment::Calendar => book.calendar_quarter(p).quarter == 4,
    }
}

fn make_point(
    book: &Book,
    p: FiscalPeriod,
    basis: Basis,
    alignment: Alignment,
    v: Amount,
) -> SeriesPoint {
    let cq = book.calendar_quarter(p);
    let label = match (alignment, basis) {
        (Alignment::Fiscal, Basis::Annual) => FiscalPeriod {
            fiscal_year: p.fiscal_year,
            quarter: 0,
        }
        .label(),
        (Alignment::Fiscal, _) => p.label(),
        (Alignment::Calendar, Basis::Annual) => format!("CY{:02}", cq.year.rem_euclid(100)),
        (Alignment::Calendar, _) => cq.label(),
    };
    SeriesPoint {
        label,
        fiscal_period: p,
        calendar_quarter: cq,
        period_end: book.quarter_dates(p).1,
        value: v.as_f64(),
        exact: v.value,
        inputs: v.inputs,
        missing: v.missing,
    }
}

/// A fiscal-labelled TTM point (for the headline and scenarios).
pub(crate) fn make_point_pub(book: &Book, p: FiscalPeriod, v: Amount) -> SeriesPoint {
    make_point(book, p, Basis::Ttm, Alignment::Fiscal, v)
}
