//! The cohort page's data (`/cohort`): the chosen companies' quarters summed
//! by the pure analytics ([`domain::analytics::cohort`]), and the companies a
//! reader can choose from.

use crate::error::AppError;
use domain::analytics::cohort::Cohort;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Everything the cohort page shows.
///
/// The page's content is rendered on the server only (see
/// `routes::cohort`), so the sums and the choices never travel to the
/// browser: on the wire this is the query, the link-preview tags and the
/// short link's pinning, and `cohort` and `companies` are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortData {
    /// The canonical query string (empty for the default cohort).
    pub query: String,
    #[serde(skip, default = "Cohort::empty")]
    pub cohort: Cohort,
    /// Every tracked company (ticker, name), in ticker order: the choices.
    #[serde(skip)]
    pub companies: Vec<(String, String)>,
    /// The page's description (link previews and search results).
    pub description: String,
    /// The link-preview image (`/cohort.png?…`), absolute.
    pub og_image: String,
    /// For a short link: its id, when its data was pinned (RFC 3339), and
    /// whether newer figures exist since.
    pub link: Option<String>,
    pub pinned_at: Option<String>,
    pub newer_data: bool,
}

impl CohortData {
    /// The company's name, or its ticker when it is not known.
    pub fn name_of<'a>(&'a self, ticker: &'a str) -> &'a str {
        self.companies
            .iter()
            .find(|(t, _)| t == ticker)
            .map_or(ticker, |(_, n)| n.as_str())
    }
}

/// The cohort a query string describes (`tickers=…&basis=…`, all optional).
/// A public endpoint: it reads only what every page shows, and its work is
/// bounded by the query's limit of companies.
#[server(output = crate::api::codec::PageJson)]
pub async fn get_cohort(query: String) -> Result<CohortData, AppError> {
    let ctx = crate::ssr::context()?;
    let parsed = ssr::parse(&query)?;
    // A form's address (`tickers=A&tickers=B`) is sent on to the canonical
    // one, the address a reader copies and a short link stores.
    let canonical = parsed.to_query_string();
    if query.trim_start_matches('?') != canonical {
        leptos_axum::redirect(&parsed.path());
    }
    ssr::cohort_data(&ctx, &parsed, None).await
}

/// Stores (or finds) the short link (`/c/{id}`) of a cohort; identical
/// cohorts share one id. Public, like a chart's: the table holds only
/// canonical queries of companies the store tracks. The cohort page sends it
/// as a plain form (the page runs no code in the browser), so it redirects
/// to the link, whose address is the short link to copy; a script's call
/// gets the id.
#[server]
pub async fn create_cohort_link(query: String) -> Result<String, AppError> {
    let ctx = crate::ssr::context()?;
    let parsed = ssr::parse(&query)?;
    // Only a cohort the page can show gets a link (unknown tickers: 400).
    let data = ssr::cohort_data(&ctx, &parsed, None).await?;
    let id =
        crate::ssr::short_link(&ctx, store::short_links::LinkedPage::Cohort, &data.query).await?;
    leptos_axum::redirect(&format!("/c/{id}"));
    Ok(id)
}

/// The default cohort's newest quarters in which at least half of its
/// companies are in the sum (at most [`OVERVIEW_QUARTERS`]), newest first,
/// without the members' sources: the overview's summary, small enough to
/// ride along with the overview page. A newer quarter that only a few
/// companies have reported yet would read as the cohort shrinking.
#[server(output = crate::api::codec::PageJson)]
pub async fn get_cohort_summary() -> Result<Vec<domain::analytics::cohort::CohortQuarter>, AppError>
{
    let ctx = crate::ssr::context()?;
    let data = ssr::cohort_data(
        &ctx,
        &domain::analytics::cohort::CohortQuery::default(),
        None,
    )
    .await?;
    let size = data.cohort.tickers.len();
    Ok(data
        .cohort
        .quarters
        .into_iter()
        .rev()
        .filter(|q| 2 * q.members.len() >= size)
        .take(OVERVIEW_QUARTERS)
        .map(|mut q| {
            for m in &mut q.members {
                m.sources.clear();
            }
            q
        })
        .collect())
}

/// How many of the cohort's quarters the overview shows.
pub const OVERVIEW_QUARTERS: usize = 2;

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::CohortData;
    use crate::error::AppError;
    use crate::ssr::ServerContext;
    use domain::analytics::cohort::{cohort, CohortQuery};
    use std::sync::Arc;

    /// The cohort a query string asks for; a bad one is refused (400).
    pub fn parse(query: &str) -> Result<CohortQuery, AppError> {
        CohortQuery::parse(query).map_err(|message| {
            let err = AppError::Invalid(message);
            crate::ssr::set_status(&err);
            err
        })
    }

    /// The cohort of `query` from the cached facts (or, `pinned`, from the
    /// facts as the store held them then); a ticker the store does not track
    /// is refused (400) with the ones it does.
    pub async fn cohort_data(
        ctx: &ServerContext,
        query: &CohortQuery,
        pinned: Option<time::OffsetDateTime>,
    ) -> Result<CohortData, AppError> {
        let known = store::facts::tickers(&ctx.pool)
            .await
            .map_err(crate::ssr::db_error)?;
        let unknown: Vec<&str> = query
            .tickers
            .iter()
            .filter(|t| !known.contains(t))
            .map(|t| t.as_str())
            .collect();
        // The default cohort names the hyperscalers; a store that tracks only
        // some of them sums those it has.
        let chosen: Vec<&domain::Ticker> = if query == &CohortQuery::default() {
            query.tickers.iter().filter(|t| known.contains(t)).collect()
        } else if !unknown.is_empty() {
            return Err(crate::ssr::untracked(&unknown, &known));
        } else {
            query.tickers.iter().collect()
        };
        let mut loaded: Vec<Arc<store::facts::Company>> = Vec::new();
        let mut newer_data = false;
        for ticker in chosen {
            let company = match pinned {
                Some(at) => {
                    let (company, newer) = store::facts::load_as_of(&ctx.pool, ticker, at)
                        .await
                        .map_err(crate::ssr::db_error)?;
                    newer_data |= newer;
                    company.map(Arc::new)
                }
                None => ctx
                    .facts
                    .get(&ctx.pool, ticker)
                    .await
                    .map_err(crate::ssr::db_error)?,
            };
            if let Some(company) = company {
                loaded.push(company);
            }
        }
        let mut companies = Vec::new();
        for ticker in &known {
            let name = match loaded.iter().find(|c| c.facts.ticker == ticker.as_str()) {
                Some(c) => c.name.clone(),
                None => ctx
                    .facts
                    .get(&ctx.pool, ticker)
                    .await
                    .map_err(crate::ssr::db_error)?
                    .map_or_else(|| ticker.to_string(), |c| c.name.clone()),
            };
            companies.push((ticker.to_string(), name));
        }
        let facts: Vec<&domain::analytics::CompanyFacts> =
            loaded.iter().map(|c| &c.facts).collect();
        let canonical = query.to_query_string();
        let cohort = cohort(&facts, query.basis);
        Ok(CohortData {
            description: format!(
                "Capex, cash flow and depreciation of {} summed per calendar quarter, from SEC filings.",
                cohort.tickers.join(", ")
            ),
            link: None,
            og_image: crate::ssr::absolute_url(&format!("/cohort.png?{canonical}")),
            query: canonical,
            pinned_at: pinned.and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
            newer_data,
            cohort,
            companies,
        })
    }
}
