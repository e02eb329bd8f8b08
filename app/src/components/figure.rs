use crate::api::{Computed, FactCell};
use domain::format;
use leptos::prelude::*;

/// A stored number, formatted as investors read it, linking to its source.
/// Hovering shows the provenance; missing is `n/a`, never zero.
#[component]
pub fn FigureCell(figure: Option<FactCell>) -> impl IntoView {
    match figure {
        None => view! { <span class="missing" title="Not reported for this period">{format::MISSING}</span> }
            .into_any(),
        Some(f) => {
            let text = format::usd(f.value);
            let negative = f.value.is_sign_negative();
            let title = format!(
                "{} · {} · period ended {}",
                f.value, f.provenance.label, f.period_end
            );
            let class = format!(
                "figure source-{}{}",
                f.provenance.kind.as_str(),
                if negative { " negative" } else { "" }
            );
            match f.provenance.url {
                Some(url) => view! {
                    <a class=class href=url title=title target="_blank" rel="noopener noreferrer">{text}</a>
                }
                .into_any(),
                None => view! { <span class=class title=title>{text}</span> }.into_any(),
            }
        }
    }
}

/// A computed number with its formula on hover, or `n/a` with the reason.
#[component]
pub fn ComputedCell(computed: Computed) -> impl IntoView {
    match computed {
        Computed::Value { value, formula } => {
            let class = if value.is_sign_negative() {
                "figure computed negative"
            } else {
                "figure computed"
            };
            view! { <span class=class title=formula>{format::usd(value)}</span> }.into_any()
        }
        Computed::Missing { reason } => {
            let title = reason.clone();
            view! { <span class="missing" title=title>{format::MISSING}<small class="why">{reason}</small></span> }
                .into_any()
        }
    }
}
