//! The computing core: a company's facts indexed by (metric, quarter), and every
//! measure evaluated at a quarter over a one-quarter or a trailing-four-quarter
//! window (methodology sections 2 and 3).

use super::input::{CompanyFacts, FactPoint};
use super::measure::{DerivedMetric, Measure};
use super::value::{Amount, Missing};
use crate::{CalendarQuarter, FiscalPeriod, Metric, MetricKind};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use time::{Date, Duration, Month};

/// The span of flows a value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    /// One discrete quarter.
    Quarter,
    /// The four quarters ending at the period (TTM).
    Trailing,
}

/// A company's facts, indexed for lookup.
///
/// Quarterly facts sit in a dense table, one row per metric and one column per
/// quarter from the company's first to its last quarter, so a lookup is an
/// index and building the book is one pass over the facts (no tree, no sort).
/// Full-year facts (guidance) are few and kept in a small map.
pub(crate) struct Book<'a> {
    pub(crate) company: &'a CompanyFacts,
    /// Quarter index of column 0.
    first: i32,
    /// Number of quarter columns.
    len: usize,
    /// `Metric::ALL.len()` rows of `len` columns.
    slots: Vec<Option<&'a FactPoint>>,
    /// Start (if any fact has one) and end of each quarter column.
    dates: Vec<Option<(Option<Date>, Date)>>,
    /// Facts and dates of full-year (and any other non-quarter) periods.
    years: BTreeMap<(Metric, FiscalPeriod), &'a FactPoint>,
    year_dates: BTreeMap<FiscalPeriod, (Option<Date>, Date)>,
}

const METRIC_COUNT: usize = Metric::ALL.len();

fn is_quarter(p: FiscalPeriod) -> bool {
    (1..=4).contains(&p.quarter)
}

/// Keeps the later version (larger fact id) of a key.
fn keep_latest<'a>(slot: &mut Option<&'a FactPoint>, f: &'a FactPoint) {
    match slot {
        Some(old) if old.provenance.fact_id >= f.provenance.fact_id => {}
        _ => *slot = Some(f),
    }
}

/// Records a period's dates: the first fact's, with a start filled in later if missing.
fn note_dates(d: &mut Option<(Option<Date>, Date)>, f: &FactPoint) {
    match d {
        None => *d = Some((f.period_start, f.period_end)),
        Some((start, _)) if start.is_none() && f.period_start.is_some() => {
            *start = f.period_start;
        }
        Some(_) => {}
    }
}

impl<'a> Book<'a> {
    pub(crate) fn new(company: &'a CompanyFacts) -> Self {
        let mut lo = i32::MAX;
        let mut hi = i32::MIN;
        for f in company.facts.iter().filter(|f| is_quarter(f.period)) {
            let i = f.period.index();
            lo = lo.min(i);
            hi = hi.max(i);
        }
        let (first, len) = if lo <= hi {
            (lo, (hi - lo) as usize + 1)
        } else {
            (0, 0)
        };
        let mut book = Self {
            company,
            first,
            len,
            slots: vec![None; METRIC_COUNT * len],
            dates: vec![None; len],
            years: BTreeMap::new(),
            year_dates: BTreeMap::new(),
        };
        for f in &company.facts {
            if is_quarter(f.period) {
                let col = (f.period.index() - first) as usize;
                keep_latest(&mut book.slots[f.metric as usize * len + col], f);
                note_dates(&mut book.dates[col], f);
            } else {
                let mut slot = book.years.get(&(f.metric, f.period)).copied();
                keep_latest(&mut slot, f);
                if let Some(kept) = slot {
                    book.years.insert((f.metric, f.period), kept);
                }
                let mut d = book.year_dates.get(&f.period).copied();
                note_dates(&mut d, f);
                if let Some(d) = d {
                    book.year_dates.insert(f.period, d);
                }
            }
        }
        book
    }

    /// The column of a quarter, when it is within the company's quarters.
    fn column(&self, period: FiscalPeriod) -> Option<usize> {
        if !is_quarter(period) {
            return None;
        }
        let col = period.index().checked_sub(self.first)?;
        usize::try_from(col).ok().filter(|c| *c < self.len)
    }

    /// The stored fact of a key, if any (the latest version).
    pub(crate) fn get(&self, metric: Metric, period: FiscalPeriod) -> Option<&'a FactPoint> {
        match self.column(period) {
            Some(col) => self.slots[metric as usize * self.len + col],
            None if is_quarter(period) => None,
            None => self.years.get(&(metric, period)).copied(),
        }
    }

    /// The stored fact, or a gap naming it.
    pub(crate) fn fact(&self, metric: Metric, period: FiscalPeriod) -> Amount {
        match self.get(metric, period) {
            Some(f) => Amount::from_fact(f),
            None => Amount::missing(Missing::Fact { metric, period }),
        }
    }

    pub(crate) fn has(&self, metric: Metric, period: FiscalPeriod) -> bool {
        self.get(metric, period).is_some()
    }

    /// Quarters (not full years) with a fact of any of `metrics`, oldest first.
    pub(crate) fn quarters_with(&self, metrics: &[Metric]) -> Vec<FiscalPeriod> {
        (0..self.len)
            .filter(|col| {
                metrics
                    .iter()
                    .any(|m| self.slots[*m as usize * self.len + col].is_some())
            })
            .map(|col| from_index(self.first + col as i32))
            .collect()
    }

    /// Every quarter from the first to the last quarter with a fact of
    /// `metrics`, gaps included (a gap shows as a missing value, never filled).
    pub(crate) fn span(&self, metrics: &[Metric]) -> Vec<FiscalPeriod> {
        let q = self.quarters_with(metrics);
        match (q.first(), q.last()) {
            (Some(first), Some(last)) => quarters_between(*first, *last),
            _ => Vec::new(),
        }
    }

    /// The TTM values of a stored metric at every quarter from its first to its
    /// last fact: for a flow the sum of the four quarters ending there (summed
    /// oldest first from zero, exactly as [`Amount::sum`] does, so the numbers
    /// are identical), `None` unless all four exist; for a balance or a
    /// disclosure its value. No inputs are collected.
    pub(crate) fn ttm_values(
        &self,
        metric: Metric,
    ) -> (Option<FiscalPeriod>, Vec<Option<Decimal>>) {
        let row = &self.slots[metric as usize * self.len..(metric as usize + 1) * self.len];
        let (Some(lo), Some(hi)) = (
            row.iter().position(Option::is_some),
            row.iter().rposition(Option::is_some),
        ) else {
            return (None, Vec::new());
        };
        let value = |col: usize| row[col].map(|f| f.value);
        let values = if metric.kind() == MetricKind::Flow {
            (lo..=hi)
                .map(|col| {
                    if col < 3 {
                        return None;
                    }
                    (col - 3..=col).try_fold(Decimal::ZERO, |acc, c| acc.checked_add(value(c)?))
                })
                .collect()
        } else {
            (lo..=hi).map(value).collect()
        };
        (Some(from_index(self.first + lo as i32)), values)
    }

    /// The dates facts give for a period, if any.
    fn known_dates(&self, period: FiscalPeriod) -> Option<(Option<Date>, Date)> {
        match self.column(period) {
            Some(col) => self.dates[col],
            None => self.year_dates.get(&period).copied(),
        }
    }

    /// Start and end of a fiscal quarter: from its facts where there are any,
    /// else the nominal month ends implied by the fiscal year end month.
    pub(crate) fn quarter_dates(&self, period: FiscalPeriod) -> (Date, Date) {
        let (start, end) = self.known_dates(period).unwrap_or_else(|| {
            let (s, e) = nominal_dates(period, self.company.fiscal_year_end_month);
            (Some(s), e)
        });
        let start = start.unwrap_or_else(|| end.checked_sub(Duration::days(90)).unwrap_or(end));
        (start, end)
    }

    /// The calendar quarter a fiscal quarter belongs to (its midpoint's quarter).
    pub(crate) fn calendar_quarter(&self, period: FiscalPeriod) -> CalendarQuarter {
        let (start, end) = self.quarter_dates(period);
        if start > end {
            return CalendarQuarter::containing(end);
        }
        CalendarQuarter::containing_midpoint(start, end)
    }

    // ----- values -------------------------------------------------------

    /// Free cash flow of one quarter: OCF − capex + proceeds (proceeds only for
    /// companies that net them; for them a missing proceeds fact is a gap).
    fn fcf_quarter(&self, p: FiscalPeriod) -> Amount {
        let proceeds = if self.company.nets_capex_proceeds {
            self.fact(Metric::CapexProceeds, p)
        } else {
            Amount::constant(Decimal::ZERO)
        };
        self.fact(Metric::OperatingCashFlow, p)
            .minus(self.fact(Metric::Capex, p))
            .plus(proceeds)
    }

    /// One discrete quarter of a flow-like measure.
    fn flow_quarter(&self, m: Measure, p: FiscalPeriod) -> Amount {
        match m {
            Measure::Derived(DerivedMetric::Fcf) => self.fcf_quarter(p),
            Measure::Derived(DerivedMetric::FcfAfterLeases) => self
                .fcf_quarter(p)
                .minus(self.fact(Metric::FinanceLeasePrincipal, p)),
            Measure::Stored(metric) => self.fact(metric, p),
            Measure::Derived(_) => Amount::missing(Missing::Unavailable {
                what: format!("{} is not a flow", m.key()),
            }),
        }
    }

    /// A flow-like measure over a window: one quarter, or the sum of four
    /// (TTM exists only when all four quarters exist).
    pub(crate) fn flow(&self, m: Measure, p: FiscalPeriod, w: Window) -> Amount {
        match w {
            Window::Quarter => self.flow_quarter(m, p),
            Window::Trailing => {
                Amount::sum(trailing(p, 4).into_iter().map(|q| self.flow_quarter(m, q)))
            }
        }
    }

    fn stored_flow(&self, metric: Metric, p: FiscalPeriod, w: Window) -> Amount {
        self.flow(Measure::Stored(metric), p, w)
    }

    /// Average of a balance (net or gross PP&E): the period-end values four quarters apart.
    pub(crate) fn average_balance(&self, balance: Metric, p: FiscalPeriod) -> Amount {
        let a = self.fact(balance, p);
        let b = self.fact(balance, back(p, 4));
        a.plus(b).scaled(Decimal::new(5, 1))
    }

    /// Asset turnover: a revenue flow (per year) over an average PP&E balance.
    /// The one formula behind both stored turnover measures and the
    /// scorecard's gross-PP&E fallback.
    pub(crate) fn turnover(
        &self,
        revenue: Metric,
        balance: Metric,
        p: FiscalPeriod,
        w: Window,
    ) -> Amount {
        let what = if balance == Metric::PpeGross {
            "average gross PP&E"
        } else {
            "average net PP&E"
        };
        self.annualized(revenue, p, w)
            .ratio(self.average_balance(balance, p), what)
    }

    /// Flows divided by a balance are per year: a single quarter is annualized (× 4).
    fn annualized(&self, metric: Metric, p: FiscalPeriod, w: Window) -> Amount {
        let v = self.stored_flow(metric, p, w);
        match w {
            Window::Quarter => v.scaled(Decimal::from(4)),
            Window::Trailing => v,
        }
    }

    /// Any measure at a quarter over a window. Instants and disclosures are the
    /// period-end value whatever the window. Ratios are exact decimals here.
    pub(crate) fn measure(&self, m: Measure, p: FiscalPeriod, w: Window) -> Amount {
        use DerivedMetric as D;
        let ttm = |metric| self.stored_flow(metric, p, w);
        let fcf = || self.flow(Measure::Derived(D::Fcf), p, w);
        match m {
            Measure::Stored(metric) if metric.kind() != MetricKind::Flow => self.fact(metric, p),
            Measure::Stored(_) | Measure::Derived(D::Fcf | D::FcfAfterLeases) => self.flow(m, p, w),
            Measure::Derived(D::CashConversion) => {
                fcf().ratio(ttm(Metric::NetIncome), "net income")
            }
            Measure::Derived(D::OcfConversion) => {
                ttm(Metric::OperatingCashFlow).ratio(ttm(Metric::NetIncome), "net income")
            }
            Measure::Derived(D::FcfMargin) => fcf().ratio(ttm(Metric::Revenue), "revenue"),
            Measure::Derived(D::CapexIntensity) => {
                ttm(Metric::Capex).ratio(ttm(Metric::Revenue), "revenue")
            }
            Measure::Derived(D::CapexToDepreciation) => ttm(Metric::Capex).ratio(
                ttm(Metric::DepreciationAmortization),
                "depreciation and amortization",
            ),
            Measure::Derived(D::DepreciationBurden) => {
                ttm(Metric::DepreciationAmortization).ratio(ttm(Metric::Revenue), "revenue")
            }
            Measure::Derived(D::AssetTurnover) => {
                self.turnover(Metric::Revenue, Metric::PpeNet, p, w)
            }
            Measure::Derived(D::CloudAssetTurnover) => {
                self.turnover(Metric::CloudRevenue, Metric::PpeNet, p, w)
            }
            Measure::Derived(D::RpoCoverage) => self
                .fact(Metric::Rpo, p)
                .ratio(self.annualized(Metric::Revenue, p, w), "revenue"),
        }
    }
}

/// The stored metrics a measure is computed from (for a company that does or
/// does not net capex proceeds).
pub(crate) fn inputs_of(m: Measure, nets_proceeds: bool) -> Vec<Metric> {
    use DerivedMetric as D;
    use Metric as M;
    let fcf = {
        let mut v = vec![M::OperatingCashFlow, M::Capex];
        if nets_proceeds {
            v.push(M::CapexProceeds);
        }
        v
    };
    let with = |mut base: Vec<Metric>, more: &[Metric]| {
        base.extend_from_slice(more);
        base
    };
    match m {
        Measure::Stored(metric) => vec![metric],
        Measure::Derived(d) => match d {
            D::Fcf => fcf,
            D::FcfAfterLeases => with(fcf, &[M::FinanceLeasePrincipal]),
            D::CashConversion => with(fcf, &[M::NetIncome]),
            D::OcfConversion => vec![M::OperatingCashFlow, M::NetIncome],
            D::FcfMargin => with(fcf, &[M::Revenue]),
            D::CapexIntensity => vec![M::Capex, M::Revenue],
            D::CapexToDepreciation => vec![M::Capex, M::DepreciationAmortization],
            D::DepreciationBurden => vec![M::DepreciationAmortization, M::Revenue],
            D::AssetTurnover => vec![M::Revenue, M::PpeNet],
            D::CloudAssetTurnover => vec![M::CloudRevenue, M::PpeNet],
            D::RpoCoverage => vec![M::Rpo, M::Revenue],
        },
    }
}

/// The quarter `n` quarters before `p`.
pub(crate) fn back(p: FiscalPeriod, n: u32) -> FiscalPeriod {
    from_index(p.index() - n as i32)
}

/// The quarter `n` quarters after `p`.
pub(crate) fn ahead(p: FiscalPeriod, n: u32) -> FiscalPeriod {
    from_index(p.index() + n as i32)
}

/// The inverse of [`FiscalPeriod::index`] for quarters.
pub(crate) fn from_index(i: i32) -> FiscalPeriod {
    FiscalPeriod {
        fiscal_year: i.div_euclid(4),
        quarter: (i.rem_euclid(4) + 1) as u8,
    }
}

/// The `n` quarters ending at `p`, oldest first.
pub(crate) fn trailing(p: FiscalPeriod, n: u32) -> Vec<FiscalPeriod> {
    (0..n).rev().map(|k| back(p, k)).collect()
}

/// Every quarter from `first` to `last`, inclusive.
pub(crate) fn quarters_between(first: FiscalPeriod, last: FiscalPeriod) -> Vec<FiscalPeriod> {
    (first.index()..=last.index()).map(from_index).collect()
}

/// Nominal start and end of a fiscal quarter: fiscal year `Y` ends in month
/// `M` of calendar year `Y`; quarter `q` ends `3 × (4 − q)` months earlier.
fn nominal_dates(p: FiscalPeriod, year_end_month: u8) -> (Date, Date) {
    let m = if (1..=12).contains(&year_end_month) {
        i32::from(year_end_month)
    } else {
        12
    };
    let q = i32::from(p.quarter.clamp(1, 4));
    let end_month = p.fiscal_year * 12 + (m - 1) - 3 * (4 - q);
    let end = month_end(end_month).unwrap_or(Date::MIN);
    let start = month_end(end_month - 3)
        .and_then(Date::next_day)
        .unwrap_or(end);
    (start, end)
}

/// Last day of the month with running index `year * 12 + (month − 1)`.
fn month_end(month_index: i32) -> Option<Date> {
    let year = month_index.div_euclid(12);
    let month = Month::try_from((month_index.rem_euclid(12) + 1) as u8).ok()?;
    let day = month.length(year);
    Date::from_calendar_date(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn nominal_dates_follow_the_fiscal_year_end() {
        // Microsoft's year ends in June: FY26 Q3 ends March 31, 2026.
        let (s, e) = nominal_dates(
            FiscalPeriod {
                fiscal_year: 2026,
                quarter: 3,
            },
            6,
        );
        assert_eq!((s, e), (date!(2026 - 01 - 01), date!(2026 - 03 - 31)));
        // Oracle's year ends in May: FY27 Q1 ends August 31, 2026.
        let (_, e) = nominal_dates(
            FiscalPeriod {
                fiscal_year: 2027,
                quarter: 1,
            },
            5,
        );
        assert_eq!(e, date!(2026 - 08 - 31));
    }

    #[test]
    fn quarter_indices_round_trip() {
        let p = FiscalPeriod {
            fiscal_year: 2026,
            quarter: 1,
        };
        assert_eq!(from_index(p.index()), p);
        assert_eq!(
            back(p, 4),
            FiscalPeriod {
                fiscal_year: 2025,
                quarter: 1
            }
        );
        assert_eq!(
            ahead(p, 3),
            FiscalPeriod {
                fiscal_year: 2026,
                quarter: 4
            }
        );
        assert_eq!(
            trailing(p, 2),
            vec![
                FiscalPeriod {
                    fiscal_year: 2025,
                    quarter: 4
                },
                p
            ]
        );
    }
}
