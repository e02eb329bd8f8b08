use crate::api::cohort::{get_cohort, CohortData};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_location;

/// `/cohort?tickers=AMZN,GOOGL,MSFT&basis=ttm`: the chosen companies read
/// together (methodology section 7), per calendar quarter, summed over the
/// companies that report every input, with who is in and who is out. All
/// state is in the address; the picker is a plain GET form, so every choice
/// is a link.
///
/// The page is plain HTML from the server, and opened directly it loads no
/// WebAssembly at all (the shell leaves the hydration scripts out, see
/// [`hydrates`](crate::routes::hydrates)): its charts show each quarter's
/// tooltip by CSS
/// ([`StaticChartFigure`](crate::components::StaticChartFigure)), the picker
/// and the short-link button are forms, and nothing on it needs code in the
/// browser. That keeps its first load within the 400 KB budget (issue 15),
/// where hydrating it would cost the main module alone (370 KB) and its
/// chart code. Reached by a link inside the app, the router renders it and
/// asks the server for the same HTML ([`get_cohort_html`]).
#[component]
pub fn Cohort() -> impl IntoView {
    let location = use_location();
    let data = Resource::new(move || location.search.get(), get_cohort);
    view! {
        <Title text="The cohort read together"/>
        <Meta name="description" content="The hyperscalers' capex, operating and free cash flow, depreciation and revenue summed per calendar quarter, with capex intensity, capex to depreciation and cash conversion, from SEC filings."/>
        <Transition fallback=|| view! { <p class="loading">"Loading the cohort…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <h1>"This cohort cannot be shown"</h1>
                <div class="error" role="alert">
                    {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                </div>
                <p>"The default cohort: " <a href="/cohort">"/cohort"</a></p>
            }>
                {move || Suspend::new(async move {
                    let data = data.await?;
                    Ok::<_, crate::error::AppError>(view! { <CohortView data/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The cohort page for its data (also what a cohort's short link shows): the
/// preview tags, and the content the server renders ([`ssr::content`]).
#[component]
pub fn CohortView(data: CohortData) -> impl IntoView {
    let html = RwSignal::new(content_html(&data));
    let failed = RwSignal::new(None::<String>);
    let node = NodeRef::<leptos::html::Div>::new();
    // Rendered by this browser rather than by the server (a link inside the
    // app was followed): the content arrives as HTML from the server.
    let (query, link) = (data.query.clone(), data.link.clone());
    Effect::new(move |_| {
        let Some(node) = node.get() else {
            return;
        };
        if node.child_element_count() == 0 {
            let (query, link) = (query.clone(), link.clone());
            leptos::task::spawn_local(async move {
                match get_cohort_html(query, link).await {
                    Ok(h) => html.set(h),
                    Err(e) => failed.set(Some(e.to_string())),
                }
            });
        }
    });
    let image = data.og_image.clone();
    let description = data.description.clone();
    view! {
        <Meta property="og:type" content="website"/>
        <Meta property="og:title" content="The cohort read together"/>
        <Meta property="og:description" content=description.clone()/>
        <Meta property="og:image" content=image.clone()/>
        <Meta property="og:image:width" content="1200"/>
        <Meta property="og:image:height" content="630"/>
        <Meta name="twitter:card" content="summary_large_image"/>
        <Meta name="twitter:title" content="The cohort read together"/>
        <Meta name="twitter:image" content=image/>
        {move || failed.get().map(|e| view! { <div class="error" role="alert"><p>{e}</p></div> })}
        <div class="fragment" node_ref=node inner_html=move || html.get()></div>
    }
}

/// The content of [`CohortView`], rendered on the server; empty in the
/// browser (which hydrates the server's markup, or fetches it).
fn content_html(data: &CohortData) -> String {
    #[cfg(feature = "ssr")]
    {
        ssr::content(data)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = data;
        String::new()
    }
}

/// The cohort page's content as the server renders it: the cohort of
/// `query`, or the one short link `link` pins. Public data, the same work
/// as [`get_cohort`].
#[server]
pub async fn get_cohort_html(
    query: String,
    link: Option<String>,
) -> Result<String, crate::error::AppError> {
    use crate::api::short_link::Linked;
    let data = match link {
        Some(id) => match crate::api::short_link::ssr::linked(&id).await? {
            Linked::Cohort(data) => data,
            Linked::Chart(_) => {
                let err = crate::error::AppError::NotFound(format!(
                    "{id} is a chart's link, not a cohort's."
                ));
                crate::ssr::set_status(&err);
                return Err(err);
            }
        },
        None => {
            let ctx = crate::ssr::context()?;
            let parsed = crate::api::cohort::ssr::parse(&query)?;
            crate::api::cohort::ssr::cohort_data(&ctx, &parsed, None).await?
        }
    };
    Ok(ssr::content(&data))
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api::cohort::{CohortData, CreateCohortLink};
    use crate::chart::{units_of, AxisUnit, ChartSpec};
    use crate::components::{format_value, StaticChartFigure};
    use domain::analytics::cohort::{CohortQuarter, CohortRatio, AMOUNTS, DEFAULT_TICKERS};
    use domain::analytics::Basis;
    use domain::format;
    use leptos::prelude::*;
    use leptos::server_fn::ServerFn;

    /// [`CohortContent`] as HTML.
    pub fn content(data: &CohortData) -> String {
        let data = data.clone();
        view! { <CohortContent data/> }.to_html()
    }

    /// Everything the cohort page shows but its preview tags.
    #[component]
    fn CohortContent(data: CohortData) -> impl IntoView {
        let cohort = data.cohort.clone();
        let basis_text = match cohort.basis {
            Basis::Quarterly => "each quarter",
            _ => "over the trailing twelve months",
        };
        let series = cohort.chart_series();
        let notes: Vec<(String, String)> = cohort
            .quarters
            .iter()
            .map(|q| (q.quarter.label(), q.membership_text()))
            .collect();
        let changes = cohort.changes();
        let changes_text = if changes.is_empty() {
            "The same companies are in the sum in every quarter shown.".to_string()
        } else {
            format!(
                "The set of companies in the sum changes ({}): each line breaks there (dashed rules), since sums over different companies are not like-for-like. Hover a quarter, or open the table below, to see who is in.",
                changes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let breaks: Vec<i32> = changes.iter().map(|c| c.quarter.index()).collect();
        let charts = units_of(&series)
            .into_iter()
            .map(|unit| {
                let title = match unit {
                    AxisUnit::UsdBillions => "Cohort sums",
                    AxisUnit::Percent => "Cohort capex intensity and cash conversion",
                    _ => "Cohort capex to depreciation",
                };
                let on_axis: Vec<_> = series
                    .iter()
                    .filter(|s| AxisUnit::of(s.unit) == unit)
                    .cloned()
                    .collect();
                let extra = if unit == AxisUnit::UsdBillions {
                    " Revenue and net income are in the table below."
                } else {
                    ""
                };
                view! {
                    <StaticChartFigure
                        series=on_axis
                        spec=ChartSpec { breaks: breaks.clone(), ..ChartSpec::new(title, unit) }
                        name="cohort"
                        caption=extra
                        slot_notes=notes.clone()
                    />
                }
            })
            .collect_view();
        let names: Vec<String> = cohort
            .tickers
            .iter()
            .map(|t| format!("{} ({t})", data.name_of(t)))
            .collect();
        let chosen = cohort.tickers.clone();
        let picker = data
            .companies
            .iter()
            .map(|(t, n)| {
                let checked = chosen.contains(t);
                view! {
                    <label class="pick">
                        <input type="checkbox" name="tickers" value=t.clone() checked=checked/>
                        " " {t.clone()} <span class="visually-hidden">{format!(" {n}")}</span>
                    </label>
                }
            })
            .collect_view();
        let ttm = cohort.basis == Basis::Ttm;
        let png_href = format!("/cohort.png?{}", data.query);
        let rows = cohort
            .quarters
            .iter()
            .rev()
            .map(|q| view! { <QuarterRow q=q.clone()/> })
            .collect_view();
        let empty = cohort.quarters.is_empty().then(|| {
            view! { <p class="notice">"No quarter has every input for any of the chosen companies. The coverage page shows what each company lacks: " <a href="/coverage">"coverage"</a> "."</p> }
        });
        view! {
            <h1>"The cohort read together"</h1>
            {data.pinned_at.clone().map(|at| {
                let latest = data.query.clone();
                let latest = if latest.is_empty() { "/cohort".to_string() } else { format!("/cohort?{latest}") };
                view! {
                    <p class="notice">
                        "This short link shows the figures as stored on " {at} ". "
                        {data.newer_data.then(|| view! { "Newer figures exist: " <a href=latest>"see the latest"</a> "." })}
                    </p>
                }
            })}
            <p class="lede">
                "Capex, operating and free cash flow, depreciation, revenue and net income of "
                {names.join(", ")}
                ", summed " {basis_text} " over the companies that report every one of them for that calendar quarter, so each ratio divides sums over the same companies."
            </p>
            <form class="cohort-picker" method="get" action="/cohort">
                <fieldset>
                    <legend>"Companies"</legend>
                    {picker}
                </fieldset>
                <label>
                    "Basis "
                    <select name="basis">
                        <option value="quarterly" selected=!ttm>"Quarterly"</option>
                        <option value="ttm" selected=ttm>"Trailing twelve months"</option>
                    </select>
                </label>
                <button type="submit">"Show"</button>
                <a href="/cohort">{format!("Default: the hyperscalers ({})", DEFAULT_TICKERS.join(", "))}</a>
            </form>
            <div class="chart-links">
                <form method="post" action=CreateCohortLink::PATH>
                    <input type="hidden" name="query" value=data.query.clone()/>
                    <button type="submit" title="Opens the cohort's short link: copy it from the address bar">"Get a short link"</button>
                </form>
                <a href=png_href download="cohort.png">"PNG"</a>
            </div>
            {empty}
            <p class="notice cohort-changes">{changes_text}</p>
            {charts}
            <h2>"Who is in each quarter's sum"</h2>
            <p>"Newest first. Open a quarter for each company's figures, each linked to its filing. Ratios: "
                {CohortRatio::ALL.iter().map(|r| format!("{} = {}", r.metric().label(), r.formula())).collect::<Vec<_>>().join("; ")}
                "."</p>
            <div class="table-scroll">
                <table class="facts cohort-table">
                    <thead>
                        <tr>
                            <th scope="col">"Quarter"</th>
                            {AMOUNTS.iter().map(|m| view! { <th scope="col" class="num">{m.label()}</th> }).collect_view()}
                            {CohortRatio::ALL.iter().map(|r| view! { <th scope="col" class="num">{r.metric().label()}</th> }).collect_view()}
                            <th scope="col">"Left out"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    }

    /// A quarter's sums and ratios, who is left out and why, and (opened) each
    /// member's figures with their sources.
    #[component]
    fn QuarterRow(q: CohortQuarter) -> impl IntoView {
        let label = q.quarter.label();
        let sums = AMOUNTS
            .iter()
            .zip(&q.sums)
            .map(|(_, s)| view! { <td class="num">{format::usd(*s)}</td> })
            .collect_view();
        let ratios = CohortRatio::ALL
            .iter()
            .map(|r| {
                let unit = r.metric().unit();
                let v = q.ratio(*r);
                let f = v.and_then(|d| rust_decimal::prelude::ToPrimitive::to_f64(&d));
                view! { <td class="num">{format_value(unit, f, v)}</td> }
            })
            .collect_view();
        let out = if q.excluded.is_empty() {
            "none".to_string()
        } else {
            q.excluded
                .iter()
                .map(|e| format!("{} ({})", e.ticker, e.reason()))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let members = q
            .members
            .iter()
            .map(|m| {
                let values = m
                    .values
                    .iter()
                    .map(|v| format::usd(*v))
                    .collect::<Vec<_>>();
                let sources = m
                    .sources
                    .iter()
                    .fold(Vec::<domain::Provenance>::new(), |mut acc, s| {
                        if !acc.iter().any(|a| a.label == s.label) {
                            acc.push(s.clone());
                        }
                        acc
                    })
                    .into_iter()
                    .map(|s| match s.url.filter(|u| domain::provenance::is_web_link(u)) {
                        Some(url) => view! { <li><a href=url target="_blank" rel="noopener noreferrer">{s.label}</a></li> }.into_any(),
                        None => view! { <li>{s.label}</li> }.into_any(),
                    })
                    .collect_view();
                view! {
                    <li>
                        <a href=format!("/company/{}", m.ticker)>{m.ticker.clone()}</a>
                        {format!(" {}: ", m.fiscal_period.label())}
                        {AMOUNTS.iter().zip(values).map(|(a, v)| format!("{} {v}", a.label())).collect::<Vec<_>>().join(", ")}
                        <ul class="sources">{sources}</ul>
                    </li>
                }
            })
            .collect_view();
        view! {
            <tr data-quarter=label.clone()>
                <th scope="row">
                    <details>
                        <summary>{label.clone()} " " <small>{format!("{} in", q.members.len())}</small></summary>
                        <ul class="cohort-members">{members}</ul>
                    </details>
                </th>
                {sums}
                {ratios}
                <td class="left-out">{out}</td>
            </tr>
        }
    }
}
