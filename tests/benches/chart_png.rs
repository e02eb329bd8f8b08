//! Link-preview PNGs: a chart rendered cold (first request for that chart and
//! data) versus served from the in-memory cache (`server/src/chart_png.rs`),
//! through the real HTTP route `/chart.png` of the application served
//! in-process on its own test database with the bundled data. Cold requests
//! use charts not requested before (different companies, metrics and bases);
//! cached requests repeat one chart. Target: a cached request under 2 ms.
//!
//! `cargo bench -p capex-lens-tests --bench chart_png`. Writes
//! `target/bench/chart_png.md`.

use capex_lens_tests::bench_fragment::{machine, median, now_utc, show, Fragment, Row};
use capex_lens_tests::{spawn_app, TestApp};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const TICKERS: [&str; 6] = ["AMZN", "GOOGL", "MSFT", "META", "NVDA", "ORCL"];
const METRICS: [&str; 6] = [
    "capex",
    "revenue",
    "operating_cash_flow",
    "fcf",
    "capex_intensity",
    "depreciation_amortization",
];
const CACHED_QUERY: &str = "tickers=GOOGL,MSFT&metrics=capex";

struct State {
    rt: tokio::runtime::Runtime,
    app: TestApp,
    /// Charts not requested yet, handed out one per cold request.
    fresh: Mutex<Vec<String>>,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let app = rt.block_on(spawn_app());
        let mut fresh = Vec::new();
        for basis in ["ttm", "quarterly"] {
            for (i, a) in TICKERS.iter().enumerate() {
                let b = TICKERS[(i + 1) % TICKERS.len()];
                for m in METRICS {
                    fresh.push(format!("tickers={a},{b}&metrics={m}&basis={basis}"));
                }
            }
        }
        State {
            rt,
            app,
            fresh: Mutex::new(fresh),
        }
    })
}

async fn get_png(app: &TestApp, query: &str) -> usize {
    let res = app.get(&format!("/chart.png?{query}")).await;
    assert_eq!(res.status(), 200, "{query}");
    let bytes = res.bytes().await.expect("PNG body");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{query}");
    bytes.len()
}

static COLD: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
static CACHED: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

fn record(which: &Mutex<Vec<Duration>>, d: Duration) {
    if let Ok(mut v) = which.lock() {
        v.push(d);
    }
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn cold_render(b: divan::Bencher) {
    let st = state();
    b.bench_local(|| {
        let query = st
            .fresh
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .expect("enough distinct charts for the cold samples");
        let started = Instant::now();
        let n = st.rt.block_on(get_png(&st.app, &query));
        record(&COLD, started.elapsed());
        n
    });
}

#[divan::bench(sample_count = 200, sample_size = 1)]
fn cached(b: divan::Bencher) {
    let st = state();
    // Warm the cache with the chart first.
    st.rt.block_on(get_png(&st.app, CACHED_QUERY));
    b.bench_local(|| {
        let started = Instant::now();
        let n = st.rt.block_on(get_png(&st.app, CACHED_QUERY));
        record(&CACHED, started.elapsed());
        n
    });
}

fn samples(which: &Mutex<Vec<Duration>>) -> Vec<Duration> {
    which.lock().map(|v| v.clone()).unwrap_or_default()
}

fn main() {
    divan::main();
    let (cold, cached) = (samples(&COLD), samples(&CACHED));
    if cold.is_empty() || cached.is_empty() {
        eprintln!("not every benchmark ran (filtered?): no fragment written");
        return;
    }
    let (mc, mh) = (median(&cold), median(&cached));
    let mut sorted = cached.clone();
    sorted.sort();
    let p95 = sorted[(sorted.len() * 95 / 100).min(sorted.len() - 1)];
    let mut f = Fragment::new("chart_png", "Chart preview PNG: cold render versus cache");
    f.note(format!(
        "Run {}; {}. `GET /chart.png?…` (1200×630) against the application served in-process \
         with the bundled data, timed at the client: {} cold requests, each for a chart not \
         requested before (render), and {} requests repeating `{CACHED_QUERY}` (cache hit; \
         the chart data is still read and checked against the store generation). Medians.",
        now_utc(),
        machine(),
        cold.len(),
        cached.len()
    ));
    f.row(Row {
        figure: "cached request, median".into(),
        value: show(mh),
        baseline: format!("cold {}", show(mc)),
        ratio: format!(
            "{:.1}× faster",
            mc.as_secs_f64() / mh.as_secs_f64().max(1e-9)
        ),
        target: "< 2 ms".into(),
        met: Some(mh < Duration::from_millis(2)),
    });
    f.row(Row {
        figure: "cached request, 95th percentile".into(),
        value: show(p95),
        baseline: "–".into(),
        ratio: "–".into(),
        target: "–".into(),
        met: None,
    });
    if let Err(e) = f.write() {
        eprintln!("cannot write the fragment: {e}");
    }
}
