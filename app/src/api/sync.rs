//! The EDGAR sync for admins (issue 16): its state per company, and
//! tracking a company or stopping. Each server function checks the admin
//! role itself. Tracking records the ticker only: the server's sync (which
//! alone talks to the SEC) resolves it through the SEC's ticker list at its
//! next look, within a minute, and shows a ticker the SEC does not list as a
//! failing check in plain words.

use crate::error::AppError;
use domain::sync::CompanySync;
use leptos::prelude::*;

/// Every tracked (or once tracked) company's sync state (admins only).
#[server(endpoint = "admin/sync", output = crate::api::codec::PageJson)]
pub async fn sync_status() -> Result<Vec<CompanySync>, AppError> {
    crate::ssr::auth::require(domain::account::Role::Admin, "sync_status").await?;
    let pool = crate::ssr::pool()?;
    Ok(store::sync::status(&pool).await?)
}

/// Starts tracking a company by its ticker (or resumes it), due at once.
#[server(endpoint = "admin/sync/track")]
pub async fn track_company(ticker: String) -> Result<String, AppError> {
    let admin = crate::ssr::auth::require(domain::account::Role::Admin, "track_company").await?;
    let ticker = parse_ticker(&ticker)?;
    let pool = crate::ssr::pool()?;
    let newly = store::sync::track(&pool, &ticker).await?;
    tracing::info!(user.id = admin.id, company.ticker = %ticker, sync.newly = newly, "company tracked by an admin");
    Ok(ticker.to_string())
}

/// Stops checking a company; its imported figures stay.
#[server(endpoint = "admin/sync/untrack")]
pub async fn untrack_company(ticker: String) -> Result<String, AppError> {
    let admin = crate::ssr::auth::require(domain::account::Role::Admin, "untrack_company").await?;
    let ticker = parse_ticker(&ticker)?;
    let pool = crate::ssr::pool()?;
    if !store::sync::untrack(&pool, &ticker).await? {
        return Err(AppError::Invalid(format!("{ticker} is not tracked.")));
    }
    tracing::info!(user.id = admin.id, company.ticker = %ticker, "company no longer tracked");
    Ok(ticker.to_string())
}

#[cfg(feature = "ssr")]
fn parse_ticker(raw: &str) -> Result<domain::Ticker, AppError> {
    domain::Ticker::parse(raw).map_err(|_| {
        AppError::Invalid(format!(
            "{:?} is not a ticker: 1 to 10 letters, digits, dots or dashes, e.g. MSFT or BRK-B.",
            raw.trim()
        ))
    })
}
