//! Capex Lens persistence: the one answer to "where does this SQL live?".
//!
//! Every query against the filings store is in this crate, beside the types
//! its rows become; the app's server functions and the server's importers and
//! routes call it, and it calls nothing above it (sqlx and `domain` only, no
//! web framework). The store is append-only and bitemporal: a fact version
//! records when the value became known (`known_at`) and when it was written
//! (`recorded_at`), and nothing is ever updated in place.
//!
//! - [`audit`]: the audit trail, every version written, filtered;
//! - [`accounts`]: accounts (`users`) and the sessions each has open;
//! - [`write`]: the one write funnel ([`apply_facts`]) every loader and the
//!   analysts' entries go through, one transaction per company;
//! - [`entry`]: an analyst's entry or upload, with optimistic concurrency;
//! - [`facts`]: reading a company's current facts (or as of a moment), cached
//!   until the store changes;
//! - [`history`]: every version of one number (the history page, reverts);
//! - [`changes`]: what changed, newest first (filings imported, new versions);
//! - [`generation`]: the one store generation every cache keys on;
//! - [`restore`]: every version read out for the CSV export, and written back with its number;
//! - [`short_links`]: the short links (`/c/{id}`) of charts and cohorts;
//! - [`sync`]: the EDGAR sync's bookkeeping (tracked companies, filings imported) and its lock;
//! - [`migrate`]: the schema, from `migrations/`.

pub mod accounts;
pub mod audit;
pub mod changes;
pub mod entry;
pub mod facts;
pub mod generation;
pub mod history;
pub mod restore;
pub mod short_links;
pub mod sync;
pub mod write;

pub use write::{
    apply_facts, company_by_cik, company_by_ticker, upsert_company, ApplyReport, CompanyRecord,
    FactRecord, Source,
};

/// Brings the database's schema up to date (`migrations/`). Safe to run from
/// several processes at once: sqlx takes an advisory lock.
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations").run(pool).await
}

/// Whether the database answers a query (the health check).
pub async fn ping(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar!("SELECT 1 AS \"one!\"")
        .fetch_one(pool)
        .await
        .map(|_| ())
}

/// Whether new transactions are read-only (`default_transaction_read_only`,
/// a hot standby): writes would be refused, so sessions are not touched.
pub async fn is_read_only(pool: &sqlx::PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT current_setting('transaction_read_only') AS "setting!""#)
        .fetch_one(pool)
        .await
        .map(|setting| setting == "on")
}
