//! Analysts' entries written to the store: one entry from the form or a
//! revert, or an upload of many in one transaction.
//!
//! One transaction: lock the company row (once: the write funnel is then
//! applied under that lock), compare the current version with the one the
//! form was based on (optimistic concurrency), and apply the record through
//! [`crate::write`] as a new version with `source_kind = analyst`.

use crate::write::{self, FactRecord};
use anyhow::Context;
use sqlx::PgPool;

/// A validated entry: the record to write, and the version that was current
/// when the form was filled in (0: there was none).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub record: FactRecord,
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

/// What writing an upload did: all entries saved, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Every entry saved, as these versions (in the entries' order).
    Saved { versions: Vec<i32> },
    /// Entry `index` was not saved, so nothing was written.
    Refused { index: usize, refused: WriteOutcome },
}

/// Writes one entry (see the module documentation).
pub async fn write(pool: &PgPool, entry: &Entry) -> anyhow::Result<WriteOutcome> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    let outcome = write_in(&mut tx, entry).await?;
    if matches!(outcome, WriteOutcome::Saved { .. }) {
        tx.commit().await.context("committing the entry")?;
    }
    Ok(outcome)
}

/// Writes every entry in one transaction, or none: the first entry that is
/// not saved (a conflict or a duplicate) rolls everything back and is
/// returned with its index.
pub async fn write_all(pool: &PgPool, entries: &[Entry]) -> anyhow::Result<BatchOutcome> {
    let mut tx = pool.begin().await.context("starting a transaction")?;
    // Companies are locked in ticker order, so concurrent uploads cannot deadlock.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|a, b| {
        let ticker = |i: &usize| entries[*i].record.ticker.as_str();
        ticker(a).cmp(ticker(b))
    });
    let mut versions = vec![0; entries.len()];
    for index in order {
        match write_in(&mut tx, &entries[index]).await? {
            WriteOutcome::Saved { version } => versions[index] = version,
            refused => return Ok(BatchOutcome::Refused { index, refused }),
        }
    }
    tx.commit().await.context("committing the upload")?;
    Ok(BatchOutcome::Saved { versions })
}

/// Writes one entry inside `tx` (not committed).
async fn write_in(tx: &mut sqlx::PgConnection, entry: &Entry) -> anyhow::Result<WriteOutcome> {
    let r = &entry.record;
    write::lock_company(&mut *tx, &r.ticker).await?;
    let current = current_version(&mut *tx, r).await?;
    let current_version = current.as_ref().map_or(0, |c| c.version);
    if current_version != entry.base_version {
        return Ok(WriteOutcome::Conflict { current_version });
    }
    if let Some(c) = &current {
        if c.value == r.value {
            return Ok(WriteOutcome::Duplicate { version: c.version });
        }
    }
    let report = write::apply_locked(&mut *tx, &r.ticker, std::slice::from_ref(r)).await?;
    if report.written() == 0 {
        return Ok(WriteOutcome::Duplicate {
            version: current_version,
        });
    }
    let version = current_version_in(&mut *tx, r)
        .await?
        .context("reading the new version")?;
    Ok(WriteOutcome::Saved { version })
}

struct Current {
    version: i32,
    value: rust_decimal::Decimal,
}

async fn current_version(
    tx: &mut sqlx::PgConnection,
    r: &FactRecord,
) -> anyhow::Result<Option<Current>> {
    sqlx::query_as!(
        Current,
        r#"SELECT version AS "version!", value AS "value!" FROM current_facts
           WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4"#,
        r.ticker.as_str(),
        r.metric.key(),
        r.period.fiscal_year as i16,
        i16::from(r.period.quarter)
    )
    .fetch_optional(&mut *tx)
    .await
    .context("reading the current version")
}

async fn current_version_in(
    tx: &mut sqlx::PgConnection,
    r: &FactRecord,
) -> anyhow::Result<Option<i32>> {
    Ok(current_version(tx, r).await?.map(|c| c.version))
}
