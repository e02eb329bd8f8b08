//! A company's facts, scorecard and series: read once per request from the
//! current facts (one query), cached until the store changes.

use crate::error::AppError;
use domain::analytics::Scorecard;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A metric's row in the quarterly facts table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactTableRow {
    pub metric: domain::Metric,
    pub cells: Vec<Option<super::FactCell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyPage {
    pub ticker: String,
    pub name: String,
    pub cik: Option<i64>,
    pub fiscal_year_end_month: u8,
    /// `None` when the company has no quarterly figures yet.
    ///
    /// Server only (never serialized), like `facts`: the scorecard and the
    /// facts table are static markup (native `<details>` and links), so the
    /// server renders them once and the browser receives that HTML, not the
    /// numbers again with the code to draw them
    /// (`routes::company::ServerFragment`).
    #[serde(skip)]
    pub scorecard: Option<Scorecard>,
    /// The quarters of the facts table, oldest first (`FY26 Q3`).
    pub quarters: Vec<String>,
    /// Period-end dates of `quarters`.
    pub quarter_ends: Vec<Option<time::Date>>,
    /// The facts table's rows. Server only, as `scorecard`.
    #[serde(skip)]
    pub facts: Vec<FactTableRow>,
    /// The latest quarter with figures, and its end (TTM figures run through it).
    pub latest: Option<domain::FiscalPeriod>,
    pub latest_end: Option<time::Date>,
    /// The analytics input: the company's current facts. The browser reruns
    /// the depreciation wave and scenarios on it without a round trip.
    pub analytics: domain::analytics::CompanyFacts,
    pub thresholds: domain::analytics::Thresholds,
    /// The link-preview image: capex against depreciation, absolute URL.
    pub og_image: String,
}

#[server(output = crate::api::codec::PageJson)]
pub async fn get_company(ticker: String) -> Result<CompanyPage, AppError> {
    let (ctx, company) = ssr::current_company(&ticker).await?;
    Ok(ssr::page(&company, &ctx.thresholds))
}

/// The depreciation wave and a scenario for `ticker`: the methodology's
/// default scenario when `params` is `None`. Reads the company's current facts
/// once (from the facts cache when nothing changed). Public data: no sign-in.
/// Served at `POST /api/projection`.
#[server(endpoint = "projection")]
pub async fn get_projection(
    ticker: String,
    params: Option<domain::analytics::ScenarioParams>,
) -> Result<crate::projection::Projection, AppError> {
    let (ctx, company) = ssr::current_company(&ticker).await?;
    let params = params.unwrap_or_default();
    Ok(crate::projection::project(
        &company.facts,
        &params,
        &ctx.thresholds,
    ))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{CompanyPage, FactTableRow};
    use crate::api::FactCell;
    use crate::error::AppError;
    use domain::analytics::{scorecard, Thresholds};
    use domain::{FiscalPeriod, Metric};
    use std::collections::BTreeMap;
    use store::facts::Company;

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

    /// The 404 of an unknown ticker, naming the tickers that exist.
    pub async fn unknown_ticker(pool: &sqlx::PgPool, ticker: &domain::Ticker) -> AppError {
        let known = store::facts::tickers(pool).await.unwrap_or_default();
        let known: Vec<&str> = known.iter().map(domain::Ticker::as_str).collect();
        let err = AppError::NotFound(format!(
            "No company with ticker {ticker} is in the store. Known tickers: {}.",
            known.join(", ")
        ));
        crate::ssr::set_status(&err);
        err
    }

    /// The server context and `ticker`'s current facts (from the facts cache
    /// when nothing changed): 400 for a malformed ticker, 404 naming the
    /// known ones for an unknown one, 503 when the database is unavailable.
    pub async fn current_company(
        ticker: &str,
    ) -> Result<(crate::ssr::ServerContext, std::sync::Arc<Company>), AppError> {
        let ticker = domain::Ticker::parse(ticker).map_err(|e| {
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
            return Err(unknown_ticker(&ctx.pool, &ticker).await);
        };
        Ok((ctx, company))
    }

    pub fn page(company: &Company, thresholds: &Thresholds) -> CompanyPage {
        let latest = company.facts.latest_quarter();
        let scorecard = latest.map(|p| scorecard(&company.facts, p, thresholds));
        let (quarters, quarter_ends, facts) = match latest {
            Some(latest) => facts_table(company, latest),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let latest_end = latest.and_then(|p| {
            company
                .facts
                .facts
                .iter()
                .filter(|f| f.period == p)
                .map(|f| f.period_end)
                .max()
        });
        CompanyPage {
            ticker: company.facts.ticker.clone(),
            name: company.name.clone(),
            cik: company.cik,
            fiscal_year_end_month: company.facts.fiscal_year_end_month,
            scorecard,
            quarters,
            quarter_ends,
            facts,
            latest,
            latest_end,
            analytics: company.facts.clone(),
            thresholds: thresholds.clone(),
            og_image: crate::ssr::absolute_url(&format!(
                "/chart.png?tickers={}&metrics=capex,depreciation_amortization&basis=quarterly&align=fiscal",
                company.facts.ticker
            )),
        }
    }

    type Table = (Vec<String>, Vec<Option<time::Date>>, Vec<FactTableRow>);

    fn facts_table(company: &Company, latest: FiscalPeriod) -> Table {
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
            by_key.insert((f.metric, f.period), FactCell::from(f));
        }
        let rows = TABLE_METRICS
            .iter()
            .map(|m| FactTableRow {
                metric: *m,
                cells: periods
                    .iter()
                    .map(|p| by_key.get(&(*m, *p)).cloned())
                    .collect(),
            })
            .filter(|row| row.cells.iter().any(Option::is_some))
            .collect();
        let ends = periods
            .iter()
            .map(|p| {
                by_key
                    .iter()
                    .filter(|((_, q), _)| q == p)
                    .map(|(_, c)| c.period_end)
                    .max()
            })
            .collect();
        (periods.iter().map(|p| p.label()).collect(), ends, rows)
    }
}
