//! What the analytics read: a company's stored facts, as the server loads them
//! from the database (methodology section 1).

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

/// Where a value comes from, as shown next to every number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub fact_id: i64,
    pub kind: ProvenanceKind,
    /// Human label, e.g. `10-Q 0001018724-26-000014, filed 2026-04-30`.
    pub label: String,
    pub url: Option<String>,
}

/// The kind of source behind a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceKind {
    /// Read in a filing.
    Filing,
    /// A formula on filed values (e.g. Q4 = FY − 9M), or a model projection.
    Derived,
    /// From an aggregator site rather than a filing.
    Secondary,
    /// Entered by an analyst with a source.
    Analyst,
}
