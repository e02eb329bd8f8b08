//! Real pages in headless Chromium: server-rendered, then hydrated.

use capex_lens_tests::browser::Browser;
use capex_lens_tests::spawn_app;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sorting_the_overview_by_free_cash_flow_reorders_rows_without_a_reload() {
    // Arrange: the largest latest-quarter FCF, computed from the store (not
    // AMZN, which is first alphabetically, so the test can fail).
    let app = spawn_app().await;
    let rows = app::api::overview::ssr::overview(&app.db.pool)
        .await
        .unwrap();
    let largest = rows
        .iter()
        .filter_map(|r| match &r.free_cash_flow {
            app::api::Computed::Value { value, .. } => Some((*value, r.ticker.clone())),
            app::api::Computed::Missing { .. } => None,
        })
        .max()
        .map(|(_, t)| t)
        .unwrap();
    assert_ne!(largest, "AMZN");
    let browser = Browser::start().await;
    browser.open_hydrated(&app.url("/")).await;
    let c = &browser.client;
    // A marker that a full page reload would wipe out.
    c.execute("window.__noReload = 42; return null;", vec![])
        .await
        .unwrap();
    let first_before = first_ticker(c).await;

    // Act
    c.find(Locator::Css("button[data-sort='Free cash flow']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Assert
    let first_after = first_ticker(c).await;
    assert_eq!(first_after, largest);
    assert_eq!(first_before, "AMZN", "server order is alphabetical");
    let marker = c
        .execute("return window.__noReload;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!(42), "the page was not reloaded");
    let panic = c
        .execute("return document.body.getAttribute('data-panic');", vec![])
        .await
        .unwrap();
    assert_eq!(
        panic,
        serde_json::Value::Null,
        "hydration ran without a panic"
    );
}

async fn first_ticker(c: &fantoccini::Client) -> String {
    c.find(Locator::Css("table.overview tbody tr"))
        .await
        .unwrap()
        .attr("data-ticker")
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_controls_give_a_new_link_and_back_restores_the_previous_chart() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&app.url("/compare?tickers=GOOGL,MSFT&metrics=capex"))
        .await
        .unwrap();
    let c = &browser.client;

    // Act: switch to quarterly figures and apply.
    c.execute(
        "document.querySelector(\"select[name='basis']\").value = 'quarterly'; return null;",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css(".chart-controls button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let changed = wait_for_url(c, |u| u.contains("basis=quarterly")).await;
    let svg_after = c.find(Locator::Css(".chart-canvas svg")).await.is_ok();
    c.back().await.unwrap();
    let restored = wait_for_url(c, |u| !u.contains("basis=")).await;

    // Assert
    assert!(
        changed.contains("basis=quarterly") && changed.contains("tickers=GOOGL%2CMSFT")
            || changed.contains("tickers=GOOGL,MSFT"),
        "{changed}"
    );
    assert!(svg_after, "the new chart is drawn");
    assert!(
        restored.ends_with("/compare?tickers=GOOGL,MSFT&metrics=capex"),
        "{restored}"
    );
}

async fn wait_for_url(c: &fantoccini::Client, ok: impl Fn(&str) -> bool) -> String {
    for _ in 0..50 {
        let url = c.current_url().await.unwrap().to_string();
        if ok(&url) {
            return url;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    c.current_url().await.unwrap().to_string()
}
