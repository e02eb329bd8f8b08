//! Capex Lens server: configuration, telemetry, the embedded PostgreSQL, the
//! filings store and its loaders, and the HTTP application.
//!
//! `main.rs` only parses the command line and calls [`cli::run`].

pub mod audit;
pub mod auth;
pub mod bundled;
pub mod cache;
pub mod chart_png;
pub mod chart_routes;
pub mod cli;
pub mod client_errors;
pub mod configuration;
pub mod csv_io;
pub mod db;
pub mod edgar;
pub mod embedded_pg;
pub mod feed;
pub mod page_cache;
pub mod routes;
pub mod startup;
pub mod state;
pub mod sync_status;
pub mod telemetry;
pub mod users;
