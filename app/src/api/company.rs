//! A company's facts, scorecard and series: read once per request from the
//! current facts (one query), cached until the store changes.

use crate::error::AppError;
use domain::analytics::Scorecard;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One stored number in the facts table, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactCell {
    pub value: rust_decimal::Decimal,
    pub provenance: domain::analytics::Provenance,
    pub period_end: time::Date,
}

/// A metric's row in the quarterly facts table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactRow {
    pub metric: domain::Metric,
    pub cells: Vec<Option<FactCell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyPage {
    pub ticker: String,
    pub name: String,
    pub cik: Option<i64>,
    pub fiscal_year_end_month: u8,
    /// `None` when the company has no quarterly figures yet.
    pub scorecard: Option<Scorecard>,
    /// The quarters of the facts table, oldest first (`FY26 Q3`).
    pub quarters: Vec<String>,
    pub facts: Vec<FactRow>,
}

#[server]
pub async fn get_company(ticker: String) -> Result<CompanyPage, AppError> {
    let ticker = domain::Ticker::parse(&ticker).map_err(|e| {
        let err = AppError::Invalid(e.to_string());
        crate::ssr::set_status(&err);
        err
    })?;
    let ctx = crate::ssr::context()?;
    let Some(company) = ctx
        .facts
        .get(&ctx.pool, &ticker)
        .await
        .map_err(crate::ssr::db_error)?
    else {
        let err = AppError::NotFound(format!("No company with ticker {ticker} is in the store."));
        crate::ssr::set_status(&err);
        return Err(err);
    };
    Ok(ssr::page(&company, &ctx.thresholds))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{CompanyPage, FactCell, FactRow};
    use crate::ssr::facts::Company;
    use domain::analytics::{scorecard, Thresholds};
    use domain::{FiscalPeriod, Metric};
    use std::collections::BTreeMap;

    /// Metrics shown in the facts table, in statement order.
    const TABLE_METRICS: &[Metric] = &[
        Metric::Revenue,
        Metric::CloudRevenue,
        Metric::CostOfRevenue,
        Metric::OperatingIncome,
        Metric::NetIncome,
        Metric::OperatingCashFlow,
        Metric::Capex,
        Metric::CapexProceeds,
        Metric::FinanceLeasePrincipal,
        Metric::DepreciationAmortization,
        Metric::PpeGross,
        Metric::PpeNet,
        Metric::Rpo,
    ];
    /// Quarters shown in the facts table.
    const TABLE_QUARTERS: usize = 8;

    /// The latest fiscal quarter with revenue, capex or operating cash flow.
    pub fn latest_quarter(company: &Company) -> Option<FiscalPeriod> {
        company
            .facts
            .facts
            .iter()
            .filter(|f| !f.period.is_full_year())
            .filter(|f| {
                matches!(
                    f.metric,
                    Metric::Revenue | Metric::Capex | Metric::OperatingCashFlow
                )
            })
            .map(|f| f.period)
            .max()
    }

    pub fn page(company: &Company, thresholds: &Thresholds) -> CompanyPage {
        let latest = latest_quarter(company);
        let scorecard = latest.map(|p| scorecard(&company.facts, p, thresholds));
        let (quarters, facts) = match latest {
            Some(latest) => facts_table(company, latest),
            None => (Vec::new(), Vec::new()),
        };
        CompanyPage {
            ticker: company.facts.ticker.clone(),
            name: company.name.clone(),
            cik: company.cik,
            fiscal_year_end_month: company.facts.fiscal_year_end_month,
            scorecard,
            quarters,
            facts,
        }
    }

    fn facts_table(company: &Company, latest: FiscalPeriod) -> (Vec<String>, Vec<FactRow>) {
        let mut periods = vec![latest];
        while periods.len() < TABLE_QUARTERS {
            let Some(last) = periods.last().copied() else {
                break;
            };
            periods.push(last.previous());
        }
        periods.reverse();
        let mut by_key: BTreeMap<(Metric, FiscalPeriod), FactCell> = BTreeMap::new();
        for f in &company.facts.facts {
            by_key.insert(
                (f.metric, f.period),
                FactCell {
                    value: f.value,
                    provenance: f.provenance.clone(),
                    period_end: f.period_end,
                },
            );
        }
        let rows = TABLE_METRICS
            .iter()
            .map(|m| FactRow {
                metric: *m,
                cells: periods
                    .iter()
                    .map(|p| by_key.get(&(*m, *p)).cloned())
                    .collect(),
            })
            .filter(|row| row.cells.iter().any(Option::is_some))
            .collect();
        (periods.iter().map(|p| p.label()).collect(), rows)
    }
}
