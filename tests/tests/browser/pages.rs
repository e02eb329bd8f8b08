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
    browser.mark_page().await;
    let first_before = first_ticker(&browser).await;

    // Act
    browser.click("button[data-sort='Free cash flow']").await;

    // Assert
    let first_after = first_ticker(&browser).await;
    assert_eq!(first_after, largest);
    assert_eq!(first_before, "AMZN", "server order is alphabetical");
    assert!(browser.page_was_kept().await, "the page was not reloaded");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_a_company_link_from_the_overview_shows_its_scorecard_without_a_reload() {
    // Arrange: the overview, hydrated, with a marker a full reload would wipe out.
    let app = spawn_app().await;
    let browser = Browser::start().await;
    browser.open_hydrated(&app.url("/")).await;
    let c = &browser.client;
    browser.mark_page().await;

    // Act: the router navigates in the browser and fetches the company's data
    // from its server function (the way data arrives after a navigation,
    // not embedded in HTML).
    browser
        .click("table.overview a[href='/company/MSFT']")
        .await;
    let heading = browser.wait_for_text("h1", "Microsoft").await;

    // Assert
    assert!(heading.contains("MSFT"), "{heading}");
    let scorecard = browser.text_of("section.scorecard").await;
    assert!(
        scorecard.contains("FY"),
        "the scorecard names its quarter: {scorecard}"
    );
    assert!(browser.page_was_kept().await, "navigated without a reload");
    let fetched = c
        .execute(
            r#"return performance.getEntriesByType('resource')
                .map(e => new URL(e.name).pathname)
                .filter(p => p.startsWith('/api/get_company'));"#,
            vec![],
        )
        .await
        .unwrap();
    let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
    let (fragments, data): (Vec<&String>, Vec<&String>) =
        fetched.iter().partition(|p| p.contains("fragments"));
    assert_eq!(
        data.len(),
        1,
        "the data came from the server function, once: {fetched:?}"
    );
    assert_eq!(
        fragments.len(),
        1,
        "the scorecard and facts table came as server-rendered HTML, once: {fetched:?}"
    );
    let facts = browser.text_of("table.facts tbody").await;
    assert!(facts.contains("Capex"), "the facts table is there: {facts}");
    browser.assert_no_panic().await;
}

async fn first_ticker(browser: &Browser) -> String {
    browser
        .attr_of("table.overview tbody tr", "data-ticker")
        .await
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
    browser
        .element(".chart-controls button[type='submit']")
        .await
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_range_selector_narrows_the_chart_and_the_address_without_a_reload() {
    // Arrange: quarterly capex, calendar-aligned, every quarter with data.
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .open_hydrated(&app.url("/compare?tickers=GOOGL,MSFT&metrics=capex&basis=quarterly"))
        .await;
    browser.mark_page().await;
    let options = c
        .execute(
            "return [...document.querySelectorAll(\"select[name='from'] option\")] \
               .map(o => [o.value, o.textContent]);",
            vec![],
        )
        .await
        .unwrap();
    let options: Vec<(String, String)> = serde_json::from_value(options).unwrap();
    let labels_before = axis_labels(c).await;

    // Act: start the chart at 2025Q1 (the select's change event).
    c.execute(
        "const s = document.querySelector(\"select[name='from']\"); \
         s.value = '2025Q1'; s.dispatchEvent(new Event('change', {bubbles: true})); return null;",
        vec![],
    )
    .await
    .unwrap();
    let url = wait_for_url(c, |u| u.contains("from=2025Q1")).await;
    let mut labels_after = axis_labels(c).await;
    for _ in 0..50 {
        if labels_after.iter().all(|l| l.as_str() >= "CY25 Q1") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        labels_after = axis_labels(c).await;
    }

    // Assert
    assert_eq!(options[0], (String::new(), "Earliest".to_string()));
    assert!(
        options.contains(&("2025Q1".to_string(), "CY25 Q1".to_string())),
        "{options:?}"
    );
    assert!(url.contains("from=2025Q1"), "{url}");
    assert!(
        labels_before.iter().any(|l| l.as_str() < "CY25 Q1"),
        "{labels_before:?}"
    );
    assert!(
        labels_after.iter().all(|l| l.as_str() >= "CY25 Q1") && !labels_after.is_empty(),
        "the chart starts at CY25 Q1 now: {labels_after:?}"
    );
    assert!(browser.page_was_kept().await, "no page reload");
    let fetched = c
        .execute(
            "return performance.getEntriesByType('resource') \
               .map(e => new URL(e.name).pathname).filter(p => p.startsWith('/api/'));",
            vec![],
        )
        .await
        .unwrap();
    let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
    assert_eq!(fetched.len(), 1, "the new chart's data, once: {fetched:?}");
    browser.assert_no_panic().await;
}

/// The `CYyy Qn` texts of the compare chart.
async fn axis_labels(c: &fantoccini::Client) -> Vec<String> {
    let v = c
        .execute(
            "return [...document.querySelectorAll(\"figure[data-chart='compare'] svg text\")] \
               .map(e => e.textContent.trim()).filter(t => /^CY\\d\\d Q\\d$/.test(t));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hydrated_page_never_fetches_its_chart_data_a_second_time() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    let data_requests = r#"return performance.getEntriesByType('resource')
        .map(e => new URL(e.name).pathname)
        .filter(p => p.startsWith('/api/'));"#;

    // Act: each page opened and hydrated, then left alone a moment.
    let mut seen = Vec::new();
    for path in [
        "/compare?tickers=GOOGL,MSFT&metrics=capex,fcf",
        "/company/GOOGL",
        "/",
    ] {
        browser.open_hydrated(&app.url(path)).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let v = c.execute(data_requests, vec![]).await.unwrap();
        let requests: Vec<String> = serde_json::from_value(v).unwrap();
        seen.push((path, requests));
    }

    // Assert: the server-rendered page carried the data; hydration reused it.
    for (path, requests) in &seen {
        assert!(
            requests.is_empty(),
            "{path} fetched again after hydrating: {requests:?}"
        );
    }
    browser.assert_no_panic().await;
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

// ----- Company page, chart links, previews (issue 5) -------------------------

use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};

/// Moves the real (WebDriver) mouse to viewport position (`x`, `y`).
async fn mouse_to(c: &fantoccini::Client, x: f64, y: f64) {
    let actions = MouseActions::new("mouse".into()).then(PointerAction::MoveTo {
        duration: None,
        x: x.round() as i64,
        y: y.round() as i64,
    });
    c.perform_actions(actions).await.unwrap();
}

/// Clicks with the real mouse at viewport position (`x`, `y`).
async fn click_at(c: &fantoccini::Client, x: f64, y: f64) {
    let actions = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo {
            duration: None,
            x: x.round() as i64,
            y: y.round() as i64,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    c.perform_actions(actions).await.unwrap();
}

/// The viewport rectangle (left, top, width, height) of the first element
/// matching `css`, scrolled into the middle of the view first.
async fn rect_of(c: &fantoccini::Client, css: &str) -> (f64, f64, f64, f64) {
    let r = c
        .execute(
            "const el = document.querySelector(arguments[0]); \
             el.scrollIntoView({block: 'center'}); \
             const r = el.getBoundingClientRect(); \
             return [r.left, r.top, r.width, r.height];",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    let v: Vec<f64> = serde_json::from_value(r).unwrap();
    (v[0], v[1], v[2], v[3])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovering_the_capex_chart_shows_the_value_the_facts_table_shows_for_that_quarter() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser.open_hydrated(&app.url("/company/GOOGL")).await;
    let canvas = "figure[data-chart='capex-vs-depreciation'] .chart-canvas";
    let (left, top, width, height) = rect_of(c, canvas).await;

    // Act: the pointer near the right edge of the plot (the latest quarters).
    mouse_to(c, left + width * 0.93, top + height * 0.4).await;
    let tooltip = "figure[data-chart='capex-vs-depreciation'] .tooltip";
    c.wait()
        .at_most(std::time::Duration::from_secs(5))
        .for_element(Locator::Css(tooltip))
        .await
        .expect("a tooltip appears on hover");
    let quarter = browser.text_of(&format!("{tooltip} strong")).await;
    let shown = browser
        .text_of(&format!("{tooltip} tr:first-child td"))
        .await;
    let capex_label = browser
        .text_of(&format!("{tooltip} tr:first-child th"))
        .await;

    // Assert: the facts table's capex cell for the same quarter reads the same.
    assert_eq!(capex_label, "Capex");
    let in_table = browser
        .text_of(&format!(
            "tr[data-metric='capex'] td[data-quarter='{quarter}']"
        ))
        .await;
    assert!(shown.starts_with('$'), "a dollar amount: {shown}");
    assert_eq!(shown, in_table, "quarter {quarter}");
    browser.assert_no_panic().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hiding_a_series_and_changing_the_basis_update_the_address_without_a_reload() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .open_hydrated(&app.url("/compare?tickers=GOOGL,MSFT&metrics=capex"))
        .await;
    browser.mark_page().await;
    // The legend entry "GOOGL" is SVG text; the click lands on the chart.
    let r = c
        .execute(
            "const t = [...document.querySelectorAll(\"figure[data-chart='compare'] svg text\")] \
               .find(e => e.textContent.trim() === 'GOOGL'); \
             t.scrollIntoView({block: 'center'}); \
             const r = t.getBoundingClientRect(); \
             return [r.left + r.width / 2, r.top + r.height / 2];",
            vec![],
        )
        .await
        .unwrap();
    let xy: Vec<f64> = serde_json::from_value(r).unwrap();

    // Act 1: hide GOOGL by clicking its legend entry.
    click_at(c, xy[0], xy[1]).await;
    let hidden = wait_for_url(c, |u| u.contains("hide=")).await;
    c.wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//figure[@data-chart='compare']//*[name()='text'][contains(., 'GOOGL (hidden)')]",
        ))
        .await
        .expect("the chart redraws with GOOGL hidden");

    // Act 2: switch the basis to quarterly (the select's change event).
    c.execute(
        "const s = document.querySelector(\"select[name='basis']\"); \
         s.value = 'quarterly'; s.dispatchEvent(new Event('change', {bubbles: true})); return null;",
        vec![],
    )
    .await
    .unwrap();
    let both = wait_for_url(c, |u| u.contains("basis=quarterly")).await;
    c.back().await.unwrap();
    let back = wait_for_url(c, |u| !u.contains("basis=quarterly")).await;

    // Assert
    assert!(hidden.contains("hide=GOOGL:capex"), "{hidden}");
    assert!(
        both.contains("basis=quarterly") && both.contains("hide=GOOGL:capex"),
        "{both}"
    );
    assert!(
        back.contains("hide=GOOGL:capex") && !back.contains("basis="),
        "back steps to the previous chart: {back}"
    );
    assert!(browser.page_was_kept().await, "no page reload");
    let legend = c
        .execute(
            "return document.querySelector(\"figure[data-chart='compare'] .chart-canvas\").textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        legend.as_str().unwrap().contains("GOOGL (hidden)"),
        "{legend}"
    );
    browser.assert_no_panic().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_short_link_opened_in_a_fresh_browser_shows_the_same_chart() {
    // Arrange: a chart with a hidden series and the quarterly basis.
    let app = spawn_app().await;
    let first = Browser::start().await;
    let c = &first.client;
    first
        .open_hydrated(
            &app.url(
                "/compare?tickers=GOOGL,MSFT,AMZN&metrics=capex&basis=quarterly&hide=MSFT:capex",
            ),
        )
        .await;
    let original_svg = c
        .execute(
            "return document.querySelector(\"figure[data-chart='compare'] .chart-canvas\").innerHTML;",
            vec![],
        )
        .await
        .unwrap();

    // Act: get the short link, then open it in a new browser session.
    c.find(Locator::Css(".chart-links button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = c
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css("a.short-link"))
        .await
        .expect("a short link appears")
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let second = Browser::start().await;
    second.open_hydrated(&app.url(&link)).await;
    let c2 = &second.client;
    let reopened_svg = c2
        .execute(
            "return document.querySelector(\"figure[data-chart='compare'] .chart-canvas\").innerHTML;",
            vec![],
        )
        .await
        .unwrap();
    let basis = c2
        .execute(
            "return document.querySelector(\"select[name='basis']\").value;",
            vec![],
        )
        .await
        .unwrap();

    // Assert
    assert!(link.starts_with("/c/"), "{link}");
    assert_eq!(basis, serde_json::json!("quarterly"));
    assert!(
        original_svg.as_str().unwrap().contains("MSFT (hidden)"),
        "the state under test is really there"
    );
    assert_eq!(reopened_svg, original_svg, "the same chart, drawn the same");
    second.assert_no_panic().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_preview_image_named_in_the_page_is_a_1200_by_630_png() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser.open_hydrated(&app.url("/company/MSFT")).await;

    // Act
    let image = c
        .execute(
            "return document.querySelector(\"meta[property='og:image']\").content;",
            vec![],
        )
        .await
        .unwrap();
    let image = image.as_str().unwrap().to_string();
    let res = reqwest::get(&image).await.unwrap();

    // Assert: absolute, on the address the page was served from, a PNG of 1200×630.
    assert!(image.starts_with(&app.url("/chart.png?")), "{image}");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1200);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 630);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_javascript_off_the_company_page_still_shows_the_scorecard_and_the_charts() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start_without_javascript().await;
    let c = &browser.client;

    // Act
    c.goto(&app.url("/company/AMZN")).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    // Assert
    let answers = c.find_all(Locator::Css(".answers .answer")).await.unwrap();
    assert_eq!(answers.len(), 4, "the four answers");
    for chart in [
        "waterfall",
        "capex-vs-depreciation",
        "fcf-history",
        "depreciation-wave",
        "scenario",
    ] {
        let svg = c
            .find(Locator::Css(&format!(
                "figure[data-chart='{chart}'] .chart-canvas svg"
            )))
            .await;
        assert!(svg.is_ok(), "{chart} is drawn without JavaScript");
    }
    let hydrated = c
        .execute(
            "return document.body.getAttribute('data-hydrated');",
            vec![],
        )
        .await;
    // With scripts off the executor may refuse to run any script at all.
    if let Ok(v) = hydrated {
        assert_eq!(v, serde_json::Value::Null, "nothing ran");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_scenario_slider_reruns_the_projection_in_the_browser_without_a_request() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser.open_hydrated(&app.url("/company/MSFT")).await;
    let before = browser
        .text_of(".scenario-table tbody tr:last-child td.fcf-ttm")
        .await;
    browser.mark_page().await;
    c.execute("performance.clearResourceTimings(); return null;", vec![])
        .await
        .unwrap();

    // Act: AI revenue growing 100 % a year.
    c.execute(
        "const s = document.querySelector('#slider-ai_growth'); \
         s.value = '100'; s.dispatchEvent(new Event('input', {bubbles: true})); return null;",
        vec![],
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let after = browser
        .text_of(".scenario-table tbody tr:last-child td.fcf-ttm")
        .await;
    let requests = c
        .execute(
            "return performance.getEntriesByType('resource').length;",
            vec![],
        )
        .await
        .unwrap();

    // Assert
    assert_ne!(before, after, "the projected FCF moved");
    assert_eq!(
        requests,
        serde_json::json!(0),
        "no round trip to the server"
    );
    assert!(browser.page_was_kept().await, "the page was not reloaded");
    browser.assert_no_panic().await;
}

// ----- The cohort (issue 15) -------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hovering_the_cohort_chart_names_who_is_in_that_quarters_sum_as_the_table_does() {
    // Arrange: the page as opened from a link, which runs no code.
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .open_static(&app.url("/cohort?tickers=AMZN,META,MSFT"))
        .await;
    let canvas = "figure[data-chart='cohort'] .chart-canvas";
    let (left, top, width, height) = rect_of(c, canvas).await;
    let shown = "figure[data-chart='cohort'] .slot-tip .tooltip";
    let visible = |c: &fantoccini::Client| {
        let c = c.clone();
        async move {
            let n = c
                .execute(
                    "return [...document.querySelectorAll(arguments[0])].filter(t => t.offsetParent !== null).length;",
                    vec![serde_json::json!(shown)],
                )
                .await
                .unwrap();
            n.as_u64().unwrap()
        }
    };
    assert_eq!(visible(c).await, 0, "no tooltip before the pointer comes");

    // Act: the pointer over the latest quarters of the sums chart.
    mouse_to(c, left + width * 0.85, top + height * 0.4).await;
    let tooltip = "figure[data-chart='cohort'] .slot:hover + .slot-tip .tooltip";
    c.wait()
        .at_most(std::time::Duration::from_secs(5))
        .for_element(Locator::Css(tooltip))
        .await
        .expect("a tooltip appears on hover");
    assert_eq!(visible(c).await, 1, "one tooltip, the hovered quarter's");
    let quarter = browser.text_of(&format!("{tooltip} strong")).await;
    let note = browser.text_of(&format!("{tooltip} .slot-note")).await;

    // Assert: the note lists the members, and the table's row for that
    // quarter counts as many and leaves out the same companies.
    assert!(note.starts_with("In the sum: "), "{note}");
    let members: Vec<&str> = note
        .trim_start_matches("In the sum: ")
        .split('.')
        .next()
        .unwrap()
        .split(", ")
        .collect();
    assert!(
        members.iter().all(|t| ["AMZN", "META", "MSFT"].contains(t)),
        "{note}"
    );
    let row = format!("tr[data-quarter='{quarter}']");
    let count = browser.text_of(&format!("{row} summary small")).await;
    assert_eq!(count, format!("{} in", members.len()), "quarter {quarter}");
    let left_out = browser.text_of(&format!("{row} td.left-out")).await;
    if left_out == "none" {
        assert!(!note.contains("Left out"), "{note}");
    } else {
        assert!(
            note.contains(&format!("Left out: {left_out}")),
            "{note} / {left_out}"
        );
    }
    // The pointer gone, so is the tooltip.
    let (_, table_top, _, _) = rect_of(c, "figure[data-chart='cohort'] figcaption").await;
    mouse_to(c, left + width * 0.5, table_top + 2.0).await;
    assert_eq!(visible(c).await, 0, "the tooltip goes with the pointer");
    assert_eq!(
        browser.code_loaded().await,
        Vec::<String>::new(),
        "no code was loaded"
    );
    browser.assert_no_panic().await;
}

/// The picker is a plain GET form: the choice is a new address, loaded from
/// the server like any link (the page runs no code, see `routes::cohort`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choosing_the_cohorts_companies_and_basis_puts_them_in_the_address() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .open_static(&app.url("/cohort?tickers=AMZN,META,MSFT"))
        .await;

    // Act: leave Meta out, sum trailing twelve months, show.
    c.execute(
        "document.querySelector(\".cohort-picker input[value='META']\").checked = false; \
         document.querySelector(\".cohort-picker select[name='basis']\").value = 'ttm'; \
         return null;",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css(".cohort-picker button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for_url(c, |u| u.contains("basis=ttm")).await;

    // Assert: the form's address (`tickers=AMZN&tickers=MSFT`) was sent on
    // to the cohort's canonical one.
    assert!(
        url.ends_with("/cohort?tickers=AMZN,MSFT&basis=ttm"),
        "{url}"
    );
    c.wait()
        .at_most(std::time::Duration::from_secs(5))
        .for_element(Locator::XPath(
            "//p[contains(@class,'lede')][contains(., 'trailing twelve months')]",
        ))
        .await
        .expect("the page shows the TTM cohort");
    let lede = browser.text_of("p.lede").await;
    assert!(
        lede.contains("Amazon") && lede.contains("Microsoft"),
        "{lede}"
    );
    assert!(!lede.contains("Meta"), "{lede}");
    browser.assert_no_panic().await;
}

/// The short-link button is a plain form too: it opens the cohort's short
/// link, whose address is the one to copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cohorts_short_link_button_opens_the_link_that_shows_the_same_cohort() {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser
        .open_static(&app.url("/cohort?tickers=META,MSFT&basis=ttm"))
        .await;
    let lede = browser.text_of("p.lede").await;

    // Act
    c.find(Locator::XPath(
        "//button[normalize-space()='Get a short link']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let url = wait_for_url(c, |u| u.contains("/c/")).await;

    // Assert: the link's page shows the same cohort, pinned to now.
    c.wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css("table.cohort-table tbody tr"))
        .await
        .expect("the short link shows the cohort");
    assert_eq!(browser.text_of("p.lede").await, lede, "{url}");
    let pinned = browser.text_of("p.notice").await;
    assert!(
        pinned.starts_with("This short link shows the figures as stored on"),
        "{pinned}"
    );
    browser.assert_no_panic().await;
}

/// Reached by a link inside the app (the router renders the page, not the
/// server), the cohort page shows what opening its address shows, and its
/// tooltips work the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_the_cohort_link_inside_the_app_shows_the_same_page_as_opening_it() {
    // Arrange: a hydrated page, marked so a reload would show.
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser.open_hydrated(&app.url("/company/GOOGL")).await;
    browser.mark_page().await;

    // Act: the navigation's Cohort link.
    browser.click(".site-header a[href='/cohort']").await;
    c.wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css("table.cohort-table tbody tr"))
        .await
        .expect("the cohort's table arrives");
    let rows = "return [...document.querySelectorAll('table.cohort-table tbody tr')].map(r => r.innerText);";
    let followed = c.execute(rows, vec![]).await.unwrap();
    let lede = browser.text_of("p.lede").await;
    let kept = browser.page_was_kept().await;
    let canvas = "figure[data-chart='cohort'] .chart-canvas";
    let (left, top, width, height) = rect_of(c, canvas).await;
    mouse_to(c, left + width * 0.85, top + height * 0.4).await;
    let hovered = c
        .wait()
        .at_most(std::time::Duration::from_secs(5))
        .for_element(Locator::Css(
            "figure[data-chart='cohort'] .slot:hover + .slot-tip .tooltip .slot-note",
        ))
        .await
        .is_ok();
    browser.assert_no_panic().await;

    // Assert: rendered in place, and the same as the page opened directly.
    assert!(kept, "the router rendered the page (no reload)");
    assert!(hovered, "a tooltip with who is in the sum appears on hover");
    browser.open_static(&app.url("/cohort")).await;
    assert_eq!(browser.text_of("p.lede").await, lede);
    assert_eq!(c.execute(rows, vec![]).await.unwrap(), followed);
}

/// Issue 15: on a 390 px phone every link of the top navigation is on the
/// screen (it used to cut "Account" off at the right edge of a company page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_390_pixel_phone_every_navigation_link_is_on_the_screen_and_the_page_never_scrolls_sideways(
) {
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    c.set_window_size(390, 844).await.unwrap();
    for page in ["/company/GOOGL", "/cohort"] {
        if app::routes::hydrates(page) {
            browser.open_hydrated(&app.url(page)).await;
        } else {
            browser.open_static(&app.url(page)).await;
        }
        let out = c
            .execute(
                "const w = document.documentElement.clientWidth; \
                 return [w, [...document.querySelectorAll('.site-header a')] \
                   .filter(a => a.getBoundingClientRect().right > w + 0.5) \
                   .map(a => a.textContent)];",
                vec![],
            )
            .await
            .unwrap();
        let (width, cut): (f64, Vec<String>) = serde_json::from_value(out).unwrap();
        assert!(width <= 400.0, "the viewport is a phone's: {width}");
        assert!(cut.is_empty(), "{page}: cut off at the right edge: {cut:?}");
        // What sticks out past the right edge (outside a scrolling box).
        let wide = c
            .execute(
                "const w = document.documentElement.clientWidth;                  const inScroller = el => { for (let p = el.parentElement; p; p = p.parentElement) {                    const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };                  return [...document.body.querySelectorAll('*')]                    .filter(el => el.getBoundingClientRect().right > w + 1 && !inScroller(el))                    .slice(0, 8).map(el => el.tagName + '.' + el.className + ' in ' + el.parentElement.tagName + '.' + el.parentElement.className + ' ' + Math.round(el.getBoundingClientRect().right) + ' ' + (el.textContent || '').slice(0, 60));",
                vec![],
            )
            .await
            .unwrap();
        let wide: Vec<String> = serde_json::from_value(wide).unwrap();
        assert!(wide.is_empty(), "{page}: wider than the screen: {wide:?}");
        browser.assert_no_panic().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_content_security_policy_pages_hydrate_and_an_injected_inline_script_does_not_run(
) {
    // Arrange
    let app = spawn_app().await;
    let browser = Browser::start().await;
    let c = &browser.client;
    browser.open_hydrated(&app.url("/company/MSFT")).await;

    // Act: inject an inline script as an attacker's markup would, and, as a
    // control, one carrying the page's own nonce.
    let outcome = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            const violations = [];
            document.addEventListener('securitypolicyviolation', e => violations.push(e.violatedDirective));
            const injected = document.createElement('script');
            injected.textContent = 'window.__injected = true;';
            document.body.appendChild(injected);
            const trusted = document.createElement('script');
            trusted.nonce = document.querySelector('script[nonce]').nonce;
            trusted.textContent = 'window.__trusted = true;';
            document.body.appendChild(trusted);
            setTimeout(() => done({
                injected: window.__injected === true,
                trusted: window.__trusted === true,
                violations,
            }), 300);"#,
            vec![],
        )
        .await
        .unwrap();

    // Assert: the page hydrated (above) and works; only the nonce'd script ran.
    browser.assert_no_panic().await;
    assert_eq!(outcome["injected"], false, "{outcome}");
    assert_eq!(outcome["trusted"], true, "{outcome}");
    let violations = outcome["violations"].as_array().unwrap();
    assert!(
        violations
            .iter()
            .any(|v| v.as_str().unwrap_or("").starts_with("script-src")),
        "{outcome}"
    );
}
