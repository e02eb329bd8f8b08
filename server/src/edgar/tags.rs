//! The US-GAAP tag → metric mapping, kept as data in `tags.csv`.
//!
//! Columns: `metric` (a stored metric key), `tag` (a `us-gaap` concept name),
//! `priority` (1 is preferred: when one filing reports a period under several
//! tags of a metric, only the preferred one is used, so nothing is counted
//! twice), `note` (who uses the tag, and why it is there).

use domain::Metric;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The mapping table, compiled into the binary.
pub const TAGS_CSV: &str = include_str!("tags.csv");

/// An error in the mapping table itself (a programming error caught by tests).
#[derive(Debug, thiserror::Error)]
pub enum TagTableError {
    #[error("tags.csv line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("tags.csv: {0}")]
    Csv(#[from] csv::Error),
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRule {
    pub metric: Metric,
    pub tag: String,
    pub priority: u8,
    pub note: String,
}

/// Tag → rule lookup.
#[derive(Debug, Clone)]
pub struct TagMap {
    by_tag: HashMap<String, TagRule>,
}

#[derive(serde::Deserialize)]
struct Row {
    metric: String,
    tag: String,
    priority: u8,
    note: String,
}

impl TagMap {
    /// The built-in table.
    pub fn builtin() -> Result<Self, TagTableError> {
        Self::from_csv(TAGS_CSV)
    }

    /// Parses a table in the `tags.csv` layout. A tag may map to one metric only.
    pub fn from_csv(text: &str) -> Result<Self, TagTableError> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut by_tag = HashMap::new();
        for row in reader.deserialize::<Row>() {
            let row = row?;
            let line = by_tag.len() as u64 + 2;
            let err = |message: String| TagTableError::Row { line, message };
            let metric = Metric::parse(&row.metric).map_err(|e| err(e.to_string()))?;
            if row.priority == 0 {
                return Err(err("priority starts at 1".into()));
            }
            let rule = TagRule {
                metric,
                tag: row.tag.clone(),
                priority: row.priority,
                note: row.note,
            };
            if by_tag.insert(row.tag.clone(), rule).is_some() {
                return Err(err(format!("tag {} appears twice", row.tag)));
            }
        }
        Ok(Self { by_tag })
    }

    pub fn get(&self, tag: &str) -> Option<&TagRule> {
        self.by_tag.get(tag)
    }

    /// Every rule, ordered by metric then priority.
    pub fn rules(&self) -> Vec<&TagRule> {
        let mut rules: Vec<&TagRule> = self.by_tag.values().collect();
        rules.sort_by_key(|r| (r.metric, r.priority));
        rules
    }
}

/// Whether the built-in table maps a tag: the company-facts parser builds
/// only these concepts. (Should the table not parse, every tag counts as
/// mapped, and the importer then reports the table's error.)
pub fn is_mapped(tag: &str) -> bool {
    static TAGS: OnceLock<Option<HashSet<String>>> = OnceLock::new();
    TAGS.get_or_init(|| {
        TagMap::builtin()
            .ok()
            .map(|m| m.by_tag.into_keys().collect())
    })
    .as_ref()
    .is_none_or(|set| set.contains(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_parses_and_covers_every_filed_metric() {
        let map = TagMap::builtin().unwrap();
        for metric in [
            Metric::Revenue,
            Metric::CostOfRevenue,
            Metric::OperatingIncome,
            Metric::NetIncome,
            Metric::OperatingCashFlow,
            Metric::Capex,
            Metric::FinanceLeasePrincipal,
            Metric::DepreciationAmortization,
            Metric::PpeGross,
            Metric::PpeNet,
            Metric::Rpo,
        ] {
            assert!(
                map.rules()
                    .iter()
                    .any(|r| r.metric == metric && r.priority == 1),
                "{metric}"
            );
        }
        assert_eq!(
            map.get("PaymentsToAcquireProductiveAssets").unwrap().metric,
            Metric::Capex
        );
    }

    #[test]
    fn a_tag_listed_twice_is_rejected_with_its_line() {
        let text = "metric,tag,priority,note\nrevenue,Revenues,1,a\ncapex,Revenues,1,b\n";
        let err = TagMap::from_csv(text).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("twice"), "{err}");
    }

    #[test]
    fn an_unknown_metric_is_rejected() {
        let text = "metric,tag,priority,note\nebitda,X,1,a\n";
        assert!(TagMap::from_csv(text).is_err());
    }
}
