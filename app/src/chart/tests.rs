use super::draw::run_count;
use super::*;
use domain::analytics::{Alignment, Basis, Change, DerivedMetric, Measure, SeriesPoint};
use domain::{CalendarQuarter, FiscalPeriod, Metric, Ticker};
use time::macros::date;

/// A calendar-aligned quarterly series starting at CY`year` Q1, values in
/// billions of USD (`None` = missing).
fn usd_series(ticker: &str, measure: Measure, year: i32, billions: &[Option<f64>]) -> Series {
    let points = billions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let i = i32::try_from(i).unwrap();
            let key = year * 4 + i;
            let quarter = u8::try_from(key.rem_euclid(4) + 1).unwrap();
            let cq = CalendarQuarter {
                year: key.div_euclid(4),
                quarter,
            };
            SeriesPoint {
                label: cq.label(),
                fiscal_period: FiscalPeriod {
                    fiscal_year: cq.year,
                    quarter,
                },
                calendar_quarter: cq,
                period_end: date!(2026 - 03 - 31),
                value: v.map(|b| b * 1e9),
                exact: None,
                inputs: vec![],
                missing: vec![],
            }
        })
        .collect();
    Series {
        ticker: ticker.to_string(),
        measure,
        label: measure.label().to_string(),
        unit: measure.unit(),
        basis: Basis::Ttm,
        alignment: Alignment::Calendar,
        change: Change::Level,
        points,
    }
}

fn capex() -> Measure {
    Measure::Stored(Metric::Capex)
}

fn fcf() -> Measure {
    Measure::Derived(DerivedMetric::Fcf)
}

fn spec() -> ChartSpec {
    ChartSpec::new("Capex, TTM", AxisUnit::UsdBillions)
}

/// The text of every `<text>` element (plotters writes it on its own line).
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|el| {
            let body = el.split_once('>')?.1;
            Some(body.split("</text>").next()?.trim().to_string())
        })
        .collect()
}

fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|t| t == text)
}

/// The `<polyline>` elements drawn in `color` (`#RRGGBB`, upper case).
fn polylines<'a>(svg: &'a str, color: &str) -> Vec<&'a str> {
    svg.split('<')
        .filter(|el| {
            el.starts_with("polyline")
                && el.contains(&format!("stroke=\"{color}\""))
                && el.contains("stroke-width=\"2\"")
        })
        .collect()
}

#[test]
fn the_svg_names_every_series_and_states_the_unit_on_the_axis() {
    let series = vec![
        usd_series(
            "GOOGL",
            capex(),
            2024,
            &[Some(40.0), Some(45.0), Some(52.5)],
        ),
        usd_series("NVDA", capex(), 2024, &[Some(1.0), Some(2.0), Some(3.0)]),
    ];
    let svg = render_svg(&spec(), &series, 800, 400);
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(has_text(&svg, "GOOGL") && has_text(&svg, "NVDA"), "{svg}");
    assert!(has_text(&svg, "USD billions"), "{svg}");
    assert!(has_text(&svg, "Capex, TTM"), "{svg}");
    assert!(
        has_text(&svg, "CY24 Q1") || has_text(&svg, "CY24 Q3"),
        "{svg}"
    );
    // Values are billions: the axis does not count to 50,000,000,000.
    assert!(!svg.contains("50000000000"), "{svg}");
}

#[test]
fn a_missing_value_leaves_a_gap_instead_of_dropping_to_zero() {
    let series = vec![usd_series(
        "AMZN",
        capex(),
        2024,
        &[Some(10.0), Some(12.0), None, Some(14.0), Some(15.0)],
    )];
    let svg = render_svg(&spec(), &series, 800, 400);
    let lines = polylines(&svg, "#0072B2");
    assert_eq!(lines.len(), 2, "two segments around the gap: {svg}");
    assert_eq!(run_count(&[(0, 1.0), (1, 1.0), (3, 1.0), (4, 1.0)]), 2);
}

#[test]
fn a_break_splits_the_line_where_what_it_sums_changes() {
    // Five quarters from CY24 Q1; the set summed changes at CY24 Q3.
    let series = vec![usd_series(
        "Cohort",
        capex(),
        2024,
        &[Some(10.0), Some(12.0), Some(13.0), Some(14.0), Some(15.0)],
    )];
    let with_break = ChartSpec {
        breaks: vec![CalendarQuarter {
            year: 2024,
            quarter: 3,
        }
        .index()],
        ..spec()
    };
    let unbroken = render_svg(&spec(), &series, 800, 400);
    let broken = render_svg(&with_break, &series, 800, 400);
    assert_eq!(polylines(&unbroken, "#0072B2").len(), 1, "{unbroken}");
    assert_eq!(
        polylines(&broken, "#0072B2").len(),
        2,
        "the line stops before CY24 Q3 and starts again: {broken}"
    );
}

#[test]
fn an_isolated_value_is_drawn_as_a_dot_at_the_layouts_position() {
    let series = vec![usd_series(
        "META",
        capex(),
        2024,
        &[Some(10.0), None, Some(20.0), None, Some(15.0)],
    )];
    let (svg, layout) = render_svg_with_layout(&spec(), &series, 800, 400);
    assert!(polylines(&svg, "#0072B2").is_empty(), "{svg}");
    let circles: Vec<&str> = svg
        .split('<')
        .filter(|el| el.starts_with("circle") && el.contains("#0072B2"))
        .collect();
    assert_eq!(circles.len(), 3, "{svg}");
    // The dot for slot 2 (CY24 Q3, 20 B) sits where the layout says.
    let attr = |el: &str, name: &str| -> f64 {
        let start = el.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        el[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (cx, cy) = (attr(circles[1], "cx"), attr(circles[1], "cy"));
    assert!(
        (cx - layout.slots[2].x).abs() <= 1.0,
        "{cx} vs {:?}",
        layout.slots[2]
    );
    let y = layout.y_px(20.0).unwrap();
    assert!((cy - y).abs() <= 1.0, "{cy} vs {y}");
}

#[test]
fn a_log_scale_skips_zero_and_negative_values_and_says_so() {
    let mut spec = spec();
    spec.scale = Scale::Log;
    let series = vec![usd_series(
        "ORCL",
        fcf(),
        2024,
        &[Some(-5.0), Some(0.0), Some(3.0), Some(6.0), Some(12.0)],
    )];
    let spec = ChartSpec {
        unit: AxisUnit::UsdBillions,
        ..spec
    };
    let (svg, layout) = render_svg_with_layout(&spec, &series, 800, 400);
    assert!(
        layout
            .notes
            .iter()
            .any(|n| n.contains("2 values are zero or negative")),
        "{:?}",
        layout.notes
    );
    assert!(svg.contains("cannot be shown on a log scale"), "{svg}");
    assert_eq!(polylines(&svg, "#0072B2").len(), 1, "{svg}");
    assert!(layout.y.is_some_and(|y| y.min > 0.0));
}

#[test]
fn a_log_scale_with_only_negative_values_renders_no_data_without_panicking() {
    let spec = ChartSpec {
        scale: Scale::Log,
        ..spec()
    };
    let series = vec![usd_series("X", fcf(), 2024, &[Some(-5.0), Some(-1.0)])];
    let svg = render_svg(&spec, &series, 600, 300);
    assert!(svg.contains("No data to show"), "{svg}");
}

#[test]
fn empty_input_renders_a_no_data_chart() {
    let (svg, layout) = render_svg_with_layout(&spec(), &[], 640, 320);
    assert!(
        svg.starts_with("<svg") && svg.contains("No data to show"),
        "{svg}"
    );
    assert!(layout.slots.is_empty() && layout.y.is_none());
    assert_eq!(layout.slot_at(300.0), None);
}

#[test]
fn a_series_of_only_missing_values_renders_a_no_data_chart() {
    let series = vec![usd_series("MSFT", capex(), 2024, &[None, None])];
    let svg = render_svg(&spec(), &series, 640, 320);
    assert!(
        svg.contains("No data to show")
            && has_text(&svg, "MSFT · Capex (purchases of property and equipment)"),
        "{svg}"
    );
}

#[test]
fn a_hidden_series_stays_in_the_legend_but_is_not_drawn() {
    let series = vec![
        usd_series("GOOGL", capex(), 2024, &[Some(40.0), Some(45.0)]),
        usd_series("NVDA", capex(), 2024, &[Some(1.0), Some(2.0)]),
    ];
    let mut spec = spec();
    spec.hidden.insert(SeriesKey {
        ticker: Ticker::parse("NVDA").unwrap(),
        measure: capex(),
    });
    let (svg, layout) = render_svg_with_layout(&spec, &series, 800, 400);
    assert!(has_text(&svg, "NVDA (hidden)"), "{svg}");
    assert_eq!(polylines(&svg, "#0072B2").len(), 1);
    assert!(polylines(&svg, "#E69F00").is_empty(), "{svg}");
    assert!(layout.legend[1].hidden);
}

#[test]
fn a_series_in_another_unit_is_listed_with_a_note_but_not_drawn() {
    let mut margin = usd_series("MSFT", fcf(), 2024, &[Some(0.3), Some(0.35)]);
    margin.measure = Measure::Derived(DerivedMetric::FcfMargin);
    margin.unit = domain::analytics::Unit::Ratio;
    let series = vec![
        usd_series("MSFT", capex(), 2024, &[Some(40.0), Some(45.0)]),
        margin,
    ];
    let layout = chart_layout(&spec(), &series, 800, 400);
    assert!(!layout.legend[1].on_axis);
    assert!(
        layout.notes[0].contains("is in percent, not USD billions"),
        "{:?}",
        layout.notes
    );
}

#[test]
fn every_slot_maps_back_from_its_own_x_position() {
    let values: Vec<Option<f64>> = (0..80).map(|i| Some(f64::from(i))).collect();
    let series = vec![usd_series("AMZN", capex(), 2006, &values)];
    let layout = chart_layout(&spec(), &series, 1200, 630);
    assert_eq!(layout.slots.len(), 80);
    for (i, x) in x_positions(&spec(), &series, 1200, 630).iter().enumerate() {
        assert_eq!(layout.slot_at(*x), Some(i));
    }
    assert_eq!(layout.slot_at(layout.plot.left - 1.0), None);
    // 80 labels do not fit in 1200 px: they are thinned, newest kept.
    let shown = layout.slots.iter().filter(|s| s.labelled).count();
    assert!(shown > 4 && shown < 80, "{shown}");
    assert!(layout.slots.last().is_some_and(|s| s.labelled));
    let p = layout.point_at(&series[0], 79).unwrap();
    assert_eq!(p.value, Some(79e9));
}

#[test]
fn quarters_missing_from_every_series_still_get_a_slot_and_a_label() {
    let mut s = usd_series(
        "GOOGL",
        capex(),
        2024,
        &[Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
    );
    s.points.remove(1);
    let layout = chart_layout(&spec(), &[s], 800, 400);
    let labels: Vec<&str> = layout.slots.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, vec!["CY24 Q1", "CY24 Q2", "CY24 Q3", "CY24 Q4"]);
}

#[test]
fn the_range_limits_the_quarters_shown() {
    let series = vec![usd_series(
        "GOOGL",
        capex(),
        2024,
        &[Some(1.0), Some(2.0), Some(3.0), Some(4.0)],
    )];
    let spec = ChartSpec {
        from: RangeQuarter::new(2024, 2),
        to: RangeQuarter::new(2024, 3),
        ..spec()
    };
    let layout = chart_layout(&spec, &series, 800, 400);
    let labels: Vec<&str> = layout.slots.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, vec!["CY24 Q2", "CY24 Q3"]);
}

#[test]
fn a_title_with_markup_is_escaped() {
    let spec = ChartSpec::new("<script>alert(1)</script> & co", AxisUnit::UsdBillions);
    let series = vec![usd_series("GOOGL", capex(), 2024, &[Some(1.0), Some(2.0)])];
    let svg = render_svg(&spec, &series, 600, 300);
    assert!(!svg.contains("<script>"), "{svg}");
    assert!(svg.contains("&lt;script&gt;"), "{svg}");
}

#[test]
fn several_companies_and_metrics_differ_by_colour_and_dash() {
    let series = vec![
        usd_series("GOOGL", capex(), 2024, &[Some(1.0), Some(2.0)]),
        usd_series("GOOGL", fcf(), 2024, &[Some(1.5), Some(0.5)]),
        usd_series("NVDA", capex(), 2024, &[Some(3.0), Some(2.0)]),
    ];
    let layout = chart_layout(&spec(), &series, 800, 400);
    let l = &layout.legend;
    assert_eq!(l[0].color, l[1].color);
    assert_ne!(l[0].dash, l[1].dash);
    assert_ne!(l[0].color, l[2].color);
    assert_eq!(
        l[0].name,
        "GOOGL · Capex (purchases of property and equipment)"
    );
    let hit = layout.legend_at(l[2].rect.left + 2.0, l[2].rect.top + 2.0);
    assert_eq!(hit.map(|e| e.series), Some(2));
}

#[test]
fn tick_labels_read_as_investors_expect() {
    assert_eq!(AxisUnit::UsdBillions.tick(-10.0, 0), "\u{2212}10");
    assert_eq!(AxisUnit::Percent.tick(12.5, 1), "12.5%");
    assert_eq!(AxisUnit::Multiple.tick(1.5, 1), "1.5×");
    assert_eq!(AxisUnit::UsdBillions.tick(-0.001, 0), "0");
}

#[test]
fn a_negative_linear_range_includes_a_zero_line() {
    let series = vec![usd_series("ORCL", fcf(), 2024, &[Some(-5.0), Some(3.0)])];
    let layout = chart_layout(&spec(), &series, 800, 400);
    let y = layout.y.unwrap();
    assert!(y.min < -5.0 && y.max > 3.0, "{y:?}");
}

#[test]
fn a_log_scale_labels_one_two_and_five_times_powers_of_ten() {
    let spec = ChartSpec {
        scale: Scale::Log,
        ..spec()
    };
    let series = vec![usd_series(
        "NVDA",
        capex(),
        2024,
        &[Some(3.0), Some(30.0), Some(120.0)],
    )];
    let (svg, layout) = render_svg_with_layout(&spec, &series, 800, 400);
    assert_eq!(layout.log_ticks(), vec![5.0, 10.0, 20.0, 50.0, 100.0]);
    for label in ["5", "10", "20", "50", "100"] {
        assert!(has_text(&svg, label), "{label}: {svg}");
    }
}

#[test]
fn each_slots_band_contains_its_own_point_and_the_bands_tile_the_plot() {
    let values: Vec<Option<f64>> = (0..12).map(|i| Some(f64::from(i))).collect();
    let series = vec![usd_series("AMZN", capex(), 2020, &values)];
    let layout = chart_layout(&spec(), &series, 960, 480);
    let mut edge = layout.plot.left;
    for (i, slot) in layout.slots.iter().enumerate() {
        let (from, to) = layout.slot_band(i);
        assert!(
            (from - edge).abs() < 1e-9,
            "band {i} starts where {} ended",
            i.max(1) - 1
        );
        assert!(
            from <= slot.x && slot.x < to,
            "slot {i} at {} in [{from}, {to})",
            slot.x
        );
        // What a pointer inside the band hits is this slot.
        assert_eq!(layout.slot_at((from + to) / 2.0), Some(i));
        edge = to;
    }
    assert!(
        (edge - layout.plot.right).abs() < 1e-9,
        "the last band ends at the plot's edge"
    );
}

#[test]
fn the_svg_carries_no_default_opacity_long_font_sizes_line_breaks_or_repeated_font_family() {
    let series = vec![usd_series(
        "AMZN",
        capex(),
        2025,
        &[Some(20.0), Some(24.0), Some(30.0)],
    )];
    let svg = render_svg(&spec(), &series, 960, 480);
    assert!(!svg.contains(" opacity=\"1\""), "{svg}");
    assert!(!svg.contains('\n'), "{svg}");
    assert!(svg.contains("font-size=\"17.74\""), "{svg}");
    assert!(
        svg.starts_with(&format!("<svg font-family=\"{FONT_FAMILY}\" ")),
        "{svg}"
    );
    assert_eq!(svg.matches("font-family").count(), 1, "{svg}");
    assert!(has_text(&svg, "Capex, TTM"), "{svg}");
}

#[test]
fn consecutive_thin_segments_of_one_style_become_one_path_and_the_rest_stay() {
    let svg = concat!(
        r##"<svg><polyline fill="none" stroke="#D55E00" stroke-width="1" points="1,2 3,4 "/>"##,
        r##"<polyline fill="none" stroke="#D55E00" stroke-width="1" points="5,6 7,8 "/>"##,
        r##"<polyline fill="none" stroke="#6E7681" stroke-width="1" points="9,9 9,10 "/>"##,
        r##"<polyline fill="none" stroke="#0072B2" stroke-width="2" points="1,1 2,2 "/>"##,
        r##"<polyline fill="none" stroke="#0072B2" stroke-width="2" points="3,3 4,4 "/>"##,
        r##"<text x="1">a</text></svg>"##
    );
    assert_eq!(
        merge_segments(svg),
        concat!(
            r##"<svg><path fill="none" stroke="#D55E00" stroke-width="1" d="M1,2 3,4M5,6 7,8"/>"##,
            r##"<polyline fill="none" stroke="#6E7681" stroke-width="1" points="9,9 9,10 "/>"##,
            r##"<polyline fill="none" stroke="#0072B2" stroke-width="2" points="1,1 2,2 "/>"##,
            r##"<polyline fill="none" stroke="#0072B2" stroke-width="2" points="3,3 4,4 "/>"##,
            r##"<text x="1">a</text></svg>"##
        )
    );
}
