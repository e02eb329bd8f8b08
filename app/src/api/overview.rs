//! The overview: every company's latest quarter at a glance.

use super::{Computed, Figure};
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
    pub revenue: Option<Figure>,
    pub capex: Option<Figure>,
    pub operating_cash_flow: Option<Figure>,
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
    use super::{Computed, Figure, OverviewRow};
    use crate::api::SourceRef;
    use domain::{CalendarQuarter, FiscalPeriod};
    use rust_decimal::Decimal;
    use sqlx::PgPool;
    use std::collections::BTreeMap;

    struct Row {
        ticker: String,
        name: String,
        nets_capex_proceeds: bool,
        metric: Option<String>,
        fiscal_year: Option<i16>,
        fiscal_quarter: Option<i16>,
        period_start: Option<time::Date>,
        period_end: Option<time::Date>,
        value: Option<Decimal>,
        source_kind: Option<String>,
        form: Option<String>,
        accession: Option<String>,
        filed_date: Option<time::Date>,
        source_url: Option<String>,
        cik: Option<i64>,
    }

    /// [`overview_with`] on a cache of its own and the default thresholds.
    pub async fn overview(pool: &PgPool) -> Result<Vec<OverviewRow>, sqlx::Error> {
        overview_with(
            pool,
            &crate::ssr::facts::FactsCache::default(),
            &domain::analytics::Thresholds::default(),
        )
        .await
    }

    /// The latest fiscal quarter of every company that has revenue, capex or
    /// operating cash flow, with those figures and what FCF needs; and, from
    /// each company's current facts (read once, cached), its four signals,
    /// TTM cash conversion and sparklines.
    pub async fn overview_with(
        pool: &PgPool,
        cache: &crate::ssr::facts::FactsCache,
        thresholds: &domain::analytics::Thresholds,
    ) -> Result<Vec<OverviewRow>, sqlx::Error> {
        let rows = sqlx::query_as!(
            Row,
            r#"
            WITH latest AS (
                SELECT ticker, max(fiscal_year * 10 + fiscal_quarter) AS k
                FROM current_facts
                WHERE fiscal_quarter > 0
                  AND metric IN ('revenue', 'capex', 'operating_cash_flow')
                GROUP BY ticker
            )
            SELECT c.ticker AS "ticker!", c.name AS "name!",
                   c.nets_capex_proceeds AS "nets_capex_proceeds!",
                   f.metric, f.fiscal_year, f.fiscal_quarter, f.period_start, f.period_end,
                   f.value, f.source_kind::text AS source_kind, f.form, f.accession,
                   f.filed_date, f.source_url, c.cik
            FROM companies c
            LEFT JOIN latest l ON l.ticker = c.ticker
            LEFT JOIN current_facts f
                   ON f.ticker = c.ticker
                  AND f.fiscal_year * 10 + f.fiscal_quarter = l.k
                  AND f.metric IN ('revenue', 'capex', 'operating_cash_flow', 'capex_proceeds')
            ORDER BY c.ticker, f.metric
            "#
        )
        .fetch_all(pool)
        .await?;

        let mut companies: BTreeMap<String, OverviewRow> = BTreeMap::new();
        let mut nets: BTreeMap<String, bool> = BTreeMap::new();
        let mut proceeds: BTreeMap<String, Figure> = BTreeMap::new();
        for row in rows {
            nets.insert(row.ticker.clone(), row.nets_capex_proceeds);
            let entry = companies
                .entry(row.ticker.clone())
                .or_insert_with(|| OverviewRow {
                    ticker: row.ticker.clone(),
                    name: row.name.clone(),
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
                });
            let (Some(metric), Some(fy), Some(fq), Some(end), Some(value)) = (
                row.metric.as_deref(),
                row.fiscal_year,
                row.fiscal_quarter,
                row.period_end,
                row.value,
            ) else {
                continue;
            };
            if let Ok(period) = FiscalPeriod::quarter(i32::from(fy), fq as u8) {
                entry.period_label = Some(period.label());
            }
            entry.period_end = Some(end);
            if let Some(start) = row.period_start {
                entry.calendar_label =
                    Some(CalendarQuarter::containing_midpoint(start, end).label());
            }
            let figure = Figure {
                value,
                source: source_ref(
                    row.source_kind.as_deref(),
                    row.form.as_deref(),
                    row.accession.as_deref(),
                    row.filed_date,
                    row.source_url.as_deref(),
                    row.cik,
                ),
            };
            match metric {
                "revenue" => entry.revenue = Some(figure),
                "capex" => entry.capex = Some(figure),
                "operating_cash_flow" => entry.operating_cash_flow = Some(figure),
                "capex_proceeds" => {
                    proceeds.insert(row.ticker.clone(), figure);
                }
                _ => {}
            }
        }
        for (ticker, row) in companies.iter_mut() {
            let nets_proceeds = nets.get(ticker).copied().unwrap_or(false);
            row.free_cash_flow = free_cash_flow(row, nets_proceeds, proceeds.get(ticker));
            let Ok(t) = domain::Ticker::parse(ticker) else {
                continue;
            };
            if let Some(company) = cache.get(pool, &t).await? {
                analytics(row, &company, thresholds);
            }
        }
        Ok(companies.into_values().collect())
    }

    /// Signals, TTM cash conversion and sparklines from the company's facts.
    fn analytics(
        row: &mut OverviewRow,
        company: &crate::ssr::facts::Company,
        thresholds: &domain::analytics::Thresholds,
    ) {
        use domain::analytics::{
            point_at, scorecard, series, Alignment, Basis, DerivedMetric, Measure,
        };
        let Some(latest) = crate::api::company::ssr::latest_quarter(company) else {
            return;
        };
        let facts = &company.facts;
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
        let fcf = Measure::Derived(DerivedMetric::Fcf);
        row.fcf_ttm = Some(point_at(facts, fcf, latest, Basis::Ttm));
        row.cash_conversion = Some(point_at(
            facts,
            Measure::Derived(DerivedMetric::CashConversion),
            latest,
            Basis::Ttm,
        ));
        row.sparks = [
            (fcf, "Free cash flow, TTM"),
            (Measure::Stored(domain::Metric::Capex), "Capex, TTM"),
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
    }

    fn free_cash_flow(
        row: &OverviewRow,
        nets_proceeds: bool,
        proceeds: Option<&Figure>,
    ) -> Computed {
        let mut missing = Vec::new();
        if row.operating_cash_flow.is_none() {
            missing.push("operating cash flow");
        }
        if row.capex.is_none() {
            missing.push("capex");
        }
        if nets_proceeds && proceeds.is_none() {
            missing.push("proceeds from property and equipment sales and incentives");
        }
        match (&row.operating_cash_flow, &row.capex) {
            (Some(ocf), Some(capex)) if missing.is_empty() => {
                let p = proceeds.map(|p| p.value).unwrap_or_default();
                let formula = if nets_proceeds {
                    "FCF = operating cash flow − capex + proceeds from property and equipment sales and incentives"
                } else {
                    "FCF = operating cash flow − capex"
                };
                Computed::Value {
                    value: ocf.value - capex.value + p,
                    formula: formula.into(),
                }
            }
            _ => Computed::Missing {
                reason: format!("missing {}", missing.join(", ")),
            },
        }
    }

    /// A one-line provenance label and the best link for it.
    pub fn source_ref(
        kind: Option<&str>,
        form: Option<&str>,
        accession: Option<&str>,
        filed: Option<time::Date>,
        url: Option<&str>,
        cik: Option<i64>,
    ) -> SourceRef {
        let kind = kind.unwrap_or("filing").to_string();
        let mut parts = Vec::new();
        match kind.as_str() {
            "derived" => parts.push("Derived".to_string()),
            "secondary" => parts.push("Secondary source (aggregator, not a filing)".to_string()),
            "analyst" => parts.push("Analyst entry".to_string()),
            _ => {}
        }
        if let Some(form) = form {
            parts.push(form.to_string());
        }
        if let Some(a) = accession {
            parts.push(a.to_string());
        }
        let mut label = parts.join(" ");
        if let Some(filed) = filed {
            label.push_str(&format!(", filed {filed}"));
        }
        if label.is_empty() {
            // A figure read in a release or statement that names no filing:
            // say so, and where it was read.
            label = match url.and_then(host_of) {
                Some(host) => format!("Reported, read at {host}"),
                None => "Reported; no filing named".to_string(),
            };
        } else if kind == "secondary" {
            if let Some(host) = url.and_then(host_of) {
                label.push_str(&format!(" ({host})"));
            }
        }
        let url = url.map(str::to_string).or_else(|| {
            let accession = domain::AccessionNumber::parse(accession?).ok()?;
            let cik = domain::Cik::new(u64::try_from(cik?).ok()?).ok()?;
            Some(accession.archive_url(cik))
        });
        SourceRef { kind, label, url }
    }

    /// `www.prnewswire.com` of `https://www.prnewswire.com/news/…`.
    fn host_of(url: &str) -> Option<&str> {
        let rest = url.split_once("://")?.1;
        let host = rest.split(['/', '?', '#']).next()?;
        (!host.is_empty()).then_some(host)
    }
}
