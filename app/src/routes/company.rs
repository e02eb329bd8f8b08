use crate::api::company::{get_company, CompanyPage, FactTableRow};
use crate::components::{ttm_through, HistoryCharts, ScorecardView, Waterfall, WaveAndScenario};
use crate::projection::Sliders;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/company/{ticker}`: the scorecard and the quarterly facts behind it.
#[component]
pub fn Company() -> impl IntoView {
    let params = use_params_map();
    let ticker = move || params.read().get("ticker").unwrap_or_default();
    let page = Resource::new(ticker, get_company);

    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading company…"</p> }>
            <ErrorBoundary fallback=|errors| {
                let errors_for_list = errors.clone();
                view! {
                    <Title text="Company not available"/>
                    <h1>"Company not available"</h1>
                    <div class="error" role="alert">
                        {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                    </div>
                    {move || {
                        let known = errors_for_list
                            .get()
                            .into_iter()
                            .flat_map(|(_, e)| known_tickers(&e.to_string()))
                            .collect::<Vec<_>>();
                        (!known.is_empty()).then(|| view! {
                            <p class="known-tickers">"Companies in Capex Lens: "
                                {known.into_iter().map(|t| view! { <a class="ticker" href=format!("/company/{t}")>{t.clone()}</a> " " }).collect_view()}
                            </p>
                        })
                    }}
                    <p><a href="/">"See all companies"</a></p>
                }
            }>
                {move || Suspend::new(async move {
                    let page = page.await?;
                    Ok::<_, crate::error::AppError>(view! { <CompanyView page/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The tickers an unknown-ticker message lists ("… Known tickers: A, B.").
fn known_tickers(message: &str) -> Vec<String> {
    message
        .split_once("Known tickers:")
        .map(|(_, list)| {
            list.split([',', '.', ' '])
                .filter(|t| domain::Ticker::parse(t).is_ok())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[component]
fn CompanyView(page: CompanyPage) -> impl IntoView {
    let title = format!("{} ({}) scorecard", page.name, page.ticker);
    let description = format!(
        "{} ({}): is AI revenue outgrowing capex, utilization, inference cost and contract durability, with cash conversion, from SEC filings.",
        page.name, page.ticker
    );
    let fy_end = time::Month::try_from(page.fiscal_year_end_month)
        .map(|m| m.to_string())
        .unwrap_or_default();
    let query = use_query_map();
    let initial = Sliders::from_query(|k| query.read_untracked().get(k));
    let lede = format!(
        "Fiscal year ends in {fy_end}. Figures in US dollars (B = billions, M = millions; negatives in parentheses); {}. Hover any number for its source.",
        ttm_through(&page)
    );
    let has_quarters = page.latest.is_some();
    view! {
        <Title text=title.clone()/>
        <Meta name="description" content=description.clone()/>
        <Meta property="og:type" content="website"/>
        <Meta property="og:title" content=title.clone()/>
        <Meta property="og:description" content=description.clone()/>
        <Meta property="og:image" content=page.og_image.clone()/>
        <Meta property="og:image:width" content="1200"/>
        <Meta property="og:image:height" content="630"/>
        <Meta name="twitter:card" content="summary_large_image"/>
        <Meta name="twitter:title" content=title/>
        <Meta name="twitter:image" content=page.og_image.clone()/>
        <h1>{page.name.clone()} " " <span class="ticker">{page.ticker.clone()}</span></h1>
        <p class="lede">{lede}</p>
        {match page.scorecard_with_sources() {
            Some(s) => view! { <ScorecardView scorecard=s/> }.into_any(),
            None => view! { <p class="missing">"No quarterly figures for this company yet."</p> }.into_any(),
        }}
        <crate::components::GuidanceView facts=page.analytics.clone()/>
        {has_quarters.then(|| view! {
            <section aria-labelledby="waterfall">
                <h2 id="waterfall">"Cash-conversion waterfall"</h2>
                <Waterfall page=page.clone()/>
            </section>
            <HistoryCharts page=page.clone()/>
            <WaveAndScenario page=page.clone() initial/>
        })}
        <section aria-labelledby="facts">
            <h2 id="facts">"Quarterly facts"</h2>
            <div class="table-scroll">
                <table class="facts">
                    <thead>
                        <tr>
                            <th scope="col">"Metric"</th>
                            {page
                                .quarters
                                .iter()
                                .zip(&page.quarter_ends)
                                .map(|(q, end)| {
                                    let title = end.map(|e| format!("Fiscal quarter ended {e}")).unwrap_or_default();
                                    view! { <th scope="col" class="num" title=title>{q.clone()}</th> }
                                })
                                .collect_view()}
                        </tr>
                    </thead>
                    <tbody>{page.facts.iter().cloned().map(|row| view! { <FactRowView row quarters=page.quarters.clone()/> }).collect_view()}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn FactRowView(row: FactTableRow, quarters: Vec<String>) -> impl IntoView {
    view! {
        <tr data-metric=row.metric.key() data-label=row.metric.label()>
            <th scope="row">{row.metric.label()}</th>
            {row
                .cells
                .into_iter()
                .zip(quarters)
                .map(|(cell, quarter)| match cell {
                    None => view! { <td class="num" data-quarter=quarter><span class="missing" title="Not reported for this period">"n/a"</span></td> }.into_any(),
                    Some(c) => {
                        view! { <td class="num" data-quarter=quarter><crate::components::FigureCell figure=Some(c)/></td> }.into_any()
                    }
                })
                .collect_view()}
        </tr>
    }
}
