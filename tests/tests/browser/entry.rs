//! An analyst signs in and saves an entry through the real UI, in headless Chromium.

use capex_lens_tests::accounts::{add_user, PASSWORD};
use capex_lens_tests::browser::Browser;
use capex_lens_tests::{spawn_app, TestApp};
use domain::account::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_signs_in_and_saves_a_figure_through_the_entry_form() {
    // Arrange: an analyst, and the latest quarter of Microsoft's capex.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let (fy, fq): (i16, i16) = sqlx::query_as(
        "SELECT fiscal_year, fiscal_quarter FROM current_facts
         WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_quarter > 0
         ORDER BY fiscal_year DESC, fiscal_quarter DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let period = format!("FY{} Q{fq}", fy % 100);
    let browser = Browser::start().await;

    // Act: sign in (the page reloads at /enter), then fill in and save the form.
    browser
        .sign_in(&app.url("/login"), "ann@example.com", PASSWORD)
        .await;
    browser.open_hydrated(&app.url("/enter")).await;
    browser.wait_ready("#entry-form").await;
    browser
        .choose("#entry-form select[name='ticker']", "MSFT")
        .await;
    browser
        .type_into("#entry-form input[name='period']", &period)
        .await;
    browser
        .wait_for_text("#entry-current", "Current value:")
        .await;
    browser
        .type_into("#entry-form input[name='value']", "40,000M")
        .await;
    // The hint follows every keystroke: wait for the whole value.
    let understood = browser
        .wait_for_text("#entry-understood", "Understood as $40B")
        .await;
    // Every keystroke reached its field while the form refetched the current
    // value and the preview (a refetch once took the focus away).
    for (name, typed) in [("period", period.as_str()), ("value", "40,000M")] {
        let field = format!("#entry-form input[name='{name}']");
        assert_eq!(browser.value_of(&field).await.as_deref(), Some(typed));
    }
    browser
        .type_into(
            "#entry-form input[name='source_url']",
            "https://www.microsoft.com/en-us/investor/earnings",
        )
        .await;
    browser.click("#entry-form button[type='submit']").await;
    let saved = browser
        .wait_for_text("#entry-saved", "Saved as version")
        .await;

    // Assert
    assert!(
        understood.contains("$40B (40,000,000,000 USD)"),
        "{understood}"
    );
    assert!(saved.contains("40,000,000,000"), "{saved}");
    let (value, by): (rust_decimal::Decimal, Option<String>) = sqlx::query_as(
        "SELECT value, entered_by FROM current_facts
         WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_year = $1 AND fiscal_quarter = $2",
    )
    .bind(fy)
    .bind(fq)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(value, rust_decimal::Decimal::from(40_000_000_000_i64));
    assert_eq!(by.as_deref(), Some("ann@example.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_typing_a_new_guidance_range_sees_it_against_the_years_capex_before_saving() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let versions_before = guidance_versions(&app).await;
    let browser = Browser::start().await;
    browser
        .sign_in(&app.url("/login"), "ann@example.com", PASSWORD)
        .await;

    // Act: Meta, FY26, the top of the capex range, $150B.
    browser.open_hydrated(&app.url("/enter")).await;
    browser.wait_ready("#entry-form").await;
    browser
        .choose("#entry-form select[name='ticker']", "META")
        .await;
    browser
        .choose("#entry-form select[name='metric']", "capex_guidance_high")
        .await;
    browser
        .type_into("#entry-form input[name='period']", "FY26")
        .await;
    browser
        .wait_for_text("#entry-current", "Current value:")
        .await;
    browser
        .type_into("#entry-form input[name='value']", "150B")
        .await;
    let preview = browser.wait_for_text(".guidance-preview", "$150B").await;

    // Assert: the range now and with the value, the year's capex so far
    // (18,997 + 30,116 = $49.1B) and the top end's new need,
    // (150 − 49.113) / 2 = $50.4B a quarter; nothing saved.
    assert!(
        preview.contains("FY26 capex guidance against actuals"),
        "{preview}"
    );
    assert!(preview.contains("$125B – $145B"), "{preview}");
    assert!(preview.contains("$125B – $150B"), "{preview}");
    assert!(preview.contains("$49.1B reported to date"), "{preview}");
    assert!(preview.contains("$50.4B"), "{preview}");
    assert!(preview.contains("2 quarters remain"), "{preview}");
    assert_eq!(
        guidance_versions(&app).await,
        versions_before,
        "the preview saved nothing"
    );
}

/// How many versions of Meta's top-of-range capex guidance the store holds.
async fn guidance_versions(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM fact_versions WHERE ticker = 'META' AND metric = 'capex_guidance_high'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}
