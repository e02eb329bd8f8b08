//! Issue 3's benchmark: the EDGAR importer against PostgreSQL's COPY.
//!
//! Input: the bundled Alphabet company facts (data/bundled/edgar, 3 MB, a real
//! file served by the SEC), imported as `COPIES` companies (the same document
//! under different CIKs and tickers, so the run writes tens of thousands of
//! rows). Measured in the same run:
//! - parsing and mapping alone (JSON → fact records, no database): MB/s;
//! - the whole import into an empty store (parse, map, compare with stored
//!   versions, insert; one transaction per company): rows/s;
//! - the same rows (read back from the imported store) loaded into another
//!   empty store with `COPY fact_versions FROM STDIN`: rows/s.
//!
//! Target (issue 3): the import's row rate at least half of COPY's.
//! `cargo bench -p capex-lens-tests --bench importer_copy`. Writes
//! `target/bench/importer_copy.md`.

use capex_lens_tests::bench_fragment::{machine, median, now_utc, show, Fragment, Row};
use capex_lens_tests::{workspace_root, TestDb};
use futures_util::TryStreamExt;
use server::edgar::mapping::{map_company_facts, MapOptions};
use server::edgar::model::EdgarCompanyFacts;
use server::edgar::periods::FiscalCalendar;
use server::edgar::tags::TagMap;
use server::edgar::{import_company_facts_with, ImportOptions};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const COPIES: usize = 10;
const COLUMNS: &str = "ticker, metric, fiscal_year, fiscal_quarter, period_start, period_end, \
    value, unit, version, known_at, source_kind, form, accession, filed_date, source_url, \
    source_text, derivation, entered_by, note";

struct Company {
    ticker: domain::Ticker,
    cik: u64,
    json: Vec<u8>,
}

struct State {
    rt: tokio::runtime::Runtime,
    companies: Vec<Company>,
    /// The imported rows as COPY text, and how many.
    copy_text: Vec<u8>,
    rows: u64,
}

fn companies() -> Vec<Company> {
    let original =
        std::fs::read(workspace_root().join("data/bundled/edgar/companyfacts_CIK0001652044.json"))
            .expect("bundled Alphabet company facts");
    let doc: serde_json::Value = serde_json::from_slice(&original).expect("JSON");
    (0..COPIES)
        .map(|i| {
            let cik = 8_000_001 + i as u64;
            let mut d = doc.clone();
            d["cik"] = serde_json::json!(cik);
            d["entityName"] = serde_json::json!(format!("Alphabet copy {i}"));
            Company {
                ticker: domain::Ticker::parse(&format!("GOOG{i}")).expect("ticker"),
                cik,
                json: serde_json::to_vec(&d).expect("JSON"),
            }
        })
        .collect()
}

async fn add_companies(db: &TestDb, companies: &[Company]) {
    for c in companies {
        sqlx::query(
            "INSERT INTO companies (ticker, name, cik, fiscal_year_end_month) VALUES ($1, $2, $3, 12)",
        )
        .bind(c.ticker.as_str())
        .bind(format!("Alphabet copy {}", c.cik))
        .bind(c.cik as i64)
        .execute(&db.pool)
        .await
        .expect("company row");
    }
}

/// Imports every company into the store; returns the rows written.
async fn import_all(db: &TestDb, companies: &[Company]) -> u64 {
    let mut rows = 0;
    for c in companies {
        let opts = ImportOptions {
            ticker: Some(c.ticker.clone()),
            ..ImportOptions::default()
        };
        let r = import_company_facts_with(&db.pool, &c.json, &opts)
            .await
            .expect("import");
        rows += (r.new + r.changed + r.history) as u64;
    }
    rows
}

async fn copy_in(db: &TestDb, text: &[u8]) -> u64 {
    let mut conn = db.pool.acquire().await.expect("connection");
    let mut copy = conn
        .copy_in_raw(&format!("COPY fact_versions ({COLUMNS}) FROM STDIN"))
        .await
        .expect("COPY");
    copy.send(text).await.expect("COPY data");
    copy.finish().await.expect("COPY end")
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let companies = companies();
        let (copy_text, rows) = rt.block_on(async {
            let db = TestDb::new().await;
            let rows = import_all(&db, &companies).await;
            let mut conn = db.pool.acquire().await.expect("connection");
            let chunks: Vec<_> = conn
                .copy_out_raw(&format!(
                    "COPY (SELECT {COLUMNS} FROM fact_versions ORDER BY id) TO STDOUT"
                ))
                .await
                .expect("COPY TO")
                .try_collect()
                .await
                .expect("COPY TO data");
            let text: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
            (text, rows)
        });
        State {
            rt,
            companies,
            copy_text,
            rows,
        }
    })
}

static PARSE: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
static IMPORT: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
static COPY: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

fn record(which: &Mutex<Vec<Duration>>, d: Duration) {
    if let Ok(mut v) = which.lock() {
        v.push(d);
    }
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn parse_and_map(b: divan::Bencher) {
    let st = state();
    let tags = TagMap::builtin().expect("tag table");
    let calendar = FiscalCalendar::new(12).expect("calendar");
    b.bench_local(|| {
        let started = Instant::now();
        let mut records = 0;
        for c in &st.companies {
            let doc = EdgarCompanyFacts::from_slice(&c.json).expect("parse");
            let opts = MapOptions {
                ticker: c.ticker.clone(),
                cik: domain::Cik::new(c.cik).expect("cik"),
                calendar,
                since_fiscal_year: None,
            };
            records += map_company_facts(&doc, &tags, &opts)
                .expect("map")
                .records
                .len();
        }
        record(&PARSE, started.elapsed());
        records
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn import_into_empty_store(b: divan::Bencher) {
    let st = state();
    b.bench_local(|| {
        st.rt.block_on(async {
            let db = TestDb::new().await;
            add_companies(&db, &st.companies).await;
            let started = Instant::now();
            let rows = import_all(&db, &st.companies).await;
            record(&IMPORT, started.elapsed());
            assert_eq!(rows, st.rows);
        })
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn copy_same_rows_into_empty_store(b: divan::Bencher) {
    let st = state();
    b.bench_local(|| {
        st.rt.block_on(async {
            let db = TestDb::new().await;
            add_companies(&db, &st.companies).await;
            let started = Instant::now();
            let rows = copy_in(&db, &st.copy_text).await;
            record(&COPY, started.elapsed());
            assert_eq!(rows, st.rows);
        })
    });
}

fn samples(which: &Mutex<Vec<Duration>>) -> Vec<Duration> {
    which.lock().map(|v| v.clone()).unwrap_or_default()
}

fn main() {
    divan::main();
    let (parse, import, copy) = (samples(&PARSE), samples(&IMPORT), samples(&COPY));
    if parse.is_empty() || import.is_empty() || copy.is_empty() {
        eprintln!("not every benchmark ran (filtered?): no fragment written");
        return;
    }
    let st = state();
    let mb = st.companies.iter().map(|c| c.json.len()).sum::<usize>() as f64 / 1e6;
    let rows = st.rows as f64;
    let (mp, mi, mc) = (median(&parse), median(&import), median(&copy));
    let import_rate = rows / mi.as_secs_f64();
    let copy_rate = rows / mc.as_secs_f64();
    let ratio = import_rate / copy_rate;
    let mut f = Fragment::new("importer_copy", "EDGAR import versus PostgreSQL COPY");
    f.note(format!(
        "Run {}; {}. Input: the bundled Alphabet company facts imported as {COPIES} companies \
         ({mb:.1} MB of JSON, {} fact versions written). Import: parse, map, compare with the \
         stored versions and insert, one transaction per company, into an empty store. COPY: \
         the same rows, read back from the imported store, loaded with `COPY fact_versions \
         FROM STDIN` into another empty store (same table, indexes and triggers). Medians of \
         {} runs; each run has a fresh database (its creation is not timed).",
        now_utc(),
        machine(),
        st.rows,
        import.len()
    ));
    f.row(Row {
        figure: "parse and map (no database)".into(),
        value: format!("{:.1} MB/s ({})", mb / mp.as_secs_f64(), show(mp)),
        baseline: "–".into(),
        ratio: "–".into(),
        target: "–".into(),
        met: None,
    });
    f.row(Row {
        figure: "import rows written per second".into(),
        value: format!("{import_rate:.0} rows/s ({})", show(mi)),
        baseline: format!("COPY {copy_rate:.0} rows/s ({})", show(mc)),
        ratio: format!("{ratio:.2} of COPY's rate"),
        target: "≥ 0.5 of COPY".into(),
        met: Some(ratio >= 0.5),
    });
    if let Err(e) = f.write() {
        eprintln!("cannot write the fragment: {e}");
    }
}
