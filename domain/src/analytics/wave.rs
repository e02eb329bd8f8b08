//! The depreciation wave (methodology section 5): capex today is depreciation
//! tomorrow.
//!
//! Model, as stated on the page:
//! - A share `s` of each quarter's capex is short-lived equipment depreciated
//!   straight-line over `short_life_years`, the rest over `long_life_years`;
//!   lives are rounded to whole quarters. Depreciation starts `lag_quarters`
//!   after the cash is spent.
//! - Only capex the data holds feeds the model: the unbroken run of reported
//!   quarters ending at the latest one. Assets bought before that run are
//!   unknown, so modelled depreciation understates reported depreciation early
//!   in the run (and reported D&A also covers amortization and leased assets).
//!   The output says how many quarters of history fed the model.
//! - `s` is fitted by least squares on the quarters where reported
//!   `depreciation_amortization` overlaps the model (closed form, clamped to
//!   [0, 1]); the fit error is reported as RMSE and RMSE / mean reported D&A.
//! - Projection: the next quarters under a [`CapexPath`]. Revenue for the
//!   depreciation burden grows from the same quarter a year earlier at
//!   `revenue_growth_per_year` (0 = flat year over year); this assumption is
//!   stated in the output.

use super::book::{ahead, back, Book};
use super::input::CompanyFacts;
use super::value::{finite, merge_inputs, InputRef, Missing};
use crate::{FiscalPeriod, Metric};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

/// The capex assumed for projected quarters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CapexPath {
    /// Every future quarter repeats the latest reported quarter.
    Flat,
    /// A yearly amount (e.g. the midpoint of guidance), spent evenly: a quarter of it each quarter.
    Guidance { annual: Decimal },
    /// The latest quarter compounding at `rate_per_year` (0.2 = +20 % a year).
    Growth { rate_per_year: f64 },
}

/// Parameters of the depreciation wave. `Default` gives the methodology defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaveParams {
    /// Useful life of servers and network equipment, years. Default 6.
    pub short_life_years: f64,
    /// Useful life of buildings and the rest, years. Default 20.
    pub long_life_years: f64,
    /// Quarters between spending and the first depreciation. Default 1.
    pub lag_quarters: u32,
    /// The short-lived share `s`; `None` fits it to reported depreciation.
    pub short_share: Option<f64>,
    pub capex_path: CapexPath,
    /// Quarters projected. Default 8 (at most 80).
    pub horizon_quarters: u32,
    /// Revenue growth per year for the projected depreciation burden. Default 0.
    pub revenue_growth_per_year: f64,
}

impl Default for WaveParams {
    fn default() -> Self {
        Self {
            short_life_years: 6.0,
            long_life_years: 20.0,
            lag_quarters: 1,
            short_share: None,
            capex_path: CapexPath::Flat,
            horizon_quarters: 8,
            revenue_growth_per_year: 0.0,
        }
    }
}

/// A relative fit error (RMSE / mean reported depreciation) above which the
/// wave's notes call the fit poor.
pub const POOR_FIT: f64 = 0.25;

/// How well the model matches reported depreciation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaveFit {
    /// The share used; `None` when it could neither be fitted nor was given.
    pub short_share: Option<f64>,
    /// True when `short_share` was fitted rather than given.
    pub fitted: bool,
    /// True when the fitted share hit 0 or 1 (the model cannot match the data inside the range).
    pub at_bound: bool,
    /// Quarters of capex history that fed the model.
    pub capex_history_quarters: usize,
    pub first_capex_quarter: Option<FiscalPeriod>,
    /// Quarters of reported depreciation the fit used.
    pub fit_quarters: usize,
    /// Root-mean-square error over the fit quarters, dollars.
    pub rmse: Option<f64>,
    /// RMSE divided by the mean reported depreciation over the fit quarters.
    pub relative_rmse: Option<f64>,
}

/// One quarter of the wave (history or projection). Dollars as floats, always finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WavePoint {
    pub period: FiscalPeriod,
    pub label: String,
    pub period_end: Date,
    pub projected: bool,
    pub capex: Option<f64>,
    pub reported_depreciation: Option<f64>,
    pub modelled_depreciation: Option<f64>,
    /// Reported revenue, or projected revenue for projected quarters.
    pub revenue: Option<f64>,
    /// TTM depreciation / TTM revenue: reported figures for history, modelled
    /// depreciation and projected revenue for projected quarters.
    pub depreciation_burden: Option<f64>,
}

/// The wave for one company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepreciationWave {
    pub ticker: String,
    pub params: WaveParams,
    pub fit: WaveFit,
    pub points: Vec<WavePoint>,
    /// The revenue assumption behind the projected burden, in words.
    pub revenue_assumption: String,
    /// Caveats, in words.
    pub notes: Vec<String>,
    /// Why the wave could not be drawn, if it could not.
    pub missing: Vec<Missing>,
    /// The capex, depreciation and revenue facts used.
    pub inputs: Vec<InputRef>,
}

/// The depreciation wave of `company` under `params`.
pub fn depreciation_wave(company: &CompanyFacts, params: &WaveParams) -> DepreciationWave {
    let book = Book::new(company);
    let model = Model::new(&book, params);
    build(&book, params, &model)
}

// ----- the model ------------------------------------------------------------

/// Capex history and projection, and the model's depreciation curves.
pub(crate) struct Model {
    /// First quarter of the capex vector.
    pub(crate) start: Option<FiscalPeriod>,
    /// Quarters of history in `capex` (the rest is projection).
    pub(crate) history: usize,
    pub(crate) capex: Vec<f64>,
    /// Depreciation if everything were long-lived (`s` = 0) and short-lived (`s` = 1).
    long_only: Vec<f64>,
    short_only: Vec<f64>,
    pub(crate) fit: WaveFit,
    pub(crate) inputs: Vec<InputRef>,
}

impl Model {
    pub(crate) fn new(book: &Book, params: &WaveParams) -> Self {
        let (start, history, mut inputs) = capex_history(book);
        let hist_values: Vec<f64> = history.iter().map(|(_, v)| *v).collect();
        let horizon = params.horizon_quarters.min(80) as usize;
        let mut capex = hist_values.clone();
        capex.extend(project_capex(
            hist_values.last().copied(),
            &params.capex_path,
            horizon,
        ));
        let lag = params.lag_quarters.min(40) as usize;
        let long_only = straight_line(&capex, life_quarters(params.long_life_years, 20.0), lag);
        let short_only = straight_line(&capex, life_quarters(params.short_life_years, 6.0), lag);
        let reported: Vec<Option<f64>> = history
            .iter()
            .map(|(p, _)| {
                let a = book.fact(Metric::DepreciationAmortization, *p);
                let v = a.as_f64();
                merge_inputs(&mut inputs, a.inputs);
                v
            })
            .collect();
        let fit = fit_share(
            &reported,
            &long_only,
            &short_only,
            params.short_share,
            start,
            history.len(),
        );
        Self {
            start,
            history: history.len(),
            capex,
            long_only,
            short_only,
            fit,
            inputs,
        }
    }

    /// Modelled depreciation at position `i` of the capex vector.
    pub(crate) fn depreciation(&self, i: usize) -> Option<f64> {
        let s = self.fit.short_share?;
        let (a, b) = (self.long_only.get(i)?, self.short_only.get(i)?);
        finite(Some(a + s * (b - a)))
    }

    pub(crate) fn period(&self, i: usize) -> Option<FiscalPeriod> {
        self.start.map(|s| ahead(s, i as u32))
    }
}

/// The unbroken run of capex quarters ending at the latest one.
fn capex_history(
    book: &Book,
) -> (
    Option<FiscalPeriod>,
    Vec<(FiscalPeriod, f64)>,
    Vec<InputRef>,
) {
    let Some(last) = book.quarters_with(&[Metric::Capex]).last().copied() else {
        return (None, Vec::new(), Vec::new());
    };
    let mut run = Vec::new();
    let mut inputs = Vec::new();
    let mut p = last;
    while book.has(Metric::Capex, p) && run.len() < 400 {
        let a = book.fact(Metric::Capex, p);
        run.push((p, a.as_f64().unwrap_or(0.0)));
        merge_inputs(&mut inputs, a.inputs);
        p = back(p, 1);
    }
    run.reverse();
    (run.first().map(|(p, _)| *p), run, inputs)
}

/// Future quarterly capex under a path, starting after the latest quarter.
pub(crate) fn project_capex(last: Option<f64>, path: &CapexPath, horizon: usize) -> Vec<f64> {
    let last = last.unwrap_or(0.0);
    (1..=horizon)
        .map(|h| {
            let v = match path {
                CapexPath::Flat => last,
                CapexPath::Guidance { annual } => annual.to_f64().unwrap_or(0.0) / 4.0,
                CapexPath::Growth { rate_per_year } => {
                    last * compound(*rate_per_year, h as f64 / 4.0)
                }
            };
            finite(Some(v)).unwrap_or(0.0)
        })
        .collect()
}

/// `(1 + rate)^years`, with rates below −100 % read as −100 % and non-finite rates as 0.
pub(crate) fn compound(rate: f64, years: f64) -> f64 {
    let r = if rate.is_finite() {
        rate.max(-1.0)
    } else {
        0.0
    };
    finite(Some((1.0 + r).powf(years))).unwrap_or(0.0)
}

/// A useful life in whole quarters (at least one); non-finite lives use the default.
fn life_quarters(years: f64, default: f64) -> usize {
    let y = if years.is_finite() && years > 0.0 {
        years.min(100.0)
    } else {
        default
    };
    ((y * 4.0).round() as usize).max(1)
}

/// Straight-line depreciation of each quarter's spend over `life` quarters,
/// starting `lag` quarters later.
fn straight_line(capex: &[f64], life: usize, lag: usize) -> Vec<f64> {
    (0..capex.len())
        .map(|t| {
            capex
                .iter()
                .enumerate()
                .filter(|(k, _)| t >= k + lag && t - k - lag < life)
                .map(|(_, c)| c / life as f64)
                .sum()
        })
        .collect()
}

/// Least squares for `s` in `y ≈ A + s (B − A)`: `s = Σ(y − A)(B − A) / Σ(B − A)²`, clamped to [0, 1].
fn fit_share(
    reported: &[Option<f64>],
    a: &[f64],
    b: &[f64],
    given: Option<f64>,
    start: Option<FiscalPeriod>,
    history: usize,
) -> WaveFit {
    let pts: Vec<(f64, f64, f64)> = reported
        .iter()
        .enumerate()
        .filter_map(|(i, y)| Some(((*y)?, *a.get(i)?, *b.get(i)?)))
        .collect();
    let given = given.filter(|s| s.is_finite()).map(|s| s.clamp(0.0, 1.0));
    let (num, den) = pts.iter().fold((0.0, 0.0), |(n, d), (y, a, b)| {
        (n + (y - a) * (b - a), d + (b - a) * (b - a))
    });
    let fitted = if den > 0.0 {
        finite(Some(num / den))
    } else {
        None
    };
    let share = given.or(fitted.map(|s| s.clamp(0.0, 1.0)));
    let errors: Option<(f64, f64)> = share.filter(|_| !pts.is_empty()).map(|s| {
        let n = pts.len() as f64;
        let sse: f64 = pts
            .iter()
            .map(|(y, a, b)| (y - a - s * (b - a)).powi(2))
            .sum();
        let mean = pts.iter().map(|(y, _, _)| y.abs()).sum::<f64>() / n;
        ((sse / n).sqrt(), mean)
    });
    WaveFit {
        short_share: finite(share),
        fitted: given.is_none() && share.is_some(),
        at_bound: given.is_none()
            && fitted.is_some_and(|s| !(0.0..=1.0).contains(&s) || s == 0.0 || s == 1.0),
        capex_history_quarters: history,
        first_capex_quarter: start,
        fit_quarters: pts.len(),
        rmse: finite(errors.map(|(r, _)| r)),
        relative_rmse: finite(errors.filter(|(_, m)| *m > 0.0).map(|(r, m)| r / m)),
    }
}

// ----- the output -----------------------------------------------------------

fn build(book: &Book, params: &WaveParams, model: &Model) -> DepreciationWave {
    let mut inputs = model.inputs.clone();
    let mut missing = Vec::new();
    let mut notes = Vec::new();
    if model.start.is_none() {
        missing.push(Missing::Unavailable {
            what: "capex: no quarter reported".into(),
        });
    }
    if model.fit.short_share.is_none() && model.start.is_some() {
        missing.push(Missing::Unavailable {
            what: "the short-lived share: no reported depreciation_amortization overlaps the capex history to fit it, and none was given".into(),
        });
    }
    if let Some(first) = model.fit.first_capex_quarter {
        notes.push(format!(
            "{} quarters of capex history (from {}) fed the model; assets bought earlier are unknown, so modelled depreciation understates reported depreciation, most in early quarters.",
            model.fit.capex_history_quarters,
            first.label()
        ));
    }
    if let (Some(rmse), Some(rel)) = (model.fit.rmse, model.fit.relative_rmse) {
        let quality = if rel > POOR_FIT {
            " — a poor fit: read the projection as indicative only"
        } else {
            ""
        };
        notes.push(format!(
            "Fit error over {} quarters: {} per quarter root-mean-square, {:.0}% of mean reported depreciation{quality}.",
            model.fit.fit_quarters,
            super::value::decimal_from_f64(rmse.round())
                .map(crate::format::usd)
                .unwrap_or_else(|| "n/a".into()),
            rel * 100.0
        ));
    }
    if model.fit.at_bound {
        notes.push("The fitted short-lived share is at the edge of [0, 1]: the model cannot match reported depreciation well with this history.".into());
    }
    let revenue = revenue_path(book, model, params.revenue_growth_per_year, &mut inputs);
    let mut dep: BTreeMap<i32, f64> = BTreeMap::new();
    let points: Vec<WavePoint> = (0..model.capex.len())
        .filter_map(|i| {
            let p = model.period(i)?;
            let projected = i >= model.history;
            let reported = if projected {
                None
            } else {
                book.fact(Metric::DepreciationAmortization, p).as_f64()
            };
            let modelled = model.depreciation(i);
            if let Some(d) = if projected { modelled } else { reported } {
                dep.insert(p.index(), d);
            }
            Some(WavePoint {
                period: p,
                label: p.label(),
                period_end: book.quarter_dates(p).1,
                projected,
                capex: model.capex.get(i).copied(),
                reported_depreciation: reported,
                modelled_depreciation: modelled,
                revenue: revenue.get(&p.index()).copied(),
                depreciation_burden: None,
            })
        })
        .collect();
    let points = points
        .into_iter()
        .map(|mut pt| {
            pt.depreciation_burden = ttm_ratio(&dep, &revenue, pt.period);
            pt
        })
        .collect();
    DepreciationWave {
        ticker: book.company.ticker.clone(),
        params: params.clone(),
        fit: model.fit.clone(),
        points,
        revenue_assumption: revenue_assumption(params.revenue_growth_per_year),
        notes,
        missing,
        inputs,
    }
}

fn revenue_assumption(g: f64) -> String {
    let g = if g.is_finite() { g } else { 0.0 };
    if g == 0.0 {
        "Projected revenue: each quarter equals the same quarter a year earlier (flat year over year).".into()
    } else {
        format!(
            "Projected revenue: each quarter is the same quarter a year earlier grown by {:.1}%.",
            g * 100.0
        )
    }
}

/// Revenue by quarter index: reported for history (and the year before it),
/// projected as the same quarter a year earlier × (1 + g) after.
fn revenue_path(
    book: &Book,
    model: &Model,
    g: f64,
    inputs: &mut Vec<InputRef>,
) -> BTreeMap<i32, f64> {
    let mut rev = BTreeMap::new();
    let Some(start) = model.start else { return rev };
    let factor = compound(g, 1.0);
    for i in 0..model.capex.len() + 4 {
        let p = ahead(back(start, 4), i as u32);
        let projected = p.index() >= start.index() + model.history as i32;
        let v = if projected {
            rev.get(&(p.index() - 4)).map(|r| r * factor)
        } else {
            let a = book.fact(Metric::Revenue, p);
            let v = a.as_f64();
            if v.is_some() {
                merge_inputs(inputs, a.inputs);
            }
            v
        };
        if let Some(v) = finite(v) {
            rev.insert(p.index(), v);
        }
    }
    rev
}

/// Sum of four quarters of `num` over four quarters of `den`; `None` if any is missing or the denominator is zero.
fn ttm_ratio(num: &BTreeMap<i32, f64>, den: &BTreeMap<i32, f64>, p: FiscalPeriod) -> Option<f64> {
    let sum = |m: &BTreeMap<i32, f64>| {
        (0..4)
            .map(|k| m.get(&(p.index() - k)).copied())
            .sum::<Option<f64>>()
    };
    let (n, d) = (sum(num)?, sum(den)?);
    if d == 0.0 {
        return None;
    }
    finite(Some(n / d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_line_spreads_a_quarters_spend_evenly_after_the_lag() {
        // Arrange: 8 spent in quarter 0, life 4 quarters, lag 1.
        let capex = [8.0, 0.0, 0.0, 0.0, 0.0, 0.0];

        // Act
        let d = straight_line(&capex, 4, 1);

        // Assert: 8 / 4 = 2 a quarter in quarters 1..=4, nothing before or after.
        assert_eq!(d, vec![0.0, 2.0, 2.0, 2.0, 2.0, 0.0]);
    }

    #[test]
    fn the_closed_form_fit_recovers_a_known_share() {
        // Arrange: data generated with s = 0.3 exactly.
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 5.0, 4.0, 9.0];
        let y: Vec<Option<f64>> = a
            .iter()
            .zip(&b)
            .map(|(a, b)| Some(a + 0.3 * (b - a)))
            .collect();

        // Act
        let fit = fit_share(&y, &a, &b, None, None, 4);

        // Assert
        let s = fit.short_share.unwrap();
        assert!((s - 0.3).abs() < 1e-12, "{s}");
        assert!(fit.rmse.unwrap() < 1e-9);
        assert!(!fit.at_bound);
    }

    #[test]
    fn lives_are_rounded_to_whole_quarters_and_never_zero() {
        assert_eq!(life_quarters(5.5, 6.0), 22);
        assert_eq!(life_quarters(0.0, 6.0), 24);
        assert_eq!(life_quarters(f64::NAN, 20.0), 80);
        assert_eq!(life_quarters(0.1, 6.0), 1);
    }
}
