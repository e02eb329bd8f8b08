//! Where a number came from, as one hover text: the formula, every input with
//! its filing (form, accession number, filed date) or analyst entry, and what
//! is missing.

use domain::analytics::SeriesPoint;
use domain::format;
use domain::SourceKind;

/// The hover text of a computed value: `formula`, its period, its inputs with
/// their sources, and what is missing (one per line).
pub fn point_title(point: &SeriesPoint, formula: &str) -> String {
    let mut lines = vec![
        formula.to_string(),
        format!("{}, period ended {}", point.label, point.period_end),
    ];
    if let Some(exact) = point.exact {
        lines.push(format!("Exact value: {exact}"));
    }
    if !point.inputs.is_empty() {
        lines.push("Inputs:".into());
        for i in &point.inputs {
            let kind = match i.provenance.kind {
                SourceKind::Derived => " (derived)",
                SourceKind::Secondary => " (secondary source)",
                SourceKind::Analyst => " (analyst entry)",
                SourceKind::Filing => "",
            };
            lines.push(format!(
                "• {} {} (ended {}): {}{kind} — {}",
                i.metric.key(),
                i.period.label(),
                i.period_end,
                format::usd(i.value),
                i.provenance.label
            ));
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
