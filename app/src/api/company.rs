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
    /// The company's current facts with their sources. Server only, as
    /// `scorecard`: the waterfall names each step's inputs and filings in
    /// server-rendered HTML.
    #[serde(skip)]
    pub sourced: Option<std::sync::Arc<domain::analytics::CompanyFacts>>,
    /// The numbers the browser-drawn views read (the history charts, the
    /// depreciation wave and the scenario, which reruns on each slider move
    /// without a round trip): see [`numbers`].
    #[serde(with = "numbers")]
    pub analytics: domain::analytics::CompanyFacts,
    /// Every guided fiscal year with its statements and actuals, sources
    /// included (`guidance_years` of the facts): the year picker redraws
    /// from it.
    pub guidance: Vec<domain::analytics::guidance::GuidanceYear>,
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

/// The facts as the browser receives them: numbers only, compactly.
///
/// The page's hydration data was most of its HTML (Nvidia's 756 facts, each
/// with a source label and link, were 307 KB of 648). The views drawn in the
/// browser read values, periods and dates, never a source's words: those are
/// shown by the server-rendered sections (scorecard, waterfall, facts table,
/// guidance). So [`of`] keeps the metrics those views read, and each fact's
/// source only as its version id and kind; the label and link stay on the
/// server. The server renders the browser's views from this same reduction,
/// so hydration sees what the server drew, and a test checks that the views
/// come out the same as from the full facts.
///
/// On the wire the facts are grouped by metric, each a JSON array
/// `[fiscal_year, quarter, period_start, period_end, value, fact_id, kind]`
/// instead of an object with field names.
pub mod numbers {
    use domain::analytics::{CompanyFacts, FactPoint};
    use domain::provenance::{Provenance, SourceKind};
    use domain::{FiscalPeriod, Metric};
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::Date;

    /// Metrics no browser-drawn view reads (income statement lines the
    /// scorecard's cash-conversion headline uses, rendered on the server).
    const SERVER_ONLY: &[Metric] = &[Metric::NetIncome, Metric::OperatingIncome];

    /// `facts` reduced to what the browser-drawn views read, grouped by
    /// metric (the order within a metric kept).
    pub fn of(facts: &CompanyFacts) -> CompanyFacts {
        let mut out = CompanyFacts {
            ticker: facts.ticker.clone(),
            fiscal_year_end_month: facts.fiscal_year_end_month,
            nets_capex_proceeds: facts.nets_capex_proceeds,
            facts: facts
                .facts
                .iter()
                .filter(|f| !SERVER_ONLY.contains(&f.metric))
                .map(|f| FactPoint {
                    provenance: Provenance {
                        fact_id: f.provenance.fact_id,
                        kind: f.provenance.kind,
                        label: String::new(),
                        url: None,
                    },
                    ..f.clone()
                })
                .collect(),
            guidance_history: Vec::new(),
        };
        out.facts.sort_by_key(|f| f.metric);
        out
    }

    #[derive(Serialize, Deserialize)]
    struct Row(i32, u8, Option<Date>, Date, Decimal, i64, SourceKind);

    #[derive(Serialize, Deserialize)]
    struct Wire {
        ticker: String,
        fiscal_year_end_month: u8,
        nets_capex_proceeds: bool,
        facts: Vec<(Metric, Vec<Row>)>,
    }

    pub fn serialize<S: Serializer>(facts: &CompanyFacts, s: S) -> Result<S::Ok, S::Error> {
        let mut groups: Vec<(Metric, Vec<Row>)> = Vec::new();
        for f in &facts.facts {
            let row = Row(
                f.period.fiscal_year,
                f.period.quarter,
                f.period_start,
                f.period_end,
                f.value,
                f.provenance.fact_id,
                f.provenance.kind,
            );
            // Runs of one metric share a group, so the order survives.
            match groups.last_mut() {
                Some((m, rows)) if *m == f.metric => rows.push(row),
                _ => groups.push((f.metric, vec![row])),
            }
        }
        Wire {
            ticker: facts.ticker.clone(),
            fiscal_year_end_month: facts.fiscal_year_end_month,
            nets_capex_proceeds: facts.nets_capex_proceeds,
            facts: groups,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CompanyFacts, D::Error> {
        let wire = Wire::deserialize(d)?;
        let facts = wire
            .facts
            .into_iter()
            .flat_map(|(metric, rows)| {
                rows.into_iter()
                    .map(move |Row(fy, q, start, end, value, id, kind)| FactPoint {
                        metric,
                        period: FiscalPeriod {
                            fiscal_year: fy,
                            quarter: q,
                        },
                        period_start: start,
                        period_end: end,
                        value,
                        provenance: Provenance {
                            fact_id: id,
                            kind,
                            label: String::new(),
                            url: None,
                        },
                    })
            })
            .collect();
        Ok(CompanyFacts {
            ticker: wire.ticker,
            fiscal_year_end_month: wire.fiscal_year_end_month,
            nets_capex_proceeds: wire.nets_capex_proceeds,
            facts,
            guidance_history: Vec::new(),
        })
    }
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
            sourced: Some(std::sync::Arc::new(company.facts.clone())),
            analytics: super::numbers::of(&company.facts),
            guidance: domain::analytics::guidance::guidance_years(&company.facts),
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
