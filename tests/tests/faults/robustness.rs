//! Robustness of the ways figures get in: thousands of generated bad inputs
//! (property-based, deterministic seed) against the entry form's server
//! function and the CSV import, with zero panics and zero partial writes;
//! and many analysts editing one number at the same time, none lost.

use capex_lens_tests::accounts::{add_user, fact_version_count, Agent};
use capex_lens_tests::fixtures::{latest_msft_capex, StoredNumber};
use capex_lens_tests::{spawn_app, TestApp};
use domain::account::Role;
use domain::entry::{check_url, parse_amount, StoredUnit};
use domain::{FiscalPeriod, Metric, Ticker};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rust_decimal::Decimal;
use std::sync::Arc;

/// A runner with a fixed seed: a failure names its input and reproduces.
fn runner() -> TestRunner {
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

fn generate<S: Strategy>(strategy: &S, n: usize) -> Vec<S::Value> {
    let mut runner = runner();
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("generate an input")
                .current()
        })
        .collect()
}

/// Text that is never a valid amount: NaN, infinities, exponents, overflow,
/// huge strings, NUL bytes, misplaced separators, other currencies, noise.
fn bad_amount() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "NaN",
            "nan",
            "-NaN",
            "inf",
            "-inf",
            "Infinity",
            "1e9",
            "1E400",
            "0x10",
            "--5",
            "+-3",
            "1.2.3",
            "37,00M",
            "3,7000M",
            "1,2",
            ",",
            ".",
            "B",
            "M",
            "$",
            "-",
            "€37B",
            "37%",
            "37 apples",
            "٣٧B",
            "３７B",
            "37\u{0}B",
            "\u{0}",
            "1_000",
            "1 000 000",
            "½B",
        ])
        .prop_map(String::from),
        // Overflow: more digits than a decimal holds, or too many characters.
        "[1-9][0-9]{29,60}T",
        "[0-9]{65,300}",
        // NUL and other control characters inside digits.
        "[0-9]{1,6}[\u{0}-\u{1f}][0-9]{0,6}[BMK]?",
        // Arbitrary text, huge included.
        "\\PC{0,40}",
        ".{65,2000}",
    ]
    .prop_filter("never a valid amount", |s| {
        parse_amount(s, StoredUnit::Usd).is_err()
            && parse_amount(s, StoredUnit::UsdPerUnit).is_err()
    })
}

/// A period that is malformed or outside the calendar (for an actual figure).
fn bad_period() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "FY26 Q5",
            "FY26 Q-1",
            "FY26 Q",
            "FY1899 Q1",
            "FY2101",
            "FY99999 Q1",
            "FY 2026 Q 9",
            "Q3",
            "FY",
            "",
            "FY26Q3Q4",
            "FY26 Q3\u{0}",
            "2026-03-31",
            "FY26 H1",
        ])
        .prop_map(String::from),
        // Quarters that have not ended yet: actual figures cannot be entered.
        (35u32..=99, 1u32..=4).prop_map(|(y, q)| format!("FY{y} Q{q}")),
        "\\PC{0,30}",
        ".{100,3000}",
    ]
    .prop_filter("never a past period", |s| match FiscalPeriod::parse(s) {
        Err(_) => true,
        Ok(p) => p.fiscal_year >= 2035,
    })
}

fn valid_period() -> impl Strategy<Value = String> {
    (20u32..=25, 1u32..=4).prop_map(|(y, q)| format!("FY{y} Q{q}"))
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,20}", ".{0,300}", "[\u{0}-\u{1f}]{1,5}"]
}

/// One submission of the entry form, as `(field, value)` pairs; `poison`
/// names the field that is guaranteed invalid.
#[derive(Debug, Clone)]
enum Submission {
    Form {
        poison: &'static str,
        fields: Vec<(String, String)>,
    },
    /// A body that is not the form at all.
    Raw {
        content_type: &'static str,
        body: Vec<u8>,
    },
}

fn submission() -> impl Strategy<Value = Submission> {
    let ticker = prop_oneof![
        3 => Just("MSFT".to_string()),
        1 => Just("GOOGL".to_string()),
        1 => any_text(),
    ];
    let metric = prop_oneof![
        3 => Just("capex".to_string()),
        1 => prop::sample::select(Metric::ALL.iter().map(|m| m.key().to_string()).collect::<Vec<_>>()),
        1 => any_text(),
    ];
    let period = prop_oneof![3 => valid_period(), 1 => bad_period()];
    let value = prop_oneof![
        2 => Just("37B".to_string()),
        1 => "[1-9][0-9]{0,3}(\\.[0-9]{1,2})?[BM]",
        1 => bad_amount(),
    ];
    let url = prop_oneof![
        3 => Just("https://www.sec.gov/x".to_string()),
        1 => any_text(),
    ];
    let note = prop_oneof![3 => Just(String::new()), 1 => any_text()];
    let base = prop_oneof![
        3 => Just("0".to_string()),
        1 => prop::sample::select(vec!["-1", "abc", "99999999999", "1.5", "", "\u{0}", "NaN"]).prop_map(String::from),
    ];
    let bad_url = "\\PC{0,60}".prop_filter("never a valid URL", |s| check_url(s).is_err());
    let bad_note = prop_oneof![
        // Longer than allowed even once trimmed.
        "[a-z][a-z ]{2000,2400}[a-z]",
        "[a-z]{0,10}[\u{0}\u{1}\u{1b}\u{7f}][a-z]{0,10}",
    ];
    let bad_metric = any_text().prop_filter("unknown metric", |s| Metric::parse(s).is_err());
    let bad_ticker = prop_oneof![
        any_text().prop_filter("no ticker", |s| Ticker::parse(s).is_err()),
        Just("ZZZZ9".to_string()),
        Just("NOPE".to_string()),
    ];
    let poison = prop_oneof![
        bad_amount().prop_map(|v| ("value", v)),
        bad_period().prop_map(|v| ("period", v)),
        bad_metric.prop_map(|v| ("metric", v)),
        bad_ticker.prop_map(|v| ("ticker", v)),
        bad_url.prop_map(|v| ("source_url", v)),
        bad_note.prop_map(|v| ("note", v)),
    ];
    let form = (ticker, metric, period, value, url, note, base, poison).prop_map(
        |(ticker, metric, period, value, url, note, base, (field, bad))| {
            let mut fields = vec![
                ("ticker".to_string(), ticker),
                ("metric".to_string(), metric),
                ("period".to_string(), period),
                ("value".to_string(), value),
                ("source_url".to_string(), url),
                ("note".to_string(), note),
                ("base_version".to_string(), base),
            ];
            for f in &mut fields {
                if f.0 == field {
                    f.1 = bad.clone();
                }
            }
            Submission::Form {
                poison: field,
                fields,
            }
        },
    );
    // Wrong types and shapes: JSON with numbers and arrays, nested keys,
    // missing fields, raw bytes that are not UTF-8.
    let raw = prop_oneof![
        Just(Submission::Raw {
            content_type: "application/json",
            body: br#"{"ticker":1,"period":[1,2],"metric":null,"value":1e400,"source_url":{},"note":true}"#.to_vec(),
        }),
        Just(Submission::Raw {
            content_type: "application/x-www-form-urlencoded",
            body: b"ticker[]=MSFT&ticker[]=GOOGL&value[x]=1&period=FY25%20Q1".to_vec(),
        }),
        Just(Submission::Raw {
            content_type: "application/x-www-form-urlencoded",
            body: b"ticker=MSFT&value=%FF%FE%00&period=FY25%20Q1&metric=capex&source_url=x".to_vec(),
        }),
        prop::collection::vec(any::<u8>(), 0..400).prop_map(|body| Submission::Raw {
            content_type: "application/x-www-form-urlencoded",
            body,
        }),
        prop::collection::vec(any::<u8>(), 0..400).prop_map(|body| Submission::Raw {
            content_type: "multipart/form-data; boundary=x",
            body,
        }),
    ];
    prop_oneof![9 => form, 1 => raw]
}

async fn submit(
    app: &TestApp,
    cookie: &str,
    origin: &str,
    submission: &Submission,
) -> (u16, String) {
    let req = app
        .client
        .post(app.url("/api/entry/save"))
        .header("cookie", cookie)
        .header("origin", origin)
        .header("accept", "application/json");
    let req = match submission {
        Submission::Form { fields, .. } => req.form(fields),
        Submission::Raw { content_type, body } => {
            req.header("content-type", *content_type).body(body.clone())
        }
    };
    let res = req.send().await.expect("the server answered");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_generated_bad_entries_are_refused_without_a_panic_or_a_write() {
    // Arrange
    let app = Arc::new(spawn_app().await);
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let cookie = Agent::signed_in(&app, "ann@example.com")
        .await
        .cookie
        .unwrap();
    let origin = format!("http://{}", app.addr);
    let cases = generate(&submission(), 10_000);
    let before = fact_version_count(&app).await;

    // Act: eight at a time.
    let semaphore = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, case) in cases.into_iter().enumerate() {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let (app, cookie, origin) = (app.clone(), cookie.clone(), origin.clone());
        tasks.spawn(async move {
            let answer = submit(&app, &cookie, &origin, &case).await;
            drop(permit);
            (i, case, answer)
        });
    }
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    while let Some(done) = tasks.join_next().await {
        let (i, case, (status, body)) = done.expect("no task panicked");
        // Assert: a clear refusal, never a server error, never a save.
        assert!(
            status == 200 || status == 400 || status == 415,
            "case {i} {case:?}: status {status}, {body}"
        );
        let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert!(
            json.get("Saved").is_none(),
            "case {i} {case:?} was saved: {body}"
        );
        if let Submission::Form { poison, .. } = &case {
            if status == 200 {
                let fields: Vec<&str> = json["Invalid"]["errors"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
                    .unwrap_or_default();
                // A period past the horizon is judged against the company's
                // calendar and the metric, so only once both are known.
                let key_error = fields.iter().any(|f| *f == "ticker" || *f == "metric");
                assert!(
                    fields.contains(poison) || (*poison == "period" && key_error),
                    "case {i} {case:?}: the bad {poison} is not reported: {body}"
                );
            }
        }
        let kind = json
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_else(|| format!("HTTP {status}"));
        *outcomes.entry(kind).or_default() += 1;
    }
    assert_eq!(
        fact_version_count(&app).await,
        before,
        "nothing was written"
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert!(
        outcomes.get("Invalid").copied().unwrap_or(0) > 8000,
        "{outcomes:?}"
    );
}

// ----- the CSV import ------------------------------------------------------

/// A valid CSV line for a new company `ticker` (the store's layout).
fn csv_line(ticker: &str, year: u32, value: &str) -> Vec<String> {
    [
        ticker,
        "Fuzz Corp",
        "",
        "12",
        "false",
        "capex",
        &year.to_string(),
        "1",
        &format!("{year}-01-01"),
        &format!("{year}-03-31"),
        value,
        "USD",
        "",
        &format!("{year}-05-01"),
        "analyst",
        "",
        "",
        "",
        "https://example.com/src",
        "typed by a test",
        "",
        "fuzz@example.com",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[derive(Debug, Clone)]
struct BadCsv {
    what: String,
    bytes: Vec<u8>,
}

fn encode(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(server::csv_io::COLUMNS).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// Whether `bad` could be a valid value of column `col` (then it poisons
/// nothing and the case is skipped). Columns that accept any text are
/// poisoned only with what the store refuses: NUL bytes, or a company name
/// longer than allowed.
fn might_be_valid(col: usize, bad: &str) -> bool {
    let date = time::macros::format_description!("[year]-[month]-[day]");
    let optional = [2, 8, 12, 15, 16, 17, 18, 19, 20, 21, 22];
    if bad.is_empty() {
        return optional.contains(&col);
    }
    match server::csv_io::COLUMNS[col] {
        "company_name" => !bad.contains('\u{0}') && bad.chars().count() <= 200,
        "form" | "source_url" | "source_text" | "entered_by" | "note" => !bad.contains('\u{0}'),
        "ticker" => Ticker::parse(bad).is_ok(),
        "metric" => Metric::parse(bad).is_ok(),
        "nets_capex_proceeds" => bad == "true" || bad == "false",
        "unit" => ["USD", "USD/unit", "percent"].contains(&bad),
        "source_kind" => ["filing", "derived", "secondary", "analyst"].contains(&bad),
        "accession" => domain::AccessionNumber::parse(bad).is_ok(),
        "derivation" => serde_json::from_str::<serde_json::Value>(bad).is_ok(),
        "period_start" | "period_end" | "known_at" | "filed_date" => {
            time::Date::parse(bad, date).is_ok()
        }
        "fiscal_year" => bad.parse::<i32>().is_ok_and(|y| (1990..=2100).contains(&y)),
        "value" => bad.parse::<Decimal>().is_ok(),
        _ => bad.parse::<i64>().is_ok() || bad.starts_with("CIK"),
    }
}

/// A file whose first lines are valid (a new company and its facts) and one
/// later line is bad, so a partial import would be visible.
fn bad_csv() -> impl Strategy<Value = BadCsv> {
    let column = 0usize..23;
    let poison = prop_oneof![
        Just(String::new()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("1e400".to_string()),
        Just("\u{0}".to_string()),
        "[0-9]{40,80}",
        "\\PC{1,30}",
        ".{300,5000}",
        "[a-z]{0,5}\u{0}[a-z]{0,5}",
        prop::sample::select(vec![
            "99999",
            "-1",
            "13",
            "0",
            "2026-02-30",
            "2026-13-01",
            "maybe",
            "EUR",
            "hacker",
            "0001-22-3"
        ])
        .prop_map(String::from),
    ];
    let good_rows = 1usize..6;
    let structural = prop_oneof![
        Just(("wrong header".to_string(), b"a,b,c\n1,2,3\n".to_vec())),
        Just(("too few fields".to_string(), {
            let mut b = encode(&[csv_line("FUZZ", 2020, "1")]);
            b.extend_from_slice(b"FUZZ,Fuzz Corp\n");
            b
        })),
        Just(("broken quoting".to_string(), {
            let mut b = encode(&[csv_line("FUZZ", 2020, "1")]);
            b.extend_from_slice(b"\"FUZZ,Fuzz Corp,,12\n");
            b
        })),
        prop::collection::vec(any::<u8>(), 0..600).prop_map(|b| ("random bytes".to_string(), b)),
        Just((
            "a company line that contradicts an earlier one".to_string(),
            {
                let mut other = csv_line("FUZZ", 2021, "2");
                other[3] = "6".into();
                encode(&[csv_line("FUZZ", 2020, "1"), other])
            }
        )),
        Just(("an impossible period".to_string(), {
            let mut bad = csv_line("FUZZ", 2021, "2");
            bad[8] = "2021-06-01".into();
            encode(&[csv_line("FUZZ", 2020, "1"), bad])
        })),
    ];
    let field_case = (good_rows, column, poison).prop_filter_map(
        "the poisoned field must make the line invalid",
        |(good, col, bad)| {
            let mut rows: Vec<Vec<String>> = (0..good)
                .map(|i| csv_line("FUZZ", 2000 + i as u32, &format!("{}", i + 1)))
                .collect();
            let mut line = csv_line("FUZZ", 2010, "5");
            if might_be_valid(col, &bad) {
                return None;
            }
            line[col] = bad.clone();
            rows.push(line);
            Some(BadCsv {
                what: format!("column {} = {bad:?}", server::csv_io::COLUMNS[col]),
                bytes: encode(&rows),
            })
        },
    );
    prop_oneof![
        9 => field_case,
        1 => structural.prop_map(|(what, bytes)| BadCsv { what, bytes }),
    ]
}

async fn store_counts(app: &TestApp) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT count(*) FROM fact_versions), (SELECT count(*) FROM companies)")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_generated_bad_csv_files_import_nothing_and_never_panic() {
    // Arrange
    let app = spawn_app().await;
    let cases = generate(&bad_csv(), 10_000);
    let before = store_counts(&app).await;
    // The generator's good lines do import: a partial import would show.
    let good = encode(&[csv_line("GOOD", 2020, "1")]);
    let pool = app.db.pool.clone();

    // Act + Assert
    for (i, case) in cases.into_iter().enumerate() {
        let pool = pool.clone();
        let bytes = case.bytes.clone();
        let result =
            tokio::spawn(async move { server::csv_io::import_csv(&pool, bytes.as_slice()).await })
                .await;
        let result = result.unwrap_or_else(|e| panic!("case {i} ({}) panicked: {e}", case.what));
        assert!(
            result.is_err(),
            "case {i} ({}) was accepted: {result:?}",
            case.what
        );
        if i % 500 == 0 {
            assert_eq!(
                store_counts(&app).await,
                before,
                "after case {i} ({})",
                case.what
            );
        }
    }
    assert_eq!(store_counts(&app).await, before, "nothing was written");
    let report = server::csv_io::import_csv(&app.db.pool, good.as_slice()).await;
    assert!(report.is_ok(), "the valid control file imports: {report:?}");
}

// ----- concurrent edits ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_edits_of_one_number_are_each_saved_or_reported_as_a_conflict() {
    // Arrange: five analysts, ten edits each, all based on the same version.
    let app = Arc::new(spawn_app().await);
    let StoredNumber {
        fiscal_year: fy,
        quarter: fq,
        period,
        version,
        value,
    } = latest_msft_capex(&app.db.pool).await;
    let mut cookies = Vec::new();
    for n in 0..5 {
        let email = format!("analyst{n}@example.com");
        add_user(&app, &email, Role::Analyst).await;
        cookies.push(Agent::signed_in(&app, &email).await.cookie.unwrap());
    }
    let origin = format!("http://{}", app.addr);
    let before = fact_version_count(&app).await;
    let values: Vec<Decimal> = (1..=50)
        .map(|i| value + Decimal::from(i * 1_000_000))
        .collect();

    // Act: all fifty at once; then every refused edit is retried on the
    // version its conflict reported, until it is saved.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, v) in values.iter().enumerate() {
        let (app, origin, period) = (app.clone(), origin.clone(), period.clone());
        let cookie = cookies[i % cookies.len()].clone();
        let v = v.to_string();
        tasks.spawn(async move {
            let mut base = version.to_string();
            let mut first = None;
            for _attempt in 0..200 {
                let res = app
                    .client
                    .post(app.url("/api/entry/save"))
                    .header("cookie", &cookie)
                    .header("origin", &origin)
                    .header("accept", "application/json")
                    .form(&[
                        ("ticker", "MSFT"),
                        ("metric", "capex"),
                        ("period", period.as_str()),
                        ("value", v.as_str()),
                        ("source_url", "https://www.microsoft.com/investor"),
                        ("base_version", base.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body: serde_json::Value = res.json().await.unwrap_or_default();
                assert_eq!(status, 200, "{body}");
                if let Some(saved) = body.get("Saved") {
                    let first = first.unwrap_or("saved");
                    return (v, first, saved["version"].as_i64().unwrap_or(0));
                }
                let current = &body["Conflict"]["current"];
                assert!(current.is_object(), "neither saved nor a conflict: {body}");
                first.get_or_insert("conflict");
                base = current["version"].to_string();
            }
            panic!("edit {v} was never saved");
        });
    }
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        results.push(done.expect("no task panicked"));
    }

    // Assert: the first round saved some and reported the rest as conflicts;
    // in the end every edit is a version of its own, in the history.
    let first_saved = results.iter().filter(|r| r.1 == "saved").count();
    let first_conflicts = results.iter().filter(|r| r.1 == "conflict").count();
    assert_eq!(first_saved + first_conflicts, 50);
    assert!(
        first_saved >= 1 && first_conflicts >= 1,
        "{first_saved} saved"
    );
    assert_eq!(fact_version_count(&app).await, before + 50);
    let mut versions: Vec<i64> = results.iter().map(|r| r.2).collect();
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(versions.len(), 50, "every edit got a version of its own");
    let stored: Vec<Decimal> = sqlx::query_scalar(
        "SELECT value FROM fact_versions WHERE ticker = 'MSFT' AND metric = 'capex'
         AND fiscal_year = $1 AND fiscal_quarter = $2 AND source_kind = 'analyst'",
    )
    .bind(fy)
    .bind(fq)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for v in &values {
        assert!(stored.contains(v), "{v} was lost");
    }
}

// ----- the CSV bulk entry --------------------------------------------------

/// An upload with good lines and one generated bad line (a poisoned form).
fn bad_upload() -> impl Strategy<Value = (String, String)> {
    (0usize..4, submission()).prop_filter_map("a form", |(good, case)| {
        let Submission::Form { poison, fields } = case else {
            return None;
        };
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(["ticker", "period", "metric", "value", "source_url", "note"])
            .ok()?;
        for i in 0..good {
            let year = 21 + i;
            w.write_record([
                "MSFT",
                &format!("FY{year} Q2"),
                "capex",
                "7.5B",
                "https://www.microsoft.com/investor",
                "",
            ])
            .ok()?;
        }
        let get = |name: &str| {
            fields
                .iter()
                .find(|f| f.0 == name)
                .map(|f| f.1.clone())
                .unwrap_or_default()
        };
        w.write_record([
            get("ticker"),
            get("period"),
            get("metric"),
            get("value"),
            get("source_url"),
            get("note"),
        ])
        .ok()?;
        let bytes = w.into_inner().ok()?;
        Some((poison.to_string(), String::from_utf8(bytes).ok()?))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_generated_bad_uploads_are_refused_at_commit_without_a_write() {
    // Arrange
    let app = Arc::new(spawn_app().await);
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let cookie = Agent::signed_in(&app, "ann@example.com")
        .await
        .cookie
        .unwrap();
    let origin = format!("http://{}", app.addr);
    let cases = generate(&bad_upload(), 2_000);
    let before = fact_version_count(&app).await;

    // Act: the dry run, then a commit with the dry run's digest.
    let semaphore = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (poison, csv)) in cases.into_iter().enumerate() {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let (app, cookie, origin) = (app.clone(), cookie.clone(), origin.clone());
        tasks.spawn(async move {
            let post = |path: &'static str, form: Vec<(&'static str, String)>| {
                app.client
                    .post(app.url(path))
                    .header("cookie", &cookie)
                    .header("origin", &origin)
                    .header("accept", "application/json")
                    .form(&form)
                    .send()
            };
            let res = post("/api/entry/bulk/preview", vec![("csv", csv.clone())])
                .await
                .unwrap();
            let status = res.status().as_u16();
            let diff: serde_json::Value = res.json().await.unwrap_or_default();
            let commit = if status == 200 {
                let digest = diff["digest"].as_str().unwrap_or("").to_string();
                let res = post(
                    "/api/entry/bulk/commit",
                    vec![("csv", csv.clone()), ("digest", digest)],
                )
                .await
                .unwrap();
                let s = res.status().as_u16();
                Some((s, res.text().await.unwrap_or_default()))
            } else {
                None
            };
            drop(permit);
            (i, poison, csv, status, diff, commit)
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (i, poison, csv, status, diff, commit) = done.expect("no task panicked");
        // Assert: the file is refused as a whole (400), or the bad line is
        // rejected in the dry run and the commit writes nothing.
        assert!(
            status == 200 || status == 400,
            "case {i} ({poison}) {csv:?}: {status} {diff}"
        );
        if let Some((s, body)) = commit {
            assert!(
                diff["rejected"].as_i64().unwrap_or(0) >= 1,
                "case {i} ({poison}) {csv:?}: {diff}"
            );
            assert_eq!(s, 200, "case {i}: {body}");
            assert!(
                body.contains("Refused"),
                "case {i} ({poison}) {csv:?}: {body}"
            );
        }
    }
    assert_eq!(
        fact_version_count(&app).await,
        before,
        "nothing was written"
    );
}

/// Issue 14: anonymous work is bounded. Two hundred distinct chart images
/// requested at once (none cached) are drawn a few at a time; the rest are
/// refused at once with 503 and `Retry-After`, and the server keeps
/// answering `/healthz` quickly throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_distinct_chart_renders_at_once_leave_the_server_answering_healthz() {
    // Arrange: 200 distinct, valid chart addresses.
    let app = Arc::new(spawn_app().await);
    let mut paths = Vec::new();
    'outer: for metric in ["capex", "fcf", "revenue"] {
        for year in 2015..2025 {
            for quarter in 1..=4 {
                for to in ["2025Q4", "2026Q1"] {
                    paths.push(format!(
                        "/chart.png?tickers=MSFT,GOOGL&metrics={metric}&from={year}Q{quarter}&to={to}"
                    ));
                    if paths.len() == 200 {
                        break 'outer;
                    }
                }
            }
        }
    }

    // Act: all at once, and /healthz probed while they are in flight.
    let mut renders = tokio::task::JoinSet::new();
    for path in paths {
        let app = app.clone();
        renders.spawn(async move {
            let res = app.get(&path).await;
            let retry = res.headers().get("retry-after").cloned();
            (res.status().as_u16(), retry)
        });
    }
    let mut probes = Vec::new();
    for _ in 0..9 {
        let started = std::time::Instant::now();
        let res = app.get("/healthz").await;
        probes.push((res.status().as_u16(), started.elapsed()));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut outcomes = Vec::new();
    while let Some(r) = renders.join_next().await {
        outcomes.push(r.unwrap());
    }

    // Assert
    assert!(probes.iter().all(|(s, _)| *s == 200), "{probes:?}");
    let mut times: Vec<_> = probes.iter().map(|(_, t)| *t).collect();
    times.sort();
    assert!(
        times[times.len() / 2] < std::time::Duration::from_millis(100),
        "/healthz took {times:?} during the burst"
    );
    let drawn = outcomes.iter().filter(|(s, _)| *s == 200).count();
    let refused: Vec<_> = outcomes.iter().filter(|(s, _)| *s == 503).collect();
    assert_eq!(
        drawn + refused.len(),
        200,
        "only drawn or refused: {outcomes:?}"
    );
    assert!(drawn >= 1, "some are drawn");
    assert!(
        !refused.is_empty(),
        "a burst beyond the render slots is refused"
    );
    assert!(
        refused
            .iter()
            .all(|(_, retry)| retry.as_ref().is_some_and(|v| v == "1")),
        "each refusal says when to retry"
    );
}
