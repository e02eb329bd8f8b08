//! What can be charted: a stored metric or a derived metric (methodology
//! section 3), each named by a stable snake_case key (`capex`, `fcf`, …) so
//! URLs such as `metrics=capex,fcf` can name them.

use super::value::Unit;
use crate::{Metric, MetricKind};
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! derived_metrics {
    ($( $variant:ident => $key:literal, $unit:ident, $label:literal, $formula:literal; )*) => {
        /// A metric computed from stored facts (methodology section 3).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum DerivedMetric { $( $variant, )* }

        impl DerivedMetric {
            /// Every derived metric, in the order the methodology lists them.
            pub const ALL: &'static [DerivedMetric] = &[ $( DerivedMetric::$variant, )* ];

            /// The stable key used in URLs and JSON.
            pub fn key(self) -> &'static str {
                match self { $( DerivedMetric::$variant => $key, )* }
            }
            /// Human label for tables and charts.
            pub fn label(self) -> &'static str {
                match self { $( DerivedMetric::$variant => $label, )* }
            }
            /// The formula, as shown on the methodology page.
            pub fn formula(self) -> &'static str {
                match self { $( DerivedMetric::$variant => $formula, )* }
            }
            /// How the value reads.
            pub fn unit(self) -> Unit {
                match self { $( DerivedMetric::$variant => Unit::$unit, )* }
            }
            fn from_key(raw: &str) -> Option<Self> {
                match raw { $( $key => Some(DerivedMetric::$variant), )* _ => None }
            }
        }
    };
}

derived_metrics! {
    Fcf => "fcf", Usd, "Free cash flow",
        "operating_cash_flow − capex + capex_proceeds (proceeds only where the company nets them)";
    FcfAfterLeases => "fcf_after_leases", Usd, "FCF after finance leases",
        "FCF − finance_lease_principal";
    CashConversion => "cash_conversion", Ratio, "Cash conversion (FCF / net income)",
        "TTM FCF / TTM net_income";
    OcfConversion => "ocf_conversion", Ratio, "Cash conversion (OCF / net income)",
        "TTM operating_cash_flow / TTM net_income";
    FcfMargin => "fcf_margin", Ratio, "FCF margin", "TTM FCF / TTM revenue";
    CapexIntensity => "capex_intensity", Ratio, "Capex intensity", "TTM capex / TTM revenue";
    CapexToDepreciation => "capex_to_depreciation", Multiple, "Capex to depreciation",
        "TTM capex / TTM depreciation_amortization";
    DepreciationBurden => "depreciation_burden", Ratio, "Depreciation burden",
        "TTM depreciation_amortization / TTM revenue";
    AssetTurnover => "asset_turnover", Multiple, "Asset turnover",
        "TTM revenue / average ppe_net (period end and four quarters earlier)";
    CloudAssetTurnover => "cloud_asset_turnover", Multiple, "Cloud asset turnover",
        "TTM cloud_revenue / average ppe_net (period end and four quarters earlier)";
    RpoCoverage => "rpo_coverage", Years, "RPO coverage", "rpo / TTM revenue (years of revenue contracted)";
}

impl DerivedMetric {
    /// True for the two cash-flow amounts (which sum over quarters like a stored flow).
    pub fn is_flow(self) -> bool {
        matches!(self, DerivedMetric::Fcf | DerivedMetric::FcfAfterLeases)
    }
}

/// A chartable quantity: a stored metric or a derived one.
///
/// Serialized as its key (`"capex"`, `"fcf"`), so it round-trips through URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Measure {
    Stored(Metric),
    Derived(DerivedMetric),
}

/// An unknown measure key; the message lists the keys that exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric {given:?}{suggestion}; known metrics are: {known}")]
pub struct ParseMeasureError {
    pub given: String,
    suggestion: String,
    known: String,
}

impl Measure {
    /// Every stored and derived measure.
    pub fn all() -> Vec<Measure> {
        let stored = Metric::ALL.iter().copied().map(Measure::Stored);
        stored
            .chain(DerivedMetric::ALL.iter().copied().map(Measure::Derived))
            .collect()
    }

    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Measure::Stored(m) => m.key(),
            Measure::Derived(d) => d.key(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::Stored(m) => m.label(),
            Measure::Derived(d) => d.label(),
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Measure::Stored(_) => Unit::Usd,
            Measure::Derived(d) => d.unit(),
        }
    }

    /// True for amounts that add up over quarters (flows, FCF); false for
    /// balances, disclosures and ratios.
    pub fn is_flow(self) -> bool {
        match self {
            Measure::Stored(m) => m.kind() == MetricKind::Flow,
            Measure::Derived(d) => d.is_flow(),
        }
    }

    /// Parses a key such as `capex` or `fcf_after_leases` (case and spaces ignored).
    pub fn parse(raw: &str) -> Result<Self, ParseMeasureError> {
        let key = raw.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        if let Ok(m) = Metric::parse(&key) {
            return Ok(Measure::Stored(m));
        }
        DerivedMetric::from_key(&key)
            .map(Measure::Derived)
            .ok_or_else(|| unknown(raw, &key))
    }

    /// Parses a comma-separated list, as in `metrics=capex,fcf`. Empty items are skipped.
    pub fn parse_list(raw: &str) -> Result<Vec<Self>, ParseMeasureError> {
        raw.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Measure::parse)
            .collect()
    }
}

fn unknown(raw: &str, key: &str) -> ParseMeasureError {
    let keys: Vec<&str> = Measure::all().into_iter().map(Measure::key).collect();
    let best = keys
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .min()
        .filter(|(d, _)| *d <= 3);
    ParseMeasureError {
        given: raw.to_string(),
        suggestion: best
            .map(|(_, k)| format!(" (did you mean {k:?}?)"))
            .unwrap_or_default(),
        known: keys.join(", "),
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for Measure {
    type Err = ParseMeasureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Measure {
    type Error = ParseMeasureError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Measure> for String {
    fn from(m: Measure) -> Self {
        m.key().to_string()
    }
}

impl From<Metric> for Measure {
    fn from(m: Metric) -> Self {
        Measure::Stored(m)
    }
}

impl From<DerivedMetric> for Measure {
    fn from(d: DerivedMetric) -> Self {
        Measure::Derived(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measure_key_parses_back_to_itself() {
        for m in Measure::all() {
            assert_eq!(Measure::parse(m.key()), Ok(m), "{m}");
        }
    }

    #[test]
    fn derived_keys_do_not_collide_with_stored_keys() {
        let mut keys: Vec<&str> = Measure::all().into_iter().map(Measure::key).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn a_url_list_of_metrics_parses_in_order() {
        let got = Measure::parse_list("capex, fcf,capex_intensity").unwrap();
        assert_eq!(
            got,
            vec![
                Measure::Stored(Metric::Capex),
                Measure::Derived(DerivedMetric::Fcf),
                Measure::Derived(DerivedMetric::CapexIntensity)
            ]
        );
    }

    #[test]
    fn an_unknown_key_names_itself_suggests_a_near_key_and_lists_the_known_ones() {
        let err = Measure::parse("fcf_afterleases").unwrap_err().to_string();
        assert!(err.contains("\"fcf_afterleases\""), "{err}");
        assert!(err.contains("did you mean \"fcf_after_leases\""), "{err}");
        assert!(err.contains("capex_intensity"), "{err}");
    }

    #[test]
    fn a_measure_serializes_as_its_key() {
        let json = serde_json::to_string(&Measure::Derived(DerivedMetric::Fcf)).unwrap();
        assert_eq!(json, "\"fcf\"");
        let back: Measure = serde_json::from_str("\"revenue\"").unwrap();
        assert_eq!(back, Measure::Stored(Metric::Revenue));
    }
}
