use crate::api::chart::ChartData;
use crate::chart::{units_of, ChartSpec};
use crate::components::ChartFigure;
use domain::analytics::{Alignment, Basis};
use domain::chart_query::{ChartQuery, RangeQuarter, Scale, SeriesKey};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

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
    // Controls start from the address as it is when they are used, not as it
    // was when this chart was drawn: a second change made before the first
    // one's chart has loaded keeps the first (a short link's page has no
    // query of its own and uses the chart's).
    let location = use_location();
    let current = move |drawn: &ChartQuery| -> ChartQuery {
        let search = location.search.get_untracked();
        let search = search.trim_start_matches('?');
        if search.is_empty() {
            return drawn.clone();
        }
        ChartQuery::parse(search).unwrap_or_else(|_| drawn.clone())
    };
    let go = move |q: ChartQuery| {
        navigate(
            &format!("/compare?{}", q.to_query_string()),
            Default::default(),
        )
    };

    let charts = units
        .into_iter()
        .map(|unit| {
            let spec = ChartSpec::from_query(&query, title.clone(), unit);
            let series_for_legend = series.clone();
            let query_for_click = query.clone();
            let go_click = go.clone();
            let on_legend = Callback::new(move |index: usize| {
                if let Some(s) = series_for_click(&series_for_legend, index) {
                    let mut q = current(&query_for_click);
                    q.toggle_hidden(s);
                    go_click(q);
                }
            });
            view! {
                <ChartFigure
                    series=series.clone()
                    spec
                    on_legend
                    name="compare"
                    caption="Click a legend entry to hide or show its series."
                />
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
                    let mut q = current(&q_basis);
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
                    let mut q = current(&q_align);
                    q.alignment = if event_target_value(&ev) == "fiscal" { Alignment::Fiscal } else { Alignment::Calendar };
                    go_a(q);
                }>
                    <option value="calendar" selected=query.alignment == Alignment::Calendar>"Calendar-aligned"</option>
                    <option value="fiscal" selected=query.alignment == Alignment::Fiscal>"Fiscal"</option>
                </select>
            </label>
            <label>"Scale "
                <select name="scale" on:change=move |ev| {
                    let mut q = current(&q_scale);
                    q.scale = if event_target_value(&ev) == "log" { Scale::Log } else { Scale::Linear };
                    go_s(q);
                }>
                    <option value="linear" selected=query.scale == Scale::Linear>"Linear"</option>
                    <option value="log" selected=query.scale == Scale::Log>"Log"</option>
                </select>
            </label>
            {range_select(RangeEnd::From, &query, data.span, current, go.clone())}
            {range_select(RangeEnd::To, &query, data.span, current, go.clone())}
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

#[derive(Clone, Copy, PartialEq)]
enum RangeEnd {
    From,
    To,
}

/// One end of the range selector: every quarter with data (on the chart's
/// alignment), or none (the earliest / the latest).
fn range_select(
    end: RangeEnd,
    query: &ChartQuery,
    span: Option<(RangeQuarter, RangeQuarter)>,
    current: impl Fn(&ChartQuery) -> ChartQuery + Clone + 'static,
    go: impl Fn(ChartQuery) + Clone + 'static,
) -> impl IntoView {
    let (name, label, open_end) = match end {
        RangeEnd::From => ("from", "From ", "Earliest"),
        RangeEnd::To => ("to", "To ", "Latest"),
    };
    let chosen = match end {
        RangeEnd::From => query.from,
        RangeEnd::To => query.to,
    };
    let alignment = query.alignment;
    // The span, widened to include a chosen bound outside it.
    let quarters: Vec<RangeQuarter> = span
        .map(|(a, b)| {
            let first = chosen.map_or(a.index(), |c| c.index().min(a.index()));
            let last = chosen.map_or(b.index(), |c| c.index().max(b.index()));
            (first..=last)
                .filter_map(RangeQuarter::from_index)
                .collect()
        })
        .unwrap_or_default();
    let drawn = query.clone();
    let on_change = move |ev: leptos::ev::Event| {
        let picked = RangeQuarter::parse(&event_target_value(&ev));
        let mut q = current(&drawn);
        match end {
            RangeEnd::From => {
                q.from = picked;
                // A start after the end moves the end to the latest.
                if matches!((q.from, q.to), (Some(f), Some(t)) if f > t) {
                    q.to = None;
                }
            }
            RangeEnd::To => {
                q.to = picked;
                if matches!((q.from, q.to), (Some(f), Some(t)) if f > t) {
                    q.from = None;
                }
            }
        }
        go(q);
    };
    let options = quarters
        .into_iter()
        .map(|rq| {
            view! {
                <option value=rq.to_string() selected=chosen == Some(rq)>{rq.label(alignment)}</option>
            }
        })
        .collect_view();
    view! {
        <label>{label}
            <select name=name on:change=on_change>
                <option value="" selected=chosen.is_none()>{open_end}</option>
                {options}
            </select>
        </label>
    }
}
