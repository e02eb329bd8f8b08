use crate::api::entry::{
    current_value, entry_companies, preview_entry, CompanyChoice, EntryField, SaveEntry,
    SaveOutcome,
};
use crate::api::history::history_href;
use domain::entry::{describe, parse_amount, StoredUnit};
use domain::{FiscalPeriod, Metric};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/enter`: an analyst enters one figure (analysts only; the server
/// functions check the role again).
#[component]
pub fn Enter() -> impl IntoView {
    let companies = Resource::new(|| (), |_| entry_companies());
    view! {
        <Title text="Enter a figure"/>
        <section class="entry">
            <h1>"Enter a figure"</h1>
            <p class="hint">
                <a href="/enter/bulk">"Enter many figures from CSV"</a>
                " · "
                <a href="/audit">"Audit trail"</a>
            </p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match companies.await {
                        Ok(list) => view! { <EntryForm companies=list/> }.into_any(),
                        Err(e) => view! {
                            <div class="error" role="alert">
                                <p>{e.to_string()}</p>
                                <p><a href="/login">"Sign in as an analyst"</a></p>
                            </div>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EntryForm(companies: Vec<CompanyChoice>) -> impl IntoView {
    let save = ServerAction::<SaveEntry>::new();
    // `data-ready` once the form is interactive (effects run in the browser only).
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    // `/enter?ticker=META&metric=ppe_net&period=FY26%20Q2` (the coverage map's
    // links to a missing figure) fills the key in; anything else is ignored.
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let first = query
        .get("ticker")
        .filter(|t| companies.iter().any(|c| &c.ticker == t))
        .or_else(|| companies.first().map(|c| c.ticker.clone()))
        .unwrap_or_default();
    let ticker = RwSignal::new(first);
    let metric = RwSignal::new(
        query
            .get("metric")
            .and_then(|m| Metric::parse(&m).ok())
            .unwrap_or(Metric::Capex)
            .key()
            .to_string(),
    );
    let period = RwSignal::new(
        query
            .get("period")
            .and_then(|p| FiscalPeriod::parse(&p).ok())
            .map(|p| p.label())
            .unwrap_or_default(),
    );
    let value = RwSignal::new(String::new());

    // The version in force for the chosen key; refetched after every save attempt.
    let current = Resource::new(
        move || {
            (
                ticker.get(),
                metric.get(),
                period.get(),
                save.version().get(),
            )
        },
        |(t, m, p, _)| async move {
            if FiscalPeriod::parse(&p).is_err() {
                return Ok(None);
            }
            current_value(t, m, p).await
        },
    );
    let base_version = move || {
        current
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .map(|c| c.version.to_string())
            .unwrap_or_else(|| "0".into())
    };

    // The scorecard now and with the value being typed (nothing is saved).
    let preview = Resource::new(
        move || (ticker.get(), metric.get(), period.get(), value.get()),
        |(t, m, p, v)| async move {
            let unit = Metric::parse(&m)
                .map(StoredUnit::for_metric)
                .unwrap_or(StoredUnit::Usd);
            if FiscalPeriod::parse(&p).is_err() || parse_amount(&v, unit).is_err() {
                return Ok(None);
            }
            preview_entry(t, m, p, v).await
        },
    );
    let preview_view = move || {
        let Some(Ok(Some(p))) = preview.get() else {
            return None;
        };
        let guidance = p
            .guidance
            .map(|preview| view! { <crate::components::GuidancePreviewView preview/> });
        let rows = p
            .answers
            .into_iter()
            .map(|a| {
                let changed = a.now != a.with_value;
                view! {
                    <tr class:changed=changed>
                        <th scope="row">{a.question}</th>
                        <td title=a.now_sentence>{a.now}</td>
                        <td title=a.with_value_sentence>{a.with_value}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <section class="entry-preview" id="entry-preview" aria-live="polite">
                <h2>{format!("Scorecard at {} with this value (not saved)", p.quarter)}</h2>
                <table class="facts">
                    <thead>
                        <tr>
                            <th scope="col">"Question"</th>
                            <th scope="col">"Now"</th>
                            <th scope="col">"With this value"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
            {guidance}
        })
    };

    // What the value field is understood as, while typing.
    let understood = move || {
        let raw = value.get();
        if raw.trim().is_empty() {
            return None;
        }
        let unit = Metric::parse(&metric.get())
            .map(StoredUnit::for_metric)
            .unwrap_or(StoredUnit::Usd);
        Some(match parse_amount(&raw, unit) {
            Ok(v) => format!("Understood as {}", describe(v, unit)),
            Err(e) => format!("Not understood: {e}"),
        })
    };

    let error_for = move |field: EntryField| {
        move || {
            match save.value().get() {
            Some(Ok(SaveOutcome::Invalid { errors, .. })) => errors
                .into_iter()
                .find(|e| e.field == field)
                .map(|e| view! { <p class="field-error" role="alert" data-field=field.as_str()>{e.message}</p> }),
            _ => None,
        }
        }
    };
    let needs_confirm = move || matches!(save.value().get(), Some(Ok(SaveOutcome::Invalid { errors, .. })) if errors.iter().any(|e| e.field == EntryField::Confirm));

    let outcome = move || {
        save.value().get().map(|r| match r {
            Ok(SaveOutcome::Saved { version, understood }) => view! {
                <p class="ok" role="status" id="entry-saved">
                    {format!("Saved as version {version}: {understood}.")}
                </p>
            }
                .into_any(),
            Ok(SaveOutcome::Conflict { current, understood }) => {
                let newer = current
                    .map(|c| {
                        format!(
                            "{} (version {}, {}{})",
                            c.display,
                            c.version,
                            c.source_kind,
                            c.entered_by.map(|w| format!(" by {w}")).unwrap_or_default()
                        )
                    })
                    .unwrap_or_else(|| "no value".into());
                view! {
                    <div class="conflict" role="alert" id="entry-conflict">
                        <p>{format!("Someone saved a newer value while you were editing: {newer}.")}</p>
                        <p>{format!("Your value ({understood}) was not saved; your input is kept below. Save again to replace the newer value.")}</p>
                    </div>
                }
                    .into_any()
            }
            Ok(SaveOutcome::Invalid { errors, .. }) => view! {
                <p class="error" role="alert">
                    {format!("Not saved: {} field(s) need attention.", errors.len())}
                </p>
            }
                .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };

    let history_link = move || {
        let m = Metric::parse(&metric.get()).ok()?;
        let p = FiscalPeriod::parse(&period.get()).ok()?;
        let href = history_href(&ticker.get(), m, p);
        Some(view! { <a href=href>"History of this number"</a> })
    };

    view! {
        <ActionForm action=save attr:id="entry-form" attr:class="entry-form" attr:data-ready=move || ready.get().to_string()>
            <label>
                "Company"
                <select name="ticker" on:change=move |ev| ticker.set(event_target_value(&ev))>
                    {companies
                        .into_iter()
                        .map(|c| {
                            let label = format!("{} — {} (fiscal year ends in month {})", c.ticker, c.name, c.fiscal_year_end_month);
                            let chosen = c.ticker == ticker.get_untracked();
                            view! { <option value=c.ticker.clone() selected=chosen>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            {error_for(EntryField::Ticker)}
            <label>
                "Period (fiscal)"
                <input type="text" name="period" placeholder="FY26 Q3, or FY26 for a full year" required
                    value=period.get_untracked()
                    on:input=move |ev| period.set(event_target_value(&ev))/>
            </label>
            {error_for(EntryField::Period)}
            <label>
                "Metric"
                <select name="metric" on:change=move |ev| metric.set(event_target_value(&ev))>
                    {Metric::ALL
                        .iter()
                        .map(|m| {
                            let chosen = m.key() == metric.get_untracked();
                            view! { <option value=m.key() selected=chosen>{m.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            {error_for(EntryField::Metric)}
            <label>
                "Value"
                <input type="text" name="value" placeholder="37B, 37,000M or 37000000000" required autocomplete="off"
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
            <p class="hint" id="entry-understood" aria-live="polite">{understood}</p>
            {error_for(EntryField::Value)}
            <label>
                "Source URL"
                <input type="url" name="source_url" placeholder="https://…" required/>
            </label>
            {error_for(EntryField::SourceUrl)}
            <label>
                "Note"
                <textarea name="note" maxlength="2000" rows="3"></textarea>
            </label>
            {error_for(EntryField::Note)}
            // The resources read here and in the preview refetch as the
            // analyst types. Read under the page's <Suspense>, each refetch
            // would swap the form out for the fallback and back, taking the
            // focus (and the next keystrokes) away from the field being typed
            // in; a <Transition> of their own keeps the form in place.
            <Transition fallback=|| ()>
            <p class="current" id="entry-current">
                {move || match current.get() {
                    Some(Ok(Some(c))) => format!(
                        "Current value: {} (version {}, known {}, {}{})",
                        c.display,
                        c.version,
                        c.known_at,
                        c.source_kind,
                        c.entered_by.map(|w| format!(" by {w}")).unwrap_or_default()
                    ),
                    Some(Ok(None)) => "No value stored yet for this company, metric and period.".into(),
                    _ => String::new(),
                }}
                " "
                {history_link}
            </p>
            <input type="hidden" name="base_version" prop:value=base_version/>
            </Transition>
            <Show when=needs_confirm>
                {error_for(EntryField::Confirm)}
                <label class="confirm">
                    <input type="checkbox" name="confirm" value="true"/>
                    " I checked this unusual value; save it anyway."
                </label>
            </Show>
            {error_for(EntryField::BaseVersion)}
            <button type="submit" disabled=move || save.pending().get()>"Save"</button>
        </ActionForm>
        {outcome}
        <Transition fallback=|| ()>{preview_view}</Transition>
    }
}
