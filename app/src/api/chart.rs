//! Chart data for shareable links, and short links (`/c/{id}`).
//!
//! The chart's whole state is its query string ([`ChartQuery`]), untrusted
//! input parsed once here. A short link stores the canonical query and pins
//! the data to the fact versions recorded when the link was created.

use crate::error::AppError;
use domain::analytics::Series;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Everything a page needs to draw a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    /// The canonical query string (defaults left out), the chart's address.
    pub query: String,
    pub series: Vec<Series>,
    /// Company names for the tickers, in query order.
    pub companies: Vec<(String, String)>,
    /// For a short link: when its data was pinned (RFC 3339), and whether
    /// newer figures exist since.
    pub pinned_at: Option<String>,
    pub newer_data: bool,
    /// The first and last quarter with data, on the chart's alignment, before
    /// its range is applied: what the range selector offers.
    pub span: Option<(
        domain::chart_query::RangeQuarter,
        domain::chart_query::RangeQuarter,
    )>,
    /// The link-preview image (`/chart.png?…`), absolute on the public
    /// address or the request's host.
    pub og_image: String,
    /// Each compared company's latest guided fiscal year, in query order
    /// (methodology section 8); companies without guidance are left out.
    #[serde(default)]
    pub guidance: Vec<CompanyGuidance>,
}

/// A company's capex guidance against its actuals, for a table row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyGuidance {
    pub ticker: String,
    pub name: String,
    pub year: domain::analytics::guidance::GuidanceYear,
}

/// The chart described by `query` (a query string without `?`), on the
/// latest data, or pinned to a short link's creation time when `short_id` is given.
#[server(output = crate::api::codec::PageJson)]
pub async fn get_chart(query: String, short_id: Option<String>) -> Result<ChartData, AppError> {
    let ctx = crate::ssr::context()?;
    let (query, pinned) = match short_id {
        Some(id) => {
            let link = store::short_links::resolve(&ctx.pool, &id)
                .await
                .map_err(crate::ssr::db_error)?
                .filter(|l| l.page == store::short_links::LinkedPage::Compare);
            let Some(link) = link else {
                let err = AppError::NotFound(format!("There is no chart link {id}."));
                crate::ssr::set_status(&err);
                return Err(err);
            };
            (link.query, Some(link.created_at))
        }
        None => (query, None),
    };
    let parsed = ssr::parse(&query)?;
    ssr::chart_data(&ctx, &parsed, pinned)
        .await
        .map_err(crate::ssr::db_error)
}

/// Stores (or finds) the short link of a chart; identical charts share one
/// id. Only a chart of companies the store tracks gets one (400 otherwise,
/// with the ones it does), and new links are limited per client
/// ([`crate::ssr::short_link`]).
#[server]
pub async fn create_short_link(query: String) -> Result<String, AppError> {
    let ctx = crate::ssr::context()?;
    let parsed = ssr::parse(&query)?;
    crate::ssr::refuse_untracked(&ctx, &parsed.tickers).await?;
    crate::ssr::short_link(
        &ctx,
        store::short_links::LinkedPage::Compare,
        &parsed.to_query_string(),
    )
    .await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::ChartData;
    use crate::error::AppError;
    use crate::ssr::ServerContext;
    use domain::analytics::series;
    use domain::chart_query::ChartQuery;
    use time::OffsetDateTime;

    /// Parses an untrusted query string; problems become one 400 message.
    pub fn parse(query: &str) -> Result<ChartQuery, AppError> {
        ChartQuery::parse(query.trim_start_matches('?')).map_err(|problems| {
            let message = problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            let err = AppError::Invalid(message);
            crate::ssr::set_status(&err);
            err
        })
    }

    /// Series for every (ticker, measure) of the query, within its range.
    pub async fn chart_data(
        ctx: &ServerContext,
        query: &ChartQuery,
        pinned: Option<OffsetDateTime>,
    ) -> Result<ChartData, sqlx::Error> {
        let mut out = Vec::new();
        let mut companies = Vec::new();
        let mut newer_data = false;
        let mut span: Option<(i32, i32)> = None;
        let mut guidance = Vec::new();
        for ticker in &query.tickers {
            let company = match pinned {
                Some(at) => {
                    let (company, newer) = store::facts::load_as_of(&ctx.pool, ticker, at).await?;
                    newer_data |= newer;
                    company.map(std::sync::Arc::new)
                }
                None => ctx.facts.get(&ctx.pool, ticker).await?,
            };
            let Some(company) = company else {
                companies.push((ticker.to_string(), format!("{ticker} (not in the store)")));
                continue;
            };
            companies.push((ticker.to_string(), company.name.clone()));
            if let Some(year) = domain::analytics::guidance::guidance_years(&company.facts)
                .into_iter()
                .next()
            {
                guidance.push(super::CompanyGuidance {
                    ticker: ticker.to_string(),
                    name: company.name.clone(),
                    year,
                });
            }
            for measure in &query.measures {
                let mut s = series(&company.facts, *measure, query.basis, query.alignment);
                for p in s.points.iter().filter(|p| p.value.is_some()) {
                    let i = query.quarter_index(p);
                    span = Some(span.map_or((i, i), |(a, b): (i32, i32)| (a.min(i), b.max(i))));
                }
                s.points.retain(|p| query.in_range(p));
                out.push(s);
            }
        }
        let canonical = query.to_query_string();
        Ok(ChartData {
            og_image: crate::ssr::absolute_url(&format!("/chart.png?{canonical}")),
            query: canonical,
            series: out,
            companies,
            pinned_at: pinned.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
            newer_data,
            guidance,
            span: span.and_then(|(a, b)| {
                Some((
                    domain::chart_query::RangeQuarter::from_index(a)?,
                    domain::chart_query::RangeQuarter::from_index(b)?,
                ))
            }),
        })
    }
}
