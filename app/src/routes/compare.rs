use crate::api::chart::{get_chart, ChartData};
use crate::components::{default_title, ChartView};
use domain::chart_query::ChartQuery;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_location, use_params_map};

/// `/compare?tickers=GOOGL,NVDA&metrics=capex,fcf&basis=ttm`: several
/// companies and metrics on one chart, all state in the address.
#[component]
pub fn Compare() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(move || location.search.get(), |q| get_chart(q, None));
    view! { <ChartPage data/> }
}

/// `/c/{id}`: a short link (a chart or a cohort), with the data pinned at
/// its creation.
#[component]
pub fn ShortLink() -> impl IntoView {
    use crate::api::short_link::{get_short_link, Linked};
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_short_link,
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <Title text="Link not available"/>
                    <h1>"This link cannot be shown"</h1>
                    <div class="error" role="alert">
                        {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                    </div>
                }
            }>
                {move || Suspend::new(async move {
                    Ok::<_, crate::error::AppError>(match data.await? {
                        Linked::Chart(data) => view! { <ChartHead data=data.clone()/> <ChartView data=data.clone()/> <CompareGuidance data/> }.into_any(),
                        Linked::Cohort(data) => view! { <crate::routes::cohort::CohortView data/> }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn ChartPage(data: Resource<Result<ChartData, crate::error::AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading chart…"</p> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <Title text="Chart not available"/>
                    <h1>"This chart cannot be shown"</h1>
                    <div class="error" role="alert">
                        {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                    </div>
                    <p>"Example: " <a href="/compare?tickers=GOOGL,MSFT,AMZN&metrics=capex">"/compare?tickers=GOOGL,MSFT,AMZN&metrics=capex"</a></p>
                }
            }>
                {move || Suspend::new(async move {
                    let data = data.await?;
                    Ok::<_, crate::error::AppError>(view! { <ChartHead data=data.clone()/> <ChartView data=data.clone()/> <CompareGuidance data/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// Title, description and link-preview tags (Open Graph, Twitter card) with
/// the server-rendered PNG of this very chart.
#[component]
fn ChartHead(data: ChartData) -> impl IntoView {
    let title = ChartQuery::parse(&data.query)
        .map(|q| default_title(&q))
        .unwrap_or_else(|_| "Chart".into());
    let names: Vec<String> = data.companies.iter().map(|(_, n)| n.clone()).collect();
    let description = format!("{title}, from SEC filings: {}.", names.join(", "));
    let image = data.og_image.clone();
    view! {
        <Title text=title.clone()/>
        <Meta name="description" content=description.clone()/>
        <Meta property="og:type" content="website"/>
        <Meta property="og:title" content=title.clone()/>
        <Meta property="og:description" content=description.clone()/>
        <Meta property="og:image" content=image.clone()/>
        <Meta property="og:image:width" content="1200"/>
        <Meta property="og:image:height" content="630"/>
        <Meta name="twitter:card" content="summary_large_image"/>
        <Meta name="twitter:title" content=title.clone()/>
        <Meta name="twitter:image" content=image/>
        <h1>{title}</h1>
    }
}

/// The compared companies' capex guidance against their actuals, a row per
/// company with guidance (nothing when none has any).
#[component]
fn CompareGuidance(data: ChartData) -> impl IntoView {
    (!data.guidance.is_empty()).then(|| {
        let rows = data
            .guidance
            .into_iter()
            .map(|g| (Some((g.ticker, g.name)), g.year))
            .collect();
        view! {
            <section class="guidance" aria-labelledby="guidance">
                <h2 id="guidance">"Capex guidance against actuals"</h2>
                <p class="section-lede">"Each company's latest guided fiscal year: the full-year capex range as it was stated and moved, the capex reported so far, and what the remaining quarters need to land inside the range. The company's page charts it."</p>
                <crate::components::GuidanceTable rows/>
            </section>
        }
    })
}
