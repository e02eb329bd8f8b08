use super::value::format_value;
use domain::analytics::{
    Answer, HeadlineFigure, InputRef, QuestionHistory, Scorecard, Signal, Trend,
};
use domain::Metric;
use leptos::prelude::*;

/// The four answers, their eight-quarter history and the cash-conversion
/// headline. `tabled` are the stored versions the page's quarterly facts
/// table shows (each cell anchored by [`source_anchor`]): inputs among them
/// link to their cell, the others to the sources list under the history.
#[component]
pub fn ScorecardView(
    scorecard: Scorecard,
    #[prop(optional)] tabled: std::collections::BTreeSet<i64>,
) -> impl IntoView {
    let answers = scorecard.answers.clone();
    let headline = scorecard.headline.clone();
    let history = scorecard.history.clone();
    let sources: Vec<InputRef> = sources(&scorecard)
        .into_iter()
        .filter(|i| !tabled.contains(&i.provenance.fact_id))
        .collect();
    let ticker = scorecard.ticker.clone();
    let t = ticker.clone();
    view! {
        <section class="scorecard" aria-label="Scorecard">
            <h2>"Scorecard, " {scorecard.label.clone()}</h2>
            <div class="answers">
                {answers.into_iter().map(|a| view! { <AnswerCard answer=a ticker=t.clone()/> }).collect_view()}
            </div>
            <HistoryStrip history=history ticker=ticker/>
            <Sources inputs=sources/>
        </section>
        <section class="headline" aria-label="Cash conversion">
            <h2>"Cash conversion"</h2>
            <table class="facts headline-table">
                <thead>
                    <tr>
                        <th scope="col">"Measure"</th>
                        <th scope="col">"Now"</th>
                        <th scope="col">"A year earlier"</th>
                        <th scope="col">"Trend"</th>
                    </tr>
                </thead>
                <tbody>{headline.into_iter().map(|h| view! { <HeadlineRow figure=h/> }).collect_view()}</tbody>
            </table>
        </section>
    }
}

/// `Healthy`, `Watch`, `Stress`, `N/A`, `Insufficient`: a history cell's badge.
fn short_label(signal: Signal) -> &'static str {
    match signal {
        Signal::NotApplicable => "N/A",
        Signal::InsufficientData => "Insufficient",
        s => s.label(),
    }
}

fn short_question(q: domain::analytics::Question) -> &'static str {
    use domain::analytics::Question as Q;
    match q {
        Q::AiRevenueVsCapex => "1. AI revenue vs capex",
        Q::CloudUtilization => "2. Utilization",
        Q::InferenceCost => "3. Inference cost",
        Q::DurableContracts => "4. Durable contracts",
    }
}

/// The eight-quarter history at a glance: one row of signals per question,
/// each cell opening its numbers and inputs (a `<details>`, so it works
/// before and without hydration).
#[component]
fn HistoryStrip(history: Vec<QuestionHistory>, ticker: String) -> impl IntoView {
    let quarters: Vec<String> = history
        .first()
        .map(|h| h.answers.iter().map(|a| a.label.clone()).collect())
        .unwrap_or_default();
    view! {
        <section class="history-strip" aria-label="Scorecard history">
            <h3>"The four answers over the last eight quarters"</h3>
            <table class="history-strip">
                <thead>
                    <tr>
                        <th scope="col">"Question"</th>
                        {quarters.into_iter().map(|q| view! { <th scope="col">{q}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {history
                        .into_iter()
                        .map(|h| {
                            let ticker = ticker.clone();
                            view! {
                                <tr data-question=h.question.as_str()>
                                    <th scope="row" title=h.question.text()>{short_question(h.question)}</th>
                                    {h
                                        .answers
                                        .into_iter()
                                        .map(|a| {
                                            let ticker = ticker.clone();
                                            let quarter = a.label.clone();
                                            let signal = a.signal;
                                            view! {
                                                <td data-quarter=quarter data-signal=format!("{signal:?}")>
                                                    <details class="history-cell">
                                                        <summary class=signal.css_class()>{short_label(signal)}</summary>
                                                        <div class="history-cell-body">
                                                            <AnswerDetail answer=a ticker=ticker/>
                                                        </div>
                                                    </details>
                                                </td>
                                            }
                                        })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// Every distinct input of the scorecard (its answers and their history),
/// sorted by metric and period: each figure's value and source, listed once.
fn sources(scorecard: &Scorecard) -> Vec<InputRef> {
    let mut all: Vec<InputRef> = scorecard
        .answers
        .iter()
        .chain(scorecard.history.iter().flat_map(|h| &h.answers))
        .flat_map(|a| a.inputs.iter().cloned())
        .collect();
    all.sort_by_key(|i| (i.metric, i.period, i.provenance.fact_id));
    all.dedup_by_key(|i| i.provenance.fact_id);
    all
}

/// The anchor of stored version `fact_id` on the company page: its cell in
/// the quarterly facts table, or its line in [`Sources`].
pub fn source_anchor(fact_id: i64) -> String {
    format!("src-{fact_id}")
}

/// The scorecard's sources outside the facts table: one line per input
/// figure, its value and the filing (or entry) it comes from, linked. Each
/// answer's inputs point here or to the table rather than repeat them: 36
/// answers share most of their inputs.
#[component]
fn Sources(inputs: Vec<InputRef>) -> impl IntoView {
    if inputs.is_empty() {
        return None;
    }
    Some(view! {
        <details class="sources" id="scorecard-sources">
            <summary>"Sources of the figures the quarterly facts table does not show (" {inputs.len()} ")"</summary>
            <ul>
                {inputs
                    .into_iter()
                    .map(|i| {
                        let text = format!("{} {}: {}", i.metric.key(), i.period.label(), domain::format::usd(i.value));
                        let figure = match i.provenance.url.clone() {
                            Some(u) => view! { <a href=u rel="external">{text}</a> }.into_any(),
                            None => view! { <span>{text}</span> }.into_any(),
                        };
                        view! { <li id=source_anchor(i.provenance.fact_id)>{figure} " · " {i.provenance.label.clone()}</li> }
                    })
                    .collect_view()}
            </ul>
        </details>
    })
}

/// An answer's inputs in a few words: per metric, its quarters as runs
/// (`revenue FY23 Q3 – FY25 Q2`), each run linking to its first quarter's
/// source ([`source_anchor`]). The links carry `target="_self"` so the router leaves them
/// to the browser, whose fragment navigation opens the closed list (the
/// router's own scroll cannot reach into a closed `<details>`).
fn input_runs(inputs: &[InputRef]) -> Vec<(String, String)> {
    let mut sorted: Vec<&InputRef> = inputs.iter().collect();
    sorted.sort_by_key(|i| (i.metric, i.period));
    let mut runs: Vec<(Metric, Vec<&InputRef>)> = Vec::new();
    for i in sorted {
        match runs.last_mut() {
            Some((m, run))
                if *m == i.metric
                    && run.last().is_some_and(|p| {
                        !p.period.is_full_year()
                            && !i.period.is_full_year()
                            && i.period.previous() == p.period
                    }) =>
            {
                run.push(i)
            }
            _ => runs.push((i.metric, vec![i])),
        }
    }
    runs.into_iter()
        .filter_map(|(metric, run)| {
            let (first, last) = (run.first()?, run.last()?);
            let text = if run.len() == 1 {
                format!("{} {}", metric.key(), first.period.label())
            } else {
                format!(
                    "{} {} – {} ({} quarters)",
                    metric.key(),
                    first.period.label(),
                    last.period.label(),
                    run.len()
                )
            };
            Some((
                text,
                format!("#{}", source_anchor(first.provenance.fact_id)),
            ))
        })
        .collect()
}

/// The numbers of an answer: step, proxy, figures, what is missing (linked to
/// the coverage map) and its inputs, linked to their sources.
#[component]
fn AnswerDetail(answer: Answer, ticker: String) -> impl IntoView {
    let missing: Vec<String> = answer.missing.iter().map(ToString::to_string).collect();
    let inputs = input_runs(&answer.inputs);
    let count = answer.inputs.len();
    let first_gap = answer.missing.iter().find_map(|m| match m {
        domain::analytics::Missing::Fact { metric, .. } => Some(metric.key()),
        _ => None,
    });
    let coverage = match first_gap {
        Some(metric) => format!("/coverage?tickers={ticker}#cov-{ticker}-{metric}"),
        None => format!("/coverage?tickers={ticker}"),
    };
    view! {
        <p class="sentence">{answer.sentence.clone()}</p>
        {answer.step.as_ref().map(|s| view! { <p class="step">{s.label()}</p> })}
        {answer.source_url.clone().map(|u| view! { <p class="na-source"><a href=u rel="external">"Source of this setting"</a></p> })}
        {answer.proxy.clone().map(|p| view! { <p class="proxy">"Proxy: " {p}</p> })}
        {(!answer.notes.is_empty()).then(|| view! { <ul class="notes">{answer.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul> })}
        <dl class="figures">
            {answer
                .figures
                .iter()
                .map(|f| {
                    let text = format_value(f.unit, f.value, f.exact);
                    view! {
                        <dt>{f.name.clone()}</dt>
                        <dd>{text}</dd>
                    }
                })
                .collect_view()}
        </dl>
        {(!missing.is_empty()).then(|| view! {
            <p class="missing-inputs">"Missing: " {missing.join("; ")} " · "
                <a href=coverage>"see the coverage map"</a>
            </p>
        })}
        {(!inputs.is_empty()).then(|| view! {
            <p class="inputs">"Inputs (" {count} "): "
                {inputs
                    .into_iter()
                    .enumerate()
                    .map(|(n, (text, href))| view! { {(n > 0).then_some(", ")}<a href=href target="_self">{text}</a> })
                    .collect_view()}
            </p>
        })}
    }
}

#[component]
fn AnswerCard(answer: Answer, ticker: String) -> impl IntoView {
    let class = answer.signal.css_class();
    let as_of = answer.as_of_note();
    let label = answer.label.clone();
    let question = answer.question;
    let signal = answer.signal;
    view! {
        <article class="answer" data-question=question.as_str() data-quarter=label>
            <header>
                <h3>{question.text()}</h3>
                <span class=class>{signal.label()}</span>
            </header>
            {as_of.map(|n| view! { <p class="as-of">{n}</p> })}
            <AnswerDetail answer=answer ticker=ticker/>
        </article>
    }
}

#[component]
fn HeadlineRow(figure: HeadlineFigure) -> impl IntoView {
    let now = format_value(figure.unit, figure.current.value, figure.current.exact);
    let before = format_value(figure.unit, figure.year_ago.value, figure.year_ago.exact);
    let trend = match figure.trend {
        Trend::Up => "▲ up",
        Trend::Down => "▼ down",
        Trend::Flat => "flat",
        Trend::Unknown => "n/a",
    };
    let formula = match figure.measure {
        domain::analytics::Measure::Derived(d) => format!("{} = {}, TTM", d.label(), d.formula()),
        domain::analytics::Measure::Stored(m) => {
            format!("{}, TTM: sum of the last four quarters", m.label())
        }
    };
    use super::provenance::InputSources;
    let title_now =
        super::provenance::point_title(&figure.current, &formula, InputSources::FactsTable);
    let title_before =
        super::provenance::point_title(&figure.year_ago, &formula, InputSources::FactsTable);
    view! {
        <tr>
            <th scope="row">{figure.measure.label()}</th>
            <td class="num" title=title_now>{now}</td>
            <td class="num" title=title_before>{before}</td>
            <td>{trend}</td>
        </tr>
    }
}
