//! The database turned read-only (`ALTER DATABASE … SET
//! default_transaction_read_only = on`, then new connections), as during
//! maintenance or after a failover to a replica: an analyst's entry gets a
//! clear error and writes nothing, reading goes on, and saving works again
//! once the database is writable.

use app::error::AppError;
use capex_lens_tests::accounts::{add_user, fact_version_count, Agent};
use capex_lens_tests::fixtures::{latest_msft_capex, StoredNumber};
use capex_lens_tests::{spawn_app, TestApp};
use domain::account::Role;
use rust_decimal::Decimal;
use sqlx::{ConnectOptions, Connection};

/// Turns the app's database read-only (or back), then ends its open
/// connections so that the pool's new ones get the setting.
async fn set_read_only(app: &TestApp, read_only: bool) {
    let mut admin = app
        .db
        .options
        .clone()
        .database("postgres")
        .connect()
        .await
        .unwrap();
    let change = if read_only {
        "SET default_transaction_read_only = on"
    } else {
        "RESET default_transaction_read_only"
    };
    sqlx::query(&format!("ALTER DATABASE {} {change}", app.db.name))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&app.db.name)
    .execute(&mut admin)
    .await
    .unwrap();
    admin.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_on_a_read_only_database_gets_a_clear_503_writes_nothing_and_saves_once_writable()
{
    // Arrange: a signed-in analyst with a valid entry for Microsoft's latest capex.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let StoredNumber {
        period,
        version,
        value,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let typed = format!(
        "{}M",
        (value + Decimal::from(1_000_000_000)) / Decimal::from(1_000_000)
    );
    let base = version.to_string();
    let form = [
        ("ticker", "MSFT"),
        ("period", period.as_str()),
        ("metric", "capex"),
        ("value", typed.as_str()),
        (
            "source_url",
            "https://www.microsoft.com/en-us/investor/earnings",
        ),
        ("note", "Restated in the earnings call"),
        ("base_version", base.as_str()),
    ];
    let before = fact_version_count(&app).await;

    // Act: save while the database is read-only, then again once it is writable.
    set_read_only(&app, true).await;
    let refused = ann.post("/api/entry/save", &form).await;
    let refused_status = refused.status().as_u16();
    let refused_body = refused.text().await.unwrap();
    let count_while_read_only = fact_version_count(&app).await;
    set_read_only(&app, false).await;
    let saved = ann.post("/api/entry/save", &form).await;
    let saved_status = saved.status().as_u16();
    let saved_body = saved.text().await.unwrap();

    // Assert: a 503 whose message says what happened, not a 500 with a reference.
    assert_eq!(refused_status, 503, "{refused_body}");
    let error: AppError = serde_json::from_str(&refused_body)
        .unwrap_or_else(|e| panic!("not an AppError ({e}): {refused_body}"));
    assert_eq!(error, AppError::ReadOnly);
    let message = error.to_string();
    assert!(
        message.contains("read-only") && message.contains("nothing was saved"),
        "{message}"
    );
    assert_eq!(count_while_read_only, before, "nothing written");
    assert_eq!(saved_status, 200, "{saved_body}");
    assert!(saved_body.contains("Saved"), "{saved_body}");
    assert_eq!(fact_version_count(&app).await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_upload_committed_on_a_read_only_database_gets_the_same_clear_503_and_writes_nothing(
) {
    // Arrange: an upload checked while the database is writable.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let StoredNumber { period, value, .. } = latest_msft_capex(&app.db.pool).await;
    let typed = format!(
        "{}M",
        (value + Decimal::from(1_000_000_000)) / Decimal::from(1_000_000)
    );
    let csv = format!(
        "ticker,period,metric,value,source_url\nMSFT,{period},capex,{typed},https://www.microsoft.com/en-us/investor/earnings\n"
    );
    let checked = ann
        .post("/api/entry/bulk/preview", &[("csv", csv.as_str())])
        .await;
    assert_eq!(checked.status(), 200);
    let diff: serde_json::Value = checked.json().await.unwrap();
    let digest = diff["digest"].as_str().unwrap().to_string();
    let before = fact_version_count(&app).await;

    // Act
    set_read_only(&app, true).await;
    let refused = ann
        .post(
            "/api/entry/bulk/commit",
            &[("csv", csv.as_str()), ("digest", digest.as_str())],
        )
        .await;
    let status = refused.status().as_u16();
    let body = refused.text().await.unwrap();
    let count_while_read_only = fact_version_count(&app).await;
    set_read_only(&app, false).await;

    // Assert: the one classification of database errors, as for a single entry.
    assert_eq!(status, 503, "{body}");
    let error: AppError =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not an AppError ({e}): {body}"));
    assert_eq!(error, AppError::ReadOnly);
    assert_eq!(count_while_read_only, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_analyst_still_reads_pages_while_the_database_is_read_only() {
    // Arrange: a signed-in analyst (every request of theirs moves the session's expiry on).
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;

    // Act
    set_read_only(&app, true).await;
    let overview = ann.get("/").await;
    let overview_status = overview.status().as_u16();
    let overview_html = overview.text().await.unwrap();
    let company = ann.get("/company/MSFT").await.status().as_u16();
    let me = ann.post("/api/auth/me", &[]).await.text().await.unwrap();

    // Assert: pages render (the session's expiry simply is not extended), and
    // the analyst is still signed in.
    assert_eq!(overview_status, 200, "{overview_html}");
    assert!(overview_html.contains("$54.2B"), "real numbers on the page");
    assert_eq!(company, 200);
    assert!(me.contains("ann@example.com"), "{me}");
}

/// Needs the built site (`cargo leptos build --split`) and Chromium, like the other browser tests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_entry_form_keeps_its_content_when_saving_on_a_read_only_database_fails() {
    use capex_lens_tests::accounts::PASSWORD;
    use capex_lens_tests::browser::Browser;
    use fantoccini::Locator;

    // Arrange: an analyst signed in through the sign-in form, with the entry
    // form filled in for Microsoft's latest quarter.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber { period, .. } = latest_msft_capex(&app.db.pool).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .sign_in(&app.url("/login"), "ann@example.com", PASSWORD)
        .await;
    browser.open_hydrated(&app.url("/enter")).await;
    browser.wait_ready("#entry-form").await;
    let form = c.find(Locator::Css("#entry-form")).await.unwrap();
    form.find(Locator::Css("select[name='ticker']"))
        .await
        .unwrap()
        .select_by_value("MSFT")
        .await
        .unwrap();
    let typed = [
        ("input[name='period']", period.as_str()),
        ("input[name='value']", "40,000M"),
        (
            "input[name='source_url']",
            "https://www.microsoft.com/en-us/investor/earnings",
        ),
        ("textarea[name='note']", "Checked against the 10-Q"),
    ];
    for (css, text) in typed {
        form.find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    browser
        .wait_for_text("#entry-current", "Current value:")
        .await;
    for (css, text) in typed {
        let value = form
            .find(Locator::Css(css))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(value.as_deref(), Some(text), "{css} holds what was typed");
    }
    let before = fact_version_count(&app).await;

    // Act: the database turns read-only, then the analyst saves.
    set_read_only(&app, true).await;
    form.find(Locator::Css("button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let alert = browser
        .wait_for_text("p.error[role='alert']", "read-only")
        .await;

    // Assert: the message says what happened, and every field keeps what was typed.
    assert!(alert.contains("nothing was saved"), "{alert}");
    for (css, text) in typed {
        let value = form
            .find(Locator::Css(css))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(value.as_deref(), Some(text), "{css} kept its content");
    }
    let ticker = form
        .find(Locator::Css("select[name='ticker']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(ticker.as_deref(), Some("MSFT"));
    assert_eq!(fact_version_count(&app).await, before, "nothing written");
}
