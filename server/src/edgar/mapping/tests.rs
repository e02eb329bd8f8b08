//! Mapping tests against the real company-facts files in `data/bundled/edgar/`
//! (served by data.sec.gov; see data/bundled/SOURCES.md), plus small
//! synthetic documents for the edge cases.

use super::*;
use crate::edgar::model::EdgarCompanyFacts;
use crate::edgar::tags::TagMap;
use std::sync::OnceLock;
use time::macros::date;

fn load(file: &str) -> EdgarCompanyFacts {
    let path = format!(
        "{}/../data/bundled/edgar/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    EdgarCompanyFacts::from_slice(&bytes).unwrap()
}

fn map(doc: &EdgarCompanyFacts, ticker: &str, fye: u8) -> Mapped {
    let opts = MapOptions {
        ticker: Ticker::parse(ticker).unwrap(),
        cik: Cik::new(doc.cik).unwrap(),
        calendar: FiscalCalendar::new(fye).unwrap(),
        since_fiscal_year: None,
    };
    map_company_facts(doc, &TagMap::builtin().unwrap(), &opts).unwrap()
}

fn alphabet() -> &'static Mapped {
    static M: OnceLock<Mapped> = OnceLock::new();
    M.get_or_init(|| map(&load("companyfacts_CIK0001652044.json"), "GOOGL", 12))
}

fn nvidia() -> &'static Mapped {
    static M: OnceLock<Mapped> = OnceLock::new();
    M.get_or_init(|| map(&load("companyfacts_CIK0001045810.json"), "NVDA", 1))
}

fn microsoft() -> &'static Mapped {
    static M: OnceLock<Mapped> = OnceLock::new();
    M.get_or_init(|| map(&load("companyfacts_CIK0000789019_subset.json"), "MSFT", 6))
}

fn records(m: &Mapped, metric: Metric, fy: i32, q: u8) -> Vec<&FactRecord> {
    m.records
        .iter()
        .filter(|r| r.metric == metric && r.period.fiscal_year == fy && r.period.quarter == q)
        .collect()
}

/// The value first known for a key (what "as first reported" shows).
fn first(m: &Mapped, metric: Metric, fy: i32, q: u8) -> &FactRecord {
    let rs = records(m, metric, fy, q);
    rs.into_iter()
        .min_by_key(|r| r.known_at)
        .unwrap_or_else(|| panic!("no {metric} FY{fy} Q{q}"))
}

fn usd(n: i64) -> Decimal {
    Decimal::from(n)
}

#[test]
fn alphabets_2025_q2_capex_is_derived_as_six_months_minus_three_months() {
    // 10-Q for Q2 2025 (filed 2025-07-24): six months 39,643; 10-Q for Q1 2025
    // (filed 2025-04-25): three months 17,197. Q2 = 39,643 − 17,197 = 22,446 ($M).
    let r = first(alphabet(), Metric::Capex, 2025, 2);
    assert_eq!(r.value, usd(22_446_000_000));
    assert_eq!(r.source.kind, SourceKind::Derived);
    assert_eq!(r.known_at, date!(2025 - 07 - 24));
    assert_eq!(r.period_start, Some(date!(2025 - 04 - 01)));
    assert_eq!(r.period_end, date!(2025 - 06 - 30));
    let d = r.source.derivation.as_ref().unwrap();
    assert_eq!(d["formula"], "Q2 = 6M - 3M");
    assert_eq!(d["inputs"][0]["value"], 39_643_000_000i64);
    assert_eq!(d["inputs"][0]["accession"], "0001652044-25-000062");
    assert_eq!(d["inputs"][0]["form"], "10-Q");
    assert_eq!(d["inputs"][1]["value"], 17_197_000_000i64);
    assert_eq!(d["inputs"][1]["filed"], "2025-04-25");
    assert_eq!(
        r.source.accession.as_ref().unwrap().as_str(),
        "0001652044-25-000062"
    );
}

#[test]
fn alphabets_2025_q4_capex_and_revenue_are_the_full_year_minus_nine_months() {
    // Capex: FY 91,447 (10-K filed 2026-02-05) − 9M 63,596 (10-Q filed 2025-10-30) = 27,851.
    let capex = first(alphabet(), Metric::Capex, 2025, 4);
    assert_eq!(capex.value, usd(27_851_000_000));
    assert_eq!(capex.known_at, date!(2026 - 02 - 05));
    assert_eq!(capex.source.form.as_deref(), Some("10-K"));
    assert_eq!(
        capex.source.derivation.as_ref().unwrap()["formula"],
        "Q4 = FY - 9M"
    );
    // Revenue: FY 402,836 − 9M 289,007 = 113,829.
    let revenue = first(alphabet(), Metric::Revenue, 2025, 4);
    assert_eq!(revenue.value, usd(113_829_000_000));
    assert_eq!(revenue.source.kind, SourceKind::Derived);
}

#[test]
fn alphabets_q1_is_the_reported_three_month_value() {
    let r = first(alphabet(), Metric::Capex, 2025, 1);
    assert_eq!(r.value, usd(17_197_000_000));
    assert_eq!(r.source.kind, SourceKind::Filing);
    assert_eq!(
        r.source.url.as_deref(),
        Some("https://www.sec.gov/Archives/edgar/data/1652044/000165204425000043/")
    );
    assert!(r.source.text.starts_with(
        "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment [USD] {\"start\":\"2025-01-01\""
    ));
}

#[test]
fn alphabets_revenue_tag_switch_in_2025_is_followed_without_double_counting() {
    // Q1 2025 was first reported under RevenueFromContractWithCustomerExcludingAssessedTax
    // (10-Q filed 2025-04-25); the Q1 2026 10-Q repeats it under Revenues (same value: no new record).
    let q1 = records(alphabet(), Metric::Revenue, 2025, 1);
    assert_eq!(q1.len(), 1);
    assert_eq!(q1[0].value, usd(90_234_000_000));
    assert_eq!(q1[0].known_at, date!(2025 - 04 - 25));
    assert!(q1[0]
        .source
        .text
        .starts_with("us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"));
    // Q2 2025 exists only under Revenues.
    let q2 = records(alphabet(), Metric::Revenue, 2025, 2);
    assert_eq!(q2.len(), 1);
    assert_eq!(q2[0].value, usd(96_428_000_000));
    assert!(q2[0].source.text.starts_with("us-gaap:Revenues "));
    // Never two records for the same key known on the same day.
    let mut seen = std::collections::HashSet::new();
    for r in &alphabet().records {
        assert!(
            seen.insert((r.metric, r.period, r.known_at)),
            "duplicate {r:?}"
        );
    }
}

#[test]
fn a_10k_comparative_is_assigned_to_its_own_period_not_the_filings_fiscal_year() {
    // The FY2025 10-K (fy 2025, filed 2026-02-05) reports FY2025 capex 91,447 and,
    // as a comparative, FY2024 capex 52,535, first reported in the FY2024 10-K.
    let fy2025 = records(alphabet(), Metric::Capex, 2025, 0);
    assert_eq!(fy2025.len(), 1);
    assert_eq!(
        (fy2025[0].value, fy2025[0].known_at),
        (usd(91_447_000_000), date!(2026 - 02 - 05))
    );
    let fy2024 = records(alphabet(), Metric::Capex, 2024, 0);
    assert_eq!(fy2024.len(), 1);
    assert_eq!(
        (fy2024[0].value, fy2024[0].known_at),
        (usd(52_535_000_000), date!(2025 - 02 - 05))
    );
}

#[test]
fn a_comparative_with_a_different_value_is_a_restatement_of_its_own_period() {
    // One 10-K (fy 2025) with the current year and a revised prior year.
    let d = doc(&format!(
        r#""PaymentsToAcquirePropertyPlantAndEquipment": {{"units": {{"USD": [{}, {}, {}]}}}}"#,
        fact(
            "2024-01-01",
            "2024-12-31",
            50,
            "0001652044-25-000001",
            "10-K",
            "2025-02-05"
        ),
        fact(
            "2024-01-01",
            "2024-12-31",
            52,
            "0001652044-26-000001",
            "10-K",
            "2026-02-05"
        ),
        fact(
            "2025-01-01",
            "2025-12-31",
            91,
            "0001652044-26-000001",
            "10-K",
            "2026-02-05"
        ),
    ));
    let m = map(&d, "GOOGL", 12);
    let fy2024 = records(&m, Metric::Capex, 2024, 0);
    assert_eq!(
        fy2024
            .iter()
            .map(|r| (r.value, r.known_at))
            .collect::<Vec<_>>(),
        [
            (usd(50), date!(2025 - 02 - 05)),
            (usd(52), date!(2026 - 02 - 05))
        ]
    );
    assert_eq!(records(&m, Metric::Capex, 2025, 0)[0].value, usd(91));
}

#[test]
fn a_value_repeated_by_later_filings_is_kept_once_as_first_reported() {
    let q1 = records(alphabet(), Metric::Capex, 2025, 1);
    assert_eq!(q1.len(), 1);
    assert_eq!(q1[0].known_at, date!(2025 - 04 - 25));
    assert!(alphabet().repeats > 0);
}

#[test]
fn alphabets_net_ppe_follows_the_tag_that_includes_finance_lease_assets() {
    let r = first(alphabet(), Metric::PpeNet, 2026, 1);
    assert_eq!(r.value, usd(281_020_000_000));
    assert_eq!(r.period_start, None);
    assert_eq!(r.period_end, date!(2026 - 03 - 31));
    assert!(r.source.text.contains("FinanceLeaseRightOfUseAsset"));
    assert_eq!(
        first(alphabet(), Metric::PpeNet, 2025, 1).value,
        usd(185_062_000_000)
    );
}

#[test]
fn nvidias_quarter_ending_on_august_1_is_fiscal_2022_q2() {
    // Q2 FY2022 ran 2021-05-03 to 2021-08-01; revenue 6,507.
    let r = first(nvidia(), Metric::Revenue, 2022, 2);
    assert_eq!(r.period_end, date!(2021 - 08 - 01));
    assert_eq!(r.value, usd(6_507_000_000));
    assert_eq!(
        first(nvidia(), Metric::Revenue, 2022, 1).period_end,
        date!(2021 - 05 - 02)
    );
}

#[test]
fn nvidias_fiscal_2026_capex_quarters_are_derived_from_year_to_date_values() {
    // PaymentsToAcquireProductiveAssets, fiscal year ended 2026-01-25:
    // Q1 1,227 (3M); Q2 = 3,122 − 1,227 = 1,895; Q3 = 4,758 − 3,122 = 1,636; Q4 = 6,042 − 4,758 = 1,284.
    let m = nvidia();
    assert_eq!(first(m, Metric::Capex, 2026, 1).value, usd(1_227_000_000));
    assert_eq!(first(m, Metric::Capex, 2026, 2).value, usd(1_895_000_000));
    assert_eq!(first(m, Metric::Capex, 2026, 3).value, usd(1_636_000_000));
    let q4 = first(m, Metric::Capex, 2026, 4);
    assert_eq!(q4.value, usd(1_284_000_000));
    assert_eq!(q4.period_end, date!(2026 - 01 - 25));
    assert_eq!(q4.period_start, Some(date!(2025 - 10 - 27)));
    assert_eq!(first(m, Metric::Capex, 2027, 1).value, usd(1_757_000_000));
}

#[test]
fn microsofts_fiscal_2026_q3_is_the_quarter_ended_march_31_2026() {
    let m = microsoft();
    let revenue = first(m, Metric::Revenue, 2026, 3);
    assert_eq!(revenue.period_end, date!(2026 - 03 - 31));
    assert_eq!(revenue.period_start, Some(date!(2026 - 01 - 01)));
    assert_eq!(revenue.value, usd(82_886_000_000));
    assert_eq!(first(m, Metric::Capex, 2026, 3).value, usd(30_876_000_000));
    assert_eq!(
        first(m, Metric::OperatingCashFlow, 2026, 2).value,
        usd(35_758_000_000)
    );
}

#[test]
fn microsofts_reported_three_month_cash_flows_are_used_rather_than_derived() {
    let q3 = first(microsoft(), Metric::Capex, 2026, 3);
    assert_eq!(q3.source.kind, SourceKind::Filing);
    // And they agree with the year-to-date difference: 80,146 − 49,270 = 30,876.
    assert_eq!(usd(80_146_000_000) - usd(49_270_000_000), q3.value);
}

#[test]
fn year_to_date_inputs_are_not_stored_as_periods() {
    let m = alphabet();
    assert!(m.ytd_inputs > 0);
    assert!(m.records.iter().all(|r| r.period.quarter == 0
        || r.period_start
            .is_none_or(|s| (r.period_end - s).whole_days() < 100)));
}

// --- synthetic documents ---

fn doc(entries: &str) -> EdgarCompanyFacts {
    let json = format!(
        r#"{{"cik": 1652044, "entityName": "TEST", "facts": {{"us-gaap": {{ {entries} }}}}}}"#
    );
    EdgarCompanyFacts::from_slice(json.as_bytes()).unwrap()
}

fn fact(start: &str, end: &str, val: i64, accn: &str, form: &str, filed: &str) -> String {
    let start = if start.is_empty() {
        String::new()
    } else {
        format!(r#""start": "{start}","#)
    };
    format!(
        r#"{{{start} "end": "{end}", "val": {val}, "accn": "{accn}", "fy": 2025, "fp": "Q1", "form": "{form}", "filed": "{filed}"}}"#
    )
}

#[test]
fn non_usd_units_and_non_periodic_forms_are_skipped_with_a_reason() {
    let d = doc(&format!(
        r#""Revenues": {{"units": {{"EUR": [{}], "USD": [{}]}}}}"#,
        fact(
            "2025-01-01",
            "2025-03-31",
            5,
            "0001652044-25-000001",
            "10-Q",
            "2025-04-25"
        ),
        fact(
            "2025-01-01",
            "2025-03-31",
            7,
            "0001652044-25-000002",
            "8-K",
            "2025-04-24"
        ),
    ));
    let m = map(&d, "GOOGL", 12);
    assert!(m.records.is_empty());
    assert_eq!(m.skipped.get("unit EUR is not USD"), Some(&1));
    assert_eq!(m.skipped.get("form 8-K is not a 10-K or 10-Q"), Some(&1));
}

#[test]
fn a_restated_value_in_a_later_filing_is_a_second_record_known_later() {
    let d = doc(&format!(
        r#""Revenues": {{"units": {{"USD": [{}, {}]}}}}"#,
        fact(
            "2024-01-01",
            "2024-03-31",
            100,
            "0001652044-24-000001",
            "10-Q",
            "2024-04-25"
        ),
        fact(
            "2024-01-01",
            "2024-03-31",
            90,
            "0001652044-25-000001",
            "10-Q",
            "2025-04-25"
        ),
    ));
    let rs = map(&d, "GOOGL", 12).records;
    assert_eq!(rs.len(), 2);
    assert_eq!(
        (rs[0].value, rs[0].known_at),
        (usd(100), date!(2024 - 04 - 25))
    );
    assert_eq!(
        (rs[1].value, rs[1].known_at),
        (usd(90), date!(2025 - 04 - 25))
    );
}

#[test]
fn a_derived_quarter_follows_a_restated_input() {
    // 6M = 30 then restated to 33 a year later; 3M = 10: Q2 = 20, later 23.
    let d = doc(&format!(
        r#""NetCashProvidedByUsedInOperatingActivities": {{"units": {{"USD": [{}, {}, {}]}}}}"#,
        fact(
            "2024-01-01",
            "2024-03-31",
            10,
            "0001652044-24-000001",
            "10-Q",
            "2024-04-25"
        ),
        fact(
            "2024-01-01",
            "2024-06-30",
            30,
            "0001652044-24-000002",
            "10-Q",
            "2024-07-25"
        ),
        fact(
            "2024-01-01",
            "2024-06-30",
            33,
            "0001652044-25-000002",
            "10-Q",
            "2025-07-25"
        ),
    ));
    let m = map(&d, "GOOGL", 12);
    let q2 = records(&m, Metric::OperatingCashFlow, 2024, 2);
    assert_eq!(q2.len(), 2);
    assert_eq!(
        (q2[0].value, q2[0].known_at),
        (usd(20), date!(2024 - 07 - 25))
    );
    assert_eq!(
        (q2[1].value, q2[1].known_at),
        (usd(23), date!(2025 - 07 - 25))
    );
    assert_eq!(m.derived, 2);
}

#[test]
fn no_quarter_is_derived_once_a_three_month_value_was_reported() {
    let d = doc(&format!(
        r#""NetCashProvidedByUsedInOperatingActivities": {{"units": {{"USD": [{}, {}, {}]}}}}"#,
        fact(
            "2024-01-01",
            "2024-03-31",
            10,
            "0001652044-24-000001",
            "10-Q",
            "2024-04-25"
        ),
        fact(
            "2024-01-01",
            "2024-06-30",
            30,
            "0001652044-24-000002",
            "10-Q",
            "2024-07-25"
        ),
        fact(
            "2024-04-01",
            "2024-06-30",
            20,
            "0001652044-24-000002",
            "10-Q",
            "2024-07-25"
        ),
    ));
    let m = map(&d, "GOOGL", 12);
    let q2 = records(&m, Metric::OperatingCashFlow, 2024, 2);
    assert_eq!(q2.len(), 1);
    assert_eq!(q2[0].source.kind, SourceKind::Filing);
    assert_eq!(m.derived, 0);
}

#[test]
fn a_less_preferred_tag_in_the_same_filing_is_skipped() {
    let d = doc(&format!(
        r#""Revenues": {{"units": {{"USD": [{}]}}}}, "RevenueFromContractWithCustomerExcludingAssessedTax": {{"units": {{"USD": [{}]}}}}"#,
        fact(
            "2024-01-01",
            "2024-03-31",
            100,
            "0001652044-24-000001",
            "10-Q",
            "2024-04-25"
        ),
        fact(
            "2024-01-01",
            "2024-03-31",
            95,
            "0001652044-24-000001",
            "10-Q",
            "2024-04-25"
        ),
    ));
    let m = map(&d, "GOOGL", 12);
    assert_eq!(m.records.len(), 1);
    assert_eq!(m.records[0].value, usd(100));
    assert_eq!(
        m.skipped
            .get("same period and filing reported under a preferred tag"),
        Some(&1)
    );
}

#[test]
fn a_malformed_date_is_an_error_naming_the_tag_and_filing() {
    let d = doc(&format!(
        r#""Revenues": {{"units": {{"USD": [{}]}}}}"#,
        fact(
            "2024-01-01",
            "2024-13-31",
            100,
            "0001652044-24-000001",
            "10-Q",
            "2024-04-25"
        ),
    ));
    let opts = MapOptions {
        ticker: Ticker::parse("GOOGL").unwrap(),
        cik: Cik::new(1652044).unwrap(),
        calendar: FiscalCalendar::new(12).unwrap(),
        since_fiscal_year: None,
    };
    let err = map_company_facts(&d, &TagMap::builtin().unwrap(), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("us-gaap:Revenues") && err.contains("0001652044-24-000001"),
        "{err}"
    );
}

#[test]
fn the_since_option_drops_earlier_fiscal_years() {
    let opts = MapOptions {
        ticker: Ticker::parse("GOOGL").unwrap(),
        cik: Cik::new(1652044).unwrap(),
        calendar: FiscalCalendar::new(12).unwrap(),
        since_fiscal_year: Some(2022),
    };
    let m = map_company_facts(
        &load("companyfacts_CIK0001652044.json"),
        &TagMap::builtin().unwrap(),
        &opts,
    )
    .unwrap();
    assert!(m.records.iter().all(|r| r.period.fiscal_year >= 2022));
    assert!(m.skipped["before the first fiscal year imported"] > 0);
}

#[test]
fn microsofts_fiscal_2026_q4_cash_flows_are_the_full_year_minus_nine_months() {
    // Year ended 2026-06-30 (10-K) minus nine months ended 2026-03-31 (10-Q filed 2026-04-29):
    // capex 115,948 − 80,146 = 35,802; operating cash flow − 127,494 = 55,441 ($M).
    let m = microsoft();
    let capex = first(m, Metric::Capex, 2026, 4);
    assert_eq!(capex.value, usd(35_802_000_000));
    assert_eq!(capex.source.kind, SourceKind::Derived);
    assert_eq!(capex.period_start, Some(date!(2026 - 04 - 01)));
    assert_eq!(
        first(m, Metric::OperatingCashFlow, 2026, 4).value,
        usd(55_441_000_000)
    );
    assert_eq!(
        first(m, Metric::FinanceLeasePrincipal, 2026, 4).value,
        usd(922_000_000)
    );
}

/// A small deterministic generator (xorshift), so the property test needs no extra crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn differencing_year_to_date_values_gives_back_the_quarters_for_any_values_and_year_end() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..200 {
        let fye = (rng.next() % 12 + 1) as u8;
        let calendar = FiscalCalendar::new(fye).unwrap();
        // Quarter ends: the last day of the fiscal year-end month and of the months 3, 6, 9 before.
        let year_end =
            Date::from_calendar_date(2024, time::Month::try_from(fye).unwrap(), 1).unwrap();
        let month_end = |d: Date| d.replace_day(d.month().length(d.year())).unwrap();
        let add_months = |d: Date, m: i32| {
            let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + m;
            Date::from_calendar_date(
                total.div_euclid(12),
                time::Month::try_from((total.rem_euclid(12) + 1) as u8).unwrap(),
                1,
            )
            .unwrap()
        };
        let start = add_months(year_end, -11);
        let ends: Vec<Date> = (1..=4)
            .map(|q| month_end(add_months(start, 3 * q - 1)))
            .collect();
        let quarters: Vec<i64> = (0..4)
            .map(|_| (rng.next() % 2_000_000_000) as i64 - 500_000_000)
            .collect();
        let mut entries = Vec::new();
        let mut ytd = 0;
        for (q, end) in ends.iter().enumerate() {
            ytd += quarters[q];
            let form = if q == 3 { "10-K" } else { "10-Q" };
            let accn = format!("0001652044-24-{:06}", case * 10 + q);
            let filed = (*end + Duration::days(30)).to_string();
            entries.push(fact(
                &start.to_string(),
                &end.to_string(),
                ytd,
                &accn,
                form,
                &filed,
            ));
        }
        let d = doc(&format!(
            r#""NetCashProvidedByUsedInOperatingActivities": {{"units": {{"USD": [{}]}}}}"#,
            entries.join(",")
        ));
        let m = map(&d, "GOOGL", fye);
        let fiscal_year = calendar.quarter_ending(ends[3]).unwrap().fiscal_year;
        for q in 1..=4u8 {
            let r = first(&m, Metric::OperatingCashFlow, fiscal_year, q);
            assert_eq!(
                r.value,
                usd(quarters[usize::from(q) - 1]),
                "case {case}, year end {fye}, Q{q}"
            );
            assert_eq!(r.period_end, ends[usize::from(q) - 1]);
        }
        assert_eq!(
            first(&m, Metric::OperatingCashFlow, fiscal_year, 0).value,
            usd(quarters.iter().sum())
        );
    }
}
