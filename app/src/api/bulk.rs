//! CSV bulk entry: an analyst pastes many figures at once, sees a dry run
//! (new / changed / unchanged / rejected with reasons), then commits them in
//! one transaction. Every line is checked exactly as the entry form checks
//! one figure. Analysts only.
//!
//! The file: a header line `ticker,period,metric,value,source_url,note`
//! (`note` may be left out), then one figure per line, e.g.
//! `MSFT,FY26 Q1,capex,"19,394M",https://www.microsoft.com/investor,`.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Most lines accepted in one upload.
pub const MAX_LINES: usize = 2_000;
/// Largest upload accepted, in bytes.
pub const MAX_BYTES: usize = 1_000_000;

/// What the dry run found for a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkStatus {
    /// No value is stored for this number yet.
    New,
    /// A different value is stored: this becomes a new version.
    Changed,
    /// The same value is stored: nothing to write.
    Unchanged,
    /// The line cannot be saved; `reasons` says why.
    Rejected,
}

/// One line of the upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkLine {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub ticker: String,
    pub metric: String,
    pub period: String,
    pub status: BulkStatus,
    /// The value as understood (`$37B (37,000,000,000 USD)`).
    pub value: Option<String>,
    /// The value stored now, for changed and unchanged lines.
    pub previous: Option<String>,
    pub reasons: Vec<String>,
}

/// The dry run of an upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkDiff {
    pub lines: Vec<BulkLine>,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Identifies what a commit would write against which versions; the
    /// commit is refused if the store changed since the dry run.
    pub digest: String,
}

/// What committing an upload did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BulkOutcome {
    /// Every new and changed line saved, in one transaction.
    Saved { saved: usize },
    /// Nothing written: `message` says why; `diff` is the dry run as of now.
    Refused { message: String, diff: BulkDiff },
}

/// The dry run: what committing `csv` would do. Writes nothing.
#[server(endpoint = "entry/bulk/preview")]
pub async fn bulk_preview(csv: String) -> Result<BulkDiff, AppError> {
    let user = crate::ssr::auth::require(domain::account::Role::Analyst, "bulk_preview").await?;
    let pool = crate::ssr::pool()?;
    let (diff, _) = ssr::diff(&pool, &user, &csv).await?;
    Ok(diff)
}

/// Commits `csv` in one transaction, if the dry run that produced `digest`
/// still holds and no line is rejected; otherwise writes nothing.
#[server(endpoint = "entry/bulk/commit")]
pub async fn bulk_commit(csv: String, digest: String) -> Result<BulkOutcome, AppError> {
    let user = crate::ssr::auth::require(domain::account::Role::Analyst, "bulk_commit").await?;
    let pool = crate::ssr::pool()?;
    ssr::commit(&pool, &user, &csv, &digest).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{BulkDiff, BulkLine, BulkOutcome, BulkStatus, MAX_BYTES, MAX_LINES};
    use crate::api::entry::ssr::entry;
    use crate::error::AppError;
    use domain::account::SignedIn;
    use domain::entry::{check, describe, parse_key, EntryForm, EntryKey, Refusal, StoredUnit};
    use domain::Ticker;
    use sqlx::PgPool;
    use std::collections::HashMap;
    use std::hash::{Hash, Hasher};
    use store::entry::{BatchOutcome as Written, Entry, WriteOutcome};

    const HEADER: [&str; 6] = ["ticker", "period", "metric", "value", "source_url", "note"];

    fn invalid(message: impl Into<String>) -> AppError {
        let err = AppError::Invalid(message.into());
        crate::ssr::set_status(&err);
        err
    }

    /// A line of the file: its number, its fields as a form, and whether it
    /// has the header's number of fields.
    pub type ReadLine = (u64, EntryForm, Result<(), String>);

    /// The 1-based line of the file on which a record begins. The reader's
    /// own count starts a record at the blank lines it skips before it, so
    /// an analyst would be sent to the wrong line. Records come in file
    /// order, so the newlines are counted once, from the previous record on
    /// (counting from the start for each record made a 2,000-line upload
    /// quadratic).
    struct PhysicalLines<'a> {
        bytes: &'a [u8],
        at: usize,
        newlines: usize,
    }

    impl<'a> PhysicalLines<'a> {
        fn new(text: &'a str) -> Self {
            Self {
                bytes: text.as_bytes(),
                at: 0,
                newlines: 0,
            }
        }

        /// The line of the record starting at `byte` (not before the last one asked).
        fn line_of(&mut self, byte: u64) -> u64 {
            let bytes = self.bytes;
            let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            if at > self.at {
                self.newlines += bytes[self.at..at].iter().filter(|&&b| b == b'\n').count();
                self.at = at;
            }
            u64::try_from(self.newlines).map_or(u64::MAX, |n| n + 1)
        }
    }

    /// The file's lines as forms, with their line numbers; a file-level
    /// problem (size, header, unreadable CSV) is one message.
    pub fn read(csv_text: &str) -> Result<Vec<ReadLine>, String> {
        if csv_text.len() > MAX_BYTES {
            return Err(format!(
                "The upload is larger than {} kB.",
                MAX_BYTES / 1000
            ));
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(csv_text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| format!("The file could not be read as CSV: {e}."))?
            .clone();
        let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
        if names.len() < 5
            || names.len() > 6
            || names.iter().zip(HEADER).any(|(a, b)| a.as_str() != b)
        {
            return Err(format!(
                "The first line must be the header {} (note may be left out); found {:?}.",
                HEADER.join(","),
                header.iter().collect::<Vec<_>>().join(",")
            ));
        }
        let mut out = Vec::new();
        let mut lines = PhysicalLines::new(csv_text);
        for record in reader.records() {
            let record = record.map_err(|e| format!("The file could not be read as CSV: {e}."))?;
            let line = record
                .position()
                .map(|p| lines.line_of(p.byte()))
                .unwrap_or(0);
            if out.len() >= MAX_LINES {
                return Err(format!(
                    "The upload has more than {MAX_LINES} lines; split it."
                ));
            }
            if record.iter().all(str::is_empty) {
                continue;
            }
            let field = |i: usize| record.get(i).unwrap_or("").to_string();
            let form = EntryForm {
                ticker: field(0),
                period: field(1),
                metric: field(2),
                value: field(3),
                source_url: field(4),
                note: field(5),
                base_version: String::new(),
                confirmed: false,
            };
            // A line of the wrong length is kept, so it is reported where it is.
            let checked = if record.len() == names.len() {
                Ok(())
            } else {
                Err(format!(
                    "The line has {} fields; the header has {}.",
                    record.len(),
                    names.len()
                ))
            };
            out.push((line, form, checked));
        }
        if out.is_empty() {
            return Err("The upload has no lines after the header.".into());
        }
        Ok(out)
    }

    /// The dry run, and the entries a commit would write (new and changed
    /// lines). The store is read once for the whole file
    /// ([`store::entry::context`]); each line is then judged by the same pure
    /// rules as the form ([`domain::entry::check`]).
    pub async fn diff(
        pool: &PgPool,
        user: &SignedIn,
        csv_text: &str,
    ) -> Result<(BulkDiff, Vec<Entry>), AppError> {
        let forms = read(csv_text).map_err(invalid)?;
        let tickers: Vec<Ticker> = forms
            .iter()
            .filter_map(|(_, form, _)| Ticker::parse(&form.ticker).ok())
            .collect();
        let keys: Vec<EntryKey> = forms
            .iter()
            .filter_map(|(_, form, _)| parse_key(&form.ticker, &form.metric, &form.period).ok())
            .collect();
        let ctx = store::entry::context(pool, &tickers, &keys)
            .await
            .map_err(crate::ssr::db_error)?;
        let today = time::OffsetDateTime::now_utc().date();
        let mut lines = Vec::with_capacity(forms.len());
        let mut entries = Vec::new();
        let mut seen: HashMap<EntryKey, u64> = HashMap::new();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for (line_no, mut form, checked) in forms {
            let mut line = BulkLine {
                line: line_no,
                ticker: form.ticker.chars().take(40).collect(),
                metric: form.metric.chars().take(40).collect(),
                period: form.period.chars().take(40).collect(),
                status: BulkStatus::Rejected,
                value: None,
                previous: None,
                reasons: Vec::new(),
            };
            if let Err(reason) = checked {
                line.reasons.push(reason);
                lines.push(line);
                continue;
            }
            // The version in force now is the base: a change since the dry
            // run is caught at commit.
            let stored = match parse_key(&form.ticker, &form.metric, &form.period) {
                Ok(key) => {
                    let stored = ctx.current.get(&key).copied();
                    if let Some(first) = seen.insert(key, line_no) {
                        line.reasons.push(format!(
                            "The same number is on line {first}; each number may appear once."
                        ));
                        lines.push(line);
                        continue;
                    }
                    stored
                }
                Err(_) => None,
            };
            form.base_version = stored.map_or(0, |c| c.version).to_string();
            match check(&form, &ctx, today) {
                Err(Refusal::Invalid { errors, understood }) => {
                    line.value = understood;
                    line.reasons = errors
                        .into_iter()
                        .map(|e| format!("{}: {}", e.field.as_str(), e.message))
                        .collect();
                }
                Err(Refusal::Unusual { reason, understood }) => {
                    line.value = Some(understood);
                    line.reasons.push(format!(
                        "unusual value: {reason} Enter it through the form to confirm it."
                    ));
                }
                Ok(valid) => {
                    let unit = StoredUnit::for_metric(valid.key.metric);
                    line.value = Some(valid.understood.clone());
                    line.previous = stored.map(|c| describe(c.value, unit));
                    line.status = match stored {
                        None => BulkStatus::New,
                        Some(c) if c.value == valid.value => BulkStatus::Unchanged,
                        Some(_) => BulkStatus::Changed,
                    };
                    if line.status != BulkStatus::Unchanged {
                        let entry = entry(user, valid, today);
                        let r = &entry.record;
                        (
                            r.ticker.as_str(),
                            r.metric.key(),
                            r.period,
                            entry.base_version,
                            r.value.normalize().to_string(),
                            &r.source.url,
                            &r.note,
                        )
                            .hash(&mut hasher);
                        entries.push(entry);
                    }
                }
            }
            lines.push(line);
        }
        let count = |s: BulkStatus| lines.iter().filter(|l| l.status == s).count();
        let diff = BulkDiff {
            new: count(BulkStatus::New),
            changed: count(BulkStatus::Changed),
            unchanged: count(BulkStatus::Unchanged),
            rejected: count(BulkStatus::Rejected),
            digest: format!("{:016x}", hasher.finish()),
            lines,
        };
        Ok((diff, entries))
    }

    /// See [`super::bulk_commit`].
    pub async fn commit(
        pool: &PgPool,
        user: &SignedIn,
        csv_text: &str,
        digest: &str,
    ) -> Result<BulkOutcome, AppError> {
        let (diff, entries) = diff(pool, user, csv_text).await?;
        let refuse = |message: String, diff: BulkDiff| {
            tracing::info!(
                user.id = user.id,
                entry.outcome = "bulk_refused",
                "bulk upload refused"
            );
            Ok(BulkOutcome::Refused { message, diff })
        };
        if diff.rejected > 0 {
            return refuse(
                format!(
                    "Nothing was saved: {} line(s) are rejected. Fix them and check again.",
                    diff.rejected
                ),
                diff,
            );
        }
        if diff.digest != digest.trim() {
            return refuse(
                "Nothing was saved: the store changed since the check (or the file did). Review the new check and commit again.".into(),
                diff,
            );
        }
        if entries.is_empty() {
            return Ok(BulkOutcome::Saved { saved: 0 });
        }
        let count = entries.len();
        let written = store::entry::write_all(pool, &entries)
            .await
            .map_err(|e| crate::ssr::write_error(&e))?;
        match written {
            Written::Saved { .. } => {
                tracing::info!(
                    user.id = user.id,
                    entry.lines = count,
                    entry.outcome = "bulk_saved",
                    "bulk upload saved"
                );
                Ok(BulkOutcome::Saved { saved: count })
            }
            Written::Refused { refused, .. } => {
                let (diff, _) = self::diff(pool, user, csv_text).await?;
                let why = match refused {
                    WriteOutcome::Conflict { .. } => {
                        "a number was changed by someone else meanwhile"
                    }
                    _ => "a number already has this value",
                };
                refuse(
                    format!("Nothing was saved: {why}. Review the new check and commit again."),
                    diff,
                )
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_header_is_checked_and_lines_keep_their_numbers() {
            assert!(read("a,b,c\n1,2,3\n").unwrap_err().contains("header"));
            assert!(read("ticker,period,metric,value,source_url\n")
                .unwrap_err()
                .contains("no lines"));
            let forms = read(
                "ticker,period,metric,value,source_url,note\n\nMSFT,FY26 Q1,capex,\"19,394M\",https://x.com,hi\nMSFT,FY26 Q2\n",
            )
            .unwrap();
            assert_eq!(forms.len(), 2);
            assert_eq!(forms[0].0, 3);
            assert_eq!(forms[0].1.value, "19,394M");
            assert!(forms[0].2.is_ok());
            assert!(forms[1].2.as_ref().unwrap_err().contains("2 fields"));
        }
    }
}
