use crate::api::overview::{get_overview, OverviewRow};
use crate::api::Computed;
use crate::components::provenance::{point_title, InputSources};
use crate::components::{format_value, ComputedCell, FigureCell, Sparkline};
use domain::analytics::{DerivedMetric, Question, Signal, Unit};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use rust_decimal::Decimal;

/// The column the overview table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Company,
    Revenue,
    Capex,
    OperatingCashFlow,
    FreeCashFlow,
    FcfTtm,
    CashConversion,
    /// By a question's signal: Healthy first, then Watch, Stress, Insufficient data.
    Signal(usize),
}

/// Healthy sorts first; insufficient data last.
fn signal_rank(s: Signal) -> i64 {
    match s {
        Signal::Healthy => 3,
        Signal::Watch => 2,
        Signal::Stress => 1,
        Signal::NotApplicable => 0,
        Signal::InsufficientData => -1,
    }
}

impl SortKey {
    fn value(self, row: &OverviewRow) -> Option<Decimal> {
        let complete = |p: &Option<domain::analytics::SeriesPoint>| {
            p.as_ref().filter(|p| p.is_complete()).and_then(|p| p.exact)
        };
        match self {
            SortKey::Company => None,
            SortKey::Revenue => row.revenue.as_ref().map(|f| f.value),
            SortKey::Capex => row.capex.as_ref().map(|f| f.value),
            SortKey::OperatingCashFlow => row.operating_cash_flow.as_ref().map(|f| f.value),
            SortKey::FreeCashFlow => match &row.free_cash_flow {
                Computed::Value { value, .. } => Some(*value),
                Computed::Missing { .. } => None,
            },
            SortKey::FcfTtm => complete(&row.fcf_ttm),
            SortKey::CashConversion => complete(&row.cash_conversion),
            SortKey::Signal(i) => row
                .signals
                .get(i)
                .map(|c| Decimal::from(signal_rank(c.signal))),
        }
    }
}

/// Sorts by the key; numbers largest first, missing values always last.
fn sort_rows(rows: &mut [OverviewRow], key: SortKey) {
    match key {
        SortKey::Company => rows.sort_by(|a, b| a.ticker.cmp(&b.ticker)),
        _ => rows.sort_by(|a, b| match (key.value(a), key.value(b)) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.ticker.cmp(&b.ticker),
        }),
    }
}

/// `/`: every company's latest quarter, and the cohort's newest quarters.
#[component]
pub fn Overview() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
    let cohort = Resource::new(|| (), |_| crate::api::cohort::get_cohort_summary());
    let sort = RwSignal::new(SortKey::Company);

    let header = move |key: SortKey, label: &'static str| {
        let class = if matches!(key, SortKey::Company) {
            ""
        } else {
            "num"
        };
        view! {
            <th scope="col" class=class aria-sort=move || if sort.get() == key { "descending" } else { "none" }>
                <button
                    type="button"
                    class="sort"
                    class:active=move || sort.get() == key
                    data-sort=label
                    on:click=move |_| sort.set(key)
                >
                    {label}
                </button>
            </th>
        }
    };

    view! {
        <Title text="AI infrastructure cash conversion"/>
        <Link rel="alternate" type_="application/atom+xml" title="Capex Lens: what changed (filings, restatements, entries)" href="/feed.atom"/>
        <Meta
            name="description"
            content="Capex Lens: latest quarterly revenue, capex, operating cash flow and free cash flow of the AI hyperscalers, from their SEC filings."
        />
        <h1>"Companies"</h1>
        <p class="lede">
            "Latest reported quarter of each company, in US dollars (B = billions; negatives in parentheses), "
            "its trailing-twelve-month (TTM) free cash flow and cash conversion, and the four scorecard answers. "
            "Each figure links to the filing it was read in; hover for details. Click a column to sort."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading figures…"</p> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <div class="error" role="alert">
                        <p>"The figures could not be loaded."</p>
                        <ul>
                            {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
                        </ul>
                    </div>
                }
            }>
                {move || Suspend::new(async move {
                    let rows = overview.await?;
                    let table = move || {
                        let mut rows = rows.clone();
                        sort_rows(&mut rows, sort.get());
                        rows.into_iter().map(|row| view! { <OverviewRowView row/> }).collect_view()
                    };
                    Ok::<_, crate::error::AppError>(view! {
                        <div class="table-scroll">
                        <table class="overview">
                            <thead>
                                <tr>
                                    <th scope="colgroup" colspan="2"></th>
                                    <th scope="colgroup" colspan="4" class="group">"Latest quarter"</th>
                                    <th scope="colgroup" colspan="2" class="group">"Trailing twelve months"</th>
                                    <th scope="colgroup" colspan="4" class="group">
                                        <a href="/methodology">"Scorecard"</a>
                                    </th>
                                </tr>
                                <tr>
                                    {header(SortKey::Company, "Company")}
                                    <th scope="col">"Quarter"</th>
                                    {header(SortKey::Revenue, "Revenue")}
                                    {header(SortKey::Capex, "Capex")}
                                    {header(SortKey::OperatingCashFlow, "Operating cash flow")}
                                    {header(SortKey::FreeCashFlow, "Free cash flow")}
                                    {header(SortKey::FcfTtm, "FCF, TTM")}
                                    {header(SortKey::CashConversion, "Cash conversion")}
                                    {header(SortKey::Signal(0), "AI revenue vs capex")}
                                    {header(SortKey::Signal(1), "Utilization")}
                                    {header(SortKey::Signal(2), "Inference cost")}
                                    {header(SortKey::Signal(3), "Contracts")}
                                </tr>
                            </thead>
                            <tbody>{table}</tbody>
                        </table>
                        </div>
                    })
                })}
            </ErrorBoundary>
        </Transition>
        <h2 id="cohort">"The hyperscalers read together"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading the cohort…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <div class="error" role="alert">
                    {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                </div>
            }>
                {move || Suspend::new(async move {
                    let quarters = cohort.await?;
                    Ok::<_, crate::error::AppError>(view! { <CohortSummary quarters/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The cohort's newest well-reported quarters: sums, ratios, and who is in each.
#[component]
fn CohortSummary(quarters: Vec<domain::analytics::cohort::CohortQuarter>) -> impl IntoView {
    use domain::analytics::cohort::CohortRatio;
    use domain::analytics::{DerivedMetric, Measure};
    use domain::Metric;
    let shown = [
        ("Capex", Measure::Stored(Metric::Capex)),
        (
            "Operating cash flow",
            Measure::Stored(Metric::OperatingCashFlow),
        ),
        ("Free cash flow", Measure::Derived(DerivedMetric::Fcf)),
        ("Revenue", Measure::Stored(Metric::Revenue)),
    ];
    let columns = shown.len() + CohortRatio::ALL.len() + 1;
    let rows = quarters
        .into_iter()
        .map(|q| {
            let sums = shown
                .iter()
                .map(|(_, m)| view! { <td class="num">{q.sum(*m).map(domain::format::usd).unwrap_or_default()}</td> })
                .collect_view();
            let ratios = CohortRatio::ALL
                .iter()
                .map(|r| {
                    let v = q.ratio(*r);
                    let f = v.and_then(|d| rust_decimal::prelude::ToPrimitive::to_f64(&d));
                    view! { <td class="num">{format_value(r.metric().unit(), f, v)}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{q.quarter.label()}</th>
                    {sums}
                    {ratios}
                </tr>
                <tr class="membership">
                    <td colspan=columns>{q.membership_text()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p>
            "Summed per calendar quarter over the companies that report every input, so each ratio divides sums over the same companies; the newest quarters that at least half of the hyperscalers have reported. "
            <a href="/cohort">"The cohort over time, and the choice of companies"</a> "."
        </p>
        <div class="table-scroll">
            <table class="facts cohort-summary">
                <thead>
                    <tr>
                        <th scope="col">"Quarter"</th>
                        {shown.iter().map(|(label, _)| view! { <th scope="col" class="num">{*label}</th> }).collect_view()}
                        {CohortRatio::ALL.iter().map(|r| view! { <th scope="col" class="num">{r.metric().label()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn OverviewRowView(row: OverviewRow) -> impl IntoView {
    let period_title = match (&row.period_end, &row.calendar_label) {
        (Some(end), Some(cal)) => format!("Quarter ended {end} ({cal})"),
        (Some(end), None) => format!("Quarter ended {end}"),
        _ => "No quarterly figures yet".to_string(),
    };
    view! {
        <tr data-ticker=row.ticker.clone()>
            <th scope="row">
                <a class="ticker" href=format!("/company/{}", row.ticker)>{row.ticker.clone()}</a>
                <span class="name">{row.name.clone()}</span>
            </th>
            <td class="period" title=period_title>{row.period_label.clone().unwrap_or_else(|| "n/a".into())}</td>
            <td class="num"><FigureCell figure=row.revenue.clone()/></td>
            <td class="num"><FigureCell figure=row.capex.clone()/></td>
            <td class="num"><FigureCell figure=row.operating_cash_flow.clone()/></td>
            <td class="num"><ComputedCell computed=row.free_cash_flow.clone()/></td>
            <td class="num ttm">
                <TtmCell point=row.fcf_ttm.clone() unit=Unit::Usd formula=format!("FCF, TTM = sum of four quarters of {}", DerivedMetric::Fcf.formula())/>
                {row.sparks.first().cloned().map(|s| view! { <Sparkline spark=s/> })}
            </td>
            <td class="num">
                <TtmCell point=row.cash_conversion.clone() unit=Unit::Ratio formula=format!("Cash conversion = {}", DerivedMetric::CashConversion.formula())/>
            </td>
            {(0..Question::ALL.len())
                .map(|i| match row.signals.get(i) {
                    Some(c) => {
                        let class = c.signal.css_class();
                        let insufficient = c.signal == Signal::InsufficientData;
                        let coverage = format!("/coverage?tickers={}", row.ticker);
                        view! {
                            <td class="sig" data-question=c.question.as_str()>
                                <span class=class title=format!("{} {}", c.question.text(), c.sentence)>{c.signal.label()}</span>
                                {c.as_of.clone().map(|l| view! { <span class="as-of" title=c.newer_note.clone().unwrap_or_default()>"as of " {l}</span> })}
                                {insufficient.then(|| view! { <a class="gap-link" href=coverage title="Which inputs are missing, and where to enter them">"what is missing"</a> })}
                            </td>
                        }
                        .into_any()
                    }
                    None => view! { <td class="sig"><span class="signal insufficient">"Insufficient data"</span></td> }.into_any(),
                })
                .collect_view()}
        </tr>
    }
}

/// A TTM value with its formula, inputs and filings on hover; `n/a` with the
/// reason when an input is missing.
#[component]
fn TtmCell(
    point: Option<domain::analytics::SeriesPoint>,
    unit: Unit,
    formula: String,
) -> impl IntoView {
    match point {
        None => view! { <span class="missing">{domain::format::MISSING}</span> }.into_any(),
        Some(p) => {
            let title = point_title(&p, &formula, InputSources::Inline);
            if p.is_complete() {
                let negative = p.value.is_some_and(|v| v < 0.0);
                let class = if negative {
                    "figure computed negative"
                } else {
                    "figure computed"
                };
                view! { <span class=class title=title>{format_value(unit, p.value, p.exact)}</span> }.into_any()
            } else {
                // The first gap in words; the whole list is in the hover text.
                let why = match p.missing.as_slice() {
                    [] => String::new(),
                    [one] => format!("missing {one}"),
                    [first, rest @ ..] => format!("missing {first} and {} more", rest.len()),
                };
                view! { <span class="missing" title=title>{domain::format::MISSING}<small class="why">{why}</small></span> }.into_any()
            }
        }
    }
}
