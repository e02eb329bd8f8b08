//! Capex guidance against actuals for one fiscal year (methodology section
//! 8), on a time axis from the year's start to its end:
//!
//! - each guided range is a band from the day it was stated until the next
//!   statement (or the year's end), so a raise reads as a step up;
//! - the capex reported so far is a cumulative line, a point at each
//!   quarter's end, rising towards the range;
//! - while quarters remain, two dashed lines run from the last point to the
//!   low and the high end at the year's end: what the remaining quarters
//!   need.
//!
//! Drawn with plotters on any backend, like the waterfall; the page puts
//! the same numbers in a table beside it.

use super::theme::{font, Colors};
use super::Theme;
use domain::analytics::guidance::GuidanceYear;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::prelude::ToPrimitive;
use time::Date;

struct Palette {
    base: Colors,
    band: RGBColor,
    actual: RGBColor,
}

impl Palette {
    /// Okabe–Ito blue for the ranges and vermillion for the spending: apart
    /// under the common colour-vision deficiencies, and each is labelled.
    fn of(theme: Theme) -> Self {
        match theme {
            Theme::Light => Self {
                base: Colors::of(theme),
                band: RGBColor(0, 114, 178),
                actual: RGBColor(213, 94, 0),
            },
            Theme::Dark => Self {
                base: Colors::of(theme),
                band: RGBColor(86, 180, 233),
                actual: RGBColor(230, 159, 0),
            },
        }
    }
}

/// One range on the chart: from a day to a day, low to high, in billions.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub from: Date,
    pub to: Date,
    pub low: f64,
    pub high: f64,
    /// `$125–145B from Apr 29, 2026`.
    pub label: String,
    /// The range in force.
    pub current: bool,
}

/// The bands of `year`'s ranges within `span` (the fiscal year's first and
/// last day): one per revision, each until the next; without a dated
/// history, the range in force over the whole year.
pub fn bands(year: &GuidanceYear, span: (Date, Date)) -> Vec<Band> {
    let b = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0) / 1e9;
    if year.revisions.is_empty() {
        return vec![Band {
            from: span.0,
            to: span.1,
            low: b(year.low.value),
            high: b(year.high.value),
            label: range_text(b(year.low.value), b(year.high.value)),
            current: true,
        }];
    }
    let n = year.revisions.len();
    year.revisions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let to = year
                .revisions
                .get(i + 1)
                .map_or(span.1, |next| next.known_at)
                .max(r.known_at);
            Band {
                from: r.known_at,
                to,
                low: b(r.low.value),
                high: b(r.high.value),
                label: format!(
                    "{} from {}",
                    range_text(b(r.low.value), b(r.high.value)),
                    short_date(r.known_at)
                ),
                current: i + 1 == n,
            }
        })
        .collect()
}

/// `$125–145B`, or `$200B` for a point.
fn range_text(low: f64, high: f64) -> String {
    if (high - low).abs() < 1e-9 {
        format!("${}B", trim(low))
    } else {
        format!("${}–{}B", trim(low), trim(high))
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// `Apr 29, 2026`.
pub fn short_date(d: Date) -> String {
    let month = d.month().to_string();
    format!("{} {}, {}", &month[..3], d.day(), d.year())
}

const MARGIN: u32 = 12;

/// Draws `year` on `root`; `span` is the fiscal year's first and last day.
pub fn draw_guidance<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    year: &GuidanceYear,
    span: (Date, Date),
    theme: Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    #[cfg(feature = "ssr")]
    super::ensure_font();
    let c = Palette::of(theme);
    root.fill(&c.base.background)?;
    let bands = bands(year, span);
    let start = span.0.min(bands.first().map_or(span.0, |b| b.from));
    let day = |d: Date| (d - start).whole_days() as f64;
    let end = day(span.1).max(1.0);

    // Cumulative capex at each quarter's end, from zero at the year's start.
    let mut points = vec![(day(span.0), 0.0)];
    let mut sum = 0.0;
    for q in &year.quarters {
        sum += q.value.to_f64().unwrap_or(0.0) / 1e9;
        points.push((day(q.period_end), sum));
    }
    let top = bands.iter().map(|b| b.high).fold(sum, f64::max).max(1.0) * 1.12;

    let mut chart = ChartBuilder::on(root)
        .margin(MARGIN)
        .caption(title, font(18.0).color(&c.base.text))
        .x_label_area_size(34)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..end + 1.0, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .y_desc("USD billions")
        .y_labels(6)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(font(13.0).color(&c.base.muted))
        .axis_desc_style(font(13.0).color(&c.base.muted))
        .max_light_lines(0)
        .bold_line_style(c.base.grid)
        .axis_style(c.base.muted)
        .draw()?;

    // The quarters under the axis: a tick at each boundary, a label in each.
    let quarter_ends: Vec<f64> = (1..=4)
        .map(|k| {
            let m = day(span.0) + (day(span.1) - day(span.0)) * f64::from(k) / 4.0;
            m.min(end)
        })
        .collect();
    let mut previous = day(span.0);
    for (k, q_end) in quarter_ends.iter().enumerate() {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(*q_end, 0.0), (*q_end, top * 0.015)],
            c.base.muted.stroke_width(1),
        )))?;
        let (x, y) = chart.backend_coord(&((previous + q_end) / 2.0, 0.0));
        root.draw(&Text::new(
            format!("{} Q{}", year.label, k + 1),
            (x, y + 8),
            font(13.0)
                .color(&c.base.muted)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        previous = *q_end;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (end, 0.0)],
        c.base.muted.stroke_width(1),
    )))?;

    // The ranges: the one in force darker; its label above, earlier ones below.
    for b in &bands {
        let (x0, x1) = (day(b.from), day(b.to).max(day(b.from) + 1.0));
        let alpha = if b.current { 0.30 } else { 0.14 };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, b.low), (x1, b.high.max(b.low + top * 0.004))],
            c.band.mix(alpha).filled(),
        )))?;
        for level in [b.low, b.high] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x0, level), (x1, level)],
                c.band.stroke_width(if b.current { 2 } else { 1 }),
            )))?;
        }
        let (x, y) = if b.current {
            chart.backend_coord(&(x0, b.high))
        } else {
            chart.backend_coord(&(x0, b.low))
        };
        let pos = if b.current { VPos::Bottom } else { VPos::Top };
        root.draw(&Text::new(
            b.label.clone(),
            (x + 4, if b.current { y - 4 } else { y + 4 }),
            font(13.0)
                .color(&c.base.text)
                .pos(Pos::new(HPos::Left, pos)),
        ))?;
    }

    // What the remaining quarters need: dashed from the last point to each end.
    if let (Some(&(x, y)), Some(_)) = (points.last(), year.needed_per_quarter) {
        if !year.quarters.is_empty() {
            for target in [
                year.low.value.to_f64().unwrap_or(0.0) / 1e9,
                year.high.value.to_f64().unwrap_or(0.0) / 1e9,
            ] {
                chart.draw_series(DashedLineSeries::new(
                    vec![(x, y), (day(span.1), target)],
                    6,
                    4,
                    c.actual.stroke_width(1),
                ))?;
            }
        }
    }

    // The capex reported so far.
    if points.len() > 1 {
        chart.draw_series(std::iter::once(PathElement::new(
            points.clone(),
            c.actual.stroke_width(3),
        )))?;
        chart.draw_series(
            points[1..]
                .iter()
                .map(|p| Circle::new(*p, 4, c.actual.filled())),
        )?;
        let &(x, y) = points.last().unwrap_or(&(0.0, 0.0));
        let (px, py) = chart.backend_coord(&(x, y));
        let text = if year.is_complete() {
            format!("${}B full year", trim(sum))
        } else {
            format!("${}B to date", trim(sum))
        };
        root.draw(&Text::new(
            text,
            (px + 8, py),
            font(13.0)
                .color(&c.actual)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// The chart as a standalone SVG document.
pub fn render_guidance_svg(
    title: &str,
    year: &GuidanceYear,
    span: (Date, Date),
    width: u32,
    height: u32,
) -> String {
    super::svg_document(width, height, |root| {
        draw_guidance(root, title, year, span, Theme::Light).and_then(|()| root.present())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::analytics::guidance::GuidanceRevision;
    use domain::analytics::InputRef;
    use domain::{FiscalPeriod, Metric, Provenance, SourceKind};
    use rust_decimal::Decimal;
    use time::macros::date;

    fn input(metric: Metric, period: FiscalPeriod, end: Date, billions: i64) -> InputRef {
        InputRef {
            metric,
            period,
            period_end: end,
            value: Decimal::from(billions) * Decimal::from(1_000_000_000_i64),
            provenance: Provenance {
                fact_id: 1,
                kind: SourceKind::Analyst,
                label: "test".into(),
                url: None,
            },
        }
    }

    fn meta_2026() -> GuidanceYear {
        let year = FiscalPeriod::year(2026).unwrap();
        let end = date!(2026 - 12 - 31);
        let rev = |known_at, lo, hi| GuidanceRevision {
            known_at,
            low: input(Metric::CapexGuidanceLow, year, end, lo),
            high: input(Metric::CapexGuidanceHigh, year, end, hi),
        };
        let q1 = FiscalPeriod::quarter(2026, 1).unwrap();
        GuidanceYear {
            fiscal_year: 2026,
            label: "FY26".into(),
            low: input(Metric::CapexGuidanceLow, year, end, 125),
            high: input(Metric::CapexGuidanceHigh, year, end, 145),
            revisions: vec![
                rev(date!(2026 - 01 - 28), 115, 135),
                rev(date!(2026 - 04 - 29), 125, 145),
            ],
            quarters: vec![input(Metric::Capex, q1, date!(2026 - 03 - 31), 19)],
            missing_quarter: None,
            actual: Decimal::from(19_000_000_000_i64),
            needed_per_quarter: Some((
                Decimal::from(35_333_000_000_i64),
                Decimal::from(42_000_000_000_i64),
            )),
        }
    }

    #[test]
    fn each_revision_is_a_band_until_the_next_and_the_last_runs_to_the_year_end() {
        // Act
        let b = bands(&meta_2026(), (date!(2026 - 01 - 01), date!(2026 - 12 - 31)));

        // Assert
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].from, b[0].to, b[0].low, b[0].high),
            (date!(2026 - 01 - 28), date!(2026 - 04 - 29), 115.0, 135.0)
        );
        assert!(!b[0].current);
        assert_eq!(b[0].label, "$115–135B from Jan 28, 2026");
        assert_eq!(
            (b[1].from, b[1].to, b[1].current),
            (date!(2026 - 04 - 29), date!(2026 - 12 - 31), true)
        );
    }

    #[test]
    fn the_svg_names_every_range_and_the_spending_to_date() {
        let svg = render_guidance_svg(
            "",
            &meta_2026(),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
            720,
            320,
        );
        for text in [
            "$115–135B from Jan 28, 2026",
            "$125–145B from Apr 29, 2026",
            "$19B to date",
            "FY26 Q4",
        ] {
            assert!(svg.contains(text), "{text} in {svg}");
        }
    }
}
