//! Scenarios (methodology section 6): the sceptic's two escape routes as
//! sliders (unit inference cost falling faster; AI revenue growing faster),
//! with a capex path and a server useful life, drive an 8-quarter projection of
//! free cash flow and of the scorecard.
//!
//! Modelling assumptions (kept simple, stated in the output, no invented data):
//! - The base quarter `T` is the latest quarter with reported capex; it also
//!   needs reported revenue and operating cash flow.
//! - AI revenue is `cloud_revenue` (a proxy) when the four quarters before the
//!   projection are reported, else the latest `ai_revenue_run_rate` (a quarter
//!   is a quarter of the run-rate); it grows at `ai_revenue_growth_per_year`.
//!   Without either, the AI lever does nothing and the output says so.
//! - Other revenue repeats the same quarter a year earlier (flat year over year).
//! - Cash costs: at `T` a share `1 − m` of TTM revenue is cash cost, where `m`
//!   is the TTM operating-cash-flow margin. Other revenue keeps margin `m`;
//!   the cash cost of AI revenue falls with unit inference cost:
//!   `OCF = m × other + AI × (1 − (1 − m) × (1 − decline)^(h/4))` in quarter `h`.
//!   Cost of revenue (where reported) follows the same rule with the TTM
//!   cost-of-revenue ratio.
//! - Capex follows the [`CapexPath`]; depreciation is the depreciation wave
//!   (fitted share, `short_life_years`, 20-year long life, 1-quarter lag).
//! - Net PP&E rolls forward from the latest reported balance: previous +
//!   capex − depreciation (reported where reported, else modelled).
//! - An analyst `unit_inference_cost` series, if any, falls at the decline rate.
//! - Proceeds from property sales are assumed zero; RPO is not projected, so
//!   the contracts question reads "insufficient data" in projected quarters.
//!
//! Projected values enter the scorecard as facts of kind `Derived` with a
//! negative `fact_id` and a label starting "Scenario projection".

use super::book::{ahead, back, Book};
use super::input::{CompanyFacts, FactPoint};
use super::measure::{DerivedMetric, Measure};
use super::scorecard::{answers_for, Answer, Thresholds};
use super::series::{make_point_pub, value, Basis, Change, SeriesPoint};
use super::value::{decimal_from_f64, finite, Missing};
use super::wave::{compound, CapexPath, Model, WaveParams};
use crate::{FiscalPeriod, Metric};
use crate::{Provenance, SourceKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The sliders. `Default` is "nothing changes": no cost decline, no AI growth, flat capex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScenarioParams {
    /// Yearly fall in unit inference cost (0.3 = 30 % cheaper each year).
    pub inference_cost_decline_per_year: f64,
    /// Yearly growth of AI revenue (0.5 = +50 % a year).
    pub ai_revenue_growth_per_year: f64,
    pub capex_path: CapexPath,
    /// Useful life of servers and network equipment, years. Default 6.
    pub short_life_years: f64,
    /// Quarters projected. Default 8 (at most 40).
    pub horizon_quarters: u32,
}

impl Default for ScenarioParams {
    fn default() -> Self {
        Self {
            inference_cost_decline_per_year: 0.0,
            ai_revenue_growth_per_year: 0.0,
            capex_path: CapexPath::Flat,
            short_life_years: 6.0,
            horizon_quarters: 8,
        }
    }
}

/// One projected quarter. Amounts are whole dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioQuarter {
    pub period: FiscalPeriod,
    pub label: String,
    pub revenue: Option<Decimal>,
    pub ai_revenue: Option<Decimal>,
    pub operating_cash_flow: Option<Decimal>,
    pub capex: Option<Decimal>,
    pub depreciation: Option<Decimal>,
    /// The quarter's free cash flow.
    pub fcf: SeriesPoint,
    /// TTM free cash flow (reported quarters and projected ones mixed).
    pub fcf_ttm: SeriesPoint,
    /// The four scorecard answers at this quarter.
    pub answers: Vec<Answer>,
}

/// A scenario projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub ticker: String,
    pub params: ScenarioParams,
    /// The last reported quarter the projection starts from.
    pub base_period: Option<FiscalPeriod>,
    /// The assumptions in force, in words.
    pub assumptions: Vec<String>,
    pub quarters: Vec<ScenarioQuarter>,
    /// Why the projection could not be made, if it could not.
    pub missing: Vec<Missing>,
}

/// Projects free cash flow and the scorecard under `params`.
pub fn scenario(
    company: &CompanyFacts,
    params: &ScenarioParams,
    thresholds: &Thresholds,
) -> Scenario {
    let book = Book::new(company);
    let mut out = Scenario {
        ticker: company.ticker.clone(),
        params: params.clone(),
        base_period: None,
        assumptions: Vec::new(),
        quarters: Vec::new(),
        missing: Vec::new(),
    };
    let wave_params = WaveParams {
        short_life_years: params.short_life_years,
        capex_path: params.capex_path.clone(),
        horizon_quarters: params.horizon_quarters.min(40),
        ..WaveParams::default()
    };
    let model = Model::new(&book, &wave_params);
    let Some(base) = Base::new(&book, &model, &mut out.missing) else {
        return out;
    };
    out.base_period = Some(base.t);
    out.assumptions = base.assumptions(params);
    let projected = project(&book, &model, &base, params);
    let mut extended = company.clone();
    extended.facts.extend(projected.facts);
    let ext = Book::new(&extended);
    out.quarters = projected
        .quarters
        .into_iter()
        .map(|(p, q)| {
            let fcf = Measure::Derived(DerivedMetric::Fcf);
            ScenarioQuarter {
                period: p,
                label: p.label(),
                revenue: q.revenue,
                ai_revenue: q.ai,
                operating_cash_flow: q.ocf,
                capex: q.capex,
                depreciation: q.depreciation,
                fcf: make_point_pub(
                    &ext,
                    p,
                    value(&ext, fcf, p, Basis::Quarterly, Change::Level),
                ),
                fcf_ttm: make_point_pub(&ext, p, value(&ext, fcf, p, Basis::Ttm, Change::Level)),
                answers: answers_for(&ext, p, thresholds),
            }
        })
        .collect();
    out
}

/// Where AI revenue comes from.
enum AiBase {
    /// Quarterly cloud revenue (proxy), grown from the same quarter a year earlier.
    Cloud,
    /// The latest disclosed run-rate and its quarter.
    RunRate(FiscalPeriod, f64),
    None,
}

/// What the projection starts from.
struct Base {
    t: FiscalPeriod,
    ocf_margin: f64,
    cost_ratio: Option<f64>,
    ai: AiBase,
}

impl Base {
    fn new(book: &Book, model: &Model, missing: &mut Vec<Missing>) -> Option<Self> {
        let Some(t) = model
            .period(model.history.saturating_sub(1))
            .filter(|_| model.history > 0)
        else {
            missing.push(Missing::Unavailable {
                what: "capex: no quarter reported".into(),
            });
            return None;
        };
        let ttm = |m| book.flow(Measure::Stored(m), t, super::book::Window::Trailing);
        let margin = ttm(Metric::OperatingCashFlow).ratio(ttm(Metric::Revenue), "TTM revenue");
        let Some(ocf_margin) = margin.as_f64() else {
            missing.push(Missing::Unavailable {
                what: format!("the TTM operating-cash-flow margin at {}", t.label()),
            });
            missing.extend(margin.missing);
            return None;
        };
        let cost_ratio = ttm(Metric::CostOfRevenue)
            .ratio(ttm(Metric::Revenue), "TTM revenue")
            .as_f64();
        let cloud_ok = (0..4).all(|k| book.has(Metric::CloudRevenue, back(t, k)));
        let rr = book
            .quarters_with(&[Metric::AiRevenueRunRate])
            .into_iter()
            .rfind(|p| p.index() <= t.index())
            .and_then(|p| Some((p, book.fact(Metric::AiRevenueRunRate, p).as_f64()?)));
        let ai = match (cloud_ok, rr) {
            (true, _) => AiBase::Cloud,
            (false, Some((p, v))) => AiBase::RunRate(p, v),
            (false, None) => AiBase::None,
        };
        Some(Self {
            t,
            ocf_margin,
            cost_ratio,
            ai,
        })
    }

    fn assumptions(&self, params: &ScenarioParams) -> Vec<String> {
        let mut a = vec![
            format!("Projection starts after {}, the latest quarter with reported capex.", self.t.label()),
            format!(
                "Operating cash flow keeps the TTM margin at {} ({:.1}%) on non-AI revenue; the cash cost of AI revenue falls {:.1}% a year with unit inference cost.",
                self.t.label(),
                self.ocf_margin * 100.0,
                params.inference_cost_decline_per_year * 100.0
            ),
            "Non-AI revenue repeats the same quarter a year earlier.".to_string(),
            "Depreciation follows the depreciation wave (fitted short-lived share, 20-year long life, 1-quarter lag).".to_string(),
            "Net PP&E rolls forward from the latest reported balance as previous + capex − depreciation.".to_string(),
            "Proceeds from property sales are assumed zero; RPO is not projected.".to_string(),
        ];
        a.push(match &self.ai {
            AiBase::Cloud => format!(
                "AI revenue: cloud revenue (proxy) grows {:.1}% a year from the same quarter a year earlier.",
                params.ai_revenue_growth_per_year * 100.0
            ),
            AiBase::RunRate(p, _) => format!(
                "AI revenue: the run-rate disclosed at {} grows {:.1}% a year; a quarter's AI revenue is a quarter of it.",
                p.label(),
                params.ai_revenue_growth_per_year * 100.0
            ),
            AiBase::None => "AI revenue: neither cloud revenue nor an AI revenue run-rate is available, so AI growth is not applied.".to_string(),
        });
        if self.cost_ratio.is_none() {
            a.push("Cost of revenue is not reported, so it is not projected.".to_string());
        }
        a
    }
}

/// One projected quarter's amounts (f64 dollars while computing).
#[derive(Default)]
struct Projected {
    revenue: Option<Decimal>,
    ai: Option<Decimal>,
    ocf: Option<Decimal>,
    capex: Option<Decimal>,
    depreciation: Option<Decimal>,
}

struct Projection {
    facts: Vec<FactPoint>,
    quarters: Vec<(FiscalPeriod, Projected)>,
}

/// Reported value of `metric` at `p`, else an earlier projection of it.
fn known(
    book: &Book,
    made: &BTreeMap<(Metric, i32), f64>,
    metric: Metric,
    p: FiscalPeriod,
) -> Option<f64> {
    made.get(&(metric, p.index()))
        .copied()
        .or_else(|| book.fact(metric, p).as_f64())
}

fn project(book: &Book, model: &Model, base: &Base, params: &ScenarioParams) -> Projection {
    let g = params.ai_revenue_growth_per_year;
    let decline = finite(Some(params.inference_cost_decline_per_year))
        .unwrap_or(0.0)
        .clamp(-1.0, 1.0);
    let m = base.ocf_margin;
    let mut made: BTreeMap<(Metric, i32), f64> = BTreeMap::new();
    let mut out = Projection {
        facts: Vec::new(),
        quarters: Vec::new(),
    };
    seed_ppe(book, model, base.t, &mut made, &mut out.facts);
    let horizon = model.capex.len().saturating_sub(model.history);
    for h in 1..=horizon {
        let t = ahead(base.t, h as u32);
        let prev_year = back(t, 4);
        let (ai, ai_prev) = match &base.ai {
            AiBase::Cloud => {
                let prev = known(book, &made, Metric::CloudRevenue, prev_year);
                (prev.map(|v| v * compound(g, 1.0)), prev)
            }
            AiBase::RunRate(p, rr) => {
                let at = |q: FiscalPeriod| {
                    rr * compound(g, f64::from(q.index() - p.index()) / 4.0) / 4.0
                };
                (Some(at(t)), Some(at(prev_year)))
            }
            AiBase::None => (None, None),
        };
        let rev_prev = known(book, &made, Metric::Revenue, prev_year);
        let revenue = rev_prev.map(|r| r + ai.unwrap_or(0.0) - ai_prev.unwrap_or(0.0));
        let cost_factor = compound(-decline, h as f64 / 4.0);
        let split = revenue.map(|r| (r - ai.unwrap_or(0.0), ai.unwrap_or(0.0)));
        let ocf = split.map(|(other, ai)| m * other + ai * (1.0 - (1.0 - m) * cost_factor));
        let cost = base
            .cost_ratio
            .and_then(|k| split.map(|(other, ai)| k * other + k * ai * cost_factor));
        let i = model.history + h - 1;
        let capex = model.capex.get(i).copied();
        let dep = model.depreciation(i);
        let ppe = known(book, &made, Metric::PpeNet, back(t, 1))
            .and_then(|prev| Some(prev + capex? - dep?));
        let uic =
            known(book, &made, Metric::UnitInferenceCost, prev_year).map(|c| c * (1.0 - decline));
        let mut rows = vec![
            (Metric::Revenue, revenue),
            (Metric::OperatingCashFlow, ocf),
            (Metric::CostOfRevenue, cost),
            (Metric::Capex, capex),
            (Metric::DepreciationAmortization, dep),
            (Metric::PpeNet, ppe),
            (Metric::UnitInferenceCost, uic),
            (Metric::CapexProceeds, Some(0.0)),
        ];
        match &base.ai {
            AiBase::Cloud => rows.push((Metric::CloudRevenue, ai)),
            AiBase::RunRate(..) => rows.push((Metric::AiRevenueRunRate, ai.map(|q| q * 4.0))),
            AiBase::None => {}
        }
        for (metric, v) in rows {
            if let Some(v) = finite(v) {
                made.insert((metric, t.index()), v);
                if let Some(fp) = fact(book, metric, t, v, out.facts.len()) {
                    out.facts.push(fp);
                }
            }
        }
        let dec = |v: Option<f64>| finite(v).and_then(decimal_from_f64).map(|d| d.round());
        out.quarters.push((
            t,
            Projected {
                revenue: dec(revenue),
                ai: dec(ai),
                ocf: dec(ocf),
                capex: dec(capex),
                depreciation: dec(dep),
            },
        ));
    }
    out
}

/// Rolls net PP&E forward from the latest reported balance to the base quarter
/// (reported capex and depreciation, modelled depreciation where none is reported),
/// so the projection has a starting balance.
fn seed_ppe(
    book: &Book,
    model: &Model,
    base: FiscalPeriod,
    made: &mut BTreeMap<(Metric, i32), f64>,
    facts: &mut Vec<FactPoint>,
) {
    let Some(last) = book
        .quarters_with(&[Metric::PpeNet])
        .into_iter()
        .rfind(|p| p.index() <= base.index())
    else {
        return;
    };
    let Some(start) = model.start else { return };
    for k in 1..=(base.index() - last.index()).max(0) as u32 {
        let p = ahead(last, k);
        let i = usize::try_from(p.index() - start.index()).ok();
        let capex = book.fact(Metric::Capex, p).as_f64();
        let dep = book
            .fact(Metric::DepreciationAmortization, p)
            .as_f64()
            .or_else(|| i.and_then(|i| model.depreciation(i)));
        let prev = known(book, made, Metric::PpeNet, back(p, 1));
        let Some(v) = finite(prev.and_then(|prev| Some(prev + capex? - dep?))) else {
            return;
        };
        made.insert((Metric::PpeNet, p.index()), v);
        if let Some(f) = fact(book, Metric::PpeNet, p, v, facts.len()) {
            facts.push(f);
        }
    }
}

/// A projected value as a fact, so the scorecard can read it like any other.
fn fact(book: &Book, metric: Metric, p: FiscalPeriod, v: f64, n: usize) -> Option<FactPoint> {
    let (start, end) = book.quarter_dates(p);
    let instant = matches!(
        metric,
        Metric::PpeNet | Metric::AiRevenueRunRate | Metric::UnitInferenceCost
    );
    Some(FactPoint {
        metric,
        period: p,
        period_start: if instant { None } else { Some(start) },
        period_end: end,
        // Whole dollars, except unit costs (e.g. USD per million tokens).
        value: if metric == Metric::UnitInferenceCost {
            decimal_from_f64(v)?.round_dp(6)
        } else {
            decimal_from_f64(v)?.round()
        },
        provenance: Provenance {
            fact_id: -1 - n as i64,
            kind: SourceKind::Derived,
            label: format!(
                "Scenario projection (not reported): {} {}",
                metric.key(),
                p.label()
            ),
            url: None,
        },
    })
}
