//! CSV bulk entry over HTTP: the dry run's diff, and the all-or-nothing commit.

use capex_lens_tests::accounts::{add_user, fact_version_count, Agent};
use capex_lens_tests::{spawn_app, TestApp};
use domain::account::Role;
use rust_decimal::Decimal;
use serde_json::Value;

/// Microsoft's two latest quarters of capex: (label, value) each, newest first.
async fn msft_capex(app: &TestApp) -> Vec<(String, Decimal)> {
    let rows: Vec<(i16, i16, Decimal)> = sqlx::query_as(
        "SELECT fiscal_year, fiscal_quarter, value FROM current_facts
         WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_quarter > 0
         ORDER BY fiscal_year DESC, fiscal_quarter DESC LIMIT 2",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(fy, fq, v)| (format!("FY{} Q{fq}", fy % 100), v))
        .collect()
}

async fn call(agent: &mut Agent<'_>, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = agent.post(path, form).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

const URL: &str = "https://www.microsoft.com/en-us/investor";

/// Changed, unchanged, new (a disclosure without a value yet), rejected.
fn upload(latest: &(String, Decimal), earlier: &(String, Decimal), bad_value: &str) -> String {
    format!(
        "ticker,period,metric,value,source_url,note\n\
         MSFT,{},capex,\"{}\",{URL},restated\n\
         MSFT,{},capex,{},{URL},\n\
         MSFT,FY27,capex_guidance_high,120B,{URL},guidance\n\
         MSFT,{},revenue,{bad_value},{URL},\n",
        latest.0,
        latest.1 + Decimal::from(1_000_000_000),
        earlier.0,
        earlier.1,
        latest.0,
    )
}

#[tokio::test]
async fn the_dry_run_shows_new_changed_unchanged_and_rejected_lines_and_writes_nothing() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let capex = msft_capex(&app).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let before = fact_version_count(&app).await;
    let csv = upload(&capex[0], &capex[1], "lots");

    // Act
    let (status, diff) = call(&mut ann, "/api/entry/bulk/preview", &[("csv", &csv)]).await;

    // Assert
    assert_eq!(status, 200, "{diff}");
    let statuses: Vec<&str> = diff["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["Changed", "Unchanged", "New", "Rejected"],
        "{diff}"
    );
    assert_eq!(diff["lines"][0]["line"], 2);
    assert!(diff["lines"][0]["previous"]
        .as_str()
        .unwrap()
        .contains("USD"));
    let reasons = diff["lines"][3]["reasons"].to_string();
    assert!(
        reasons.contains("value:") && reasons.contains("not a number"),
        "{reasons}"
    );
    assert_eq!(
        (
            diff["new"].as_i64(),
            diff["changed"].as_i64(),
            diff["unchanged"].as_i64(),
            diff["rejected"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1))
    );
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn a_commit_saves_every_new_and_changed_line_in_one_go() {
    // Arrange: a clean upload, checked first.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let capex = msft_capex(&app).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let csv = upload(&capex[0], &capex[1], "1B");
    let (_, diff) = call(&mut ann, "/api/entry/bulk/preview", &[("csv", &csv)]).await;
    assert_eq!(diff["rejected"], 0, "{diff}");
    let digest = diff["digest"].as_str().unwrap().to_string();
    let before = fact_version_count(&app).await;

    // Act
    let (status, outcome) = call(
        &mut ann,
        "/api/entry/bulk/commit",
        &[("csv", &csv), ("digest", &digest)],
    )
    .await;

    // Assert: changed + new + the revenue line (a change too) = 3 versions.
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["Saved"]["saved"], 3, "{outcome}");
    assert_eq!(fact_version_count(&app).await, before + 3);
    let authors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT entered_by FROM fact_versions ORDER BY id DESC LIMIT 3")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert!(authors
        .iter()
        .all(|a| a.as_deref() == Some("ann@example.com")));
}

#[tokio::test]
async fn a_commit_with_a_rejected_line_writes_nothing() {
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let capex = msft_capex(&app).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let csv = upload(&capex[0], &capex[1], "NaN");
    let (_, diff) = call(&mut ann, "/api/entry/bulk/preview", &[("csv", &csv)]).await;
    let digest = diff["digest"].as_str().unwrap().to_string();
    let before = fact_version_count(&app).await;

    let (status, outcome) = call(
        &mut ann,
        "/api/entry/bulk/commit",
        &[("csv", &csv), ("digest", &digest)],
    )
    .await;

    assert_eq!(status, 200, "{outcome}");
    assert!(outcome["Refused"]["message"]
        .as_str()
        .unwrap()
        .contains("1 line(s) are rejected"));
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn a_commit_after_the_store_changed_writes_nothing_and_shows_the_new_diff() {
    // Arrange: Bob saves one of the numbers between Ann's check and commit.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    add_user(&app, "bob@example.com", Role::Analyst).await;
    let capex = msft_capex(&app).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let mut bob = Agent::signed_in(&app, "bob@example.com").await;
    let csv = upload(&capex[0], &capex[1], "1B");
    let (_, diff) = call(&mut ann, "/api/entry/bulk/preview", &[("csv", &csv)]).await;
    let digest = diff["digest"].as_str().unwrap().to_string();
    let bobs = format!(
        "ticker,period,metric,value,source_url\nMSFT,FY27,capex_guidance_high,130B,{URL}\n"
    );
    let (_, bob_diff) = call(&mut bob, "/api/entry/bulk/preview", &[("csv", &bobs)]).await;
    let bob_digest = bob_diff["digest"].as_str().unwrap().to_string();
    let (_, saved) = call(
        &mut bob,
        "/api/entry/bulk/commit",
        &[("csv", &bobs), ("digest", &bob_digest)],
    )
    .await;
    assert_eq!(saved["Saved"]["saved"], 1, "{saved}");
    let before = fact_version_count(&app).await;

    // Act
    let (status, outcome) = call(
        &mut ann,
        "/api/entry/bulk/commit",
        &[("csv", &csv), ("digest", &digest)],
    )
    .await;

    // Assert
    assert_eq!(status, 200, "{outcome}");
    let refused = &outcome["Refused"];
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .contains("changed since the check"));
    assert_eq!(
        refused["diff"]["lines"][2]["status"], "Changed",
        "{outcome}"
    );
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn a_file_without_the_header_is_refused_as_a_whole() {
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;

    let (status, body) = call(
        &mut ann,
        "/api/entry/bulk/preview",
        &[("csv", "MSFT,FY26 Q1,capex,1B,https://x.com\n")],
    )
    .await;

    assert_eq!(status, 400);
    assert!(body.to_string().contains("header"), "{body}");
}
