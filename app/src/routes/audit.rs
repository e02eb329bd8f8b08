use crate::api::audit::{audit_log, csv_href, AuditFilter, AuditPage, AuditRow, PAGE_ROWS};
use crate::api::history::history_href;
use domain::entry::{describe, StoredUnit};
use domain::{FiscalPeriod, Metric};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/audit`: every change to the store, filterable by company, metric, user
/// and date, exportable as CSV (analysts and admins; the server function
/// checks the role).
#[component]
pub fn Audit() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        AuditFilter {
            company: q.get("company"),
            metric: q.get("metric"),
            user: q.get("user"),
            from: q.get("from"),
            to: q.get("to"),
        }
    };
    let data = Resource::new(filter, |f| {
        audit_log(f.company, f.metric, f.user, f.from, f.to)
    });
    view! {
        <Title text="Audit trail"/>
        <section class="audit">
            <h1>"Audit trail"</h1>
            <p>
                "Every change to the store, newest first: filings imported, derived values and analysts' entries. "
                "A change never overwrites: each is a new version of its number."
            </p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| {
                    view! {
                        <div class="error" role="alert">
                            {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                            <p><a href="/login">"Sign in as an analyst"</a></p>
                        </div>
                    }
                }>
                    {move || Suspend::new(async move {
                        let page = data.await?;
                        Ok::<_, crate::error::AppError>(view! { <AuditView page filter=filter()/> })
                    })}
                </ErrorBoundary>
            </Suspense>
        </section>
    }
}

fn describe_in(value: rust_decimal::Decimal, unit: &str) -> String {
    match unit {
        "USD" => describe(value, StoredUnit::Usd),
        "USD/unit" => describe(value, StoredUnit::UsdPerUnit),
        other => format!("{} {other}", value.normalize()),
    }
}

#[component]
fn AuditView(page: AuditPage, filter: AuditFilter) -> impl IntoView {
    let value_of = |v: &Option<String>| v.clone().unwrap_or_default();
    let (company, metric) = (value_of(&filter.company), value_of(&filter.metric));
    let shown = page.rows.len();
    let summary = if page.total > PAGE_ROWS {
        format!(
            "{} changes match; the newest {shown} are shown. The CSV export has them all.",
            page.total
        )
    } else {
        format!("{} changes match.", page.total)
    };
    view! {
        <form method="get" action="/audit" class="audit-filter" id="audit-filter">
            <label>
                "Company"
                <select name="company">
                    <option value="">"All"</option>
                    {page
                        .tickers
                        .iter()
                        .map(|t| view! { <option value=t.clone() selected=*t == company>{t.clone()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Metric"
                <select name="metric">
                    <option value="">"All"</option>
                    {Metric::ALL
                        .iter()
                        .map(|m| view! { <option value=m.key() selected=m.key() == metric>{m.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "User"
                <input type="text" name="user" list="audit-users" value=value_of(&filter.user) placeholder="email or part of it"/>
                <datalist id="audit-users">
                    {page.users.iter().map(|u| view! { <option value=u.clone()></option> }).collect_view()}
                </datalist>
            </label>
            <label>"From" <input type="date" name="from" value=value_of(&filter.from)/></label>
            <label>"To" <input type="date" name="to" value=value_of(&filter.to)/></label>
            <button type="submit">"Filter"</button>
            " "
            <a href="/audit">"Clear"</a>
        </form>
        <p>
            <span id="audit-count">{summary}</span>
            " "
            <a href=csv_href(&filter) id="audit-csv" download="capex-lens-audit.csv">"Export as CSV"</a>
        </p>
        <table class="history audit-table" id="audit-table">
            <thead>
                <tr>
                    <th scope="col">"Recorded (UTC)"</th>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Change"</th>
                    <th scope="col">"Known"</th>
                    <th scope="col">"Source"</th>
                    <th scope="col">"By"</th>
                    <th scope="col">"Note"</th>
                </tr>
            </thead>
            <tbody>{page.rows.into_iter().map(|r| view! { <AuditLine row=r/> }).collect_view()}</tbody>
        </table>
    }
}

#[component]
fn AuditLine(row: AuditRow) -> impl IntoView {
    let number = format!("{} {} {}", row.ticker, row.metric, row.period);
    let link = match (Metric::parse(&row.metric), FiscalPeriod::parse(&row.period)) {
        (Ok(m), Ok(p)) => view! { <a href=history_href(&row.ticker, m, p)>{number}</a> }.into_any(),
        _ => view! { <span>{number}</span> }.into_any(),
    };
    let change = match row.previous {
        Some(p) => format!(
            "{} → {}",
            describe_in(p, &row.unit),
            describe_in(row.value, &row.unit)
        ),
        None => format!("new: {}", describe_in(row.value, &row.unit)),
    };
    let source = match row
        .source_url
        .clone()
        .filter(|u| domain::provenance::is_web_link(u))
    {
        Some(url) => {
            view! { <a href=url rel="noopener noreferrer">{row.source_kind.clone()}</a> }.into_any()
        }
        None => view! { <span>{row.source_kind.clone()}</span> }.into_any(),
    };
    view! {
        <tr>
            <td>{row.recorded_at}</td>
            <td>{link}</td>
            <td>{row.version}</td>
            <td>{change}</td>
            <td>{row.known_at.to_string()}</td>
            <td>{source}</td>
            <td>{row.entered_by.unwrap_or_default()}</td>
            <td>{row.note.unwrap_or_default()}</td>
        </tr>
    }
}
