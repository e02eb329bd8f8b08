//! Where everything goes, computed without drawing: the plot area, the
//! quarter slots along the x axis, the value range, the legend entries.
//!
//! Drawing ([`super::draw`]) places everything at these positions, so a page
//! can map a mouse position to a quarter (crosshair) or a legend entry
//! (toggle) from the same numbers, whichever backend drew the chart.

use super::{AxisUnit, ChartSpec, Theme};
use domain::analytics::{Alignment, Basis, Series, SeriesPoint, Unit};
use domain::chart_query::{RangeQuarter, Scale, SeriesKey};
use domain::{CalendarQuarter, FiscalPeriod};
use serde::{Deserialize, Serialize};

/// Outer margin, pixels.
pub(crate) const MARGIN: f64 = 12.0;
/// Width of the y-axis label area (tick labels and the unit), pixels.
pub(crate) const Y_AXIS_W: f64 = 76.0;
/// Height of the x-axis label area, pixels.
pub(crate) const X_AXIS_H: f64 = 34.0;
/// Gap between the plot and the right edge.
pub(crate) const RIGHT_GAP: f64 = 24.0;
/// Height of the title band when there is a title.
pub(crate) const TITLE_H: f64 = 30.0;
/// Font sizes (plotters sizes: the SVG's `font-size` is this / 1.24).
pub(crate) const TITLE_FONT: f64 = 22.0;
pub(crate) const LABEL_FONT: f64 = 15.0;
pub(crate) const LEGEND_FONT: f64 = 16.0;
pub(crate) const NOTE_FONT: f64 = 14.0;
/// Legend geometry.
pub(crate) const LEGEND_ROW_H: f64 = 22.0;
pub(crate) const LEGEND_SWATCH_W: f64 = 24.0;
pub(crate) const LEGEND_GAP: f64 = 6.0;
pub(crate) const LEGEND_SPACING: f64 = 18.0;
pub(crate) const NOTE_ROW_H: f64 = 18.0;
/// The most quarter slots a chart lays out (80 quarters is 20 years).
pub(crate) const MAX_SLOTS: usize = 400;

/// A rectangle in pixels (`left`/`top` inclusive, `right`/`bottom` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PixelRect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl PixelRect {
    /// True if the point lies inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.left && x < self.right && y >= self.top && y < self.bottom
    }
    pub fn width(&self) -> f64 {
        self.right - self.left
    }
    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }
}

/// One position on the x axis: a quarter (or a year on the annual basis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// The running quarter index on the chart's alignment
    /// ([`CalendarQuarter::index`] or [`FiscalPeriod::index`]).
    pub key: i32,
    /// `CY26 Q1`, `FY26 Q3`, `CY26` or `FY26`.
    pub label: String,
    /// Pixel x of the slot's centre.
    pub x: f64,
    /// Whether the axis prints this slot's label (labels are thinned to fit).
    pub labelled: bool,
}

/// Dash pattern of a series line (distinguishes metrics when colours
/// distinguish companies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongDash,
}

impl Dash {
    /// Dash and gap lengths in pixels, `None` for a solid line (also usable
    /// as a canvas `setLineDash`).
    pub fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((8, 5)),
            Dash::Dotted => Some((2, 4)),
            Dash::LongDash => Some((16, 5)),
        }
    }
}

/// One legend entry (one per input series, hidden ones included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegendEntry {
    /// Index into the `series` slice given to the chart.
    pub series: usize,
    /// The text shown: ticker, metric label, or both.
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub dash: Dash,
    /// Hidden series are listed (muted) but not drawn.
    pub hidden: bool,
    /// Drawn on this chart's axis (false when the series has another unit).
    pub on_axis: bool,
    /// The entry's clickable box.
    pub rect: PixelRect,
}

/// The value axis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValueAxis {
    /// Lowest and highest value shown, in axis units (billions of USD, percent, …).
    pub min: f64,
    pub max: f64,
    pub scale: Scale,
    pub unit: AxisUnit,
}

/// Everything a page needs to interact with a drawn chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartLayout {
    pub width: u32,
    pub height: u32,
    /// The plot area (inside the axes).
    pub plot: PixelRect,
    /// The x positions, oldest first. Empty when there is nothing to draw.
    pub slots: Vec<Slot>,
    /// `None` when no value can be drawn ("no data").
    pub y: Option<ValueAxis>,
    pub legend: Vec<LegendEntry>,
    /// Sentences printed under the chart: values left out and why.
    pub notes: Vec<String>,
    /// The chart's alignment (from the series; fiscal if there are none).
    pub alignment: Alignment,
    /// True when the series are annual (slots step by four quarters).
    pub annual: bool,
}

impl ChartLayout {
    /// Lays out `series` on a `width` × `height` chart as `spec` asks.
    pub fn compute(spec: &ChartSpec, series: &[Series], width: u32, height: u32) -> Self {
        let w = f64::from(width);
        let h = f64::from(height);
        let alignment = series
            .first()
            .map(|s| s.alignment)
            .unwrap_or(Alignment::Fiscal);
        let annual = series.first().is_some_and(|s| s.basis == Basis::Annual);
        let styles = series_styles(series, spec.theme);
        let mut notes = Vec::new();

        // Legend: wrapped rows across the full width, under the x axis.
        let mut legend = Vec::with_capacity(series.len());
        let (mut x, mut row) = (MARGIN, 0usize);
        for (i, s) in series.iter().enumerate() {
            let name = series_name(s, series);
            let entry_w = LEGEND_SWATCH_W + LEGEND_GAP + text_width(&name, LEGEND_FONT);
            if x > MARGIN && x + entry_w > w - MARGIN {
                x = MARGIN;
                row += 1;
            }
            let on_axis = AxisUnit::of(s.unit) == spec.unit;
            if !on_axis {
                notes.push(format!(
                    "{name} is in {}, not {}, so it is not drawn on this chart.",
                    AxisUnit::of(s.unit).description(),
                    spec.unit.description()
                ));
            }
            let (color, dash) = match spec.styles.get(i) {
                Some((c, d)) => (c.clone(), *d),
                None => styles
                    .get(i)
                    .map(|(c, d)| (c.to_string(), *d))
                    .unwrap_or(("#000000".to_string(), Dash::Solid)),
            };
            legend.push(LegendEntry {
                series: i,
                name,
                color,
                dash,
                hidden: is_hidden(spec, s),
                on_axis,
                rect: PixelRect {
                    left: x,
                    top: f64::from(u32::try_from(row).unwrap_or(0)) * LEGEND_ROW_H,
                    right: x + entry_w,
                    bottom: f64::from(u32::try_from(row).unwrap_or(0)) * LEGEND_ROW_H
                        + LEGEND_ROW_H,
                },
            });
            x += entry_w + LEGEND_SPACING;
        }

        // Slots: every quarter (or year) from the first to the last point in
        // range, gaps included, so time runs evenly along the axis.
        let visible: Vec<&Series> = series
            .iter()
            .filter(|s| !is_hidden(spec, s) && AxisUnit::of(s.unit) == spec.unit)
            .collect();
        let mut keys: Vec<(i32, String)> = visible
            .iter()
            .flat_map(|s| s.points.iter())
            .map(|p| (point_key(p, alignment), p.label.clone()))
            .filter(|(k, _)| in_range(*k, spec.from, spec.to))
            .collect();
        keys.sort_by_key(|(k, _)| *k);
        keys.dedup_by_key(|(k, _)| *k);
        let step = if annual { 4 } else { 1 };
        let mut slots: Vec<Slot> = Vec::new();
        for (key, label) in keys {
            if let Some(last) = slots.last() {
                let gap = key - last.key;
                if gap > step && gap % step == 0 {
                    let mut k = last.key + step;
                    while k < key && slots.len() < MAX_SLOTS {
                        slots.push(Slot {
                            key: k,
                            label: slot_label(k, alignment, annual),
                            x: 0.0,
                            labelled: false,
                        });
                        k += step;
                    }
                }
            }
            if slots.len() >= MAX_SLOTS {
                notes.push(format!(
                    "Only the first {MAX_SLOTS} periods are shown; narrow the range to see the rest."
                ));
                break;
            }
            slots.push(Slot {
                key,
                label,
                x: 0.0,
                labelled: false,
            });
        }

        // Values: the range of what will be drawn.
        let mut skipped_non_positive = 0usize;
        let mut values: Vec<f64> = Vec::new();
        for s in &visible {
            for p in &s.points {
                let k = point_key(p, alignment);
                if !in_range(k, spec.from, spec.to) || !slots.iter().any(|sl| sl.key == k) {
                    continue;
                }
                if let Some(v) = p
                    .value
                    .map(|v| to_axis(s.unit, v))
                    .filter(|v| v.is_finite())
                {
                    if spec.scale == Scale::Log && v <= 0.0 {
                        skipped_non_positive += 1;
                    } else {
                        values.push(v);
                    }
                }
            }
        }
        if skipped_non_positive > 0 {
            let plural = if skipped_non_positive == 1 {
                "value is"
            } else {
                "values are"
            };
            notes.push(format!(
                "{skipped_non_positive} {plural} zero or negative and cannot be shown on a log scale."
            ));
        }
        let y = value_range(&values, spec.scale).map(|(min, max)| ValueAxis {
            min,
            max,
            scale: spec.scale,
            unit: spec.unit,
        });
        if y.is_none() {
            slots.clear();
        }

        // Vertical bands, from the bottom up: notes, legend, x axis, plot.
        let legend_rows = if legend.is_empty() { 0 } else { row + 1 };
        let legend_h = f64::from(u32::try_from(legend_rows).unwrap_or(0)) * LEGEND_ROW_H;
        let notes_h = f64::from(u32::try_from(notes.len()).unwrap_or(0)) * NOTE_ROW_H;
        let title_h = if spec.title.is_empty() { 0.0 } else { TITLE_H };
        let top = (MARGIN + title_h + 8.0).round();
        let bottom = (h - MARGIN - notes_h - legend_h - X_AXIS_H - 4.0)
            .round()
            .max(top + 1.0);
        let left = (MARGIN + Y_AXIS_W).round();
        let right = (w - MARGIN - RIGHT_GAP).round().max(left + 1.0);
        let plot = PixelRect {
            left,
            top,
            right,
            bottom,
        };
        let legend_top = bottom + X_AXIS_H + 4.0;
        for e in &mut legend {
            e.rect.top += legend_top;
            e.rect.bottom += legend_top;
        }

        // Slot positions: centres of equal bands across the plot, as plotters
        // maps the x range −0.5 .. n−0.5 onto the plot's pixels.
        let n = slots.len();
        for (i, slot) in slots.iter_mut().enumerate() {
            slot.x = slot_x(plot, i, n);
        }
        thin_labels(&mut slots, plot.width(), annual);

        Self {
            width,
            height,
            plot,
            slots,
            y,
            legend,
            notes,
            alignment,
            annual,
        }
    }

    /// Pixel x of each slot, oldest first.
    pub fn x_positions(&self) -> Vec<f64> {
        self.slots.iter().map(|s| s.x).collect()
    }

    /// The slot nearest to pixel `x`, if `x` is over the plot area.
    pub fn slot_at(&self, x: f64) -> Option<usize> {
        if self.slots.is_empty() || x < self.plot.left || x >= self.plot.right {
            return None;
        }
        let n = self.slots.len();
        let i = ((x - self.plot.left) / self.band_width()).floor();
        // `i` is within 0..n because x is inside the plot.
        Some((i.max(0.0) as usize).min(n - 1))
    }

    /// The pixel x range `[from, to)` that belongs to slot `i` (what
    /// [`slot_at`](Self::slot_at) answers with `i` for): the plot's width in
    /// equal bands, one per slot.
    pub fn slot_band(&self, i: usize) -> (f64, f64) {
        let band = self.band_width();
        let from = self.plot.left + band * i as f64;
        (from, from + band)
    }

    fn band_width(&self) -> f64 {
        self.plot.width() / self.slots.len().max(1) as f64
    }

    /// Pixel y of a value in axis units (`None` off a log scale's domain or
    /// without data).
    pub fn y_px(&self, value: f64) -> Option<f64> {
        let y = self.y?;
        let frac = match y.scale {
            Scale::Linear => (value - y.min) / (y.max - y.min),
            Scale::Log => {
                if value <= 0.0 {
                    return None;
                }
                (value.ln() - y.min.ln()) / (y.max.ln() - y.min.ln())
            }
        };
        frac.is_finite()
            .then(|| self.plot.bottom - frac * self.plot.height())
    }

    /// Values that get a labelled grid line on a log scale: 1, 2 and 5 times
    /// powers of ten inside the range (only powers of ten when that gives
    /// too many). Empty on a linear scale, where plotters picks the ticks.
    pub fn log_ticks(&self) -> Vec<f64> {
        let Some(y) = self.y.filter(|y| y.scale == Scale::Log && y.min > 0.0) else {
            return Vec::new();
        };
        let (lo, hi) = (y.min.log10().floor() as i32, y.max.log10().ceil() as i32);
        let ticks = |mantissas: &[f64]| -> Vec<f64> {
            (lo..=hi)
                .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
                .filter(|v| *v >= y.min && *v <= y.max)
                .collect()
        };
        let fine = ticks(&[1.0, 2.0, 5.0]);
        if fine.len() > 10 {
            ticks(&[1.0])
        } else if fine.len() < 3 {
            ticks(&[1.0, 1.5, 2.0, 3.0, 5.0, 7.0])
        } else {
            fine
        }
    }

    /// The point of `series` at slot `slot`, if it has one.
    pub fn point_at<'a>(&self, series: &'a Series, slot: usize) -> Option<&'a SeriesPoint> {
        let key = self.slots.get(slot)?.key;
        series
            .points
            .iter()
            .rev()
            .find(|p| point_key(p, self.alignment) == key)
    }

    /// The legend entry under pixel (`x`, `y`).
    pub fn legend_at(&self, x: f64, y: f64) -> Option<&LegendEntry> {
        self.legend.iter().find(|e| e.rect.contains(x, y))
    }
}

/// A series' position on the x axis.
pub(crate) fn point_key(p: &SeriesPoint, alignment: Alignment) -> i32 {
    match alignment {
        Alignment::Calendar => p.calendar_quarter.index(),
        Alignment::Fiscal => p.fiscal_period.index(),
    }
}

fn in_range(key: i32, from: Option<RangeQuarter>, to: Option<RangeQuarter>) -> bool {
    from.is_none_or(|f| key >= f.index()) && to.is_none_or(|t| key <= t.index())
}

pub(crate) fn slot_x(plot: PixelRect, i: usize, n: usize) -> f64 {
    if n == 0 {
        return plot.left;
    }
    plot.left + plot.width() * (i as f64 + 0.5) / n as f64
}

/// The label of a slot that no series has a point for.
fn slot_label(key: i32, alignment: Alignment, annual: bool) -> String {
    let year = key.div_euclid(4);
    // rem_euclid(4) is 0..=3.
    let quarter = u8::try_from(key.rem_euclid(4) + 1).unwrap_or(1);
    match (alignment, annual) {
        (Alignment::Calendar, false) => CalendarQuarter { year, quarter }.label(),
        (Alignment::Calendar, true) => format!("CY{:02}", year.rem_euclid(100)),
        (Alignment::Fiscal, false) => FiscalPeriod {
            fiscal_year: year,
            quarter,
        }
        .label(),
        (Alignment::Fiscal, true) => format!("FY{:02}", year.rem_euclid(100)),
    }
}

/// Prints every k-th label so that they do not overlap; on the quarterly axes
/// k is 1, 2 or a multiple of 4 (one label a year).
fn thin_labels(slots: &mut [Slot], plot_w: f64, annual: bool) {
    let n = slots.len();
    if n == 0 {
        return;
    }
    let widest = slots
        .iter()
        .map(|s| text_width(&s.label, LABEL_FONT))
        .fold(0.0, f64::max)
        + 10.0;
    let fit = (plot_w / widest).floor().max(1.0) as usize;
    let mut k = n.div_ceil(fit).max(1);
    if !annual && k > 2 {
        k = k.div_ceil(4) * 4;
    }
    // Keep the newest quarter labelled: count back from the end.
    for (i, slot) in slots.iter_mut().enumerate() {
        slot.labelled = (n - 1 - i).is_multiple_of(k);
    }
}

/// A rough width of `text` at plotters font size `size` (DejaVu Sans averages
/// about 0.6 em; the SVG font size is size / 1.24).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size / 1.24 * 0.6
}

/// The value range drawn, padded; `None` when there is nothing to draw.
fn value_range(values: &[f64], scale: Scale) -> Option<(f64, f64)> {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return None;
    }
    match scale {
        Scale::Linear => {
            // Levels start from zero, so bar-like comparisons stay honest.
            let (lo, hi) = (lo.min(0.0), hi.max(0.0));
            let span = hi - lo;
            if span <= f64::EPSILON {
                return Some((lo - 1.0, hi + 1.0));
            }
            let pad = span * 0.05;
            Some((if lo < 0.0 { lo - pad } else { lo }, hi + pad))
        }
        Scale::Log => {
            let (lo, hi) = if hi / lo < 1.5 {
                (lo / 1.5, hi * 1.5)
            } else {
                (lo / 1.15, hi * 1.15)
            };
            Some((lo, hi))
        }
    }
}

/// Converts a series value (dollars, fraction, …) to the axis's units.
pub(crate) fn to_axis(unit: Unit, value: f64) -> f64 {
    match unit {
        Unit::Usd => value / 1e9,
        Unit::Ratio => value * 100.0,
        Unit::Multiple | Unit::Years | Unit::PercentagePoints | Unit::Percent => value,
    }
}

pub(crate) fn is_hidden(spec: &ChartSpec, s: &Series) -> bool {
    spec.hidden.iter().any(|k: &SeriesKey| k.matches(s))
}

/// The legend text: the ticker when all series share one metric, the series
/// label when all share one company (and the labels differ), else both.
pub(crate) fn series_name(s: &Series, all: &[Series]) -> String {
    let one_measure = all.iter().all(|o| o.measure == s.measure);
    let one_ticker = all.iter().all(|o| o.ticker == s.ticker);
    let one_label = all.iter().all(|o| o.label == s.label);
    if one_measure && !one_ticker {
        s.ticker.clone()
    } else if one_ticker && !one_label {
        s.label.clone()
    } else {
        format!("{} · {}", s.ticker, s.label)
    }
}

/// Okabe–Ito colours, which stay distinct under the common colour-vision
/// deficiencies (yellow left out: too faint on white).
const LIGHT_PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#999999",
];
/// The same on a dark background (black swapped for yellow).
const DARK_PALETTE: [&str; 8] = [
    "#56b4e9", "#e69f00", "#009e73", "#cc79a7", "#0072b2", "#d55e00", "#f0e442", "#bbbbbb",
];
const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongDash];

/// Colour and dash of every series: with several companies, colour tells
/// companies apart and dashes tell metrics apart; with one company, colour
/// tells metrics apart.
pub(crate) fn series_styles(series: &[Series], theme: Theme) -> Vec<(&'static str, Dash)> {
    let palette = match theme {
        Theme::Light => &LIGHT_PALETTE,
        Theme::Dark => &DARK_PALETTE,
    };
    let mut ticker_names: Vec<&str> = Vec::new();
    let mut measures = Vec::new();
    for s in series {
        if !ticker_names.contains(&s.ticker.as_str()) {
            ticker_names.push(&s.ticker);
        }
        if !measures.contains(&s.measure) {
            measures.push(s.measure);
        }
    }
    let several_companies = ticker_names.len() > 1;
    series
        .iter()
        .map(|s| {
            let ti = ticker_names
                .iter()
                .position(|t| *t == s.ticker)
                .unwrap_or(0);
            let mi = measures.iter().position(|m| *m == s.measure).unwrap_or(0);
            if several_companies {
                (palette[ti % palette.len()], DASHES[mi % DASHES.len()])
            } else {
                (palette[mi % palette.len()], Dash::Solid)
            }
        })
        .collect()
}
