//! Analysts' entries: what the rules need to judge them ([`context`], one
//! batched read for a form or a whole upload), and writing them, one entry
//! from the form or a revert, or an upload of many in one transaction.
//!
//! One transaction: lock the company row (once: the write funnel is then
//! applied under that lock), compare the current version with the one the
//! form was based on (optimistic concurrency), and apply the record through
//! [`crate::write`] as a new version with `source_kind = analyst`.

use crate::write::{self, FactRecord};
use anyhow::Context;
use domain::entry::{
    describe, CompanyChoice, CurrentFact, EntryContext, EntryKey, StoredUnit, StoredValue,
};
use domain::{FiscalPeriod, Metric, Ticker};
use sqlx::PgPool;
use std::collections::{BTreeSet, HashMap};

/// Every company, by ticker, for the entry form's picker.
pub async fn companies(pool: &PgPool) -> sqlx::Result<Vec<CompanyChoice>> {
    let rows =
        sqlx::query!("SELECT ticker, name, fiscal_year_end_month FROM companies ORDER BY ticker")
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| CompanyChoice {
            ticker: r.ticker,
            name: r.name,
            fiscal_year_end_month: u8::try_from(r.fiscal_year_end_month).unwrap_or(12),
        })
        .collect())
}

/// The version in force for a key, with where it came from.
pub async fn current(pool: &PgPool, key: &EntryKey) -> sqlx::Result<Option<CurrentFact>> {
    let row = sqlx::query!(
        r#"SELECT version AS "version!", value AS "value!", known_at AS "known_at!",
                  source_kind::text AS "source_kind!", source_url, entered_by
           FROM current_facts
           WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4"#,
        key.ticker.as_str(),
        key.metric.key(),
        key.period.fiscal_year as i16,
        i16::from(key.period.quarter)
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| CurrentFact {
        version: r.version,
        display: describe(r.value, StoredUnit::for_metric(key.metric)),
        value: r.value,
        known_at: r.known_at,
        source_kind: r.source_kind,
        source_url: r.source_url,
        entered_by: r.entered_by,
    }))
}

/// Everything [`domain::entry::check`] needs for these tickers (whether the
/// store has them) and keys (their periods' dates, the largest value of
/// their metric, the version in force): four queries, however many keys.
pub async fn context(
    pool: &PgPool,
    tickers: &[Ticker],
    keys: &[EntryKey],
) -> sqlx::Result<EntryContext> {
    let mut ctx = EntryContext::default();
    let mut all_tickers: BTreeSet<&str> = tickers.iter().map(Ticker::as_str).collect();
    all_tickers.extend(keys.iter().map(|k| k.ticker.as_str()));
    let all_tickers: Vec<String> = all_tickers.into_iter().map(str::to_string).collect();
    if all_tickers.is_empty() {
        return Ok(ctx);
    }
    let known: HashMap<&str, &Ticker> = tickers
        .iter()
        .chain(keys.iter().map(|k| &k.ticker))
        .map(|t| (t.as_str(), t))
        .collect();
    for row in sqlx::query!(
        "SELECT ticker, fiscal_year_end_month FROM companies WHERE ticker = ANY($1)",
        &all_tickers
    )
    .fetch_all(pool)
    .await?
    {
        if let Some(t) = known.get(row.ticker.as_str()) {
            let month = u8::try_from(row.fiscal_year_end_month).unwrap_or(12);
            ctx.companies.insert((*t).clone(), month);
        }
    }
    if keys.is_empty() {
        return Ok(ctx);
    }

    // Rows come back as columns; each is matched to the key it answers.
    type Columns = (String, &'static str, i16, i16);
    let columns = |k: &EntryKey| -> Columns {
        (
            k.ticker.as_str().to_string(),
            k.metric.key(),
            k.period.fiscal_year as i16,
            i16::from(k.period.quarter),
        )
    };
    let keys: BTreeSet<&EntryKey> = keys.iter().collect();
    let by_columns: HashMap<Columns, &EntryKey> = keys.iter().map(|k| (columns(k), *k)).collect();
    let by_period: HashMap<(String, i16, i16), (&Ticker, FiscalPeriod)> = keys
        .iter()
        .map(|k| {
            let (ticker, _, year, quarter) = columns(k);
            ((ticker, year, quarter), (&k.ticker, k.period))
        })
        .collect();
    let (ticker_col, metric_col, year_col, quarter_col) = keys.iter().map(|k| columns(k)).fold(
        (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
        |mut acc, (t, m, y, q)| {
            acc.0.push(t);
            acc.1.push(m.to_string());
            acc.2.push(y);
            acc.3.push(q);
            acc
        },
    );

    // The period's latest recorded dates (52/53-week years).
    for row in sqlx::query!(
        r#"SELECT DISTINCT ON (f.ticker, f.fiscal_year, f.fiscal_quarter)
                  f.ticker, f.fiscal_year, f.fiscal_quarter,
                  f.period_start AS "period_start!", f.period_end
           FROM fact_versions f
           JOIN unnest($1::text[], $2::int2[], $3::int2[]) AS k(ticker, fiscal_year, fiscal_quarter)
             ON (f.ticker, f.fiscal_year, f.fiscal_quarter) = (k.ticker, k.fiscal_year, k.fiscal_quarter)
           WHERE f.period_start IS NOT NULL
           ORDER BY f.ticker, f.fiscal_year, f.fiscal_quarter, f.recorded_at DESC"#,
        &ticker_col,
        &year_col,
        &quarter_col
    )
    .fetch_all(pool)
    .await?
    {
        if let Some(&(ticker, period)) =
            by_period.get(&(row.ticker, row.fiscal_year, row.fiscal_quarter))
        {
            ctx.period_dates
                .insert((ticker.clone(), period), (row.period_start, row.period_end));
        }
    }

    // The largest value in force of each company's metric (plausibility).
    for row in sqlx::query!(
        r#"SELECT ticker AS "ticker!", metric AS "metric!", max(abs(value)) AS "largest!"
           FROM current_facts
           WHERE ticker = ANY($1) AND metric = ANY($2)
           GROUP BY ticker, metric"#,
        &all_tickers,
        &metric_col
    )
    .fetch_all(pool)
    .await?
    {
        let (Some(ticker), Ok(metric)) =
            (known.get(row.ticker.as_str()), Metric::parse(&row.metric))
        else {
            continue;
        };
        ctx.largest.insert(((*ticker).clone(), metric), row.largest);
    }

    // The version in force for each key.
    for row in sqlx::query!(
        r#"SELECT c.ticker AS "ticker!", c.metric AS "metric!", c.fiscal_year AS "fiscal_year!",
                  c.fiscal_quarter AS "fiscal_quarter!", c.version AS "version!", c.value AS "value!"
           FROM current_facts c
           JOIN unnest($2::text[], $3::text[], $4::int2[], $5::int2[])
                AS k(ticker, metric, fiscal_year, fiscal_quarter)
             ON (c.ticker, c.metric, c.fiscal_year, c.fiscal_quarter)
              = (k.ticker, k.metric, k.fiscal_year, k.fiscal_quarter)
           WHERE c.ticker = ANY($1)"#,
        &all_tickers,
        &ticker_col,
        &metric_col,
        &year_col,
        &quarter_col
    )
    .fetch_all(pool)
    .await?
    {
        let Some(&key) = by_columns.get(&(
            row.ticker,
            metric_key(&row.metric),
            row.fiscal_year,
            row.fiscal_quarter,
        )) else {
            continue;
        };
        ctx.current.insert(
            key.clone(),
            StoredValue {
                version: row.version,
                value: row.value,
            },
        );
    }
    Ok(ctx)
}

/// The metric's own `&'static` key, for matching rows to keys ("" when the
/// store holds a metric the code does not know; it then matches none).
fn metric_key(raw: &str) -> &'static str {
    Metric::parse(raw).map_or("", Metric::key)
}

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
