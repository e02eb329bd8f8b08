use super::value::format_value;
use domain::analytics::{Answer, HeadlineFigure, Scorecard, Signal, Trend};
use leptos::prelude::*;

fn signal_class(signal: Signal) -> &'static str {
    match signal {
        Signal::Healthy => "signal healthy",
        Signal::Watch => "signal watch",
        Signal::Stress => "signal stress",
        Signal::InsufficientData => "signal insufficient",
    }
}

/// The four answers and the cash-conversion headline.
#[component]
pub fn ScorecardView(scorecard: Scorecard) -> impl IntoView {
    let answers = scorecard.answers.clone();
    let headline = scorecard.headline.clone();
    view! {
        <section class="scorecard" aria-label="Scorecard">
            <h2>"Scorecard, " {scorecard.label.clone()}</h2>
            <div class="answers">
                {answers.into_iter().map(|a| view! { <AnswerCard answer=a/> }).collect_view()}
            </div>
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

#[component]
fn AnswerCard(answer: Answer) -> impl IntoView {
    let class = signal_class(answer.signal);
    let missing: Vec<String> = answer.missing.iter().map(ToString::to_string).collect();
    let inputs: Vec<String> = answer
        .inputs
        .iter()
        .map(|i| {
            format!(
                "{} {}: {} ({})",
                i.metric.key(),
                i.period.label(),
                domain::format::usd(i.value),
                i.provenance.label
            )
        })
        .collect();
    view! {
        <article class="answer" data-question=format!("{:?}", answer.question)>
            <header>
                <h3>{answer.question.text()}</h3>
                <span class=class>{answer.signal.label()}</span>
            </header>
            <p class="sentence">{answer.sentence.clone()}</p>
            {answer.proxy.clone().map(|p| view! { <p class="proxy">"Proxy: " {p}</p> })}
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
            {(!missing.is_empty()).then(|| view! { <p class="missing-inputs">"Missing: " {missing.join("; ")}</p> })}
            {(!inputs.is_empty())
                .then(|| {
                    view! {
                        <details class="inputs">
                            <summary>"Inputs (" {inputs.len()} ")"</summary>
                            <ul>{inputs.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                        </details>
                    }
                })}
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
