//! The SEC company-facts JSON, as served by
//! `https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json`.
//!
//! Only the `us-gaap` taxonomy is read, and of it only the concepts the tag
//! table maps ([`super::tags::is_mapped`]); other taxonomies (`dei`, `ecd`, …)
//! and concepts are skipped without building them (a company-facts file holds
//! hundreds of concepts and the importer needs about twenty), though the whole
//! document must still be valid JSON. Every entry keeps the filing that reported it (`accn`, `form`,
//! `filed`); `fy`/`fp` describe that filing, not the period of the value.

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The whole document for one company.
#[derive(Debug, Clone, Deserialize)]
pub struct EdgarCompanyFacts {
    /// The SEC's numeric company identifier (a JSON number; some mirrors use a string).
    #[serde(deserialize_with = "number_or_string")]
    pub cik: u64,
    #[serde(rename = "entityName")]
    pub entity_name: String,
    pub facts: Taxonomies,
}

/// The taxonomies we read.
#[derive(Debug, Clone, Default)]
pub struct Taxonomies {
    /// Concept name (the tag) → concept, for the mapped tags.
    pub us_gaap: BTreeMap<String, Concept>,
}

impl<'de> Deserialize<'de> for Taxonomies {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Taxa;
        impl<'de> Visitor<'de> for Taxa {
            type Value = Taxonomies;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of taxonomies")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Taxonomies, A::Error> {
                let mut out = Taxonomies::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "us-gaap" {
                        out.us_gaap = map.next_value::<MappedConcepts>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(Taxa)
    }
}

/// The concepts of a taxonomy that the tag table maps; the others are skipped.
struct MappedConcepts(BTreeMap<String, Concept>);

impl<'de> Deserialize<'de> for MappedConcepts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Concepts;
        impl<'de> Visitor<'de> for Concepts {
            type Value = MappedConcepts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of concepts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MappedConcepts, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(tag) = map.next_key::<String>()? {
                    if super::tags::is_mapped(&tag) {
                        let concept = map.next_value::<Concept>()?;
                        out.insert(tag, concept);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(MappedConcepts(out))
            }
        }
        d.deserialize_map(Concepts)
    }
}

/// One XBRL concept (tag) with its values grouped by unit (`USD`, `shares`, `USD/shares`, `pure`).
#[derive(Debug, Clone, Deserialize)]
pub struct Concept {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub units: BTreeMap<String, Vec<RawFact>>,
}

/// One reported value, as it appears in one filing. Serializing it gives the
/// entry back as the SEC wrote it (kept verbatim as a fact's source text).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RawFact {
    /// Start of the period for durations; absent for instants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// End of the period, or the date of an instant.
    pub end: String,
    /// The value, kept as a JSON number so it converts to an exact decimal.
    pub val: serde_json::Number,
    /// Accession number of the filing.
    pub accn: String,
    /// Fiscal year of the *filing* (not of the value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fy: Option<i32>,
    /// Fiscal period of the *filing* (`Q1`…`Q3`, `FY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fp: Option<String>,
    /// Form of the filing (`10-K`, `10-Q`, …). Required in the SEC's JSON
    /// (every entry there has one); `None` only for inputs that do not carry
    /// it (the observations CSV), and then it stays missing in the store.
    #[serde(
        deserialize_with = "required_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub form: Option<String>,
    /// Filing date, `YYYY-MM-DD`.
    pub filed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<String>,
    /// Where the entry was read when it did not come from the SEC's own JSON
    /// (see [`Relay`]); never part of the JSON.
    #[serde(skip)]
    pub relay: Option<Relay>,
}

/// An entry read from a file that relays the SEC's company facts (the
/// observations CSV, `server import observations`) rather than from the
/// SEC's JSON: its provenance names the file's line and who relayed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    /// Who relayed the entry, as the file names it (`owner/repository@commit path`).
    pub relayed_from: String,
    /// The entry's line in the file (the header is line 1).
    pub line: u64,
}

/// A string that must be present (the SEC's `form`), kept as `Some`.
fn required_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrStr {
        Num(u64),
        Str(String),
    }
    match NumOrStr::deserialize(d)? {
        NumOrStr::Num(n) => Ok(n),
        NumOrStr::Str(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

impl EdgarCompanyFacts {
    /// Parses the JSON document; the error says where the document is malformed.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_document_parses_and_other_taxonomies_are_ignored() {
        let json = br#"{"cik": 789019, "entityName": "MICROSOFT CORPORATION", "facts": {
            "dei": {"X": {"units": {"shares": [{"end": "2020-01-01", "val": 1, "accn": "a", "form": "10-K", "filed": "2020-01-02"}]}}},
            "us-gaap": {"Revenues": {"label": "Revenues", "units": {"USD": [
                {"start": "2025-07-01", "end": "2025-09-30", "val": 77673000000, "accn": "0000950170-25-134561",
                 "fy": 2026, "fp": "Q1", "form": "10-Q", "filed": "2025-10-29", "frame": "CY2025Q3"}]}}}}}"#;
        let doc = EdgarCompanyFacts::from_slice(json).unwrap();
        assert_eq!(doc.cik, 789019);
        let facts = &doc.facts.us_gaap["Revenues"].units["USD"];
        assert_eq!(facts[0].val.to_string(), "77673000000");
        assert_eq!(facts[0].fy, Some(2026));
    }

    #[test]
    fn concepts_the_tag_table_does_not_map_are_skipped_but_must_be_valid_json() {
        let json = br#"{"cik": 1, "entityName": "X", "facts": {"us-gaap": {
            "AccountsPayableCurrent": {"units": {"USD": [{"end": "2025-09-30", "val": "not read", "accn": "a", "form": "10-Q", "filed": "2025-10-29"}]}},
            "Revenues": {"units": {"USD": [{"start": "2025-07-01", "end": "2025-09-30", "val": 5, "accn": "a", "form": "10-Q", "filed": "2025-10-29"}]}}}}}"#;
        let doc = EdgarCompanyFacts::from_slice(json).unwrap();
        assert_eq!(doc.facts.us_gaap.keys().collect::<Vec<_>>(), ["Revenues"]);
        let broken = br#"{"cik": 1, "entityName": "X", "facts": {"us-gaap": {"AccountsPayableCurrent": {"units": [}}}}"#;
        assert!(EdgarCompanyFacts::from_slice(broken).is_err());
    }

    #[test]
    fn a_value_that_is_not_a_number_is_a_parse_error() {
        let json = br#"{"cik": 1, "entityName": "X", "facts": {"us-gaap": {"Revenues": {"units": {"USD": [
            {"end": "2025-09-30", "val": "lots", "accn": "a", "form": "10-Q", "filed": "2025-10-29"}]}}}}}"#;
        assert!(EdgarCompanyFacts::from_slice(json).is_err());
    }

    #[test]
    fn the_form_is_required_in_the_json_and_written_back_as_it_was() {
        let missing =
            br#"{"cik": 1, "entityName": "X", "facts": {"us-gaap": {"Revenues": {"units": {"USD": [
            {"end": "2025-09-30", "val": 5, "accn": "a", "filed": "2025-10-29"}]}}}}}"#;
        let err = EdgarCompanyFacts::from_slice(missing)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `form`"), "{err}");
        let json = br#"{"cik": 1, "entityName": "X", "facts": {"us-gaap": {"Revenues": {"units": {"USD": [
            {"end": "2025-09-30", "val": 5, "accn": "a", "form": "10-Q", "filed": "2025-10-29"}]}}}}}"#;
        let doc = EdgarCompanyFacts::from_slice(json).unwrap();
        let fact = &doc.facts.us_gaap["Revenues"].units["USD"][0];
        assert_eq!(fact.form.as_deref(), Some("10-Q"));
        assert_eq!(fact.relay, None);
        assert_eq!(
            serde_json::to_string(fact).unwrap(),
            r#"{"end":"2025-09-30","val":5,"accn":"a","form":"10-Q","filed":"2025-10-29"}"#
        );
    }
}
