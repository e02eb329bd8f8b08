//! Capex guidance against actuals on the company page (methodology section 8).

use domain::analytics::guidance::{guidance_years, GuidanceYear};
use domain::analytics::{CompanyFacts, InputRef};
use domain::format::usd;
use leptos::prelude::*;

/// Each fiscal year's guided capex range beside the capex reported so far;
/// nothing when the company has no guidance entered.
#[component]
pub fn GuidanceView(facts: CompanyFacts) -> impl IntoView {
    let years = guidance_years(&facts);
    (!years.is_empty()).then(|| {
        view! {
            <section class="guidance" aria-labelledby="guidance">
                <h2 id="guidance">"Capex guidance against actuals"</h2>
                <table class="facts guidance-table">
                    <thead>
                        <tr>
                            <th scope="col">"Fiscal year"</th>
                            <th scope="col">"Guidance"</th>
                            <th scope="col">"Capex reported"</th>
                            <th scope="col">"Needed per remaining quarter"</th>
                        </tr>
                    </thead>
                    <tbody>{years.into_iter().map(|y| view! { <GuidanceRow y/> }).collect_view()}</tbody>
                </table>
            </section>
        }
    })
}

fn source(i: &InputRef) -> String {
    format!("{} · known {}", i.provenance.label, i.period_end)
}

#[component]
fn GuidanceRow(y: GuidanceYear) -> impl IntoView {
    let range = format!("{} – {}", usd(y.low.value), usd(y.high.value));
    let link = y.low.provenance.url.clone();
    let title = format!("Low: {}. High: {}.", source(&y.low), source(&y.high));
    let actual = if y.quarters.is_empty() {
        "none yet".to_string()
    } else if y.is_complete() {
        format!("{} (full year)", usd(y.actual))
    } else {
        format!(
            "{} ({} to date: {})",
            usd(y.actual),
            if y.quarters.len() == 1 {
                "Q1".to_string()
            } else {
                format!("Q1–Q{}", y.quarters.len())
            },
            y.quarters
                .iter()
                .map(|q| usd(q.value))
                .collect::<Vec<_>>()
                .join(" + ")
        )
    };
    let actual_title = y
        .quarters
        .iter()
        .map(|q| {
            format!(
                "{}: {} ({})",
                q.period.label(),
                usd(q.value),
                q.provenance.label
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let needed = match (y.needed_per_quarter, y.is_complete()) {
        (Some((lo, hi)), _) => format!("{} – {}", usd(lo), usd(hi)),
        (None, true) => {
            let inside = y.actual >= y.low.value && y.actual <= y.high.value;
            if inside {
                "landed inside the range".into()
            } else {
                "landed outside the range".into()
            }
        }
        (None, false) => "n/a".into(),
    };
    view! {
        <tr data-fiscal-year=y.fiscal_year>
            <th scope="row">{y.label.clone()}</th>
            <td title=title>{match link {
                Some(u) => view! { <a href=u rel="external">{range}</a> }.into_any(),
                None => view! { <span>{range}</span> }.into_any(),
            }}</td>
            <td class="num" title=actual_title>{actual}</td>
            <td class="num">{needed}</td>
        </tr>
    }
}
