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
