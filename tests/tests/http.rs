//! The application over HTTP, served in-process on a free port.

use capex_lens_tests::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_when_the_database_is_up() {
    let app = spawn_app().await;

    let res = app.get("/healthz").await;

    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_overview_is_rendered_on_the_server_with_real_numbers() {
    // Arrange
    let app = spawn_app().await;

    // Act
    let res = app.get("/").await;

    // Assert
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<title>AI infrastructure cash conversion · Capex Lens</title>"),
        "title"
    );
    assert!(
        html.contains(r#"<meta name="description""#),
        "meta description"
    );
    // Amazon's capex for the quarter ended 2026-06-30 was $54,208M: shown as $54.2B,
    // linking to the 10-Q's filing index.
    assert!(html.contains("$54.2B"), "Amazon capex formatted");
    assert!(
        html.contains("https://www.sec.gov/Archives/edgar/data/1018724/000101872426000026/"),
        "filing link"
    );
    assert!(html.contains("FY26 Q2"), "fiscal label");
}

#[tokio::test]
async fn an_unknown_path_is_a_404_page() {
    let app = spawn_app().await;

    let res = app.get("/no/such/page").await;

    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;

    // A client that leaves the body compressed, so the header stays visible.
    let raw = reqwest::Client::builder()
        .no_brotli()
        .no_gzip()
        .build()
        .unwrap();

    let res = raw
        .get(app.url("/"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();

    assert_eq!(
        res.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("br")
    );
}

#[tokio::test]
async fn a_company_page_shows_its_scorecard_and_linked_facts() {
    let app = spawn_app().await;

    let res = app.get("/company/GOOGL").await;

    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Alphabet Inc. (GOOGL) scorecard · Capex Lens"),
        "title"
    );
    for q in [
        "Is AI-related revenue growing faster than capex?",
        "Are customers signing durable contracts",
    ] {
        assert!(html.contains(q), "{q}");
    }
    assert!(
        html.contains("https://www.sec.gov/Archives/edgar/data/1652044/"),
        "facts link to Alphabet's filings"
    );
}

#[tokio::test]
async fn an_unknown_company_is_a_404_with_a_clear_message() {
    let app = spawn_app().await;

    let res = app.get("/company/NOPE").await;

    assert_eq!(res.status(), 404);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("No company with ticker NOPE"));
}

#[tokio::test]
async fn a_malformed_ticker_is_a_400_not_a_crash() {
    let app = spawn_app().await;

    let res = app.get("/company/%3Cscript%3E").await;

    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("is not valid"));
}

#[tokio::test]
async fn the_methodology_page_shows_the_thresholds_in_force() {
    let app = spawn_app().await;

    let html = app.get("/methodology").await.text().await.unwrap();

    assert!(html.contains("Scorecard thresholds in force"));
    assert!(
        html.contains("−15.0 pp") || html.contains("-15.0 pp"),
        "default Watch bound"
    );
}

#[tokio::test]
async fn a_compare_link_renders_the_chart_on_the_server_with_preview_tags() {
    let app = spawn_app().await;

    let res = app.get("/compare?tickers=GOOGL,MSFT&metrics=capex").await;

    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<svg"),
        "the chart is present before any WebAssembly runs"
    );
    assert!(
        html.contains(r#"property="og:image""#) && html.contains("/chart.png?tickers=GOOGL,MSFT")
    );
    assert!(html.contains(r#"name="twitter:card" content="summary_large_image""#));
}

#[tokio::test]
async fn a_malformed_chart_query_gets_a_helpful_400() {
    let app = spawn_app().await;

    let res = app.get("/compare?tickers=GOOGL&metrics=capx").await;

    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("capx"), "names the bad value");
}

#[tokio::test]
async fn the_preview_image_is_a_1200_by_630_png_and_the_data_exports_as_csv() {
    let app = spawn_app().await;

    let png = app.get("/chart.png?tickers=AMZN&metrics=capex").await;
    let csv = app
        .get("/chart.csv?tickers=AMZN&metrics=capex&basis=quarterly")
        .await;

    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16..24.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1200);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 630);
    let text = csv.text().await.unwrap();
    // Amazon's capex for the quarter ended 2026-03-31: $44,203M (10-Q).
    assert!(
        text.contains("AMZN,capex,FY26 Q1,2026-03-31,44203000000"),
        "{}",
        &text[..200.min(text.len())]
    );
}

#[tokio::test]
async fn identical_charts_share_one_short_link_which_reproduces_the_chart() {
    // Arrange
    let app = spawn_app().await;
    let query = "tickers=GOOGL,MSFT&metrics=capex";

    // Act: the same chart twice, once with its parameters in another order.
    let a = app::api::chart::ssr::create(
        &app.db.pool,
        &app::api::chart::ssr::parse(query)
            .unwrap()
            .to_query_string(),
    )
    .await
    .unwrap();
    let b = app::api::chart::ssr::create(
        &app.db.pool,
        &app::api::chart::ssr::parse("metrics=capex&tickers=GOOGL,MSFT")
            .unwrap()
            .to_query_string(),
    )
    .await
    .unwrap();
    let page = app.get(&format!("/c/{a}")).await;

    // Assert
    assert_eq!(a, b);
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("shows the figures as stored on"));
    assert_eq!(app.get("/c/NoSuchLink1").await.status(), 404);
}
