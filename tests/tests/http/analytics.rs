//! The analytics on facts read back from the store (the server's path), against
//! figures computed by hand from the bundled filings.

use capex_lens_tests::TestDb;
use domain::analytics::{point_at, scorecard, Basis, DerivedMetric, Measure, Signal, Thresholds};
use domain::{FiscalPeriod, Metric, Ticker};
use rust_decimal::Decimal;

#[tokio::test]
async fn amazons_ttm_operating_cash_flow_at_q1_2026_is_148_5_billion_from_the_store() {
    // Arrange
    let db = TestDb::with_bundled_data().await;
    let amzn = store::facts::load(&db.pool, &Ticker::parse("AMZN").unwrap())
        .await
        .unwrap()
        .unwrap();

    // Act
    let ttm = point_at(
        &amzn.facts,
        Measure::Stored(Metric::OperatingCashFlow),
        FiscalPeriod::quarter(2026, 1).unwrap(),
        Basis::Ttm,
    );

    // Assert: 32,515 + 35,525 + 54,459 + 26,032 = 148,531 ($M), 10-Qs/10-K of 2025-26.
    assert_eq!(ttm.exact, Some(Decimal::from(148_531_000_000_i64)));
    assert_eq!(domain::format::usd(ttm.exact.unwrap()), "$148.5B");
    assert_eq!(ttm.inputs.len(), 4);
}

#[tokio::test]
async fn amazons_ttm_fcf_at_q1_2026_is_incomplete_and_names_the_missing_proceeds() {
    let db = TestDb::with_bundled_data().await;
    let amzn = store::facts::load(&db.pool, &Ticker::parse("AMZN").unwrap())
        .await
        .unwrap()
        .unwrap();

    let fcf = point_at(
        &amzn.facts,
        Measure::Derived(DerivedMetric::Fcf),
        FiscalPeriod::quarter(2026, 1).unwrap(),
        Basis::Ttm,
    );

    assert_eq!(
        fcf.value, None,
        "never a different number than Amazon's $1.2B"
    );
    let missing: Vec<String> = fcf.missing.iter().map(ToString::to_string).collect();
    assert!(
        missing.contains(&"capex_proceeds for FY25 Q3".to_string()),
        "{missing:?}"
    );
    assert!(
        missing.contains(&"capex_proceeds for FY25 Q4".to_string()),
        "{missing:?}"
    );
}

#[tokio::test]
async fn every_bundled_company_gets_four_answers_without_nan_or_guesses() {
    let db = TestDb::with_bundled_data().await;
    for t in ["AMZN", "CRWV", "GOOGL", "META", "MSFT", "NVDA", "ORCL"] {
        let company = store::facts::load(&db.pool, &Ticker::parse(t).unwrap())
            .await
            .unwrap()
            .unwrap();
        let latest = company.facts.latest_quarter().expect("a latest quarter");

        let card = scorecard(&company.facts, latest, &Thresholds::default());

        assert_eq!(card.answers.len(), 4, "{t}");
        for a in &card.answers {
            assert!(
                a.figures.iter().all(|f| f.value.is_none_or(f64::is_finite)),
                "{t}"
            );
            if a.signal == Signal::InsufficientData {
                assert!(
                    !a.missing.is_empty() || !a.notes.is_empty(),
                    "{t}: insufficient data must say what is missing"
                );
            }
        }
    }
}

#[tokio::test]
async fn postgres_window_functions_compute_the_same_ttm_and_signals_as_the_domain() {
    // Arrange: the benchmark's synthetic universe, small (60 companies × 40 quarters).
    use capex_lens_tests::universe;
    use std::collections::BTreeMap;
    let db = TestDb::new().await;
    let companies = universe::generate(60, 40);
    let latest = universe::latest(40);
    let rows = universe::load(&db.pool, &companies).await.unwrap();

    // Act: the domain's TTM values and scorecards, and the benchmark's SQL.
    let mut count = 0i64;
    let mut sum = Decimal::ZERO;
    let mut signals: BTreeMap<(i32, String), i64> = BTreeMap::new();
    for c in &companies {
        for tv in domain::analytics::ttm_values(c, &universe::METRICS) {
            for v in tv.values.into_iter().flatten() {
                count += 1;
                sum += v;
            }
        }
        let card = scorecard(c, latest, &Thresholds::default());
        // The answer at the latest quarter itself (the SQL does not apply the
        // headline's as-of rule).
        let at_latest = card.history.iter().filter_map(|h| h.answers.last());
        for (i, a) in at_latest.enumerate() {
            let key = match a.signal {
                Signal::Healthy => "healthy",
                Signal::Watch => "watch",
                Signal::Stress => "stress",
                Signal::NotApplicable => "not applicable",
                Signal::InsufficientData => "insufficient",
            };
            *signals.entry((i as i32 + 1, key.to_string())).or_default() += 1;
        }
    }
    let (sql_count, sql_sum): (i64, Decimal) = sqlx::query_as(&universe::ttm_sql())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let sql_signals: BTreeMap<(i32, String), i64> =
        sqlx::query_as::<_, (i32, String, i64)>(&universe::scorecard_sql())
            .bind(latest.index())
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(q, s, n)| ((q, s), n))
            .collect();

    // Assert: 60 × 40 × 15 facts less the gaps; identical results, and the
    // universe exercises more than one signal per question.
    assert!(rows > 35_000 && rows < 36_000, "{rows}");
    assert_eq!((sql_count, sql_sum), (count, sum));
    assert_eq!(sql_signals, signals);
    for q in 1..=4 {
        let kinds = signals.keys().filter(|(n, _)| *n == q).count();
        assert!(kinds >= 2, "question {q}: {signals:?}");
    }
}

async fn microsoft(db: &TestDb) -> store::facts::Company {
    store::facts::load(&db.pool, &Ticker::parse("MSFT").unwrap())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn microsofts_rpo_coverage_at_fy26_q3_divides_the_bundled_backlog_by_ttm_revenue() {
    // Arrange
    let db = TestDb::with_bundled_data().await;
    let msft = microsoft(&db).await;

    // Act
    let cov = point_at(
        &msft.facts,
        Measure::Derived(DerivedMetric::RpoCoverage),
        FiscalPeriod::quarter(2026, 3).unwrap(),
        Basis::Ttm,
    );

    // Assert: commercial RPO 627,000 ($M, 10-Q FY26 Q3) over TTM revenue
    // 76,441 + 77,673 + 81,273 + 82,886 = 318,273 ($M): 1.97 years.
    let by_hand = Decimal::from(627_000) / Decimal::from(318_273);
    assert_eq!(cov.exact.unwrap().round_dp(20), by_hand.round_dp(20));
    assert_eq!(domain::format::multiple(cov.value.unwrap()), "1.97×");
}

#[tokio::test]
async fn microsofts_durable_contracts_answer_at_fy26_q4_is_healthy_by_hand_arithmetic() {
    // Arrange
    let db = TestDb::with_bundled_data().await;
    let msft = microsoft(&db).await;

    // Act
    let card = scorecard(
        &msft.facts,
        FiscalPeriod::quarter(2026, 4).unwrap(),
        &Thresholds::default(),
    );

    // Assert: RPO 678,000 / 368,000 − 1 = +84.2 %; TTM revenue
    // (77,673 + 81,273 + 82,886 + 90,007) / (65,585 + 69,632 + 70,066 + 76,441)
    // = 331,839 / 281,724 − 1 = +17.8 %. The backlog grows, and faster:
    // coverage 678,000 / 331,839 = 2.04 years against 368,000 / 281,724 = 1.31.
    let q4 = &card.answers[3];
    assert_eq!(q4.signal, Signal::Healthy, "{}", q4.sentence);
    let fig = |name: &str| {
        q4.figures
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.exact)
            .unwrap()
    };
    let rpo = Decimal::from(678_000) / Decimal::from(368_000) - Decimal::ONE;
    let rev = Decimal::from(331_839) / Decimal::from(281_724) - Decimal::ONE;
    let cov = Decimal::from(678_000) / Decimal::from(331_839)
        - Decimal::from(368_000) / Decimal::from(281_724);
    assert_eq!(fig("RPO, YoY growth").round_dp(18), rpo.round_dp(18));
    assert_eq!(
        fig("TTM revenue, YoY growth").round_dp(18),
        rev.round_dp(18)
    );
    assert_eq!(
        fig("RPO coverage, change (years)").round_dp(18),
        cov.round_dp(18)
    );
}

#[tokio::test]
async fn every_input_under_every_answer_names_its_source_in_words() {
    // Arrange: all bundled companies, as the pages read them.
    let db = TestDb::with_bundled_data().await;
    for t in ["AMZN", "CRWV", "GOOGL", "META", "MSFT", "NVDA", "ORCL"] {
        let company = store::facts::load(&db.pool, &Ticker::parse(t).unwrap())
            .await
            .unwrap()
            .unwrap();
        let latest = company.facts.latest_quarter().expect("a latest quarter");

        // Act
        let card = scorecard(&company.facts, latest, &Thresholds::default());

        // Assert: no empty label and no bare "()" (Meta's release figures had
        // one). Some release figures name only the form ("8-K"); see the note.
        let inputs = card
            .history
            .iter()
            .flat_map(|h| &h.answers)
            .flat_map(|a| &a.inputs);
        for i in inputs {
            let label = i.provenance.label.trim();
            assert!(
                !label.is_empty() && !label.contains("()"),
                "{t} {} {}: {label:?}",
                i.metric.key(),
                i.period.label()
            );
        }
    }
}
