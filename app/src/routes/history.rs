use crate::api::entry::SaveOutcome;
use crate::api::history::{fact_history, FactHistoryData, RevertFact};
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
    let revert = ServerAction::<RevertFact>::new();
    // Refetched after every revert, so the new version shows at once.
    let data = Resource::new(
        move || (key(), revert.version().get()),
        |((t, m, p), _)| fact_history(t, m, p),
    );
    view! {
        // A Transition: after a revert the table stays until the new one is ready.
        <Transition fallback=|| view! { <p class="loading">"Loading history…"</p> }>
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
                    Ok::<_, crate::error::AppError>(view! { <FactHistoryView data revert/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The versions of one number as a table.
#[component]
pub fn FactHistoryView(data: FactHistoryData, revert: ServerAction<RevertFact>) -> impl IntoView {
    let title = format!(
        "{} {} {}: history",
        data.ticker, data.metric_label, data.period
    );
    let empty = data.entries.is_empty();
    let can_revert = data.can_revert;
    let current_version = data
        .entries
        .iter()
        .find(|e| e.current)
        .map(|e| e.version.to_string())
        .unwrap_or_else(|| "0".into());
    let key = (
        data.ticker.clone(),
        data.metric.clone(),
        data.period.clone(),
    );
    let outcome = move || {
        revert.value().get().map(|r| match r {
            Ok(SaveOutcome::Saved { version, understood }) => view! {
                <p class="ok" role="status" id="revert-outcome">
                    {format!("Reverted: {understood} is now version {version}.")}
                </p>
            }
                .into_any(),
            Ok(SaveOutcome::Conflict { current, .. }) => view! {
                <p class="conflict" role="alert" id="revert-outcome">
                    {format!(
                        "Not reverted: version {} was saved meanwhile. Check the table and try again.",
                        current.map(|c| c.version).unwrap_or_default()
                    )}
                </p>
            }
                .into_any(),
            Ok(SaveOutcome::Invalid { errors, .. }) => view! {
                <p class="error" role="alert" id="revert-outcome">
                    {errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" ")}
                </p>
            }
                .into_any(),
            Err(e) => view! { <p class="error" role="alert" id="revert-outcome">{e.to_string()}</p> }
                .into_any(),
        })
    };
    view! {
        <Title text=title.clone()/>
        <section class="fact-history">
            <h1>{title}</h1>
            <p>
                <a href=format!("/company/{}", data.ticker)>{data.company.clone()}</a>
                " · Versions are never overwritten: a correction or restatement adds a version."
            </p>
            {empty.then(|| view! { <p>"No value has been stored for this number."</p> })}
            {outcome}
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
                        {can_revert.then(|| view! { <th>"Revert"</th> })}
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
                                if e.source.kind == domain::SourceKind::Analyst { "an analyst".to_string() } else { e.source.kind.to_string() }
                            });
                            let revert_cell = can_revert.then(|| {
                                let (t, m, p) = key.clone();
                                let base = current_version.clone();
                                let version = e.version.to_string();
                                view! {
                                    <td>
                                        {(!e.current).then(|| view! {
                                            <ActionForm action=revert attr:class="revert-form">
                                                <input type="hidden" name="ticker" value=t/>
                                                <input type="hidden" name="metric" value=m/>
                                                <input type="hidden" name="period" value=p/>
                                                <input type="hidden" name="version" value=version/>
                                                <input type="hidden" name="base_version" value=base/>
                                                <button type="submit" disabled=move || revert.pending().get()>
                                                    "Revert to this version"
                                                </button>
                                            </ActionForm>
                                        })}
                                    </td>
                                }
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
                                    {revert_cell}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
