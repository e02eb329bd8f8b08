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

/// The entry for `ticker` and `question`, if the question does not apply.
pub fn not_applicable(ticker: &str, question: Question) -> Option<&'static NotApplicable> {
    NOT_APPLICABLE
        .iter()
        .find(|n| n.ticker == ticker && n.question == question)
}
