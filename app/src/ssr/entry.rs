//! Writing an analyst's entry. The store (`server::store`) lives in the
//! server crate, which depends on this one, so the server hands its writer in
//! as Leptos context: an [`EntryWriter`].

use domain::{FiscalPeriod, Metric, Ticker};
use rust_decimal::Decimal;
use sqlx::PgPool;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use time::Date;

/// A validated entry, ready to be written as a new fact version.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub ticker: Ticker,
    pub metric: Metric,
    pub period: FiscalPeriod,
    pub period_start: Option<Date>,
    pub period_end: Date,
    pub value: Decimal,
    /// As stored in `fact_versions.unit`.
    pub unit: &'static str,
    /// The day the value became known: the day of the entry.
    pub known_at: Date,
    pub source_url: String,
    pub note: Option<String>,
    /// The analyst's email.
    pub entered_by: String,
    /// The version current when the form was filled in (0: there was none).
    pub base_version: i32,
}

/// What writing an entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Stored as this version, now current.
    Saved { version: i32 },
    /// The current version is no longer the one the form was based on:
    /// nothing was written.
    Conflict { current_version: i32 },
    /// The value already is the current one: nothing was written.
    Duplicate { version: i32 },
}

/// The future an [`EntryWriter`] returns.
pub type WriteFuture = Pin<Box<dyn Future<Output = anyhow::Result<WriteOutcome>> + Send>>;

/// Writes an entry in one transaction: locks the company, compares the
/// current version with `base_version`, and applies the record through the
/// store. Provided as context by the server.
#[derive(Clone)]
pub struct EntryWriter(pub Arc<dyn Fn(PgPool, NewEntry) -> WriteFuture + Send + Sync>);

impl std::fmt::Debug for EntryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EntryWriter")
    }
}

/// What writing an upload did: all entries saved, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkOutcome {
    /// Every entry saved, as these versions (in the entries' order).
    Saved { versions: Vec<i32> },
    /// Entry `index` was not saved, so nothing was written.
    Refused { index: usize, refused: WriteOutcome },
}

/// The future a [`BulkWriter`] returns.
pub type BulkFuture = Pin<Box<dyn Future<Output = anyhow::Result<BulkOutcome>> + Send>>;

/// Writes many entries in one transaction (a CSV upload), each checked as
/// [`EntryWriter`] checks one. Provided as context by the server.
#[derive(Clone)]
pub struct BulkWriter(pub Arc<dyn Fn(PgPool, Vec<NewEntry>) -> BulkFuture + Send + Sync>);

impl std::fmt::Debug for BulkWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BulkWriter")
    }
}
