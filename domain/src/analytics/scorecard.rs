//! The four-question scorecard and the cash-conversion headline
//! (methodology section 4, version 2).
//!
//! Each question falls back step by step to the best input the company
//! reports and names the step it used ([`Step`]); "Not applicable" comes only
//! from the per-company table in [`super::applicability`], with its reason and
//! source. Answers are computed for every quarter of an eight-quarter history,
//! and the headline answer of a question is the latest quarter that can be
//! answered, naming what the newer quarters lack ([`NewerGap`]).

use super::applicability::not_applicable;
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
    /// The question does not fit the business (set per company, with a reason and a source).
    NotApplicable,
    InsufficientData,
}

impl Signal {
    pub fn label(self) -> &'static str {
        match self {
            Signal::Healthy => "Healthy",
            Signal::Watch => "Watch",
            Signal::Stress => "Stress",
            Signal::NotApplicable => "Not applicable",
            Signal::InsufficientData => "Insufficient data",
        }
    }

    /// True for Healthy, Watch and Stress: the question was answered on data.
    pub fn is_answer(self) -> bool {
        matches!(self, Signal::Healthy | Signal::Watch | Signal::Stress)
    }

    /// The CSS class of the signal's badge.
    pub fn css_class(self) -> &'static str {
        match self {
            Signal::Healthy => "signal healthy",
            Signal::Watch => "signal watch",
            Signal::Stress => "signal stress",
            Signal::NotApplicable => "signal not-applicable",
            Signal::InsufficientData => "signal insufficient",
        }
    }
}

/// Which of a question's fallback steps gave the answer (methodology v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// 1-based: 1 is the input the question asks for, the last the widest proxy.
    pub number: u8,
    pub of: u8,
    /// The input used, e.g. `cloud revenue (proxy)`.
    pub input: String,
}

impl Step {
    fn new(number: u8, of: u8, input: &str) -> Self {
        Self {
            number,
            of,
            input: input.to_string(),
        }
    }

    /// `Step 2 of 3: cloud revenue (proxy)`.
    pub fn label(&self) -> String {
        format!("Step {} of {}: {}", self.number, self.of, self.input)
    }
}

/// On a headline answer older than the company's latest quarter: the newer
/// quarter that could not be answered and what it lacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewerGap {
    pub period: FiscalPeriod,
    pub label: String,
    pub missing: Vec<Missing>,
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

    /// The question's stable name: serde's, and the pages' `data-question`
    /// (a name for data, never the `Debug` output).
    pub fn as_str(self) -> &'static str {
        match self {
            Question::AiRevenueVsCapex => "ai_revenue_vs_capex",
            Question::CloudUtilization => "cloud_utilization",
            Question::InferenceCost => "inference_cost",
            Question::DurableContracts => "durable_contracts",
        }
    }

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
    /// The quarter the answer describes, and its label (`FY26 Q3`).
    pub period: FiscalPeriod,
    pub label: String,
    pub signal: Signal,
    /// The fallback step used; `None` when no step could answer (or Not applicable).
    pub step: Option<Step>,
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
    /// For Not applicable: the source of the per-company setting.
    pub source_url: Option<String>,
    /// Set on a headline answer when the latest quarter could not be answered.
    pub newer: Option<NewerGap>,
}

impl Answer {
    /// `as of FY26 Q3` when the answer is older than the company's latest quarter.
    pub fn as_of_note(&self) -> Option<String> {
        let gap = self.newer.as_ref()?;
        let lacks: Vec<String> = gap
            .missing
            .iter()
            .take(3)
            .map(ToString::to_string)
            .collect();
        Some(format!(
            "As of {}: {} cannot be answered yet (missing {}).",
            self.label,
            gap.label,
            if lacks.is_empty() {
                "inputs".to_string()
            } else {
                lacks.join(", ")
            }
        ))
    }
}

/// One question's answers at each of the last [`HISTORY_QUARTERS`] quarters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionHistory {
    pub question: Question,
    /// Oldest first, ending at the scorecard's quarter.
    pub answers: Vec<Answer>,
}

/// How many quarters of answers a scorecard carries.
pub const HISTORY_QUARTERS: u32 = 8;

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
    /// The four headline answers, in [`Question::ALL`] order: each at the
    /// latest quarter of the history that can be answered.
    pub answers: Vec<Answer>,
    /// Each question's answers over the last eight quarters.
    pub history: Vec<QuestionHistory>,
    pub headline: Vec<HeadlineFigure>,
    pub thresholds: Thresholds,
}

/// A headline answer that differs between two readings of the scorecard
/// (before and after a write): its quarter or its signal changed.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerChange {
    pub question: Question,
    /// The answer before: its quarter's label and signal; `None` when there
    /// was no scorecard (no quarterly figures yet).
    pub before: Option<(String, Signal)>,
    /// The answer now.
    pub after: Answer,
}

/// The headline answers of `after` whose quarter or signal differ from
/// `before`'s, in question order. An answer that only moved to a newer
/// quarter with the same signal is a change too: it is news that the
/// question was answered again.
pub fn answer_changes(before: Option<&Scorecard>, after: &Scorecard) -> Vec<AnswerChange> {
    after
        .answers
        .iter()
        .filter_map(|now| {
            let was = before.and_then(|b| b.answers.iter().find(|a| a.question == now.question));
            let unchanged = was.is_some_and(|w| w.signal == now.signal && w.period == now.period);
            (!unchanged).then(|| AnswerChange {
                question: now.question,
                before: was.map(|w| (w.label.clone(), w.signal)),
                after: now.clone(),
            })
        })
        .collect()
}

/// The scorecard for `company` at fiscal quarter `period`.
pub fn scorecard(
    company: &CompanyFacts,
    period: FiscalPeriod,
    thresholds: &Thresholds,
) -> Scorecard {
    let book = Book::new(company);
    let quarters: Vec<FiscalPeriod> = (0..HISTORY_QUARTERS)
        .rev()
        .map(|n| back(period, n))
        .collect();
    let history: Vec<QuestionHistory> = Question::ALL
        .iter()
        .map(|q| QuestionHistory {
            question: *q,
            answers: quarters
                .iter()
                .map(|p| answer_for(&book, *q, *p, thresholds))
                .collect(),
        })
        .collect();
    Scorecard {
        ticker: company.ticker.clone(),
        period,
        label: period.label(),
        answers: history.iter().map(|h| headline_answer(h, period)).collect(),
        history,
        headline: headline_for(&book, period),
        thresholds: thresholds.clone(),
    }
}

/// The headline rule: the latest quarter of the history that is answered (or
/// Not applicable); when that is not the newest, it names what the newest lacks.
fn headline_answer(h: &QuestionHistory, t: FiscalPeriod) -> Answer {
    let Some(newest) = h.answers.last() else {
        return Parts::default().insufficient(h.question, t, "answer");
    };
    if newest.signal != Signal::InsufficientData {
        return newest.clone();
    }
    match h
        .answers
        .iter()
        .rev()
        .find(|a| a.signal != Signal::InsufficientData)
    {
        Some(older) => {
            let mut a = older.clone();
            a.newer = Some(NewerGap {
                period: newest.period,
                label: newest.label.clone(),
                missing: newest.missing.clone(),
            });
            a
        }
        None => newest.clone(),
    }
}

/// The four answers at one quarter (the scenario projection reuses them).
pub(crate) fn answers_for(book: &Book, t: FiscalPeriod, th: &Thresholds) -> Vec<Answer> {
    Question::ALL
        .iter()
        .map(|q| answer_for(book, *q, t, th))
        .collect()
}

/// One question at one quarter: Not applicable where the per-company table
/// says so, else the question's fallback steps.
fn answer_for(book: &Book, q: Question, t: FiscalPeriod, th: &Thresholds) -> Answer {
    if let Some(na) = not_applicable(&book.company.ticker, q) {
        let mut a = Parts::default().answer(q, t, Signal::NotApplicable, na.reason.to_string());
        a.source_url = Some(na.source_url.to_string());
        return a;
    }
    match q {
        Question::AiRevenueVsCapex => ai_revenue_vs_capex(book, t, th),
        Question::CloudUtilization => cloud_utilization(book, t, th),
        Question::InferenceCost => inference_cost(book, t, th),
        Question::DurableContracts => durable_contracts(book, t),
    }
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
    step: Option<Step>,
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

    fn answer(
        self,
        question: Question,
        t: FiscalPeriod,
        signal: Signal,
        sentence: String,
    ) -> Answer {
        let (missing, step) = if signal == Signal::InsufficientData {
            (self.missing, None)
        } else {
            (Vec::new(), self.step)
        };
        Answer {
            question,
            period: t,
            label: t.label(),
            signal,
            step,
            figures: self.figures,
            inputs: self.inputs,
            missing,
            proxy: self.proxy,
            notes: self.notes,
            sentence,
            source_url: None,
            newer: None,
        }
    }

    fn insufficient(mut self, question: Question, t: FiscalPeriod, what: &str) -> Answer {
        let sentence = format!(
            "Not enough data to {what} at {}: missing {}.",
            t.label(),
            missing_list(&self.missing)
        );
        self.proxy = None;
        self.answer(question, t, Signal::InsufficientData, sentence)
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

/// How far back a run-rate may be compared when none is exactly four quarters
/// back, nearest first (ties: the longer gap).
const RUN_RATE_GAPS: [u32; 4] = [4, 5, 3, 6];

/// Growth of the disclosed AI revenue run-rate at `t`: against the disclosure
/// four quarters back, else the nearest one 3 to 6 quarters back, annualised
/// over the actual gap. Returns the growth and the gap in quarters.
fn run_rate_growth(book: &Book, t: FiscalPeriod) -> Option<(Amount, u32)> {
    let rr = Metric::AiRevenueRunRate;
    if !book.has(rr, t) {
        return None;
    }
    let gap = RUN_RATE_GAPS
        .into_iter()
        .find(|k| book.has(rr, back(t, *k)))?;
    let raw = book.fact(rr, t).growth_over(
        book.fact(rr, back(t, gap)),
        "the earlier AI revenue run-rate",
    );
    if gap == 4 {
        return Some((raw, gap));
    }
    Some((annualise(raw, gap), gap))
}

/// `(1 + g)^(4 / quarters) − 1`: a growth over `quarters` quarters as a yearly rate.
fn annualise(growth: Amount, quarters: u32) -> Amount {
    let value = growth.value.and_then(|g| {
        let base = f(Decimal::ONE + g);
        decimal_from_f64(base.powf(4.0 / f64::from(quarters)) - 1.0)
    });
    let mut out = growth;
    if out.value.is_some() && value.is_none() {
        out.missing.push(Missing::Overflow {
            what: "the annualised growth".into(),
        });
    }
    out.value = value;
    out
}

/// Spread = YoY growth of AI revenue − YoY growth of TTM capex, in pp. AI
/// revenue: (1) the disclosed run-rate, (2) TTM cloud revenue (proxy), (3) TTM
/// total revenue (proxy), the first whose growth exists.
fn ai_revenue_vs_capex(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::AiRevenueVsCapex;
    let mut parts = Parts::default();
    let rr = Metric::AiRevenueRunRate;
    let capex_growth = ttm_growth(book, Metric::Capex, t);
    let (ai_growth, ai_name) = if let Some((g, gap)) = run_rate_growth(book, t) {
        parts.step = Some(Step::new(1, 3, "disclosed AI revenue run-rate"));
        if gap != 4 {
            parts.notes.push(format!(
                "No run-rate was disclosed for {}: the one {gap} quarters back ({}) is used, and the growth annualised over {gap} quarters.",
                back(t, 4).label(),
                back(t, gap).label()
            ));
        }
        (g, "AI revenue run-rate")
    } else {
        let why = if book.quarters_with(&[rr]).is_empty() {
            "the company does not disclose an AI revenue run-rate".to_string()
        } else {
            format!(
                "no AI revenue run-rate is disclosed for {} and a quarter 3 to 6 quarters before",
                t.label()
            )
        };
        if let Some(note) = latest_run_rate_note(book, t) {
            parts.notes.push(note);
        }
        let cloud = ttm_growth(book, Metric::CloudRevenue, t);
        if cloud.is_complete() {
            parts.step = Some(Step::new(2, 3, "cloud revenue (proxy)"));
            parts.proxy = Some(format!("Cloud revenue stands in for AI revenue: {why}."));
            (cloud, "TTM cloud revenue (proxy)")
        } else {
            let no_cloud = if book.quarters_with(&[Metric::CloudRevenue]).is_empty() {
                "the company reports no cloud segment"
            } else {
                "cloud revenue is not reported for all eight quarters"
            };
            parts.step = Some(Step::new(3, 3, "total revenue (proxy)"));
            parts.proxy = Some(format!(
                "Total revenue stands in for AI revenue: {why}, and {no_cloud}."
            ));
            (ttm_growth(book, Metric::Revenue, t), "TTM revenue (proxy)")
        }
    };
    let spread = ai_growth
        .clone()
        .minus(capex_growth.clone())
        .scaled(hundred());
    let g_ai = parts.figure(&format!("{ai_name}, YoY growth"), Unit::Ratio, &ai_growth);
    let g_cx = parts.figure("TTM capex, YoY growth", Unit::Ratio, &capex_growth);
    let s = parts.figure("Spread", Unit::PercentagePoints, &spread);
    let (Some(g_ai), Some(g_cx), Some(s)) = (g_ai, g_cx, s) else {
        return parts.insufficient(q, t, "compare AI revenue growth with capex growth");
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
    parts.answer(q, t, signal, sentence)
}

/// When the run-rate step cannot answer at `t` but an earlier quarter (within
/// the history) has a comparable disclosure: that comparison, in words, so the
/// company's own figure stays in view.
fn latest_run_rate_note(book: &Book, t: FiscalPeriod) -> Option<String> {
    let rr = Metric::AiRevenueRunRate;
    (1..HISTORY_QUARTERS).find_map(|n| {
        let p = back(t, n);
        let (g, gap) = run_rate_growth(book, p)?;
        let g = g.value?;
        let now = book.get(rr, p)?.value;
        let base = book.get(rr, back(p, gap))?.value;
        Some(format!(
            "The latest disclosed AI revenue run-rate, {} at {}, grew {} a year (from {} at {}, {gap} quarters earlier); no run-rate is disclosed for {} yet.",
            crate::format::usd(now),
            p.label(),
            percent(f(g)),
            crate::format::usd(base),
            back(p, gap).label(),
            t.label()
        ))
    })
}

// ----- Q2 ---------------------------------------------------------------------

/// The turnover fallbacks, in order: cloud revenue, else total revenue, over
/// average net PP&E, else over average gross PP&E (labelled).
const TURNOVER_STEPS: [(Metric, Metric, &str); 4] = [
    (
        Metric::CloudRevenue,
        Metric::PpeNet,
        "cloud revenue over average net PP&E",
    ),
    (
        Metric::Revenue,
        Metric::PpeNet,
        "total revenue over average net PP&E",
    ),
    (
        Metric::CloudRevenue,
        Metric::PpeGross,
        "cloud revenue over average gross PP&E",
    ),
    (
        Metric::Revenue,
        Metric::PpeGross,
        "total revenue over average gross PP&E",
    ),
];

/// Change in asset turnover versus a year earlier, in %.
fn cloud_utilization(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::CloudUtilization;
    let mut parts = Parts::default();
    let turnover = |rev, ppe, p| book.turnover(rev, ppe, p, Window::Trailing);
    let chosen = TURNOVER_STEPS
        .iter()
        .enumerate()
        .find(|(_, (rev, ppe, _))| {
            turnover(*rev, *ppe, t).is_complete() && turnover(*rev, *ppe, back(t, 4)).is_complete()
        });
    // With no step complete, the gaps shown are those of the total-revenue,
    // net-PP&E step: the inputs most companies report.
    let (number, (rev, ppe, what)) = chosen.unwrap_or((1, &TURNOVER_STEPS[1]));
    parts.step = Some(Step::new(number as u8 + 1, 4, what));
    if *rev == Metric::Revenue && chosen.is_some() {
        parts.notes.push(
            "No cloud revenue for both years: total revenue is used for asset turnover.".into(),
        );
    }
    if *ppe == Metric::PpeGross {
        parts.proxy =
            Some("Gross PP&E stands in for net PP&E, which is not reported for both years.".into());
    }
    let name = format!(
        "{} turnover ({})",
        if *rev == Metric::CloudRevenue {
            "Cloud asset"
        } else {
            "Asset"
        },
        if *ppe == Metric::PpeGross {
            "gross PP&E"
        } else {
            "net PP&E"
        }
    );
    let now = turnover(*rev, *ppe, t);
    let before = turnover(*rev, *ppe, back(t, 4));
    let change = now
        .clone()
        .growth_over(before.clone(), "asset turnover a year earlier")
        .scaled(hundred());
    let a_now = parts.figure(&format!("{name} at {}", t.label()), Unit::Multiple, &now);
    let a_before = parts.figure(
        &format!("{name} at {}", back(t, 4).label()),
        Unit::Multiple,
        &before,
    );
    let c = parts.figure("Change", Unit::Percent, &change);
    let (Some(a_now), Some(a_before), Some(c)) = (a_now, a_before, c) else {
        return parts.insufficient(q, t, "measure the change in asset turnover");
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
        "{name} moved from {} to {} ({}): {verdict}.",
        multiple(f(a_before)),
        multiple(f(a_now)),
        signed_percent(f(c))
    );
    parts.answer(q, t, signal, sentence)
}

// ----- Q3 ---------------------------------------------------------------------

/// (1) The analyst's unit inference cost when it exists at both dates; else
/// (2) the proxy on both ratios, depreciation burden and cost of revenue /
/// revenue; else (3) the proxy on whichever one is reported.
fn inference_cost(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let uic = Metric::UnitInferenceCost;
    if book.has(uic, t) && book.has(uic, back(t, 4)) {
        return inference_cost_analyst(book, t, th_);
    }
    inference_cost_proxy(book, t, th_)
}

fn inference_cost_analyst(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::InferenceCost;
    let mut parts = Parts {
        step: Some(Step::new(1, 3, "analyst series of unit inference cost")),
        ..Parts::default()
    };
    let uic = Metric::UnitInferenceCost;
    let change = book
        .fact(uic, t)
        .growth_over(
            book.fact(uic, back(t, 4)),
            "unit inference cost a year earlier",
        )
        .scaled(hundred());
    let Some(c) = parts.figure("Unit inference cost, YoY change", Unit::Percent, &change) else {
        return parts.insufficient(q, t, "measure the change in unit inference cost");
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
    parts.answer(q, t, signal, sentence)
}

fn inference_cost_proxy(book: &Book, t: FiscalPeriod, th_: &Thresholds) -> Answer {
    let q = Question::InferenceCost;
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
    let flat = th(th_.inference_proxy_flat_pp, 0.0);
    let stress = th(th_.inference_proxy_stress_pp, 1.0);
    const BURDEN: &str = "Depreciation burden, YoY change";
    const COST: &str = "Cost of revenue / revenue, YoY change";
    if d_burden.is_complete() && d_cost.is_complete()
        || !d_burden.is_complete() && !d_cost.is_complete()
    {
        let mut parts = Parts {
            proxy: Some(
                "Filings do not state cost per task: the YoY changes of depreciation burden and of cost of revenue / revenue stand in (proxy)."
                    .into(),
            ),
            step: Some(Step::new(2, 3, "depreciation burden and cost of revenue / revenue (proxy)")),
            ..Parts::default()
        };
        let db = parts.figure(BURDEN, Unit::PercentagePoints, &d_burden);
        let dc = parts.figure(COST, Unit::PercentagePoints, &d_cost);
        let (Some(db), Some(dc)) = (db, dc) else {
            return parts.insufficient(q, t, "judge inference cost, even by proxy");
        };
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
        return parts.answer(q, t, signal, sentence);
    }
    // Only one of the two ratios is reported: answer on it and say so.
    let (name, one, other, lacking) = if d_burden.is_complete() {
        ("depreciation burden", d_burden, d_cost, "cost of revenue")
    } else {
        (
            "cost of revenue / revenue",
            d_cost,
            d_burden,
            "depreciation and amortization",
        )
    };
    let mut parts = Parts {
        proxy: Some(format!(
            "Filings do not state cost per task: the YoY change of {name} stands in (proxy), alone, because {lacking} is not reported for both years."
        )),
        step: Some(Step::new(3, 3, &format!("{name} alone (proxy)"))),
        ..Parts::default()
    };
    let figure_name = if name == "depreciation burden" {
        BURDEN
    } else {
        COST
    };
    let Some(x) = parts.figure(figure_name, Unit::PercentagePoints, &one) else {
        return parts.insufficient(q, t, "judge inference cost, even by proxy");
    };
    parts.notes.push(format!(
        "Not used (not reported for both years): {}.",
        other.missing_text()
    ));
    let signal = if x <= flat {
        Signal::Healthy
    } else if x <= stress {
        Signal::Watch
    } else {
        Signal::Stress
    };
    let verdict = match signal {
        Signal::Healthy => "falling or flat, consistent with efficiency gains",
        Signal::Watch => "rising, by up to the stress threshold",
        _ => "rising by more than the stress threshold",
    };
    let sentence = format!(
        "By proxy, {name} moved {} year over year: {verdict}.",
        percentage_points(f(x))
    );
    parts.answer(q, t, signal, sentence)
}

// ----- Q4 ---------------------------------------------------------------------

/// RPO growth versus TTM revenue growth (methodology v2: three outcomes).
///
/// Healthy: RPO grows faster than TTM revenue, which for positive values is
/// the same as coverage (RPO / TTM revenue) rising; Watch: RPO grows, but not
/// faster; Stress: RPO does not grow (it shrinks or stays flat). The coverage
/// change is shown as a figure.
fn durable_contracts(book: &Book, t: FiscalPeriod) -> Answer {
    let q = Question::DurableContracts;
    let mut parts = Parts {
        step: Some(Step::new(1, 1, "remaining performance obligations")),
        ..Parts::default()
    };
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
        return parts.insufficient(q, t, "compare backlog with revenue");
    };
    let (signal, verdict) = if g_rpo <= Decimal::ZERO {
        (Signal::Stress, "the backlog is not growing")
    } else if g_rpo > g_rev {
        (Signal::Healthy, "contracted demand is building")
    } else {
        (
            Signal::Watch,
            "the backlog grows, but not faster than revenue",
        )
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
    parts.answer(q, t, signal, sentence)
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
