//! The coverage map: for one company, each input the scorecard and the
//! cash-conversion figures use, at each of its last quarters, told as
//! reported, derived, secondary, analyst-entered, not applicable or missing
//! (issue "Every scorecard answers", item 5). A pure view of the company's
//! facts, so the page, its tests and any export agree.

use super::applicability::NOT_APPLICABLE;
use super::book::back;
use super::input::CompanyFacts;
use super::scorecard::{Question, HISTORY_QUARTERS};
use crate::SourceKind;
use crate::{FiscalPeriod, Metric};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a cell of the map holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    /// Read in a filing or a company release.
    Reported,
    /// A formula on reported values (Q4 = FY − 9M, a sum of two lines).
    Derived,
    /// From an aggregator site, not a filing.
    Secondary,
    /// Entered by an analyst with a source.
    Analyst,
    /// The input does not apply to the company (with the reason on the row).
    NotApplicable,
    /// Not in the store.
    Missing,
}

impl CellState {
    /// The state's stable name: serde's, and the coverage map's `data-state`.
    pub fn as_str(self) -> &'static str {
        match self {
            CellState::Reported => "reported",
            CellState::Derived => "derived",
            CellState::Secondary => "secondary",
            CellState::Analyst => "analyst",
            CellState::NotApplicable => "not_applicable",
            CellState::Missing => "missing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CellState::Reported => "reported",
            CellState::Derived => "derived",
            CellState::Secondary => "secondary",
            CellState::Analyst => "analyst",
            CellState::NotApplicable => "not applicable",
            CellState::Missing => "missing",
        }
    }

    pub const ALL: [CellState; 6] = [
        CellState::Reported,
        CellState::Derived,
        CellState::Secondary,
        CellState::Analyst,
        CellState::NotApplicable,
        CellState::Missing,
    ];
}

/// An input the scorecard or the cash-conversion headline reads, and whether
/// a fallback answers without it (then a gap there costs no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageInput {
    pub metric: Metric,
    /// `None`: needed; `Some(why)`: a fallback step stands in when it is missing.
    pub optional: Option<&'static str>,
}

/// The inputs, in statement order.
pub const INPUTS: &[CoverageInput] = &[
    CoverageInput {
        metric: Metric::Revenue,
        optional: None,
    },
    CoverageInput {
        metric: Metric::CloudRevenue,
        optional: Some("questions 1 and 2 fall back to total revenue"),
    },
    CoverageInput {
        metric: Metric::CostOfRevenue,
        optional: Some("question 3 answers on depreciation burden alone"),
    },
    CoverageInput {
        metric: Metric::NetIncome,
        optional: None,
    },
    CoverageInput {
        metric: Metric::OperatingCashFlow,
        optional: None,
    },
    CoverageInput {
        metric: Metric::Capex,
        optional: None,
    },
    CoverageInput {
        metric: Metric::CapexProceeds,
        optional: None,
    },
    CoverageInput {
        metric: Metric::FinanceLeasePrincipal,
        optional: None,
    },
    CoverageInput {
        metric: Metric::DepreciationAmortization,
        optional: None,
    },
    CoverageInput {
        metric: Metric::PpeNet,
        optional: None,
    },
    CoverageInput {
        metric: Metric::PpeGross,
        optional: Some("only where net PP&E is not reported"),
    },
    CoverageInput {
        metric: Metric::Rpo,
        optional: None,
    },
    CoverageInput {
        metric: Metric::AiRevenueRunRate,
        optional: Some("question 1 falls back to cloud or total revenue"),
    },
    CoverageInput {
        metric: Metric::UnitInferenceCost,
        optional: Some("question 3 falls back to its proxy"),
    },
];

/// One cell: a company's input at one quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageCell {
    pub period: FiscalPeriod,
    pub state: CellState,
    /// The source in words (empty for missing and not applicable cells).
    pub source: String,
    pub url: Option<String>,
}

/// One input across the quarters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageRow {
    pub metric: Metric,
    /// Why a gap here costs no answer, when a fallback stands in.
    pub optional: Option<String>,
    /// Why the input does not apply to the company, when it does not.
    pub not_applicable: Option<String>,
    pub cells: Vec<CoverageCell>,
}

/// The map of one company over its last [`HISTORY_QUARTERS`] quarters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyCoverage {
    pub ticker: String,
    /// Oldest first, ending at the latest quarter.
    pub quarters: Vec<FiscalPeriod>,
    pub rows: Vec<CoverageRow>,
}

impl CompanyCoverage {
    /// How many cells are in each state.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for c in self.rows.iter().flat_map(|r| &r.cells) {
            *out.entry(c.state.label()).or_default() += 1;
        }
        out
    }
}

/// Why `metric` does not apply to the company, if it does not.
fn not_applicable(company: &CompanyFacts, metric: Metric) -> Option<String> {
    if metric == Metric::CapexProceeds && !company.nets_capex_proceeds {
        return Some(
            "The company does not net proceeds from property sales in its free cash flow: they count as zero."
                .into(),
        );
    }
    if let Some(n) = super::applicability::input_not_applicable(&company.ticker, metric) {
        return Some(n.reason.to_string());
    }
    // An input whose only use is a question set Not applicable for the company.
    let question = match metric {
        Metric::Rpo => Question::DurableContracts,
        _ => return None,
    };
    NOT_APPLICABLE
        .iter()
        .find(|n| n.ticker == company.ticker && n.question == question)
        .map(|n| n.reason.to_string())
}

/// The coverage map of `company` over the quarters ending at `latest`.
pub fn coverage(company: &CompanyFacts, latest: FiscalPeriod) -> CompanyCoverage {
    let quarters: Vec<FiscalPeriod> = (0..HISTORY_QUARTERS)
        .rev()
        .map(|n| back(latest, n))
        .collect();
    // The current version of each key: the larger fact id, as the analytics read it.
    let mut current: BTreeMap<(Metric, FiscalPeriod), &super::input::FactPoint> = BTreeMap::new();
    for f in &company.facts {
        let slot = current.entry((f.metric, f.period)).or_insert(f);
        if f.provenance.fact_id > slot.provenance.fact_id {
            *slot = f;
        }
    }
    let rows = INPUTS
        .iter()
        .map(|input| {
            let na = not_applicable(company, input.metric);
            let cells = quarters
                .iter()
                .map(|p| match current.get(&(input.metric, *p)) {
                    Some(f) => CoverageCell {
                        period: *p,
                        state: match f.provenance.kind {
                            SourceKind::Filing => CellState::Reported,
                            SourceKind::Derived => CellState::Derived,
                            SourceKind::Secondary => CellState::Secondary,
                            SourceKind::Analyst => CellState::Analyst,
                        },
                        source: f.provenance.label.clone(),
                        url: f.provenance.url.clone(),
                    },
                    None => CoverageCell {
                        period: *p,
                        state: if na.is_some() {
                            CellState::NotApplicable
                        } else {
                            CellState::Missing
                        },
                        source: String::new(),
                        url: None,
                    },
                })
                .collect();
            CoverageRow {
                metric: input.metric,
                optional: input.optional.map(str::to_string),
                not_applicable: na,
                cells,
            }
        })
        .collect();
    CompanyCoverage {
        ticker: company.ticker.clone(),
        quarters,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::fixtures::{add, empty, q};
    use crate::Provenance;
    use rust_decimal::Decimal;

    #[test]
    fn the_names_pages_carry_as_data_are_serdes_names() {
        for state in CellState::ALL {
            let serde_name = serde_json::to_value(state).unwrap();
            assert_eq!(serde_name, state.as_str(), "{}", state.label());
        }
        for question in Question::ALL {
            let serde_name = serde_json::to_value(question).unwrap();
            assert_eq!(serde_name, question.as_str(), "{}", question.text());
        }
    }

    #[test]
    fn each_cell_tells_how_its_value_is_known_or_that_it_is_missing() {
        // Arrange
        let mut c = empty("COV");
        add(&mut c, Metric::Revenue, 2025, 4, Decimal::ONE);
        add(&mut c, Metric::Capex, 2025, 4, Decimal::ONE);
        c.facts.last_mut().unwrap().provenance = Provenance {
            fact_id: 999,
            kind: SourceKind::Secondary,
            label: "Secondary source (aggregator, not a filing)".into(),
            url: Some("https://example.com/".into()),
        };

        // Act
        let map = coverage(&c, q(2025, 4));

        // Assert
        assert_eq!(map.quarters.len(), 8);
        assert_eq!(map.quarters[7], q(2025, 4));
        let row = |m| map.rows.iter().find(|r| r.metric == m).unwrap();
        assert_eq!(row(Metric::Capex).cells[7].state, CellState::Secondary);
        assert_eq!(row(Metric::Capex).cells[6].state, CellState::Missing);
        assert_ne!(row(Metric::Revenue).cells[7].state, CellState::Missing);
        // A company that does not net proceeds: they do not apply.
        assert!(row(Metric::CapexProceeds)
            .cells
            .iter()
            .all(|c| c.state == CellState::NotApplicable));
        assert!(row(Metric::AiRevenueRunRate).optional.is_some());
    }

    #[test]
    fn an_input_of_a_question_set_not_applicable_is_not_applicable_not_missing() {
        let meta = empty("META");
        let other = empty("OTHER");
        let rpo = |c: &CompanyFacts| {
            coverage(c, q(2025, 4))
                .rows
                .into_iter()
                .find(|r| r.metric == Metric::Rpo)
                .unwrap()
        };
        assert!(rpo(&meta)
            .cells
            .iter()
            .all(|c| c.state == CellState::NotApplicable));
        assert!(rpo(&meta).not_applicable.is_some());
        assert!(rpo(&other)
            .cells
            .iter()
            .all(|c| c.state == CellState::Missing));
    }

    #[test]
    fn cloud_revenue_of_a_company_without_a_cloud_segment_is_not_applicable() {
        let row = |t: &str| {
            coverage(&empty(t), q(2025, 4))
                .rows
                .into_iter()
                .find(|r| r.metric == Metric::CloudRevenue)
                .unwrap()
        };
        assert!(row("NVDA")
            .cells
            .iter()
            .all(|c| c.state == CellState::NotApplicable));
        assert!(row("NVDA")
            .not_applicable
            .unwrap()
            .contains("no cloud segment"));
        assert!(row("MSFT")
            .cells
            .iter()
            .all(|c| c.state == CellState::Missing));
    }
}
