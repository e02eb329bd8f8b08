use crate::api::company::{get_company, CompanyPage, FactRow};
use crate::components::ScorecardView;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

/// `/company/{ticker}`: the scorecard and the quarterly facts behind it.
#[component]
pub fn Company() -> impl IntoView {
    let params = use_params_map();
    let ticker = move || params.read().get("ticker").unwrap_or_default();
    let page = Resource::new(ticker, get_company);

    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading company…"</p> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <Title text="Company not available"/>
                    <div class="error" role="alert">
                        {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                        <p><a href="/">"See all companies"</a></p>
                    </div>
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
    view! {
        <Title text=title/>
        <Meta name="description" content=description/>
        <h1>{page.name.clone()} " " <span class="ticker">{page.ticker.clone()}</span></h1>
        <p class="lede">
            "Fiscal year ends in " {fy_end} ". Figures in US dollars; hover any number for its source."
        </p>
        {match page.scorecard.clone() {
            Some(s) => view! { <ScorecardView scorecard=s/> }.into_any(),
            None => view! { <p class="missing">"No quarterly figures for this company yet."</p> }.into_any(),
        }}
        <section aria-label="Quarterly facts">
            <h2>"Quarterly facts"</h2>
            <div class="table-scroll">
                <table class="facts">
                    <thead>
                        <tr>
                            <th scope="col">"Metric"</th>
                            {page.quarters.iter().map(|q| view! { <th scope="col" class="num">{q.clone()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>{page.facts.iter().cloned().map(|row| view! { <FactRowView row/> }).collect_view()}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn FactRowView(row: FactRow) -> impl IntoView {
    view! {
        <tr data-metric=row.metric.key()>
            <th scope="row">{row.metric.label()}</th>
            {row
                .cells
                .into_iter()
                .map(|cell| match cell {
                    None => view! { <td class="num"><span class="missing">"n/a"</span></td> }.into_any(),
                    Some(c) => {
                        let figure = crate::api::Figure {
                            value: c.value,
                            source: crate::api::SourceRef {
                                kind: format!("{:?}", c.provenance.kind).to_lowercase(),
                                label: format!("{} · period ended {}", c.provenance.label, c.period_end),
                                url: c.provenance.url.clone(),
                            },
                        };
                        view! { <td class="num"><crate::components::FigureCell figure=Some(figure)/></td> }.into_any()
                    }
                })
                .collect_view()}
        </tr>
    }
}
