//! The application and its store over real HTTP and a real PostgreSQL: one
//! test binary (one link of the whole application, not one per file), one
//! module per area. Each test gets a fresh database of its own
//! (`capex_lens_tests::TestDb`); `TEST_LOG=1` shows the application's logs.

mod admin_users;
mod analytics;
mod auth;
mod bulk;
mod cohort;
mod company_page;
mod edgar_fetch;
mod entry;
mod feed;
mod guidance;
mod history_audit;
mod importer;
mod persistence;
mod scorecard_coverage;
mod serving;
