use crate::api::overview::{get_overview, OverviewRow};
use crate::api::Computed;
use crate::components::{ComputedCell, FigureCell};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use rust_decimal::Decimal;

/// The column the overview table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Company,
    Revenue,
    Capex,
    OperatingCashFlow,
    FreeCashFlow,
}

impl SortKey {
    fn value(self, row: &OverviewRow) -> Option<Decimal> {
        match self {
            SortKey::Company => None,
            SortKey::Revenue => row.revenue.as_ref().map(|f| f.value),
            SortKey::Capex => row.capex.as_ref().map(|f| f.value),
            SortKey::OperatingCashFlow => row.operating_cash_flow.as_ref().map(|f| f.value),
            SortKey::FreeCashFlow => match &row.free_cash_flow {
                Computed::Value { value, .. } => Some(*value),
                Computed::Missing { .. } => None,
            },
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

/// `/`: every company's latest quarter.
#[component]
pub fn Overview() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
    let sort = RwSignal::new(SortKey::Company);

    let header = move |key: SortKey, label: &'static str| {
        view! {
            <th scope="col" aria-sort=move || if sort.get() == key { "descending" } else { "none" }>
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
        <Meta
            name="description"
            content="Capex Lens: latest quarterly revenue, capex, operating cash flow and free cash flow of the AI hyperscalers, from their SEC filings."
        />
        <h1>"Companies"</h1>
        <p class="lede">
            "Latest reported quarter of each company, in US dollars. "
            "Each figure links to the filing it was read in; hover for details. "
            "Click a column to sort."
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
                        <table class="overview">
                            <thead>
                                <tr>
                                    {header(SortKey::Company, "Company")}
                                    <th scope="col">"Quarter"</th>
                                    {header(SortKey::Revenue, "Revenue")}
                                    {header(SortKey::Capex, "Capex")}
                                    {header(SortKey::OperatingCashFlow, "Operating cash flow")}
                                    {header(SortKey::FreeCashFlow, "Free cash flow")}
                                </tr>
                            </thead>
                            <tbody>{table}</tbody>
                        </table>
                    })
                })}
            </ErrorBoundary>
        </Transition>
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
        </tr>
    }
}
