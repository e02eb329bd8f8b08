use crate::api::history::{fact_history, FactHistoryData};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/company/{ticker}/history/{metric}/{period}`: every version of one
/// number, newest first (link with [`crate::api::history::history_href`]).
#[component]
pub fn FactHistory() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("ticker").unwrap_or_default(),
            p.get("metric").unwrap_or_default(),
            p.get("period").unwrap_or_default(),
        )
    };
    let data = Resource::new(key, |(t, m, p)| fact_history(t, m, p));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading history…"</p> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <Title text="History not available"/>
                    <div class="error" role="alert">
                        {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                    </div>
                }
            }>
                {move || Suspend::new(async move {
                    let data = data.await?;
                    Ok::<_, crate::error::AppError>(view! { <FactHistoryView data/> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// The versions of one number as a table.
#[component]
pub fn FactHistoryView(data: FactHistoryData) -> impl IntoView {
    let title = format!(
        "{} {} {}: history",
        data.ticker, data.metric_label, data.period
    );
    let empty = data.entries.is_empty();
    view! {
        <Title text=title.clone()/>
        <section class="fact-history">
            <h1>{title}</h1>
            <p>
                <a href=format!("/company/{}", data.ticker)>{data.company.clone()}</a>
                " · Versions are never overwritten: a correction or restatement adds a version."
            </p>
            {empty.then(|| view! { <p>"No value has been stored for this number."</p> })}
            <table class="history">
                <thead>
                    <tr>
                        <th>"Version"</th>
                        <th>"Value"</th>
                        <th>"Replaced"</th>
                        <th>"Known"</th>
                        <th>"Recorded (UTC)"</th>
                        <th>"Source"</th>
                        <th>"By"</th>
                        <th>"Note"</th>
                    </tr>
                </thead>
                <tbody>
                    {data
                        .entries
                        .into_iter()
                        .map(|e| {
                            let source = match e.source.url.clone() {
                                Some(url) => view! { <a href=url rel="noopener noreferrer">{e.source.label.clone()}</a> }.into_any(),
                                None => view! { <span>{e.source.label.clone()}</span> }.into_any(),
                            };
                            let who = e.entered_by.clone().unwrap_or_else(|| {
                                if e.source.kind == "analyst" { "an analyst".into() } else { e.source.kind.clone() }
                            });
                            view! {
                                <tr class:current=e.current data-version=e.version>
                                    <td>{e.version} {e.current.then_some(" (current)")}</td>
                                    <td>{e.value}</td>
                                    <td>{e.previous.unwrap_or_else(|| "—".into())}</td>
                                    <td>{e.known_at.to_string()}</td>
                                    <td>{e.recorded_at}</td>
                                    <td>{source}</td>
                                    <td>{who}</td>
                                    <td>{e.note.unwrap_or_default()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
