//! The drawing itself, generic over plotters' backends.

use super::layout::{
    is_hidden, point_key, to_axis, ChartLayout, Dash, PixelRect, LABEL_FONT, LEGEND_FONT,
    LEGEND_GAP, LEGEND_SWATCH_W, MARGIN, NOTE_FONT, NOTE_ROW_H, TITLE_FONT, X_AXIS_H, Y_AXIS_W,
};
use super::theme::{font, Colors};
use super::ChartSpec;
use domain::analytics::Series;
use domain::chart_query::Scale;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::HashMap;

type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// `#rrggbb` to a colour (black if malformed; the palette is static).
fn hex(color: &str) -> RGBColor {
    let c = color.trim_start_matches('#');
    let part = |i: usize| {
        c.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    };
    RGBColor(part(0), part(2), part(4))
}

fn px(v: f64) -> i32 {
    // Pixel coordinates of a chart are far inside i32.
    v.round() as i32
}

/// Draws the chart onto `root` (any plotters backend) and returns the layout
/// used, so the caller can map pointer positions to quarters and legend entries.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    series: &[Series],
) -> DrawResult<ChartLayout, DB> {
    #[cfg(feature = "ssr")]
    super::ensure_font();
    let (width, height) = root.dim_in_pixel();
    let layout = ChartLayout::compute(spec, series, width, height);
    let colors = Colors::of(spec.theme);
    root.fill(&colors.background)?;

    if !spec.title.is_empty() {
        root.draw(&Text::new(
            spec.title.clone(),
            (px(MARGIN), px(MARGIN)),
            font(TITLE_FONT)
                .color(&colors.text)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }

    match layout.y {
        None => draw_no_data(root, &layout, &colors)?,
        Some(axis) => match axis.scale {
            Scale::Linear => plot(root, &layout, spec, series, &colors, axis.min..axis.max)?,
            Scale::Log => plot(
                root,
                &layout,
                spec,
                series,
                &colors,
                (axis.min..axis.max).log_scale(),
            )?,
        },
    }
    draw_legend(root, &layout, &colors)?;
    draw_notes(root, &layout, &colors)?;
    Ok(layout)
}

fn draw_no_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layout: &ChartLayout,
    colors: &Colors,
) -> DrawResult<(), DB> {
    let p = layout.plot;
    root.draw(&Rectangle::new(
        [(px(p.left), px(p.top)), (px(p.right), px(p.bottom))],
        colors.grid.stroke_width(1),
    ))?;
    root.draw(&Text::new(
        "No data to show".to_string(),
        (px((p.left + p.right) / 2.0), px((p.top + p.bottom) / 2.0)),
        font(LEGEND_FONT)
            .color(&colors.muted)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

/// Decimals for tick labels spanning `min..max`.
fn tick_decimals(min: f64, max: f64) -> usize {
    let span = (max - min).abs();
    if span >= 10.0 {
        0
    } else if span >= 1.0 {
        1
    } else {
        2
    }
}

/// Decimals for a log-scale tick: none for whole numbers, else enough to
/// show the first significant digit (0.05 → 2).
fn log_tick_decimals(v: f64) -> usize {
    if (v - v.round()).abs() < 1e-9 {
        0
    } else if v >= 1.0 {
        1
    } else {
        // −log10 of a positive v < 1 is positive; capped at 6 decimals.
        (-v.log10()).ceil().clamp(1.0, 6.0) as usize
    }
}

/// Axes, grid, zero line and the series, on a y coordinate of either scale.
fn plot<DB, Y>(
    root: &DrawingArea<DB, Shift>,
    layout: &ChartLayout,
    spec: &ChartSpec,
    series: &[Series],
    colors: &Colors,
    y_range: Y,
) -> DrawResult<(), DB>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let p = layout.plot;
    let n = layout.slots.len();
    let area = root.clone().shrink(
        (px(p.left - Y_AXIS_W), px(p.top)),
        (
            u32::try_from(px(p.width() + Y_AXIS_W)).unwrap_or(1),
            u32::try_from(px(p.height() + X_AXIS_H)).unwrap_or(1),
        ),
    );
    let mut chart = ChartBuilder::on(&area)
        .set_label_area_size(LabelAreaPosition::Left, px(Y_AXIS_W))
        .set_label_area_size(LabelAreaPosition::Bottom, px(X_AXIS_H))
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), y_range)?;

    let unit = spec.unit;
    let (lo, hi) = layout.y.map(|a| (a.min, a.max)).unwrap_or((0.0, 1.0));
    let linear_decimals = tick_decimals(lo, hi);
    let log = spec.scale == Scale::Log;
    let y_fmt = move |v: &f64| {
        let decimals = if log {
            log_tick_decimals(*v)
        } else {
            linear_decimals
        };
        unit.tick(*v, decimals)
    };
    // On a log scale the labelled ticks are the layout's (1, 2, 5 × 10ⁿ),
    // drawn below; plotters would label only the powers of ten.
    let log_ticks = layout.log_ticks();
    let mesh_fmt = move |v: &f64| if log { String::new() } else { y_fmt(v) };
    let mut mesh = chart.configure_mesh();
    if log {
        mesh.disable_y_mesh();
    }
    mesh.disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&mesh_fmt)
        .y_desc(unit.axis_title())
        .axis_desc_style(font(LABEL_FONT).color(&colors.text))
        .label_style(font(LABEL_FONT).color(&colors.muted))
        .bold_line_style(colors.grid.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(colors.axis.stroke_width(1))
        .draw()?;

    for v in &log_ticks {
        let Some(y) = layout.y_px(*v) else { continue };
        root.draw(&PathElement::new(
            vec![(px(p.left), px(y)), (px(p.right), px(y))],
            colors.grid.stroke_width(1),
        ))?;
        root.draw(&Text::new(
            y_fmt(v),
            (px(p.left) - 8, px(y)),
            font(LABEL_FONT)
                .color(&colors.muted)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }

    // The x labels, at the layout's slot positions.
    for slot in layout.slots.iter().filter(|s| s.labelled) {
        root.draw(&PathElement::new(
            vec![(px(slot.x), px(p.bottom)), (px(slot.x), px(p.bottom) + 4)],
            colors.axis.stroke_width(1),
        ))?;
        root.draw(&Text::new(
            slot.label.clone(),
            (px(slot.x), px(p.bottom) + 8),
            font(LABEL_FONT)
                .color(&colors.muted)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }

    // A zero line when the values cross zero.
    if !log && lo < 0.0 && hi > 0.0 {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
            colors.axis.stroke_width(1),
        )))?;
    }

    let slot_of: HashMap<i32, usize> = layout
        .slots
        .iter()
        .enumerate()
        .map(|(i, s)| (s.key, i))
        .collect();
    // A break: a dashed rule between the slot and the one before it, and no
    // line across it.
    let break_slots: Vec<usize> = spec
        .breaks
        .iter()
        .filter_map(|k| slot_of.get(k).copied())
        .filter(|i| *i > 0)
        .collect();
    for i in &break_slots {
        let x = *i as f64 - 0.5;
        chart.draw_series(DashedLineSeries::new(
            vec![(x, lo), (x, hi)],
            4,
            4,
            colors.muted.stroke_width(1),
        ))?;
    }
    for (s, entry) in series.iter().zip(&layout.legend) {
        if is_hidden(spec, s) || !entry.on_axis {
            continue;
        }
        let mut points: Vec<(usize, f64)> = s
            .points
            .iter()
            .filter_map(|pt| {
                let slot = *slot_of.get(&point_key(pt, layout.alignment))?;
                let v = to_axis(s.unit, pt.value?);
                (v.is_finite() && (!log || v > 0.0)).then_some((slot, v))
            })
            .collect();
        points.sort_by_key(|(slot, _)| *slot);
        points.dedup_by_key(|(slot, _)| *slot);
        let style = hex(&entry.color).stroke_width(2);
        for run in runs(&points, &break_slots) {
            let coords: Vec<(f64, f64)> = run.iter().map(|(i, v)| (*i as f64, *v)).collect();
            if coords.len() == 1 {
                chart.draw_series(
                    coords
                        .iter()
                        .map(|c| Circle::new(*c, 3, hex(&entry.color).filled())),
                )?;
                continue;
            }
            match entry.dash.pattern() {
                None => {
                    chart.draw_series(LineSeries::new(coords, style))?;
                }
                Some((dash, gap)) => {
                    chart.draw_series(DashedLineSeries::new(coords, dash, gap, style))?;
                }
            }
        }
    }
    Ok(())
}

/// Splits points (slot, value), sorted by slot, into runs of adjacent slots:
/// a missing value between two runs is a gap in the line, and so is a break
/// (a slot in `break_slots` starts a new run).
fn runs<'a>(points: &'a [(usize, f64)], break_slots: &[usize]) -> Vec<&'a [(usize, f64)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=points.len() {
        let breaks = i == points.len()
            || points[i].0 != points[i - 1].0 + 1
            || break_slots.contains(&points[i].0);
        if breaks {
            if start < i {
                out.push(&points[start..i]);
            }
            start = i;
        }
    }
    out
}

fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layout: &ChartLayout,
    colors: &Colors,
) -> DrawResult<(), DB> {
    for e in &layout.legend {
        let muted = e.hidden || !e.on_axis;
        let color = if muted { colors.muted } else { hex(&e.color) };
        draw_swatch(root, e.rect, e.dash, color)?;
        let text = if e.hidden {
            format!("{} (hidden)", e.name)
        } else {
            e.name.clone()
        };
        root.draw(&Text::new(
            text,
            (
                px(e.rect.left + LEGEND_SWATCH_W + LEGEND_GAP),
                px((e.rect.top + e.rect.bottom) / 2.0),
            ),
            font(LEGEND_FONT)
                .color(if muted { &colors.muted } else { &colors.text })
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// A short line in the series' colour and dash pattern.
fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PixelRect,
    dash: Dash,
    color: RGBColor,
) -> DrawResult<(), DB> {
    let y = px((rect.top + rect.bottom) / 2.0);
    let x0 = px(rect.left);
    let x1 = px(rect.left + LEGEND_SWATCH_W);
    let style = color.stroke_width(3);
    match dash.pattern() {
        None => root.draw(&PathElement::new(vec![(x0, y), (x1, y)], style))?,
        Some((on, off)) => {
            let (on, off) = (
                i32::try_from(on).unwrap_or(4),
                i32::try_from(off).unwrap_or(4),
            );
            let mut x = x0;
            while x < x1 {
                root.draw(&PathElement::new(
                    vec![(x, y), ((x + on).min(x1), y)],
                    style,
                ))?;
                x += on + off;
            }
        }
    }
    Ok(())
}

fn draw_notes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layout: &ChartLayout,
    colors: &Colors,
) -> DrawResult<(), DB> {
    let count = f64::from(u32::try_from(layout.notes.len()).unwrap_or(0));
    let top = f64::from(layout.height) - MARGIN - count * NOTE_ROW_H;
    for (i, note) in layout.notes.iter().enumerate() {
        let y = top + f64::from(u32::try_from(i).unwrap_or(0)) * NOTE_ROW_H;
        root.draw(&Text::new(
            note.clone(),
            (px(MARGIN), px(y)),
            font(NOTE_FONT)
                .color(&colors.muted)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
pub(super) fn run_count(points: &[(usize, f64)]) -> usize {
    runs(points, &[]).len()
}
