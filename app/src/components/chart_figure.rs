use crate::chart::{render_svg_with_layout, ChartLayout, ChartSpec};
use crate::components::format_value;
use domain::analytics::{Alignment, Series};
use leptos::prelude::*;

/// Chart size in SVG pixels (the SVG scales with the page; pointer positions
/// are scaled back to these units).
pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 480;

/// One line chart: the plotters SVG rendered where the component renders (on
/// the server first, so it is there without JavaScript), a crosshair with the
/// exact value of every series at the hovered (or keyboard-selected) quarter,
/// and the same data as a table for screen readers and for copying.
///
/// `on_legend` is called with the series index when a legend entry is clicked.
#[component]
pub fn ChartFigure(
    series: Vec<Series>,
    spec: ChartSpec,
    /// Extra sentences under the chart (units and alignment are added).
    #[prop(optional, into)]
    caption: String,
    #[prop(optional)] on_legend: Option<Callback<usize>>,
    /// A name for tests and styles (`data-chart`).
    #[prop(optional, into)]
    name: String,
    #[prop(default = HEIGHT)] height: u32,
    /// A sentence per period label, shown with that period in the tooltip
    /// and the data table (the cohort: who is in the sum).
    #[prop(optional)]
    slot_notes: Vec<(String, String)>,
) -> impl IntoView {
    let Prepared {
        svg,
        layout,
        caption,
        on_axis,
        keys,
    } = Prepared::new(&spec, &series, &caption, height);
    let hovered = RwSignal::new(None::<usize>);
    let slots = layout.slots.len();

    let layout_move = layout.clone();
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let (x, _) = svg_point(&ev);
        hovered.set(layout_move.slot_at(x));
    };
    let layout_click = layout.clone();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let (x, y) = svg_point(&ev);
        if let (Some(entry), Some(cb)) = (layout_click.legend_at(x, y), on_legend) {
            cb.run(entry.series);
        }
    };
    // Keyboard: arrows move the crosshair, Escape hides it.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if slots == 0 {
            return;
        }
        let next = match (ev.key().as_str(), hovered.get_untracked()) {
            ("ArrowRight", None) | ("Home", _) => Some(0),
            ("ArrowLeft", None) | ("End", _) => Some(slots - 1),
            ("ArrowRight", Some(i)) => Some((i + 1).min(slots - 1)),
            ("ArrowLeft", Some(i)) => Some(i.saturating_sub(1)),
            ("Escape", _) => None,
            _ => return,
        };
        ev.prevent_default();
        hovered.set(next);
    };

    let layout_tip = layout.clone();
    let series_tip = on_axis.clone();
    let keys_tip = keys.clone();
    let notes_tip = slot_notes.clone();
    let tooltip = move || {
        let slot = hovered.get()?;
        tooltip_at(&layout_tip, &series_tip, &keys_tip, &notes_tip, slot)
    };

    view! {
        <figure class="chart" data-chart=name>
            <div
                class="chart-canvas"
                tabindex="0"
                role="img"
                aria-label=format!("{}. {}", spec.title, caption)
                on:mousemove=on_move
                on:mouseleave=move |_| hovered.set(None)
                on:click=on_click
                on:keydown=on_key
                on:blur=move |_| hovered.set(None)
                inner_html=svg
            ></div>
            <div class="chart-overlay" aria-hidden="true">{tooltip}</div>
            // The data table is part of the caption: a figure's caption is its
            // first or last child, so nothing may follow it.
            <figcaption>{caption} <DataTable layout series=on_axis keys slot_notes/></figcaption>
        </figure>
    }
}

/// What both figures draw from: the SVG and its layout, the caption (the
/// caller's sentences, the layout's notes, units and alignment), and the
/// series on the axis with their legend names and colours (what the tooltip
/// and the data table list).
struct Prepared {
    svg: String,
    layout: ChartLayout,
    caption: String,
    on_axis: Vec<Series>,
    keys: Vec<(String, String)>,
}

impl Prepared {
    fn new(spec: &ChartSpec, series: &[Series], caption: &str, height: u32) -> Self {
        let (svg, layout) = render_svg_with_layout(spec, series, WIDTH, height);
        let alignment_text = match layout.alignment {
            Alignment::Calendar => "Quarters aligned to calendar quarters (CY: a fiscal quarter belongs to the calendar quarter containing its midpoint).",
            Alignment::Fiscal => "Quarters labelled on the company's fiscal calendar (FY); hover a quarter for its period-end date.",
        };
        let caption = format!(
            "{} {} Values in {}. {alignment_text}",
            caption,
            layout.notes.join(" "),
            spec.unit.description()
        )
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
        let drawn = || layout.legend.iter().filter(|e| e.on_axis && !e.hidden);
        let on_axis: Vec<Series> = drawn()
            .filter_map(|e| series.get(e.series).cloned())
            .collect();
        let keys: Vec<(String, String)> = drawn()
            .filter(|e| e.series < series.len())
            .map(|e| (e.name.clone(), e.color.clone()))
            .collect();
        Self {
            svg,
            layout,
            caption,
            on_axis,
            keys,
        }
    }
}

/// The crosshair and tooltip of one slot: its label and period end, its
/// note, and every series' value there.
fn tooltip_at(
    layout: &ChartLayout,
    series: &[Series],
    keys: &[(String, String)],
    notes: &[(String, String)],
    slot: usize,
) -> Option<impl IntoView> {
    let s = layout.slots.get(slot)?;
    let left = 100.0 * s.x / f64::from(WIDTH);
    let period_end = series
        .iter()
        .find_map(|se| layout.point_at(se, slot))
        .map(|p| format!("period ended {}", p.period_end))
        .unwrap_or_default();
    let rows = series
        .iter()
        .zip(keys)
        .map(|(se, (name, color))| {
            let value = point_text(layout, se, slot);
            view! {
                <tr>
                    <th scope="row"><span class="swatch" style=format!("background:{color}")></span>{name.clone()}</th>
                    <td class="num">{value}</td>
                </tr>
            }
        })
        .collect_view();
    let note = note_of(notes, &s.label).map(|n| view! { <p class="slot-note">{n}</p> });
    Some(view! {
        <div class="crosshair" style=format!("left: {left:.2}%")></div>
        <div class="tooltip" role="status" style=format!("left: min({left:.2}%, calc(100% - 19rem))")>
            <strong>{s.label.clone()}</strong>
            " "
            <small>{period_end}</small>
            {note}
            <table>{rows}</table>
        </div>
    })
}

/// [`ChartFigure`] for a page that ships no code to the browser (the
/// cohort, see `routes::cohort`): the same SVG, caption and data table, and
/// every slot's tooltip rendered up front, each shown by CSS while the
/// pointer is over its slot's band (`.slot:hover + .slot-tip`). No legend
/// toggling and no arrow keys; the data table is the keyboard's and screen
/// reader's way in, as on the interactive chart.
#[cfg(feature = "ssr")]
#[component]
pub fn StaticChartFigure(
    series: Vec<Series>,
    spec: ChartSpec,
    /// Extra sentences under the chart (units and alignment are added).
    #[prop(optional, into)]
    caption: String,
    /// A name for tests and styles (`data-chart`).
    #[prop(optional, into)]
    name: String,
    /// A sentence per period label, shown with that period in the tooltip
    /// and the data table.
    #[prop(optional)]
    slot_notes: Vec<(String, String)>,
) -> impl IntoView {
    let Prepared {
        svg,
        layout,
        caption,
        on_axis,
        keys,
    } = Prepared::new(&spec, &series, &caption, HEIGHT);
    let bands = (0..layout.slots.len())
        .map(|i| {
            let (from, to) = layout.slot_band(i);
            let tip = tooltip_at(&layout, &on_axis, &keys, &slot_notes, i);
            let style = format!(
                "left: {:.3}%; width: {:.3}%",
                100.0 * from / f64::from(WIDTH),
                100.0 * (to - from) / f64::from(WIDTH)
            );
            view! {
                <div class="slot" style=style data-slot=layout.slots[i].label.clone()></div>
                <div class="slot-tip" aria-hidden="true">{tip}</div>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" data-chart=name>
            <div class="chart-stage">
                <div class="chart-canvas static" role="img" aria-label=format!("{}. {}", spec.title, caption) inner_html=svg></div>
                {bands}
            </div>
            // The data table is part of the caption: a figure's caption is its
            // first or last child, so nothing may follow it.
            <figcaption>{caption} <DataTable layout series=on_axis keys slot_notes/></figcaption>
        </figure>
    }
}

/// The note given for a period label.
fn note_of(notes: &[(String, String)], label: &str) -> Option<String> {
    notes
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, n)| n.clone())
}

/// A series' value at a slot as shown in the tooltip and the table.
fn point_text(layout: &ChartLayout, se: &Series, slot: usize) -> String {
    layout
        .point_at(se, slot)
        .map(|p| {
            let shown = format_value(se.unit, p.value, p.exact);
            let why = p
                .missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            if why.is_empty() {
                shown
            } else {
                format!("{shown} (missing {why})")
            }
        })
        .unwrap_or_else(|| domain::format::MISSING.into())
}

/// The chart's data as a table, one row per quarter (inside a closed
/// `<details>`: reachable by screen readers and the keyboard, out of the way
/// otherwise).
#[component]
fn DataTable(
    layout: ChartLayout,
    series: Vec<Series>,
    keys: Vec<(String, String)>,
    slot_notes: Vec<(String, String)>,
) -> impl IntoView {
    let noted = !slot_notes.is_empty();
    let header = keys
        .into_iter()
        .map(|(name, _)| view! { <th scope="col" class="num">{name}</th> })
        .collect_view();
    let note_header = noted.then(|| view! { <th scope="col">"Companies"</th> });
    let rows = (0..layout.slots.len())
        .rev()
        .map(|i| {
            let slot = &layout.slots[i];
            let end = series
                .iter()
                .find_map(|se| layout.point_at(se, i))
                .map(|p| format!("Period ended {}", p.period_end))
                .unwrap_or_default();
            let cells = series
                .iter()
                .map(|se| view! { <td class="num">{point_text(&layout, se, i)}</td> })
                .collect_view();
            let note = noted.then(|| {
                view! { <td>{note_of(&slot_notes, &slot.label).unwrap_or_default()}</td> }
            });
            view! {
                <tr data-slot=slot.label.clone()>
                    <th scope="row" title=end>{slot.label.clone()}</th>
                    {cells}
                    {note}
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="chart-data">
            <summary>"Data table"</summary>
            <div class="table-scroll">
                <table class="facts">
                    <thead><tr><th scope="col">"Period"</th>{header}{note_header}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}

/// The pointer position in SVG pixels (the SVG is scaled to the element's width).
/// The SVG itself ignores the pointer (CSS), so the offsets are the canvas's.
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
