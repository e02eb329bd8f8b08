//! Test data: Amazon's discrete quarters, copied from
//! `data/bundled/filings-quarterly.csv` (columns `ticker,fiscal_year,
//! fiscal_quarter,period_start,period_end,metric,value_usd,source`), in
//! millions of dollars. Each tuple is one CSV row `AMZN,<fy>,Q<q>,…,<metric>,<value>000000`.
//! CSV metric names map as: `finance_lease_principal_payments` →
//! `finance_lease_principal`, `ppe_sales_proceeds_and_incentives` → `capex_proceeds`.
//! Q4 rows are DERIVED in the CSV (FY − 9M) and marked `Derived` here.

use super::input::{CompanyFacts, FactPoint};
use crate::{FiscalPeriod, Metric, MetricKind};
use crate::{Provenance, SourceKind};
use rust_decimal::Decimal;
use time::{Date, Month};

type Rows = &'static [(i32, u8, i64)];

#[rustfmt::skip]
const AMAZON: &[(Metric, Rows)] = &[
    (Metric::Revenue, &[(2022, 1, 116444), (2022, 2, 121234), (2022, 3, 127101), (2022, 4, 149204), (2023, 1, 127358), (2023, 2, 134383), (2023, 3, 143083), (2023, 4, 169961), (2024, 1, 143313), (2024, 2, 147977), (2024, 3, 158877), (2024, 4, 187792), (2025, 1, 155667), (2025, 2, 167702), (2025, 3, 180169), (2025, 4, 213386), (2026, 1, 181519), (2026, 2, 200606)]),
    (Metric::NetIncome, &[(2022, 1, -3844), (2022, 2, -2028), (2022, 3, 2872), (2022, 4, 278), (2023, 1, 3172), (2023, 2, 6750), (2023, 3, 9879), (2023, 4, 10624), (2024, 1, 10431), (2024, 2, 13485), (2024, 3, 15328), (2024, 4, 20004), (2025, 1, 17127), (2025, 2, 18164), (2025, 3, 21187), (2025, 4, 21192), (2026, 1, 30255), (2026, 2, 62647)]),
    (Metric::OperatingCashFlow, &[(2022, 1, -2790), (2022, 2, 8965), (2022, 3, 11404), (2022, 4, 29173), (2023, 1, 4788), (2023, 2, 16476), (2023, 3, 21217), (2023, 4, 42465), (2024, 1, 18989), (2024, 2, 25281), (2024, 3, 25971), (2024, 4, 45636), (2025, 1, 17015), (2025, 2, 32515), (2025, 3, 35525), (2025, 4, 54459), (2026, 1, 26032), (2026, 2, 45387)]),
    (Metric::Capex, &[(2022, 1, 14951), (2022, 2, 15724), (2022, 3, 16378), (2022, 4, 16592), (2023, 1, 14207), (2023, 2, 11455), (2023, 3, 12479), (2023, 4, 14588), (2024, 1, 14925), (2024, 2, 17620), (2024, 3, 22620), (2024, 4, 27834), (2025, 1, 25019), (2025, 2, 32183), (2025, 3, 35095), (2025, 4, 39522), (2026, 1, 44203), (2026, 2, 54208)]),
    (Metric::DepreciationAmortization, &[(2022, 1, 8978), (2022, 2, 9594), (2022, 3, 10204), (2022, 4, 12685), (2023, 1, 11123), (2023, 2, 11589), (2023, 3, 12131), (2023, 4, 13820), (2024, 1, 11684), (2024, 2, 12038), (2024, 3, 13442), (2024, 4, 15631), (2025, 1, 14262), (2025, 2, 15227), (2025, 3, 16796), (2025, 4, 19471), (2026, 1, 18945), (2026, 2, 19988)]),
    (Metric::FinanceLeasePrincipal, &[(2022, 1, 2777), (2022, 2, 2059), (2022, 3, 1465), (2022, 4, 1640), (2023, 1, 1380), (2023, 2, 1220), (2023, 3, 1005), (2023, 4, 779), (2024, 1, 770), (2024, 2, 538), (2024, 3, 402), (2024, 4, 333), (2025, 1, 410), (2025, 2, 411), (2025, 3, 351), (2025, 4, 385), (2026, 1, 468), (2026, 2, 395)]),
    (Metric::PpeNet, &[(2022, 1, 168468), (2022, 2, 173706), (2022, 3, 177195), (2022, 4, 186715), (2023, 1, 190754), (2023, 2, 193784), (2023, 3, 196468), (2023, 4, 204177), (2024, 1, 209950), (2024, 2, 220717), (2024, 3, 237917), (2024, 4, 252665), (2025, 1, 272781), (2025, 2, 297616), (2025, 3, 324435), (2025, 4, 357025), (2026, 1, 397458)]),
    // Only four quarters of proceeds are in the CSV: 2025 Q1, Q2 and 2026 Q1, Q2.
    (Metric::CapexProceeds, &[(2025, 1, 764), (2025, 2, 815), (2026, 1, 969), (2026, 2, 1132)]),
];

pub(crate) fn q(fiscal_year: i32, quarter: u8) -> FiscalPeriod {
    FiscalPeriod {
        fiscal_year,
        quarter,
    }
}

pub(crate) fn millions(v: i64) -> Decimal {
    Decimal::from(v) * Decimal::from(1_000_000)
}

/// A calendar-year company's quarter as a fact (Amazon's fiscal year is the calendar year).
pub(crate) fn fact(
    metric: Metric,
    fy: i32,
    quarter: u8,
    value: Decimal,
    fact_id: i64,
) -> FactPoint {
    let end_month = Month::try_from(quarter * 3).unwrap();
    let end = Date::from_calendar_date(fy, end_month, end_month.length(fy)).unwrap();
    let start = Date::from_calendar_date(fy, Month::try_from(quarter * 3 - 2).unwrap(), 1).unwrap();
    FactPoint {
        metric,
        period: q(fy, quarter),
        period_start: (metric.kind() == MetricKind::Flow).then_some(start),
        period_end: end,
        value,
        provenance: Provenance {
            fact_id,
            kind: if quarter == 4 {
                SourceKind::Derived
            } else {
                SourceKind::Filing
            },
            label: format!(
                "filings-quarterly.csv AMZN {fy} Q{quarter} {}",
                metric.key()
            ),
            url: None,
        },
    }
}

/// Amazon as bundled: nets capex proceeds in its FCF.
pub(crate) fn amazon() -> CompanyFacts {
    let mut facts = Vec::new();
    for (metric, rows) in AMAZON {
        for (fy, quarter, v) in *rows {
            let id = facts.len() as i64 + 1;
            facts.push(fact(*metric, *fy, *quarter, millions(*v), id));
        }
    }
    CompanyFacts {
        ticker: "AMZN".into(),
        fiscal_year_end_month: 12,
        nets_capex_proceeds: true,
        facts,
        guidance_history: Vec::new(),
    }
}

/// A company with no facts yet.
pub(crate) fn empty(ticker: &str) -> CompanyFacts {
    CompanyFacts {
        ticker: ticker.into(),
        fiscal_year_end_month: 12,
        nets_capex_proceeds: false,
        facts: Vec::new(),
        guidance_history: Vec::new(),
    }
}

/// Adds a fact (next free id) to a company.
pub(crate) fn add(c: &mut CompanyFacts, metric: Metric, fy: i32, quarter: u8, value: Decimal) {
    let id = c
        .facts
        .iter()
        .map(|f| f.provenance.fact_id)
        .max()
        .unwrap_or(0)
        + 1;
    c.facts.push(fact(metric, fy, quarter, value, id));
}
