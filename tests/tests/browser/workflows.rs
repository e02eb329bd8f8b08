//! Analysts' other workflows through the real UI in headless Chromium: the
//! CSV bulk entry (dry run, then commit), reverting on the history page, and
//! the audit page with its filters.

use capex_lens_tests::accounts::{add_user, Agent, PASSWORD};
use capex_lens_tests::browser::Browser;
use capex_lens_tests::spawn_app;
use domain::account::Role;
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_checks_a_csv_upload_then_commits_it() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let before = capex_lens_tests::accounts::fact_version_count(&app).await;
    let csv = "ticker,period,metric,value,source_url,note\n\
               MSFT,FY28,capex_guidance_low,150B,https://www.microsoft.com/en-us/investor,call\n\
               MSFT,FY28,capex_guidance_high,170B,https://www.microsoft.com/en-us/investor,call\n";
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .sign_in(&app.url("/login"), "ann@example.com", PASSWORD)
        .await;

    // Act: paste, check, commit.
    browser.open_hydrated(&app.url("/enter/bulk")).await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#bulk-form[data-ready='true']"))
        .await
        .unwrap();
    browser
        .type_into("#bulk-form textarea[name='csv']", csv)
        .await;
    browser
        .element("#bulk-form button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
    let summary = browser.wait_for_text("#bulk-summary", "new").await;
    browser.click("#bulk-commit button[type='submit']").await;
    let saved = browser.wait_for_text("#bulk-saved", "Saved").await;

    // Assert
    browser.assert_no_panic().await;
    assert_eq!(summary, "2 new, 0 changed, 0 unchanged, 0 rejected.");
    assert!(saved.contains("Saved 2 figure(s)"), "{saved}");
    assert_eq!(
        capex_lens_tests::accounts::fact_version_count(&app).await,
        before + 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_reverts_a_number_on_its_history_page_and_finds_it_in_the_audit_trail() {
    // Arrange: Ann replaced Microsoft's latest capex with 99B.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let (fy, fq, version): (i16, i16, i32) = sqlx::query_as(
        "SELECT fiscal_year, fiscal_quarter, version FROM current_facts
         WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_quarter > 0
         ORDER BY fiscal_year DESC, fiscal_quarter DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let period = format!("FY{} Q{fq}", fy % 100);
    let mut agent = Agent::signed_in(&app, "ann@example.com").await;
    let v = version.to_string();
    let res = agent
        .post(
            "/api/entry/save",
            &[
                ("ticker", "MSFT"),
                ("period", &period),
                ("metric", "capex"),
                ("value", "99B"),
                ("source_url", "https://www.microsoft.com/en-us/investor"),
                ("base_version", &v),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let browser = Browser::start().await;
    browser
        .sign_in(&app.url("/login"), "ann@example.com", PASSWORD)
        .await;

    // Act: revert to the filed version, then look at the audit trail.
    let history = format!("/company/MSFT/history/capex/{}", period.replace(' ', ""));
    browser.open_hydrated(&app.url(&history)).await;
    browser
        .click(&format!("tr[data-version='{version}'] .revert-form button"))
        .await;
    let outcome = browser.wait_for_text("#revert-outcome", "Reverted").await;
    let current_row = browser
        .wait_for_text("tr.current", "Reverted to version")
        .await;
    browser
        .open_hydrated(&app.url("/audit?company=MSFT&metric=capex&user=ann"))
        .await;
    let count = browser.wait_for_text("#audit-count", "changes match").await;
    let table = browser.element("#audit-table").await.text().await.unwrap();
    let csv_href = browser
        .element("#audit-csv")
        .await
        .attr("href")
        .await
        .unwrap();

    // Assert
    browser.assert_no_panic().await;
    assert!(outcome.contains("is now version"), "{outcome}");
    assert!(current_row.contains("(current)"), "{current_row}");
    assert_eq!(count, "2 changes match.");
    assert!(table.contains("$99B"), "{table}");
    assert_eq!(
        csv_href.as_deref(),
        Some("/audit.csv?company=MSFT&metric=capex&user=ann")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_ends_the_session_left_on_another_computer_from_the_account_page() {
    // Arrange: ann signed in elsewhere (over HTTP) and here (in Chromium).
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut elsewhere = Agent::signed_in(&app, "ann@example.com").await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .sign_in(&app.url("/login"), "ann@example.com", PASSWORD)
        .await;

    // Act: open the account page, end the session that is not this browser's.
    browser.open_hydrated(&app.url("/login")).await;
    let rows = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(
            "#sessions-table tbody tr[data-current='false'] form button",
        ))
        .await
        .unwrap();
    let listed = browser.count("#sessions-table tbody tr").await;
    let this_one = browser
        .wait_for_text("#sessions-table tr[data-current='true']", "this browser")
        .await;
    rows.click().await.unwrap();
    let outcome = browser.wait_for_text("#session-outcome", "ended").await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//table[@id='sessions-table' and count(tbody/tr)=1]",
        ))
        .await
        .unwrap();

    // Assert: two listed, this browser marked and kept; the other is signed out.
    browser.assert_no_panic().await;
    assert_eq!(listed, 2);
    assert!(this_one.contains("UTC"), "{this_one}");
    assert_eq!(outcome, "Session ended.");
    let me: serde_json::Value = elsewhere
        .post("/api/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(me.is_null(), "the other computer is signed out: {me}");
    assert!(c
        .find(Locator::Css("#sessions-table tr[data-current='true']"))
        .await
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_tracks_a_company_on_the_sync_page_and_sees_it_listed_as_never_checked() {
    // Arrange: the bundled companies are tracked; the sync itself is off
    // (no User-Agent in tests), so a new ticker waits for its first check.
    let app = spawn_app().await;
    add_user(&app, "root@example.com", Role::Admin).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .sign_in(&app.url("/login"), "root@example.com", PASSWORD)
        .await;

    // Act
    browser.open_hydrated(&app.url("/admin/sync")).await;
    browser.wait_ready("#track-form").await;
    c.find(Locator::Css("#track-form input[name='ticker']"))
        .await
        .unwrap()
        .send_keys("avgo")
        .await
        .unwrap();
    browser
        .element("#track-form button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
    let outcome = browser.wait_for_text("#sync-outcome", "tracked").await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("tr[data-ticker='AVGO']"))
        .await
        .unwrap();
    let row = browser
        .element("tr[data-ticker='AVGO']")
        .await
        .text()
        .await
        .unwrap();
    let msft = browser.text_of("tr[data-ticker='MSFT']").await;
    let field_after = browser
        .element("#track-form input[name='ticker']")
        .await
        .prop("value")
        .await
        .unwrap();

    // Assert
    browser.assert_no_panic().await;
    assert_eq!(
        outcome,
        "AVGO is tracked: the sync checks it within a minute."
    );
    assert_eq!(
        field_after.as_deref(),
        Some(""),
        "the field is cleared for the next ticker"
    );
    assert!(
        row.contains("never checked") && row.contains("none yet"),
        "{row}"
    );
    assert!(
        msft.contains("Microsoft Corporation") && msft.contains("never"),
        "{msft}"
    );
    let tracked: bool =
        sqlx::query_scalar("SELECT tracked FROM edgar_tracking WHERE ticker = 'AVGO'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(tracked);
}
