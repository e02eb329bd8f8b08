//! Capex guidance against actuals (methodology section 8): a fiscal year's
//! guided range as it moved (one revision per statement, dated), the capex
//! reported so far in that year, and the quarterly run-rate the remaining
//! quarters need to land inside the range.
//!
//! The range in force is the store's current value of each end (the latest
//! statement); its history comes from [`CompanyFacts::guidance_history`]. A
//! statement that moved one end only keeps the other end from the statement
//! before it.

use super::input::{CompanyFacts, KnownFact};
use super::value::InputRef;
use crate::{FiscalPeriod, Metric};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

/// The range as one statement left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuidanceRevision {
    /// The day the statement was made (the store's `known_at`).
    pub known_at: Date,
    pub low: InputRef,
    pub high: InputRef,
}

/// Where a fiscal year's capex stands against the range in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// All four quarters are reported: the year landed below, inside or above.
    LandedBelow,
    LandedInside,
    LandedAbove,
    /// The year to date is already above the top of the range.
    AlreadyAbove,
    /// Quarters remain and the year can still land inside the range.
    OnTheWay,
    /// A quarter of the year is missing, so the year to date is unknown.
    Unknown,
}

impl Standing {
    /// The name in markup and data: `landed-inside`.
    pub fn key(self) -> &'static str {
        match self {
            Standing::LandedBelow => "landed-below",
            Standing::LandedInside => "landed-inside",
            Standing::LandedAbove => "landed-above",
            Standing::AlreadyAbove => "already-above",
            Standing::OnTheWay => "on-the-way",
            Standing::Unknown => "unknown",
        }
    }

    /// A few words: `landed inside the range`.
    pub fn label(self) -> &'static str {
        match self {
            Standing::LandedBelow => "landed below the range",
            Standing::LandedInside => "landed inside the range",
            Standing::LandedAbove => "landed above the range",
            Standing::AlreadyAbove => "already above the range",
            Standing::OnTheWay => "on the way",
            Standing::Unknown => "a quarter is missing",
        }
    }
}

/// One fiscal year's guidance and where the actuals stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuidanceYear {
    pub fiscal_year: i32,
    /// `FY26`.
    pub label: String,
    /// The current low and high ends, each with its source.
    pub low: InputRef,
    pub high: InputRef,
    /// Every range as stated, oldest first; the last is the one in force.
    /// Empty when the history was not loaded (then only `low`–`high` is known).
    pub revisions: Vec<GuidanceRevision>,
    /// Capex of the year's quarters reported so far, oldest first (a gap stops the sum).
    pub quarters: Vec<InputRef>,
    /// Set when a quarter is missing while a later one of the same year is
    /// reported: the year to date cannot be summed past it.
    pub missing_quarter: Option<FiscalPeriod>,
    /// Their sum: the year's actual once all four are in, else the year to date.
    pub actual: Decimal,
    /// Per remaining quarter, what lands the year at the low and the high end
    /// (`None` once the year is complete or a quarter is missing).
    pub needed_per_quarter: Option<(Decimal, Decimal)>,
}

impl GuidanceYear {
    pub fn is_complete(&self) -> bool {
        self.quarters.len() == 4
    }

    /// The quarters still to report (0 once complete).
    pub fn remaining_quarters(&self) -> usize {
        4 - self.quarters.len()
    }

    /// The average capex per reported quarter so far (`None` before the first).
    pub fn run_rate_so_far(&self) -> Option<Decimal> {
        (!self.quarters.is_empty()).then(|| self.actual / Decimal::from(self.quarters.len() as i64))
    }

    /// Where the year stands, in words: the standing's label, with the count
    /// of quarters still to report while the year is on the way.
    pub fn standing_text(&self) -> String {
        match (self.standing(), self.remaining_quarters()) {
            (Standing::OnTheWay, 1) => "1 quarter remains".to_string(),
            (Standing::OnTheWay, n) => format!("{n} quarters remain"),
            (standing, _) => standing.label().to_string(),
        }
    }

    /// Where the year stands against the range in force.
    pub fn standing(&self) -> Standing {
        if self.missing_quarter.is_some() {
            Standing::Unknown
        } else if self.is_complete() {
            if self.actual < self.low.value {
                Standing::LandedBelow
            } else if self.actual > self.high.value {
                Standing::LandedAbove
            } else {
                Standing::LandedInside
            }
        } else if self.actual > self.high.value {
            Standing::AlreadyAbove
        } else {
            Standing::OnTheWay
        }
    }
}

/// Every fiscal year with both ends of a capex guidance range, latest first.
pub fn guidance_years(company: &CompanyFacts) -> Vec<GuidanceYear> {
    let mut years: Vec<i32> = company
        .facts
        .iter()
        .filter(|f| f.metric == Metric::CapexGuidanceLow && f.period.is_full_year())
        .map(|f| f.period.fiscal_year)
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    years
        .into_iter()
        .filter_map(|fy| guidance_year(company, fy))
        .collect()
}

/// The guidance of fiscal year `fy`, if both ends of its range are stored.
pub fn guidance_year(company: &CompanyFacts, fy: i32) -> Option<GuidanceYear> {
    let year = FiscalPeriod::year(fy).ok()?;
    let low = company.fact(Metric::CapexGuidanceLow, year)?;
    let high = company.fact(Metric::CapexGuidanceHigh, year)?;
    let mut quarters = Vec::new();
    let mut missing_quarter = None;
    for q in 1..=4 {
        let period = FiscalPeriod::quarter(fy, q).ok()?;
        match company.fact(Metric::Capex, period) {
            Some(f) if missing_quarter.is_none() => quarters.push(InputRef::from(f)),
            Some(_) => {}
            None => {
                if missing_quarter.is_none() {
                    missing_quarter = Some(period);
                }
            }
        }
    }
    // A gap only matters when a later quarter of the year is reported.
    let later_reported = missing_quarter.is_some_and(|gap| {
        (gap.quarter + 1..=4).any(|q| {
            FiscalPeriod::quarter(fy, q)
                .ok()
                .and_then(|p| company.fact(Metric::Capex, p))
                .is_some()
        })
    });
    let missing_quarter = missing_quarter.filter(|_| later_reported);
    let actual: Decimal = quarters.iter().map(|i| i.value).sum();
    let remaining = 4 - quarters.len();
    let needed_per_quarter = (remaining > 0 && missing_quarter.is_none()).then(|| {
        let n = Decimal::from(remaining as i64);
        ((low.value - actual) / n, (high.value - actual) / n)
    });
    Some(GuidanceYear {
        fiscal_year: fy,
        label: year.label(),
        low: InputRef::from(low),
        high: InputRef::from(high),
        revisions: revisions(&company.guidance_history, year),
        quarters,
        missing_quarter,
        actual,
        needed_per_quarter,
    })
}

/// The ranges stated for `year`, one per statement day, oldest first: at each
/// day the latest version of each end, the other end carried from before.
fn revisions(history: &[KnownFact], year: FiscalPeriod) -> Vec<GuidanceRevision> {
    let mut by_day: BTreeMap<Date, (Option<&KnownFact>, Option<&KnownFact>)> = BTreeMap::new();
    for k in history.iter().filter(|k| k.fact.period == year) {
        let slot = by_day.entry(k.known_at).or_default();
        let end = match k.fact.metric {
            Metric::CapexGuidanceLow => &mut slot.0,
            Metric::CapexGuidanceHigh => &mut slot.1,
            _ => continue,
        };
        if end.is_none_or(|e| e.fact.provenance.fact_id < k.fact.provenance.fact_id) {
            *end = Some(k);
        }
    }
    let mut out: Vec<GuidanceRevision> = Vec::new();
    let (mut low, mut high): (Option<InputRef>, Option<InputRef>) = (None, None);
    for (day, (l, h)) in by_day {
        if let Some(l) = l {
            low = Some(InputRef::from(&l.fact));
        }
        if let Some(h) = h {
            high = Some(InputRef::from(&h.fact));
        }
        if let (Some(low), Some(high)) = (&low, &high) {
            let revision = GuidanceRevision {
                known_at: day,
                low: low.clone(),
                high: high.clone(),
            };
            // A statement that repeats the range in force is no revision.
            match out.last() {
                Some(last) if last.low.value == low.value && last.high.value == high.value => {}
                _ => out.push(revision),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixtures::{add, empty, millions};
    use time::macros::date;

    fn guide(c: &mut CompanyFacts, fy: i32, known_at: Date, low: i64, high: i64) {
        let year = FiscalPeriod::year(fy).unwrap();
        for (metric, v) in [
            (Metric::CapexGuidanceLow, low),
            (Metric::CapexGuidanceHigh, high),
        ] {
            add(c, metric, fy, 1, millions(v));
            let f = c.facts.last_mut().unwrap();
            f.period = year;
            let fact = f.clone();
            c.guidance_history.push(KnownFact { known_at, fact });
        }
        // The store holds one current value per key: the latest statement.
        let latest: Vec<_> = c
            .facts
            .iter()
            .filter(|f| f.period == year)
            .map(|f| (f.metric, f.provenance.fact_id))
            .fold(BTreeMap::new(), |mut m, (metric, id)| {
                let e: &mut i64 = m.entry(metric.key()).or_default();
                *e = (*e).max(id);
                m
            })
            .into_values()
            .collect();
        c.facts
            .retain(|f| f.period != year || latest.contains(&f.provenance.fact_id));
    }

    #[test]
    fn the_run_rate_needed_is_what_the_remaining_quarters_must_average_to_land_in_the_range() {
        // Arrange: Meta-like: $125–145B for FY2026, $30B and $32B spent in Q1 and Q2.
        let mut c = empty("G");
        guide(&mut c, 2026, date!(2026 - 04 - 29), 125_000, 145_000);
        add(&mut c, Metric::Capex, 2026, 1, millions(30_000));
        add(&mut c, Metric::Capex, 2026, 2, millions(32_000));

        // Act
        let g = guidance_years(&c);

        // Assert: (125 − 62) / 2 = 31.5 and (145 − 62) / 2 = 41.5 a quarter.
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].actual, millions(62_000));
        assert!(!g[0].is_complete());
        assert_eq!(
            g[0].needed_per_quarter,
            Some((millions(31_500), millions(41_500)))
        );
        assert_eq!(g[0].run_rate_so_far(), Some(millions(31_000)));
        assert_eq!(g[0].standing(), Standing::OnTheWay);
        assert_eq!(g[0].standing_text(), "2 quarters remain");
    }

    #[test]
    fn each_statement_is_a_dated_revision_and_the_last_is_the_range_in_force() {
        // Arrange: $115–135B on 28 January, raised to $125–145B on 29 April,
        // then a statement that only narrows the top to $140B.
        let mut c = empty("G");
        guide(&mut c, 2026, date!(2026 - 01 - 28), 115_000, 135_000);
        guide(&mut c, 2026, date!(2026 - 04 - 29), 125_000, 145_000);
        add(
            &mut c,
            Metric::CapexGuidanceHigh,
            2026,
            1,
            millions(140_000),
        );
        let f = c.facts.last_mut().unwrap();
        f.period = FiscalPeriod::year(2026).unwrap();
        let fact = f.clone();
        c.guidance_history.push(KnownFact {
            known_at: date!(2026 - 07 - 29),
            fact,
        });
        c.facts
            .retain(|f| !(f.metric == Metric::CapexGuidanceHigh && f.value == millions(145_000)));

        // Act
        let g = guidance_year(&c, 2026).unwrap();

        // Assert
        let ranges: Vec<_> = g
            .revisions
            .iter()
            .map(|r| (r.known_at, r.low.value, r.high.value))
            .collect();
        assert_eq!(
            ranges,
            vec![
                (date!(2026 - 01 - 28), millions(115_000), millions(135_000)),
                (date!(2026 - 04 - 29), millions(125_000), millions(145_000)),
                (date!(2026 - 07 - 29), millions(125_000), millions(140_000)),
            ]
        );
        assert_eq!(
            (g.low.value, g.high.value),
            (millions(125_000), millions(140_000))
        );
    }

    #[test]
    fn a_complete_year_says_where_it_landed_and_needs_nothing_more() {
        // Arrange: $64–72B, four quarters summing to $69.7B.
        let mut c = empty("G");
        guide(&mut c, 2025, date!(2025 - 04 - 30), 64_000, 72_000);
        for (q, v) in [(1, 13_692), (2, 17_012), (3, 17_604), (4, 21_383)] {
            add(&mut c, Metric::Capex, 2025, q, millions(v));
        }

        // Act
        let g = guidance_year(&c, 2025).unwrap();

        // Assert
        assert_eq!(g.actual, millions(69_691));
        assert_eq!(g.needed_per_quarter, None);
        assert_eq!(g.standing(), Standing::LandedInside);
    }

    #[test]
    fn a_missing_quarter_before_a_reported_one_leaves_the_year_to_date_unknown() {
        // Arrange: Q1 and Q3 reported, Q2 missing.
        let mut c = empty("G");
        guide(&mut c, 2026, date!(2026 - 01 - 28), 100_000, 120_000);
        add(&mut c, Metric::Capex, 2026, 1, millions(25_000));
        add(&mut c, Metric::Capex, 2026, 3, millions(27_000));

        // Act
        let g = guidance_year(&c, 2026).unwrap();

        // Assert: no run-rate is computed over a gap.
        assert_eq!(g.missing_quarter, FiscalPeriod::quarter(2026, 2).ok());
        assert_eq!(g.needed_per_quarter, None);
        assert_eq!(g.standing(), Standing::Unknown);
    }

    #[test]
    fn a_year_to_date_past_the_top_is_already_above_the_range() {
        let mut c = empty("G");
        guide(&mut c, 2026, date!(2026 - 01 - 28), 40_000, 50_000);
        for q in 1..=3 {
            add(&mut c, Metric::Capex, 2026, q, millions(18_000));
        }
        let g = guidance_year(&c, 2026).unwrap();
        assert_eq!(g.standing(), Standing::AlreadyAbove);
        assert_eq!(
            g.needed_per_quarter,
            Some((millions(-14_000), millions(-4_000)))
        );
    }
}
