//! The overview: every company's latest quarter at a glance.

use super::{Computed, FactCell};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One company's latest fiscal quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub ticker: String,
    pub name: String,
    /// `FY26 Q3`, or `None` when the company has no quarterly figures yet.
    pub period_label: Option<String>,
    /// `CY26 Q1`: the calendar quarter the fiscal quarter belongs to.
    pub calendar_label: Option<String>,
    pub period_end: Option<time::Date>,
    pub revenue: Option<FactCell>,
    pub capex: Option<FactCell>,
    pub operating_cash_flow: Option<FactCell>,
    pub free_cash_flow: Computed,
    /// The scorecard's four answers at the latest quarter, in question order
    /// (empty without quarterly figures).
    pub signals: Vec<SignalCell>,
    /// TTM free cash flow at the latest quarter, with its inputs.
    pub fcf_ttm: Option<domain::analytics::SeriesPoint>,
    /// TTM FCF / TTM net income at the latest quarter.
    pub cash_conversion: Option<domain::analytics::SeriesPoint>,
    /// Small charts: TTM FCF and TTM capex over the last 12 quarters.
    pub sparks: Vec<Spark>,
}

/// One question's answer in the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalCell {
    pub question: domain::analytics::Question,
    pub signal: domain::analytics::Signal,
    pub sentence: String,
    /// The quarter the answer describes when it is older than the company's
    /// latest quarter (`FY26 Q3`); `None` when it is the latest.
    pub as_of: Option<String>,
    /// What the newer quarter lacks, in words, when `as_of` is set.
    pub newer_note: Option<String>,
}

/// A sparkline: values (dollars) oldest first, `None` where missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spark {
    pub name: String,
    pub values: Vec<Option<f64>>,
    /// `FY24 Q4` … `FY26 Q3`.
    pub first: String,
    pub last: String,
}

#[server(output = crate::api::codec::PageJson)]
pub async fn get_overview() -> Result<Vec<OverviewRow>, AppError> {
    let ctx = crate::ssr::context()?;
    ssr::overview_with(&ctx.pool, &ctx.facts, &ctx.thresholds)
        .await
        .map_err(crate::ssr::db_error)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Computed, FactCell, OverviewRow};
    use domain::analytics::{
        point_at, scorecard, series, Alignment, Basis, DerivedMetric, Measure, Thresholds,
    };
    use domain::{CalendarQuarter, Metric};
    use sqlx::PgPool;
    use store::facts::{Company, FactsCache};

    /// [`overview_with`] on a cache of its own and the default thresholds.
    pub async fn overview(pool: &PgPool) -> Result<Vec<OverviewRow>, sqlx::Error> {
        let cache = FactsCache::new(store::generation::StoreGeneration::unfollowed(pool.clone()));
        overview_with(pool, &cache, &Thresholds::default()).await
    }

    /// Every company in the store, in ticker order, each built from its
    /// current facts (read once, cached) by the pure analytics: its latest
    /// quarter's revenue, capex, operating and free cash flow, its four
    /// signals, TTM cash conversion and sparklines. Nothing here is computed
    /// a second way: "latest quarter" is [`domain::analytics::CompanyFacts::latest_quarter`]
    /// and free cash flow the analytics' own.
    pub async fn overview_with(
        pool: &PgPool,
        cache: &FactsCache,
        thresholds: &Thresholds,
    ) -> Result<Vec<OverviewRow>, sqlx::Error> {
        let mut rows = Vec::new();
        for ticker in store::facts::tickers(pool).await? {
            if let Some(company) = cache.get(pool, &ticker).await? {
                rows.push(row(&company, thresholds));
            }
        }
        Ok(rows)
    }

    /// One company's row, a pure function of its facts.
    fn row(company: &Company, thresholds: &Thresholds) -> OverviewRow {
        let facts = &company.facts;
        let mut row = OverviewRow {
            ticker: facts.ticker.clone(),
            name: company.name.clone(),
            period_label: None,
            calendar_label: None,
            period_end: None,
            revenue: None,
            capex: None,
            operating_cash_flow: None,
            free_cash_flow: Computed::Missing {
                reason: "no quarterly figures".into(),
            },
            signals: Vec::new(),
            fcf_ttm: None,
            cash_conversion: None,
            sparks: Vec::new(),
        };
        let Some(latest) = facts.latest_quarter() else {
            return row;
        };
        let cell = |metric| facts.fact(metric, latest).map(FactCell::from);
        row.revenue = cell(Metric::Revenue);
        row.capex = cell(Metric::Capex);
        row.operating_cash_flow = cell(Metric::OperatingCashFlow);
        let dated = [Metric::Revenue, Metric::Capex, Metric::OperatingCashFlow]
            .into_iter()
            .find_map(|m| facts.fact(m, latest));
        row.period_label = Some(latest.label());
        if let Some(f) = dated {
            row.period_end = Some(f.period_end);
            if let Some(start) = f.period_start {
                row.calendar_label =
                    Some(CalendarQuarter::containing_midpoint(start, f.period_end).label());
            }
        }
        let fcf = Measure::Derived(DerivedMetric::Fcf);
        let quarter = point_at(facts, fcf, latest, Basis::Quarterly);
        row.free_cash_flow = match quarter.exact {
            Some(value) if quarter.missing.is_empty() => Computed::Value {
                value,
                formula: format!("FCF = {}", DerivedMetric::Fcf.formula()),
            },
            _ => Computed::Missing {
                reason: format!(
                    "missing {}",
                    quarter
                        .missing
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        };

        let card = scorecard(facts, latest, thresholds);
        row.signals = card
            .answers
            .iter()
            .map(|a| super::SignalCell {
                question: a.question,
                signal: a.signal,
                sentence: a.sentence.clone(),
                as_of: a.newer.as_ref().map(|_| a.label.clone()),
                newer_note: a.as_of_note(),
            })
            .collect();
        row.fcf_ttm = Some(point_at(facts, fcf, latest, Basis::Ttm));
        row.cash_conversion = Some(point_at(
            facts,
            Measure::Derived(DerivedMetric::CashConversion),
            latest,
            Basis::Ttm,
        ));
        row.sparks = [
            (fcf, "Free cash flow, TTM"),
            (Measure::Stored(Metric::Capex), "Capex, TTM"),
        ]
        .into_iter()
        .map(|(m, name)| {
            let mut s = series(facts, m, Basis::Ttm, Alignment::Fiscal);
            s.points.retain(|p| p.fiscal_period <= latest);
            let keep = s.points.len().saturating_sub(12);
            let points = &s.points[keep..];
            super::Spark {
                name: name.to_string(),
                values: points.iter().map(|p| p.value).collect(),
                first: points.first().map(|p| p.label.clone()).unwrap_or_default(),
                last: points.last().map(|p| p.label.clone()).unwrap_or_default(),
            }
        })
        .collect();
        row
    }
}
