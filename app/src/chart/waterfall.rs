//! The cash-conversion waterfall: operating cash flow, minus capex, plus
//! proceeds from property sales, equals free cash flow, minus finance-lease
//! principal, equals FCF after leases.
//!
//! Drawn with plotters on any backend (SVG on the server, so the page shows it
//! without JavaScript). A missing step is drawn as a dashed, empty box marked
//! `n/a`, never as a zero, and every later total it feeds is missing too; a
//! step whose starting level is unknown (an earlier step is missing) floats
//! from zero in outline only, and a note under the chart says so.

use super::theme::{font, Colors};
use super::Theme;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

/// What a bar of the waterfall does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    /// A level from zero (the first bar).
    Start,
    /// Adds to the running level.
    Add,
    /// Subtracts from the running level (the value is the amount subtracted, ≥ 0 when normal).
    Subtract,
    /// A level from zero that the steps before it add up to.
    Total,
}

/// One bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaterfallStep {
    /// Axis label (short: it is wrapped onto two lines when needed).
    pub label: String,
    pub kind: StepKind,
    /// Dollars; `None` when missing.
    pub value: Option<f64>,
    /// The value as printed above the bar (`$148.5B`, `($12.0B)`, `n/a`).
    pub text: String,
}

const MARGIN: f64 = 12.0;
const Y_AXIS_W: f64 = 64.0;
const X_AXIS_H: f64 = 44.0;
const TITLE_H: f64 = 30.0;
const NOTE_ROW_H: f64 = 18.0;

struct Palette {
    base: Colors,
    level: RGBColor,
    add: RGBColor,
    subtract: RGBColor,
}

impl Palette {
    /// Okabe–Ito blue, bluish green and vermillion: distinct under the common
    /// colour-vision deficiencies; each bar's text also says what it is.
    fn of(theme: Theme) -> Self {
        match theme {
            Theme::Light => Self {
                base: Colors::of(theme),
                level: RGBColor(0, 114, 178),
                add: RGBColor(0, 158, 115),
                subtract: RGBColor(213, 94, 0),
            },
            Theme::Dark => Self {
                base: Colors::of(theme),
                level: RGBColor(86, 180, 233),
                add: RGBColor(0, 158, 115),
                subtract: RGBColor(230, 159, 0),
            },
        }
    }
}

/// Where each bar goes, in dollars: `(from, to)`, or `None` when missing; and
/// whether its start is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub span: Option<(f64, f64)>,
    /// False for a step drawn from zero because the level before it is unknown.
    pub anchored: bool,
}

/// The bars of `steps`: levels run through Add/Subtract steps; a missing step
/// makes the running level unknown until the next known Start or Total.
pub fn bars(steps: &[WaterfallStep]) -> Vec<Bar> {
    let mut level: Option<f64> = None;
    steps
        .iter()
        .map(|s| match (s.kind, s.value) {
            (_, None) => {
                level = None;
                Bar {
                    span: None,
                    anchored: true,
                }
            }
            (StepKind::Start | StepKind::Total, Some(v)) => {
                level = Some(v);
                Bar {
                    span: Some((0.0, v)),
                    anchored: true,
                }
            }
            (StepKind::Add | StepKind::Subtract, Some(v)) => {
                let delta = if s.kind == StepKind::Add { v } else { -v };
                match level {
                    Some(l) => {
                        level = Some(l + delta);
                        Bar {
                            span: Some((l, l + delta)),
                            anchored: true,
                        }
                    }
                    None => Bar {
                        span: Some((0.0, delta)),
                        anchored: false,
                    },
                }
            }
        })
        .collect()
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

/// A "nice" tick step (1, 2 or 5 × 10ⁿ) giving about `target` ticks over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Splits a label onto at most two lines when it is wider than `width` pixels.
fn wrap(label: &str, width: f64, size: f64) -> Vec<String> {
    let w = |t: &str| t.chars().count() as f64 * size / 1.24 * 0.6;
    if w(label) <= width {
        return vec![label.to_string()];
    }
    let words: Vec<&str> = label.split(' ').collect();
    let mut best = (f64::INFINITY, 1usize);
    for cut in 1..words.len() {
        let (a, b) = (words[..cut].join(" "), words[cut..].join(" "));
        let worst = w(&a).max(w(&b));
        if worst < best.0 {
            best = (worst, cut);
        }
    }
    if words.len() < 2 {
        return vec![label.to_string()];
    }
    vec![words[..best.1].join(" "), words[best.1..].join(" ")]
}

/// Draws the waterfall on `root`. `notes` are printed under the chart.
pub fn draw_waterfall<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    steps: &[WaterfallStep],
    notes: &[String],
    theme: Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    #[cfg(feature = "ssr")]
    super::ensure_font();
    let c = Palette::of(theme);
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    root.fill(&c.base.background)?;
    if !title.is_empty() {
        root.draw(&Text::new(
            title.to_string(),
            (px(MARGIN), px(MARGIN)),
            font(20.0)
                .color(&c.base.text)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }
    let bars = bars(steps);
    let notes_h = notes.len() as f64 * NOTE_ROW_H;
    let top = MARGIN + if title.is_empty() { 0.0 } else { TITLE_H } + 22.0;
    let bottom = (h - MARGIN - notes_h - X_AXIS_H).max(top + 10.0);
    let left = MARGIN + Y_AXIS_W;
    let right = (w - MARGIN).max(left + 10.0);

    // The value range (billions), zero included.
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for b in bars.iter().filter_map(|b| b.span) {
        lo = lo.min(b.0.min(b.1) / 1e9);
        hi = hi.max(b.0.max(b.1) / 1e9);
    }
    if hi - lo <= f64::EPSILON {
        hi = lo + 1.0;
    }
    let step = nice_step(hi - lo, 5.0);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let y = |billions: f64| bottom - (billions - lo) / (hi - lo) * (bottom - top);

    // Grid and value axis.
    let mut v = lo;
    while v <= hi + step / 2.0 {
        let yy = px(y(v));
        let zero = v.abs() < step / 1e6;
        root.draw(&PathElement::new(
            vec![(px(left), yy), (px(right), yy)],
            if zero { c.base.muted } else { c.base.grid }.stroke_width(1),
        ))?;
        let label = if v < 0.0 {
            format!("\u{2212}{:.0}", -v)
        } else {
            format!("{v:.0}")
        };
        root.draw(&Text::new(
            label,
            (px(left) - 8, yy),
            font(14.0)
                .color(&c.base.muted)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        v += step;
    }
    root.draw(&Text::new(
        "USD billions".to_string(),
        (px(MARGIN), px(top) - 20),
        font(14.0)
            .color(&c.base.muted)
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;

    // Bars, connectors, values and labels.
    let n = steps.len().max(1) as f64;
    let band = (right - left) / n;
    let bar_w = (band * 0.56).max(4.0);
    let mut previous_end: Option<(f64, f64)> = None; // (x right edge, level in billions)
    for (i, (s, b)) in steps.iter().zip(&bars).enumerate() {
        let cx = left + band * (i as f64 + 0.5);
        let (x0, x1) = (cx - bar_w / 2.0, cx + bar_w / 2.0);
        let color = match s.kind {
            StepKind::Start | StepKind::Total => c.level,
            StepKind::Add => c.add,
            StepKind::Subtract => c.subtract,
        };
        let value_y = match b.span {
            Some((from, to)) => {
                let (y0, y1) = (y(from / 1e9), y(to / 1e9));
                let (ya, yb) = (y0.min(y1), y0.max(y1).max(y0.min(y1) + 1.0));
                if b.anchored {
                    root.draw(&Rectangle::new(
                        [(px(x0), px(ya)), (px(x1), px(yb))],
                        color.filled(),
                    ))?;
                } else {
                    root.draw(&Rectangle::new(
                        [(px(x0), px(ya)), (px(x1), px(yb))],
                        color.stroke_width(2),
                    ))?;
                }
                if let Some((prev_x, level)) = previous_end {
                    if b.anchored && matches!(s.kind, StepKind::Add | StepKind::Subtract) {
                        let yy = px(y(level));
                        root.draw(&PathElement::new(
                            vec![(px(prev_x), yy), (px(x0), yy)],
                            c.base.muted.stroke_width(1),
                        ))?;
                    }
                }
                previous_end = b.anchored.then_some((x1, to / 1e9));
                ya
            }
            None => {
                // Missing: a dashed, empty box at the zero line, marked n/a.
                let (ya, yb) = (y(0.0) - 36.0, y(0.0));
                let mut xx = x0;
                while xx < x1 {
                    let xe = (xx + 6.0).min(x1);
                    for yy in [ya, yb] {
                        root.draw(&PathElement::new(
                            vec![(px(xx), px(yy)), (px(xe), px(yy))],
                            c.base.muted.stroke_width(1),
                        ))?;
                    }
                    xx += 10.0;
                }
                let mut yy = ya;
                while yy < yb {
                    let ye = (yy + 6.0).min(yb);
                    for xs in [x0, x1] {
                        root.draw(&PathElement::new(
                            vec![(px(xs), px(yy)), (px(xs), px(ye))],
                            c.base.muted.stroke_width(1),
                        ))?;
                    }
                    yy += 10.0;
                }
                previous_end = None;
                ya
            }
        };
        root.draw(&Text::new(
            s.text.clone(),
            (px(cx), px(value_y) - 6),
            font(15.0)
                .color(if b.span.is_some() {
                    &c.base.text
                } else {
                    &c.base.muted
                })
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        for (k, line) in wrap(&s.label, band - 6.0, 14.0).into_iter().enumerate() {
            root.draw(&Text::new(
                line,
                (px(cx), px(bottom) + 8 + 17 * k as i32),
                font(14.0)
                    .color(&c.base.text)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
    }
    for (i, note) in notes.iter().enumerate() {
        root.draw(&Text::new(
            note.clone(),
            (px(MARGIN), px(h - MARGIN - notes_h + i as f64 * NOTE_ROW_H)),
            font(13.0)
                .color(&c.base.muted)
                .pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }
    Ok(())
}

/// The waterfall as a standalone SVG document.
pub fn render_waterfall_svg(
    title: &str,
    steps: &[WaterfallStep],
    notes: &[String],
    width: u32,
    height: u32,
) -> String {
    super::svg_document(width, height, |root| {
        draw_waterfall(root, title, steps, notes, Theme::Light).and_then(|()| root.present())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(label: &str, kind: StepKind, value: Option<f64>) -> WaterfallStep {
        WaterfallStep {
            label: label.into(),
            kind,
            value,
            text: value.map_or("n/a".into(), |v| format!("{v}")),
        }
    }

    #[test]
    fn steps_run_from_operating_cash_flow_down_to_free_cash_flow() {
        // Arrange: OCF 100, capex 60, proceeds 5, FCF 45.
        let steps = [
            step("OCF", StepKind::Start, Some(100.0)),
            step("Capex", StepKind::Subtract, Some(60.0)),
            step("Proceeds", StepKind::Add, Some(5.0)),
            step("FCF", StepKind::Total, Some(45.0)),
        ];

        // Act
        let b = bars(&steps);

        // Assert: 0→100, 100→40, 40→45, 0→45.
        let spans: Vec<_> = b.iter().map(|b| b.span).collect();
        assert_eq!(
            spans,
            vec![
                Some((0.0, 100.0)),
                Some((100.0, 40.0)),
                Some((40.0, 45.0)),
                Some((0.0, 45.0))
            ]
        );
        assert!(b.iter().all(|b| b.anchored));
    }

    #[test]
    fn a_missing_step_stays_missing_and_unanchors_the_steps_after_it() {
        // Arrange: proceeds missing, so FCF is missing too.
        let steps = [
            step("OCF", StepKind::Start, Some(100.0)),
            step("Proceeds", StepKind::Add, None),
            step("Leases", StepKind::Subtract, Some(10.0)),
            step("FCF", StepKind::Total, None),
        ];

        // Act
        let b = bars(&steps);
        let svg = render_waterfall_svg("t", &steps, &[], 800, 400);

        // Assert: no zero-height bar stands in for the missing value.
        assert_eq!(b[1].span, None);
        assert_eq!(b[2].span, Some((0.0, -10.0)));
        assert!(!b[2].anchored);
        assert_eq!(b[3].span, None);
        assert_eq!(svg.matches("n/a").count(), 2, "{svg}");
    }

    #[test]
    fn long_labels_wrap_onto_two_lines() {
        assert_eq!(
            wrap("Finance lease principal", 80.0, 14.0),
            vec!["Finance lease", "principal"]
        );
        assert_eq!(wrap("Capex", 80.0, 14.0), vec!["Capex"]);
    }
}
