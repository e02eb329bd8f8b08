//! Every formula checked against values computed by hand from Amazon's bundled
//! quarters (see `fixtures.rs` for the CSV rows), the scorecard's signal
//! boundaries, and properties that must hold on any input.

use super::fixtures::{add, amazon, empty, fact, millions, q};
use super::*;
use crate::format::usd;
use crate::Metric;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn ttm(c: &CompanyFacts, m: impl Into<Measure>, fy: i32, quarter: u8) -> SeriesPoint {
    point_at(c, m.into(), q(fy, quarter), Basis::Ttm)
}

/// Amazon with the two missing proceeds quarters supplied. Their sum, 1,888M,
/// is what Amazon's reported TTM FCF of $1.2B implies (see the test below);
/// the split between 2025 Q3 and Q4 is illustrative.
fn amazon_with_all_proceeds() -> CompanyFacts {
    let mut c = amazon();
    add(&mut c, Metric::CapexProceeds, 2025, 3, millions(900));
    add(&mut c, Metric::CapexProceeds, 2025, 4, millions(988));
    c
}

// ----- series: TTM, annual, YoY, alignment -----------------------------------

#[test]
fn amazon_ttm_operating_cash_flow_at_2026_q1_is_148_5_billion() {
    // Arrange: OCF rows 2025 Q2 32,515M; Q3 35,525M; Q4 54,459M; 2026 Q1 26,032M.
    let amzn = amazon();
    let by_hand = millions(32_515 + 35_525 + 54_459 + 26_032); // = 148,531M

    // Act
    let p = ttm(&amzn, Metric::OperatingCashFlow, 2026, 1);

    // Assert: exact, and "$148.5B" as Amazon's 10-Q states it.
    assert_eq!(p.exact, Some(by_hand));
    assert_eq!(usd(p.exact.unwrap()), "$148.5B");
    assert!(p.is_complete());
    assert_eq!(p.inputs.len(), 4);
    assert!(p
        .inputs
        .iter()
        .all(|i| i.metric == Metric::OperatingCashFlow));
}

#[test]
fn amazon_ttm_fcf_at_2026_q1_is_incomplete_and_names_the_missing_proceeds() {
    // Arrange: capex_proceeds is only known for 2025 Q1, Q2 and 2026 Q1, Q2.
    let amzn = amazon();

    // Act
    let p = ttm(&amzn, DerivedMetric::Fcf, 2026, 1);

    // Assert
    assert_eq!(p.value, None);
    assert_eq!(
        p.missing,
        vec![
            Missing::Fact {
                metric: Metric::CapexProceeds,
                period: q(2025, 3)
            },
            Missing::Fact {
                metric: Metric::CapexProceeds,
                period: q(2025, 4)
            },
        ]
    );
    assert_eq!(
        p.missing
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["capex_proceeds for FY25 Q3", "capex_proceeds for FY25 Q4"]
    );
    // The inputs that are present are still shown (4 OCF + 4 capex + 2 proceeds).
    assert_eq!(p.inputs.len(), 10);
}

#[test]
fn amazon_ttm_fcf_reproduces_the_reported_1_2_billion_once_proceeds_are_supplied() {
    // Arrange:
    //   TTM OCF   = 32,515 + 35,525 + 54,459 + 26,032 = 148,531M
    //   TTM capex = 32,183 + 35,095 + 39,522 + 44,203 = 151,003M
    //   known proceeds 2025 Q2 815M + 2026 Q1 969M = 1,784M
    //   reported TTM FCF 1,200M ⇒ 2025 Q3 + Q4 proceeds = 1,200 − 148,531 + 151,003 − 1,784 = 1,888M
    let amzn = amazon_with_all_proceeds();
    let by_hand = millions(148_531 - 151_003 + 815 + 900 + 988 + 969);

    // Act
    let p = ttm(&amzn, DerivedMetric::Fcf, 2026, 1);

    // Assert
    assert_eq!(by_hand, millions(1_200));
    assert_eq!(p.exact, Some(by_hand));
    assert_eq!(usd(p.exact.unwrap()), "$1.20B");
    assert!(p.is_complete());
}

#[test]
fn a_company_that_does_not_net_proceeds_gets_fcf_without_them() {
    // Arrange: the same Amazon numbers, but proceeds counted as zero.
    let mut amzn = amazon();
    amzn.nets_capex_proceeds = false;

    // Act
    let p = ttm(&amzn, DerivedMetric::Fcf, 2026, 1);

    // Assert: 148,531 − 151,003 = −2,472M, no proceeds among the inputs.
    assert_eq!(p.exact, Some(millions(-2_472)));
    assert!(p.inputs.iter().all(|i| i.metric != Metric::CapexProceeds));
}

#[test]
fn fcf_after_leases_subtracts_ttm_finance_lease_principal() {
    // Arrange: finance_lease_principal_payments 2025 Q2 411, Q3 351, Q4 385, 2026 Q1 468 = 1,615M.
    let amzn = amazon_with_all_proceeds();

    // Act
    let p = ttm(&amzn, DerivedMetric::FcfAfterLeases, 2026, 1);

    // Assert: 1,200 − 1,615 = −415M
    assert_eq!(p.exact, Some(millions(1_200 - 1_615)));
    assert_eq!(usd(p.exact.unwrap()), "($415M)");
}

#[test]
fn the_ratios_match_hand_computed_amazon_values_at_2026_q1() {
    // Arrange (TTM = 2025 Q2 .. 2026 Q1, millions):
    //   revenue 167,702 + 180,169 + 213,386 + 181,519 = 742,776
    //   net income 18,164 + 21,187 + 21,192 + 30,255 = 90,798
    //   D&A 15,227 + 16,796 + 19,471 + 18,945 = 70,439
    //   capex 151,003; OCF 148,531; FCF 1,200 (proceeds supplied)
    //   ppe_net 2026 Q1 397,458 and 2025 Q1 272,781: average 335,119.5
    let amzn = amazon_with_all_proceeds();
    let ratio = |a: i64, b: i64| Decimal::from(a) / Decimal::from(b);
    let cases = [
        (DerivedMetric::CashConversion, ratio(1_200, 90_798)),
        (DerivedMetric::OcfConversion, ratio(148_531, 90_798)),
        (DerivedMetric::FcfMargin, ratio(1_200, 742_776)),
        (DerivedMetric::CapexIntensity, ratio(151_003, 742_776)),
        (DerivedMetric::CapexToDepreciation, ratio(151_003, 70_439)),
        (DerivedMetric::DepreciationBurden, ratio(70_439, 742_776)),
        (
            DerivedMetric::AssetTurnover,
            ratio(742_776, 1) / d("335119.5"),
        ),
    ];

    for (metric, by_hand) in cases {
        // Act
        let p = ttm(&amzn, metric, 2026, 1);

        // Assert: exact to 20 decimal places (the division's last digit may round differently).
        let got = p
            .exact
            .unwrap_or_else(|| panic!("{metric:?}: {:?}", p.missing));
        assert_eq!(got.round_dp(20), by_hand.round_dp(20), "{metric:?}");
        assert!(p.value.unwrap().is_finite());
    }
    // Spot-check the readable values.
    assert_eq!(
        crate::format::percent(
            ttm(&amzn, DerivedMetric::CapexIntensity, 2026, 1)
                .value
                .unwrap()
        ),
        "20.3%"
    );
    assert_eq!(
        crate::format::multiple(
            ttm(&amzn, DerivedMetric::CapexToDepreciation, 2026, 1)
                .value
                .unwrap()
        ),
        "2.14×"
    );
}

#[test]
fn rpo_coverage_is_not_available_for_amazon_and_says_rpo_is_missing() {
    let p = ttm(&amazon(), DerivedMetric::RpoCoverage, 2026, 1);
    assert_eq!(p.value, None);
    assert_eq!(
        p.missing,
        vec![Missing::Fact {
            metric: Metric::Rpo,
            period: q(2026, 1)
        }]
    );
}

#[test]
fn rpo_coverage_divides_the_backlog_by_ttm_revenue() {
    // Arrange: Amazon's revenue, with an illustrative backlog of 1,485,552M (twice TTM revenue).
    let mut c = amazon();
    add(&mut c, Metric::Rpo, 2026, 1, millions(2 * 742_776));

    // Act
    let p = ttm(&c, DerivedMetric::RpoCoverage, 2026, 1);

    // Assert: 2 years of revenue contracted.
    assert_eq!(p.exact, Some(Decimal::from(2)));
}

#[test]
fn a_zero_denominator_is_not_available_never_infinite() {
    // Arrange: revenue of zero in four quarters.
    let mut c = empty("ZERO");
    for quarter in 1..=4 {
        add(&mut c, Metric::Revenue, 2025, quarter, Decimal::ZERO);
        add(&mut c, Metric::Capex, 2025, quarter, millions(10));
    }

    // Act
    let p = ttm(&c, DerivedMetric::CapexIntensity, 2025, 4);

    // Assert
    assert_eq!(p.value, None);
    assert_eq!(
        p.missing,
        vec![Missing::ZeroDenominator {
            denominator: "revenue".into()
        }]
    );
}

#[test]
fn ttm_exists_only_when_all_four_quarters_exist() {
    // Arrange: Amazon's first quarter of data is 2022 Q1.
    let amzn = amazon();

    // Act
    let s = series(
        &amzn,
        Measure::Stored(Metric::Revenue),
        Basis::Ttm,
        Alignment::Fiscal,
    );

    // Assert: the first three TTM points are gaps naming the quarters before the data.
    assert_eq!(s.points[0].label, "FY22 Q1");
    assert_eq!(s.points[0].value, None);
    assert_eq!(
        s.points[2].missing,
        vec![Missing::Fact {
            metric: Metric::Revenue,
            period: q(2021, 4)
        }]
    );
    assert!(s.points[3].is_complete()); // FY22 Q4 = FY2022
}

#[test]
fn annual_revenue_sums_the_fiscal_years_four_quarters_and_matches_the_10k() {
    // Arrange: 2025 revenue quarters 155,667 + 167,702 + 180,169 + 213,386 = 716,924M,
    // which is the 10-K's FY value in filings-annual-ytd.csv (716924000000).
    let amzn = amazon();

    // Act
    let s = series(
        &amzn,
        Measure::Stored(Metric::Revenue),
        Basis::Annual,
        Alignment::Fiscal,
    );
    let fy25 = s.points.iter().find(|p| p.label == "FY25").unwrap();

    // Assert
    assert_eq!(
        fy25.exact,
        Some(millions(155_667 + 167_702 + 180_169 + 213_386))
    );
    assert_eq!(fy25.exact, Some(millions(716_924)));
    assert_eq!(
        s.points
            .iter()
            .map(|p| p.label.as_str())
            .collect::<Vec<_>>(),
        ["FY22", "FY23", "FY24", "FY25"]
    );
}

#[test]
fn yoy_growth_is_on_ttm_values_unless_the_view_is_quarterly() {
    // Arrange: TTM revenue at 2026 Q1 742,776M; at 2025 Q1 147,977 + 158,877 + 187,792 + 155,667 = 650,313M.
    // Quarterly capex 2026 Q1 44,203M vs 2025 Q1 25,019M.
    let amzn = amazon();

    // Act
    let ttm_growth = growth_at(&amzn, Metric::Revenue.into(), q(2026, 1), Basis::Ttm);
    let quarterly = growth_at(&amzn, Metric::Capex.into(), q(2026, 1), Basis::Quarterly);

    // Assert
    let by_hand = Decimal::from(742_776) / Decimal::from(650_313) - Decimal::ONE;
    assert_eq!(ttm_growth.exact.unwrap().round_dp(20), by_hand.round_dp(20));
    let by_hand_q = Decimal::from(44_203) / Decimal::from(25_019) - Decimal::ONE;
    assert_eq!(
        quarterly.exact.unwrap().round_dp(20),
        by_hand_q.round_dp(20)
    );
    assert_eq!(crate::format::percent(quarterly.value.unwrap()), "76.7%");
}

#[test]
fn an_instants_ttm_view_is_its_period_end_value() {
    // Arrange: ppe_net 2026 Q1 397,458M.
    let p = ttm(&amazon(), Metric::PpeNet, 2026, 1);
    assert_eq!(p.exact, Some(millions(397_458)));
}

#[test]
fn calendar_alignment_puts_microsofts_september_quarter_in_cy_q3() {
    // Arrange: filings-quarterly.csv row MSFT,2025,Q1,2024-07-01,2024-09-30,capex,14923000000.
    let mut msft = empty("MSFT");
    msft.fiscal_year_end_month = 6;
    let mut f = fact(Metric::Capex, 2025, 1, millions(14_923), 1);
    f.period_start = Some(time::macros::date!(2024 - 07 - 01));
    f.period_end = time::macros::date!(2024 - 09 - 30);
    msft.facts.push(f);

    // Act
    let fiscal = series(
        &msft,
        Metric::Capex.into(),
        Basis::Quarterly,
        Alignment::Fiscal,
    );
    let calendar = series(
        &msft,
        Metric::Capex.into(),
        Basis::Quarterly,
        Alignment::Calendar,
    );

    // Assert
    assert_eq!(fiscal.points[0].label, "FY25 Q1");
    assert_eq!(calendar.points[0].label, "CY24 Q3");
    assert_eq!(calendar.points[0].exact, Some(millions(14_923)));
}

#[test]
fn a_calendar_year_sums_the_fiscal_quarters_aligned_to_it() {
    // Arrange: a June year-end company with four quarters of 1, 2, 3, 4 (FY25 Q3 .. FY26 Q2),
    // i.e. calendar 2025 Q1 .. Q4.
    let mut c = empty("JUNE");
    c.fiscal_year_end_month = 6;
    for (i, (fy, quarter)) in [(2025, 3), (2025, 4), (2026, 1), (2026, 2)]
        .into_iter()
        .enumerate()
    {
        let mut f = fact(
            Metric::Revenue,
            2025,
            (i + 1) as u8,
            Decimal::from(i as i64 + 1),
            i as i64 + 1,
        );
        f.period = q(fy, quarter);
        c.facts.push(f);
    }

    // Act
    let s = series(
        &c,
        Metric::Revenue.into(),
        Basis::Annual,
        Alignment::Calendar,
    );

    // Assert: CY25 = 1 + 2 + 3 + 4, ending at fiscal FY26 Q2.
    assert_eq!(s.points.len(), 1);
    assert_eq!(s.points[0].label, "CY25");
    assert_eq!(s.points[0].fiscal_period, q(2026, 2));
    assert_eq!(s.points[0].exact, Some(Decimal::from(10)));
}

#[test]
fn a_gap_in_the_data_shows_as_a_missing_point_never_filled() {
    // Arrange: two quarters a year apart.
    let mut c = empty("GAP");
    add(&mut c, Metric::Capex, 2025, 1, millions(10));
    add(&mut c, Metric::Capex, 2026, 1, millions(20));

    // Act
    let s = series(
        &c,
        Metric::Capex.into(),
        Basis::Quarterly,
        Alignment::Fiscal,
    );

    // Assert
    assert_eq!(s.points.len(), 5);
    assert_eq!(s.points[1].value, None);
    assert_eq!(
        s.points[1].missing,
        vec![Missing::Fact {
            metric: Metric::Capex,
            period: q(2025, 2)
        }]
    );
}

#[test]
fn the_latest_version_of_a_fact_wins() {
    // Arrange: a restatement adds a new version (a larger fact id).
    let mut c = empty("RESTATED");
    c.facts.push(fact(Metric::Capex, 2025, 1, millions(10), 7));
    c.facts.push(fact(Metric::Capex, 2025, 1, millions(12), 9));

    // Act
    let p = point_at(&c, Metric::Capex.into(), q(2025, 1), Basis::Quarterly);

    // Assert
    assert_eq!(p.exact, Some(millions(12)));
    assert_eq!(p.inputs[0].provenance.fact_id, 9);
}

// ----- scorecard on Amazon -----------------------------------------------------

#[test]
fn amazons_scorecard_falls_back_to_the_inputs_it_reports_and_names_what_is_missing() {
    // Arrange: this fixture has no cloud revenue, cost of revenue or RPO for Amazon.
    let amzn = amazon_with_all_proceeds();

    // Act
    let card = scorecard(&amzn, q(2026, 1), &Thresholds::default());

    // Assert
    let [q1, q2, q3, q4] = [
        &card.answers[0],
        &card.answers[1],
        &card.answers[2],
        &card.answers[3],
    ];
    // Q1, step 3 of 3: TTM revenue 742,776 / 650,313 − 1 = +14.2 % against
    // TTM capex 151,003 / 93,093 − 1 = +62.2 %: a spread of −48 pp ⇒ Stress.
    assert_eq!(q1.signal, Signal::Stress);
    assert_eq!(q1.step.as_ref().map(|s| (s.number, s.of)), Some((3, 3)));
    assert!(q1.proxy.as_deref().unwrap().contains("Total revenue"));
    let spread = q1.figures[2].value.unwrap();
    let by_hand = (742_776.0 / 650_313.0 - 151_003.0 / 93_093.0) * 100.0;
    assert!((spread - by_hand).abs() < 1e-9, "{spread}");

    // Q2 by hand, on total revenue (no cloud revenue), step 2 of 4:
    //   now  742,776 / ((397,458 + 272,781) / 2) = 2.2165
    //   then 650,313 / ((272,781 + 209,950) / 2) = 2.6943   → change −17.7 % ⇒ Stress
    assert_eq!(q2.signal, Signal::Stress);
    assert_eq!(q2.step.as_ref().map(|s| s.number), Some(2));
    let change = q2
        .figures
        .iter()
        .find(|f| f.name == "Change")
        .unwrap()
        .value
        .unwrap();
    let by_hand = (742_776.0 / 335_119.5) / (650_313.0 / 241_365.5) - 1.0;
    assert!((change - by_hand * 100.0).abs() < 1e-9, "{change}");
    assert!(!q2.notes.is_empty());
    assert!(q2
        .inputs
        .iter()
        .any(|i| i.metric == Metric::PpeNet && i.period == q(2024, 1)));

    // Q3 on depreciation burden alone (no cost of revenue), step 3 of 3, and it says so.
    assert!(q3.signal.is_answer(), "{:?}", q3.signal);
    assert_eq!(q3.step.as_ref().map(|s| s.number), Some(3));
    assert!(q3.proxy.as_deref().unwrap().contains("alone"));

    // Q4 has no fallback: RPO is missing, and named.
    assert_eq!(q4.signal, Signal::InsufficientData);
    assert!(q4.missing.contains(&Missing::Fact {
        metric: Metric::Rpo,
        period: q(2026, 1)
    }));
    assert!(q4.sentence.contains("rpo for FY26 Q1"), "{}", q4.sentence);
}

#[test]
fn the_headline_shows_ttm_fcf_and_its_trend_against_a_year_earlier() {
    // Arrange: TTM capex intensity now 151,003 / 742,776 = 20.3 %;
    // a year earlier (2024 Q2 .. 2025 Q1) capex 17,620 + 22,620 + 27,834 + 25,019 = 93,093 over 650,313 = 14.3 %.
    let amzn = amazon_with_all_proceeds();

    // Act
    let h = headline(&amzn, q(2026, 1));

    // Assert
    let fcf = &h[0];
    assert_eq!(fcf.measure, Measure::Derived(DerivedMetric::Fcf));
    assert_eq!(fcf.current.exact, Some(millions(1_200)));
    // A year earlier proceeds for 2024 Q2..Q4 are not in the data: trend unknown, and it says why.
    assert_eq!(fcf.trend, Trend::Unknown);
    assert!(!fcf.year_ago.missing.is_empty());
    let intensity = h
        .iter()
        .find(|f| f.measure == Measure::Derived(DerivedMetric::CapexIntensity))
        .unwrap();
    assert_eq!(intensity.trend, Trend::Up);
    let by_hand = 151_003.0 / 742_776.0 - 93_093.0 / 650_313.0;
    assert!((intensity.change.unwrap() - by_hand).abs() < 1e-12);
}

// ----- scorecard signal boundaries ---------------------------------------------

/// A calendar-year company with `metric` at `a` per quarter in 2024 and `b` per
/// quarter in 2025, so TTM growth at 2025 Q4 is exactly `b / a − 1`.
fn two_years(c: &mut CompanyFacts, metric: Metric, a: &str, b: &str) {
    for quarter in 1..=4 {
        add(c, metric, 2024, quarter, d(a));
        add(c, metric, 2025, quarter, d(b));
    }
}

fn answer(c: &CompanyFacts, question: usize) -> Answer {
    scorecard(c, q(2025, 4), &Thresholds::default())
        .answers
        .swap_remove(question)
}

fn q1_with_ai_growth(ai_2025: &str) -> Signal {
    // Capex grows 25 %; cloud revenue (the AI proxy) from 100 to `ai_2025`.
    let mut c = empty("Q1");
    two_years(&mut c, Metric::Capex, "100", "125");
    two_years(&mut c, Metric::CloudRevenue, "100", ai_2025);
    answer(&c, 0).signal
}

#[test]
fn q1_a_spread_of_exactly_zero_is_healthy() {
    assert_eq!(q1_with_ai_growth("125"), Signal::Healthy);
}

#[test]
fn q1_a_spread_just_below_zero_is_watch() {
    assert_eq!(q1_with_ai_growth("124.99"), Signal::Watch);
}

#[test]
fn q1_a_spread_of_exactly_minus_15_pp_is_watch() {
    // 10 % − 25 % = −15 pp
    assert_eq!(q1_with_ai_growth("110"), Signal::Watch);
}

#[test]
fn q1_a_spread_below_minus_15_pp_is_stress() {
    assert_eq!(q1_with_ai_growth("109.99"), Signal::Stress);
}

#[test]
fn q1_uses_the_disclosed_run_rate_when_it_exists_at_both_dates_and_is_then_no_proxy() {
    // Arrange: run-rate 10 → 13 (+30 %) against capex +25 %.
    let mut c = empty("RR");
    two_years(&mut c, Metric::Capex, "100", "125");
    add(&mut c, Metric::AiRevenueRunRate, 2024, 4, d("10"));
    add(&mut c, Metric::AiRevenueRunRate, 2025, 4, d("13"));

    // Act
    let a = answer(&c, 0);

    // Assert
    assert_eq!(a.signal, Signal::Healthy);
    assert_eq!(a.proxy, None);
    assert_eq!(a.figures[2].exact, Some(d("5"))); // 30 % − 25 % = +5 pp
    assert!(a.sentence.contains("+5.0 pp"), "{}", a.sentence);
}

fn q2_with_cloud_2025(cloud: &str) -> Signal {
    // Net PP&E flat at 1,000, so the change in turnover is the change in cloud revenue.
    let mut c = empty("Q2");
    two_years(&mut c, Metric::CloudRevenue, "100", cloud);
    for fy in [2023, 2024, 2025] {
        add(&mut c, Metric::PpeNet, fy, 4, d("1000"));
    }
    answer(&c, 1).signal
}

#[test]
fn q2_unchanged_turnover_is_healthy() {
    assert_eq!(q2_with_cloud_2025("100"), Signal::Healthy);
}

#[test]
fn q2_turnover_down_less_than_5_percent_is_watch() {
    assert_eq!(q2_with_cloud_2025("95.01"), Signal::Watch);
}

#[test]
fn q2_turnover_down_exactly_5_percent_is_stress() {
    assert_eq!(q2_with_cloud_2025("95"), Signal::Stress);
}

fn q3_with_unit_cost(before: &str, now: &str) -> Signal {
    let mut c = empty("Q3");
    add(&mut c, Metric::UnitInferenceCost, 2024, 4, d(before));
    add(&mut c, Metric::UnitInferenceCost, 2025, 4, d(now));
    let a = answer(&c, 2);
    assert_eq!(a.proxy, None);
    a.signal
}

#[test]
fn q3_unit_cost_falling_exactly_10_percent_is_healthy() {
    assert_eq!(q3_with_unit_cost("100", "90"), Signal::Healthy);
}

#[test]
fn q3_unit_cost_falling_less_than_10_percent_is_watch() {
    assert_eq!(q3_with_unit_cost("100", "90.01"), Signal::Watch);
}

#[test]
fn q3_unit_cost_flat_is_watch_not_stress() {
    assert_eq!(q3_with_unit_cost("100", "100"), Signal::Watch);
}

#[test]
fn q3_unit_cost_rising_is_stress() {
    assert_eq!(q3_with_unit_cost("100", "100.01"), Signal::Stress);
}

/// Revenue 250 a quarter both years; depreciation burden and cost ratio move
/// from 10 % and 50 % to the given per-quarter amounts over 250.
fn q3_proxy(dep_2025: &str, cost_2025: &str) -> Answer {
    let mut c = empty("Q3P");
    two_years(&mut c, Metric::Revenue, "250", "250");
    two_years(&mut c, Metric::DepreciationAmortization, "25", dep_2025);
    two_years(&mut c, Metric::CostOfRevenue, "125", cost_2025);
    answer(&c, 2)
}

#[test]
fn q3_proxy_both_ratios_flat_is_healthy_and_labelled_a_proxy() {
    let a = q3_proxy("25", "125");
    assert_eq!(a.signal, Signal::Healthy);
    assert!(a.proxy.is_some());
}

#[test]
fn q3_proxy_one_ratio_rising_is_watch() {
    assert_eq!(q3_proxy("25.5", "124").signal, Signal::Watch);
}

#[test]
fn q3_proxy_both_rising_exactly_1_pp_is_watch() {
    // 25 → 27.5 a quarter: 10 % → 11 %; 125 → 127.5: 50 % → 51 %.
    let a = q3_proxy("27.5", "127.5");
    assert_eq!(a.figures[0].exact, Some(d("1")));
    assert_eq!(a.signal, Signal::Watch);
}

#[test]
fn q3_proxy_both_rising_by_more_than_1_pp_is_stress() {
    assert_eq!(q3_proxy("27.51", "127.51").signal, Signal::Stress);
}

fn q4_with(rev_2025: &str, rpo_2025: &str) -> Signal {
    // TTM revenue from 1,000 (250 a quarter in 2024); RPO from 100.
    let mut c = empty("Q4");
    two_years(&mut c, Metric::Revenue, "250", rev_2025);
    add(&mut c, Metric::Rpo, 2024, 4, d("100"));
    add(&mut c, Metric::Rpo, 2025, 4, d(rpo_2025));
    answer(&c, 3).signal
}

fn q4_with_rpo(rpo_2025: &str) -> Signal {
    // TTM revenue grows 10 % (1,000 → 1,100).
    q4_with("275", rpo_2025)
}

#[test]
fn q4_rpo_growing_faster_with_coverage_rising_is_healthy() {
    // +10.001 % against +10 %: coverage 0.1 → 110.01 / 1,100 = 0.100009 years.
    assert_eq!(q4_with_rpo("110.01"), Signal::Healthy);
}

#[test]
fn q4_rpo_growing_exactly_as_fast_as_revenue_is_watch() {
    // +10 % each: not faster (coverage unchanged at 0.1 years), but the backlog grows.
    assert_eq!(q4_with_rpo("110"), Signal::Watch);
}

#[test]
fn q4_rpo_growing_slower_than_revenue_is_watch() {
    // +5 % against +10 %: coverage falls from 0.1 to 105 / 1,100 = 0.0955 years.
    assert_eq!(q4_with_rpo("105"), Signal::Watch);
}

#[test]
fn q4_rpo_flat_is_stress() {
    // 0 % against +10 %: neither grows nor keeps up.
    assert_eq!(q4_with_rpo("100"), Signal::Stress);
}

#[test]
fn q4_rpo_shrinking_less_than_falling_revenue_is_stress_in_version_2() {
    // Revenue −10 % (1,000 → 900), RPO −5 % (100 → 95): coverage rises
    // from 0.1 to 95 / 900 = 0.1056 years, but the backlog shrinks, and
    // methodology v2 answers a shrinking backlog with Stress (v1 said Watch).
    assert_eq!(q4_with("225", "95"), Signal::Stress);
}

#[test]
fn q4_has_three_reachable_outcomes() {
    // Healthy: RPO +20 % against revenue +10 %; Watch: RPO +5 %; Stress: RPO −5 %.
    assert_eq!(q4_with_rpo("120"), Signal::Healthy);
    assert_eq!(q4_with_rpo("105"), Signal::Watch);
    assert_eq!(q4_with_rpo("95"), Signal::Stress);
}

#[test]
fn q4_rpo_shrinking_faster_than_revenue_is_stress() {
    // Revenue −10 %, RPO −20 %: coverage 0.1 → 80 / 900 = 0.0889 years.
    assert_eq!(q4_with("225", "80"), Signal::Stress);
}

#[test]
fn thresholds_default_to_the_methodology_and_can_be_overridden_in_part() {
    let t: Thresholds = serde_json::from_str(r#"{"ai_spread_watch_pp": -10}"#).unwrap();
    assert_eq!(t.ai_spread_watch_pp, -10.0);
    assert_eq!(
        t.utilization_stress_pct,
        Thresholds::default().utilization_stress_pct
    );
    assert_eq!(Thresholds::default().ai_spread_watch_pp, -15.0);
}

// ----- depreciation wave and scenarios -----------------------------------------

#[test]
fn amazons_wave_fits_a_share_reports_its_error_and_projects_eight_quarters() {
    // Arrange: 18 quarters of capex (2022 Q1 .. 2026 Q2) and of D&A.
    let amzn = amazon();

    // Act
    let w = depreciation_wave(&amzn, &WaveParams::default());

    // Assert
    assert_eq!(w.fit.capex_history_quarters, 18);
    assert_eq!(w.fit.first_capex_quarter, Some(q(2022, 1)));
    assert_eq!(w.fit.fit_quarters, 18);
    let s = w.fit.short_share.unwrap();
    assert!((0.0..=1.0).contains(&s));
    assert!(w.fit.rmse.unwrap() > 0.0 && w.fit.relative_rmse.unwrap() > 0.0);
    // With only four years of history the model cannot explain all of Amazon's
    // depreciation (older assets, amortization, leased assets): the share hits 1.
    assert!(w.fit.at_bound);
    assert_eq!(w.points.iter().filter(|p| p.projected).count(), 8);
    assert_eq!(w.points.last().unwrap().label, "FY28 Q2");
    // Flat path: each projected quarter repeats 2026 Q2's 54,208M.
    assert!(w
        .points
        .iter()
        .filter(|p| p.projected)
        .all(|p| p.capex == Some(54_208e6)));
    assert!(w
        .points
        .iter()
        .filter(|p| p.projected)
        .all(|p| p.depreciation_burden.is_some()));
    assert!(w.notes[0].contains("18 quarters of capex history"));
    // The fit is poor, and the output says so with its number: with s = 1,
    // FY22 Q2's modelled depreciation is FY22 Q1's capex over 24 quarters,
    // 14,951 / 24 = 622.96 ($M), against 9,594 reported: the model knows no
    // asset bought before 2022. RMSE over the 18 quarters is $7.75B, 56 % of
    // the mean reported D&A (13,756 $M).
    let q2 = w.points.iter().find(|p| p.period == q(2022, 2)).unwrap();
    assert!((q2.modelled_depreciation.unwrap() - 14_951e6 / 24.0).abs() < 1.0);
    assert_eq!(q2.reported_depreciation, Some(9_594e6));
    let rel = w.fit.relative_rmse.unwrap();
    assert!((0.55..0.57).contains(&rel), "{rel}");
    assert!(
        w.notes.iter().any(|n| n.contains("$7.75B per quarter")
            && n.contains("56% of mean reported depreciation")
            && n.contains("poor fit")),
        "{:?}",
        w.notes
    );
}

#[test]
fn the_wave_with_a_given_share_matches_a_hand_computation() {
    // Arrange: one quarter of 96 spent in 2025 Q1, all short-lived over 6 years (24 quarters), lag 1.
    let mut c = empty("HAND");
    add(&mut c, Metric::Capex, 2025, 1, d("96"));
    let params = WaveParams {
        short_share: Some(1.0),
        capex_path: CapexPath::Guidance {
            annual: Decimal::ZERO,
        },
        horizon_quarters: 3,
        ..WaveParams::default()
    };

    // Act
    let w = depreciation_wave(&c, &params);

    // Assert: 0 in the quarter spent, then 96 / 24 = 4 a quarter.
    let dep: Vec<f64> = w
        .points
        .iter()
        .map(|p| p.modelled_depreciation.unwrap())
        .collect();
    assert_eq!(dep, vec![0.0, 4.0, 4.0, 4.0]);
    assert!(!w.fit.fitted);
}

#[test]
fn the_growth_path_compounds_yearly() {
    let c = super::wave::project_capex(
        Some(100.0),
        &CapexPath::Growth {
            rate_per_year: 0.21,
        },
        8,
    );
    assert!((c[3] - 121.0).abs() < 1e-9);
    assert!((c[7] - 146.41).abs() < 1e-9);
}

#[test]
fn an_amazon_scenario_projects_eight_quarters_of_fcf_and_scorecards() {
    // Arrange
    let amzn = amazon_with_all_proceeds();
    let params = ScenarioParams {
        ai_revenue_growth_per_year: 0.3,
        ..ScenarioParams::default()
    };

    // Act
    let s = scenario(&amzn, &params, &Thresholds::default());

    // Assert
    assert_eq!(s.base_period, Some(q(2026, 2)));
    assert_eq!(s.quarters.len(), 8);
    assert!(s
        .quarters
        .iter()
        .all(|q| q.answers.len() == 4 && q.fcf.is_complete()));
    // No cloud revenue or run-rate for Amazon: the AI lever cannot act, and the output says so.
    assert!(s
        .assumptions
        .iter()
        .any(|a| a.contains("AI growth is not applied")));
    // Revenue repeats the year-earlier quarter: 2026 Q3 = 2025 Q3 = 180,169M.
    assert_eq!(s.quarters[0].revenue, Some(millions(180_169)));
    // Projected facts are labelled as projections.
    assert!(s.quarters[0]
        .fcf
        .inputs
        .iter()
        .any(|i| i.provenance.label.starts_with("Scenario projection")));
    // Net PP&E is rolled forward from 2026 Q1 (the last reported balance), so utilization can be judged.
    assert_ne!(s.quarters[0].answers[1].signal, Signal::InsufficientData);
}

#[test]
fn outputs_cross_the_server_boundary_as_json() {
    // Arrange
    let amzn = amazon_with_all_proceeds();
    let card = scorecard(&amzn, q(2026, 1), &Thresholds::default());
    let s = series(
        &amzn,
        DerivedMetric::Fcf.into(),
        Basis::Ttm,
        Alignment::Calendar,
    );
    let w = depreciation_wave(&amzn, &WaveParams::default());

    // Act
    let card_back: Scorecard =
        serde_json::from_str(&serde_json::to_string(&card).unwrap()).unwrap();
    let s_back: Series = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    let w_back: DepreciationWave =
        serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();

    // Assert
    assert_eq!(card_back.answers.len(), 4);
    assert_eq!(card_back.answers[1].signal, card.answers[1].signal);
    assert_eq!(card_back.headline[0].current.exact, Some(millions(1_200)));
    assert_eq!(s_back.points.len(), s.points.len());
    assert_eq!(s_back.measure, Measure::Derived(DerivedMetric::Fcf));
    assert_eq!(w_back.points.len(), w.points.len());
}

#[test]
fn faster_inference_cost_declines_raise_projected_fcf_when_ai_revenue_exists() {
    // Arrange: a company whose revenue is all cloud revenue, OCF margin 40 %.
    let mut c = empty("CLOUD");
    for fy in [2024, 2025] {
        for quarter in 1..=4 {
            add(&mut c, Metric::Revenue, fy, quarter, d("100"));
            add(&mut c, Metric::CloudRevenue, fy, quarter, d("100"));
            add(&mut c, Metric::OperatingCashFlow, fy, quarter, d("40"));
            add(&mut c, Metric::Capex, fy, quarter, d("30"));
        }
    }
    let slow = ScenarioParams::default();
    let fast = ScenarioParams {
        inference_cost_decline_per_year: 0.5,
        ..ScenarioParams::default()
    };

    // Act
    let a = scenario(&c, &slow, &Thresholds::default());
    let b = scenario(&c, &fast, &Thresholds::default());

    // Assert: no decline keeps OCF at 40; a 50 % decline after a year: 100 × (1 − 0.6 × 0.5) = 70.
    assert_eq!(a.quarters[3].operating_cash_flow, Some(d("40")));
    assert_eq!(b.quarters[3].operating_cash_flow, Some(d("70")));
    assert!(b.quarters[3].fcf.value.unwrap() > a.quarters[3].fcf.value.unwrap());
}

// ----- properties ---------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_decimal() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            Just(Decimal::ZERO),
            (-1_000_000_000_000_000i64..1_000_000_000_000_000, 0u32..6)
                .prop_map(|(m, s)| Decimal::new(m, s)),
        ]
    }

    fn any_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(0.0),
            Just(-1.0),
            -5.0f64..5.0,
            any::<f64>(),
        ]
    }

    fn any_company() -> impl Strategy<Value = CompanyFacts> {
        let metric = proptest::sample::select(Metric::ALL.to_vec());
        let row = (metric, 2022i32..2027, 0u8..5, any_decimal());
        (prop::collection::vec(row, 0..60), 0u8..14, any::<bool>()).prop_map(
            |(rows, month, nets)| {
                let mut c = empty("ANY");
                c.fiscal_year_end_month = month;
                c.nets_capex_proceeds = nets;
                for (i, (m, fy, quarter, v)) in rows.into_iter().enumerate() {
                    let mut f = fact(m, fy, quarter.clamp(1, 4), v, i as i64);
                    f.period.quarter = quarter.min(4);
                    c.facts.push(f);
                }
                c
            },
        )
    }

    fn any_path() -> impl Strategy<Value = CapexPath> {
        prop_oneof![
            Just(CapexPath::Flat),
            any_decimal().prop_map(|annual| CapexPath::Guidance { annual }),
            any_f64().prop_map(|rate_per_year| CapexPath::Growth { rate_per_year }),
        ]
    }

    fn finite(x: Option<f64>) -> bool {
        x.is_none_or(f64::is_finite)
    }

    fn series_finite(s: &Series) -> bool {
        s.points.iter().all(|p| finite(p.value))
    }

    fn answers_finite(a: &[Answer]) -> bool {
        a.iter().all(|a| a.figures.iter().all(|f| finite(f.value)))
    }

    fn card_finite(c: &Scorecard) -> bool {
        answers_finite(&c.answers)
            && c.headline
                .iter()
                .all(|h| finite(h.change) && finite(h.current.value) && finite(h.year_ago.value))
    }

    fn wave_finite(w: &DepreciationWave) -> bool {
        let f = &w.fit;
        finite(f.short_share)
            && finite(f.rmse)
            && finite(f.relative_rmse)
            && w.points.iter().all(|p| {
                finite(p.capex)
                    && finite(p.reported_depreciation)
                    && finite(p.modelled_depreciation)
                    && finite(p.revenue)
                    && finite(p.depreciation_burden)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn ttm_of_four_equal_quarters_is_four_times_one(v in any_decimal()) {
            let mut c = empty("EQ");
            for quarter in 1..=4 {
                add(&mut c, Metric::Revenue, 2025, quarter, v);
            }
            let p = point_at(&c, Metric::Revenue.into(), q(2025, 4), Basis::Ttm);
            prop_assert_eq!(p.exact, Some(v * Decimal::from(4)));
        }

        #[test]
        fn calendar_alignment_is_monotone_in_period_end(
            first_end in 0i64..3000,
            lengths in prop::collection::vec(84i64..98, 1..16),
        ) {
            // Quarters of 84..98 days (52/53-week years included), back to back.
            let mut c = empty("CAL");
            let mut end = time::macros::date!(2018 - 01 - 28) + time::Duration::days(first_end);
            for (i, len) in lengths.iter().enumerate() {
                let start = end + time::Duration::days(1);
                end = start + time::Duration::days(len - 1);
                let mut f = fact(Metric::Revenue, 2020, 1, Decimal::ONE, i as i64);
                f.period = super::super::book::from_index(2020 * 4 + i as i32);
                f.period_start = Some(start);
                f.period_end = end;
                c.facts.push(f);
            }
            let s = series(&c, Metric::Revenue.into(), Basis::Quarterly, Alignment::Calendar);
            for w in s.points.windows(2) {
                prop_assert!(w[0].period_end < w[1].period_end);
                prop_assert!(w[0].calendar_quarter <= w[1].calendar_quarter);
            }
        }

        #[test]
        fn zero_capex_and_zero_history_project_zero_depreciation(
            n in 1usize..12, lag in 0u32..4, share in 0.0f64..=1.0,
        ) {
            let mut c = empty("ZERO");
            for i in 0..n {
                let p = super::super::book::from_index(2020 * 4 + i as i32);
                add(&mut c, Metric::Capex, p.fiscal_year, p.quarter, Decimal::ZERO);
            }
            let params = WaveParams { lag_quarters: lag, short_share: Some(share), ..WaveParams::default() };
            let w = depreciation_wave(&c, &params);
            prop_assert!(w.points.iter().all(|p| p.modelled_depreciation == Some(0.0)));
        }

        #[test]
        fn with_no_new_capex_depreciation_falls_and_decays_to_zero(
            history in prop::collection::vec(0i64..1_000_000, 1..8),
            share in 0.0f64..=1.0,
        ) {
            let mut c = empty("DECAY");
            for (i, v) in history.iter().enumerate() {
                let p = super::super::book::from_index(2020 * 4 + i as i32);
                add(&mut c, Metric::Capex, p.fiscal_year, p.quarter, Decimal::from(*v));
            }
            // Lives of 1 and 2 years: everything is written off within the horizon.
            let params = WaveParams {
                short_life_years: 1.0,
                long_life_years: 2.0,
                short_share: Some(share),
                capex_path: CapexPath::Guidance { annual: Decimal::ZERO },
                horizon_quarters: 20,
                ..WaveParams::default()
            };
            let w = depreciation_wave(&c, &params);
            let projected: Vec<f64> = w.points.iter().filter(|p| p.projected)
                .map(|p| p.modelled_depreciation.unwrap()).collect();
            for pair in projected[1..].windows(2) {
                prop_assert!(pair[1] <= pair[0] + 1e-6);
            }
            prop_assert!(projected.last().unwrap().abs() < 1e-9);
        }

        #[test]
        fn no_nan_or_infinity_leaves_any_public_function(
            c in any_company(),
            fy in 2022i32..2028,
            quarter in 1u8..5,
            growth in any_f64(),
            decline in any_f64(),
            life in any_f64(),
            share in prop::option::of(any_f64()),
            path in any_path(),
        ) {
            let p = q(fy, quarter);
            for m in Measure::all() {
                for basis in [Basis::Quarterly, Basis::Ttm, Basis::Annual] {
                    for alignment in [Alignment::Fiscal, Alignment::Calendar] {
                        prop_assert!(series_finite(&series(&c, m, basis, alignment)));
                        prop_assert!(series_finite(&growth_series(&c, m, basis, alignment)));
                    }
                    prop_assert!(finite(point_at(&c, m, p, basis).value));
                    prop_assert!(finite(growth_at(&c, m, p, basis).value));
                }
            }
            prop_assert!(card_finite(&scorecard(&c, p, &Thresholds::default())));
            let wp = WaveParams {
                short_life_years: life,
                long_life_years: life * 3.0,
                short_share: share,
                capex_path: path.clone(),
                revenue_growth_per_year: growth,
                ..WaveParams::default()
            };
            prop_assert!(wave_finite(&depreciation_wave(&c, &wp)));
            let sp = ScenarioParams {
                inference_cost_decline_per_year: decline,
                ai_revenue_growth_per_year: growth,
                capex_path: path,
                short_life_years: life,
                horizon_quarters: 8,
            };
            let s = scenario(&c, &sp, &Thresholds::default());
            for q in &s.quarters {
                prop_assert!(finite(q.fcf.value) && finite(q.fcf_ttm.value));
                prop_assert!(answers_finite(&q.answers));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn ttm_values_are_the_numbers_of_the_fiscal_ttm_series_point_for_point(c in any_company()) {
            for tv in ttm_values(&c, Metric::ALL) {
                let s = series(&c, Measure::Stored(tv.metric), Basis::Ttm, Alignment::Fiscal);
                let exact: Vec<Option<Decimal>> = s.points.iter().map(|p| p.exact).collect();
                prop_assert_eq!(&tv.values, &exact, "{}", tv.metric.key());
                for (i, p) in s.points.iter().enumerate() {
                    prop_assert_eq!(tv.period(i), Some(p.fiscal_period));
                }
                prop_assert_eq!(tv.first.is_none(), s.points.is_empty());
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Why Q4's second test is RPO growth itself: with positive values the
        /// change in coverage always has the sign of (RPO growth − revenue growth).
        #[test]
        fn coverage_rises_exactly_when_rpo_grows_faster_than_ttm_revenue(
            rev_a in 1i64..1_000_000, rev_b in 1i64..1_000_000,
            rpo_a in 1i64..10_000_000, rpo_b in 1i64..10_000_000,
        ) {
            let mut c = empty("COV");
            two_years(&mut c, Metric::Revenue, &rev_a.to_string(), &rev_b.to_string());
            add(&mut c, Metric::Rpo, 2024, 4, Decimal::from(rpo_a));
            add(&mut c, Metric::Rpo, 2025, 4, Decimal::from(rpo_b));
            let a = answer(&c, 3);
            let fig = |name: &str| a.figures.iter().find(|f| f.name == name).and_then(|f| f.exact);
            let (Some(g_rpo), Some(g_rev), Some(dc)) = (
                fig("RPO, YoY growth"),
                fig("TTM revenue, YoY growth"),
                fig("RPO coverage, change (years)"),
            ) else {
                return Err(TestCaseError::fail("figures missing"));
            };
            // Exact decimals round in the 28th digit: compare signs away from a tie.
            if (g_rpo - g_rev).abs() > Decimal::new(1, 20) {
                prop_assert_eq!(dc > Decimal::ZERO, g_rpo > g_rev);
            }
        }
    }
}

#[test]
fn ttm_values_of_amazon_give_148_5_billion_operating_cash_flow_at_q1_2026() {
    // Arrange
    let amzn = amazon();

    // Act
    let v = ttm_values(&amzn, &[Metric::OperatingCashFlow, Metric::PpeNet]);

    // Assert: 32,515 + 35,525 + 54,459 + 26,032 = 148,531 ($M); the first
    // three quarters (FY22 Q1–Q3) have no TTM; a balance is its own value.
    let ocf = &v[0];
    assert_eq!(ocf.first, Some(q(2022, 1)));
    assert_eq!(&ocf.values[..3], &[None, None, None]);
    let i = (q(2026, 1).index() - q(2022, 1).index()) as usize;
    assert_eq!(ocf.values[i], Some(millions(148_531)));
    assert_eq!(ocf.period(i), Some(q(2026, 1)));
    let ppe = &v[1];
    assert_eq!(ppe.values[i], Some(millions(397_458)));
}

// ----- methodology v2: fallbacks, Not applicable, history -------------------

#[test]
fn q1_step_1_compares_run_rates_four_quarters_apart() {
    let mut c = empty("RR1");
    two_years(&mut c, Metric::Capex, "100", "125");
    add(&mut c, Metric::AiRevenueRunRate, 2024, 4, d("10"));
    add(&mut c, Metric::AiRevenueRunRate, 2025, 4, d("13"));
    let a = answer(&c, 0);
    assert_eq!(a.step.unwrap().number, 1);
    assert!(a.notes.is_empty(), "no gap note: {:?}", a.notes);
}

#[test]
fn q1_step_1_annualises_the_growth_over_the_nearest_earlier_disclosure_3_to_6_quarters_back() {
    // Arrange: Microsoft's own pattern: $13B at FY25 Q2, $37B at FY26 Q3, five
    // quarters apart, nothing exactly a year earlier.
    let mut c = empty("MSFT5");
    for fy in [2024, 2025, 2026] {
        for quarter in 1..=4 {
            add(&mut c, Metric::Capex, fy, quarter, d("100"));
        }
    }
    add(&mut c, Metric::AiRevenueRunRate, 2025, 2, d("13000000000"));
    add(&mut c, Metric::AiRevenueRunRate, 2026, 3, d("37000000000"));

    // Act
    let card = scorecard(&c, q(2026, 3), &Thresholds::default());
    let a = &card.answers[0];

    // Assert: (37 / 13)^(4/5) − 1 = 130.9 % a year, against flat capex.
    assert_eq!(a.step.as_ref().unwrap().number, 1);
    let by_hand = (37.0_f64 / 13.0).powf(0.8) - 1.0;
    assert!((a.figures[0].value.unwrap() - by_hand).abs() < 1e-9);
    assert_eq!(a.signal, Signal::Healthy);
    assert!(
        a.notes.iter().any(|n| n.contains("5 quarters")),
        "{:?}",
        a.notes
    );
}

#[test]
fn q1_a_run_rate_more_than_6_quarters_back_is_not_compared() {
    let mut c = empty("RR7");
    two_years(&mut c, Metric::Capex, "100", "125");
    two_years(&mut c, Metric::CloudRevenue, "100", "130");
    add(&mut c, Metric::AiRevenueRunRate, 2024, 1, d("10"));
    add(&mut c, Metric::AiRevenueRunRate, 2025, 4, d("30"));
    let a = answer(&c, 0);
    assert_eq!(
        a.step.unwrap().number,
        2,
        "7 quarters apart: cloud revenue answers"
    );
}

#[test]
fn q1_step_2_uses_cloud_revenue_as_a_labelled_proxy() {
    let mut c = empty("CL");
    two_years(&mut c, Metric::Capex, "100", "125");
    two_years(&mut c, Metric::CloudRevenue, "100", "130");
    two_years(&mut c, Metric::Revenue, "1000", "1000");
    let a = answer(&c, 0);
    assert_eq!(a.step.as_ref().unwrap().number, 2);
    assert!(a.proxy.as_deref().unwrap().starts_with("Cloud revenue"));
    assert_eq!(a.signal, Signal::Healthy);
}

#[test]
fn q1_step_3_uses_total_revenue_for_a_company_without_a_cloud_segment() {
    let mut c = empty("ADS");
    two_years(&mut c, Metric::Capex, "100", "125");
    two_years(&mut c, Metric::Revenue, "1000", "1100");
    let a = answer(&c, 0);
    assert_eq!(a.step.as_ref().unwrap().number, 3);
    assert!(a.proxy.as_deref().unwrap().contains("no cloud segment"));
    // +10 % against +25 %: −15 pp ⇒ Watch.
    assert_eq!(a.signal, Signal::Watch);
}

#[test]
fn q1_without_capex_is_insufficient_and_names_capex() {
    let mut c = empty("NOCAPEX");
    two_years(&mut c, Metric::Revenue, "1000", "1100");
    let a = answer(&c, 0);
    assert_eq!(a.signal, Signal::InsufficientData);
    assert!(a.step.is_none());
    assert!(a.missing.iter().any(|m| matches!(
        m,
        Missing::Fact {
            metric: Metric::Capex,
            ..
        }
    )));
}

#[test]
fn q2_falls_back_to_gross_ppe_and_labels_it() {
    let mut c = empty("GROSS");
    two_years(&mut c, Metric::Revenue, "100", "100");
    for fy in [2023, 2024, 2025] {
        add(&mut c, Metric::PpeGross, fy, 4, d("1000"));
    }
    let a = answer(&c, 1);
    assert_eq!(a.step.as_ref().unwrap().number, 4);
    assert!(a.proxy.as_deref().unwrap().contains("Gross PP&E"));
    assert_eq!(a.signal, Signal::Healthy);
}

#[test]
fn q2_prefers_net_ppe_with_cloud_revenue() {
    let mut c = empty("NET");
    two_years(&mut c, Metric::Revenue, "100", "100");
    two_years(&mut c, Metric::CloudRevenue, "50", "50");
    for fy in [2023, 2024, 2025] {
        add(&mut c, Metric::PpeGross, fy, 4, d("2000"));
        add(&mut c, Metric::PpeNet, fy, 4, d("1000"));
    }
    let a = answer(&c, 1);
    assert_eq!(a.step.as_ref().unwrap().number, 1);
    assert!(a.proxy.is_none());
}

#[test]
fn q3_on_cost_of_revenue_alone_uses_the_one_ratio_thresholds() {
    // Cost ratio 50 % → 50.5 % (+0.5 pp) ⇒ Watch; → 51.01 % ⇒ Stress; flat ⇒ Healthy.
    let one = |cost: &str| {
        let mut c = empty("COST");
        two_years(&mut c, Metric::Revenue, "250", "250");
        two_years(&mut c, Metric::CostOfRevenue, "125", cost);
        answer(&c, 2)
    };
    let a = one("126.25");
    assert_eq!(a.step.as_ref().unwrap().number, 3);
    assert!(a
        .proxy
        .as_deref()
        .unwrap()
        .contains("cost of revenue / revenue"));
    assert_eq!(a.signal, Signal::Watch);
    assert_eq!(one("127.525").signal, Signal::Stress);
    assert_eq!(one("125").signal, Signal::Healthy);
}

#[test]
fn q3_on_depreciation_burden_alone_says_cost_of_revenue_is_not_reported() {
    let mut c = empty("DEP");
    two_years(&mut c, Metric::Revenue, "250", "250");
    two_years(&mut c, Metric::DepreciationAmortization, "25", "24");
    let a = answer(&c, 2);
    assert_eq!(a.signal, Signal::Healthy);
    assert!(a
        .proxy
        .as_deref()
        .unwrap()
        .contains("cost of revenue is not reported"));
}

#[test]
fn a_question_set_not_applicable_for_a_company_answers_so_with_its_reason_and_source() {
    // Arrange: Meta with RPO-free data (its table entry), and the same data under another ticker.
    let mut meta = empty("META");
    two_years(&mut meta, Metric::Revenue, "250", "275");
    let mut other = meta.clone();
    other.ticker = "OTHER".into();

    // Act
    let a = answer(&meta, 3);
    let b = answer(&other, 3);

    // Assert
    assert_eq!(a.signal, Signal::NotApplicable);
    assert!(a.sentence.contains("Meta"));
    assert!(a
        .source_url
        .as_deref()
        .unwrap()
        .starts_with("https://www.sec.gov/"));
    assert!(a.missing.is_empty());
    // Never by default: the same gap elsewhere is Insufficient data.
    assert_eq!(b.signal, Signal::InsufficientData);
}

#[test]
fn the_history_holds_each_questions_answer_at_each_of_the_last_eight_quarters() {
    // Arrange: revenue and capex for 2022–2025.
    let mut c = empty("HIST");
    for fy in 2022..=2025 {
        for quarter in 1..=4 {
            let x = Decimal::from(100 + 10 * (fy - 2022) as i64 * 4 + 10 * quarter as i64);
            add(&mut c, Metric::Revenue, fy, quarter, x);
            add(&mut c, Metric::Capex, fy, quarter, d("100"));
        }
    }

    // Act
    let card = scorecard(&c, q(2025, 4), &Thresholds::default());

    // Assert: 4 questions × 8 quarters, oldest first, ending at the scorecard's quarter.
    assert_eq!(card.history.len(), 4);
    for h in &card.history {
        let labels: Vec<&str> = h.answers.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "FY24 Q1", "FY24 Q2", "FY24 Q3", "FY24 Q4", "FY25 Q1", "FY25 Q2", "FY25 Q3",
                "FY25 Q4"
            ]
        );
    }
    // Each cell is the answer at its own quarter.
    for a in &card.history[0].answers {
        let alone = scorecard(&c, a.period, &Thresholds::default());
        assert_eq!(a.signal, alone.history[0].answers[7].signal);
        assert_eq!(a.sentence, alone.history[0].answers[7].sentence);
    }
    assert!(card.history[0].answers.iter().all(|a| a.signal.is_answer()));
}

#[test]
fn the_headline_shows_the_latest_answerable_quarter_and_names_what_the_newest_lacks() {
    // Arrange: capex and revenue through 2025 Q4, but the 2026 Q1 capex not yet in.
    let mut c = empty("ASOF");
    for fy in 2024..=2025 {
        for quarter in 1..=4 {
            add(&mut c, Metric::Revenue, fy, quarter, d("100"));
            add(&mut c, Metric::Capex, fy, quarter, d("50"));
        }
    }
    add(&mut c, Metric::Revenue, 2026, 1, d("100"));

    // Act
    let card = scorecard(&c, q(2026, 1), &Thresholds::default());
    let a = &card.answers[0];

    // Assert
    assert_eq!(a.label, "FY25 Q4");
    assert!(a.signal.is_answer());
    let gap = a.newer.as_ref().unwrap();
    assert_eq!(gap.label, "FY26 Q1");
    assert!(gap.missing.contains(&Missing::Fact {
        metric: Metric::Capex,
        period: q(2026, 1)
    }));
    let note = a.as_of_note().unwrap();
    assert!(note.starts_with("As of FY25 Q4: FY26 Q1"), "{note}");
    // The newest answer, when it exists, is the headline without a note.
    let latest = scorecard(&c, q(2025, 4), &Thresholds::default());
    assert!(latest.answers[0].newer.is_none());
}

#[test]
fn an_answer_that_no_quarter_can_give_stays_insufficient_at_the_latest_quarter() {
    let mut c = empty("NONE");
    add(&mut c, Metric::Revenue, 2025, 4, d("100"));
    let card = scorecard(&c, q(2025, 4), &Thresholds::default());
    assert!(card
        .answers
        .iter()
        .all(|a| a.signal == Signal::InsufficientData
            && a.label == "FY25 Q4"
            && a.newer.is_none()));
}

// ----- answer changes (the feed) ---------------------------------------------

#[test]
fn an_unchanged_scorecard_has_no_answer_changes_and_a_first_one_has_four() {
    let amzn = amazon();
    let latest = amzn.latest_quarter().unwrap();
    let card = scorecard(&amzn, latest, &Thresholds::default());

    assert!(answer_changes(Some(&card), &card).is_empty());
    let first = answer_changes(None, &card);
    assert_eq!(first.len(), 4);
    assert!(first.iter().all(|c| c.before.is_none()));
}

#[test]
fn a_new_quarter_changes_the_answers_it_moves_and_says_what_they_were() {
    // Before: Amazon without its FY26 Q2 figures; after: with them.
    let after_facts = amazon();
    let mut before_facts = amazon();
    before_facts.facts.retain(|f| f.period != q(2026, 2));
    let t = Thresholds::default();
    let before = scorecard(&before_facts, before_facts.latest_quarter().unwrap(), &t);
    let after = scorecard(&after_facts, after_facts.latest_quarter().unwrap(), &t);

    let changes = answer_changes(Some(&before), &after);

    assert!(!changes.is_empty());
    for c in &changes {
        let (label, signal) = c.before.clone().expect("there was an answer before");
        assert!(
            label != c.after.label || signal != c.after.signal,
            "{:?}: {label} {signal:?} → {} {:?}",
            c.question,
            c.after.label,
            c.after.signal
        );
    }
}
