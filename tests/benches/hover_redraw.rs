//! Hover redraw in the browser: 5 companies × 80 quarters on one chart.
//!
//! The application is served in-process on a test database holding five
//! synthetic companies with 80 quarters of capex each (synthetic: the bundled
//! filings have fewer quarters), and `/compare?tickers=…&metrics=capex&basis=quarterly`
//! is opened in headless Chromium after the WebAssembly has hydrated it. Each
//! sample moves the pointer to another quarter (a `mousemove` on the chart),
//! waits for Leptos's asynchronous effects to update the crosshair and
//! tooltip, and forces style and layout, timed in the page with
//! `performance.now()`: the work the browser must finish before it can paint
//! the next frame. Baseline, in the same page and run: the same
//! event dispatched on an element without a listener, plus the same forced
//! layout. Target: under 16 ms (one frame at 60 Hz) at the 95th percentile.
//!
//! Needs the built site (`cargo leptos build --release --split` for release figures,
//! as `scripts/bench.sh` does) and Chromium. `cargo bench -p capex-lens-tests
//! --bench hover_redraw`. Writes `target/bench/hover_redraw.md`.

use capex_lens_tests::bench_fragment::{machine, now_utc, Fragment, Row};
use capex_lens_tests::browser::Browser;
use capex_lens_tests::{spawn_app_with, TestDb};
use std::time::Duration;

const COMPANIES: usize = 5;
const QUARTERS: i32 = 80;
const SAMPLES: usize = 400;

/// Five companies, `BENCHn`, with `QUARTERS` quarters of capex ending in
/// 2026 Q1, as filed (one version each).
async fn synthetic_store() -> TestDb {
    let db = TestDb::new().await;
    for c in 1..=COMPANIES {
        let ticker = format!("BENCH{c}");
        let mut tx = db.pool.begin().await.expect("begin");
        sqlx::query(
            "INSERT INTO companies (ticker, name, fiscal_year_end_month) VALUES ($1, $2, 12)",
        )
        .bind(&ticker)
        .bind(format!("Synthetic company {c}"))
        .execute(&mut *tx)
        .await
        .expect("company");
        sqlx::query(
            "INSERT INTO fact_versions (ticker, metric, fiscal_year, fiscal_quarter, period_start,
                                        period_end, value, version, known_at, source_kind,
                                        source_text)
             SELECT $1, 'capex', y, q,
                    make_date(y, 3 * q - 2, 1),
                    (make_date(y, 3 * q - 2, 1) + interval '3 months' - interval '1 day')::date,
                    1000000000::numeric * $2 + 25000000::numeric * i, 1,
                    (make_date(y, 3 * q - 2, 1) + interval '4 months')::date,
                    'filing', 'synthetic benchmark data'
             FROM generate_series(0, $3 - 1) AS i,
                  LATERAL (SELECT (2026 * 4 - $3 + i) / 4 AS y, (2026 * 4 - $3 + i) % 4 + 1 AS q) AS p",
        )
        .bind(&ticker)
        .bind(i32::try_from(c).unwrap_or(1))
        .bind(QUARTERS)
        .execute(&mut *tx)
        .await
        .expect("facts");
        tx.commit().await.expect("commit");
    }
    db
}

/// Times `SAMPLES` pointer moves over the chart (or over a bare element for
/// the baseline); returns milliseconds per move and the quarters shown.
const MEASURE: &str = r#"
const [baseline, samples, done] = arguments;
// A macrotask after every pending microtask: Leptos runs its effects (the DOM
// updates) asynchronously, so the redraw is finished when this resolves.
const channel = new MessageChannel();
const settled = () => new Promise(resolve => { channel.port1.onmessage = resolve; channel.port2.postMessage(0); });
(async () => {
  const canvas = document.querySelector("figure[data-chart='compare'] .chart-canvas");
  const r = canvas.getBoundingClientRect();
  let target = canvas;
  if (baseline) {
    target = document.createElement('div');
    target.style.cssText = `position:absolute;left:${r.left}px;top:${r.top}px;width:${r.width}px;height:${r.height}px`;
    document.body.appendChild(target);
  }
  const times = [];
  const seen = new Set();
  for (let i = 0; i < samples; i++) {
    const x = r.left + 70 + (r.width - 100) * ((i * 37) % 80) / 80;
    const y = r.top + r.height / 2;
    const t0 = performance.now();
    target.dispatchEvent(new MouseEvent('mousemove', {clientX: x, clientY: y, bubbles: true}));
    await settled();
    document.body.getBoundingClientRect();
    times.push(performance.now() - t0);
    const tip = document.querySelector("figure[data-chart='compare'] .tooltip strong");
    if (tip && !baseline) seen.add(tip.textContent);
  }
  if (baseline) target.remove();
  done([times, seen.size]);
})();
"#;

fn percentile(sorted: &[f64], p: usize) -> f64 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let app = spawn_app_with(synthetic_store().await).await;
        let tickers: Vec<String> = (1..=COMPANIES).map(|c| format!("BENCH{c}")).collect();
        let path = format!(
            "/compare?tickers={}&metrics=capex&basis=quarterly",
            tickers.join(",")
        );
        let browser = Browser::start().await;
        browser.open_hydrated(&app.url(&path)).await;
        let c = &browser.client;
        let run = |baseline: bool| async move {
            let v = c
                .execute_async(MEASURE, vec![baseline.into(), SAMPLES.into()])
                .await
                .expect("measure script");
            let (mut times, seen): (Vec<f64>, usize) =
                serde_json::from_value(v).expect("times and quarters seen");
            times.sort_by(f64::total_cmp);
            (times, seen)
        };
        // Warm-up, then the measured runs, baseline first.
        run(false).await;
        let (base, _) = run(true).await;
        let (hover, seen) = run(false).await;
        assert!(
            seen >= 60,
            "the tooltip followed the pointer over {seen} quarters only: not measuring a redraw"
        );
        let (p50, p95, max) = (
            percentile(&hover, 50),
            percentile(&hover, 95),
            hover[hover.len() - 1],
        );
        let (b50, b95) = (percentile(&base, 50), percentile(&base, 95));
        let mut f = Fragment::new("hover_redraw", "Hover redraw in the browser");
        f.note(format!(
            "Run {}; {}. Headless Chromium on `{path}` ({COMPANIES} synthetic companies × {QUARTERS} \
             quarters), hydrated; {SAMPLES} pointer moves to other quarters, each a `mousemove` on \
             the chart, then waiting for the asynchronous DOM update (a message-channel macrotask, \
             after every pending microtask) and forcing style and layout, timed in the page (`performance.now()`, \
             whose resolution Chromium coarsens to 0.1 ms). The tooltip showed {seen} different \
             quarters. Baseline: the same events on a bare element with no listener.",
            now_utc(),
            machine(),
        ));
        let ms = |v: f64| format!("{v:.2} ms");
        f.row(Row {
            figure: "hover redraw, median".into(),
            value: ms(p50),
            baseline: ms(b50),
            ratio: format!("+{:.2} ms", p50 - b50),
            target: "–".into(),
            met: None,
        });
        f.row(Row {
            figure: "hover redraw, 95th percentile".into(),
            value: ms(p95),
            baseline: ms(b95),
            ratio: format!("{:.2} of a 16 ms frame", p95 / 16.0),
            target: "under 16 ms".into(),
            met: Some(p95 < 16.0),
        });
        f.row(Row {
            figure: "hover redraw, slowest".into(),
            value: ms(max),
            baseline: "–".into(),
            ratio: format!("{:.2} of a 16 ms frame", max / 16.0),
            target: "–".into(),
            met: None,
        });
        f.write().expect("write the fragment");
        drop(browser);
        tokio::time::sleep(Duration::from_millis(50)).await;
    });
}
