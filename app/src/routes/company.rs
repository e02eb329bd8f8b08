use crate::api::company::{get_company, CompanyPage};
use crate::components::{ttm_through, HistoryCharts, WaveAndScenario};
use crate::projection::Sliders;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

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
    let fragments = RwSignal::new(Fragments::of(&page));
    let scorecard_node = NodeRef::<leptos::html::Div>::new();
    // Rendered by this browser rather than hydrated (a link was followed):
    // the static sections arrive as HTML from the server.
    let ticker = page.ticker.clone();
    Effect::new(move |_| {
        let Some(node) = scorecard_node.get() else {
            return;
        };
        if node.child_element_count() == 0 {
            let ticker = ticker.clone();
            leptos::task::spawn_local(async move {
                if let Ok(f) = get_company_fragments(ticker).await {
                    fragments.set(f);
                }
            });
        }
    });
    let feed = format!("/company/{}/feed.atom", page.ticker);
    let feed_title = format!(
        "{}: what changed (filings, restatements, entries)",
        page.name
    );
    view! {
        <Title text=title.clone()/>
        <Link rel="alternate" type_="application/atom+xml" title=feed_title href=feed/>
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
        <div class="fragment" node_ref=scorecard_node inner_html=move || fragments.with(|f| f.scorecard.clone())></div>
        <crate::components::GuidanceView years=page.guidance.clone() fiscal_year_end_month=page.fiscal_year_end_month/>
        {has_quarters.then(|| view! {
            <section aria-labelledby="waterfall">
                <h2 id="waterfall">"Cash-conversion waterfall"</h2>
                <div class="fragment" inner_html=move || fragments.with(|f| f.waterfall.clone())></div>
            </section>
            <HistoryCharts page=page.clone()/>
            <WaveAndScenario page=page.clone() initial/>
        })}
        <section aria-labelledby="facts">
            <h2 id="facts">"Quarterly facts"</h2>
            <div class="table-scroll" inner_html=move || fragments.with(|f| f.facts.clone())></div>
        </section>
    }
}

/// The company page's static sections as HTML: the scorecard (its answers,
/// history strip and headline), the cash-conversion waterfall and the
/// quarterly facts table. They have no
/// behaviour but native `<details>` and links, so the server renders them
/// (the same components, [`ScorecardView`](crate::components::ScorecardView)
/// and `FactRowView`) and the browser never needs their numbers or the
/// code that draws them: hydration leaves the server's markup in place, and
/// a page the browser renders itself asks [`get_company_fragments`] for it.
/// This keeps the company page inside its first-load budget (issue 5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fragments {
    pub scorecard: String,
    pub waterfall: String,
    pub facts: String,
}

impl Fragments {
    /// Rendered on the server; empty in the browser (which hydrates the
    /// server's markup, or fetches it).
    fn of(page: &CompanyPage) -> Self {
        #[cfg(feature = "ssr")]
        {
            ssr::fragments(page)
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = page;
            Self::default()
        }
    }
}

/// The static sections of `/company/{ticker}`, as the server renders them.
/// Public data, from the facts cache: the same work as [`get_company`].
#[server]
pub async fn get_company_fragments(ticker: String) -> Result<Fragments, crate::error::AppError> {
    let (ctx, company) = crate::api::company::ssr::current_company(&ticker).await?;
    let page = crate::api::company::ssr::page(&company, &ctx.thresholds);
    Ok(ssr::fragments(&page))
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::Fragments;
    use crate::api::company::{CompanyPage, FactTableRow};
    use crate::components::{ttm_through, ScorecardView, Waterfall};
    use leptos::prelude::*;

    /// `view` as static HTML. Without the `<!>` placeholders Leptos leaves
    /// for hydration: these sections are never hydrated (they are set as
    /// `inner_html`), and text is escaped, so a literal `<!>` is always one.
    fn markup(view: impl RenderHtml) -> String {
        view.to_html().replace("<!>", "")
    }

    pub fn fragments(page: &CompanyPage) -> Fragments {
        let waterfall = match (page.sourced.clone(), page.latest) {
            (Some(facts), Some(at)) => {
                markup(view! { <Waterfall facts at through=ttm_through(page)/> })
            }
            _ => markup(view! { <p class="missing">"No quarterly figures, so no waterfall."</p> }),
        };
        let scorecard = match page.scorecard.clone() {
            Some(s) => {
                // Inputs the facts table shows link to their cell there.
                let tabled = page
                    .facts
                    .iter()
                    .flat_map(|row| row.cells.iter().flatten())
                    .map(|cell| cell.provenance.fact_id)
                    .collect();
                markup(view! { <ScorecardView scorecard=s tabled/> })
            }
            None => markup(
                view! { <p class="missing">"No quarterly figures for this company yet."</p> },
            ),
        };
        let facts = markup(view! {
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
        });
        Fragments {
            scorecard,
            waterfall,
            facts,
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
                            // The anchor the scorecard's inputs link to.
                            let anchor = crate::components::source_anchor(c.provenance.fact_id);
                            view! { <td class="num" data-quarter=quarter id=anchor><crate::components::FigureCell figure=Some(c)/></td> }.into_any()
                        }
                    })
                    .collect_view()}
            </tr>
        }
    }
}
