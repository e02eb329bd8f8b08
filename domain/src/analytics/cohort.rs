//! The cohort read together (methodology section 7).
//!
//! One company's report says little about the cycle; the hyperscalers' reports
//! read together say whether the infrastructure bill is still rising and
//! whether cash flow keeps up. For each calendar quarter the cohort sums
//! capex, operating cash flow, free cash flow, depreciation, revenue and net
//! income over the companies that report **every** one of them for that
//! quarter, so each ratio divides sums over the same companies. Who is in and
//! who is out (with what they lack) is part of every quarter's answer: the set
//! changes over time (a company's history starts later, an input is missing),
//! and a sum over a changing set is never presented as one like-for-like line
//! without saying so ([`Cohort::changes`]).
//!
//! Quarters are calendar quarters (section 2: a fiscal quarter belongs to the
//! calendar quarter containing its midpoint), so Microsoft's FY26 Q3 and
//! Alphabet's FY26 Q1 add up as the quarter ended March 2026.

use super::input::CompanyFacts;
use super::measure::{DerivedMetric, Measure};
use super::series::{series, Alignment, Basis, Series, SeriesPoint};
use super::value::{Missing, Unit};
use crate::{CalendarQuarter, FiscalPeriod, Metric, Provenance, Ticker};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The amounts summed, in the order tables and charts show them. A company is
/// in a quarter's sum only when it reports all of them for that quarter.
pub const AMOUNTS: [Measure; 6] = [
    Measure::Stored(Metric::Capex),
    Measure::Stored(Metric::OperatingCashFlow),
    Measure::Derived(DerivedMetric::Fcf),
    Measure::Stored(Metric::DepreciationAmortization),
    Measure::Stored(Metric::Revenue),
    Measure::Stored(Metric::NetIncome),
];

/// The cohort's ratios, each of two sums over the same companies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortRatio {
    /// Σ capex / Σ revenue.
    CapexIntensity,
    /// Σ capex / Σ depreciation and amortization.
    CapexToDepreciation,
    /// Σ free cash flow / Σ net income.
    CashConversion,
}

impl CohortRatio {
    pub const ALL: [CohortRatio; 3] = [
        CohortRatio::CapexIntensity,
        CohortRatio::CapexToDepreciation,
        CohortRatio::CashConversion,
    ];

    /// The single-company metric this ratio is the cohort's version of (its
    /// label, unit and formula).
    pub fn metric(self) -> DerivedMetric {
        match self {
            CohortRatio::CapexIntensity => DerivedMetric::CapexIntensity,
            CohortRatio::CapexToDepreciation => DerivedMetric::CapexToDepreciation,
            CohortRatio::CashConversion => DerivedMetric::CashConversion,
        }
    }

    /// The formula on the cohort's sums.
    pub fn formula(self) -> &'static str {
        match self {
            CohortRatio::CapexIntensity => "Σ capex / Σ revenue",
            CohortRatio::CapexToDepreciation => "Σ capex / Σ depreciation_amortization",
            CohortRatio::CashConversion => "Σ FCF / Σ net_income",
        }
    }

    /// Positions of (numerator, denominator) in [`AMOUNTS`].
    fn parts(self) -> (usize, usize) {
        match self {
            CohortRatio::CapexIntensity => (0, 4),
            CohortRatio::CapexToDepreciation => (0, 3),
            CohortRatio::CashConversion => (2, 5),
        }
    }
}

/// One company's part of a quarter's sum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub ticker: String,
    /// The company's own fiscal quarter that falls in this calendar quarter.
    pub fiscal_period: FiscalPeriod,
    /// One value per [`AMOUNTS`] entry, exact.
    pub values: Vec<Decimal>,
    /// The sources of those values (each stored fact once, in input order).
    pub sources: Vec<Provenance>,
}

/// A company left out of a quarter's sum, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub ticker: String,
    /// What it lacks for this quarter (empty: nothing of it falls in the quarter).
    pub missing: Vec<Missing>,
}

impl Exclusion {
    /// `capex_proceeds for FY25 Q3`, or that the company has no figures for the quarter.
    pub fn reason(&self) -> String {
        if self.missing.is_empty() {
            "no figures for this quarter".to_string()
        } else {
            self.missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        }
    }
}

/// One calendar quarter of the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortQuarter {
    pub quarter: CalendarQuarter,
    /// The companies in the sum, in the cohort's order.
    pub members: Vec<Contribution>,
    /// The companies of the cohort left out, in the cohort's order.
    pub excluded: Vec<Exclusion>,
    /// One sum per [`AMOUNTS`] entry.
    pub sums: Vec<Decimal>,
}

impl CohortQuarter {
    /// The sum of the `i`-th of [`AMOUNTS`].
    pub fn sum(&self, measure: Measure) -> Option<Decimal> {
        let i = AMOUNTS.iter().position(|m| *m == measure)?;
        self.sums.get(i).copied()
    }

    /// A ratio of two sums; `None` when the denominator is zero.
    pub fn ratio(&self, ratio: CohortRatio) -> Option<Decimal> {
        let (n, d) = ratio.parts();
        let (n, d) = (*self.sums.get(n)?, *self.sums.get(d)?);
        if d.is_zero() {
            return None;
        }
        n.checked_div(d)
    }

    /// The members' tickers, in order.
    pub fn member_tickers(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.ticker.as_str()).collect()
    }

    /// One line for a tooltip: `In: GOOGL, MSFT. Out: AMZN (capex_proceeds for FY25 Q3).`
    pub fn membership_text(&self) -> String {
        let mut text = format!("In the sum: {}.", self.member_tickers().join(", "));
        if !self.excluded.is_empty() {
            let out: Vec<String> = self
                .excluded
                .iter()
                .map(|e| format!("{} ({})", e.ticker, e.reason()))
                .collect();
            text.push_str(&format!(" Left out: {}.", out.join("; ")));
        }
        text
    }
}

/// A change in who is in the sum, between a quarter and the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChange {
    pub quarter: CalendarQuarter,
    pub joined: Vec<String>,
    pub left: Vec<String>,
}

impl fmt::Display for MembershipChange {
    /// `CY24 Q2: CRWV joins` / `CY25 Q3: AMZN leaves`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.joined.is_empty() {
            let verb = if self.joined.len() == 1 {
                "joins"
            } else {
                "join"
            };
            parts.push(format!("{} {verb}", self.joined.join(", ")));
        }
        if !self.left.is_empty() {
            let verb = if self.left.len() == 1 {
                "leaves"
            } else {
                "leave"
            };
            parts.push(format!("{} {verb}", self.left.join(", ")));
        }
        write!(f, "{}: {}", self.quarter.label(), parts.join(", "))
    }
}

/// The cohort: the chosen companies' quarters summed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    /// The companies chosen, in order.
    pub tickers: Vec<String>,
    /// Quarterly sums, or trailing-twelve-month sums.
    pub basis: Basis,
    /// Oldest first; only quarters with at least one company in the sum.
    pub quarters: Vec<CohortQuarter>,
}

impl Cohort {
    /// No companies and no quarters.
    pub fn empty() -> Self {
        Self {
            tickers: Vec::new(),
            basis: Basis::Quarterly,
            quarters: Vec::new(),
        }
    }

    /// Every quarter at which the set of companies in the sum differs from
    /// the quarter before (the first quarter is not a change).
    pub fn changes(&self) -> Vec<MembershipChange> {
        self.quarters
            .windows(2)
            .filter_map(|w| {
                let (before, now) = (w[0].member_tickers(), w[1].member_tickers());
                let joined: Vec<String> = now
                    .iter()
                    .filter(|t| !before.contains(t))
                    .map(|t| t.to_string())
                    .collect();
                let left: Vec<String> = before
                    .iter()
                    .filter(|t| !now.contains(t))
                    .map(|t| t.to_string())
                    .collect();
                (!joined.is_empty() || !left.is_empty()).then(|| MembershipChange {
                    quarter: w[1].quarter,
                    joined,
                    left,
                })
            })
            .collect()
    }

    /// The quarter, if the cohort has it.
    pub fn quarter(&self, quarter: CalendarQuarter) -> Option<&CohortQuarter> {
        self.quarters.iter().find(|q| q.quarter == quarter)
    }

    /// What the cohort chart draws: the cash story (capex, operating and
    /// free cash flow, depreciation) and the ratios. Revenue and net income,
    /// an order of magnitude larger, would flatten it; they are in the table.
    pub fn chart_series(&self) -> Vec<Series> {
        self.series()
            .into_iter()
            .filter(|s| {
                !matches!(
                    s.measure,
                    Measure::Stored(Metric::Revenue | Metric::NetIncome)
                )
            })
            .collect()
    }

    /// Chart series: one per summed amount, then one per ratio, labelled on
    /// calendar quarters; ticker `Cohort`.
    pub fn series(&self) -> Vec<Series> {
        let amounts = AMOUNTS
            .iter()
            .enumerate()
            .map(|(i, m)| self.one_series(*m, m.label(), m.unit(), |q| q.sums.get(i).copied()));
        let ratios = CohortRatio::ALL.iter().map(|r| {
            let metric = r.metric();
            self.one_series(
                Measure::Derived(metric),
                metric.label(),
                metric.unit(),
                |q| q.ratio(*r),
            )
        });
        amounts.chain(ratios).collect()
    }

    fn one_series(
        &self,
        measure: Measure,
        label: &str,
        unit: Unit,
        value: impl Fn(&CohortQuarter) -> Option<Decimal>,
    ) -> Series {
        let points = self
            .quarters
            .iter()
            .map(|q| {
                let exact = value(q);
                let cq = q.quarter;
                SeriesPoint {
                    label: cq.label(),
                    // The cohort has no fiscal calendar of its own: its
                    // quarters are calendar quarters.
                    fiscal_period: FiscalPeriod {
                        fiscal_year: cq.year,
                        quarter: cq.quarter,
                    },
                    calendar_quarter: cq,
                    period_end: cq.last_day(),
                    value: exact.and_then(|v| v.to_f64()).filter(|v| v.is_finite()),
                    exact,
                    inputs: Vec::new(),
                    missing: if exact.is_none() {
                        vec![Missing::ZeroDenominator {
                            denominator: "the cohort's sum".into(),
                        }]
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        Series {
            ticker: "Cohort".into(),
            measure,
            label: label.to_string(),
            unit,
            basis: self.basis,
            alignment: Alignment::Calendar,
            change: super::series::Change::Level,
            points,
        }
    }
}

/// Sums the cohort of `companies` (in the order given) on `basis`
/// (quarterly or TTM; annual is read as TTM at each quarter).
pub fn cohort(companies: &[&CompanyFacts], basis: Basis) -> Cohort {
    let basis = match basis {
        Basis::Annual => Basis::Ttm,
        b => b,
    };
    // Per company: per calendar quarter, the point of each amount.
    let per_company: Vec<BTreeMap<CalendarQuarter, Vec<SeriesPoint>>> = companies
        .iter()
        .map(|c| {
            let mut by_quarter: BTreeMap<CalendarQuarter, Vec<Option<SeriesPoint>>> =
                BTreeMap::new();
            for (i, m) in AMOUNTS.iter().enumerate() {
                for p in series(c, *m, basis, Alignment::Calendar).points {
                    let slot = by_quarter
                        .entry(p.calendar_quarter)
                        .or_insert_with(|| vec![None; AMOUNTS.len()]);
                    // Two fiscal quarters in one calendar quarter (a 53-week
                    // year): the later one stands (points come oldest first).
                    slot[i] = Some(p);
                }
            }
            by_quarter
                .into_iter()
                .map(|(q, points)| {
                    let points = points
                        .into_iter()
                        .map(|p| p.unwrap_or_else(|| empty_point(q)))
                        .collect();
                    (q, points)
                })
                .collect()
        })
        .collect();

    let mut all_quarters: Vec<CalendarQuarter> =
        per_company.iter().flat_map(|m| m.keys().copied()).collect();
    all_quarters.sort();
    all_quarters.dedup();

    let quarters = all_quarters
        .into_iter()
        .filter_map(|cq| {
            let mut members = Vec::new();
            let mut excluded = Vec::new();
            for (company, by_quarter) in companies.iter().zip(&per_company) {
                match by_quarter.get(&cq) {
                    Some(points) if points.iter().all(SeriesPoint::is_complete) => {
                        members.push(contribution(company, points));
                    }
                    Some(points) => excluded.push(Exclusion {
                        ticker: company.ticker.clone(),
                        missing: missing_of(points),
                    }),
                    None => excluded.push(Exclusion {
                        ticker: company.ticker.clone(),
                        missing: Vec::new(),
                    }),
                }
            }
            if members.is_empty() {
                return None;
            }
            let sums = (0..AMOUNTS.len())
                .map(|i| members.iter().map(|m: &Contribution| m.values[i]).sum())
                .collect();
            Some(CohortQuarter {
                quarter: cq,
                members,
                excluded,
                sums,
            })
        })
        .collect();
    Cohort {
        tickers: companies.iter().map(|c| c.ticker.clone()).collect(),
        basis,
        quarters,
    }
}

fn empty_point(cq: CalendarQuarter) -> SeriesPoint {
    SeriesPoint {
        label: cq.label(),
        fiscal_period: FiscalPeriod {
            fiscal_year: cq.year,
            quarter: cq.quarter,
        },
        calendar_quarter: cq,
        period_end: cq.last_day(),
        value: None,
        exact: None,
        inputs: Vec::new(),
        missing: Vec::new(),
    }
}

fn contribution(company: &CompanyFacts, points: &[SeriesPoint]) -> Contribution {
    let mut sources: Vec<Provenance> = Vec::new();
    for input in points.iter().flat_map(|p| &p.inputs) {
        if !sources
            .iter()
            .any(|s| s.fact_id == input.provenance.fact_id)
        {
            sources.push(input.provenance.clone());
        }
    }
    Contribution {
        ticker: company.ticker.clone(),
        fiscal_period: points
            .iter()
            .map(|p| p.fiscal_period)
            .max_by_key(|p| p.index())
            .unwrap_or(FiscalPeriod {
                fiscal_year: 0,
                quarter: 1,
            }),
        values: points.iter().map(|p| p.exact.unwrap_or_default()).collect(),
        sources,
    }
}

/// What the points lack, each thing once. A measure with no point in the
/// quarter (never reported there) is named at the company's fiscal quarter
/// that the other measures show.
fn missing_of(points: &[SeriesPoint]) -> Vec<Missing> {
    let fiscal = points
        .iter()
        .find(|p| p.value.is_some() || !p.missing.is_empty())
        .map(|p| p.fiscal_period);
    let mut out: Vec<Missing> = Vec::new();
    for (p, m) in points.iter().zip(AMOUNTS) {
        let lacks = match (p.missing.is_empty() && p.value.is_none(), m, fiscal) {
            (true, Measure::Stored(metric), Some(period)) => vec![Missing::Fact { metric, period }],
            (true, _, _) => vec![Missing::Unavailable {
                what: format!("{} for {}", m.key(), p.label),
            }],
            (false, _, _) => p.missing.clone(),
        };
        for x in lacks {
            if !out.contains(&x) {
                out.push(x);
            }
        }
    }
    out
}

/// The hyperscalers the cohort sums when the reader picks none: the cloud
/// and AI-infrastructure spenders of the article, not their suppliers.
pub const DEFAULT_TICKERS: [&str; 6] = ["AMZN", "GOOGL", "META", "MSFT", "ORCL", "CRWV"];

/// The most companies one cohort sums.
pub const MAX_COHORT: usize = 12;

/// The cohort page's state in its address: `/cohort?tickers=AMZN,GOOGL&basis=ttm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortQuery {
    /// 1 to [`MAX_COHORT`] distinct companies (default [`DEFAULT_TICKERS`]).
    pub tickers: Vec<Ticker>,
    /// `quarterly` (the default) or `ttm`.
    pub basis: Basis,
}

impl Default for CohortQuery {
    fn default() -> Self {
        Self {
            tickers: DEFAULT_TICKERS
                .iter()
                .filter_map(|t| Ticker::parse(t).ok())
                .collect(),
            basis: Basis::Quarterly,
        }
    }
}

impl CohortQuery {
    /// Parses an untrusted query string (with or without `?`); every problem
    /// is said in one sentence a reader can act on. Tracking parameters
    /// (`utm_*`, `fbclid`, …) are ignored.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.len() > crate::chart_query::MAX_QUERY_LEN {
            return Err(format!(
                "the cohort link's query is {} characters long; it has at most {}",
                raw.len(),
                crate::chart_query::MAX_QUERY_LEN
            ));
        }
        let mut query = Self::default();
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        // `tickers` may be given once as a list or repeated (a form's checkboxes).
        let mut tickers: Option<Vec<Ticker>> = None;
        for pair in raw
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Ok(value) = crate::chart_query::percent_decode(value) else {
                problems.push(format!(
                    "{key}: the value is not validly percent-encoded UTF-8"
                ));
                continue;
            };
            if key != "tickers" && seen.contains(&key) {
                problems.push(format!("{key} is given more than once: give it once"));
                continue;
            }
            seen.push(key);
            match key {
                "tickers" => {
                    let list = tickers.get_or_insert_with(Vec::new);
                    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        match Ticker::parse(item) {
                            Ok(t) if list.contains(&t) => problems.push(format!(
                                "tickers lists {t} more than once: list each company once"
                            )),
                            Ok(t) => list.push(t),
                            Err(e) => problems.push(format!("tickers: {e}")),
                        }
                    }
                }
                "basis" => match value.trim().to_ascii_lowercase().as_str() {
                    "quarterly" => query.basis = Basis::Quarterly,
                    "ttm" => query.basis = Basis::Ttm,
                    _ => problems.push(format!(
                        "basis {value:?} is not valid: use quarterly (the default) or ttm"
                    )),
                },
                k if k.starts_with("utm_")
                    || matches!(k, "fbclid" | "gclid" | "mc_cid" | "mc_eid") => {}
                other => {
                    let shown: String = other.chars().take(40).collect();
                    problems.push(format!(
                        "unknown parameter {shown:?}; a cohort link uses tickers and basis"
                    ));
                }
            }
        }
        if let Some(list) = tickers {
            if list.is_empty() {
                problems.push(format!(
                    "tickers is empty: name 1 to {MAX_COHORT} companies, for example tickers=AMZN,GOOGL,MSFT"
                ));
            } else if list.len() > MAX_COHORT {
                problems.push(format!(
                    "tickers names {} companies; a cohort sums at most {MAX_COHORT}",
                    list.len()
                ));
            }
            query.tickers = list;
        }
        if problems.is_empty() {
            Ok(query)
        } else {
            problems.truncate(12);
            Err(problems.join(" "))
        }
    }

    /// The canonical query string: defaults left out (empty for the default cohort).
    pub fn to_query_string(&self) -> String {
        let default = Self::default();
        let mut parts = Vec::new();
        if self.tickers != default.tickers {
            let t: Vec<&str> = self.tickers.iter().map(Ticker::as_str).collect();
            parts.push(format!("tickers={}", t.join(",")));
        }
        if self.basis != Basis::Quarterly {
            parts.push("basis=ttm".to_string());
        }
        parts.join("&")
    }

    /// The page's address: `/cohort` or `/cohort?…`.
    pub fn path(&self) -> String {
        let q = self.to_query_string();
        if q.is_empty() {
            "/cohort".to_string()
        } else {
            format!("/cohort?{q}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{add, amazon, empty, millions};
    use super::*;

    /// A calendar-year company with every amount for 2026 Q1 and Q2 (FCF =
    /// OCF − capex, no proceeds netted).
    fn alpha() -> CompanyFacts {
        let mut c = empty("ALPH");
        for (quarter, capex, ocf, dep, rev, ni) in
            [(1, 10, 30, 5, 100, 20), (2, 12, 33, 6, 110, 22)]
        {
            add(&mut c, Metric::Capex, 2026, quarter, millions(capex));
            add(
                &mut c,
                Metric::OperatingCashFlow,
                2026,
                quarter,
                millions(ocf),
            );
            add(
                &mut c,
                Metric::DepreciationAmortization,
                2026,
                quarter,
                millions(dep),
            );
            add(&mut c, Metric::Revenue, 2026, quarter, millions(rev));
            add(&mut c, Metric::NetIncome, 2026, quarter, millions(ni));
        }
        c
    }

    #[test]
    fn a_quarter_sums_every_amount_over_the_companies_that_report_all_of_them() {
        // Amazon 2026 Q1: capex 44,203M, OCF 26,032M, proceeds 969M, D&A
        // 18,945M, revenue 181,519M, net income 30,255M; FCF = 26,032 −
        // 44,203 + 969 = −17,202M. Alpha: 10, 30, FCF 20, 5, 100, 20.
        let (amzn, alph) = (amazon(), alpha());
        let c = cohort(&[&amzn, &alph], Basis::Quarterly);
        let q1 = c
            .quarter(CalendarQuarter {
                year: 2026,
                quarter: 1,
            })
            .unwrap();
        assert_eq!(q1.member_tickers(), vec!["AMZN", "ALPH"]);
        assert_eq!(
            q1.sums,
            vec![
                millions(44_203 + 10),
                millions(26_032 + 30),
                millions(-17_202 + 20),
                millions(18_945 + 5),
                millions(181_519 + 100),
                millions(30_255 + 20),
            ]
        );
        // Capex intensity 44,213 / 181,619; capex to depreciation 44,213 / 18,950.
        assert_eq!(
            q1.ratio(CohortRatio::CapexIntensity),
            Some(millions(44_213) / millions(181_619))
        );
        assert_eq!(
            q1.ratio(CohortRatio::CapexToDepreciation),
            Some(millions(44_213) / millions(18_950))
        );
        assert_eq!(
            q1.ratio(CohortRatio::CashConversion),
            Some(millions(-17_182) / millions(30_275))
        );
        // Each member's sources are the stored facts behind its values.
        assert!(
            q1.members[0].sources.len() >= 6,
            "{:?}",
            q1.members[0].sources
        );
    }

    #[test]
    fn a_company_missing_an_input_is_left_out_and_named_with_what_it_lacks() {
        // Amazon reports no capex proceeds for 2025 Q3, so its FCF, and Amazon,
        // is out of CY25 Q3; Alpha has no 2025 figures at all, so the quarter
        // has no member and is not part of the cohort.
        let (amzn, alph) = (amazon(), alpha());
        let c = cohort(&[&amzn, &alph], Basis::Quarterly);
        assert!(c
            .quarter(CalendarQuarter {
                year: 2025,
                quarter: 3
            })
            .is_none());

        let mut beta = alpha();
        beta.ticker = "BETA".into();
        let c = cohort(&[&alph, &beta, &amzn], Basis::Quarterly);
        let q2 = c
            .quarter(CalendarQuarter {
                year: 2026,
                quarter: 2,
            })
            .unwrap();
        assert_eq!(q2.member_tickers(), vec!["ALPH", "BETA", "AMZN"]);
        let mut no_ni = amazon();
        no_ni.facts.retain(|f| {
            !(f.metric == Metric::NetIncome
                && f.period.fiscal_year == 2026
                && f.period.quarter == 2)
        });
        let c = cohort(&[&alph, &no_ni], Basis::Quarterly);
        let q2 = c
            .quarter(CalendarQuarter {
                year: 2026,
                quarter: 2,
            })
            .unwrap();
        assert_eq!(q2.member_tickers(), vec!["ALPH"]);
        assert_eq!(q2.sums[0], millions(12));
        assert_eq!(q2.excluded.len(), 1);
        assert_eq!(q2.excluded[0].ticker, "AMZN");
        assert_eq!(q2.excluded[0].reason(), "net_income for FY26 Q2");
        assert!(q2
            .membership_text()
            .contains("Left out: AMZN (net_income for FY26 Q2)"));
    }

    #[test]
    fn a_change_in_who_is_in_the_sum_is_reported_at_the_quarter_it_happens() {
        let (amzn, alph) = (amazon(), alpha());
        let c = cohort(&[&amzn, &alph], Basis::Quarterly);
        // Amazon alone in 2025 Q1, Q2 (it has proceeds for those), out in Q3
        // and Q4 (no proceeds), back with Alpha in 2026 Q1.
        let labels: Vec<String> = c.quarters.iter().map(|q| q.quarter.label()).collect();
        assert!(labels.contains(&"CY25 Q2".to_string()), "{labels:?}");
        let changes: Vec<String> = c.changes().iter().map(ToString::to_string).collect();
        assert!(
            changes.contains(&"CY26 Q1: ALPH joins".to_string()),
            "{changes:?}"
        );
    }

    #[test]
    fn the_ttm_cohort_sums_trailing_four_quarter_values() {
        // Alpha has two quarters, so no TTM. Amazon's TTM FCF needs proceeds in
        // each of its four quarters, and every window reaching 2026 includes
        // 2025 Q3 or Q4, which lack them; before that, 2024 lacks them too.
        // So nobody is in any TTM sum, and the cohort has no quarter.
        let (amzn, alph) = (amazon(), alpha());
        let c = cohort(&[&amzn, &alph], Basis::Ttm);
        assert!(c.quarters.is_empty(), "{:?}", c.quarters.first());
        assert_eq!(c.basis, Basis::Ttm);
    }

    #[test]
    fn the_chart_series_carry_the_sums_and_ratios_on_calendar_quarters() {
        let alph = alpha();
        let c = cohort(&[&alph], Basis::Quarterly);
        let s = c.series();
        assert_eq!(s.len(), AMOUNTS.len() + CohortRatio::ALL.len());
        assert_eq!(s[0].points[1].exact, Some(millions(12)));
        assert_eq!(s[0].points[1].label, "CY26 Q2");
        assert_eq!(s[6].unit, Unit::Ratio);
        assert_eq!(s[6].points[0].exact, Some(Decimal::new(1, 1)));
    }

    #[test]
    fn the_cohort_link_reads_back_its_own_canonical_form() {
        let q = CohortQuery::parse("tickers=msft,googl&basis=TTM&utm_source=x").unwrap();
        assert_eq!(q.to_query_string(), "tickers=MSFT,GOOGL&basis=ttm");
        assert_eq!(CohortQuery::parse(&q.to_query_string()).unwrap(), q);
        assert_eq!(CohortQuery::parse("").unwrap().path(), "/cohort");
        let e = CohortQuery::parse("tickers=A,A&basis=weekly&x=1").unwrap_err();
        assert!(e.contains("more than once"), "{e}");
        assert!(e.contains("basis \"weekly\""), "{e}");
        assert!(e.contains("unknown parameter \"x\""), "{e}");
        assert!(CohortQuery::parse(&"a".repeat(3000)).is_err());
        // A form's checkboxes repeat the parameter.
        let form = CohortQuery::parse("tickers=MSFT&tickers=GOOGL&basis=quarterly").unwrap();
        assert_eq!(form.to_query_string(), "tickers=MSFT,GOOGL");
        assert!(CohortQuery::parse("tickers=")
            .unwrap_err()
            .contains("tickers is empty"));
    }
}
