//! Server functions: the public endpoints the pages call. Each lives beside
//! the server-only code (`mod ssr`) that backs it.

pub mod audit;
pub mod auth;
pub mod bulk;
pub mod chart;
pub mod codec;
pub mod cohort;
pub mod company;
pub mod coverage;
pub mod entry;
pub mod history;
pub mod methodology;
pub mod overview;
pub mod short_link;
pub mod sync;
pub mod users;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A stored number as a page shows it: the value, where it came from, and
/// the end of the period it covers. The one shape every table cell renders
/// ([`crate::components::FigureCell`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactCell {
    pub value: Decimal,
    pub provenance: domain::Provenance,
    pub period_end: time::Date,
}

impl From<&domain::analytics::FactPoint> for FactCell {
    fn from(f: &domain::analytics::FactPoint) -> Self {
        Self {
            value: f.value,
            provenance: f.provenance.clone(),
            period_end: f.period_end,
        }
    }
}

/// A value computed from stored figures, or the reason it is not available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Computed {
    Value { value: Decimal, formula: String },
    Missing { reason: String },
}
