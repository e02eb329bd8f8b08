//! The company page's charts: the cash-conversion waterfall, capex against
//! depreciation, free cash flow history, and the depreciation wave with the
//! scenario sliders. Every chart is an SVG drawn with plotters where the
//! component renders, so the server sends it and the page is complete
//! without JavaScript; after hydration the sliders rerun the projection in
//! the browser with the same `domain` code.

use super::provenance::{point_title, InputSources};
use crate::api::company::CompanyPage;
use crate::chart::waterfall::{render_waterfall_svg, StepKind, WaterfallStep};
use crate::chart::{AxisUnit, ChartSpec};
use crate::components::{format_value, ChartFigure, WIDTH};
use crate::projection::{
    guidance_midpoint, project, scenario_series, wave_series, CapexChoice, Sliders, BLUE,
    VERMILLION,
};
use domain::analytics::{
    point_at, series, Alignment, Basis, CompanyFacts, DerivedMetric, Measure, Question,
    SeriesPoint, Signal,
};
use domain::{format, FiscalPeriod, Metric};
use leptos::prelude::*;

/// `TTM through 2026-03-31` (or the quarter's label when no date is known).
pub fn ttm_through(page: &CompanyPage) -> String {
    match (page.latest_end, page.latest) {
        (Some(end), _) => format!("TTM through {end}"),
        (None, Some(p)) => format!("TTM through {}", p.label()),
        (None, None) => "TTM".into(),
    }
}

/// One step of the waterfall with its provenance.
struct Step {
    label: &'static str,
    kind: StepKind,
    point: SeriesPoint,
    formula: String,
}

fn steps(facts: &CompanyFacts, at: FiscalPeriod) -> (Vec<Step>, Vec<String>) {
    let ttm = |m: Measure| point_at(facts, m, at, Basis::Ttm);
    let mut notes = Vec::new();
    let mut steps = vec![
        Step {
            label: "Operating cash flow",
            kind: StepKind::Start,
            point: ttm(Measure::Stored(Metric::OperatingCashFlow)),
            formula: "Sum of the last four quarters of operating cash flow".into(),
        },
        Step {
            label: "Capex",
            kind: StepKind::Subtract,
            point: ttm(Measure::Stored(Metric::Capex)),
            formula: "Sum of the last four quarters of purchases of property and equipment".into(),
        },
    ];
    if facts.nets_capex_proceeds {
        steps.push(Step {
            label: "Property sale proceeds",
            kind: StepKind::Add,
            point: ttm(Measure::Stored(Metric::CapexProceeds)),
            formula: "Sum of the last four quarters of proceeds from property and equipment sales and incentives".into(),
        });
    } else {
        notes.push(format!(
            "{} does not net proceeds from property sales in its free cash flow; they count as zero.",
            facts.ticker
        ));
    }
    steps.push(Step {
        label: "Free cash flow",
        kind: StepKind::Total,
        point: ttm(Measure::Derived(DerivedMetric::Fcf)),
        formula: format!("FCF = {}", DerivedMetric::Fcf.formula()),
    });
    steps.push(Step {
        label: "Lease principal",
        kind: StepKind::Subtract,
        point: ttm(Measure::Stored(Metric::FinanceLeasePrincipal)),
        formula: "Sum of the last four quarters of principal repayments of finance leases and financing obligations".into(),
    });
    steps.push(Step {
        label: "FCF after leases",
        kind: StepKind::Total,
        point: ttm(Measure::Derived(DerivedMetric::FcfAfterLeases)),
        formula: format!(
            "FCF after leases = {}",
            DerivedMetric::FcfAfterLeases.formula()
        ),
    });
    (steps, notes)
}

/// The cash-conversion waterfall (TTM through `at`) and its numbers as a
/// table, each value titled with its inputs and filings: static markup the
/// server renders (see `routes::company::Fragments`), from `facts` with
/// their sources.
#[component]
pub fn Waterfall(
    facts: std::sync::Arc<CompanyFacts>,
    at: FiscalPeriod,
    through: String,
) -> impl IntoView {
    let (steps, mut notes) = steps(&facts, at);
    let bars: Vec<WaterfallStep> = steps
        .iter()
        .map(|s| WaterfallStep {
            label: s.label.to_string(),
            kind: s.kind,
            value: s.point.value.filter(|_| s.point.is_complete()),
            text: if s.point.is_complete() {
                s.point
                    .exact
                    .map(format::usd)
                    .unwrap_or_else(|| format::MISSING.into())
            } else {
                format::MISSING.into()
            },
        })
        .collect();
    if bars.iter().any(|b| b.value.is_none()) {
        notes.push(
            "n/a: an input is missing (see the table); missing is never counted as zero.".into(),
        );
    }
    let svg = render_waterfall_svg(
        &format!("Cash conversion, {through} ({})", at.label()),
        &bars,
        &notes,
        WIDTH,
        420,
    );
    let rows = steps
        .into_iter()
        .map(|s| {
            let title = point_title(&s.point, &s.formula, InputSources::FactsTable);
            let complete = s.point.is_complete();
            let text = if complete {
                s.point.exact.map(format::usd).unwrap_or_else(|| format::MISSING.into())
            } else {
                format::MISSING.into()
            };
            let negative = s.point.exact.is_some_and(|d| d.is_sign_negative());
            let class = match (complete, negative) {
                (false, _) => "missing",
                (true, true) => "figure computed negative",
                (true, false) => "figure computed",
            };
            let sign = match s.kind {
                StepKind::Subtract => "−",
                StepKind::Add => "+",
                StepKind::Start => "",
                StepKind::Total => "=",
            };
            let why = s
                .point
                .missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            view! {
                <tr data-step=s.label>
                    <th scope="row">{sign} " " {s.label}</th>
                    <td class="num">
                        <span class=class title=title>
                            {text}
                        </span>
                    </td>
                    <td class="why">{if why.is_empty() { String::new() } else { format!("Missing: {why}") }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart waterfall" data-chart="waterfall">
            <div class="chart-canvas static" role="img" aria-label=format!("Cash conversion waterfall, {through}") inner_html=svg></div>
            <figcaption>"Operating cash flow, less capex, plus proceeds where the company nets them, is free cash flow; less finance-lease principal, FCF after leases. USD, " {through.clone()} ". Hover a value for its inputs and filings."</figcaption>
        </figure>
        <table class="facts waterfall-table">
            <thead><tr><th scope="col">"Step"</th><th scope="col" class="num">{through}</th><th scope="col">"Note"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Capex against depreciation, and free cash flow (quarterly and TTM).
#[component]
pub fn HistoryCharts(page: CompanyPage) -> impl IntoView {
    let facts = &page.analytics;
    let quarterly = |m: Measure| series(facts, m, Basis::Quarterly, Alignment::Fiscal);
    let mut capex = quarterly(Measure::Stored(Metric::Capex));
    capex.label = "Capex".into();
    let mut dep = quarterly(Measure::Stored(Metric::DepreciationAmortization));
    dep.label = "Depreciation and amortization".into();
    let capex_spec = ChartSpec {
        styles: vec![
            (BLUE.to_string(), crate::chart::Dash::Solid),
            (VERMILLION.to_string(), crate::chart::Dash::Solid),
        ],
        ..ChartSpec::new(
            format!("{}: capex vs depreciation, quarterly", page.ticker),
            AxisUnit::UsdBillions,
        )
    };
    let fcf = Measure::Derived(DerivedMetric::Fcf);
    let mut fcf_q = quarterly(fcf);
    fcf_q.label = "Free cash flow, quarterly".into();
    let mut fcf_ttm = series(facts, fcf, Basis::Ttm, Alignment::Fiscal);
    fcf_ttm.label = "Free cash flow, TTM".into();
    let fcf_spec = ChartSpec {
        styles: vec![
            (
                crate::projection::GREEN.to_string(),
                crate::chart::Dash::Solid,
            ),
            (BLUE.to_string(), crate::chart::Dash::Solid),
        ],
        ..ChartSpec::new(
            format!("{}: free cash flow", page.ticker),
            AxisUnit::UsdBillions,
        )
    };
    view! {
        <section aria-labelledby="capex-dep">
            <h2 id="capex-dep">"Capex vs depreciation"</h2>
            <p class="section-lede">"Capex above depreciation means the asset base, and tomorrow's depreciation, is growing."</p>
            <ChartFigure series=vec![capex, dep] spec=capex_spec name="capex-vs-depreciation" height=400/>
        </section>
        <section aria-labelledby="fcf-history">
            <h2 id="fcf-history">"Free cash flow history"</h2>
            <ChartFigure
                series=vec![fcf_q, fcf_ttm]
                spec=fcf_spec
                name="fcf-history"
                height=400
                caption=format!("FCF = {}.", DerivedMetric::Fcf.formula())
            />
        </section>
    }
}

fn signal_badge(signal: Signal) -> &'static str {
    signal.css_class()
}

fn short_question(q: Question) -> &'static str {
    match q {
        Question::AiRevenueVsCapex => "AI rev. vs capex",
        Question::CloudUtilization => "Utilization",
        Question::InferenceCost => "Inference cost",
        Question::DurableContracts => "Contracts",
    }
}

/// The depreciation wave and the scenario, with sliders. The initial values
/// come from the page's query (so the scenario works as a plain GET form
/// without JavaScript); after hydration each change reruns the projection in
/// the browser.
#[component]
pub fn WaveAndScenario(page: CompanyPage, initial: Sliders) -> impl IntoView {
    let facts = page.analytics.clone();
    let thresholds = page.thresholds.clone();
    let guidance = guidance_midpoint(&facts);
    let guidance_amount = guidance.as_ref().map(|(d, _)| *d);
    let sliders = RwSignal::new(initial);
    let ticker = page.ticker.clone();

    let projection = {
        let facts = facts.clone();
        Memo::new(move |_| {
            let s = sliders.get();
            project(&facts, &s.params(guidance_amount), &thresholds)
        })
    };

    let set = move |f: fn(&mut Sliders, f64)| {
        move |ev: leptos::ev::Event| {
            if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                sliders.update(|s| f(s, v));
            }
        }
    };
    let slider = move |name: &'static str,
                       label: &'static str,
                       min: &'static str,
                       max: &'static str,
                       step: &'static str,
                       get: fn(&Sliders) -> f64,
                       put: fn(&mut Sliders, f64),
                       unit: &'static str| {
        let id = format!("slider-{name}");
        view! {
            <div class="slider">
                <label for=id.clone()>{label}</label>
                <input
                    type="range"
                    id=id
                    name=name
                    min=min
                    max=max
                    step=step
                    value=get(&initial).to_string()
                    prop:value=move || get(&sliders.get()).to_string()
                    on:input=set(put)
                />
                <output>{move || format!("{}{unit}", get(&sliders.get()))}</output>
            </div>
        }
    };

    let guidance_text = guidance
        .as_ref()
        .map(|(d, fy)| format!("Guidance ({fy} midpoint {})", format::usd(*d)))
        .unwrap_or_else(|| "Guidance (none entered)".into());
    let has_guidance = guidance.is_some();
    let action = format!("/company/{ticker}");

    let wave_view = {
        let ticker = ticker.clone();
        move || {
            let p = projection.get();
            let (series, styles) = wave_series(&p);
            let fit = &p.wave.fit;
            let share = fit
                .short_share
                .map(|s| format!("{:.0}%", s * 100.0))
                .unwrap_or_else(|| format::MISSING.into());
            let fit_text =
                match (fit.rmse, fit.relative_rmse) {
                    (Some(r), Some(rel)) => format!(
                    "fit error (RMSE) {} a quarter, {:.1}% of mean reported D&A, over {} quarters",
                    rust_decimal::Decimal::try_from(r).map(format::usd).unwrap_or_default(),
                    rel * 100.0,
                    fit.fit_quarters
                ),
                    _ => "fit error not available".into(),
                };
            let assumptions = format!(
                "Short-lived share {share} ({}; {fit_text}); servers and network over {} years, the rest over {} years; depreciation starts {} quarter(s) after spending.",
                if fit.fitted { "fitted to reported D&A" } else { "given" },
                p.wave.params.short_life_years,
                p.wave.params.long_life_years,
                p.wave.params.lag_quarters,
            );
            let burden = p
                .wave
                .points
                .iter()
                .rev()
                .find(|pt| pt.projected)
                .and_then(|pt| Some((pt.label.clone(), pt.depreciation_burden?)));
            let spec = ChartSpec {
                styles,
                ..ChartSpec::new(
                    format!("{ticker}: depreciation wave, quarterly"),
                    AxisUnit::UsdBillions,
                )
            };
            let missing = p
                .wave
                .missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>();
            view! {
                <ChartFigure series spec name="depreciation-wave" height=420 caption="Dashed: projected."/>
                <ul class="assumptions" data-fit-share=share.clone()>
                    <li>{assumptions}</li>
                    {burden.map(|(label, b)| view! { <li>{format!("Projected depreciation burden (TTM D&A / TTM revenue) at {label}: {}.", format::percent(b))}</li> })}
                    <li>{p.wave.revenue_assumption.clone()}</li>
                    {p.wave.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}
                    {missing.into_iter().map(|m| view! { <li class="missing-inputs">{format!("Not available: {m}")}</li> }).collect_view()}
                </ul>
            }
        }
    };

    let scenario_view = {
        let facts = facts.clone();
        let ticker = ticker.clone();
        move || {
            let p = projection.get();
            let sc = &p.scenario;
            let (series, styles) = scenario_series(&facts, sc);
            let spec = ChartSpec {
                styles,
                ..ChartSpec::new(
                    format!("{ticker}: free cash flow, TTM, with the scenario"),
                    AxisUnit::UsdBillions,
                )
            };
            let rows = sc
                .quarters
                .iter()
                .map(|q| {
                    let usd = format::usd_opt;
                    let ttm = format_value(domain::analytics::Unit::Usd, q.fcf_ttm.value, q.fcf_ttm.exact);
                    let signals = q
                        .answers
                        .iter()
                        .map(|a| view! { <span class=signal_badge(a.signal) title=format!("{}: {}", a.question.text(), a.sentence)>{a.signal.label()}</span> })
                        .collect_view();
                    view! {
                        <tr data-quarter=q.label.clone()>
                            <th scope="row">{q.label.clone()}</th>
                            <td class="num">{usd(q.revenue)}</td>
                            <td class="num">{usd(q.operating_cash_flow)}</td>
                            <td class="num">{usd(q.capex)}</td>
                            <td class="num">{usd(q.depreciation)}</td>
                            <td class="num fcf-ttm">{ttm}</td>
                            <td class="signals">{signals}</td>
                        </tr>
                    }
                })
                .collect_view();
            let missing = sc
                .missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>();
            let headers = Question::ALL
                .iter()
                .map(|q| short_question(*q))
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <ChartFigure series spec name="scenario" height=400 caption="Projected quarters mix reported and projected figures in their TTM sums."/>
                {(!missing.is_empty()).then(|| view! { <p class="missing-inputs">"Scenario not available: " {missing.join("; ")}</p> })}
                <div class="table-scroll">
                    <table class="facts scenario-table">
                        <caption>"Projected quarters (scenario, not reported)"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Quarter"</th>
                                <th scope="col" class="num">"Revenue"</th>
                                <th scope="col" class="num">"Operating cash flow"</th>
                                <th scope="col" class="num">"Capex"</th>
                                <th scope="col" class="num">"Depreciation"</th>
                                <th scope="col" class="num">"FCF, TTM"</th>
                                <th scope="col">{format!("Signals ({headers})")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <details class="assumptions-list">
                    <summary>"Scenario assumptions"</summary>
                    <ul>{sc.assumptions.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}</ul>
                </details>
            }
        }
    };

    view! {
        <section aria-labelledby="wave" class="wave">
            <h2 id="wave">"Depreciation wave and scenarios"</h2>
            <p class="section-lede">
                "Capex today is depreciation tomorrow. Move the sliders: the projection reruns in your browser."
            </p>
            <form class="scenario-controls" method="get" action=action>
                {slider("decline", "Unit inference cost decline, % a year", "0", "90", "5", |s| s.decline_pct, |s, v| s.decline_pct = v, "%")}
                {slider("ai_growth", "AI revenue growth, % a year", "-50", "200", "5", |s| s.ai_growth_pct, |s, v| s.ai_growth_pct = v, "%")}
                {slider("life", "Server useful life, years", "3", "8", "0.5", |s| s.life_years, |s, v| s.life_years = v, " years")}
                <div class="slider">
                    <label for="capex-path">"Capex path"</label>
                    <select id="capex-path" name="capex" on:change=move |ev| {
                        let v = CapexChoice::parse(&event_target_value(&ev));
                        sliders.update(|s| s.path = v);
                    }>
                        <option value="flat" selected=initial.path == CapexChoice::Flat>"Flat (latest quarter)"</option>
                        <option value="growth" selected=initial.path == CapexChoice::Growth>"Growth rate"</option>
                        <option value="guidance" selected=initial.path == CapexChoice::Guidance disabled=!has_guidance>{guidance_text}</option>
                    </select>
                </div>
                {slider("capex_growth", "Capex growth (growth path), % a year", "-50", "100", "5", |s| s.capex_growth_pct, |s, v| s.capex_growth_pct = v, "%")}
                <button type="submit" class="apply">"Apply"</button>
            </form>
            <div class="wave-chart">{wave_view}</div>
            <h3>"Scenario: free cash flow and the scorecard, 8 quarters ahead"</h3>
            <div class="scenario-chart">{scenario_view}</div>
        </section>
    }
}
