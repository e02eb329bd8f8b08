//! The four-question scorecard and the cash-conversion headline
//! (methodology section 4).

use super::book::{back, Book, Window};
use super::input::CompanyFacts;
use super::measure::{DerivedMetric, Measure};
use super::series::{make_point_pub, value, Basis, Change, SeriesPoint};
use super::value::{
    decimal_from_f64, merge_inputs, merge_missing, Amount, InputRef, Missing, Unit,
};
use crate::format::{multiple, percent, percentage_points};
use crate::{FiscalPeriod, Metric};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A question's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Healthy,
    Watch,
    Stress,
    InsufficientData,
}

impl Signal {
    pub fn label(self) -> &'static str {
        match self {
            Signal::Healthy => "Healthy",
            Signal::Watch => "Watch",
            Signal::Stress => "Stress",
            Signal::InsufficientData => "Insufficient data",
        }
    }
}

/// The four questions, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    AiRevenueVsCapex,
    CloudUtilization,
    InferenceCost,
    DurableContracts,
}

impl Question {
    pub const ALL: [Question; 4] = [
        Question::AiRevenueVsCapex,
        Question::CloudUtilization,
        Question::InferenceCost,
        Question::DurableContracts,
    ];

    /// The question as asked on the page.
    pub fn text(self) -> &'static str {
        match self {
            Question::AiRevenueVsCapex => "Is AI-related revenue growing faster than capex?",
            Question::CloudUtilization => {
                "Is cloud utilization improving, or is growth driven mainly by buying more GPUs?"
            }
            Question::InferenceCost => {
                "Is inference cost per task falling through efficiency gains?"
            }
            Question::DurableContracts => {
                "Are customers signing durable contracts, or is demand still experimental?"
            }
        }
    }
}

/// The scorecard's thresholds (methodology defaults). Every field has a
/// default, so a configuration file may override only some.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Q1: spread (pp) at or above which the answer is Healthy. Default 0.
    pub ai_spread_healthy_pp: f64,
    /// Q1: spread (pp) at or above which (and below healthy) it is Watch; below, Stress. Default −15.
    pub ai_spread_watch_pp: f64,
    /// Q2: change in asset turnover (%) at or above which it is Healthy. Default 0.
    pub utilization_healthy_pct: f64,
    /// Q2: change (%) at or below which it is Stress ("down 5 % or more"). Default −5.
    pub utilization_stress_pct: f64,
    /// Q3 (analyst series): YoY change (%) at or below which it is Healthy ("falling ≥ 10 %"). Default −10.
    pub inference_cost_healthy_pct: f64,
    /// Q3 (analyst series): YoY change (%) above which it is Stress ("rising"). Default 0.
    pub inference_cost_stress_pct: f64,
    /// Q3 (proxy): a ratio change (pp) at or below this counts as falling or flat. Default 0.
    pub inference_proxy_flat_pp: f64,
    /// Q3 (proxy): both ratios rising by more than this (pp) is Stress. Default 1.
    pub inference_proxy_stress_pp: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            ai_spread_healthy_pp: 0.0,
            ai_spread_watch_pp: -15.0,
            utilization_healthy_pct: 0.0,
            utilization_stress_pct: -5.0,
            inference_cost_healthy_pct: -10.0,
            inference_cost_stress_pct: 0.0,
            inference_proxy_flat_pp: 0.0,
            inference_proxy_stress_pp: 1.0,
        }
    }
}

/// A named number behind an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub unit: Unit,
    /// Always finite. Ratios are fractions; `Percent` and `PercentagePoints` are already × 100.
    pub value: Option<f64>,
    pub exact: Option<Decimal>,
}

/// One question's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub question: Question,
    pub signal: Signal,
    pub figures: Vec<Figure>,
    /// Every stored fact used, with its provenance.
    pub inputs: Vec<InputRef>,
    /// Why the answer is `InsufficientData` (empty otherwise).
    pub missing: Vec<Missing>,
    /// Set when a proxy stood in for the quantity asked about; says which.
    pub proxy: Option<String>,
    /// Other things the reader should know (e.g. total revenue used for lack of cloud revenue).
    pub notes: Vec<String>,
    /// One plain sentence.
    pub sentence: String,
}

/// Which way a headline figure moved against a year earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Down,
    Flat,
    Unknown,
}

/// A cash-conversion headline figure with its trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadlineFigure {
    pub measure: Measure,
    pub unit: Unit,
    /// TTM value at the quarter.
    pub current: SeriesPoint,
    /// TTM value four quarters earlier.
    pub year_ago: SeriesPoint,
    /// `current − year_ago` in the figure's unit (dollars, or a fraction: 0.02 = 2 pp).
    pub change: Option<f64>,
    pub trend: Trend,
}

/// The scorecard of one company at one quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub ticker: String,
    pub period: FiscalPeriod,
    pub label: String,
    /// The four answers, in [`Question::ALL`] order.
    pub answers: Vec<Answer>,
    pub headline: Vec<HeadlineFigure>,
    pub thresholds: Thresholds,
}

/// The scorecard for `company` at fiscal quarter `period`.
pub fn scorecard(
    company: &CompanyFacts,
    period: FiscalPeriod,
    thresholds: &Thresholds,
) -> Scorecard {
    let book = Book::new(company);
    Scorecard {
        ticker: company.ticker.clone(),
        period,
        label: period.label(),
        answers: answers_for(&book, period, thresholds),
        headline: headline_for(&book, period),
        thresholds: thresholds.clone(),
    }
}

/// The four answers alone (the scenario projection reuses them).
pub(crate) fn answers_for(book: &Book, t: FiscalPeriod, th: &Thresholds) -> Vec<Answer> {
    vec![
        ai_revenue_vs_capex(book, t, th),
        cloud_utilization(book, t, th),
        inference_cost(book, t, th),
        durable_contracts(book, t),
    ]
}

/// The cash-conversion headline for `company` at `period`.
pub fn headline(company: &CompanyFacts, period: FiscalPeriod) -> Vec<HeadlineFigure> {
    headline_for(&Book::new(company), period)
}

// ----- building blocks ------------------------------------------------------

/// Collects the figures, inputs and gaps of an answer.
#[derive(Default)]
struct Parts {
    figures: Vec<Figure>,
    inputs: Vec<InputRef>,
    missing: Vec<Missing>,
    proxy: Option<String>,
    notes: Vec<String>,
}

impl Parts {
    /// Records a figure and its inputs; its gaps count against the answer.
    fn figure(&mut self, name: &str, unit: Unit, a: &Amount) -> Option<Decimal> {
        merge_inputs(&mut self.inputs, a.inputs.clone());
        merge_missing(&mut self.missing, a.missing.clone());
        self.figures.push(Figure {
            name: name.to_string(),
            unit,
            value: a.as_f64(),
            exact: a.value,
        });
        a.value
    }

    fn answer(self, question: Question, signal: Signal, sentence: String) -> Answer {
        let missing = if signal == Signal::InsufficientData {
            self.missing
        } else {
            Vec::new()
        };
        Answer {
            question,
            signal,
            figures: self.figures,
            inputs: self.inputs,
            missing,
            proxy: self.proxy,
            notes: self.notes,
            sentence,
        }
    }

    fn insufficient(self, question: Question, what: &str) -> Answer {
        let sentence = format!(
            "Not enough data to {what}: missing {}.",
            missing_list(&self.missing)
        );
        self.answer(question, Signal::InsufficientData, sentence)
    }
}

fn missing_list(missing: &[Missing]) -> String {
    if missing.is_empty() {
        return "inputs".to_string();
    }
    let shown: Vec<String> = missing.iter().take(4).map(ToString::to_string).collect();
    let more = missing.len().saturating_sub(4);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// A threshold as an exact decimal (a non-finite threshold falls back to its default).
fn th(x: f64, default: f64) -> Decimal {
    decimal_from_f64(x)
        .or_else(|| decimal_from_f64(default))
        .unwrap_or_default()
}

fn hundred() -> Decimal {
    Decimal::ONE_HUNDRED
}

fn ttm_growth(book: &Book, metric: Metric, t: FiscalPeriod) -> Amount {
    value(
        book,
        Measure::Stored(metric),
        t,
        Basis::Ttm,
        Change::YearOverYear,
    )
}

fn f(x: Decimal) -> f64 {
    x.to_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

// ----- Q1 ---------------------------------------------------------------------

/// Spread = YoY growth of AI revenue − YoY growth of TTM capex, in pp. AI revenue
/// is the disclosed run-rate when it exists at both dates; otherwise TTM cloud
/// revenue, labelled as a proxy.
fn ai_revenue_vs_capex(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::AiRevenueVsCapex;
    let mut parts = Parts::default();
    let rr = Metric::AiRevenueRunRate;
    let (ai_growth, ai_name) = if book.has(rr, t) && book.has(rr, back(t, 4)) {
        let g = book.fact(rr, t).growth_over(
            book.fact(rr, back(t, 4)),
            "AI revenue run-rate a year earlier",
        );
        (g, "AI revenue run-rate")
    } else {
        if book.quarters_with(&[rr]).is_empty() {
            parts.proxy = Some("Cloud revenue stands in for AI revenue: the company does not disclose an AI revenue run-rate.".into());
        } else {
            parts.proxy = Some(format!(
                "Cloud revenue stands in for AI revenue: no AI revenue run-rate is disclosed for both {} and {}.",
                t.label(),
                back(t, 4).label()
            ));
        }
        (
            ttm_growth(book, Metric::CloudRevenue, t),
            "TTM cloud revenue (proxy)",
        )
    };
    let capex_growth = ttm_growth(book, Metric::Capex, t);
    let spread = ai_growth
        .clone()
        .minus(capex_growth.clone())
        .scaled(hundred());
    let g_ai = parts.figure(&format!("{ai_name}, YoY growth"), Unit::Ratio, &ai_growth);
    let g_cx = parts.figure("TTM capex, YoY growth", Unit::Ratio, &capex_growth);
    let s = parts.figure("Spread", Unit::PercentagePoints, &spread);
    let (Some(g_ai), Some(g_cx), Some(s)) = (g_ai, g_cx, s) else {
        return parts.insufficient(q, "compare AI revenue growth with capex growth");
    };
    let signal = if s >= th(th_.ai_spread_healthy_pp, 0.0) {
        Signal::Healthy
    } else if s >= th(th_.ai_spread_watch_pp, -15.0) {
        Signal::Watch
    } else {
        Signal::Stress
    };
    let verdict = match signal {
        Signal::Healthy => "AI revenue is keeping pace with capex",
        Signal::Watch => "capex is growing somewhat faster than AI revenue",
        _ => "capex is growing much faster than AI revenue",
    };
    let sentence = format!(
        "{} grew {} year over year against {} for TTM capex, a spread of {}: {verdict}.",
        capitalize(ai_name),
        percent(f(g_ai)),
        percent(f(g_cx)),
        percentage_points(f(s)),
    );
    parts.answer(q, signal, sentence)
}

// ----- Q2 ---------------------------------------------------------------------

/// Change in asset turnover (cloud revenue, else total revenue, over average
/// net PP&E) versus a year earlier, in %.
fn cloud_utilization(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::CloudUtilization;
    let mut parts = Parts::default();
    let cloud = Measure::Derived(DerivedMetric::CloudAssetTurnover);
    let total = Measure::Derived(DerivedMetric::AssetTurnover);
    let cloud_ok = book.measure(cloud, t, Window::Trailing).is_complete()
        && book
            .measure(cloud, back(t, 4), Window::Trailing)
            .is_complete();
    let m = if cloud_ok {
        cloud
    } else {
        parts.notes.push(
            "No cloud revenue for both years: total revenue is used for asset turnover.".into(),
        );
        total
    };
    let now = book.measure(m, t, Window::Trailing);
    let before = book.measure(m, back(t, 4), Window::Trailing);
    let change = now
        .clone()
        .growth_over(before.clone(), "asset turnover a year earlier")
        .scaled(hundred());
    let a_now = parts.figure(
        &format!("{} at {}", m.label(), t.label()),
        Unit::Multiple,
        &now,
    );
    let a_before = parts.figure(
        &format!("{} at {}", m.label(), back(t, 4).label()),
        Unit::Multiple,
        &before,
    );
    let c = parts.figure("Change", Unit::Percent, &change);
    let (Some(a_now), Some(a_before), Some(c)) = (a_now, a_before, c) else {
        return parts.insufficient(q, "measure the change in asset turnover");
    };
    let signal = if c >= th(th_.utilization_healthy_pct, 0.0) {
        Signal::Healthy
    } else if c <= th(th_.utilization_stress_pct, -5.0) {
        Signal::Stress
    } else {
        Signal::Watch
    };
    let verdict = match signal {
        Signal::Healthy => "revenue is growing at least as fast as the asset base",
        Signal::Watch => "the asset base is growing a little faster than revenue",
        _ => "growth is coming mainly from a bigger asset base",
    };
    let sentence = format!(
        "{} moved from {} to {} ({}): {verdict}.",
        m.label(),
        multiple(f(a_before)),
        multiple(f(a_now)),
        signed_percent(f(c))
    );
    parts.answer(q, signal, sentence)
}

// ----- Q3 ---------------------------------------------------------------------

/// The analyst's unit inference cost when it exists at both dates; otherwise
/// the proxy: YoY change (pp) of depreciation burden and of cost of revenue / revenue.
fn inference_cost(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let uic = Metric::UnitInferenceCost;
    if book.has(uic, t) && book.has(uic, back(t, 4)) {
        return inference_cost_analyst(book, t, th_);
    }
    inference_cost_proxy(book, t, th_)
}

fn inference_cost_analyst(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::InferenceCost;
    let mut parts = Parts::default();
    let uic = Metric::UnitInferenceCost;
    let change = book
        .fact(uic, t)
        .growth_over(
            book.fact(uic, back(t, 4)),
            "unit inference cost a year earlier",
        )
        .scaled(hundred());
    let Some(c) = parts.figure("Unit inference cost, YoY change", Unit::Percent, &change) else {
        return parts.insufficient(q, "measure the change in unit inference cost");
    };
    let signal = if c <= th(th_.inference_cost_healthy_pct, -10.0) {
        Signal::Healthy
    } else if c > th(th_.inference_cost_stress_pct, 0.0) {
        Signal::Stress
    } else {
        Signal::Watch
    };
    let verdict = match signal {
        Signal::Healthy => "efficiency gains are showing",
        Signal::Watch => "falling, but slowly",
        _ => "cost per task is rising",
    };
    let sentence = format!(
        "The analyst series of unit inference cost changed {} year over year: {verdict}.",
        signed_percent(f(c))
    );
    parts.answer(q, signal, sentence)
}

fn inference_cost_proxy(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::InferenceCost;
    let mut parts = Parts {
        proxy: Some(
            "Filings do not state cost per task: the YoY changes of depreciation burden and of cost of revenue / revenue stand in (proxy)."
                .into(),
        ),
        ..Parts::default()
    };
    let burden = |p| {
        book.measure(
            Measure::Derived(DerivedMetric::DepreciationBurden),
            p,
            Window::Trailing,
        )
    };
    let cost_ratio = |p| {
        let rev = book.flow(Measure::Stored(Metric::Revenue), p, Window::Trailing);
        book.flow(Measure::Stored(Metric::CostOfRevenue), p, Window::Trailing)
            .ratio(rev, "revenue")
    };
    let d_burden = burden(t).minus(burden(back(t, 4))).scaled(hundred());
    let d_cost = cost_ratio(t)
        .minus(cost_ratio(back(t, 4)))
        .scaled(hundred());
    let db = parts.figure(
        "Depreciation burden, YoY change",
        Unit::PercentagePoints,
        &d_burden,
    );
    let dc = parts.figure(
        "Cost of revenue / revenue, YoY change",
        Unit::PercentagePoints,
        &d_cost,
    );
    let (Some(db), Some(dc)) = (db, dc) else {
        return parts.insufficient(q, "judge inference cost, even by proxy");
    };
    let flat = th(th_.inference_proxy_flat_pp, 0.0);
    let stress = th(th_.inference_proxy_stress_pp, 1.0);
    let signal = if db <= flat && dc <= flat {
        Signal::Healthy
    } else if db > stress && dc > stress {
        Signal::Stress
    } else {
        Signal::Watch
    };
    let verdict = match signal {
        Signal::Healthy => "both are falling or flat, consistent with efficiency gains",
        Signal::Watch => "at least one is rising",
        _ => "both are rising by more than the stress threshold",
    };
    let sentence = format!(
        "By proxy, depreciation burden moved {} and cost of revenue / revenue {} year over year: {verdict}.",
        percentage_points(f(db)),
        percentage_points(f(dc))
    );
    parts.answer(q, signal, sentence)
}

// ----- Q4 ---------------------------------------------------------------------

/// RPO growth versus TTM revenue growth, and whether RPO grows at all.
///
/// Coverage (RPO / TTM revenue) rises exactly when RPO grows faster than TTM
/// revenue (for positive values: `cov(t) / cov(t−4) = (1 + g_rpo) / (1 + g_rev)`),
/// so "grows faster" and "coverage rises" are one test, not two; the second
/// test is whether the backlog grows at all. Healthy: both; Watch: one (RPO
/// grows but slower than revenue, so coverage falls; or RPO shrinks, but less
/// than revenue); Stress: neither. The coverage change is shown as a figure.
fn durable_contracts(book: &Book, t: FiscalPeriod) -> Answer {
    let q = Question::DurableContracts;
    let mut parts = Parts::default();
    let rpo_growth = book
        .fact(Metric::Rpo, t)
        .growth_over(book.fact(Metric::Rpo, back(t, 4)), "RPO a year earlier");
    let rev_growth = ttm_growth(book, Metric::Revenue, t);
    let coverage = |p| {
        book.measure(
            Measure::Derived(DerivedMetric::RpoCoverage),
            p,
            Window::Trailing,
        )
    };
    let d_cov = coverage(t).minus(coverage(back(t, 4)));
    let g_rpo = parts.figure("RPO, YoY growth", Unit::Ratio, &rpo_growth);
    let g_rev = parts.figure("TTM revenue, YoY growth", Unit::Ratio, &rev_growth);
    let dc = parts.figure("RPO coverage, change (years)", Unit::Years, &d_cov);
    let (Some(g_rpo), Some(g_rev), Some(dc)) = (g_rpo, g_rev, dc) else {
        return parts.insufficient(q, "compare backlog with revenue");
    };
    let faster = g_rpo > g_rev;
    let grows = g_rpo > Decimal::ZERO;
    let signal = match (faster, grows) {
        (true, true) => Signal::Healthy,
        (false, false) => Signal::Stress,
        _ => Signal::Watch,
    };
    let verdict = match (faster, grows) {
        (true, true) => "contracted demand is building",
        (false, true) => "the backlog grows, but more slowly than revenue",
        (true, false) => "the backlog shrinks, though less than revenue",
        (false, false) => "contracted demand is not keeping up with revenue",
    };
    let sentence = format!(
        "RPO grew {} against {} for TTM revenue, so coverage {} by {:.2} years: {verdict}.",
        percent(f(g_rpo)),
        percent(f(g_rev)),
        if dc > Decimal::ZERO {
            "rose"
        } else {
            "did not rise"
        },
        f(dc.abs())
    );
    parts.answer(q, signal, sentence)
}

// ----- headline -------------------------------------------------------------

const HEADLINE: [DerivedMetric; 6] = [
    DerivedMetric::Fcf,
    DerivedMetric::FcfAfterLeases,
    DerivedMetric::CashConversion,
    DerivedMetric::OcfConversion,
    DerivedMetric::CapexIntensity,
    DerivedMetric::CapexToDepreciation,
];

fn headline_for(book: &Book, t: FiscalPeriod) -> Vec<HeadlineFigure> {
    HEADLINE
        .iter()
        .map(|d| {
            let m = Measure::Derived(*d);
            let now = value(book, m, t, Basis::Ttm, Change::Level);
            let before = value(book, m, back(t, 4), Basis::Ttm, Change::Level);
            let diff = now.clone().minus(before.clone());
            let trend = match diff.value {
                Some(x) if x > Decimal::ZERO => Trend::Up,
                Some(x) if x < Decimal::ZERO => Trend::Down,
                Some(_) => Trend::Flat,
                None => Trend::Unknown,
            };
            HeadlineFigure {
                measure: m,
                unit: d.unit(),
                current: make_point_pub(book, t, now),
                year_ago: make_point_pub(book, back(t, 4), before),
                change: diff.as_f64(),
                trend,
            }
        })
        .collect()
}

/// `+4.5%`, `−17.7%` for a value already in percent.
fn signed_percent(pct: f64) -> String {
    if pct < 0.0 {
        format!("\u{2212}{:.1}%", -pct)
    } else {
        format!("+{pct:.1}%")
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
