//! The EDGAR sync (issue 16) end to end against the replay of SEC: a first
//! round imports a tracked company, a filing that appears in the submissions
//! list is imported on the next round, each fault ends in a clear error and
//! an unchanged store, the rate limit holds, and two servers on one
//! database never import a filing twice.

use super::small_doc;
use capex_lens_tests::edgar_replay::{
    company_facts_before, microsoft, recorded_submissions, submissions_before, EdgarReplay, Reply,
    MSFT_CIK, USER_AGENT,
};
use capex_lens_tests::TestDb;
use domain::Ticker;
use server::edgar::fetch::{SecClient, SecConfig};
use server::edgar::sync::{self, Outcome, Round, Scope};
use sqlx::PgPool;
use std::time::Duration;

/// Microsoft's FY2026 10-K, the newest report in the recorded list.
const MSFT_10K: &str = "0001193125-26-323660";
const MSFT_10K_FILED: &str = "2026-07-29";
const HOUR: Duration = Duration::from_secs(3600);

fn msft() -> Ticker {
    Ticker::parse("MSFT").unwrap()
}

async fn track(pool: &PgPool, ticker: &str) {
    store::sync::track(pool, &Ticker::parse(ticker).unwrap())
        .await
        .unwrap();
}

async fn round(pool: &PgPool, config: &SecConfig, scope: Scope<'_>) -> Vec<sync::Checked> {
    let client = SecClient::new(config).unwrap();
    match sync::round(pool, &client, scope, HOUR).await.unwrap() {
        Round::Done(checked) => checked,
        Round::Busy => panic!("the sync lock was taken"),
    }
}

/// Fact versions, companies and filings recorded.
async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM fact_versions), (SELECT count(*) FROM companies),
                (SELECT count(*) FROM edgar_filings)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Figures stored more than once from the same filing with the same value
/// (a filing imported twice would make them).
async fn duplicate_figures(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT ticker, metric, fiscal_year, fiscal_quarter, value, accession
           FROM fact_versions GROUP BY 1, 2, 3, 4, 5, 6 HAVING count(*) > 1) d",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

fn imported(checked: &sync::Checked) -> (&[String], &server::edgar::CompanyImportReport) {
    match &checked.outcome {
        Outcome::Imported {
            filings, report, ..
        } => (filings, report),
        other => panic!("{}: expected an import, got {other:?}", checked.ticker),
    }
}

#[tokio::test]
async fn a_first_sync_imports_a_tracked_company_and_the_next_round_downloads_nothing_more() {
    // Arrange: Microsoft tracked in an empty store; the replay serves the
    // recorded ticker list, submissions list and company facts.
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);
    track(&db.pool, "MSFT").await;

    // Act
    let first = round(&db.pool, &sec.config(), Scope::Due).await;
    let after_first = counts(&db.pool).await;
    let second = round(&db.pool, &sec.config(), Scope::All).await;

    // Assert: imported once, with the filings of the list recorded.
    assert_eq!(first.len(), 1);
    let (filings, report) = imported(&first[0]);
    assert!(
        filings.iter().any(|f| f == &format!("10-K {MSFT_10K}")),
        "{filings:?}"
    );
    assert!(report.new > 0, "{report:?}");
    assert_eq!(report.fiscal_year_end_month, 6);
    let (facts, companies, recorded) = after_first;
    assert!(facts > 0);
    assert_eq!(companies, 1);
    assert_eq!(recorded, filings.len() as i64);
    assert!(
        matches!(second[0].outcome, Outcome::Current { reports_listed } if reports_listed == filings.len()),
        "{:?}",
        second[0]
    );
    assert_eq!(
        counts(&db.pool).await,
        after_first,
        "nothing new, nothing written"
    );
    assert_eq!(
        sec.hits_to("companyfacts").len(),
        1,
        "the second round read the list only"
    );
    assert!(sec
        .hits()
        .iter()
        .all(|h| h.user_agent.as_deref() == Some(USER_AGENT)));
    assert!(sec
        .hits_to("companyfacts")
        .iter()
        .all(|h| h.content_encoding.as_deref() == Some("gzip")));
    // The status says what happened and when the next check is.
    let status = store::sync::status(&db.pool).await.unwrap();
    let msft = &status[0];
    assert_eq!(msft.name.as_deref(), Some("MICROSOFT CORPORATION"));
    assert_eq!(msft.cik, Some(MSFT_CIK));
    assert_eq!(msft.state(), "current");
    let last = msft.last_filing.as_ref().unwrap();
    assert_eq!(
        (last.form.as_str(), last.accession_number.as_str()),
        ("10-K", MSFT_10K)
    );
    assert_eq!(last.filing_date, MSFT_10K_FILED);
    assert_eq!(last.new_versions as usize, report.new);
    let checked = msft.last_checked_at.unwrap();
    assert!(msft.next_check_at - checked >= time::Duration::minutes(59));
}

#[tokio::test]
async fn a_new_filing_in_the_list_is_imported_on_the_next_round_as_new_and_restated_versions() {
    // Arrange: round 1 sees SEC as it was the day before Microsoft's 10-K
    // (the recorded list and facts cut before its filing date).
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    let list = recorded_submissions(MSFT_CIK);
    sec.recorded_ticker_list();
    sec.submissions(
        MSFT_CIK,
        vec![Reply::Json(submissions_before(&list, MSFT_10K_FILED))],
    );
    sec.company_facts(
        MSFT_CIK,
        vec![Reply::Json(company_facts_before(
            &microsoft(),
            MSFT_10K_FILED,
        ))],
    );
    track(&db.pool, "MSFT").await;
    let before_10k = round(&db.pool, &sec.config(), Scope::All).await;
    assert!(!imported(&before_10k[0])
        .0
        .iter()
        .any(|f| f.contains(MSFT_10K)));

    // Act 1: the 10-K appears (the real list and facts).
    sec.submissions(MSFT_CIK, vec![Reply::Json(list.clone())]);
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);
    let with_10k = round(&db.pool, &sec.config(), Scope::All).await;

    // Assert 1: only the 10-K is new, and its figures are new versions.
    let (filings, report) = imported(&with_10k[0]);
    assert_eq!(filings, &[format!("10-K {MSFT_10K}")]);
    assert!(report.new > 0 && report.changed == 0, "{report:?}");

    // Act 2: an amendment restating the year's capex. No 10-K/A of Microsoft
    // falls in the recorded window, so this one is built: the list gains a
    // built entry and the facts one built value under its accession.
    let amendment = "0001193125-26-400001";
    let mut doc: serde_json::Value = serde_json::from_slice(&list).unwrap();
    let recent = doc["filings"]["recent"].as_object_mut().unwrap();
    for (column, value) in recent.iter_mut() {
        let v = match column.as_str() {
            "accessionNumber" => amendment.into(),
            "filingDate" => "2026-09-15".into(),
            "reportDate" => "2026-06-30".into(),
            "form" => "10-K/A".into(),
            _ => serde_json::Value::Null,
        };
        value.as_array_mut().unwrap().insert(0, v);
    }
    sec.submissions(
        MSFT_CIK,
        vec![Reply::Json(serde_json::to_vec(&doc).unwrap())],
    );
    let mut facts: serde_json::Value = serde_json::from_slice(&microsoft()).unwrap();
    let capex = facts["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]
        ["USD"]
        .as_array_mut()
        .unwrap();
    let mut restated = capex
        .iter()
        .find(|f| f["accn"] == MSFT_10K && f["start"] == "2025-07-01")
        .unwrap()
        .clone();
    restated["val"] = (restated["val"].as_i64().unwrap() + 1_000_000_000).into();
    restated["accn"] = amendment.into();
    restated["form"] = "10-K/A".into();
    restated["filed"] = "2026-09-15".into();
    capex.push(restated);
    sec.company_facts(
        MSFT_CIK,
        vec![Reply::Json(serde_json::to_vec(&facts).unwrap())],
    );
    let amended = round(&db.pool, &sec.config(), Scope::Only(&msft())).await;

    // Assert 2: the amendment's value is a new current version; the 10-K's stays as history.
    let (filings, report) = imported(&amended[0]);
    assert_eq!(filings, &[format!("10-K/A {amendment}")]);
    assert!(report.changed >= 1, "{report:?}");
    let restated: Vec<(i16, i32)> = sqlx::query_as(
        "SELECT fiscal_quarter, version FROM fact_versions
         WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_year = 2026 AND version > 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(!restated.is_empty(), "a second version of FY2026 capex");
    let status = store::sync::status(&db.pool).await.unwrap();
    let last = status[0].last_filing.as_ref().unwrap();
    assert_eq!(last.accession_number, amendment);
    assert!(last.changed_versions >= 1);
}

#[tokio::test]
async fn a_filing_listed_before_the_company_facts_carry_it_is_waited_for_then_imported() {
    // Arrange: the list names the 10-K, but the company facts are still those
    // of the day before (SEC publishes the facts some time after the filing).
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    sec.company_facts(
        MSFT_CIK,
        vec![Reply::Json(company_facts_before(
            &microsoft(),
            MSFT_10K_FILED,
        ))],
    );
    track(&db.pool, "MSFT").await;

    // Act
    let early = round(&db.pool, &sec.config(), Scope::All).await;
    let status = store::sync::status(&db.pool).await.unwrap();
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);
    let later = round(&db.pool, &sec.config(), Scope::All).await;

    // Assert: the older reports were imported, the 10-K waited for (and
    // looked for again within 15 minutes, not 6 hours), then imported.
    let Outcome::Imported {
        filings, waiting, ..
    } = &early[0].outcome
    else {
        panic!("{early:?}");
    };
    assert!(!filings.iter().any(|f| f.contains(MSFT_10K)), "{filings:?}");
    assert_eq!(waiting, &[format!("10-K {MSFT_10K}")]);
    assert!(early[0]
        .to_string()
        .ends_with(&format!("waiting for the company facts of 10-K {MSFT_10K}")));
    let msft = &status[0];
    assert!(msft.next_check_at - msft.last_checked_at.unwrap() <= time::Duration::minutes(15));
    assert_eq!(imported(&later[0]).0, &[format!("10-K {MSFT_10K}")]);
}

#[tokio::test]
async fn each_fault_ends_in_a_clear_error_and_an_unchanged_store_and_the_next_round_succeeds() {
    // Arrange: Microsoft tracked; two attempts per request, a 3-second
    // timeout (short, yet long enough for a busy machine to serve the rest).
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    track(&db.pool, "MSFT").await;
    let body = microsoft();
    let cap = 4 * body.len();
    let config = SecConfig {
        timeout: Duration::from_secs(3),
        max_attempts: 2,
        // Scaled down from the real 128 MB so the test stays light; the
        // "huge" body is ten times the cap.
        max_body_bytes: cap,
        ..sec.config()
    };
    let faults: Vec<(&str, Reply, &str)> = vec![
        (
            "429 with Retry-After",
            Reply::RetryAfter(429, 1),
            "HTTP 429 after 2 attempt(s)",
        ),
        ("503", Reply::Status(503), "HTTP 503 after 2 attempt(s)"),
        (
            "connection reset mid-body",
            Reply::Cut(body.clone()),
            "after 2 attempt(s)",
        ),
        (
            "slow body past the timeout",
            Reply::Trickle(body.clone(), Duration::from_millis(500)),
            "timed out after 3 s",
        ),
        (
            "truncated JSON",
            Reply::Truncated(body.clone()),
            "reading the company facts",
        ),
        ("huge body", Reply::Huge(10 * cap), "decompressed; refused"),
    ];

    for (name, fault, expected) in faults {
        // Act
        sec.company_facts(MSFT_CIK, vec![fault]);
        let checked = round(&db.pool, &config, Scope::All).await;

        // Assert: one clear line, stored for the status, nothing imported.
        let Outcome::Failed { error } = &checked[0].outcome else {
            panic!("{name}: expected a failure, got {:?}", checked[0]);
        };
        assert!(error.contains(expected), "{name}: {error}");
        assert!(!error.contains('\n'), "{name}: one line: {error}");
        assert_eq!(counts(&db.pool).await, (0, 0, 0), "{name}: nothing written");
        let status = store::sync::status(&db.pool).await.unwrap();
        assert_eq!(
            status[0].last_error.as_deref(),
            Some(error.as_str()),
            "{name}"
        );
        assert_eq!(status[0].state(), "failing");
    }

    // The submissions list failing is as clear.
    sec.submissions(MSFT_CIK, vec![Reply::Status(503)]);
    let checked = round(&db.pool, &config, Scope::All).await;
    let Outcome::Failed { error } = &checked[0].outcome else {
        panic!("{checked:?}");
    };
    assert!(
        error.starts_with("reading the list of filings: "),
        "{error}"
    );

    // Act: SEC answers again.
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    sec.company_facts(MSFT_CIK, vec![Reply::Json(body)]);
    let recovered = round(&db.pool, &config, Scope::All).await;

    // Assert
    assert!(imported(&recovered[0]).1.new > 0);
    let status = store::sync::status(&db.pool).await.unwrap();
    assert_eq!(status[0].last_error, None);
    assert_eq!(status[0].state(), "current");
}

#[tokio::test]
async fn a_body_far_larger_than_any_real_one_is_refused_at_the_real_cap_and_writes_nothing() {
    // Arrange: 160 MB of company facts (the largest real files are tens of
    // MB) against the client's real cap of 128 MB, gzip on the wire.
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    sec.company_facts(MSFT_CIK, vec![Reply::Huge(160 * 1024 * 1024)]);
    track(&db.pool, "MSFT").await;
    // The real timeout too: compressing 160 MB on a busy machine takes a while.
    let config = SecConfig {
        max_attempts: 1,
        timeout: server::edgar::fetch::REQUEST_TIMEOUT,
        ..sec.config()
    };
    assert_eq!(config.max_body_bytes, server::edgar::fetch::MAX_BODY_BYTES);

    // Act
    let checked = round(&db.pool, &config, Scope::All).await;

    // Assert
    let Outcome::Failed { error } = &checked[0].outcome else {
        panic!("{checked:?}");
    };
    assert!(
        error.contains(&format!(
            "over {} bytes decompressed; refused",
            server::edgar::fetch::MAX_BODY_BYTES
        )),
        "{error}"
    );
    assert_eq!(counts(&db.pool).await, (0, 0, 0));
}

#[tokio::test]
async fn a_round_of_six_companies_stays_at_ten_requests_a_second_at_the_replay() {
    // Arrange: six companies tracked, none in the store: the round reads the
    // ticker list, each submissions list and each company's facts (13 requests).
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    let companies: [(u64, &str, &str); 6] = [
        (789_019, "MSFT", "Microsoft Corporation"),
        (1_045_810, "NVDA", "NVIDIA CORP"),
        (1_652_044, "GOOGL", "Alphabet Inc."),
        (1_018_724, "AMZN", "AMAZON COM INC"),
        (1_326_801, "META", "Meta Platforms, Inc."),
        (1_341_439, "ORCL", "ORACLE CORP"),
    ];
    for (cik, ticker, name) in companies {
        sec.submissions(cik, vec![Reply::Json(recorded_submissions(cik))]);
        // Small built facts: the rate is what is measured here.
        sec.company_facts(
            cik,
            vec![Reply::Json(small_doc(
                cik,
                name,
                "2025-10-01",
                "2025-12-31",
                1_000,
            ))],
        );
        track(&db.pool, ticker).await;
    }

    // Act
    let checked = round(&db.pool, &sec.config(), Scope::All).await;

    // Assert: every company checked; never more than ten requests within a
    // second, as they arrived.
    assert_eq!(checked.len(), 6);
    assert!(
        checked
            .iter()
            .all(|c| !matches!(c.outcome, Outcome::Failed { .. })),
        "{checked:?}"
    );
    let hits = sec.hits();
    assert_eq!(hits.len(), 13, "{hits:?}");
    for (i, hit) in hits.iter().enumerate() {
        let within_a_second = hits[i..]
            .iter()
            .take_while(|h| h.at - hit.at < Duration::from_secs(1))
            .count();
        assert!(
            within_a_second <= 10,
            "{within_a_second} requests within a second"
        );
    }
}

#[tokio::test]
async fn two_servers_on_one_database_never_import_the_same_filing_twice() {
    // Arrange: two instances (two pools, two clients) on one database; the
    // first is mid-round (it holds the sync lock).
    let db = TestDb::new().await;
    let other = server::db::connect(db.options.clone(), 4).await.unwrap();
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);
    track(&db.pool, "MSFT").await;
    let (one, two) = (
        SecClient::new(&sec.config()).unwrap(),
        SecClient::new(&sec.config()).unwrap(),
    );
    let first_mid_round = store::sync::SyncLock::try_acquire(&db.pool)
        .await
        .unwrap()
        .expect("the lock is free");

    // Act: the second instance's round while the first holds the lock; then
    // the first ends, the second syncs, and the first syncs after it.
    let while_held = sync::round(&other, &two, Scope::All, HOUR).await.unwrap();
    first_mid_round.release().await;
    let second = sync::round(&other, &two, Scope::All, HOUR).await.unwrap();
    let first = sync::round(&db.pool, &one, Scope::All, HOUR).await.unwrap();

    // Assert: the second skipped while the first held the lock; once free,
    // one instance imported and the other found the filings imported.
    assert!(matches!(while_held, Round::Busy), "{while_held:?}");
    let (Round::Done(second), Round::Done(first)) = (second, first) else {
        panic!("the lock was released after each round");
    };
    assert!(
        matches!(second[0].outcome, Outcome::Imported { .. }),
        "{second:?}"
    );
    assert!(
        matches!(first[0].outcome, Outcome::Current { .. }),
        "{first:?}"
    );
    assert_eq!(sec.hits_to("companyfacts").len(), 1, "downloaded once");
    assert_eq!(
        duplicate_figures(&db.pool).await,
        0,
        "no figure was written twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_syncing_at_the_same_moment_import_each_filing_once() {
    // Arrange: two instances (two pools, two clients) on one database, both
    // about to run a round; nothing is imported yet.
    let db = TestDb::new().await;
    let other = server::db::connect(db.options.clone(), 4).await.unwrap();
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);
    track(&db.pool, "MSFT").await;
    let instance = |pool: PgPool, config: SecConfig| async move {
        let client = SecClient::new(&config).unwrap();
        sync::round(&pool, &client, Scope::All, HOUR).await.unwrap()
    };

    // Act: both rounds at once, on two threads; whichever interleaving the
    // machine gives, then one more round of each.
    let first = tokio::spawn(instance(db.pool.clone(), sec.config()));
    let second = tokio::spawn(instance(other.clone(), sec.config()));
    let (first, second) = (first.await.unwrap(), second.await.unwrap());
    let again = [
        instance(db.pool.clone(), sec.config()).await,
        instance(other.clone(), sec.config()).await,
    ];

    // Assert: across all four rounds the company was imported exactly once,
    // its facts downloaded once, and no figure written twice.
    let outcomes: Vec<&Outcome> = [&first, &second]
        .into_iter()
        .chain(&again)
        .filter_map(|round| match round {
            Round::Done(checked) => Some(checked),
            Round::Busy => None,
        })
        .flatten()
        .map(|checked| &checked.outcome)
        .collect();
    let imports = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Imported { .. }))
        .count();
    assert_eq!(imports, 1, "{outcomes:?}");
    assert!(
        again.iter().all(|r| matches!(r, Round::Done(_))),
        "the lock is free once both rounds ended: {again:?}"
    );
    assert_eq!(sec.hits_to("companyfacts").len(), 1, "downloaded once");
    assert_eq!(
        duplicate_figures(&db.pool).await,
        0,
        "no figure was written twice"
    );
}

#[tokio::test]
async fn an_instance_that_dies_holding_the_sync_lock_does_not_keep_it() {
    // Arrange: an instance takes the lock and dies (its connection drops
    // without releasing anything).
    let db = TestDb::new().await;
    let crashed = store::sync::SyncLock::try_acquire(&db.pool)
        .await
        .unwrap()
        .expect("the lock is free");
    assert!(store::sync::SyncLock::try_acquire(&db.pool)
        .await
        .unwrap()
        .is_none());

    // Act
    drop(crashed);

    // Assert: PostgreSQL releases it as soon as it sees the session end.
    let mut taken = None;
    for _ in 0..50 {
        taken = store::sync::SyncLock::try_acquire(&db.pool).await.unwrap();
        if taken.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(taken.is_some(), "the lock was free again within 5 s");
}

#[tokio::test]
async fn a_company_that_is_not_tracked_cannot_be_synced_by_hand_and_the_command_says_how_to_track_it(
) {
    // Arrange
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    let client = SecClient::new(&sec.config()).unwrap();

    // Act
    let refused = sync::round(&db.pool, &client, Scope::Only(&msft()), HOUR).await;

    // Assert
    let err = refused.unwrap_err().to_string();
    assert_eq!(
        err,
        "MSFT is not tracked: track it first with `server sync track --ticker MSFT`"
    );
    assert!(sec.hits().is_empty(), "nothing was asked of the SEC");
}

#[tokio::test]
async fn sync_track_resolves_the_ticker_imports_it_and_status_prints_one_line_per_company() {
    // Arrange
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.recorded_ticker_list();
    sec.submissions(MSFT_CIK, vec![Reply::Json(recorded_submissions(MSFT_CIK))]);
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);
    let run = |command| {
        let pool = db.pool.clone();
        let config = sec.config();
        async move {
            let mut out = Vec::new();
            let result = sync::run_command(&pool, command, &config, 360, &mut out).await;
            (result, String::from_utf8(out).unwrap())
        }
    };

    // Act
    let (tracked, track_out) = run(sync::SyncCommand::Track {
        ticker: "msft".into(),
    })
    .await;
    let (unknown, unknown_out) = run(sync::SyncCommand::Track {
        ticker: "ZZZZ".into(),
    })
    .await;
    let (status, table) = run(sync::SyncCommand::Status { json: false }).await;
    let (json, json_out) = run(sync::SyncCommand::Status { json: true }).await;

    // Assert
    tracked.unwrap();
    assert!(
        track_out.starts_with("MSFT: tracked\nMSFT: imported "),
        "{track_out}"
    );
    let err = format!("{:#}", unknown.unwrap_err());
    assert!(
        err.contains("the SEC's ticker list has no ticker ZZZZ"),
        "{err}"
    );
    assert!(
        unknown_out.is_empty(),
        "nothing written for a refused ticker"
    );
    status.unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].starts_with("TICKER"));
    assert!(
        lines[1].starts_with("MSFT") && lines[1].contains(MSFT_10K),
        "{table}"
    );
    json.unwrap();
    let parsed: Vec<domain::sync::CompanySync> = serde_json::from_str(&json_out).unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].ticker, "MSFT");
}

#[tokio::test]
async fn an_import_from_the_sec_is_refused_with_what_to_do_while_another_instance_syncs() {
    // Arrange: another instance is mid-round.
    let db = TestDb::new().await;
    let sec = EdgarReplay::start().await;
    sec.company_facts(MSFT_CIK, vec![Reply::Json(microsoft())]);
    let syncing = store::sync::SyncLock::try_acquire(&db.pool)
        .await
        .unwrap()
        .unwrap();
    let args = server::edgar::EdgarArgs {
        tickers: vec!["MSFT".into()],
        ..Default::default()
    };

    // Act
    let refused =
        server::edgar::run_with_progress(&db.pool, &args, &sec.config(), &mut Vec::new()).await;
    syncing.release().await;
    let allowed =
        server::edgar::run_with_progress(&db.pool, &args, &sec.config(), &mut Vec::new()).await;

    // Assert: nothing asked of the SEC while the other instance talked to it.
    let err = refused.unwrap_err().to_string();
    assert!(
        err.starts_with("another Capex Lens instance is talking to the SEC right now"),
        "{err}"
    );
    assert_eq!(
        sec.hits_to("companyfacts").len(),
        1,
        "only the allowed import downloaded"
    );
    assert!(allowed.unwrap()[0].new > 0);
}
