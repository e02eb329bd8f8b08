//! Charts of [`Series`], drawn with plotters.
//!
//! One drawing routine, [`draw`], works on any plotters backend: the server
//! renders it to SVG ([`render_svg`], the chart a page shows before the
//! WebAssembly loads and with JavaScript off) and to PNG (link previews,
//! `server::chart_png`); the browser can draw it on a canvas. Positions come
//! from [`ChartLayout`], computed without drawing, so a page maps a mouse
//! position to a quarter or a legend entry with the same numbers the drawing
//! used.
//!
//! What the chart promises: values in USD are shown in billions with the unit
//! on the axis; the x axis carries the series' own period labels (fiscal
//! `FY26 Q3` or calendar `CY26 Q1`); a missing value leaves a gap, never a
//! zero; hidden series stay in the legend; on a log scale, zero and negative
//! values are left out and a note says how many.
//!
//! Text: plotters' SVG backend writes `<text>` elements that the browser sets
//! in its own `sans-serif`. Under `ssr`, text is measured with the embedded
//! DejaVu Sans ([`ensure_font`]), which the PNG also uses; in the browser the
//! DOM measures it.

mod draw;
pub mod guidance;
mod layout;
#[cfg(test)]
mod tests;
mod theme;
pub mod waterfall;

pub use draw::draw;
pub use layout::{ChartLayout, Dash, LegendEntry, PixelRect, Slot, ValueAxis};

use domain::analytics::{Series, Unit};
use domain::chart_query::{ChartQuery, RangeQuarter, Scale, SeriesKey};
use plotters::prelude::{IntoDrawingArea, SVGBackend};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The font family every chart text uses.
pub const FONT_FAMILY: &str = "sans-serif";

/// The unit of the value axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AxisUnit {
    /// Amounts in USD, shown in billions.
    UsdBillions,
    /// Ratios shown as percentages (and values already in percent).
    Percent,
    /// Differences of percentages.
    PercentagePoints,
    /// Multiples (1.8×).
    Multiple,
    /// Years (of revenue).
    Years,
}

impl AxisUnit {
    /// The axis a series of `unit` is drawn on.
    pub fn of(unit: Unit) -> Self {
        match unit {
            Unit::Usd => AxisUnit::UsdBillions,
            Unit::Ratio | Unit::Percent => AxisUnit::Percent,
            Unit::PercentagePoints => AxisUnit::PercentagePoints,
            Unit::Multiple => AxisUnit::Multiple,
            Unit::Years => AxisUnit::Years,
        }
    }

    /// The axis title: `USD billions`, `%`, `pp`, `×`, `years`.
    pub fn axis_title(self) -> &'static str {
        match self {
            AxisUnit::UsdBillions => "USD billions",
            AxisUnit::Percent => "%",
            AxisUnit::PercentagePoints => "percentage points",
            AxisUnit::Multiple => "× (multiple)",
            AxisUnit::Years => "years",
        }
    }

    /// The unit in a sentence: `USD billions`, `percent`, ….
    pub fn description(self) -> &'static str {
        match self {
            AxisUnit::UsdBillions => "USD billions",
            AxisUnit::Percent => "percent",
            AxisUnit::PercentagePoints => "percentage points",
            AxisUnit::Multiple => "multiples",
            AxisUnit::Years => "years",
        }
    }

    /// A tick label for `v` (in axis units) with `decimals` decimals: `40`,
    /// `−10`, `12.5%`, `1.5×`.
    pub fn tick(self, v: f64, decimals: usize) -> String {
        let body = format!("{:.*}", decimals, v.abs());
        let sign = if v < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
            "\u{2212}"
        } else {
            ""
        };
        let suffix = match self {
            AxisUnit::Percent => "%",
            AxisUnit::Multiple => "×",
            AxisUnit::UsdBillions | AxisUnit::PercentagePoints | AxisUnit::Years => "",
        };
        format!("{sign}{body}{suffix}")
    }
}

/// Light or dark colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

/// What to draw, apart from the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSpec {
    /// Printed above the plot; empty for none.
    pub title: String,
    /// The value axis. Series in another unit are listed but not drawn (a note says so).
    pub unit: AxisUnit,
    pub scale: Scale,
    /// Series listed in the legend but not drawn.
    pub hidden: BTreeSet<SeriesKey>,
    /// First and last quarter shown (inclusive), on the series' alignment.
    pub from: Option<RangeQuarter>,
    pub to: Option<RangeQuarter>,
    pub theme: Theme,
    /// Colour (`#rrggbb`) and dash of each series by index, overriding the
    /// automatic styles (e.g. a projection drawn dashed in its history's
    /// colour). Empty: automatic.
    #[serde(default)]
    pub styles: Vec<(String, Dash)>,
    /// Quarters (slot keys: [`domain::CalendarQuarter::index`] or
    /// [`domain::FiscalPeriod::index`]) before which no line connects, marked
    /// by a dashed rule: where what a line sums changes (the cohort's members).
    #[serde(default)]
    pub breaks: Vec<i32>,
}

impl ChartSpec {
    /// A linear chart of everything, light theme.
    pub fn new(title: impl Into<String>, unit: AxisUnit) -> Self {
        Self {
            title: title.into(),
            unit,
            scale: Scale::Linear,
            hidden: BTreeSet::new(),
            from: None,
            to: None,
            theme: Theme::Light,
            styles: Vec::new(),
            breaks: Vec::new(),
        }
    }

    /// The chart a link describes: its scale, range and hidden series.
    pub fn from_query(query: &ChartQuery, title: impl Into<String>, unit: AxisUnit) -> Self {
        Self {
            scale: query.scale,
            hidden: query.hidden.clone(),
            from: query.from,
            to: query.to,
            ..Self::new(title, unit)
        }
    }
}

/// The distinct axis units of `series`, in order of appearance (a page that
/// shows metrics of different units draws one chart per unit).
pub fn units_of(series: &[Series]) -> Vec<AxisUnit> {
    let mut units = Vec::new();
    for s in series {
        let u = AxisUnit::of(s.unit);
        if !units.contains(&u) {
            units.push(u);
        }
    }
    units
}

/// The chart as a standalone SVG document, `width` × `height` pixels.
pub fn render_svg(spec: &ChartSpec, series: &[Series], width: u32, height: u32) -> String {
    render_svg_with_layout(spec, series, width, height).0
}

/// [`render_svg`] together with the layout it was drawn with.
pub fn render_svg_with_layout(
    spec: &ChartSpec,
    series: &[Series],
    width: u32,
    height: u32,
) -> (String, ChartLayout) {
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, spec, series).and_then(|layout| root.present().map(|()| layout))
    };
    match result {
        Ok(layout) => (tidy(&svg), layout),
        Err(e) => (
            fallback_svg(
                width,
                height,
                &format!("The chart could not be drawn ({e})."),
            ),
            ChartLayout::compute(spec, series, width, height),
        ),
    }
}

/// The layout [`render_svg`] and [`draw`] use, without drawing.
pub fn chart_layout(spec: &ChartSpec, series: &[Series], width: u32, height: u32) -> ChartLayout {
    ChartLayout::compute(spec, series, width, height)
}

/// The pixel x of each quarter slot, oldest first (see [`ChartLayout::slots`]
/// for their labels and [`ChartLayout::slot_at`] for the reverse mapping).
pub fn x_positions(spec: &ChartSpec, series: &[Series], width: u32, height: u32) -> Vec<f64> {
    ChartLayout::compute(spec, series, width, height).x_positions()
}

/// `draw` on a `width` × `height` SVG document; the fallback message instead
/// when plotters fails.
pub(crate) fn svg_document<E: std::fmt::Display>(
    width: u32,
    height: u32,
    draw: impl FnOnce(
        &plotters::prelude::DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<(), E>,
) -> String {
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root)
    };
    match result {
        Ok(()) => tidy(&svg),
        Err(e) => fallback_svg(
            width,
            height,
            &format!("The chart could not be drawn ({e})."),
        ),
    }
}

/// plotters' SVG without what changes nothing on screen: `opacity="1"` (the
/// default) on every element, font sizes to 17 significant digits, the
/// line breaks around every text's content (whitespace SVG collapses), and
/// the house font family on every text (set once on the root, which every
/// text inherits). A
/// chart is drawn five times on a company page and its markup was a sixth
/// of the page.
fn tidy(svg: &str) -> String {
    let family = format!(" font-family=\"{FONT_FAMILY}\"");
    let svg = svg
        .replace(" opacity=\"1\"", "")
        .replace('\n', "")
        .replace(&family, "")
        .replacen("<svg ", &format!("<svg{family} "), 1);
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg.as_str();
    const SIZE: &str = "font-size=\"";
    while let Some(at) = rest.find(SIZE) {
        let (head, tail) = rest.split_at(at + SIZE.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(size) => out.push_str(&format!("{}", (size * 100.0).round() / 100.0)),
            Err(_) => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    merge_segments(&out)
}

/// A thin one-segment line (`<polyline … stroke-width="1" points="a,b c,d "/>`)
/// as its style (the attributes before `points`) and its two points.
fn segment(element: &str) -> Option<(&str, &str)> {
    let body = element.strip_prefix("polyline ")?.strip_suffix("\"/>")?;
    let (style, points) = body.split_once(" points=\"")?;
    let thin = style.contains("stroke-width=\"1\"") && style.contains("fill=\"none\"");
    (thin && !style.contains("opacity") && points.split_whitespace().count() == 2)
        .then_some((style, points.trim()))
}

/// Consecutive thin segments of one style (a dashed line is a segment per
/// dash; ticks and grid lines are one each) as one `<path>` of subpaths:
/// the same pixels in the same paint order, one element instead of dozens.
fn merge_segments(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut run: Option<(&str, Vec<&str>)> = None;
    let flush = |out: &mut String, run: &mut Option<(&str, Vec<&str>)>| {
        if let Some((style, points)) = run.take() {
            if let [one] = points.as_slice() {
                out.push_str(&format!("<polyline {style} points=\"{one} \"/>"));
            } else {
                let d: String = points.iter().map(|p| format!("M{p}")).collect();
                out.push_str(&format!("<path {style} d=\"{d}\"/>"));
            }
        }
    };
    let mut pieces = svg.split('<');
    out.push_str(pieces.next().unwrap_or_default());
    for piece in pieces {
        match (segment(piece), &mut run) {
            (Some((style, points)), Some((current, run_points))) if *current == style => {
                run_points.push(points)
            }
            (Some((style, points)), _) => {
                flush(&mut out, &mut run);
                run = Some((style, vec![points]));
            }
            (None, _) => {
                flush(&mut out, &mut run);
                out.push('<');
                out.push_str(piece);
            }
        }
    }
    flush(&mut out, &mut run);
    out
}

/// A plain SVG with one message, for when plotters itself fails.
fn fallback_svg(width: u32, height: u32, message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><text x="{}" y="{}" text-anchor="middle" font-family="{FONT_FAMILY}" font-size="14">{escaped}</text></svg>"#,
        width / 2,
        height / 2
    )
}

/// The embedded font's bytes (DejaVu Sans; licence in `app/assets/fonts/`).
#[cfg(feature = "ssr")]
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded DejaVu Sans as [`FONT_FAMILY`] with plotters (once
/// per process). On the server, plotters measures and rasterizes text with
/// registered fonts only (feature `ab_glyph`, no system fonts), so [`draw`]
/// calls this itself. Returns false if the font could not be read.
#[cfg(feature = "ssr")]
pub fn ensure_font() -> bool {
    use plotters::style::{register_font, FontStyle};
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REGISTERED.get_or_init(|| register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok())
}
