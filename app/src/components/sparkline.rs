use crate::api::overview::Spark;
use leptos::prelude::*;
use rust_decimal::Decimal;

const W: f64 = 96.0;
const H: f64 = 28.0;
const PAD: f64 = 3.0;

/// The path (`M x y L x y …`) of a sparkline in a `W` × `H` box: zero is
/// inside the range, a missing value breaks the line (never drawn as zero).
/// Returns the path, the y of zero (when the values cross it) and the last
/// point.
pub fn spark_path(values: &[Option<f64>]) -> (String, Option<f64>, Option<(f64, f64)>) {
    let present: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if present.is_empty() {
        return (String::new(), None, None);
    }
    let lo = present.iter().copied().fold(0.0f64, f64::min);
    let hi = present.iter().copied().fold(0.0f64, f64::max);
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let n = values.len().max(2) as f64 - 1.0;
    let x = |i: usize| PAD + (W - 2.0 * PAD) * i as f64 / n;
    let y = |v: f64| H - PAD - (H - 2.0 * PAD) * (v - lo) / span;
    let mut d = String::new();
    let mut pen_down = false;
    let mut last = None;
    for (i, v) in values.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) => {
                d.push_str(&format!(
                    "{}{:.1} {:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(v)
                ));
                pen_down = true;
                last = Some((x(i), y(v)));
            }
            None => pen_down = false,
        }
    }
    let zero = (lo < 0.0 && hi > 0.0).then(|| y(0.0));
    (d.trim_end().to_string(), zero, last)
}

fn usd(v: f64) -> String {
    Decimal::try_from(v)
        .map(|d| domain::format::usd(d.round()))
        .unwrap_or_else(|_| domain::format::MISSING.into())
}

/// A small inline SVG line of a [`Spark`], with its range in words for
/// screen readers and on hover.
#[component]
pub fn Sparkline(spark: Spark) -> impl IntoView {
    let (d, zero, last) = spark_path(&spark.values);
    let present: Vec<f64> = spark.values.iter().flatten().copied().collect();
    let missing = spark.values.iter().filter(|v| v.is_none()).count();
    let summary = match (present.first(), present.last()) {
        (Some(a), Some(b)) => format!(
            "{}, {} to {}: from {} to {}{}",
            spark.name,
            spark.first,
            spark.last,
            usd(*a),
            usd(*b),
            if missing > 0 {
                format!(" ({missing} quarters n/a)")
            } else {
                String::new()
            }
        ),
        _ => format!("{}: n/a", spark.name),
    };
    let label = summary.clone();
    view! {
        <svg
            class="spark"
            viewBox=format!("0 0 {W} {H}")
            width=W.to_string()
            height=H.to_string()
            role="img"
            aria-label=label
        >
            <title>{summary}</title>
            {zero.map(|z| view! { <line class="spark-zero" x1="0" x2=W.to_string() y1=format!("{z:.1}") y2=format!("{z:.1}")></line> })}
            <path class="spark-line" d=d></path>
            {last.map(|(x, y)| view! { <circle class="spark-dot" cx=format!("{x:.1}") cy=format!("{y:.1}") r="2"></circle> })}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_quarter_breaks_the_sparkline_instead_of_dropping_to_zero() {
        // Arrange
        let values = [Some(1.0), Some(2.0), None, Some(3.0)];

        // Act
        let (d, zero, last) = spark_path(&values);

        // Assert: two runs (two moves), no zero line (all positive), last point at the right edge.
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        assert!(zero.is_none());
        assert!((last.unwrap().0 - (W - PAD)).abs() < 1e-9);
    }

    #[test]
    fn values_crossing_zero_get_a_zero_line() {
        let (_, zero, _) = spark_path(&[Some(-1.0), Some(1.0)]);
        assert_eq!(zero, Some(H / 2.0));
        assert_eq!(spark_path(&[None, None]).0, "");
    }
}
