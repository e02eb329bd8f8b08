//! The EDGAR sync's bookkeeping (issue 16): which companies are tracked,
//! when each was checked and is next due, the filings whose figures were
//! imported, and the lock that lets one server instance sync at a time.
//!
//! The lock is a PostgreSQL session-level advisory lock held on a connection
//! taken out of the pool for the round ([`SyncLock`]): it spans every
//! instance on the database, and it is released when the round ends or when
//! its connection closes for any reason (a crashed or killed instance cannot
//! keep it).

use domain::sync::{CompanySync, ImportedFiling};
use domain::{AccessionNumber, Cik, Ticker};
use sqlx::{Connection, PgConnection, PgPool};
use std::time::Duration;
use time::Date;

/// The advisory-lock key of the sync ("CAPEXSYN" in ASCII).
pub const SYNC_LOCK_KEY: i64 = 0x4341_5045_5853_594E;

/// A company the sync checks: its ticker, and its CIK once the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedCompany {
    pub ticker: Ticker,
    pub cik: Option<Cik>,
}

/// A filing as the SEC's submissions list names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFiling {
    pub accession_number: AccessionNumber,
    pub form: String,
    pub filing_date: Date,
    pub report_date: Option<Date>,
}

/// What one import changed, recorded with the filings it brought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportCounts {
    pub new: usize,
    pub changed: usize,
    pub history: usize,
}

/// Starts tracking a company (or resumes it), due at once. True when the
/// ticker was not tracked before.
pub async fn track(pool: &PgPool, ticker: &Ticker) -> Result<bool, sqlx::Error> {
    let newly = sqlx::query_scalar!(
        r#"INSERT INTO edgar_tracking (ticker) VALUES ($1)
           ON CONFLICT (ticker) DO UPDATE SET tracked = true, next_check_at = now()
           RETURNING (xmax = 0) AS "inserted!""#,
        ticker.as_str()
    )
    .fetch_one(pool)
    .await?;
    Ok(newly)
}

/// Stops checking a company (its imported filings stay). False when it was
/// not tracked.
pub async fn untrack(pool: &PgPool, ticker: &Ticker) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE edgar_tracking SET tracked = false WHERE ticker = $1 AND tracked",
        ticker.as_str()
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Tracks these companies unless a decision about them is already stored
/// (the bundled companies at start: an admin's "stop tracking" stands).
pub async fn track_unless_decided(
    conn: &mut PgConnection,
    tickers: &[String],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO edgar_tracking (ticker) SELECT unnest($1::text[]) ON CONFLICT (ticker) DO NOTHING",
        tickers
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The tracked companies, those due for a check only when `due_only`.
pub async fn tracked(pool: &PgPool, due_only: bool) -> anyhow::Result<Vec<TrackedCompany>> {
    let rows = sqlx::query!(
        r#"SELECT t.ticker, c.cik AS "cik?"
           FROM edgar_tracking t LEFT JOIN companies c ON c.ticker = t.ticker
           WHERE t.tracked AND (NOT $1 OR t.next_check_at <= now())
           ORDER BY t.next_check_at, t.ticker"#,
        due_only
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let cik = r
                .cik
                .map(|n| Cik::new(u64::try_from(n).unwrap_or(0)))
                .transpose()?;
            Ok(TrackedCompany {
                ticker: Ticker::parse(&r.ticker)?,
                cik,
            })
        })
        .collect()
}

/// The accession numbers of the company's filings already imported.
pub async fn imported(
    conn: &mut PgConnection,
    ticker: &Ticker,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT accession_number FROM edgar_filings WHERE ticker = $1",
        ticker.as_str()
    )
    .fetch_all(conn)
    .await
}

/// Records filings as imported, inside the transaction that wrote their
/// figures. Returns how many were not recorded before (a filing already
/// there is left as it is).
pub async fn record_imported(
    conn: &mut PgConnection,
    ticker: &Ticker,
    filings: &[ListedFiling],
    counts: ImportCounts,
) -> Result<u64, sqlx::Error> {
    let accessions: Vec<String> = filings
        .iter()
        .map(|f| f.accession_number.to_string())
        .collect();
    let forms: Vec<String> = filings.iter().map(|f| f.form.clone()).collect();
    let filed: Vec<Date> = filings.iter().map(|f| f.filing_date).collect();
    let reported: Vec<Option<Date>> = filings.iter().map(|f| f.report_date).collect();
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let done = sqlx::query!(
        r#"INSERT INTO edgar_filings
               (accession_number, ticker, form, filing_date, report_date,
                new_versions, changed_versions, history_versions)
           SELECT a, $2, f, d, r, $6, $7, $8
           FROM unnest($1::text[], $3::text[], $4::date[], $5::date[]) AS l(a, f, d, r)
           ON CONFLICT (accession_number) DO NOTHING"#,
        &accessions,
        ticker.as_str(),
        &forms,
        &filed,
        &reported as &[Option<Date>],
        count(counts.new),
        count(counts.changed),
        count(counts.history),
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Records a check: when it ran, when the next is due, and its error (or
/// none, which clears the last one).
pub async fn record_check(
    pool: &PgPool,
    ticker: &Ticker,
    next_in: Duration,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    // Cut to the column's limit on a character boundary.
    let error = error.map(|e| e.chars().take(2000).collect::<String>());
    sqlx::query!(
        r#"UPDATE edgar_tracking
           SET last_checked_at = now(),
               next_check_at = now() + make_interval(secs => $2),
               last_error = $3,
               last_error_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END
           WHERE ticker = $1"#,
        ticker.as_str(),
        next_in.as_secs_f64(),
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Every tracked (or once tracked) company's sync state, by ticker.
pub async fn status(pool: &PgPool) -> Result<Vec<CompanySync>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.ticker, c.name AS "name?", c.cik AS "cik?", t.tracked, t.tracked_since,
                  t.last_checked_at, t.next_check_at, t.last_error, t.last_error_at,
                  f.accession_number AS "accession_number?", f.form AS "form?",
                  f.filing_date AS "filing_date?", f.report_date AS "report_date?",
                  f.imported_at AS "imported_at?", f.new_versions AS "new_versions?",
                  f.changed_versions AS "changed_versions?", f.history_versions AS "history_versions?",
                  (SELECT count(*) FROM edgar_filings n WHERE n.ticker = t.ticker) AS "filings!"
           FROM edgar_tracking t
           LEFT JOIN companies c ON c.ticker = t.ticker
           LEFT JOIN LATERAL (
               SELECT * FROM edgar_filings e WHERE e.ticker = t.ticker
               ORDER BY e.filing_date DESC, e.accession_number DESC LIMIT 1
           ) f ON true
           ORDER BY t.ticker"#
    )
    .fetch_all(pool)
    .await?;
    let count = |n: Option<i32>| u32::try_from(n.unwrap_or(0)).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|r| {
            let last_filing = match (r.accession_number, r.form, r.filing_date, r.imported_at) {
                (Some(accession_number), Some(form), Some(filing_date), Some(imported_at)) => {
                    Some(ImportedFiling {
                        accession_number,
                        form,
                        filing_date: filing_date.to_string(),
                        report_date: r.report_date.map(|d| d.to_string()),
                        imported_at,
                        new_versions: count(r.new_versions),
                        changed_versions: count(r.changed_versions),
                        history_versions: count(r.history_versions),
                    })
                }
                _ => None,
            };
            CompanySync {
                ticker: r.ticker,
                name: r.name,
                cik: r.cik.and_then(|n| u64::try_from(n).ok()),
                tracked: r.tracked,
                tracked_since: r.tracked_since,
                last_checked_at: r.last_checked_at,
                next_check_at: r.next_check_at,
                last_filing,
                filings_imported: u32::try_from(r.filings).unwrap_or(u32::MAX),
                last_error: r.last_error,
                last_error_at: r.last_error_at,
            }
        })
        .collect())
}

/// The sync's lock, held while a round runs. Dropping it (or a crash)
/// closes its connection, which releases it.
#[derive(Debug)]
pub struct SyncLock {
    conn: PgConnection,
}

impl SyncLock {
    /// Takes the lock if no instance holds it; `None` when one does.
    pub async fn try_acquire(pool: &PgPool) -> Result<Option<SyncLock>, sqlx::Error> {
        // Out of the pool: the session, not a pooled connection someone
        // else reuses, holds the lock, and closing it releases the lock.
        let mut conn = pool.acquire().await?.detach();
        let got = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_lock($1) AS "got!""#,
            SYNC_LOCK_KEY
        )
        .fetch_one(&mut conn)
        .await?;
        if got {
            Ok(Some(SyncLock { conn }))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }

    /// Ends the round. The lock is released explicitly before the session
    /// closes: PostgreSQL frees a closed session's locks only when its
    /// backend has exited, which happens after `close` returns, so another
    /// instance asking at once could still find it held. If the unlock
    /// fails (the connection is broken), closing the session releases it.
    pub async fn release(mut self) {
        let _ = sqlx::query_scalar!(
            r#"SELECT pg_advisory_unlock($1) AS "released!""#,
            SYNC_LOCK_KEY
        )
        .fetch_one(&mut self.conn)
        .await;
        let _ = self.conn.close().await;
    }
}
