//! Server functions: the public endpoints the pages call. Each lives beside
//! the server-only code (`mod ssr`) that backs it.

pub mod audit;
pub mod auth;
pub mod bulk;
pub mod chart;
pub mod codec;
pub mod company;
pub mod coverage;
pub mod entry;
pub mod history;
pub mod methodology;
pub mod overview;
pub mod users;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A stored number with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: Decimal,
    pub source: SourceRef,
}

/// Provenance as shown on hover and as a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// `filing`, `derived`, `secondary` or `analyst`.
    pub kind: String,
    /// One line: "10-Q 0001018724-26-000014, filed 2026-04-30".
    pub label: String,
    pub url: Option<String>,
}

/// A value computed from stored figures, or the reason it is not available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Computed {
    Value { value: Decimal, formula: String },
    Missing { reason: String },
}
