use crate::api::chart::ChartData;
use crate::chart::{render_svg_with_layout, units_of, ChartSpec};
use crate::components::format_value;
use domain::analytics::{Alignment, Basis};
use domain::chart_query::{ChartQuery, Scale, SeriesKey};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// Chart size in SVG pixels (the SVG scales with the page; mouse positions
/// are scaled back to these units).
const WIDTH: u32 = 960;
const HEIGHT: u32 = 480;

/// An interactive chart of a [`ChartData`]: server-rendered SVG (present
/// without JavaScript), then crosshair with exact values on hover, legend
/// clicks to hide/show series, and controls that rewrite the URL so the
/// address bar is always a working link.
#[component]
pub fn ChartView(data: ChartData, #[prop(optional)] title: Option<String>) -> impl IntoView {
    let Ok(query) = ChartQuery::parse(&data.query) else {
        return view! { <p class="error">"This chart's address is not valid."</p> }.into_any();
    };
    let series = data.series.clone();
    let units = units_of(&series);
    let title = title.unwrap_or_else(|| default_title(&query));
    let navigate = use_navigate();
    let go = {
        let navigate = navigate.clone();
        move |q: ChartQuery| {
            navigate(
                &format!("/compare?{}", q.to_query_string()),
                Default::default(),
            )
        }
    };

    let charts = units
        .into_iter()
        .map(|unit| {
            let spec = ChartSpec::from_query(&query, title.clone(), unit);
            let (svg, layout) = render_svg_with_layout(&spec, &series, WIDTH, HEIGHT);
            let hovered = RwSignal::new(None::<usize>);
            let layout_for_hover = layout.clone();
            let layout_for_click = layout.clone();
            let series_for_tip = series.clone();
            let series_for_legend = series.clone();
            let query_for_click = query.clone();
            let go_click = go.clone();
            let on_move = move |ev: leptos::ev::MouseEvent| {
                let (x, _) = svg_point(&ev);
                hovered.set(layout_for_hover.slot_at(x));
            };
            let on_click = move |ev: leptos::ev::MouseEvent| {
                let (x, y) = svg_point(&ev);
                if let Some(entry) = layout_for_click.legend_at(x, y) {
                    if let Some(s) = series_for_click(&series_for_legend, entry.series) {
                        let mut q = query_for_click.clone();
                        q.toggle_hidden(s);
                        go_click(q);
                    }
                }
            };
            let layout_tip = layout.clone();
            // One text node: adjacent dynamic texts (some possibly empty) hydrate badly.
            let alignment_text = match query.alignment {
                Alignment::Calendar => "Quarters aligned to calendar quarters (a fiscal quarter belongs to the calendar quarter containing its midpoint).",
                Alignment::Fiscal => "Quarters labelled on each company's fiscal calendar.",
            };
            let caption = format!("{} Values in {}. {alignment_text}", layout.notes.join(" "), unit.description())
                .trim()
                .to_string();
            let tooltip = move || {
                let slot = hovered.get()?;
                let s = layout_tip.slots.get(slot)?;
                let left = 100.0 * s.x / f64::from(WIDTH);
                let rows = series_for_tip
                    .iter()
                    .filter(|se| crate::chart::AxisUnit::of(se.unit) == unit)
                    .map(|se| {
                        let value = layout_tip
                            .point_at(se, slot)
                            .map(|p| {
                                let shown = format_value(se.unit, p.value, p.exact);
                                let why = p.missing.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                                if why.is_empty() { shown } else { format!("{shown} ({why})") }
                            })
                            .unwrap_or_else(|| "n/a".into());
                        view! { <tr><th scope="row">{format!("{} {}", se.ticker, se.label)}</th><td class="num">{value}</td></tr> }
                    })
                    .collect_view();
                Some(view! {
                    <div class="crosshair" style=format!("left: {left:.2}%")></div>
                    <div class="tooltip" style=format!("left: min({left:.2}%, calc(100% - 18rem))")>
                        <strong>{s.label.clone()}</strong>
                        <table>{rows}</table>
                    </div>
                })
            };
            view! {
                <figure class="chart">
                    <div
                        class="chart-canvas"
                        on:mousemove=on_move
                        on:mouseleave=move |_| hovered.set(None)
                        on:click=on_click
                        inner_html=svg
                    ></div>
                    <div class="chart-overlay" aria-hidden="true">{tooltip}</div>
<figcaption>{caption}</figcaption>
                </figure>
            }
        })
        .collect_view();

    let q_basis = query.clone();
    let q_align = query.clone();
    let q_scale = query.clone();
    let (go_b, go_a, go_s) = (go.clone(), go.clone(), go.clone());
    let short = ServerAction::<crate::api::chart::CreateShortLink>::new();
    let canonical = data.query.clone();
    view! {
        {data.pinned_at.clone().map(|at| {
            let latest = format!("/compare?{}", data.query);
            view! {
                <p class="notice">
                    "This short link shows the figures as stored on " {at} ". "
                    {data.newer_data.then(|| view! { "Newer figures exist: " <a href=latest>"see the latest"</a> "." })}
                </p>
            }
        })}
        // A plain GET form: it works before (and without) the WebAssembly, and
        // its result is always the chart's canonical address.
        <form class="chart-controls" method="get" action="/compare">
            {hidden_fields(&query)}
            <label>"Basis "
                <select name="basis" on:change=move |ev| {
                    let mut q = q_basis.clone();
                    q.basis = match event_target_value(&ev).as_str() { "quarterly" => Basis::Quarterly, "annual" => Basis::Annual, _ => Basis::Ttm };
                    go_b(q);
                }>
                    <option value="quarterly" selected=query.basis == Basis::Quarterly>"Quarterly"</option>
                    <option value="ttm" selected=query.basis == Basis::Ttm>"Trailing twelve months"</option>
                    <option value="annual" selected=query.basis == Basis::Annual>"Annual"</option>
                </select>
            </label>
            <label>"Quarters "
                <select name="align" on:change=move |ev| {
                    let mut q = q_align.clone();
                    q.alignment = if event_target_value(&ev) == "fiscal" { Alignment::Fiscal } else { Alignment::Calendar };
                    go_a(q);
                }>
                    <option value="calendar" selected=query.alignment == Alignment::Calendar>"Calendar-aligned"</option>
                    <option value="fiscal" selected=query.alignment == Alignment::Fiscal>"Fiscal"</option>
                </select>
            </label>
            <label>"Scale "
                <select name="scale" on:change=move |ev| {
                    let mut q = q_scale.clone();
                    q.scale = if event_target_value(&ev) == "log" { Scale::Log } else { Scale::Linear };
                    go_s(q);
                }>
                    <option value="linear" selected=query.scale == Scale::Linear>"Linear"</option>
                    <option value="log" selected=query.scale == Scale::Log>"Log"</option>
                </select>
            </label>
            <button type="submit">"Apply"</button>
        </form>
        {charts}
        <div class="chart-links">
            <ActionForm action=short>
                <input type="hidden" name="query" value=canonical/>
                <button type="submit">"Get a short link"</button>
            </ActionForm>
            {move || short.value().get().map(|r| match r {
                Ok(id) => view! { <a class="short-link" href=format!("/c/{id}")>{format!("/c/{id}")}</a> }.into_any(),
                Err(e) => view! { <span class="error">{e.to_string()}</span> }.into_any(),
            })}
            <a href=format!("/chart.png?{}", data.query) download="chart.png">"PNG"</a>
            <a href=format!("/chart.svg?{}", data.query) download="chart.svg">"SVG"</a>
            <a href=format!("/chart.csv?{}", data.query) download="chart.csv">"Data (CSV)"</a>
        </div>
    }
    .into_any()
}

/// The parts of the query the form's selects do not set.
fn hidden_fields(query: &ChartQuery) -> impl IntoView {
    let mut fields = vec![
        (
            "tickers",
            query
                .tickers
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        (
            "metrics",
            query
                .measures
                .iter()
                .map(|m| m.key())
                .collect::<Vec<_>>()
                .join(","),
        ),
    ];
    if let Some(from) = query.from {
        fields.push(("from", from.to_string()));
    }
    if let Some(to) = query.to {
        fields.push(("to", to.to_string()));
    }
    if !query.hidden.is_empty() {
        fields.push((
            "hide",
            query
                .hidden
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ));
    }
    fields
        .into_iter()
        .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
        .collect_view()
}

/// The chart's default title: its measures and companies.
pub fn default_title(query: &ChartQuery) -> String {
    let measures: Vec<&str> = query.measures.iter().map(|m| m.label()).collect();
    let tickers: Vec<&str> = query.tickers.iter().map(|t| t.as_str()).collect();
    format!("{} — {}", measures.join(", "), tickers.join(", "))
}

fn series_for_click(series: &[domain::analytics::Series], index: usize) -> Option<SeriesKey> {
    let s = series.get(index)?;
    Some(SeriesKey {
        ticker: domain::Ticker::parse(&s.ticker).ok()?,
        measure: s.measure,
    })
}

/// The mouse position in SVG pixels (the SVG is scaled to the element's width).
fn svg_point(ev: &leptos::ev::MouseEvent) -> (f64, f64) {
    use leptos::wasm_bindgen::JsCast;
    let width = ev
        .current_target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
        .map(|e| f64::from(e.client_width()))
        .filter(|w| *w > 0.0)
        .unwrap_or(f64::from(WIDTH));
    let k = f64::from(WIDTH) / width;
    (f64::from(ev.offset_x()) * k, f64::from(ev.offset_y()) * k)
}
