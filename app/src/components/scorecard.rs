use super::value::format_value;
use domain::analytics::{Answer, HeadlineFigure, QuestionHistory, Scorecard, Signal, Trend};
use leptos::prelude::*;

/// The four answers, their eight-quarter history and the cash-conversion headline.
#[component]
pub fn ScorecardView(scorecard: Scorecard) -> impl IntoView {
    let answers = scorecard.answers.clone();
    let headline = scorecard.headline.clone();
    let history = scorecard.history.clone();
    let ticker = scorecard.ticker.clone();
    let t = ticker.clone();
    view! {
        <section class="scorecard" aria-label="Scorecard">
            <h2>"Scorecard, " {scorecard.label.clone()}</h2>
            <div class="answers">
                {answers.into_iter().map(|a| view! { <AnswerCard answer=a ticker=t.clone()/> }).collect_view()}
            </div>
            <HistoryStrip history=history ticker=ticker/>
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
                                            let sentence = a.sentence.clone();
                                            view! {
                                                <td data-quarter=quarter data-signal=format!("{signal:?}")>
                                                    <details class="history-cell">
                                                        <summary class=signal.css_class() title=sentence>{short_label(signal)}</summary>
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

/// One input as a line: metric, quarter, value and its source in words.
fn input_line(i: &domain::analytics::InputRef) -> String {
    format!(
        "{} {}: {} ({})",
        i.metric.key(),
        i.period.label(),
        domain::format::usd(i.value),
        i.provenance.label
    )
}

/// The numbers of an answer: step, proxy, figures, what is missing (linked to
/// the coverage map) and the inputs with their sources.
#[component]
fn AnswerDetail(answer: Answer, ticker: String) -> impl IntoView {
    let missing: Vec<String> = answer.missing.iter().map(ToString::to_string).collect();
    let inputs: Vec<(String, Option<String>)> = answer
        .inputs
        .iter()
        .map(|i| (input_line(i), i.provenance.url.clone()))
        .collect();
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
        {(!inputs.is_empty())
            .then(|| {
                view! {
                    <details class="inputs">
                        <summary>"Inputs (" {inputs.len()} ")"</summary>
                        <ul>{inputs.into_iter().map(|(text, url)| match url {
                            Some(u) => view! { <li><a href=u rel="external">{text}</a></li> }.into_any(),
                            None => view! { <li>{text}</li> }.into_any(),
                        }).collect_view()}</ul>
                    </details>
                }
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
    let title_now = super::provenance::point_title(&figure.current, &formula);
    let title_before = super::provenance::point_title(&figure.year_ago, &formula);
    view! {
        <tr>
            <th scope="row">{figure.measure.label()}</th>
            <td class="num" title=title_now>{now}</td>
            <td class="num" title=title_before>{before}</td>
            <td>{trend}</td>
        </tr>
    }
}
