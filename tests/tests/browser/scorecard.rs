//! The scorecard's history strip and the coverage map through the real UI in
//! headless Chromium: an investor opens a history cell and reads its numbers;
//! an analyst follows a missing cell of the coverage map to the entry form,
//! filled in (the link exists only for a signed-in analyst).

use capex_lens_tests::accounts::{add_user, PASSWORD};
use capex_lens_tests::browser::Browser;
use capex_lens_tests::spawn_app;
use domain::account::Role;
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_investor_opens_a_history_cell_and_reads_microsofts_run_rate_comparison() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;

    // Act: Microsoft's page; question 1 at FY26 Q3, the quarter of the $37B run-rate.
    browser.open_hydrated(&app.url("/company/MSFT")).await;
    let cells = c
        .find_all(Locator::Css("table.history-strip tbody td[data-quarter]"))
        .await
        .unwrap();
    let cell =
        "table.history-strip tr[data-question='ai_revenue_vs_capex'] td[data-quarter='FY26 Q3']";
    browser.click(&format!("{cell} summary")).await;
    let body = browser
        .wait_for_text(&format!("{cell} .history-cell-body"), "Step 1 of 3")
        .await;

    // Assert: four questions × eight quarters; the cell opens its numbers.
    assert_eq!(cells.len(), 32);
    assert!(body.contains("disclosed AI revenue run-rate"), "{body}");
    assert!(body.contains("5 quarters"), "{body}");
    assert!(
        c.find(Locator::Css(&format!("{cell} details[open]")))
            .await
            .is_ok(),
        "the cell is open"
    );
    // The headline answer (FY26 Q4, cloud revenue) keeps the $37B in view.
    let headline = browser
        .wait_for_text("article.answer[data-question='ai_revenue_vs_capex']", "37")
        .await;
    assert!(headline.contains("FY26 Q3"), "{headline}");
    browser.assert_no_panic().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_investor_follows_an_answers_inputs_to_their_filings_in_the_table_or_the_sources_list() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    browser.open_hydrated(&app.url("/company/GOOGL")).await;
    let sources_open_at_first = browser.count("details#scorecard-sources[open]").await;
    browser.mark_page().await;

    // Act 1: the current answer's first input run (capex, the last eight
    // quarters, all in the quarterly facts table).
    let run = "article.answer[data-question='ai_revenue_vs_capex'] p.inputs a";
    let recent = browser.text_of(run).await;
    browser.click(run).await;
    let cell = browser
        .wait_for_text("table.facts tr[data-metric='capex'] td:target", "$")
        .await;
    let cell_quarter = browser
        .attr_of("table.facts td:target", "data-quarter")
        .await;
    let cell_link = browser.attr_of("table.facts td:target a", "href").await;

    // Act 2: the same question at FY24 Q2, whose inputs reach back to FY22.
    let history =
        "table.history-strip tr[data-question='ai_revenue_vs_capex'] td[data-quarter='FY24 Q2']";
    browser.click(&format!("{history} summary")).await;
    let early = browser.text_of(&format!("{history} p.inputs a")).await;
    browser.click(&format!("{history} p.inputs a")).await;
    let line = browser
        .wait_for_text("details#scorecard-sources[open] li:target", "filed")
        .await;

    // Assert: a recent run lands on its first quarter's cell, linked to its
    // 10-Q; an early one opens the closed sources list at its first quarter,
    // with value and filing; the page never reloaded.
    assert!(recent.starts_with("capex FY24 Q2 – FY26 Q1"), "{recent}");
    assert_eq!(cell_quarter.as_deref(), Some("FY24 Q2"));
    assert_eq!(cell, "$13.2B");
    assert_eq!(
        cell_link.as_deref(),
        Some("https://www.sec.gov/Archives/edgar/data/1652044/000165204424000079/")
    );
    assert_eq!(sources_open_at_first, 0, "the sources list starts closed");
    assert!(early.starts_with("capex FY22 Q3 – FY24 Q2"), "{early}");
    assert!(line.starts_with("capex FY22 Q3: $7.28B"), "{line}");
    assert!(line.contains("0001652044-22-000090"), "{line}");
    assert!(browser.page_was_kept().await, "no reload");
    browser.assert_no_panic().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analyst_follows_a_missing_cell_of_the_coverage_map_to_the_entry_form_filled_in() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let browser = Browser::start().await;
    let c = &browser.client;
    let cell = "tr#cov-META-ppe_net td[data-quarter='FY26 Q2']";

    // Act 1: anonymous, the missing cell is a plain label.
    browser
        .open_hydrated(&app.url("/coverage?tickers=META"))
        .await;
    let anonymous_links = c
        .find_all(Locator::Css(&format!("{cell} a")))
        .await
        .unwrap()
        .len();

    // Meta's RPO row is not applicable, never "missing".
    let rpo_missing = browser
        .count("tr#cov-META-rpo td[data-state='missing']")
        .await;
    let rpo_na = browser
        .count("tr#cov-META-rpo td[data-state='not_applicable']")
        .await;

    // Act 2: signed in as an analyst, it links to the entry form.
    browser
        .sign_in(&app.url("/login"), "ann@example.com", PASSWORD)
        .await;
    browser
        .open_hydrated(&app.url("/coverage?tickers=META"))
        .await;
    let link = c
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Css(&format!("{cell} a")))
        .await
        .unwrap();
    let href = link.attr("href").await.unwrap().unwrap_or_default();
    link.click().await.unwrap();
    browser.wait_ready("#entry-form").await;
    let period = browser
        .element("#entry-form input[name='period']")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    let metric = browser
        .value_of("#entry-form select[name='metric']")
        .await
        .unwrap_or_default();
    let ticker = browser
        .value_of("#entry-form select[name='ticker']")
        .await
        .unwrap_or_default();

    // Assert
    assert_eq!(anonymous_links, 0, "no entry link for a visitor");
    assert_eq!((rpo_missing, rpo_na), (0, 8));
    assert_eq!(href, "/enter?ticker=META&metric=ppe_net&period=FY26%20Q2");
    assert_eq!(
        (ticker.as_str(), metric.as_str(), period.as_str()),
        ("META", "ppe_net", "FY26 Q2")
    );
    browser.assert_no_panic().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_investor_reads_metas_guidance_chart_and_switches_it_to_the_year_that_landed() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;

    // Act: Meta's page; the chart opens on the latest guided year.
    browser.open_hydrated(&app.url("/company/META")).await;
    let chart = "figure[data-chart='guidance'] .chart-canvas";
    let first = browser
        .wait_for_text("section.guidance", "Capex guidance against actuals")
        .await;
    let fy26 = browser
        .element(chart)
        .await
        .attr("data-fiscal-year")
        .await
        .unwrap();
    let fy26_svg = browser.element(chart).await.html(true).await.unwrap();
    let (_, _, width, height) = browser
        .element(&format!("{chart} svg"))
        .await
        .rectangle()
        .await
        .unwrap();
    browser
        .element("select[name='guidance-year']")
        .await
        .select_by_value("2025")
        .await
        .unwrap();
    let fy25_svg = c
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Css(&format!("{chart}[data-fiscal-year='2025']")))
        .await
        .expect("the chart redraws for FY25")
        .html(true)
        .await
        .unwrap();

    // Assert: FY26's two dated ranges and its spending to date; FY25's range
    // and where the year landed, drawn in the page without a reload.
    browser.assert_no_panic().await;
    assert!(first.contains("(superseded)"), "{first}");
    assert_eq!(fy26.as_deref(), Some("2026"));
    for text in [
        "$115–135B from Jan 28, 2026",
        "$125–145B from Apr 29, 2026",
        "$49.1B to date",
    ] {
        assert!(fy26_svg.contains(text), "{text} in {fy26_svg}");
    }
    assert!(width > 300.0 && height > 100.0, "{width}×{height}");
    assert!(fy25_svg.contains("$64–72B from Apr 30, 2025"), "{fy25_svg}");
    assert!(fy25_svg.contains("$69.7B full year"), "{fy25_svg}");
    let landed = browser
        .element("table.guidance-table tr[data-fiscal-year='2025']")
        .await
        .attr("data-standing")
        .await
        .unwrap();
    assert_eq!(landed.as_deref(), Some("landed-inside"));
}
