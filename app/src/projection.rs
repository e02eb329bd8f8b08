//! Projections for the company page: the depreciation wave and a scenario,
//! computed with the pure `domain` analytics. The same code runs on the server
//! (the default scenario, rendered into the page) and in the browser (each
//! slider move reruns it, no round trip).

use crate::chart::Dash;
use domain::analytics::{
    depreciation_wave, scenario, series, Alignment, Basis, CapexPath, Change, CompanyFacts,
    DerivedMetric, Measure, Scenario, ScenarioParams, Series, SeriesPoint, Thresholds, Unit,
    WaveParams, WavePoint,
};
use serde::{Deserialize, Serialize};

/// The depreciation wave and a scenario projection for one company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub ticker: String,
    pub wave: domain::analytics::DepreciationWave,
    pub scenario: domain::analytics::Scenario,
}
use domain::{CalendarQuarter, Metric};
use rust_decimal::Decimal;

/// Colours (Okabe–Ito) of the company page's charts.
pub const BLUE: &str = "#0072b2";
pub const ORANGE: &str = "#e69f00";
pub const GREEN: &str = "#009e73";
pub const VERMILLION: &str = "#d55e00";
pub const PURPLE: &str = "#cc79a7";

/// The wave and the scenario under `params` (the wave uses the scenario's
/// server life and capex path, and the methodology's other defaults).
pub fn project(
    facts: &CompanyFacts,
    params: &ScenarioParams,
    thresholds: &Thresholds,
) -> Projection {
    let wave_params = WaveParams {
        short_life_years: params.short_life_years,
        capex_path: params.capex_path.clone(),
        horizon_quarters: params.horizon_quarters.min(40),
        ..WaveParams::default()
    };
    Projection {
        ticker: facts.ticker.clone(),
        wave: depreciation_wave(facts, &wave_params),
        scenario: scenario(facts, params, thresholds),
    }
}

/// The midpoint of the latest capex guidance (low and high for one fiscal
/// year), with the year's label: what the "guidance" capex path spends.
pub fn guidance_midpoint(facts: &CompanyFacts) -> Option<(Decimal, String)> {
    let mut best: Option<(domain::FiscalPeriod, Decimal, Decimal)> = None;
    for low in facts
        .facts
        .iter()
        .filter(|f| f.metric == Metric::CapexGuidanceLow)
    {
        let Some(high) = facts
            .facts
            .iter()
            .filter(|f| f.metric == Metric::CapexGuidanceHigh && f.period == low.period)
            .max_by_key(|f| f.provenance.fact_id)
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(p, _, _)| low.period >= *p) {
            best = Some((low.period, low.value, high.value));
        }
    }
    best.map(|(p, lo, hi)| {
        (
            (lo + hi) / Decimal::from(2),
            format!("FY{:02}", p.fiscal_year.rem_euclid(100)),
        )
    })
}

/// A chart point for a wave quarter.
fn wave_point(p: &WavePoint, value: Option<f64>) -> SeriesPoint {
    SeriesPoint {
        label: p.label.clone(),
        fiscal_period: p.period,
        calendar_quarter: CalendarQuarter::containing(p.period_end - time::Duration::days(45)),
        period_end: p.period_end,
        value,
        exact: value
            .and_then(|v| Decimal::try_from(v).ok())
            .map(|d| d.round()),
        inputs: Vec::new(),
        missing: Vec::new(),
    }
}

fn usd_series(ticker: &str, metric: Metric, label: &str, points: Vec<SeriesPoint>) -> Series {
    Series {
        ticker: ticker.to_string(),
        measure: Measure::Stored(metric),
        label: label.to_string(),
        unit: Unit::Usd,
        basis: Basis::Quarterly,
        alignment: Alignment::Fiscal,
        change: Change::Level,
        points,
    }
}

/// The wave as chart series (quarterly, fiscal): capex, reported depreciation,
/// modelled depreciation; projected quarters as dashed series of their own
/// that start at the last reported quarter so the lines join.
pub fn wave_series(p: &Projection) -> (Vec<Series>, Vec<(String, Dash)>) {
    let w = &p.wave;
    let last_hist = w.points.iter().rposition(|pt| !pt.projected);
    let hist: Vec<&WavePoint> = w.points.iter().filter(|pt| !pt.projected).collect();
    let proj: Vec<&WavePoint> = w
        .points
        .iter()
        .enumerate()
        .filter(|(i, pt)| pt.projected || Some(*i) == last_hist)
        .map(|(_, pt)| pt)
        .collect();
    let t = &p.ticker;
    let series = vec![
        usd_series(
            t,
            Metric::Capex,
            "Capex",
            hist.iter().map(|pt| wave_point(pt, pt.capex)).collect(),
        ),
        usd_series(
            t,
            Metric::Capex,
            "Capex, projected",
            proj.iter().map(|pt| wave_point(pt, pt.capex)).collect(),
        ),
        usd_series(
            t,
            Metric::DepreciationAmortization,
            "Reported D&A",
            hist.iter()
                .map(|pt| wave_point(pt, pt.reported_depreciation))
                .collect(),
        ),
        usd_series(
            t,
            Metric::DepreciationAmortization,
            "Modelled depreciation",
            hist.iter()
                .map(|pt| wave_point(pt, pt.modelled_depreciation))
                .collect(),
        ),
        usd_series(
            t,
            Metric::DepreciationAmortization,
            "Modelled depreciation, projected",
            proj.iter()
                .map(|pt| wave_point(pt, pt.modelled_depreciation))
                .collect(),
        ),
    ];
    let styles = vec![
        (BLUE.to_string(), Dash::Solid),
        (BLUE.to_string(), Dash::Dashed),
        (VERMILLION.to_string(), Dash::Solid),
        (GREEN.to_string(), Dash::Solid),
        (GREEN.to_string(), Dash::Dashed),
    ];
    (series, styles)
}

/// Reported TTM free cash flow (the last 12 quarters) and the scenario's
/// projected TTM FCF, dashed, joined at the last reported quarter.
pub fn scenario_series(facts: &CompanyFacts, sc: &Scenario) -> (Vec<Series>, Vec<(String, Dash)>) {
    let fcf = Measure::Derived(DerivedMetric::Fcf);
    let mut reported = series(facts, fcf, Basis::Ttm, Alignment::Fiscal);
    if let Some(base) = sc.base_period {
        reported.points.retain(|pt| pt.fiscal_period <= base);
    }
    let keep = reported.points.len().saturating_sub(12);
    reported.points.drain(..keep);
    reported.label = "Free cash flow, TTM (reported)".into();
    let mut projected_points: Vec<SeriesPoint> = reported
        .points
        .last()
        .filter(|pt| pt.value.is_some())
        .cloned()
        .into_iter()
        .collect();
    projected_points.extend(sc.quarters.iter().map(|q| q.fcf_ttm.clone()));
    let projected = Series {
        label: "Free cash flow, TTM (scenario)".into(),
        points: projected_points,
        ..reported.clone()
    };
    (
        vec![reported, projected],
        vec![
            (BLUE.to_string(), Dash::Solid),
            (ORANGE.to_string(), Dash::Dashed),
        ],
    )
}

/// The scenario parameters as the page's controls hold them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sliders {
    /// Unit inference cost decline, % a year.
    pub decline_pct: f64,
    /// AI revenue growth, % a year.
    pub ai_growth_pct: f64,
    /// `flat`, `growth` or `guidance`.
    pub path: CapexChoice,
    /// Capex growth, % a year (for `growth`).
    pub capex_growth_pct: f64,
    /// Server useful life, years.
    pub life_years: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapexChoice {
    Flat,
    Growth,
    Guidance,
}

impl CapexChoice {
    pub fn key(self) -> &'static str {
        match self {
            CapexChoice::Flat => "flat",
            CapexChoice::Growth => "growth",
            CapexChoice::Guidance => "guidance",
        }
    }
    pub fn parse(raw: &str) -> Self {
        match raw {
            "growth" => CapexChoice::Growth,
            "guidance" => CapexChoice::Guidance,
            _ => CapexChoice::Flat,
        }
    }
}

impl Default for Sliders {
    /// The methodology's default scenario: nothing changes (no cost decline,
    /// no AI growth, flat capex), servers over 6 years.
    fn default() -> Self {
        Self {
            decline_pct: 0.0,
            ai_growth_pct: 0.0,
            path: CapexChoice::Flat,
            capex_growth_pct: 20.0,
            life_years: 6.0,
        }
    }
}

impl Sliders {
    /// Reads the page's query (`decline`, `ai_growth`, `capex`, `capex_growth`,
    /// `life`); anything missing or malformed keeps its default, values are
    /// clamped to the sliders' ranges.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let d = Self::default();
        let num = |k: &str, default: f64, lo: f64, hi: f64| {
            get(k)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .map_or(default, |v| v.clamp(lo, hi))
        };
        Self {
            decline_pct: num("decline", d.decline_pct, 0.0, 90.0),
            ai_growth_pct: num("ai_growth", d.ai_growth_pct, -50.0, 200.0),
            path: get("capex").map_or(d.path, |v| CapexChoice::parse(&v)),
            capex_growth_pct: num("capex_growth", d.capex_growth_pct, -50.0, 100.0),
            life_years: num("life", d.life_years, 3.0, 8.0),
        }
    }

    /// The analytics parameters (guidance falls back to flat without guidance).
    pub fn params(&self, guidance: Option<Decimal>) -> ScenarioParams {
        ScenarioParams {
            inference_cost_decline_per_year: self.decline_pct / 100.0,
            ai_revenue_growth_per_year: self.ai_growth_pct / 100.0,
            capex_path: match (self.path, guidance) {
                (CapexChoice::Growth, _) => CapexPath::Growth {
                    rate_per_year: self.capex_growth_pct / 100.0,
                },
                (CapexChoice::Guidance, Some(annual)) => CapexPath::Guidance { annual },
                _ => CapexPath::Flat,
            },
            short_life_years: self.life_years,
            horizon_quarters: 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_or_out_of_range_scenario_parameters_fall_back_or_clamp() {
        // Arrange
        let query = |k: &str| match k {
            "decline" => Some("abc".to_string()),
            "life" => Some("99".to_string()),
            "capex" => Some("growth".to_string()),
            "ai_growth" => Some("NaN".to_string()),
            _ => None,
        };

        // Act
        let s = Sliders::from_query(query);

        // Assert
        assert_eq!(s.decline_pct, 0.0);
        assert_eq!(s.life_years, 8.0);
        assert_eq!(s.path, CapexChoice::Growth);
        assert_eq!(s.ai_growth_pct, 0.0);
        assert_eq!(
            s.params(None).capex_path,
            CapexPath::Growth { rate_per_year: 0.2 }
        );
    }

    #[test]
    fn the_guidance_path_without_guidance_is_flat() {
        let s = Sliders {
            path: CapexChoice::Guidance,
            ..Sliders::default()
        };
        assert_eq!(s.params(None).capex_path, CapexPath::Flat);
    }
}
