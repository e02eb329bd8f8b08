//! The coverage map (`/coverage`): which inputs of the scorecard each company
//! has, quarter by quarter, and how each is known. Public data, read from the
//! facts cache; the pure view is `domain::analytics::coverage`.

use crate::error::AppError;
use domain::analytics::coverage::CompanyCoverage;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One company's map, with its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageEntry {
    pub name: String,
    pub map: CompanyCoverage,
}

/// At most this many companies in one request (anonymous work is bounded).
pub const MAX_TICKERS: usize = 20;

/// The maps of `tickers` (comma-separated; empty: every company in the
/// store). 400 for a malformed or too long list, 404 naming the known
/// tickers for an unknown one, 503 when the database is unavailable.
#[server(output = crate::api::codec::PageJson)]
pub async fn get_coverage(tickers: String) -> Result<Vec<CoverageEntry>, AppError> {
    ssr::coverage(&tickers).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{CoverageEntry, MAX_TICKERS};
    use crate::error::AppError;

    fn invalid(message: String) -> AppError {
        let err = AppError::Invalid(message);
        crate::ssr::set_status(&err);
        err
    }

    pub async fn coverage(tickers: &str) -> Result<Vec<CoverageEntry>, AppError> {
        let ctx = crate::ssr::context()?;
        let requested: Vec<&str> = tickers
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if requested.len() > MAX_TICKERS {
            return Err(invalid(format!(
                "At most {MAX_TICKERS} companies at once; {} were asked for.",
                requested.len()
            )));
        }
        let mut parsed = Vec::new();
        for t in &requested {
            parsed.push(domain::Ticker::parse(t).map_err(|e| invalid(e.to_string()))?);
        }
        if parsed.is_empty() {
            parsed = store::facts::tickers(&ctx.pool).await?;
        }
        let mut out = Vec::new();
        for ticker in parsed {
            let Some(company) = ctx
                .facts
                .get(&ctx.pool, &ticker)
                .await
                .map_err(crate::ssr::db_error)?
            else {
                return Err(crate::api::company::ssr::unknown_ticker(&ctx.pool, &ticker).await);
            };
            let Some(latest) = company.facts.latest_quarter() else {
                continue;
            };
            out.push(CoverageEntry {
                name: company.name.clone(),
                map: domain::analytics::coverage::coverage(&company.facts, latest),
            });
        }
        Ok(out)
    }
}
