use crate::api::methodology::get_thresholds;
use domain::analytics::{DerivedMetric, Thresholds};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// `/methodology`: definitions and the thresholds in force.
#[component]
pub fn Methodology() -> impl IntoView {
    let thresholds = Resource::new(|| (), |_| get_thresholds());
    view! {
        <Title text="Methodology"/>
        <Meta name="description" content="How Capex Lens computes free cash flow, cash conversion and the four-question AI infrastructure scorecard, with the thresholds in force."/>
        <h1>"Methodology"</h1>
        <p class="methodology-version">"Version 2 (December 2026): each question falls back step by step to the best input a company reports and names the step; Not applicable is set per company with a reason and a source; answers are computed for every quarter and shown for the last eight."</p>
        <section>
            <h2>"Periods"</h2>
            <p>"10-Q cash-flow statements are year-to-date; discrete quarters are derived: Q2 = 6M − 3M, Q3 = 9M − 6M, Q4 = FY − 9M, and marked as derived with their inputs. Periods carry the company's fiscal label (FY26 Q3); for comparisons a fiscal quarter belongs to the calendar quarter containing its midpoint (CY26 Q1). TTM is the sum of the last four discrete quarters and exists only when all four do. YoY growth compares TTM values four quarters apart."</p>
        </section>
        <section>
            <h2>"Derived metrics"</h2>
            <table class="facts">
                <thead><tr><th scope="col">"Metric"</th><th scope="col">"Key"</th><th scope="col">"Formula"</th></tr></thead>
                <tbody>
                    {DerivedMetric::ALL
                        .iter()
                        .map(|m| view! { <tr><th scope="row">{m.label()}</th><td><code>{m.key()}</code></td><td>{m.formula()}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
            <p>"A ratio with a zero or missing denominator is not available (n/a), never infinity, zero or a guess."</p>
        </section>
        <section>
            <h2>"Scorecard: fallbacks, Not applicable and history"</h2>
            <ol class="fallbacks">
                <li>"AI revenue vs capex. AI revenue is, first that exists at both dates: (1) the disclosed AI revenue run-rate, four quarters back, else the nearest disclosure 3 to 6 quarters back with the growth annualised over the actual gap; (2) TTM cloud revenue (proxy); (3) TTM total revenue (proxy, for companies without a cloud segment)."</li>
                <li>"Utilization. Asset turnover on (1) cloud revenue over average net PP&E, (2) total revenue over average net PP&E, (3) cloud revenue over average gross PP&E, (4) total revenue over average gross PP&E (gross labelled as a stand-in)."</li>
                <li>"Inference cost. (1) The analyst series of unit inference cost; (2) the proxy on depreciation burden and cost of revenue / revenue; (3) the proxy on whichever of the two is reported (Healthy: falling or flat; Watch: rising up to the stress threshold; Stress: rising more), saying so."</li>
                <li>"Durable contracts. RPO growth against TTM revenue growth: Healthy when RPO grows faster (coverage rises), Watch when it grows but not faster, Stress when it does not grow."</li>
            </ol>
            <p>"Insufficient data names the inputs missing and links to the coverage map. Not applicable is only for a question that does not fit the business, set per company:"</p>
            <table class="facts not-applicable">
                <thead><tr><th scope="col">"Company"</th><th scope="col">"Question"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>
                    {domain::analytics::applicability::NOT_APPLICABLE
                        .iter()
                        .map(|n| view! { <tr><th scope="row">{n.ticker}</th><td>{n.question.text()}</td><td>{n.reason} " " <a href=n.source_url rel="external">"source"</a></td></tr> })
                        .collect_view()}
                </tbody>
            </table>
            <p>"History: the four answers are computed at each of the last eight quarters. Where the latest quarter cannot be answered (a disclosure not yet made, a segment not yet entered), the headline shows the latest quarter that can, labelled “as of”, and names what the newer quarter lacks."</p>
        </section>
        <section>
            <h2>"Scorecard thresholds in force"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                <ErrorBoundary fallback=|_| view! { <p class="error">"Thresholds could not be loaded."</p> }>
                    {move || Suspend::new(async move {
                        let t = thresholds.await?;
                        Ok::<_, crate::error::AppError>(view! { <ThresholdTable t/> })
                    })}
                </ErrorBoundary>
            </Suspense>
        </section>
    }
}

#[component]
fn ThresholdTable(t: Thresholds) -> impl IntoView {
    let rows = vec![
        ("1. AI revenue vs capex", format!("Healthy: spread ≥ {:+.1} pp; Watch: {:+.1} pp ≤ spread < {:+.1} pp; Stress: below", t.ai_spread_healthy_pp, t.ai_spread_watch_pp, t.ai_spread_healthy_pp), "Spread = YoY growth of AI revenue (run-rate where disclosed, else cloud revenue, else total revenue, as proxies) − YoY growth of TTM capex"),
        ("2. Utilization", format!("Healthy: change ≥ {:+.1}%; Watch: down less than {:.1}%; Stress: down {:.1}% or more", t.utilization_healthy_pct, -t.utilization_stress_pct, -t.utilization_stress_pct), "Change in asset turnover (cloud revenue, else revenue, over average net PP&E, else gross PP&E) versus a year earlier"),
        ("3. Inference cost", format!("Analyst series: Healthy when falling ≥ {:.1}% a year, Stress when rising. Proxy: Healthy when depreciation burden and cost of revenue / revenue are flat (within {:.1} pp) or falling; Stress when both rise by more than {:.1} pp. One ratio alone: Healthy when flat or falling, Watch when rising up to {:.1} pp, Stress above", -t.inference_cost_healthy_pct, t.inference_proxy_flat_pp, t.inference_proxy_stress_pp, t.inference_proxy_stress_pp), "YoY change of unit inference cost, else the proxy"),
        ("4. Durable contracts", "Healthy: RPO grows faster than TTM revenue; Watch: RPO grows, but not faster; Stress: RPO does not grow".to_string(), "YoY growth of RPO vs TTM revenue (RPO coverage rises exactly when RPO outgrows revenue, so its change is shown, not tested twice)"),
    ];
    view! {
        <table class="facts thresholds">
            <thead><tr><th scope="col">"Question"</th><th scope="col">"Signal rule"</th><th scope="col">"Measure"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(q, rule, measure)| view! { <tr><th scope="row">{q}</th><td>{rule}</td><td>{measure}</td></tr> }).collect_view()}
            </tbody>
        </table>
    }
}
