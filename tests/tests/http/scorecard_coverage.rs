//! How much of the scorecard the bundled data answers: per company, the four
//! questions at the latest answerable quarter, and every remaining
//! "Insufficient data" with the inputs it lacks. The README's table is this
//! test's output (`cargo test -p capex-lens-tests --test http scorecard_coverage -- --nocapture`).

use capex_lens_tests::TestDb;
use domain::analytics::{scorecard, Signal, Thresholds};
use domain::Ticker;

/// The questions the bundled files cannot answer, and the inputs each lacks:
/// in every case an input that none of the files in `data/bundled/` holds
/// (see its SOURCES.md: "Not found anywhere at hand"). A change in either
/// direction fails: an answer lost is a regression, an exception gone means
/// this list (and the README's table) must shrink.
const EXPECTED_GAPS: &[(&str, &str, &[&str])] = &[
    // Amazon has not reported RPO in the bundled files after 2020.
    ("AMZN", "Q4", &["rpo"]),
    // CoreWeave: only revenue and net income are at hand.
    ("CRWV", "Q1", &["capex"]),
    ("CRWV", "Q2", &["ppe_net"]),
    (
        "CRWV",
        "Q3",
        &["cost_of_revenue", "depreciation_amortization"],
    ),
    ("CRWV", "Q4", &["rpo"]),
    // Quarterly PP&E (net or gross) is in none of the files for Meta,
    // Microsoft and Oracle.
    ("META", "Q2", &["ppe_net"]),
    ("MSFT", "Q2", &["ppe_net"]),
    ("ORCL", "Q2", &["ppe_net"]),
];

#[tokio::test]
async fn every_question_of_every_bundled_company_is_answered_or_not_applicable_except_the_listed_gaps(
) {
    // Arrange
    let db = TestDb::with_bundled_data().await;
    let tickers: Vec<String> = sqlx::query_scalar("SELECT ticker FROM companies ORDER BY ticker")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(tickers.len(), 7, "{tickers:?}");

    // Act
    let mut table = vec![
        "| company | latest quarter | answered | not applicable | insufficient data |".to_string(),
        "|---|---|---|---|---|".to_string(),
    ];
    let mut gaps: Vec<(String, String, Vec<String>)> = Vec::new();
    for t in &tickers {
        let company = store::facts::load(&db.pool, &Ticker::parse(t).unwrap())
            .await
            .unwrap()
            .unwrap();
        let latest = company.facts.latest_quarter().expect("a latest quarter");
        let card = scorecard(&company.facts, latest, &Thresholds::default());
        let answered: Vec<String> = card
            .answers
            .iter()
            .filter(|a| a.signal.is_answer())
            .map(|a| {
                let step = a
                    .step
                    .as_ref()
                    .map(|s| format!(", step {}/{}", s.number, s.of));
                format!(
                    "Q{} {} ({}{})",
                    q_number(a.question),
                    a.signal.label(),
                    a.label,
                    step.unwrap_or_default()
                )
            })
            .collect();
        let na: Vec<String> = card
            .answers
            .iter()
            .filter(|a| a.signal == Signal::NotApplicable)
            .map(|a| format!("Q{}", q_number(a.question)))
            .collect();
        let mut insufficient = Vec::new();
        for a in card
            .answers
            .iter()
            .filter(|a| a.signal == Signal::InsufficientData)
        {
            let lacks: Vec<String> = a.missing.iter().map(ToString::to_string).collect();
            insufficient.push(format!("Q{}: {}", q_number(a.question), lacks.join(", ")));
            let mut metrics: Vec<String> = a
                .missing
                .iter()
                .map(|m| match m {
                    domain::analytics::Missing::Fact { metric, .. } => metric.key().to_string(),
                    other => other.to_string(),
                })
                .collect();
            metrics.sort();
            metrics.dedup();
            gaps.push((t.clone(), format!("Q{}", q_number(a.question)), metrics));
        }
        table.push(format!(
            "| {t} | {} | {} of 4: {} | {} | {} |",
            latest.label(),
            answered.len(),
            answered.join("; "),
            if na.is_empty() {
                "—".into()
            } else {
                na.join(", ")
            },
            if insufficient.is_empty() {
                "—".into()
            } else {
                insufficient.join("; ")
            },
        ));
    }
    println!("{}", table.join("\n"));

    // Assert
    let expected: Vec<(String, String, Vec<String>)> = EXPECTED_GAPS
        .iter()
        .map(|(t, q, m)| {
            (
                t.to_string(),
                q.to_string(),
                m.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    assert_eq!(gaps, expected, "\n{}", table.join("\n"));
}

fn q_number(q: domain::analytics::Question) -> usize {
    domain::analytics::Question::ALL
        .iter()
        .position(|x| *x == q)
        .map_or(0, |i| i + 1)
}
