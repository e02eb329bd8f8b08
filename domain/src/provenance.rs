//! Where a number comes from: the one read-side vocabulary of provenance.
//!
//! The store records a source in columns (kind, form, accession, filing date,
//! link, who entered it, a formula); every page shows it as one
//! [`Provenance`]: a kind, a one-line label and the best link. Building the
//! label lives here, once, so the facts a chart reads, a version in a
//! number's history and a cell of the overview describe the same source in
//! the same words.

use crate::{AccessionNumber, Cik};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::Date;

/// The kind of source behind a value. Serialized (and stored, as the
/// database's `source_kind` enum) as its lowercase name: `filing`,
/// `derived`, `secondary`, `analyst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Read in an SEC filing.
    Filing,
    /// A formula on reported values (e.g. Q4 = FY − 9M), or a model projection.
    Derived,
    /// An aggregator site, not a filing.
    Secondary,
    /// Entered by an analyst with a source.
    Analyst,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Filing,
        SourceKind::Derived,
        SourceKind::Secondary,
        SourceKind::Analyst,
    ];

    /// The name used in the database, CSV files, JSON and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Filing => "filing",
            SourceKind::Derived => "derived",
            SourceKind::Secondary => "secondary",
            SourceKind::Analyst => "analyst",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source kind that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a source kind: filing, derived, secondary or analyst")]
pub struct ParseSourceKindError(pub String);

impl FromStr for SourceKind {
    type Err = ParseSourceKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseSourceKindError(s.to_string()))
    }
}

/// Where a value comes from, as shown next to every number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The stored version (`fact_versions.id`) the value is.
    pub fact_id: i64,
    pub kind: SourceKind,
    /// One line, e.g. `10-Q 0001018724-26-000014, filed 2026-04-30`.
    pub label: String,
    pub url: Option<String>,
}

/// A source as the store records it, borrowed from a row.
#[derive(Debug, Clone, Copy, Default)]
pub struct SourceColumns<'a> {
    pub kind: Option<SourceKind>,
    pub form: Option<&'a str>,
    pub accession: Option<&'a str>,
    pub filed: Option<Date>,
    pub url: Option<&'a str>,
    /// The company's CIK: links an accession number to SEC's archive.
    pub cik: Option<i64>,
}

impl SourceColumns<'_> {
    /// The label and the best link: the recorded link, else the filing's
    /// folder in SEC's archive when the accession and CIK are known.
    pub fn describe(&self, fact_id: i64) -> Provenance {
        let kind = self.kind.unwrap_or(SourceKind::Filing);
        let mut parts = Vec::new();
        match kind {
            SourceKind::Derived => parts.push("Derived".to_string()),
            SourceKind::Secondary => {
                parts.push("Secondary source (aggregator, not a filing)".to_string())
            }
            SourceKind::Analyst => parts.push("Analyst entry".to_string()),
            SourceKind::Filing => {}
        }
        parts.extend(self.form.map(str::to_string));
        parts.extend(self.accession.map(str::to_string));
        let mut label = parts.join(" ");
        if let Some(filed) = self.filed {
            label.push_str(&format!(", filed {filed}"));
        }
        if label.is_empty() {
            // A figure read in a release or statement that names no filing:
            // say so, and where it was read.
            label = match self.url.and_then(host_of) {
                Some(host) => format!("Reported, read at {host}"),
                None => "Reported; no filing named".to_string(),
            };
        } else if kind == SourceKind::Secondary
            || (kind == SourceKind::Filing && self.accession.is_none())
        {
            // A bare form ("8-K") names no filing: where it was read does.
            if let Some(host) = self.url.and_then(host_of) {
                label.push_str(&format!(" ({host})"));
            }
        }
        let url = self
            .url
            .filter(|u| is_web_link(u))
            .map(str::to_string)
            .or_else(|| {
                let accession = AccessionNumber::parse(self.accession?).ok()?;
                let cik = Cik::new(u64::try_from(self.cik?).ok()?).ok()?;
                Some(accession.archive_url(cik))
            });
        Provenance {
            fact_id,
            kind,
            label,
            url,
        }
    }
}

/// Whether a recorded link may be shown as a link: `http` or `https` only
/// (an import can store any text; `javascript:` or `data:` must never
/// become an `href`).
pub fn is_web_link(url: &str) -> bool {
    let url = url.trim_start();
    ["http://", "https://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    })
}

/// `www.prnewswire.com` of `https://www.prnewswire.com/news/…`.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_source_kind_round_trips_through_its_name_and_serde() {
        for kind in SourceKind::ALL {
            assert_eq!(kind.as_str().parse::<SourceKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert!("Filing".parse::<SourceKind>().is_err());
    }

    #[test]
    fn a_filing_reads_form_accession_and_date_and_links_to_the_archive() {
        let p = SourceColumns {
            kind: Some(SourceKind::Filing),
            form: Some("10-Q"),
            accession: Some("0001018724-26-000014"),
            filed: Some(date!(2026 - 04 - 30)),
            url: None,
            cik: Some(1018724),
        }
        .describe(7);
        assert_eq!(p.label, "10-Q 0001018724-26-000014, filed 2026-04-30");
        assert_eq!(
            p.url.as_deref(),
            Some("https://www.sec.gov/Archives/edgar/data/1018724/000101872426000014/")
        );
        assert_eq!(p.fact_id, 7);
    }

    #[test]
    fn only_http_and_https_sources_become_links() {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "JaVaScRiPt:x",
            "ftp://x",
            "//x",
        ] {
            let p = SourceColumns {
                url: Some(bad),
                ..Default::default()
            }
            .describe(1);
            assert_eq!(p.url, None, "{bad}");
        }
        assert!(is_web_link("HTTPS://www.sec.gov/x"));
        assert!(is_web_link("http://example.com"));
    }

    #[test]
    fn a_bare_form_or_no_filing_names_where_it_was_read() {
        let url = Some("https://www.prnewswire.com/news/meta-q3");
        let form_only = SourceColumns {
            kind: Some(SourceKind::Filing),
            form: Some("8-K"),
            url,
            ..Default::default()
        }
        .describe(1);
        assert_eq!(form_only.label, "8-K (www.prnewswire.com)");
        let nothing = SourceColumns {
            url,
            ..Default::default()
        }
        .describe(1);
        assert_eq!(nothing.label, "Reported, read at www.prnewswire.com");
        let secondary = SourceColumns {
            kind: Some(SourceKind::Secondary),
            url: Some("https://stockanalysis.com/x"),
            ..Default::default()
        }
        .describe(1);
        assert_eq!(
            secondary.label,
            "Secondary source (aggregator, not a filing) (stockanalysis.com)"
        );
    }
}
