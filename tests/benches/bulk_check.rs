//! The bulk upload's dry run (`app::api::bulk::ssr::diff`, the check that
//! also runs again at commit) for a file of the largest size accepted,
//! 2,000 lines, against the same check of a one-line file, in the same run
//! on a fresh test database with the bundled data.
//!
//! Why this ratio: the dry run reads what the rules need for the whole file
//! in one go (`store::entry::context`, four queries) and judges each line by
//! the pure rules (`domain::entry::check`). Checked line by line against the
//! database, as it was before, 2,000 lines cost about 2,000 times one line;
//! the target, under 50 times, leaves no room for a query per line.
//!
//! `cargo bench -p capex-lens-tests --bench bulk_check`. Writes
//! `target/bench/bulk_check.md`.

use app::api::bulk::ssr::diff;
use app::api::bulk::MAX_LINES;
use capex_lens_tests::bench_fragment::{machine, median, now_utc, show, Fragment, Row};
use capex_lens_tests::TestDb;
use domain::account::{Role, SignedIn};
use std::time::{Duration, Instant};

const TICKERS: [&str; 4] = ["AMZN", "GOOGL", "MSFT", "NVDA"];
const METRICS: [&str; 4] = ["capex", "revenue", "operating_cash_flow", "net_income"];
const RUNS: usize = 9;

/// A file of `lines` distinct, well-formed lines for ended periods (many of
/// them numbers the store holds, so lines are new, changed and unchanged).
fn upload(lines: usize) -> String {
    let mut out = String::from("ticker,period,metric,value,source_url,note\n");
    let keys = (2001..=2025).rev().flat_map(|year| {
        (0..=4).flat_map(move |quarter| {
            TICKERS.iter().flat_map(move |ticker| {
                METRICS.iter().map(move |metric| {
                    let period = if quarter == 0 {
                        format!("FY{year}")
                    } else {
                        format!("FY{year} Q{quarter}")
                    };
                    (*ticker, period, *metric)
                })
            })
        })
    });
    for (ticker, period, metric) in keys.take(lines) {
        out.push_str(&format!(
            "{ticker},{period},{metric},1.5B,https://www.sec.gov/cgi-bin/browse-edgar,bench\n"
        ));
    }
    out
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let db = rt.block_on(TestDb::with_bundled_data());
    let user = SignedIn {
        id: 1,
        email: "bench@example.com".into(),
        role: Role::Analyst,
        must_change_password: false,
    };
    let (one, full) = (upload(1), upload(MAX_LINES));
    let time = |csv: &str| -> (Duration, usize) {
        let started = Instant::now();
        let (checked, _) = rt
            .block_on(diff(&db.pool, &user, csv))
            .expect("the dry run");
        (started.elapsed(), checked.lines.len())
    };
    // Warm up both (connections, plans), and check the files are what they claim.
    let (_, n) = time(&full);
    assert_eq!(n, MAX_LINES, "every line of the full file is checked");
    let (_, n) = time(&one);
    assert_eq!(n, 1);
    let (mut ones, mut fulls) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ones.push(time(&one).0);
        fulls.push(time(&full).0);
    }
    let (m1, mf) = (median(&ones), median(&fulls));
    let ratio = mf.as_secs_f64() / m1.as_secs_f64().max(1e-9);
    let (checked, _) = rt.block_on(diff(&db.pool, &user, &full)).expect("dry run");
    let mut f = Fragment::new("bulk_check", "Bulk upload dry run: 2,000 lines against one");
    f.note(format!(
        "Run {}; {}. `bulk::ssr::diff` called in-process on a fresh database with the bundled \
         data, alternating a one-line file and a {MAX_LINES}-line file ({} new, {} changed, {} \
         unchanged, {} rejected lines), {RUNS} runs each after a warm-up. Medians, wall clock.",
        now_utc(),
        machine(),
        checked.new,
        checked.changed,
        checked.unchanged,
        checked.rejected
    ));
    f.row(Row {
        figure: format!("dry run of {MAX_LINES} lines, median"),
        value: show(mf),
        baseline: format!("1 line {}", show(m1)),
        ratio: format!("{ratio:.1}×"),
        target: "< 50×".into(),
        met: Some(ratio < 50.0),
    });
    if let Err(e) = f.write() {
        eprintln!("cannot write the fragment: {e}");
    }
    println!(
        "bulk dry run: {MAX_LINES} lines {} vs 1 line {} = {ratio:.1}× (target < 50×)",
        show(mf),
        show(m1)
    );
}
