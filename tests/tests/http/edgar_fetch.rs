//! The live EDGAR path (`server import edgar --ticker …`) against a real HTTP
//! server on 127.0.0.1 standing in for the SEC: it serves the same paths as
//! data.sec.gov and www.sec.gov (company facts, submissions, the ticker list),
//! gzip-compressed when asked, and can answer 429, 503, 404 or not at all.
//! Every request is logged with its arrival time and headers, so the tests
//! check what the client really sent. Company facts are the bundled real files
//! (`data/bundled/edgar/`, see SOURCES.md) or small documents written here.

use capex_lens_tests::edgar_replay::{
    bundled, microsoft, EdgarReplay, Reply, MSFT_CIK, USER_AGENT,
};
use capex_lens_tests::TestDb;
use rust_decimal::Decimal;
use server::edgar::fetch::SecConfig;
use server::edgar::{self, EdgarArgs};
use sqlx::PgPool;
use std::time::{Duration, Instant};

mod sync;

/// A small company-facts document: capex for one 10-Q quarter.
fn small_doc(cik: u64, name: &str, start: &str, end: &str, capex: i64) -> Vec<u8> {
    let accn = format!("{cik:010}-26-000001");
    serde_json::to_vec(&serde_json::json!({
        "cik": cik, "entityName": name,
        "facts": {"us-gaap": {"PaymentsToAcquirePropertyPlantAndEquipment": {
            "label": "capex", "units": {"USD": [
                {"start": start, "end": end, "val": capex, "accn": accn,
                 "fy": 2026, "fp": "Q1", "form": "10-Q", "filed": "2026-02-01"}
            ]}}}}
    }))
    .unwrap()
}

async fn snapshot(pool: &PgPool) -> (i64, i64, Vec<(String, i16)>) {
    let companies: i64 = sqlx::query_scalar("SELECT count(*) FROM companies")
        .fetch_one(pool)
        .await
        .unwrap();
    let facts: i64 = sqlx::query_scalar("SELECT count(*) FROM fact_versions")
        .fetch_one(pool)
        .await
        .unwrap();
    let rows = sqlx::query_as("SELECT ticker, fiscal_year_end_month FROM companies ORDER BY 1")
        .fetch_all(pool)
        .await
        .unwrap();
    (companies, facts, rows)
}

fn args(tickers: &[&str]) -> EdgarArgs {
    EdgarArgs {
        tickers: tickers.iter().map(|t| t.to_string()).collect(),
        ..EdgarArgs::default()
    }
}

async fn run(
    pool: &PgPool,
    args: &EdgarArgs,
    sec: &SecConfig,
) -> (anyhow::Result<Vec<edgar::CompanyImportReport>>, String) {
    let mut progress = Vec::new();
    let result = edgar::run_with_progress(pool, args, sec, &mut progress).await;
    (result, String::from_utf8(progress).unwrap())
}

#[tokio::test]
async fn a_download_declares_the_user_agent_accepts_gzip_and_imports_the_decoded_facts() {
    // Arrange
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);

    // Act
    let (result, progress) = run(&db.pool, &args(&["MSFT"]), &sec.config()).await;

    // Assert
    let reports = result.unwrap();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].new > 0);
    let hits = sec.hits();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].path, "/api/xbrl/companyfacts/CIK0000789019.json");
    assert_eq!(hits[0].user_agent.as_deref(), Some(USER_AGENT));
    assert!(
        hits[0]
            .accept_encoding
            .as_deref()
            .is_some_and(|v| v.contains("gzip")),
        "{hits:?}"
    );
    assert_eq!(hits[0].content_encoding.as_deref(), Some("gzip"));
    // Microsoft's FY26 Q4 capex (10-K FY2026 less the 9-month 10-Q), read from the gzip body.
    let q4: Decimal = sqlx::query_scalar(
        "SELECT value FROM current_facts WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_year = 2026 AND fiscal_quarter = 4",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(q4, Decimal::from(35_802_000_000i64));
    let done: Vec<&str> = progress
        .lines()
        .filter(|l| l.starts_with("[1/1] MSFT: imported"))
        .collect();
    assert_eq!(done.len(), 1, "{progress}");
    assert!(
        done[0].contains(&format!("{} new", reports[0].new)),
        "{progress}"
    );
}

#[tokio::test]
async fn too_many_requests_and_service_unavailable_are_retried_with_backoff_then_succeed() {
    // Arrange
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.company_facts(
        MSFT_CIK,
        vec![
            Reply::Status(429),
            Reply::Status(503),
            Reply::Json(microsoft()),
        ],
    );

    // Act
    let (result, _) = run(&db.pool, &args(&["MSFT"]), &sec.config()).await;

    // Assert: three attempts, waiting 0.5 s then 1 s (exponential backoff).
    let report = result.unwrap().remove(0);
    assert!(report.new > 0);
    let hits = sec.hits();
    assert_eq!(hits.len(), 3, "{hits:?}");
    let first_wait = hits[1].at - hits[0].at;
    let second_wait = hits[2].at - hits[1].at;
    assert!(first_wait >= Duration::from_millis(480), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(980), "{second_wait:?}");
    assert!(
        second_wait > first_wait,
        "backoff grows: {first_wait:?} then {second_wait:?}"
    );
}

#[tokio::test]
async fn a_permanent_404_fails_at_once_with_one_clear_line_and_changes_nothing() {
    // Arrange: Nvidia already stored; Microsoft's facts are not served.
    let db = TestDb::new().await;
    edgar::import_company_facts(&db.pool, &bundled("companyfacts_CIK0001045810.json"), false)
        .await
        .unwrap();
    let before = snapshot(&db.pool).await;
    let sec = EdgarReplay::start().await;

    // Act
    let (result, _) = run(&db.pool, &args(&["MSFT"]), &sec.config()).await;

    // Assert
    let err = format!("{:#}", result.unwrap_err());
    assert!(!err.contains('\n'), "one line: {err}");
    assert!(err.contains("MSFT"), "{err}");
    assert!(err.contains("not found (HTTP 404)"), "{err}");
    assert_eq!(sec.hits().len(), 1, "a 404 is not retried");
    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn a_response_that_never_comes_hits_the_timeout_and_writes_nothing() {
    // Arrange
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.company_facts(MSFT_CIK, vec![Reply::Hang]);
    let config = SecConfig {
        timeout: Duration::from_secs(1),
        max_attempts: 1,
        ..sec.config()
    };
    let started = Instant::now();

    // Act
    let (result, _) = run(&db.pool, &args(&["MSFT"]), &config).await;

    // Assert
    let elapsed = started.elapsed();
    let err = format!("{:#}", result.unwrap_err());
    assert!(err.contains("timed out after 1 s"), "{err}");
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(snapshot(&db.pool).await, (0, 0, vec![]));
}

#[tokio::test]
async fn a_connection_cut_mid_download_is_retried_and_if_it_keeps_failing_nothing_is_written() {
    // Arrange
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.company_facts(MSFT_CIK, vec![Reply::Cut(microsoft())]);
    let config = SecConfig {
        max_attempts: 2,
        ..sec.config()
    };

    // Act
    let (result, _) = run(&db.pool, &args(&["MSFT"]), &config).await;

    // Assert
    let err = format!("{:#}", result.unwrap_err());
    assert!(err.contains("downloading MSFT"), "{err}");
    assert!(err.contains("after 2 attempt(s)"), "{err}");
    assert_eq!(sec.hits().len(), 2);
    assert_eq!(snapshot(&db.pool).await, (0, 0, vec![]));
}

#[tokio::test]
async fn a_ticker_not_in_the_store_is_looked_up_at_the_sec_and_created_with_its_fiscal_year_end() {
    // Arrange: Apple's fiscal year ends late September ("0927"); its FY26 Q1
    // is the quarter ended December 27, 2025. The capex figure is made up.
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    let cik = 320_193;
    sec.built_ticker_list(&[
        (MSFT_CIK, "MSFT", "MICROSOFT CORP"),
        (cik, "AAPL", "Apple Inc."),
    ]);
    sec.built_submissions(cik, "Apple Inc.", "0927");
    sec.company_facts(
        cik,
        vec![Reply::Json(small_doc(
            cik,
            "Apple Inc.",
            "2025-09-28",
            "2025-12-27",
            2_000_000_000,
        ))],
    );

    // Act
    let (result, progress) = run(&db.pool, &args(&["aapl"]), &sec.config()).await;

    // Assert
    let reports = result.unwrap();
    assert_eq!(reports[0].ticker, "AAPL");
    assert_eq!(reports[0].fiscal_year_end_month, 9);
    let paths: Vec<String> = sec.hits().into_iter().map(|h| h.path).collect();
    assert_eq!(
        paths,
        [
            "/files/company_tickers.json",
            "/submissions/CIK0000320193.json",
            "/api/xbrl/companyfacts/CIK0000320193.json"
        ]
    );
    let company: (String, String, i64, i16) =
        sqlx::query_as("SELECT ticker, name, cik, fiscal_year_end_month FROM companies")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(company, ("AAPL".into(), "Apple Inc.".into(), 320_193, 9));
    let fact: (i16, i16, Decimal) = sqlx::query_as(
        "SELECT fiscal_year, fiscal_quarter, value FROM current_facts WHERE metric = 'capex'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(fact, (2026, 1, Decimal::from(2_000_000_000i64)));
    assert!(progress.contains("[1/1] AAPL: imported"), "{progress}");
}

#[tokio::test]
async fn an_unknown_ticker_is_a_clear_error_before_anything_is_downloaded_or_written() {
    // Arrange
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.built_ticker_list(&[(MSFT_CIK, "MSFT", "MICROSOFT CORP")]);
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);

    // Act: a known company first, then one the SEC does not list.
    let (result, _) = run(&db.pool, &args(&["MSFT", "ZZZZ"]), &sec.config()).await;

    // Assert
    let err = format!("{:#}", result.unwrap_err());
    assert!(err.contains("unknown ticker ZZZZ"), "{err}");
    assert!(err.contains("company_tickers.json"), "{err}");
    let paths: Vec<String> = sec.hits().into_iter().map(|h| h.path).collect();
    assert_eq!(paths, ["/files/company_tickers.json"]);
    assert_eq!(snapshot(&db.pool).await, (0, 0, vec![]));
}

#[tokio::test]
async fn several_tickers_are_spaced_to_at_most_ten_requests_per_second_with_a_progress_line_each() {
    // Arrange: twelve companies the store does not know, each with a small
    // document, so only the rate limit keeps the requests apart.
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    let companies: Vec<(u64, String)> = (0..12)
        .map(|i| (9_000_001 + i, format!("FAKE{}", (b'A' + i as u8) as char)))
        .collect();
    let listed: Vec<(u64, &str, &str)> = companies
        .iter()
        .map(|(cik, t)| (*cik, t.as_str(), "Fake Corp"))
        .collect();
    sec.built_ticker_list(&listed);
    for (cik, ticker) in &companies {
        sec.built_submissions(*cik, ticker, "1231");
        sec.company_facts(
            *cik,
            vec![Reply::Json(small_doc(
                *cik,
                &format!("{ticker} Corp"),
                "2025-10-01",
                "2025-12-31",
                1_000_000,
            ))],
        );
    }
    let tickers: Vec<&str> = companies.iter().map(|(_, t)| t.as_str()).collect();

    // Act
    let (result, progress) = run(&db.pool, &args(&tickers), &sec.config()).await;

    // Assert: 1 ticker list + 12 × (submissions + facts) requests.
    assert_eq!(result.unwrap().len(), 12);
    let hits = sec.hits();
    assert_eq!(hits.len(), 25);
    // Arrival times carry the machine's scheduling jitter (tens of ms under
    // load), so the bounds leave room for it; without the limiter these small
    // requests arrive a few ms apart.
    for pair in hits.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(50), "requests {gap:?} apart");
    }
    // Any eleven consecutive requests span about a second: never more than ten in one.
    for eleven in hits.windows(11) {
        let span = eleven[10].at - eleven[0].at;
        assert!(
            span >= Duration::from_millis(900),
            "11 requests in {span:?}"
        );
    }
    let total = hits[24].at - hits[0].at;
    let rate = 24.0 / total.as_secs_f64();
    assert!(rate <= 10.5, "{rate:.2} requests per second");
    for (i, (_, ticker)) in companies.iter().enumerate() {
        let line = format!("[{}/12] {ticker}: imported: 1 new", i + 1);
        assert!(progress.contains(&line), "no {line:?} in\n{progress}");
    }
    let months: Vec<i16> =
        sqlx::query_scalar("SELECT DISTINCT fiscal_year_end_month FROM companies")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(months, [12]);
}

#[tokio::test]
async fn a_cik_not_in_the_store_takes_its_ticker_from_the_sec_list_and_an_unlisted_cik_is_refused()
{
    // Arrange: CoreWeave (CIK 1769628, year ending December); made-up capex.
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    let cik = 1_769_628;
    sec.built_ticker_list(&[(cik, "CRWV", "CoreWeave, Inc.")]);
    sec.built_submissions(cik, "CoreWeave, Inc.", "1231");
    sec.company_facts(
        cik,
        vec![Reply::Json(small_doc(
            cik,
            "CoreWeave, Inc.",
            "2026-01-01",
            "2026-03-31",
            3_000_000_000,
        ))],
    );
    let by_cik = |ciks: &[&str]| EdgarArgs {
        ciks: ciks.iter().map(|c| c.to_string()).collect(),
        ..args(&[])
    };

    // Act
    let (listed, _) = run(&db.pool, &by_cik(&["1769628"]), &sec.config()).await;
    let (unlisted, _) = run(&db.pool, &by_cik(&["9999999"]), &sec.config()).await;

    // Assert
    let reports = listed.unwrap();
    assert_eq!(
        (reports[0].ticker.as_str(), reports[0].fiscal_year_end_month),
        ("CRWV", 12)
    );
    let err = format!("{:#}", unlisted.unwrap_err());
    assert!(err.contains("no ticker known for CIK 9999999"), "{err}");
    assert_eq!(
        snapshot(&db.pool).await,
        (1, 1, vec![("CRWV".to_string(), 12)])
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_nothing_is_written() {
    // Arrange: SEC's address answers with a redirect elsewhere.
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.company_facts(
        MSFT_CIK,
        vec![Reply::Redirect(
            "http://attacker.invalid/companyfacts.json".into(),
        )],
    );
    let before = snapshot(&db.pool).await;

    // Act
    let (result, _) = run(&db.pool, &args(&["MSFT"]), &sec.config()).await;

    // Assert
    let err = format!("{:#}", result.unwrap_err());
    assert!(!err.contains('\n'), "one line: {err}");
    assert!(
        err.contains("attacker.invalid") && err.contains("not followed"),
        "{err}"
    );
    assert_eq!(sec.hits().len(), 1, "asked once, not retried, not followed");
    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn an_answer_larger_than_the_cap_once_decompressed_is_refused() {
    // Arrange: Microsoft's real facts file (gzip on the wire) against a cap
    // smaller than the file.
    let sec = EdgarReplay::start().await;
    let body = microsoft();
    sec.company_facts(MSFT_CIK, vec![Reply::Json(body.clone())]);
    let config = edgar::fetch::SecConfig {
        data_url: sec.url(),
        www_url: sec.url(),
        user_agent: Some(USER_AGENT.to_string()),
        max_attempts: 1,
        max_body_bytes: body.len() / 2,
        ..edgar::fetch::SecConfig::default()
    };
    let client = edgar::fetch::SecClient::new(&config).unwrap();
    let cik = domain::Cik::parse(&MSFT_CIK.to_string()).unwrap();

    // Act
    let refused = client.company_facts(cik).await;
    let allowed = edgar::fetch::SecClient::new(&edgar::fetch::SecConfig {
        max_body_bytes: body.len(),
        ..config
    })
    .unwrap()
    .company_facts(cik)
    .await;

    // Assert
    let err = refused.unwrap_err().to_string();
    assert!(
        err.contains("decompressed") && err.contains("refused"),
        "{err}"
    );
    assert_eq!(allowed.unwrap(), body, "at the cap it is read whole");
    assert_eq!(
        sec.hits()[0].content_encoding.as_deref(),
        Some("gzip"),
        "the cap counts decompressed bytes"
    );
}
