//! The EDGAR sync as an admin or a monitor reads it (issue 16): per tracked
//! company, the last check, the last filing imported and what it changed,
//! the next check, and the last error in plain words. One type serves the
//! status page, its JSON endpoint (`/api/sync/status`) and `server sync
//! status`, so the three cannot disagree.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The forms whose figures the sync imports: annual and quarterly reports,
/// their transition-period variants and their amendments.
pub const FINANCIAL_REPORT_FORMS: &[&str] = &[
    "10-K", "10-K/A", "10-Q", "10-Q/A", "10-KT", "10-KT/A", "10-QT", "10-QT/A",
];

/// Whether a filing of this form carries financial statements the sync imports.
pub fn is_financial_report(form: &str) -> bool {
    FINANCIAL_REPORT_FORMS.contains(&form.trim())
}

/// A moment as people read it in the status: `2026-12-07 21:05 UTC`.
pub fn utc_minute(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// One tracked company's sync state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySync {
    pub ticker: String,
    /// The company's name once it is in the store (a ticker an admin just
    /// added has none until its first sync).
    pub name: Option<String>,
    pub cik: Option<u64>,
    /// Checked on the schedule (`false`: kept for its history, not checked).
    pub tracked: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub tracked_since: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_checked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub next_check_at: OffsetDateTime,
    /// The newest filing (by filing date) whose figures were imported.
    pub last_filing: Option<ImportedFiling>,
    /// Filings imported in all.
    pub filings_imported: u32,
    /// Why the last check failed; `None` once a check succeeds.
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_error_at: Option<OffsetDateTime>,
}

impl CompanySync {
    /// A word for the company's state: `failing`, `never checked`, `paused` or `current`.
    pub fn state(&self) -> &'static str {
        if self.last_error.is_some() {
            "failing"
        } else if !self.tracked {
            "paused"
        } else if self.last_checked_at.is_none() {
            "never checked"
        } else {
            "current"
        }
    }
}

/// A filing whose figures a sync imported, and what that import changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedFiling {
    pub accession_number: String,
    pub form: String,
    /// `YYYY-MM-DD`.
    pub filing_date: String,
    /// The period the report covers (`YYYY-MM-DD`), when the SEC lists it.
    pub report_date: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub imported_at: OffsetDateTime,
    /// Keys stored for the first time.
    pub new_versions: u32,
    /// New current versions of keys already stored (restatements).
    pub changed_versions: u32,
    /// Older values kept as history.
    pub history_versions: u32,
}

impl ImportedFiling {
    /// "3 new, 2 restated, 0 history", what the import did in words.
    pub fn changes(&self) -> String {
        if self.new_versions == 0 && self.changed_versions == 0 && self.history_versions == 0 {
            return "no figure changed".to_string();
        }
        format!(
            "{} new, {} restated, {} history",
            self.new_versions, self.changed_versions, self.history_versions
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_and_their_amendments_are_imported_and_other_forms_are_not() {
        for form in ["10-K", "10-Q", "10-K/A", "10-Q/A", " 10-KT "] {
            assert!(is_financial_report(form), "{form}");
        }
        for form in ["8-K", "DEF 14A", "S-1", "4", "10-D", ""] {
            assert!(!is_financial_report(form), "{form}");
        }
    }

    #[test]
    fn a_failing_check_reads_failing_whatever_else_holds() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let mut s = CompanySync {
            ticker: "MSFT".into(),
            name: None,
            cik: Some(789_019),
            tracked: true,
            tracked_since: at,
            last_checked_at: None,
            next_check_at: at,
            last_filing: None,
            filings_imported: 0,
            last_error: None,
            last_error_at: None,
        };
        assert_eq!(s.state(), "never checked");
        s.last_checked_at = Some(at);
        assert_eq!(s.state(), "current");
        s.last_error = Some("HTTP 503".into());
        assert_eq!(s.state(), "failing");
        s.last_error = None;
        s.tracked = false;
        assert_eq!(s.state(), "paused");
    }

    #[test]
    fn an_import_that_changed_nothing_says_so_in_words() {
        let filing = ImportedFiling {
            accession_number: "0000950170-24-118967".into(),
            form: "10-Q".into(),
            filing_date: "2024-10-30".into(),
            report_date: None,
            imported_at: OffsetDateTime::UNIX_EPOCH,
            new_versions: 0,
            changed_versions: 0,
            history_versions: 0,
        };
        assert_eq!(filing.changes(), "no figure changed");
    }

    #[test]
    fn moments_read_in_utc_to_the_minute() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(utc_minute(at), "2023-11-14 22:13 UTC");
        let east = at.to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(utc_minute(east), "2023-11-14 22:13 UTC");
    }

    #[test]
    fn the_status_round_trips_through_json_with_rfc3339_times() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let s = CompanySync {
            ticker: "MSFT".into(),
            name: Some("Microsoft Corporation".into()),
            cik: Some(789_019),
            tracked: true,
            tracked_since: at,
            last_checked_at: Some(at),
            next_check_at: at,
            last_filing: Some(ImportedFiling {
                accession_number: "0000950170-24-118967".into(),
                form: "10-Q".into(),
                filing_date: "2024-10-30".into(),
                report_date: Some("2024-09-30".into()),
                imported_at: at,
                new_versions: 3,
                changed_versions: 1,
                history_versions: 0,
            }),
            filings_imported: 1,
            last_error: None,
            last_error_at: None,
        };
        assert_eq!(
            s.last_filing.as_ref().unwrap().changes(),
            "3 new, 1 restated, 0 history"
        );
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.contains("\"last_checked_at\":\"2023-11-14T22:13:20Z\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<CompanySync>(&json).unwrap(), s);
    }
}
