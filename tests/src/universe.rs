//! A deterministic synthetic universe for the analytics benchmark (issue 4):
//! `companies × quarters × 15 metrics`, the same every run, and the same data
//! loaded into PostgreSQL with `COPY` so that window functions can compute
//! what the pure `domain` analytics compute.
//!
//! Values are made up (a seeded generator), not filings. About one fact in
//! 200 is left out, and some companies lack the AI run-rate or the unit
//! inference cost at the latest quarter, so that TTM gaps, proxies and
//! "insufficient data" answers occur as they do in real data.

use domain::analytics::{CompanyFacts, FactPoint};
use domain::{FiscalPeriod, Metric, MetricKind};
use domain::{Provenance, SourceKind};
use rust_decimal::Decimal;
use sqlx::PgPool;
use time::{Date, Month};

/// The 15 metrics of the universe: every flow and instant, and the two
/// disclosures the scorecard reads (guidance is annual, so it is left out).
pub const METRICS: [Metric; 15] = [
    Metric::Revenue,
    Metric::CostOfRevenue,
    Metric::OperatingIncome,
    Metric::NetIncome,
    Metric::OperatingCashFlow,
    Metric::Capex,
    Metric::CapexProceeds,
    Metric::FinanceLeasePrincipal,
    Metric::DepreciationAmortization,
    Metric::CloudRevenue,
    Metric::PpeGross,
    Metric::PpeNet,
    Metric::Rpo,
    Metric::AiRevenueRunRate,
    Metric::UnitInferenceCost,
];

/// The first fiscal year of every company.
pub const FIRST_YEAR: i32 = 2007;

/// SplitMix64: a small, fast, well-mixed deterministic generator.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from a key.
fn unit(key: u64) -> f64 {
    (mix(key) >> 11) as f64 / (1u64 << 53) as f64
}

/// The metric's position in [`METRICS`].
pub fn metric_code(m: Metric) -> i16 {
    METRICS.iter().position(|x| *x == m).unwrap_or(usize::MAX) as i16
}

/// The last fiscal quarter of the universe.
pub fn latest(quarters: usize) -> FiscalPeriod {
    from_index(FIRST_YEAR * 4 + quarters as i32 - 1)
}

pub fn from_index(i: i32) -> FiscalPeriod {
    FiscalPeriod {
        fiscal_year: i.div_euclid(4),
        quarter: (i.rem_euclid(4) + 1) as u8,
    }
}

fn month_end(month_index: i32) -> Date {
    let year = month_index.div_euclid(12);
    let month = Month::try_from((month_index.rem_euclid(12) + 1) as u8).unwrap_or(Month::December);
    Date::from_calendar_date(year, month, month.length(year)).unwrap_or(Date::MIN)
}

/// Whether the fact is one of the deliberate gaps.
fn is_gap(company: usize, k: usize, m: usize, quarters: usize) -> bool {
    let key = ((company as u64) << 32) ^ ((k as u64) << 8) ^ m as u64;
    if mix(key ^ 0xA5A5).is_multiple_of(200) {
        return true;
    }
    let last = k + 1 == quarters;
    (last && METRICS[m] == Metric::AiRevenueRunRate && company.is_multiple_of(3))
        || (last && METRICS[m] == Metric::UnitInferenceCost && company.is_multiple_of(4))
}

/// One company of the universe.
pub fn company(c: usize, quarters: usize) -> CompanyFacts {
    let seed = mix(c as u64 + 1);
    let r = |salt: u64| unit(seed ^ salt.wrapping_mul(0x1000_0001));
    let fye = [12u8, 6, 1, 5, 3, 9][c % 6];
    let base = 1.0e9 + r(1) * 4.9e10;
    let growth = 1.0 + r(2) * 0.04;
    let cost_share = 0.4 + r(3) * 0.2;
    let op_share = 0.15 + r(4) * 0.2;
    let ocf_share = 0.25 + r(5) * 0.15;
    let capex_share = 0.08 + r(6) * 0.2;
    let cloud_share = 0.2 + r(7) * 0.4;
    let rpo_years = 0.8 + r(8) * 2.5;
    let ticker = format!("S{c:05}");
    let mut facts = Vec::with_capacity(quarters * METRICS.len());
    let mut level = base;
    let mut ppe_gross = base * 2.0;
    let mut uic_cents = 2_000.0 + r(9) * 3_000.0;
    for k in 0..quarters {
        let idx = FIRST_YEAR * 4 + k as i32;
        let period = from_index(idx);
        let end_month =
            period.fiscal_year * 12 + (i32::from(fye) - 1) - 3 * (4 - i32::from(period.quarter));
        let end = month_end(end_month);
        let start = month_end(end_month - 3).next_day().unwrap_or(end);
        let noise = |salt: u64| 1.0 + (unit(seed ^ ((k as u64) << 20) ^ salt) - 0.5) * 0.1;
        level *= growth;
        let revenue = level * noise(11);
        let capex = revenue * capex_share * noise(12) * (1.0 + k as f64 / 80.0);
        ppe_gross += capex;
        uic_cents *= 0.97 * noise(13);
        let values: [f64; 15] = [
            revenue,
            revenue * cost_share * noise(14),
            revenue * op_share * noise(15),
            revenue * op_share * 0.8 * noise(16),
            revenue * ocf_share * noise(17),
            capex,
            capex * 0.02 * noise(18),
            revenue * 0.01 * noise(19),
            capex * 0.6 * noise(20),
            revenue * cloud_share * noise(21),
            ppe_gross,
            ppe_gross * 0.6,
            revenue * 4.0 * rpo_years * noise(22),
            revenue * cloud_share * 0.4 * noise(23),
            uic_cents,
        ];
        let filed = end.checked_add(time::Duration::days(35)).unwrap_or(end);
        for (m, metric) in METRICS.iter().enumerate() {
            if is_gap(c, k, m, quarters) {
                continue;
            }
            let value = if *metric == Metric::UnitInferenceCost {
                Decimal::new(values[m].round().max(1.0) as i64, 2)
            } else {
                Decimal::from(values[m].round() as i64)
            };
            let flow = metric.kind() == MetricKind::Flow;
            let fact_id = (c * quarters * METRICS.len() + k * METRICS.len() + m) as i64 + 1;
            facts.push(FactPoint {
                metric: *metric,
                period,
                period_start: flow.then_some(start),
                period_end: end,
                value,
                provenance: Provenance {
                    fact_id,
                    kind: SourceKind::Filing,
                    label: format!("10-Q 00{:08}-{:02}-{:06}, filed {filed}", c, idx % 100, k),
                    url: Some(format!(
                        "https://www.sec.gov/Archives/edgar/data/{c}/00{c:08}{:02}{k:06}/",
                        idx % 100
                    )),
                },
            });
        }
    }
    CompanyFacts {
        ticker,
        fiscal_year_end_month: fye,
        nets_capex_proceeds: c.is_multiple_of(5),
        facts,
        guidance_history: Vec::new(),
    }
}

/// The whole universe.
pub fn generate(companies: usize, quarters: usize) -> Vec<CompanyFacts> {
    (0..companies).map(|c| company(c, quarters)).collect()
}

/// The same facts as `COPY … FROM STDIN` text: `company, metric, q, value`.
pub fn copy_text(universe: &[CompanyFacts]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(universe.len() * 1200 * 32);
    for (c, company) in universe.iter().enumerate() {
        for f in &company.facts {
            let _ = writeln!(
                out,
                "{c}\t{}\t{}\t{}",
                metric_code(f.metric),
                f.period.index(),
                f.value
            );
        }
    }
    out
}

/// Creates `bench_facts` (company, metric, quarter index, value) and loads the
/// universe with `COPY`; returns the rows loaded.
pub async fn load(pool: &PgPool, universe: &[CompanyFacts]) -> anyhow::Result<u64> {
    sqlx::raw_sql(
        "DROP TABLE IF EXISTS bench_facts;
         CREATE UNLOGGED TABLE bench_facts (
             company int4 NOT NULL, metric int2 NOT NULL, q int4 NOT NULL,
             value numeric NOT NULL)",
    )
    .execute(pool)
    .await?;
    let text = copy_text(universe);
    let mut conn = pool.acquire().await?;
    let mut copy = conn
        .copy_in_raw("COPY bench_facts (company, metric, q, value) FROM STDIN")
        .await?;
    copy.send(text.as_bytes()).await?;
    let rows = copy.finish().await?;
    sqlx::raw_sql(
        "CREATE INDEX bench_facts_key ON bench_facts (company, metric, q) INCLUDE (value);
         ANALYZE bench_facts;",
    )
    .execute(&mut *conn)
    .await?;
    Ok(rows)
}

/// The codes of the flow metrics, as a SQL array literal.
fn flow_codes() -> String {
    let codes: Vec<String> = METRICS
        .iter()
        .filter(|m| m.kind() == MetricKind::Flow)
        .map(|m| metric_code(*m).to_string())
        .collect();
    format!("ARRAY[{}]::int2[]", codes.join(","))
}

/// TTM of every metric at every quarter by window function: for a flow the
/// sum of the four quarters ending there (only when all four exist), for a
/// balance or disclosure its value. Returns (values, their sum).
pub fn ttm_sql() -> String {
    format!(
        "SELECT count(ttm), sum(ttm) FROM (
           SELECT CASE WHEN metric = ANY({flows})
                       THEN CASE WHEN count(*) OVER w = 4 THEN sum(value) OVER w END
                       ELSE value END AS ttm
           FROM bench_facts
           WINDOW w AS (PARTITION BY company, metric ORDER BY q
                        RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)
         ) t",
        flows = flow_codes()
    )
}

/// The scorecard at quarter index `$1` for every company by window functions
/// and the methodology's default thresholds (version 2: the fallback steps of
/// each question, Q4's three outcomes): one row per (question, signal) with
/// its count. Signals: healthy, watch, stress, insufficient. The answer at
/// `$1` itself, not the headline's latest answerable quarter.
pub fn scorecard_sql() -> String {
    let c = |m: Metric| metric_code(m);
    let pick = |m: Metric, back: i32| {
        format!(
            "max(v) FILTER (WHERE metric = {} AND q = $1 - {back})",
            c(m)
        )
    };
    let has = |m: Metric, back: i32| {
        format!(
            "(count(*) FILTER (WHERE metric = {} AND q = $1 - {back}) > 0)",
            c(m)
        )
    };
    format!(
        "WITH ttm AS (
           SELECT company, metric, q,
                  CASE WHEN metric = ANY({flows})
                       THEN CASE WHEN count(*) OVER w = 4 THEN sum(value) OVER w END
                       ELSE value END AS v
           FROM bench_facts
           WHERE q BETWEEN $1 - 11 AND $1
           WINDOW w AS (PARTITION BY company, metric ORDER BY q
                        RANGE BETWEEN 3 PRECEDING AND CURRENT ROW)
         ),
         p AS (
           SELECT company,
             {rr0} AS rr0, {rr3} AS rr3, {rr4} AS rr4, {rr5} AS rr5, {rr6} AS rr6,
             {uic0} AS uic0, {uic4} AS uic4,
             {cl0} AS cl0, {cl4} AS cl4, {cx0} AS cx0, {cx4} AS cx4,
             {rv0} AS rv0, {rv4} AS rv4, {dp0} AS dp0, {dp4} AS dp4,
             {co0} AS co0, {co4} AS co4, {rp0} AS rp0, {rp4} AS rp4,
             {pn0} AS pn0, {pn4} AS pn4, {pn8} AS pn8,
             {pg0} AS pg0, {pg4} AS pg4, {pg8} AS pg8,
             {hrr0} AS hrr0, {hrr3} AS hrr3, {hrr4} AS hrr4, {hrr5} AS hrr5, {hrr6} AS hrr6,
             ({huic0} AND {huic4}) AS has_uic
           FROM ttm GROUP BY company
         ),
         r AS (
           -- Q1 step 1: the run-rate 4 quarters back, else 5, 3, 6 (annualised).
           SELECT *,
             CASE WHEN NOT hrr0 THEN NULL
                  WHEN hrr4 THEN 4 WHEN hrr5 THEN 5 WHEN hrr3 THEN 3 WHEN hrr6 THEN 6 END AS gap
           FROM p
         ),
         g AS (
           SELECT *,
             CASE WHEN gap IS NOT NULL THEN
                    (CASE gap WHEN 4 THEN (CASE WHEN rr4 > 0 THEN rr0 / rr4 - 1 END)
                              WHEN 5 THEN (CASE WHEN rr5 > 0 THEN (power((rr0 / rr5)::float8, 0.8) - 1)::numeric END)
                              WHEN 3 THEN (CASE WHEN rr3 > 0 THEN (power((rr0 / rr3)::float8, 4.0 / 3.0) - 1)::numeric END)
                              ELSE (CASE WHEN rr6 > 0 THEN (power((rr0 / rr6)::float8, 4.0 / 6.0) - 1)::numeric END) END)
                  WHEN cl0 IS NOT NULL AND cl4 > 0 THEN cl0 / cl4 - 1
                  ELSE (CASE WHEN rv4 > 0 THEN rv0 / rv4 - 1 END) END AS g_ai,
             CASE WHEN cx4 > 0 THEN cx0 / cx4 - 1 END AS g_cx,
             CASE WHEN rv4 > 0 THEN rv0 / rv4 - 1 END AS g_rv,
             CASE WHEN rp4 > 0 THEN rp0 / rp4 - 1 END AS g_rp,
             NULLIF((pn0 + pn4) / 2, 0) AS avg0, NULLIF((pn4 + pn8) / 2, 0) AS avg4,
             NULLIF((pg0 + pg4) / 2, 0) AS gavg0, NULLIF((pg4 + pg8) / 2, 0) AS gavg4
           FROM r
         ),
         t AS (
           -- Q2: cloud, else total revenue, over net, else gross PP&E: the first step complete at both dates.
           SELECT *,
             CASE WHEN cl0 IS NOT NULL AND cl4 IS NOT NULL AND avg0 IS NOT NULL AND avg4 IS NOT NULL THEN cl0 / avg0
                  WHEN rv0 IS NOT NULL AND rv4 IS NOT NULL AND avg0 IS NOT NULL AND avg4 IS NOT NULL THEN rv0 / avg0
                  WHEN cl0 IS NOT NULL AND cl4 IS NOT NULL AND gavg0 IS NOT NULL AND gavg4 IS NOT NULL THEN cl0 / gavg0
                  WHEN rv0 IS NOT NULL AND rv4 IS NOT NULL AND gavg0 IS NOT NULL AND gavg4 IS NOT NULL THEN rv0 / gavg0
                  ELSE rv0 / avg0 END AS at0,
             CASE WHEN cl0 IS NOT NULL AND cl4 IS NOT NULL AND avg0 IS NOT NULL AND avg4 IS NOT NULL THEN cl4 / avg4
                  WHEN rv0 IS NOT NULL AND rv4 IS NOT NULL AND avg0 IS NOT NULL AND avg4 IS NOT NULL THEN rv4 / avg4
                  WHEN cl0 IS NOT NULL AND cl4 IS NOT NULL AND gavg0 IS NOT NULL AND gavg4 IS NOT NULL THEN cl4 / gavg4
                  WHEN rv0 IS NOT NULL AND rv4 IS NOT NULL AND gavg0 IS NOT NULL AND gavg4 IS NOT NULL THEN rv4 / gavg4
                  ELSE rv4 / avg4 END AS at4,
             CASE WHEN dp0 IS NOT NULL AND dp4 IS NOT NULL AND rv0 <> 0 AND rv4 <> 0
                  THEN (dp0 / rv0 - dp4 / rv4) * 100 END AS d_dep,
             CASE WHEN co0 IS NOT NULL AND co4 IS NOT NULL AND rv0 <> 0 AND rv4 <> 0
                  THEN (co0 / rv0 - co4 / rv4) * 100 END AS d_cost
           FROM g
         ),
         s AS (
           SELECT
             CASE WHEN g_ai IS NULL OR g_cx IS NULL THEN 'insufficient'
                  WHEN (g_ai - g_cx) * 100 >= 0 THEN 'healthy'
                  WHEN (g_ai - g_cx) * 100 >= -15 THEN 'watch' ELSE 'stress' END AS q1,
             CASE WHEN at0 IS NULL OR at4 IS NULL OR at4 <= 0 THEN 'insufficient'
                  WHEN (at0 / at4 - 1) * 100 >= 0 THEN 'healthy'
                  WHEN (at0 / at4 - 1) * 100 <= -5 THEN 'stress' ELSE 'watch' END AS q2,
             CASE WHEN has_uic THEN
                    CASE WHEN uic4 IS NULL OR uic4 <= 0 THEN 'insufficient'
                         WHEN (uic0 / uic4 - 1) * 100 <= -10 THEN 'healthy'
                         WHEN (uic0 / uic4 - 1) * 100 > 0 THEN 'stress' ELSE 'watch' END
                  WHEN d_dep IS NOT NULL AND d_cost IS NOT NULL THEN
                    CASE WHEN d_dep <= 0 AND d_cost <= 0 THEN 'healthy'
                         WHEN d_dep > 1 AND d_cost > 1 THEN 'stress'
                         ELSE 'watch' END
                  WHEN coalesce(d_dep, d_cost) IS NOT NULL THEN
                    CASE WHEN coalesce(d_dep, d_cost) <= 0 THEN 'healthy'
                         WHEN coalesce(d_dep, d_cost) <= 1 THEN 'watch'
                         ELSE 'stress' END
                  ELSE 'insufficient'
             END AS q3,
             CASE WHEN g_rp IS NULL OR g_rv IS NULL OR rv0 = 0 OR rv4 = 0 THEN 'insufficient'
                  WHEN g_rp <= 0 THEN 'stress'
                  WHEN g_rp > g_rv THEN 'healthy'
                  ELSE 'watch' END AS q4
           FROM t
         )
         SELECT 1 AS question, q1 AS signal, count(*) FROM s GROUP BY q1
         UNION ALL SELECT 2, q2, count(*) FROM s GROUP BY q2
         UNION ALL SELECT 3, q3, count(*) FROM s GROUP BY q3
         UNION ALL SELECT 4, q4, count(*) FROM s GROUP BY q4
         ORDER BY 1, 2",
        flows = flow_codes(),
        rr0 = pick(Metric::AiRevenueRunRate, 0),
        rr3 = pick(Metric::AiRevenueRunRate, 3),
        rr4 = pick(Metric::AiRevenueRunRate, 4),
        rr5 = pick(Metric::AiRevenueRunRate, 5),
        rr6 = pick(Metric::AiRevenueRunRate, 6),
        hrr0 = has(Metric::AiRevenueRunRate, 0),
        hrr3 = has(Metric::AiRevenueRunRate, 3),
        hrr4 = has(Metric::AiRevenueRunRate, 4),
        hrr5 = has(Metric::AiRevenueRunRate, 5),
        hrr6 = has(Metric::AiRevenueRunRate, 6),
        uic0 = pick(Metric::UnitInferenceCost, 0),
        uic4 = pick(Metric::UnitInferenceCost, 4),
        huic0 = has(Metric::UnitInferenceCost, 0),
        huic4 = has(Metric::UnitInferenceCost, 4),
        cl0 = pick(Metric::CloudRevenue, 0),
        cl4 = pick(Metric::CloudRevenue, 4),
        cx0 = pick(Metric::Capex, 0),
        cx4 = pick(Metric::Capex, 4),
        rv0 = pick(Metric::Revenue, 0),
        rv4 = pick(Metric::Revenue, 4),
        dp0 = pick(Metric::DepreciationAmortization, 0),
        dp4 = pick(Metric::DepreciationAmortization, 4),
        co0 = pick(Metric::CostOfRevenue, 0),
        co4 = pick(Metric::CostOfRevenue, 4),
        rp0 = pick(Metric::Rpo, 0),
        rp4 = pick(Metric::Rpo, 4),
        pn0 = pick(Metric::PpeNet, 0),
        pn4 = pick(Metric::PpeNet, 4),
        pn8 = pick(Metric::PpeNet, 8),
        pg0 = pick(Metric::PpeGross, 0),
        pg4 = pick(Metric::PpeGross, 4),
        pg8 = pick(Metric::PpeGross, 8),
    )
}
