//! The stored metrics (methodology section 1).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a metric covers a period (a flow), is a balance at period end (an
/// instant) or is a statement an analyst enters with a source (a disclosure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Flow,
    Instant,
    Disclosure,
}

impl MetricKind {
    /// The name the database (`metric_kind`) and JSON use.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Flow => "flow",
            MetricKind::Instant => "instant",
            MetricKind::Disclosure => "disclosure",
        }
    }
}

macro_rules! metrics {
    ($( $variant:ident => $key:literal, $kind:ident, $label:literal; )*) => {
        /// A stored metric. The snake_case key is what the database, CSV files and URLs use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Metric { $( $variant, )* }

        impl Metric {
            pub const ALL: &'static [Metric] = &[ $( Metric::$variant, )* ];

            pub fn key(self) -> &'static str {
                match self { $( Metric::$variant => $key, )* }
            }
            pub fn kind(self) -> MetricKind {
                match self { $( Metric::$variant => MetricKind::$kind, )* }
            }
            /// Human label, as shown in tables and charts.
            pub fn label(self) -> &'static str {
                match self { $( Metric::$variant => $label, )* }
            }
            pub fn parse(raw: &str) -> Result<Self, ParseMetricError> {
                match raw.trim() {
                    $( $key => Ok(Metric::$variant), )*
                    other => Err(ParseMetricError(other.to_string())),
                }
            }
        }
    };
}

metrics! {
    Revenue => "revenue", Flow, "Revenue";
    CostOfRevenue => "cost_of_revenue", Flow, "Cost of revenue";
    OperatingIncome => "operating_income", Flow, "Operating income";
    NetIncome => "net_income", Flow, "Net income";
    OperatingCashFlow => "operating_cash_flow", Flow, "Operating cash flow";
    Capex => "capex", Flow, "Capex (purchases of property and equipment)";
    CapexProceeds => "capex_proceeds", Flow, "Proceeds from property and equipment sales and incentives";
    FinanceLeasePrincipal => "finance_lease_principal", Flow, "Finance-lease principal repayments";
    DepreciationAmortization => "depreciation_amortization", Flow, "Depreciation and amortization";
    CloudRevenue => "cloud_revenue", Flow, "Cloud revenue";
    PpeGross => "ppe_gross", Instant, "Property and equipment, gross";
    PpeNet => "ppe_net", Instant, "Property and equipment, net";
    Rpo => "rpo", Instant, "Remaining performance obligations (backlog)";
    AiRevenueRunRate => "ai_revenue_run_rate", Disclosure, "AI revenue run-rate (annualized)";
    CapexGuidanceLow => "capex_guidance_low", Disclosure, "Capex guidance, low end";
    CapexGuidanceHigh => "capex_guidance_high", Disclosure, "Capex guidance, high end";
    UnitInferenceCost => "unit_inference_cost", Disclosure, "Unit inference cost";
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric {0:?}; known metrics are revenue, capex, operating_cash_flow, … (see the methodology page)")]
pub struct ParseMetricError(pub String);

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for Metric {
    type Err = ParseMetricError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_key_parses_back_to_itself() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.key()), Ok(*m));
        }
    }

    #[test]
    fn an_unknown_metric_is_an_error_naming_it() {
        let err = Metric::parse("ebitda").unwrap_err();
        assert!(err.to_string().contains("ebitda"));
    }

    #[test]
    fn balances_are_instants() {
        assert_eq!(Metric::PpeNet.kind(), MetricKind::Instant);
        assert_eq!(Metric::Capex.kind(), MetricKind::Flow);
        assert_eq!(Metric::AiRevenueRunRate.kind(), MetricKind::Disclosure);
    }
}
