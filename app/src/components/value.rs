use domain::analytics::Unit;
use domain::format;
use rust_decimal::Decimal;

/// Formats an analytics value in its unit; `n/a` when missing.
pub fn format_value(unit: Unit, value: Option<f64>, exact: Option<Decimal>) -> String {
    match unit {
        Unit::Usd => match (exact, value) {
            (Some(d), _) => format::usd(d),
            (None, Some(v)) => Decimal::try_from(v)
                .map(format::usd)
                .unwrap_or_else(|_| format::MISSING.into()),
            (None, None) => format::MISSING.into(),
        },
        Unit::Ratio => value
            .map(format::percent)
            .unwrap_or_else(|| format::MISSING.into()),
        Unit::Multiple => value
            .map(format::multiple)
            .unwrap_or_else(|| format::MISSING.into()),
        Unit::Years => value
            .filter(|v| v.is_finite())
            // No "−0.00": a change that rounds to zero reads as zero.
            .map(|v| if v.abs() < 0.005 { 0.0 } else { v })
            .map(|v| format!("{v:.2} years"))
            .unwrap_or_else(|| format::MISSING.into()),
        Unit::PercentagePoints => value
            .map(format::percentage_points)
            .unwrap_or_else(|| format::MISSING.into()),
        Unit::Percent => value
            .filter(|v| v.is_finite())
            .map(|v| {
                if v < 0.0 {
                    format!("({:.1}%)", -v)
                } else {
                    format!("{v:.1}%")
                }
            })
            .unwrap_or_else(|| format::MISSING.into()),
    }
}
