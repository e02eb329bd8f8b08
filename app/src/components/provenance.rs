//! Where a number came from, as one hover text: the formula, every input with
//! its filing (form, accession number, filed date) or analyst entry, and what
//! is missing.

use domain::analytics::SeriesPoint;
use domain::format;
use domain::SourceKind;

/// Where a hover text's reader finds each input's filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputSources {
    /// In the text: every input line ends with its source in words.
    Inline,
    /// In the page's quarterly facts table, where each input is a cell
    /// linked to its filing: the company page, whose trailing figures all
    /// come from its last eight quarters. The lines keep value and kind (and
    /// a full year's source, which that table does not show).
    FactsTable,
}

/// The hover text of a computed value: `formula`, its period, its inputs
/// (with their sources, or pointing to the facts table) and what is missing
/// (one per line).
pub fn point_title(point: &SeriesPoint, formula: &str, sources: InputSources) -> String {
    let mut lines = vec![
        formula.to_string(),
        format!("{}, period ended {}", point.label, point.period_end),
    ];
    if let Some(exact) = point.exact {
        lines.push(format!("Exact value: {exact}"));
    }
    if !point.inputs.is_empty() {
        lines.push(match sources {
            InputSources::Inline => "Inputs:".into(),
            InputSources::FactsTable => "Inputs (sources in the quarterly facts table):".into(),
        });
        for i in &point.inputs {
            let kind = match i.provenance.kind {
                SourceKind::Derived => " (derived)",
                SourceKind::Secondary => " (secondary source)",
                SourceKind::Analyst => " (analyst entry)",
                SourceKind::Filing => "",
            };
            let line = format!(
                "• {} {} (ended {}): {}{kind}",
                i.metric.key(),
                i.period.label(),
                i.period_end,
                format::usd(i.value),
            );
            // The facts table shows quarters: a full year's source stays here.
            lines.push(match sources {
                InputSources::FactsTable if !i.period.is_full_year() => line,
                _ => format!("{line} — {}", i.provenance.label),
            });
        }
    }
    if !point.missing.is_empty() {
        lines.push(format!(
            "Missing: {}",
            point
                .missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    lines.join("\n")
}
