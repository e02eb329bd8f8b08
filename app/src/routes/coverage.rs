use crate::api::auth::who_am_i;
use crate::api::coverage::{get_coverage, CoverageEntry};
use domain::account::Role;
use domain::analytics::coverage::{CellState, CoverageRow};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_location;

/// `/coverage?tickers=META,MSFT`: companies × scorecard inputs × quarters,
/// each cell telling how the value is known, or that it is missing. For a
/// signed-in analyst a missing cell links to the entry form, filled in.
#[component]
pub fn Coverage() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(
        move || location.query.read().get("tickers").unwrap_or_default(),
        get_coverage,
    );
    // Who is signed in, read in the browser only, so the server-rendered page
    // is the same for everyone (and cacheable).
    let me = LocalResource::new(who_am_i);
    let can_enter = Signal::derive(move || {
        me.get()
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|u| matches!(u.role, Role::Analyst | Role::Admin))
    });
    view! {
        <Title text="Coverage: which inputs each scorecard has"/>
        <Meta name="description" content="For each company, each input of the scorecard and cash-conversion figures, quarter by quarter: reported, derived, secondary, analyst-entered, not applicable or missing, linked to its source."/>
        <h1>"Coverage"</h1>
        <p class="lede">"Each input the scorecard and the cash-conversion figures use, for the last eight quarters of each company: how it is known, linked to its source, or that it is missing. A missing input marked optional costs no answer: a fallback step stands in."</p>
        <ul class="coverage-legend">
            {CellState::ALL.iter().map(|s| view! { <li><span class=format!("cov {}", css(*s))>{s.label()}</span></li> }).collect_view()}
        </ul>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <div class="error" role="alert">
                    {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                </div>
            }>
                {move || Suspend::new(async move {
                    let entries = data.await?;
                    Ok::<_, crate::error::AppError>(view! {
                        {entries.into_iter().map(|e| view! { <CompanyMap entry=e can_enter/> }).collect_view()}
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

fn css(s: CellState) -> &'static str {
    match s {
        CellState::Reported => "reported",
        CellState::Derived => "derived",
        CellState::Secondary => "secondary",
        CellState::Analyst => "analyst",
        CellState::NotApplicable => "not-applicable",
        CellState::Missing => "missing",
    }
}

#[component]
fn CompanyMap(entry: CoverageEntry, can_enter: Signal<bool>) -> impl IntoView {
    let ticker = entry.map.ticker.clone();
    let quarters = entry.map.quarters.clone();
    let counts = entry.map.counts();
    let summary = counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let rows = entry.map.rows.clone();
    view! {
        <section class="coverage" id=format!("cov-{ticker}") aria-label=format!("Coverage of {ticker}")>
            <h2><a href=format!("/company/{ticker}")>{entry.name.clone()} " (" {ticker.clone()} ")"</a></h2>
            <p class="muted">{summary}</p>
            <div class="table-scroll">
                <table class="coverage-map">
                    <thead>
                        <tr>
                            <th scope="col">"Input"</th>
                            {quarters.iter().map(|q| view! { <th scope="col">{q.label()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|r| view! { <MapRow row=r ticker=ticker.clone() can_enter/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn MapRow(row: CoverageRow, ticker: String, can_enter: Signal<bool>) -> impl IntoView {
    let metric = row.metric;
    let note = row
        .not_applicable
        .clone()
        .or_else(|| row.optional.clone().map(|o| format!("Optional: {o}.")));
    view! {
        <tr id=format!("cov-{ticker}-{}", metric.key()) data-metric=metric.key()>
            <th scope="row" title=note.clone().unwrap_or_default()>
                {metric.label()}
                {row.optional.is_some().then(|| view! { <span class="muted">" (optional)"</span> })}
            </th>
            {row
                .cells
                .into_iter()
                .map(|c| {
                    let class = format!("cov {}", css(c.state));
                    let label = c.state.label();
                    let title = if c.source.is_empty() {
                        note.clone().unwrap_or_else(|| format!("{} {}: {label}", metric.key(), c.period.label()))
                    } else {
                        c.source.clone()
                    };
                    let cell = match (c.state, c.url.clone()) {
                        (CellState::Missing, _) => {
                            let href = format!(
                                "/enter?ticker={ticker}&metric={}&period={}",
                                metric.key(),
                                c.period.label().replace(' ', "%20")
                            );
                            view! {
                                {move || if can_enter.get() {
                                    view! { <a class=class.clone() href=href.clone() title="Enter this figure with its source">{label}</a> }.into_any()
                                } else {
                                    view! { <span class=class.clone()>{label}</span> }.into_any()
                                }}
                            }
                            .into_any()
                        }
                        (_, Some(url)) => view! { <a class=class href=url rel="external">{label}</a> }.into_any(),
                        (_, None) => view! { <span class=class>{label}</span> }.into_any(),
                    };
                    view! { <td data-state=c.state.as_str() data-quarter=c.period.label() title=title>{cell}</td> }
                })
                .collect_view()}
        </tr>
    }
}
