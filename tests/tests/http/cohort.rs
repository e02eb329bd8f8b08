//! The cohort read together (methodology section 7) on the bundled filings:
//! sums checked against arithmetic done by hand on the CSV rows, a quarter
//! where a company lacks an input and is left out by name, and the page.

use capex_lens_tests::{spawn_app_with, TestDb};
use domain::analytics::cohort::{cohort, CohortQuarter, CohortRatio};
use domain::analytics::{Basis, CompanyFacts};
use domain::{CalendarQuarter, Ticker};
use leptos::server_fn::ServerFn;
use rust_decimal::Decimal;

fn m(millions: i64) -> Decimal {
    Decimal::from(millions) * Decimal::from(1_000_000)
}

async fn companies(db: &TestDb, tickers: &[&str]) -> Vec<CompanyFacts> {
    let mut out = Vec::new();
    for t in tickers {
        let c = store::facts::load(&db.pool, &Ticker::parse(t).unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{t} is bundled"));
        out.push(c.facts);
    }
    out
}

fn quarter(q: &[CohortQuarter], year: i32, quarter: u8) -> CohortQuarter {
    q.iter()
        .find(|x| x.quarter == CalendarQuarter { year, quarter })
        .cloned()
        .unwrap_or_else(|| panic!("CY{year} Q{quarter} is in the cohort"))
}

#[tokio::test]
async fn the_quarter_ended_march_2026_sums_amazon_meta_and_microsoft_as_computed_by_hand() {
    // Arrange: the rows of data/bundled, $ millions. Amazon FY26 Q1
    // (filings-quarterly.csv): capex 44,203, OCF 26,032, proceeds 969, D&A
    // 18,945, revenue 181,519, net income 30,255. Meta FY26 Q1
    // (filings-quarterly-msft-meta.csv, -meta-orcl-msft.csv): capex 18,997,
    // OCF 32,226, D&A 5,999, revenue 56,311, net income 26,773. Microsoft
    // FY26 Q3, the quarter ended 2026-03-31: capex (additions) 30,876, OCF
    // 46,679, D&A and other 10,167, revenue 82,886, net income 31,778.
    let db = TestDb::with_bundled_data().await;
    let facts = companies(&db, &["AMZN", "META", "MSFT"]).await;
    let refs: Vec<&CompanyFacts> = facts.iter().collect();

    // Act
    let c = cohort(&refs, Basis::Quarterly);

    // Assert
    let q = quarter(&c.quarters, 2026, 1);
    assert_eq!(
        q.member_tickers(),
        vec!["AMZN", "META", "MSFT"],
        "{:?}",
        q.excluded
    );
    let capex = m(44_203 + 18_997 + 30_876); // 94,076
    let ocf = m(26_032 + 32_226 + 46_679); // 104,937
                                           // FCF = OCF − capex (+ proceeds for Amazon, which nets them):
                                           // Amazon 26,032 − 44,203 + 969 = −17,202; Meta 32,226 − 18,997 = 13,229;
                                           // Microsoft 46,679 − 30,876 = 15,803.
    let fcf = m(-17_202 + 13_229 + 15_803); // 11,830
    let depreciation = m(18_945 + 5_999 + 10_167); // 35,111
    let revenue = m(181_519 + 56_311 + 82_886); // 320,716
    let net_income = m(30_255 + 26_773 + 31_778); // 88,806
    assert_eq!(
        q.sums,
        vec![capex, ocf, fcf, depreciation, revenue, net_income]
    );
    assert_eq!(q.ratio(CohortRatio::CapexIntensity), Some(capex / revenue));
    assert_eq!(
        q.ratio(CohortRatio::CapexToDepreciation),
        Some(capex / depreciation)
    );
    assert_eq!(q.ratio(CohortRatio::CashConversion), Some(fcf / net_income));
    // Microsoft's part is its own fiscal quarter, FY26 Q3.
    assert_eq!(q.members[2].fiscal_period.label(), "FY26 Q3");
    // Each member's figures keep their sources.
    assert!(q.members.iter().all(|x| !x.sources.is_empty()));
}

#[tokio::test]
async fn amazon_is_left_out_of_the_quarter_ended_september_2025_and_named_with_the_missing_proceeds(
) {
    // Arrange: Amazon's CSV has no capex proceeds for FY25 Q3, so its free
    // cash flow, and Amazon, is out. Meta FY25 Q3: capex 18,829 (derived,
    // 9M − 6M), OCF 29,999, D&A 4,963, revenue 51,242, net income 2,709.
    // Microsoft FY26 Q1 (quarter ended 2025-09-30): capex 19,394, OCF
    // 45,057, D&A and other 13,061, revenue 77,673, net income 27,747.
    let db = TestDb::with_bundled_data().await;
    let facts = companies(&db, &["AMZN", "META", "MSFT"]).await;
    let refs: Vec<&CompanyFacts> = facts.iter().collect();

    // Act
    let c = cohort(&refs, Basis::Quarterly);

    // Assert
    let q = quarter(&c.quarters, 2025, 3);
    assert_eq!(q.member_tickers(), vec!["META", "MSFT"]);
    assert_eq!(q.excluded.len(), 1);
    assert_eq!(q.excluded[0].ticker, "AMZN");
    assert!(
        q.excluded[0]
            .reason()
            .contains("capex_proceeds for FY25 Q3"),
        "{}",
        q.excluded[0].reason()
    );
    assert_eq!(
        q.sums,
        vec![
            m(18_829 + 19_394),
            m(29_999 + 45_057),
            m((29_999 - 18_829) + (45_057 - 19_394)),
            m(4_963 + 13_061),
            m(51_242 + 77_673),
            m(2_709 + 27_747),
        ]
    );
    // The set changes between CY25 Q3 and CY26 Q1, and the cohort says so.
    let changes: Vec<String> = c.changes().iter().map(ToString::to_string).collect();
    assert!(
        changes.iter().any(|s| s.contains("AMZN joins")),
        "{changes:?}"
    );
}

#[tokio::test]
async fn the_cohort_page_names_who_is_in_and_out_and_refuses_a_bad_address() {
    let app = spawn_app_with(TestDb::with_bundled_data().await).await;

    let page = app.get("/cohort?tickers=AMZN,META,MSFT").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("The cohort read together"),
        "the page has its title"
    );
    assert!(
        html.contains("AMZN (capex_proceeds for FY25 Q3)"),
        "a left-out company is named with what it lacks"
    );
    assert!(html.contains("CY26 Q1"), "quarters are calendar quarters");
    assert!(
        html.contains("$94.1B"),
        "CY26 Q1 capex, 94,076M, is shown as investors read it"
    );

    let unknown = app.get("/cohort?tickers=AMZN,ZZZZ").await;
    assert_eq!(unknown.status(), 400);
    let text = unknown.text().await.unwrap();
    assert!(text.contains("ZZZZ is not tracked here"), "{text}");

    let bad = app.get("/cohort?basis=weekly").await;
    assert_eq!(bad.status(), 400);

    // The picker's own address (a GET form's repeated checkboxes) is sent on
    // to the canonical one.
    let form = app
        .client
        .get(app.url("/cohort?tickers=AMZN&tickers=MSFT&basis=ttm"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 302);
    assert_eq!(
        form.headers()["location"],
        "/cohort?tickers=AMZN,MSFT&basis=ttm"
    );

    // The overview carries the default cohort's newest quarters.
    let overview = app.get("/").await.text().await.unwrap();
    assert!(
        overview.contains("The hyperscalers read together"),
        "the overview shows the cohort"
    );
    assert!(overview.contains("href=\"/cohort\""));
}

#[tokio::test]
async fn the_cohort_pages_link_preview_is_a_1200_by_630_png_of_its_own_cohort() {
    let app = spawn_app_with(TestDb::with_bundled_data().await).await;
    let html = app
        .get("/cohort?tickers=META,MSFT&basis=ttm")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("/cohort.png?tickers=META,MSFT&amp;basis=ttm")
            || html.contains("/cohort.png?tickers=META,MSFT&basis=ttm"),
        "the page names the image of its own cohort"
    );

    let res = app.get("/cohort.png?tickers=META,MSFT&basis=ttm").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    let png = res.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 630));

    assert_eq!(app.get("/cohort.png?basis=weekly").await.status(), 400);
    assert_eq!(app.get("/cohort.png?tickers=ZZZZ").await.status(), 400);
}

#[tokio::test]
async fn a_cohorts_short_link_shows_it_as_stored_when_made_and_says_when_newer_figures_exist() {
    // Arrange: a link to Meta and Microsoft's cohort, made through the page's
    // own server function (anonymous, as the page does).
    let db = TestDb::with_bundled_data().await;
    let pool = db.pool.clone();
    let app = spawn_app_with(db).await;
    let mut agent = capex_lens_tests::accounts::Agent::new(&app);
    let res = agent
        .post(
            app::api::cohort::CreateCohortLink::PATH,
            &[("query", "tickers=META,MSFT")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let id: String = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    let unknown = agent
        .post(
            app::api::cohort::CreateCohortLink::PATH,
            &[("query", "tickers=META,ZZZZ")],
        )
        .await;
    assert_eq!(unknown.status(), 400, "no link for a company not tracked");

    // Act: Microsoft's FY26 Q3 capex restated after the link was made.
    let pinned = app.get(&format!("/c/{id}")).await.text().await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let mut record = store::FactRecord {
        ticker: Ticker::parse("MSFT").unwrap(),
        metric: domain::Metric::Capex,
        period: domain::FiscalPeriod::quarter(2026, 3).unwrap(),
        period_start: Some(time::macros::date!(2026 - 01 - 01)),
        period_end: time::macros::date!(2026 - 03 - 31),
        value: m(40_000),
        unit: "USD",
        known_at: time::macros::date!(2026 - 07 - 29),
        source: store::Source {
            kind: domain::SourceKind::Filing,
            form: Some("10-K".into()),
            accession: None,
            filed_date: Some(time::macros::date!(2026 - 07 - 29)),
            url: None,
            text: "cohort short-link test: a restated figure".into(),
            derivation: None,
            entered_by: None,
        },
        note: None,
    };
    record.source.accession = domain::AccessionNumber::parse("0000950170-26-099998").ok();
    store::apply_facts(&mut tx, &Ticker::parse("MSFT").unwrap(), &[record])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let later = app.get(&format!("/c/{id}")).await.text().await.unwrap();
    let latest = app
        .get("/cohort?tickers=META,MSFT")
        .await
        .text()
        .await
        .unwrap();

    // Assert: CY26 Q1 capex was 18,997 + 30,876 = 49,873M when the link was
    // made; the restatement makes it 18,997 + 40,000 = 58,997M.
    assert!(pinned.contains("shows the figures as stored on"), "pinned");
    assert!(pinned.contains("$49.9B"), "the sums as stored then");
    assert!(later.contains("$49.9B"), "the link still shows them");
    assert!(
        later.contains("Newer figures exist"),
        "and says newer ones exist"
    );
    assert!(
        latest.contains("$59.0B"),
        "the page itself shows the latest"
    );
}
