use crate::api::sync::{sync_status, TrackCompany, UntrackCompany};
use domain::sync::{utc_minute, CompanySync};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/admin/sync`: the EDGAR sync per company for admins (the server
/// functions check the role): when it was checked, the last filing imported
/// and what it changed, the next check, the last error; and tracking.
#[component]
pub fn AdminSync() -> impl IntoView {
    let track = ServerAction::<TrackCompany>::new();
    let untrack = ServerAction::<UntrackCompany>::new();
    // `data-ready` once the forms are interactive (effects run in the browser only).
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    // A ticker that is now tracked is cleared from the field, ready for the
    // next; one that was refused stays, to be corrected.
    let ticker_field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(field)) = (track.value().get(), ticker_field.get()) {
            field.set_value("");
        }
    });
    let status = Resource::new(
        move || (track.version().get(), untrack.version().get()),
        |_| sync_status(),
    );
    let message = move || {
        let results = [
            track
                .value()
                .get()
                .map(|r| r.map(|t| format!("{t} is tracked: the sync checks it within a minute."))),
            untrack
                .value()
                .get()
                .map(|r| r.map(|t| format!("{t} is no longer checked; its figures stay."))),
        ];
        results.into_iter().flatten().last().map(|r| match r {
            Ok(text) => {
                view! { <p class="ok" role="status" id="sync-outcome">{text}</p> }.into_any()
            }
            Err(e) => view! { <p class="error" role="alert" id="sync-outcome">{e.to_string()}</p> }
                .into_any(),
        })
    };
    view! {
        <Title text="EDGAR sync"/>
        <section class="admin-sync">
            <h1>"EDGAR sync"</h1>
            <p class="hint">
                "Each tracked company's list of filings at SEC EDGAR is checked on a schedule; a new 10-K, 10-Q or amendment is imported with its figures, restated values as new versions. "
                "The same as " <code>"server sync status"</code> "; for monitoring, " <code>"GET /api/sync/status"</code> " (JSON, signed in as an admin)."
            </p>
            {message}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| {
                    view! {
                        <div class="error" role="alert">
                            {move || errors.get().into_iter().map(|(_, e)| view! { <p>{e.to_string()}</p> }).collect_view()}
                            <p><a href="/login">"Sign in as an admin"</a></p>
                        </div>
                    }
                }>
                    {move || Suspend::new(async move {
                        let list = status.await?;
                        Ok::<_, crate::error::AppError>(view! { <SyncTable list untrack track/> })
                    })}
                </ErrorBoundary>
            </Transition>
            <h2>"Track a company"</h2>
            <p class="hint">"Its ticker as the SEC lists it; the company, its CIK and fiscal year end come from EDGAR at the first check."</p>
            <ActionForm action=track attr:id="track-form" attr:data-ready=move || ready.get().to_string()>
                <label>"Ticker" <input type="text" name="ticker" required maxlength="10" autocomplete="off" placeholder="AVGO" node_ref=ticker_field/></label>
                <button type="submit" disabled=move || track.pending().get()>"Track"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SyncTable(
    list: Vec<CompanySync>,
    untrack: ServerAction<UntrackCompany>,
    track: ServerAction<TrackCompany>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p id="sync-table">"No company is tracked yet."</p> }.into_any();
    }
    view! {
        <table class="history sync" id="sync-table">
            <thead>
                <tr>
                    <th scope="col">"Company"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Last check"</th>
                    <th scope="col">"Last filing imported"</th>
                    <th scope="col">"What it changed"</th>
                    <th scope="col">"Next check"</th>
                    <th scope="col">"Last error"</th>
                    <th scope="col"><span class="visually-hidden">"Action"</span></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|s| {
                        let state = s.state();
                        let filing = s.last_filing.clone();
                        let ticker = s.ticker.clone();
                        view! {
                            <tr data-ticker=s.ticker.clone() data-state=state>
                                <th scope="row">
                                    {s.ticker.clone()}
                                    {s.name.clone().map(|n| view! { <span class="name">{n}</span> })}
                                </th>
                                <td class=format!("state-{}", state.replace(' ', "-"))>{state}</td>
                                <td class="when">{s.last_checked_at.map(utc_minute).unwrap_or_else(|| "never".into())}</td>
                                <td>
                                    {match (&filing, s.cik) {
                                        (Some(f), Some(cik)) => {
                                            let href = domain::AccessionNumber::parse(&f.accession_number)
                                                .ok()
                                                .zip(domain::Cik::new(cik).ok())
                                                .map(|(a, c)| a.archive_url(c));
                                            view! {
                                                <a href=href rel="noopener" target="_blank">{format!("{} {}", f.form, f.accession_number)}</a>
                                                " filed " <span class="when">{f.filing_date.clone()}</span>
                                                {format!(" ({} filings in all)", s.filings_imported)}
                                            }.into_any()
                                        }
                                        _ => "none yet".into_any(),
                                    }}
                                </td>
                                <td>{filing.as_ref().map(|f| f.changes()).unwrap_or_default()}</td>
                                <td class="when">{if s.tracked { utc_minute(s.next_check_at) } else { "not tracked".into() }}</td>
                                <td class="sync-error">{s.last_error.clone().unwrap_or_default()}</td>
                                <td>
                                    {if s.tracked {
                                        view! {
                                            <ActionForm action=untrack attr:class="untrack-form">
                                                <input type="hidden" name="ticker" value=ticker/>
                                                <button type="submit">"Stop tracking"</button>
                                            </ActionForm>
                                        }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=track attr:class="retrack-form">
                                                <input type="hidden" name="ticker" value=ticker/>
                                                <button type="submit">"Track again"</button>
                                            </ActionForm>
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
