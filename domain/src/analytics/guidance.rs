//! Capex guidance against actuals (methodology section 8): a fiscal year's
//! guided range, the capex reported so far in that year, and the quarterly
//! run-rate the remaining quarters need to land inside the range.

use super::input::CompanyFacts;
use super::value::InputRef;
use crate::{FiscalPeriod, Metric};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One fiscal year's guidance and where the actuals stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuidanceYear {
    pub fiscal_year: i32,
    /// `FY26`.
    pub label: String,
    /// The current low and high ends, each with its source.
    pub low: InputRef,
    pub high: InputRef,
    /// Capex of the year's quarters reported so far, oldest first (a gap stops the sum).
    pub quarters: Vec<InputRef>,
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
}

/// Every fiscal year with both ends of a capex guidance range, latest first.
pub fn guidance_years(company: &CompanyFacts) -> Vec<GuidanceYear> {
    let current = |metric: Metric, period: FiscalPeriod| {
        company
            .facts
            .iter()
            .filter(|f| f.metric == metric && f.period == period)
            .max_by_key(|f| f.provenance.fact_id)
    };
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
        .filter_map(|fy| {
            let year = FiscalPeriod::year(fy).ok()?;
            let low = current(Metric::CapexGuidanceLow, year)?;
            let high = current(Metric::CapexGuidanceHigh, year)?;
            let mut quarters = Vec::new();
            for q in 1..=4 {
                match FiscalPeriod::quarter(fy, q)
                    .ok()
                    .and_then(|p| current(Metric::Capex, p))
                {
                    Some(f) => quarters.push(InputRef::from(f)),
                    None => break,
                }
            }
            let actual: Decimal = quarters.iter().map(|i| i.value).sum();
            let remaining = 4 - quarters.len();
            let needed_per_quarter = (remaining > 0).then(|| {
                let n = Decimal::from(remaining as i64);
                ((low.value - actual) / n, (high.value - actual) / n)
            });
            Some(GuidanceYear {
                fiscal_year: fy,
                label: year.label(),
                low: InputRef::from(low),
                high: InputRef::from(high),
                quarters,
                actual,
                needed_per_quarter,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixtures::{add, empty, millions};

    #[test]
    fn the_run_rate_needed_is_what_the_remaining_quarters_must_average_to_land_in_the_range() {
        // Arrange: Meta-like: $125–145B for FY2026, $30B and $32B spent in Q1 and Q2.
        let mut c = empty("G");
        let year = FiscalPeriod::year(2026).unwrap();
        for (metric, v) in [
            (Metric::CapexGuidanceLow, 125_000),
            (Metric::CapexGuidanceHigh, 145_000),
        ] {
            add(&mut c, metric, 2026, 1, millions(v));
            let f = c.facts.last_mut().unwrap();
            f.period = year;
        }
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
    }
}
