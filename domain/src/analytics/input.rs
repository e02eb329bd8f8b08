//! What the analytics read: a company's stored facts, as the server loads them
//! from the database (methodology section 1).

use crate::provenance::Provenance;
use crate::{FiscalPeriod, Metric};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

/// Everything the analytics need to know about one company.
///
/// Flows arrive as discrete quarters (the importer derives Q4 = FY − 9M and so
/// on). If two facts share a metric and a period, the one with the larger
/// `provenance.fact_id` (the later version) is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyFacts {
    pub ticker: String,
    /// Month (1–12) in which the fiscal year ends: 12 for Amazon, 6 for
    /// Microsoft, 5 for Oracle, 1 for Nvidia. Used only to date quarters for
    /// which no fact exists; an out-of-range value is read as 12.
    pub fiscal_year_end_month: u8,
    /// True for companies such as Amazon whose free cash flow adds back
    /// `capex_proceeds`: their FCF needs it. For the others it counts as zero.
    pub nets_capex_proceeds: bool,
    pub facts: Vec<FactPoint>,
    /// Every stated capex guidance value with the day it became known, the
    /// ones in force included, oldest first: how a range moved (methodology
    /// section 8). A correction of one statement keeps its day; a new
    /// statement has a later one. Empty where none is stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guidance_history: Vec<KnownFact>,
}

impl CompanyFacts {
    /// The latest fiscal quarter with revenue, capex or operating cash flow:
    /// the quarter the pages lead with ("latest quarter" has this one
    /// meaning everywhere). `None` without quarterly figures.
    pub fn latest_quarter(&self) -> Option<FiscalPeriod> {
        self.facts
            .iter()
            .filter(|f| !f.period.is_full_year())
            .filter(|f| {
                matches!(
                    f.metric,
                    Metric::Revenue | Metric::Capex | Metric::OperatingCashFlow
                )
            })
            .map(|f| f.period)
            .max()
    }

    /// The stored fact for `metric` at `period`, if any.
    pub fn fact(&self, metric: Metric, period: FiscalPeriod) -> Option<&FactPoint> {
        self.facts
            .iter()
            .filter(|f| f.metric == metric && f.period == period)
            .max_by_key(|f| f.provenance.fact_id)
    }
}

/// One stored value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactPoint {
    pub metric: Metric,
    /// Quarter 1–4, or quarter 0 for a full fiscal year (guidance).
    pub period: FiscalPeriod,
    /// Start of the period for flows; `None` for instants.
    pub period_start: Option<Date>,
    pub period_end: Date,
    pub value: Decimal,
    pub provenance: Provenance,
}

/// A stored value and the day it became known (the bitemporal store's
/// `known_at`): one statement in a value's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownFact {
    pub known_at: Date,
    pub fact: FactPoint,
}
