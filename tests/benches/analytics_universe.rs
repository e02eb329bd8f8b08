//! Issue 4's benchmark: scorecards and TTM series for a synthetic universe of
//! 5,000 companies × 80 quarters × 15 metrics (6 million facts, generated
//! deterministically by `capex_lens_tests::universe`), computed by the pure
//! `domain` analytics, and the same TTM and scorecard inputs computed by
//! PostgreSQL window functions over the same rows (loaded with COPY into a
//! throwaway database of the test cluster), in the same run. Both sides'
//! results are compared (TTM count and exact sum, signal counts per question)
//! before any ratio is reported.
//!
//! `cargo bench -p capex-lens-tests --bench analytics_universe`
//! (`BENCH_COMPANIES=500` for a quick run). Writes
//! `target/bench/analytics_universe.md`.

use capex_lens_tests::bench_fragment::{machine, median, now_utc, show, Fragment, Row};
use capex_lens_tests::{universe, TestDb};
use domain::analytics::{
    scorecard, series, ttm_values, Alignment, Basis, CompanyFacts, Measure, Signal, Thresholds,
};
use domain::FiscalPeriod;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const QUARTERS: usize = 80;

fn companies() -> usize {
    std::env::var("BENCH_COMPANIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

struct State {
    rt: tokio::runtime::Runtime,
    universe: Vec<CompanyFacts>,
    latest: FiscalPeriod,
    db: TestDb,
    rows: u64,
    generate: Duration,
    copy: Duration,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let started = Instant::now();
        let universe = universe::generate(companies(), QUARTERS);
        let generate = started.elapsed();
        let db = rt.block_on(TestDb::new());
        let started = Instant::now();
        let rows = rt
            .block_on(universe::load(&db.pool, &universe))
            .expect("COPY the universe into PostgreSQL");
        let copy = started.elapsed();
        eprintln!(
            "universe: {} companies, {} facts generated in {}, loaded with COPY in {}",
            universe.len(),
            rows,
            show(generate),
            show(copy)
        );
        State {
            rt,
            latest: universe::latest(QUARTERS),
            universe,
            db,
            rows,
            generate,
            copy,
        }
    })
}

/// What both sides compute, reduced to numbers that must agree.
#[derive(Debug, Default, Clone, PartialEq)]
struct Totals {
    ttm_count: i64,
    ttm_sum: Decimal,
    /// (question 1–4, signal) → companies.
    signals: BTreeMap<(i32, String), i64>,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.ttm_count += other.ttm_count;
        self.ttm_sum += other.ttm_sum;
        for (k, v) in other.signals {
            *self.signals.entry(k).or_default() += v;
        }
    }
}

fn signal_key(s: Signal) -> &'static str {
    match s {
        Signal::Healthy => "healthy",
        Signal::Watch => "watch",
        Signal::Stress => "stress",
        Signal::NotApplicable => "not applicable",
        Signal::InsufficientData => "insufficient",
    }
}

/// The domain side: every metric's TTM values at every quarter and the full
/// scorecard (answers with inputs, provenance and sentences, and the
/// headline) at the latest quarter.
fn analyse(companies: &[CompanyFacts], latest: FiscalPeriod) -> Totals {
    let thresholds = Thresholds::default();
    let mut t = Totals::default();
    for company in companies {
        for s in ttm_values(company, &universe::METRICS) {
            for v in s.values.into_iter().flatten() {
                t.ttm_count += 1;
                t.ttm_sum += v;
            }
        }
        let card = scorecard(company, latest, &thresholds);
        // The answers at the latest quarter itself, as the SQL computes them.
        let at_latest = card.history.iter().filter_map(|h| h.answers.last());
        for (i, a) in at_latest.enumerate() {
            *t.signals
                .entry((i as i32 + 1, signal_key(a.signal).to_string()))
                .or_default() += 1;
        }
    }
    t
}

/// TTM series with every point's inputs and provenance (`series`), for a
/// slice of the universe: what a chart of these companies would compute.
fn full_series(companies: &[CompanyFacts]) -> (i64, Decimal) {
    let mut count = 0;
    let mut sum = Decimal::ZERO;
    for company in companies {
        for m in universe::METRICS {
            let s = series(company, Measure::Stored(m), Basis::Ttm, Alignment::Fiscal);
            for v in s.points.iter().filter_map(|p| p.exact) {
                count += 1;
                sum += v;
            }
        }
    }
    (count, sum)
}

/// The same on two threads (the machine has two cores), half the universe each.
fn analyse_parallel(companies: &[CompanyFacts], latest: FiscalPeriod) -> Totals {
    let half = companies.len() / 2;
    let (a, b) = companies.split_at(half);
    std::thread::scope(|s| {
        let left = s.spawn(|| analyse(a, latest));
        let mut t = analyse(b, latest);
        t.add(left.join().expect("worker thread"));
        t
    })
}

/// The PostgreSQL side: the TTM of every metric at every quarter, and the
/// scorecard signals at the latest quarter; with the backend's CPU time.
async fn sql(st: &State) -> (Totals, Duration) {
    let mut conn = st.db.pool.acquire().await.expect("connection");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .expect("backend pid");
    let cpu_before = cpu_time(&format!("/proc/{pid}/stat"));
    let (ttm_count, ttm_sum): (i64, Option<Decimal>) = sqlx::query_as(&universe::ttm_sql())
        .fetch_one(&mut *conn)
        .await
        .expect("TTM by window functions");
    let rows: Vec<(i32, String, i64)> = sqlx::query_as(&universe::scorecard_sql())
        .bind(st.latest.index())
        .fetch_all(&mut *conn)
        .await
        .expect("scorecard by window functions");
    let cpu = cpu_time(&format!("/proc/{pid}/stat")).saturating_sub(cpu_before);
    let totals = Totals {
        ttm_count,
        ttm_sum: ttm_sum.unwrap_or_default(),
        signals: rows.into_iter().map(|(q, s, n)| ((q, s), n)).collect(),
    };
    (totals, cpu)
}

/// User + system CPU time of a process from `/proc/<pid>/stat` (clock ticks of 10 ms).
fn cpu_time(stat_path: &str) -> Duration {
    let text = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn own_cpu() -> Duration {
    cpu_time("/proc/self/stat")
}

/// Wall-clock and CPU time of each run.
#[derive(Default)]
struct Runs {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
}

static DOMAIN: Mutex<Runs> = Mutex::new(Runs {
    wall: Vec::new(),
    cpu: Vec::new(),
});
static DOMAIN_2: Mutex<Runs> = Mutex::new(Runs {
    wall: Vec::new(),
    cpu: Vec::new(),
});
static POSTGRES: Mutex<Runs> = Mutex::new(Runs {
    wall: Vec::new(),
    cpu: Vec::new(),
});
static FULL_SERIES: Mutex<Runs> = Mutex::new(Runs {
    wall: Vec::new(),
    cpu: Vec::new(),
});
static RESULTS: Mutex<Vec<(&'static str, Totals)>> = Mutex::new(Vec::new());

/// Companies in the slice of the universe the full `series` is timed on.
const FULL_SERIES_COMPANIES: usize = 500;

fn record(which: &Mutex<Runs>, wall: Duration, cpu: Duration) {
    if let Ok(mut v) = which.lock() {
        v.wall.push(wall);
        v.cpu.push(cpu);
    }
}

fn keep(name: &'static str, t: Totals) {
    if let Ok(mut v) = RESULTS.lock() {
        if !v.iter().any(|(n, _)| *n == name) {
            v.push((name, t));
        }
    }
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn domain_one_thread(b: divan::Bencher) {
    let st = state();
    b.bench_local(|| {
        let (wall, cpu) = (Instant::now(), own_cpu());
        let t = analyse(&st.universe, st.latest);
        record(&DOMAIN, wall.elapsed(), own_cpu().saturating_sub(cpu));
        keep("domain", t);
    });
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn domain_two_threads(b: divan::Bencher) {
    let st = state();
    b.bench_local(|| {
        let (wall, cpu) = (Instant::now(), own_cpu());
        let t = analyse_parallel(&st.universe, st.latest);
        record(&DOMAIN_2, wall.elapsed(), own_cpu().saturating_sub(cpu));
        keep("domain, two threads", t);
    });
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn postgres_window_functions(b: divan::Bencher) {
    let st = state();
    b.bench_local(|| {
        let wall = Instant::now();
        let (t, cpu) = st.rt.block_on(sql(st));
        record(&POSTGRES, wall.elapsed(), cpu);
        keep("postgres", t);
    });
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn domain_series_with_provenance_500_companies(b: divan::Bencher) {
    let st = state();
    let slice = &st.universe[..FULL_SERIES_COMPANIES.min(st.universe.len())];
    b.bench_local(|| {
        let (wall, cpu) = (Instant::now(), own_cpu());
        let out = full_series(slice);
        record(&FULL_SERIES, wall.elapsed(), own_cpu().saturating_sub(cpu));
        out
    });
}

fn runs(which: &Mutex<Runs>) -> (Vec<Duration>, Vec<Duration>) {
    which
        .lock()
        .map(|v| (v.wall.clone(), v.cpu.clone()))
        .unwrap_or_default()
}

fn main() {
    divan::main();
    let (one, one_cpu) = runs(&DOMAIN);
    let (two, _) = runs(&DOMAIN_2);
    let (pg, pg_cpu) = runs(&POSTGRES);
    let (full, full_cpu) = runs(&FULL_SERIES);
    if one.is_empty() || two.is_empty() || pg.is_empty() {
        eprintln!("not every benchmark ran (filtered?): no fragment written");
        return;
    }
    let st = state();
    let results = RESULTS.lock().map(|v| v.clone()).unwrap_or_default();
    let find = |name: &str| {
        results
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
    };
    let (Some(d1), Some(d2), Some(p)) = (
        find("domain"),
        find("domain, two threads"),
        find("postgres"),
    ) else {
        eprintln!("results missing: no fragment written");
        return;
    };
    assert_eq!(d1, d2, "one and two threads must agree");
    assert!(
        d1.ttm_count == p.ttm_count && d1.ttm_sum == p.ttm_sum,
        "TTM differs: domain {} values summing to {}, PostgreSQL {} summing to {}",
        d1.ttm_count,
        d1.ttm_sum,
        p.ttm_count,
        p.ttm_sum
    );
    let agree_signals = d1.signals == p.signals;

    let (m1, m2, mp) = (median(&one), median(&two), median(&pg));
    let (c1, cp) = (median(&one_cpu), median(&pg_cpu));
    let n = st.universe.len();
    let mut f = Fragment::new(
        "analytics_universe",
        &format!("Scorecards and TTM series, {n} companies × {QUARTERS} quarters × 15 metrics"),
    );
    f.note(format!(
        "Run {}; {}. {} synthetic facts (deterministic generator, about 1 in 200 left out), \
         generated in {}, loaded into PostgreSQL with COPY in {}. Median of {} runs each; \
         wall-clock time, and CPU time (this process; for PostgreSQL its backend process, \
         parallel workers not counted) because other work shares the machine.",
        now_utc(),
        machine(),
        st.rows,
        show(st.generate),
        show(st.copy),
        one.len()
    ));
    f.note(
        "Domain: for every company, `ttm_values` of all 15 metrics at every quarter (the \
         numbers `series` charts, without per-point inputs) and the full four-question \
         `scorecard` at the latest quarter (figures, inputs with provenance, sentences, and \
         the cash-conversion headline). PostgreSQL: the same TTM of every metric at every \
         quarter by window functions (`sum`/`count` over `RANGE 3 PRECEDING`), aggregated in \
         the server, and the four signals at the latest quarter by window functions and \
         `CASE`, over a lean table (company, metric, quarter, value) indexed on its key — no \
         provenance, no sentences, no headline, which favours PostgreSQL.",
    );
    f.note(format!(
        "Both sides agree: {} TTM values summing to exactly {}; signal counts per question {}.",
        d1.ttm_count,
        d1.ttm_sum,
        if agree_signals {
            "identical".to_string()
        } else {
            format!(
                "DIFFER (domain {:?}, PostgreSQL {:?})",
                d1.signals, p.signals
            )
        }
    ));
    let target = "< 1 s and ≥ 10× faster";
    let faster = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64().max(1e-9);
    for (figure, m) in [
        ("universe, domain analytics, one thread (wall)", m1),
        ("universe, domain analytics, two threads (wall)", m2),
    ] {
        f.row(Row {
            figure: figure.into(),
            value: show(m),
            baseline: format!("PostgreSQL {}", show(mp)),
            ratio: format!("{:.1}× faster", faster(m, mp)),
            target: target.into(),
            met: Some(m < Duration::from_secs(1) && faster(m, mp) >= 10.0),
        });
    }
    f.row(Row {
        figure: "universe, domain analytics, one thread (CPU)".into(),
        value: show(c1),
        baseline: format!("PostgreSQL backend {}", show(cp)),
        ratio: format!("{:.1}× less CPU", faster(c1, cp)),
        target: "– (for context: the machine is shared)".into(),
        met: None,
    });
    if let (false, Some(slice)) = (full.is_empty(), Some(FULL_SERIES_COMPANIES.min(n))) {
        let w = median(&full);
        let per = w.as_secs_f64() / slice as f64;
        f.row(Row {
            figure: format!(
                "`series` with inputs and provenance per point, 15 metrics, {slice} companies"
            ),
            value: format!(
                "{} wall, {} CPU (≈ {} for the universe)",
                show(w),
                show(median(&full_cpu)),
                show(Duration::from_secs_f64(per * n as f64))
            ),
            baseline: "–".into(),
            ratio: "–".into(),
            target: "none (what a chart of these companies computes)".into(),
            met: None,
        });
    }
    if let Err(e) = f.write() {
        eprintln!("cannot write the fragment: {e}");
    }
}
