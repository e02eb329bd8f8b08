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
    let raw = capex_lens_tests::compressed_client();

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
    let a = store::short_links::create(
        &app.db.pool,
        store::short_links::LinkedPage::Compare,
        &app::api::chart::ssr::parse(query)
            .unwrap()
            .to_query_string(),
    )
    .await
    .unwrap();
    let b = store::short_links::create(
        &app.db.pool,
        store::short_links::LinkedPage::Compare,
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

/// What the compare page's "Get a short link" sends, for `query`.
async fn ask_short_link(app: &capex_lens_tests::TestApp, query: &str) -> reqwest::Response {
    use leptos::server_fn::ServerFn;
    app.client
        .post(app.url(app::api::chart::CreateShortLink::PATH))
        .header("origin", format!("http://{}", app.addr))
        .header("accept", "application/json")
        .form(&[("query", query)])
        .send()
        .await
        .unwrap()
}

async fn short_links(app: &capex_lens_tests::TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM short_links")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_short_link_to_a_company_the_store_does_not_track_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;

    let res = ask_short_link(&app, "tickers=MSFT,ZZZZ&metrics=capex").await;

    assert_eq!(res.status(), 400);
    let text = res.text().await.unwrap();
    assert!(text.contains("ZZZZ is not tracked here"), "{text}");
    assert_eq!(short_links(&app).await, 0);
}

#[tokio::test]
async fn new_short_links_beyond_the_hourly_limit_are_refused_even_in_parallel_and_old_ones_still_answer(
) {
    // Arrange: a limit of 3 new links per client per hour.
    let settings = server::configuration::Settings {
        short_links_per_hour: 3,
        ..capex_lens_tests::test_settings()
    };
    let app = capex_lens_tests::spawn_app_with_settings(
        capex_lens_tests::TestDb::with_bundled_data().await,
        settings,
    )
    .await;
    let first = ask_short_link(&app, "tickers=MSFT&metrics=capex").await;
    assert_eq!(first.status(), 200);
    let first_id: String = serde_json::from_str(&first.text().await.unwrap()).unwrap();

    // Act: twenty different new charts at once from the same address.
    let queries: Vec<String> = ["GOOGL", "AMZN", "META", "ORCL", "NVDA"]
        .iter()
        .flat_map(|t| {
            ["capex", "fcf", "revenue", "operating_cash_flow"]
                .iter()
                .map(move |m| format!("tickers={t}&metrics={m}"))
        })
        .collect();
    let answers =
        futures_util::future::join_all(queries.iter().map(|q| ask_short_link(&app, q))).await;

    // Assert: two more were made (three in all), the rest refused with when
    // to try again; the first link still answers, and nothing else was stored.
    let made = answers.iter().filter(|r| r.status() == 200).count();
    let refused: Vec<_> = answers.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(
        made,
        2,
        "{:?}",
        answers.iter().map(|r| r.status()).collect::<Vec<_>>()
    );
    assert_eq!(refused.len(), answers.len() - 2);
    assert!(refused
        .iter()
        .all(|r| r.headers().get("retry-after").is_some()));
    assert_eq!(short_links(&app).await, 3);
    let again = ask_short_link(&app, "metrics=capex&tickers=MSFT").await;
    assert_eq!(again.status(), 200, "an existing link is not counted");
    let again_id: String = serde_json::from_str(&again.text().await.unwrap()).unwrap();
    assert_eq!(again_id, first_id);
}

/// Restates GOOGL's latest capex as an analyst entry with `note`.
async fn restate_latest_googl_capex(app: &capex_lens_tests::TestApp, note: &str) {
    sqlx::query(
        "INSERT INTO fact_versions (ticker, metric, fiscal_year, fiscal_quarter, period_start,
                                    period_end, value, unit, version, known_at, source_kind,
                                    source_url, source_text, entered_by, note)
         SELECT ticker, metric, fiscal_year, fiscal_quarter, period_start, period_end,
                value + 1000000000, unit,
                (SELECT max(version) + 1 FROM fact_versions v
                  WHERE v.ticker = f.ticker AND v.metric = f.metric
                    AND v.fiscal_year = f.fiscal_year AND v.fiscal_quarter = f.fiscal_quarter),
                current_date, 'analyst', 'https://abc.xyz/investor/', 'test restatement',
                'analyst@example.com', $1
         FROM fact_versions f
         WHERE ticker = 'GOOGL' AND metric = 'capex' AND fiscal_quarter > 0
         ORDER BY fiscal_year DESC, fiscal_quarter DESC, version DESC
         LIMIT 1",
    )
    .bind(note)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_public_page_is_served_from_the_cache_until_the_facts_change() {
    // Arrange
    let app = spawn_app().await;
    let first = app.get("/company/GOOGL").await;
    assert_eq!(first.headers()["x-cache"], "miss");
    let first_html = first.text().await.unwrap();

    // Act: the same page again, then after a restatement written by another
    // client of the database (as an import or another instance would).
    let second = app.get("/company/GOOGL").await;
    let second_cache = second.headers()["x-cache"].clone();
    let second_html = second.text().await.unwrap();
    restate_latest_googl_capex(&app, "restated after the page was cached").await;
    let started = std::time::Instant::now();
    let mut after = None;
    while started.elapsed() < std::time::Duration::from_secs(5) {
        let res = app.get("/company/GOOGL").await;
        let cache = res.headers()["x-cache"].to_str().unwrap().to_string();
        let html = res.text().await.unwrap();
        if html.contains("restated after the page was cached") {
            after = Some((cache, started.elapsed()));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }

    // Assert
    assert_eq!(second_cache, "hit");
    assert_eq!(second_html, first_html, "the cached page is the page");
    assert!(!first_html.contains("restated after the page was cached"));
    let (cache, waited) = after.expect("the restatement reaches the page");
    assert_eq!(cache, "miss", "rendered afresh, not an old entry");
    assert!(
        waited < std::time::Duration::from_secs(1),
        "the change notification arrives within moments, not {waited:?}"
    );
}

#[tokio::test]
async fn cached_pages_keep_their_compression_per_accept_encoding() {
    // Arrange: clients that leave bodies as sent.
    let app = spawn_app().await;
    let raw = capex_lens_tests::compressed_client();
    let fetch = |encoding: &'static str| {
        raw.get(app.url("/methodology"))
            .header("accept-encoding", encoding)
            .send()
    };

    // Act: each encoding twice, interleaved.
    let mut seen = Vec::new();
    for encoding in ["br", "gzip", "identity", "br", "gzip", "identity"] {
        let res = fetch(encoding).await.unwrap();
        seen.push((
            encoding,
            res.headers()["x-cache"].to_str().unwrap().to_string(),
            res.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string()),
        ));
    }

    // Assert
    let expected = |e: &str| match e {
        "identity" => None,
        other => Some(other.to_string()),
    };
    for (i, (encoding, cache, content_encoding)) in seen.iter().enumerate() {
        assert_eq!(content_encoding, &expected(encoding), "{encoding}");
        assert_eq!(cache, if i < 3 { "miss" } else { "hit" }, "{encoding} #{i}");
    }
}

#[tokio::test]
async fn a_page_read_again_is_recompressed_smaller_with_the_same_content() {
    // Arrange: a client that keeps the brotli body as sent.
    let app = spawn_app().await;
    let raw = capex_lens_tests::compressed_client();
    let fetch = || async {
        let res = raw
            .get(app.url("/company/GOOGL"))
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], "br");
        let cache = res.headers()["x-cache"].to_str().unwrap().to_string();
        (cache, res.bytes().await.unwrap())
    };
    let (cache, first) = fetch().await;
    assert_eq!(cache, "miss");

    // Act: read it again (which asks for the recompression) until the stored
    // body changes; debug builds take a few seconds at brotli's best level.
    let started = std::time::Instant::now();
    let polished = loop {
        let (cache, body) = fetch().await;
        assert_eq!(cache, "hit");
        if body != first {
            break body;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the cached page was not recompressed within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };

    // Assert: the same page, at least 15 % smaller.
    let decode = |body: &[u8]| {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut brotli::Decompressor::new(body, 4096), &mut plain).unwrap();
        plain
    };
    assert_eq!(decode(&polished), decode(&first));
    println!(
        "company page, brotli: {} B first, {} B recompressed",
        first.len(),
        polished.len()
    );
    assert!(
        polished.len() * 100 <= first.len() * 85,
        "{} B is not 15 % smaller than {} B",
        polished.len(),
        first.len()
    );
}

#[tokio::test]
async fn a_signed_in_user_is_never_served_from_the_page_cache() {
    // Arrange
    use capex_lens_tests::accounts::{add_user, Agent};
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", domain::account::Role::Analyst).await;
    assert_eq!(app.get("/").await.headers()["x-cache"], "miss");
    assert_eq!(app.get("/").await.headers()["x-cache"], "hit");

    // Act
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let res = ann.get("/").await;

    // Assert
    assert_eq!(res.status(), 200);
    assert!(
        !res.headers().contains_key("x-cache"),
        "the cache stands aside for a session"
    );
}

#[tokio::test]
async fn unknown_companies_and_bad_queries_are_never_cached() {
    let app = spawn_app().await;

    let unknown = app.get("/company/ZZZZ").await;
    let bad = app.get("/compare?tickers=GOOGL&metrics=nonsense").await;

    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["x-cache"], "miss");
    assert_eq!(app.get("/company/ZZZZ").await.headers()["x-cache"], "miss");
    assert_eq!(bad.status(), 400);
    assert_eq!(
        app.get("/compare?tickers=GOOGL&metrics=nonsense")
            .await
            .headers()["x-cache"],
        "miss"
    );
}

#[tokio::test]
async fn the_page_cache_hears_a_write_committed_by_another_client() {
    // Arrange: a cache following a store of its own.
    let db = capex_lens_tests::TestDb::with_bundled_data().await;
    let generation = store::generation::StoreGeneration::follow(db.pool.clone());
    let heard_at_start = heard_within_5s(&generation, |g| g.is_some()).await;
    let before = generation.heard();

    // Act: a company added by another client of the database.
    sqlx::query(
        "INSERT INTO companies (ticker, name, fiscal_year_end_month) VALUES ('ZZTOP', 'Test Co', 12)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let heard_change = heard_within_5s(&generation, |g| g != before).await;

    // Assert
    assert!(
        heard_at_start,
        "the listener connects and reads the generation"
    );
    assert!(heard_change, "the commit is heard");
    let (before, after) = (before.unwrap(), generation.heard().unwrap());
    assert_eq!(after, before + 1, "one commit, one step");
}

#[tokio::test]
async fn renaming_a_company_advances_the_store_generation_so_its_page_is_rendered_afresh() {
    // Arrange: Microsoft's page, cached.
    let app = spawn_app().await;
    app.get("/company/MSFT").await;
    assert_eq!(app.get("/company/MSFT").await.headers()["x-cache"], "hit");

    // Act: the company row changes, and no fact does.
    sqlx::query("UPDATE companies SET name = 'Microsoft Corp. (renamed)' WHERE ticker = 'MSFT'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut page = app.get("/company/MSFT").await;
    while page.headers()["x-cache"] == "hit" && started.elapsed().as_secs() < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        page = app.get("/company/MSFT").await;
    }

    // Assert
    assert_eq!(page.headers()["x-cache"], "miss");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Microsoft Corp. (renamed)"),
        "the page shows the new name"
    );
}

#[tokio::test]
async fn transactions_committing_in_the_opposite_order_of_their_writes_each_advance_the_generation()
{
    // Arrange: two writers; the first to write commits last.
    let db = capex_lens_tests::TestDb::with_bundled_data().await;
    let before = store::generation::read(&db.pool).await.unwrap();
    let mut first = db.pool.begin().await.unwrap();
    let mut second = db.pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO companies (ticker, name, fiscal_year_end_month) VALUES ('AAA', 'First', 12)",
    )
    .execute(&mut *first)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO companies (ticker, name, fiscal_year_end_month) VALUES ('BBB', 'Second', 12)",
    )
    .execute(&mut *second)
    .await
    .unwrap();

    // Act
    second.commit().await.unwrap();
    let between = store::generation::read(&db.pool).await.unwrap();
    first.commit().await.unwrap();
    let after = store::generation::read(&db.pool).await.unwrap();

    // Assert: each commit is a step, whatever the order.
    assert_eq!((between, after), (before + 1, before + 2));
}

#[tokio::test]
async fn a_rolled_back_write_leaves_the_generation_where_it_was() {
    let db = capex_lens_tests::TestDb::with_bundled_data().await;
    let before = store::generation::read(&db.pool).await.unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("UPDATE companies SET name = 'Changed' WHERE ticker = 'MSFT'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(store::generation::read(&db.pool).await.unwrap(), before);
}

async fn heard_within_5s(
    generation: &store::generation::StoreGeneration,
    pred: impl Fn(Option<i64>) -> bool,
) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(5) {
        if pred(generation.heard()) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    false
}

#[tokio::test]
async fn a_hard_reload_renders_the_page_afresh() {
    // Arrange
    let app = spawn_app().await;
    app.get("/methodology").await;

    // Act
    let reload = app
        .client
        .get(app.url("/methodology"))
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    let after = app.get("/methodology").await;

    // Assert
    assert_eq!(reload.status(), 200);
    assert_eq!(reload.headers()["x-cache"], "miss");
    assert_eq!(after.headers()["x-cache"], "hit", "and refreshes the entry");
}

#[tokio::test]
async fn a_clients_request_id_is_echoed_only_when_it_is_a_short_safe_token() {
    // Arrange
    let app = spawn_app().await;
    let send = |id: String| {
        let req = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", id);
        async move { req.send().await.unwrap() }
    };

    // Act
    let kept = send("abc-123_X.9".into()).await;
    let long = send("a".repeat(65)).await;
    let odd = send("abc\"><script>".into()).await;

    // Assert
    assert_eq!(kept.headers()["x-request-id"], "abc-123_X.9");
    for res in [long, odd] {
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(
            id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
            "a fresh id instead: {id}"
        );
    }
}

/// POSTs `body` (form-encoded) to `path`, streamed without a length when
/// `chunked`.
async fn post_body(
    app: &capex_lens_tests::TestApp,
    path: &str,
    body: String,
    chunked: bool,
) -> reqwest::Response {
    let req = app
        .client
        .post(app.url(path))
        .header("origin", format!("http://{}", app.addr))
        .header("content-type", "application/x-www-form-urlencoded");
    let req = if chunked {
        let chunks: Vec<Result<String, std::io::Error>> = body
            .as_bytes()
            .chunks(8192)
            .map(|c| Ok(String::from_utf8(c.to_vec()).unwrap()))
            .collect();
        req.body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
    } else {
        req.body(body)
    };
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_body_over_its_routes_limit_is_refused_whether_declared_or_streamed_and_the_bulk_upload_has_its_own(
) {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let overview = app::api::overview::GetOverview::PATH;
    let pad = |n: usize| format!("pad={}", "x".repeat(n));
    // A small body is answered.
    assert_eq!(
        post_body(&app, overview, pad(100), false).await.status(),
        200
    );

    // Over the form limit: refused, declared or streamed.
    let over = server::routes::FORM_BODY_LIMIT + 1;
    let declared = post_body(&app, overview, pad(over), false).await;
    assert_eq!(declared.status(), 413);
    let streamed = post_body(&app, overview, pad(over), true).await;
    assert!(
        streamed.status().is_client_error() || streamed.status().is_server_error(),
        "a streamed body past the limit is not read to the end: {}",
        streamed.status()
    );

    // The bulk upload takes more: the same size reaches its role check.
    let csv = format!("csv={}", "x".repeat(over));
    let bulk = post_body(&app, app::api::bulk::BulkPreview::PATH, csv, false).await;
    assert_eq!(bulk.status(), 401, "anonymous, not too large");
    let huge = post_body(
        &app,
        app::api::bulk::BulkPreview::PATH,
        pad(server::routes::BULK_BODY_LIMIT),
        false,
    )
    .await;
    assert_eq!(huge.status(), 413);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

/// `GET path` with the `Host` header `host`.
async fn get_as_host(app: &capex_lens_tests::TestApp, path: &str, host: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("host", host)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_page_for_a_made_up_host_is_rendered_but_never_stored() {
    let app = spawn_app().await;
    let own = app.addr.to_string();

    // The server's own host: stored, then answered from the cache.
    assert_eq!(
        get_as_host(&app, "/methodology", &own).await.headers()["x-cache"],
        "miss"
    );
    assert_eq!(
        get_as_host(&app, "/methodology", &own).await.headers()["x-cache"],
        "hit"
    );

    // Made-up hosts: each rendered (naming its host), none stored.
    for _ in 0..2 {
        let res = get_as_host(&app, "/company/GOOGL", "made-up.example").await;
        assert_eq!(res.status(), 200);
        assert!(
            res.headers().get("x-cache").is_none(),
            "the cache stood aside"
        );
        let html = res.text().await.unwrap();
        assert!(
            html.contains("http://made-up.example/"),
            "the page names the host it was asked as"
        );
    }
}

#[tokio::test]
async fn with_a_public_address_every_host_shares_one_stored_page() {
    let settings = server::configuration::Settings {
        public_url: Some("https://capex.example.com".into()),
        ..capex_lens_tests::test_settings()
    };
    let app = capex_lens_tests::spawn_app_with_settings(
        capex_lens_tests::TestDb::with_bundled_data().await,
        settings,
    )
    .await;

    let first = get_as_host(&app, "/company/GOOGL", "one.example").await;
    let second = get_as_host(&app, "/company/GOOGL", "two.example").await;

    assert_eq!(first.headers()["x-cache"], "miss");
    assert_eq!(
        second.headers()["x-cache"],
        "hit",
        "the host is not in the key"
    );
    let html = second.text().await.unwrap();
    assert!(
        html.contains("https://capex.example.com/"),
        "pages name the public address"
    );
    assert!(
        !html.contains("one.example"),
        "no host of a request leaks into the stored page"
    );
}

#[tokio::test]
async fn a_page_allows_only_its_own_scripts_and_the_inline_ones_carrying_its_nonce() {
    // Arrange
    let app = spawn_app().await;

    // Act: a hydrating page twice (the second from the page cache), and a PNG.
    let first = app.get("/company/MSFT").await;
    let policy = first.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = first.text().await.unwrap();
    let again = app.get("/company/MSFT").await;
    let cached_policy = again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let cached_html = again.text().await.unwrap();
    let png = app.get("/chart.png?tickers=MSFT&metrics=capex").await;

    // Assert: default-src 'self' and a script-src naming the page's nonce,
    // which every inline script of the page carries.
    assert!(policy.starts_with("default-src 'self'"), "{policy}");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy}"));
    assert!(nonce.len() >= 16, "{nonce}");
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "the page has its hydration script");
    for script in &scripts {
        let tag = script.split('>').next().unwrap_or("");
        assert!(
            tag.contains("src=") || tag.contains(&format!("nonce=\"{nonce}\"")),
            "an inline script without the page's nonce: <script{tag}>"
        );
    }
    assert_eq!(
        cached_policy, policy,
        "a cached page keeps the header naming its nonce"
    );
    assert!(cached_html.contains(nonce));
    let png_policy = png.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        png_policy.contains("script-src 'self'") && !png_policy.contains("nonce"),
        "{png_policy}"
    );
}
