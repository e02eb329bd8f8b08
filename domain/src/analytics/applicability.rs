//! Where a scorecard question does not fit a company's business: "Not
//! applicable", set per company with a reason and a source (methodology
//! section 4), never by default and never for a gap in the data. This table is
//! data: a row here is a judgement a reader can check at its source.

use super::scorecard::Question;

/// One company's question that does not apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotApplicable {
    pub ticker: &'static str,
    pub question: Question,
    /// Why, in one sentence shown as the answer.
    pub reason: &'static str,
    /// Where a reader can check it.
    pub source_url: &'static str,
}

/// The table.
pub const NOT_APPLICABLE: &[NotApplicable] = &[NotApplicable {
    ticker: "META",
    question: Question::DurableContracts,
    reason: "Not applicable to Meta: its revenue is advertising bought on short terms, not multi-year contracts, and its annual reports carry no remaining performance obligations (contract backlog) to weigh against revenue.",
    source_url: "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=0001326801&type=10-K&dateb=&owner=include&count=40",
}];

/// An input a company does not report because its business has no such line
/// (no cloud segment): the coverage map shows it as not applicable, not
/// missing. The scorecard's fallback steps already stand in for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputNotApplicable {
    pub ticker: &'static str,
    pub metric: crate::Metric,
    pub reason: &'static str,
    pub source_url: &'static str,
}

/// The input-level table.
pub const INPUTS_NOT_APPLICABLE: &[InputNotApplicable] = &[
    InputNotApplicable {
        ticker: "META",
        metric: crate::Metric::CloudRevenue,
        reason: "Meta reports no cloud segment (its segments are Family of Apps and Reality Labs): total revenue stands in for AI revenue and for asset turnover.",
        source_url: "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=0001326801&type=10-K&dateb=&owner=include&count=40",
    },
    InputNotApplicable {
        ticker: "NVDA",
        metric: crate::Metric::CloudRevenue,
        reason: "Nvidia reports no cloud segment (its segments are Compute & Networking and Graphics): total revenue stands in for AI revenue and for asset turnover.",
        source_url: "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK=0001045810&type=10-K&dateb=&owner=include&count=40",
    },
];

/// The entry for `ticker` and `metric`, if the input does not apply.
pub fn input_not_applicable(
    ticker: &str,
    metric: crate::Metric,
) -> Option<&'static InputNotApplicable> {
    INPUTS_NOT_APPLICABLE
        .iter()
        .find(|n| n.ticker == ticker && n.metric == metric)
}

/// The entry for `ticker` and `question`, if the question does not apply.
pub fn not_applicable(ticker: &str, question: Question) -> Option<&'static NotApplicable> {
    NOT_APPLICABLE
        .iter()
        .find(|n| n.ticker == ticker && n.question == question)
}
