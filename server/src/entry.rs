//! Analysts' entries written to the store: the [`EntryWriter`] the server
//! provides to the app's `save_entry` server function.
//!
//! One transaction: lock the company row (as [`store::apply_facts`] does, so
//! concurrent writers of the same company queue up), compare the current
//! version with the one the form was based on (optimistic concurrency), and
//! apply the record as a new version with `source_kind = analyst`.

use crate::store::{self, FactRecord, Source, SourceKind};
use anyhow::Context;
use app::ssr::entry::{BulkOutcome, BulkWriter, EntryWriter, NewEntry, WriteOutcome};
use sqlx::PgPool;
use std::sync::Arc;

/// The writer provided as Leptos context.
pub fn writer() -> EntryWriter {
    EntryWriter(Arc::new(|pool, entry| Box::pin(write(pool, entry))))
}

/// The bulk writer provided as Leptos context.
pub fn bulk_writer() -> BulkWriter {
    BulkWriter(Arc::new(|pool, entries| Box::pin(write_all(pool, entries))))
}

/// Writes one entry (see the module documentation).
pub async fn write(pool: PgPool, entry: NewEntry) -> anyhow::Result<WriteOutcome> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    let outcome = write_in(&mut tx, &entry).await?;
    if matches!(outcome, WriteOutcome::Saved { .. }) {
        tx.commit().await.context("committing the entry")?;
    }
    Ok(outcome)
}

/// Writes every entry in one transaction, or none: the first entry that is
/// not saved (a conflict or a duplicate) rolls everything back and is
/// returned with its index.
pub async fn write_all(pool: PgPool, entries: Vec<NewEntry>) -> anyhow::Result<BulkOutcome> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    // Companies are locked in ticker order, so concurrent uploads cannot deadlock.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|a, b| entries[*a].ticker.as_str().cmp(entries[*b].ticker.as_str()));
    let mut versions = vec![0; entries.len()];
    for index in order {
        match write_in(&mut tx, &entries[index]).await? {
            WriteOutcome::Saved { version } => versions[index] = version,
            refused => return Ok(BulkOutcome::Refused { index, refused }),
        }
    }
    tx.commit().await.context("committing the upload")?;
    Ok(BulkOutcome::Saved { versions })
}

/// Writes one entry inside `tx` (not committed).
async fn write_in(tx: &mut sqlx::PgConnection, entry: &NewEntry) -> anyhow::Result<WriteOutcome> {
    let locked = sqlx::query_scalar!(
        "SELECT ticker FROM companies WHERE ticker = $1 FOR UPDATE",
        entry.ticker.as_str()
    )
    .fetch_optional(&mut *tx)
    .await
    .context("locking the company")?;
    anyhow::ensure!(
        locked.is_some(),
        "company {} is not in the store",
        entry.ticker
    );

    let current = sqlx::query!(
        r#"SELECT version AS "version!", value AS "value!" FROM current_facts
           WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4"#,
        entry.ticker.as_str(),
        entry.metric.key(),
        entry.period.fiscal_year as i16,
        i16::from(entry.period.quarter)
    )
    .fetch_optional(&mut *tx)
    .await
    .context("reading the current version")?;
    let current_version = current.as_ref().map_or(0, |c| c.version);
    if current_version != entry.base_version {
        return Ok(WriteOutcome::Conflict { current_version });
    }
    if let Some(c) = &current {
        if c.value == entry.value {
            return Ok(WriteOutcome::Duplicate { version: c.version });
        }
    }

    let record = FactRecord {
        ticker: entry.ticker.clone(),
        metric: entry.metric,
        period: entry.period,
        period_start: entry.period_start,
        period_end: entry.period_end,
        value: entry.value,
        unit: entry.unit,
        known_at: entry.known_at,
        source: Source {
            kind: SourceKind::Analyst,
            form: None,
            accession: None,
            filed_date: None,
            url: Some(entry.source_url.clone()),
            text: entry.source_url.clone(),
            derivation: None,
            entered_by: Some(entry.entered_by.clone()),
        },
        note: entry.note.clone(),
    };
    let report = store::apply_facts(&mut *tx, &entry.ticker, &[record]).await?;
    if report.written() == 0 {
        return Ok(WriteOutcome::Duplicate {
            version: current_version,
        });
    }
    let version = sqlx::query_scalar!(
        r#"SELECT version AS "version!" FROM current_facts
           WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4"#,
        entry.ticker.as_str(),
        entry.metric.key(),
        entry.period.fiscal_year as i16,
        i16::from(entry.period.quarter)
    )
    .fetch_one(&mut *tx)
    .await
    .context("reading the new version")?;
    Ok(WriteOutcome::Saved { version })
}
