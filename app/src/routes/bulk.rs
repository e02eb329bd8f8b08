use crate::api::bulk::{BulkCommit, BulkDiff, BulkOutcome, BulkPreview, BulkStatus, MAX_LINES};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/enter/bulk`: many figures at once from CSV; a dry run first, then one
/// commit (analysts only; the server functions check the role).
#[component]
pub fn BulkEntry() -> impl IntoView {
    let check = ServerAction::<BulkPreview>::new();
    let commit = ServerAction::<BulkCommit>::new();
    // `data-ready` once the form is interactive (effects run in the browser only).
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let csv = RwSignal::new(String::new());

    let diff_view = move || {
        let committed = commit.value().get();
        if let Some(Ok(BulkOutcome::Saved { saved })) = committed {
            return view! {
                <p class="ok" role="status" id="bulk-saved">
                    {format!("Saved {saved} figure(s) in one transaction.")}
                </p>
            }
            .into_any();
        }
        if let Some(Ok(BulkOutcome::Refused { message, diff })) = committed {
            return view! {
                <p class="error" role="alert" id="bulk-refused">{message}</p>
                <DiffTable diff/>
            }
            .into_any();
        }
        if let Some(Err(e)) = committed {
            return view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any();
        }
        match check.value().get() {
            Some(Ok(diff)) => {
                let can_commit = diff.rejected == 0 && diff.new + diff.changed > 0;
                let digest = diff.digest.clone();
                view! {
                    <DiffTable diff/>
                    {if can_commit {
                        view! {
                            <ActionForm action=commit attr:id="bulk-commit">
                                <input type="hidden" name="csv" prop:value=move || csv.get()/>
                                <input type="hidden" name="digest" value=digest/>
                                <button type="submit" disabled=move || commit.pending().get()>
                                    "Commit these figures"
                                </button>
                            </ActionForm>
                        }
                            .into_any()
                    } else {
                        view! { <p class="hint">"Nothing can be committed: fix the rejected lines, or there is nothing new."</p> }
                            .into_any()
                    }}
                }
                .into_any()
            }
            Some(Err(e)) => {
                view! { <p class="error" role="alert" id="bulk-error">{e.to_string()}</p> }
                    .into_any()
            }
            None => ().into_any(),
        }
    };

    view! {
        <Title text="Enter figures from CSV"/>
        <section class="entry bulk">
            <h1>"Enter figures from CSV"</h1>
            <p>
                "Paste up to " {MAX_LINES} " lines with the header "
                <code>"ticker,period,metric,value,source_url,note"</code>
                ". Each line is checked like the entry form; nothing is saved until you commit, "
                "and a commit saves all lines or none."
            </p>
            <ActionForm action=check attr:id="bulk-form" attr:data-ready=move || ready.get().to_string()>
                <label>
                    "CSV"
                    <textarea name="csv" rows="12" required spellcheck="false"
                        placeholder="ticker,period,metric,value,source_url,note\nMSFT,FY26 Q1,capex,19.4B,https://www.microsoft.com/en-us/investor,"
                        on:input=move |ev| {
                            csv.set(event_target_value(&ev));
                            commit.value().set(None);
                        }></textarea>
                </label>
                <button type="submit" disabled=move || check.pending().get()>"Check"</button>
            </ActionForm>
            {diff_view}
            <p><a href="/enter">"Enter one figure"</a></p>
        </section>
    }
}

#[component]
fn DiffTable(diff: BulkDiff) -> impl IntoView {
    let summary = format!(
        "{} new, {} changed, {} unchanged, {} rejected.",
        diff.new, diff.changed, diff.unchanged, diff.rejected
    );
    view! {
        <p id="bulk-summary" role="status">{summary}</p>
        <table class="history bulk-diff" id="bulk-diff">
            <thead>
                <tr>
                    <th scope="col">"Line"</th>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Stored now"</th>
                    <th scope="col">"In the file"</th>
                    <th scope="col">"Reasons"</th>
                </tr>
            </thead>
            <tbody>
                {diff
                    .lines
                    .into_iter()
                    .map(|l| {
                        let status = match l.status {
                            BulkStatus::New => "new",
                            BulkStatus::Changed => "changed",
                            BulkStatus::Unchanged => "unchanged",
                            BulkStatus::Rejected => "rejected",
                        };
                        view! {
                            <tr class=format!("bulk-{status}") data-line=l.line>
                                <td>{l.line}</td>
                                <td>{format!("{} {} {}", l.ticker, l.metric, l.period)}</td>
                                <td>{status}</td>
                                <td>{l.previous.unwrap_or_default()}</td>
                                <td>{l.value.unwrap_or_default()}</td>
                                <td>{l.reasons.join(" ")}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
