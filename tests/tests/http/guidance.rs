//! Capex guidance against actuals (methodology section 8) on the bundled
//! disclosures and filings: Meta's 2026 range as it moved, checked by hand;
//! the company page, the compare page and the analyst's preview; a new
//! statement saved through the entry form becomes a revision.

use capex_lens_tests::accounts::{add_user, Agent};
use capex_lens_tests::{spawn_app, TestApp};
use domain::account::Role;
use domain::analytics::guidance::{guidance_year, Standing};
use domain::Ticker;
use rust_decimal::Decimal;
use serde_json::Value;
use time::macros::date;

fn m(millions: i64) -> Decimal {
    Decimal::from(millions) * Decimal::from(1_000_000)
}

async fn meta(app: &TestApp) -> domain::analytics::CompanyFacts {
    store::facts::load(&app.db.pool, &Ticker::parse("META").unwrap())
        .await
        .unwrap()
        .expect("Meta is bundled")
        .facts
}

#[tokio::test]
async fn metas_2026_range_moved_from_115_135_to_125_145_and_the_rest_of_the_year_needs_what_is_computed_by_hand(
) {
    // Arrange: data/bundled/disclosures.csv: "FY2026 capex guidance
    // (initial)" 115-135 USD bn stated 2026-01-28, "(raised)" 125-145 stated
    // 2026-04-29. Capex (purchases of property and equipment) in
    // filings-quarterly-msft-meta.csv: FY26 Q1 18,997 and Q2 30,116 ($M).
    let app = spawn_app().await;

    // Act
    let y = guidance_year(&meta(&app).await, 2026).expect("Meta guided 2026");

    // Assert: two dated bands, the raise in force.
    let bands: Vec<_> = y
        .revisions
        .iter()
        .map(|r| (r.known_at, r.low.value, r.high.value))
        .collect();
    assert_eq!(
        bands,
        vec![
            (date!(2026 - 01 - 28), m(115_000), m(135_000)),
            (date!(2026 - 04 - 29), m(125_000), m(145_000)),
        ]
    );
    assert_eq!((y.low.value, y.high.value), (m(125_000), m(145_000)));
    // Year to date: 18,997 + 30,116 = 49,113.
    assert_eq!(y.actual, m(49_113));
    assert_eq!(y.quarters.len(), 2);
    // Two quarters remain: (125,000 − 49,113) / 2 = 37,943.5 and
    // (145,000 − 49,113) / 2 = 47,943.5 a quarter.
    assert_eq!(
        y.needed_per_quarter,
        Some((
            Decimal::from(37_943_500_000_i64),
            Decimal::from(47_943_500_000_i64)
        ))
    );
    assert_eq!(y.standing(), Standing::OnTheWay);
    // Each end keeps its source, the address the statement was read at.
    assert!(y.revisions[1]
        .high
        .provenance
        .url
        .as_deref()
        .is_some_and(|u| u.contains("aardvarklabs")));
}

#[tokio::test]
async fn metas_2025_capex_landed_inside_its_raised_range() {
    // Arrange: 64-72 USD bn stated 2025-04-30; FY2025 capex 69,691 ($M,
    // the 10-K's full year, its Q4 derived as FY − 9M).
    let app = spawn_app().await;

    // Act
    let y = guidance_year(&meta(&app).await, 2025).expect("Meta guided 2025");

    // Assert
    assert!(y.is_complete());
    assert_eq!(y.actual, m(69_691));
    assert_eq!(y.standing(), Standing::LandedInside);
    assert_eq!(y.needed_per_quarter, None);
}

#[tokio::test]
async fn the_company_page_charts_each_range_with_its_date_and_the_compare_page_has_a_row_per_company(
) {
    let app = spawn_app().await;

    let html = app.get("/company/META").await.text().await.unwrap();
    let section = html
        .split("id=\"guidance\"")
        .nth(1)
        .expect("the company page has a guidance section");
    for text in [
        "data-chart=\"guidance\"",
        "$115–135B from Jan 28, 2026",
        "$125–145B from Apr 29, 2026",
        "data-known-at=\"2026-01-28\"",
        "data-known-at=\"2026-04-29\"",
        "(superseded)",
        "$49.1B reported to date",
    ] {
        assert!(section.contains(text), "{text} is on the company page");
    }

    let html = app
        .get("/compare?tickers=META,GOOGL,AMZN&metrics=capex")
        .await
        .text()
        .await
        .unwrap();
    let section = html
        .split("id=\"guidance\"")
        .nth(1)
        .expect("the compare page has a guidance section");
    for link in [
        "/company/META#guidance",
        "/company/GOOGL#guidance",
        "/company/AMZN#guidance",
    ] {
        assert!(section.contains(link), "{link} in the compare table");
    }
    assert_eq!(section.matches("data-fiscal-year=\"2026\"").count(), 3);

    // Amazon guided one figure, about $200B (disclosures.csv, 2026-02-05),
    // and reported 44,203 + 54,208 = 98,411 ($M) in Q1-Q2: each remaining
    // quarter needs (200,000 - 98,411) / 2 = 50,794.5, one figure too.
    let amazon = store::facts::load(&app.db.pool, &Ticker::parse("AMZN").unwrap())
        .await
        .unwrap()
        .expect("Amazon is bundled")
        .facts;
    let year = guidance_year(&amazon, 2026).expect("Amazon guided FY26");
    assert_eq!(year.actual, m(98_411));
    let half = Decimal::new(50_794_500_000, 0);
    assert_eq!(year.needed_per_quarter, Some((half, half)));
    let row = section
        .split("/company/AMZN#guidance")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap();
    assert!(row.contains("$50.8B in each of 2 quarters"), "{row}");
    assert!(!row.contains("$50.8B – $50.8B"), "{row}");
}

/// A decimal as JSON carries it (a string, or a number).
fn dec(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

async fn current_version(app: &TestApp, metric: &str) -> i32 {
    sqlx::query_scalar(
        "SELECT version FROM current_facts WHERE ticker = 'META' AND metric = $1
         AND fiscal_year = 2026 AND fiscal_quarter = 0",
    )
    .bind(metric)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_analyst_previews_a_new_top_end_against_the_actuals_and_saving_it_adds_a_dated_revision()
{
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let base = current_version(&app, "capex_guidance_high")
        .await
        .to_string();

    // Act: the preview of $150B as the top of Meta's 2026 range.
    let res = ann
        .post(
            "/api/entry/preview",
            &[
                ("ticker", "META"),
                ("metric", "capex_guidance_high"),
                ("period", "FY26"),
                ("value", "150B"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let preview: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();

    // Assert: now $125–145B; with the value (145 → 150) the top needs
    // (150,000 − 49,113) / 2 = 50,443.5 ($M) a quarter.
    let g = &preview["guidance"];
    assert_eq!(g["label"], "FY26", "{preview}");
    let high = |y: &Value| dec(&y["high"]["value"]);
    assert_eq!(high(&g["now"]), Some(m(145_000)));
    assert_eq!(high(&g["with_value"]), Some(m(150_000)));
    assert_eq!(
        dec(&g["with_value"]["needed_per_quarter"][1]),
        Some(Decimal::from(50_443_500_000_i64))
    );
    assert_eq!(
        g["with_value"]["revisions"].as_array().map(Vec::len),
        Some(3)
    );
    // Nothing was written by the preview.
    assert_eq!(
        current_version(&app, "capex_guidance_high")
            .await
            .to_string(),
        base
    );

    // Act: saved.
    let res = ann
        .post(
            "/api/entry/save",
            &[
                ("ticker", "META"),
                ("period", "FY26"),
                ("metric", "capex_guidance_high"),
                ("value", "150B"),
                ("source_url", "https://investor.atmeta.com/"),
                ("note", "test statement"),
                ("base_version", &base),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Assert: a third revision, dated today, the low end carried from April.
    let y = guidance_year(&meta(&app).await, 2026).unwrap();
    assert_eq!(y.revisions.len(), 3);
    let last = y.revisions.last().unwrap();
    assert_eq!(last.known_at, time::OffsetDateTime::now_utc().date());
    assert_eq!((last.low.value, last.high.value), (m(125_000), m(150_000)));
}
