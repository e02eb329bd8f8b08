//! The Atom feeds of what changed, read with a real feed parser (`feed-rs`):
//! valid Atom, a restatement imported in the test appearing once with both
//! values and both filings, stable entry ids, discovery links on the pages,
//! and clear refusals of bad input.

use capex_lens_tests::{spawn_app_with, TestDb};
use domain::{AccessionNumber, FiscalPeriod, Metric, SourceKind, Ticker};
use rust_decimal::Decimal;
use store::{FactRecord, Source};
use time::macros::date;

fn parse(body: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body.as_bytes()).expect("the feed is valid Atom")
}

/// Microsoft's FY26 Q3 capex as a later filing would restate it.
fn restated_capex(value: i64) -> FactRecord {
    FactRecord {
        ticker: Ticker::parse("MSFT").unwrap(),
        metric: Metric::Capex,
        period: FiscalPeriod::quarter(2026, 3).unwrap(),
        period_start: Some(date!(2026 - 01 - 01)),
        period_end: date!(2026 - 03 - 31),
        value: Decimal::from(value),
        unit: "USD",
        known_at: date!(2026 - 07 - 29),
        source: Source {
            kind: SourceKind::Filing,
            form: Some("10-K".into()),
            accession: Some(AccessionNumber::parse("0000950170-26-099999").unwrap()),
            filed_date: Some(date!(2026 - 07 - 29)),
            url: None,
            text: "feed test: a restated figure".into(),
            derivation: None,
            entered_by: None,
        },
        note: None,
    }
}

#[tokio::test]
async fn the_feed_is_valid_atom_with_stable_ids_and_links_to_the_pages() {
    // Arrange
    let app = spawn_app_with(TestDb::with_bundled_data().await).await;

    // Act
    let res = app.get("/feed.atom").await;
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    let first = res.text().await.unwrap();
    let again = app.get("/feed.atom").await.text().await.unwrap();

    // Assert
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{content_type}"
    );
    let feed = parse(&first);
    assert_eq!(feed.entries.len(), 50, "the default limit");
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "each change once");
    assert!(ids.iter().all(|id| id.starts_with("urn:uuid:")));
    let ids_again: Vec<String> = parse(&again).entries.into_iter().map(|e| e.id).collect();
    assert_eq!(ids, ids_again, "the same ids on a second read");
    assert!(
        feed.entries.iter().any(|e| e
            .title
            .as_ref()
            .is_some_and(|t| t.content.contains("imported"))),
        "bundled filings appear as imported"
    );
    assert!(
        feed.entries.iter().any(|e| e.title.as_ref().is_some_and(
            |t| t.content.contains(" now ") && t.content.contains("(its first answer)")
        )),
        "a company's first scorecard answers are news"
    );
    for e in &feed.entries {
        let href = &e.links.first().expect("an entry links to its page").href;
        assert!(href.contains("/company/"), "{href}");
    }
}

#[tokio::test]
async fn a_restatement_appears_once_in_the_companys_feed_with_both_values_and_filings() {
    // Arrange: the store holds Microsoft's FY26 Q3 capex, $30,876M.
    let db = TestDb::with_bundled_data().await;
    let pool = db.pool.clone();
    let app = spawn_app_with(db).await;

    // Act: a later 10-K restates it to $31,000M.
    let before = parse(
        &app.get("/company/MSFT/feed.atom")
            .await
            .text()
            .await
            .unwrap(),
    );
    let mut tx = pool.begin().await.unwrap();
    let report = store::apply_facts(
        &mut tx,
        &Ticker::parse("MSFT").unwrap(),
        &[restated_capex(31_000_000_000)],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // The page cache hears of the write through the database's notification:
    // read until it has (a stale feed never lasts longer than that).
    let mut feed = before.clone();
    for _ in 0..50 {
        feed = parse(
            &app.get("/company/MSFT/feed.atom")
                .await
                .text()
                .await
                .unwrap(),
        );
        if feed.entries.first().map(|e| &e.id) != before.entries.first().map(|e| &e.id) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Assert
    assert_eq!(report.changed, 1, "{report:?}");
    let restated: Vec<_> = feed
        .entries
        .iter()
        .filter(|e| {
            e.title.as_ref().is_some_and(|t| {
                t.content.contains("restated Capex")
                    && t.content.contains("FY26 Q3")
                    && t.content.contains("$31B")
            })
        })
        .collect();
    assert_eq!(
        restated.len(),
        1,
        "once: {:?}",
        feed.entries.iter().map(|e| &e.title).collect::<Vec<_>>()
    );
    let entry = restated[0];
    let title = &entry.title.as_ref().unwrap().content;
    assert!(title.contains("$30.9B → $31B"), "old → new: {title}");
    let summary = &entry.summary.as_ref().unwrap().content;
    assert!(
        summary.contains("0000950170-26-099999"),
        "the new filing: {summary}"
    );
    assert!(
        summary.starts_with("Was $30.9B ("),
        "the old value and its source: {summary}"
    );
    assert!(
        entry.links[0]
            .href
            .ends_with("/company/MSFT/history/capex/FY26Q3"),
        "{}",
        entry.links[0].href
    );
    assert!(
        feed.entries
            .iter()
            .all(|e| e.links[0].href.contains("/company/MSFT")),
        "only Microsoft's changes"
    );
    assert!(
        before.entries.iter().all(|e| e.id != entry.id),
        "the entry is new"
    );
    assert!(
        !feed.entries.iter().any(|e| e
            .title
            .as_ref()
            .is_some_and(|t| t.content.contains("$30.9B → $30.9B"))),
        "a later source with the same value is no change"
    );
    // The all-companies feed has it too, under the same id.
    let all = parse(&app.get("/feed.atom").await.text().await.unwrap());
    assert!(all.entries.iter().any(|e| e.id == entry.id));
}

#[tokio::test]
async fn the_pages_offer_their_feeds_to_feed_readers() {
    let app = spawn_app_with(TestDb::with_bundled_data().await).await;
    let overview = app.get("/").await.text().await.unwrap();
    assert!(
        overview.contains(r#"type="application/atom+xml""#)
            && overview.contains(r#"href="/feed.atom""#),
        "the overview names its feed"
    );
    let company = app.get("/company/MSFT").await.text().await.unwrap();
    assert!(
        company.contains(r#"href="/company/MSFT/feed.atom""#),
        "the company page names its feed"
    );
}

#[tokio::test]
async fn bad_or_huge_feed_queries_get_a_clear_400_and_an_unknown_company_a_404() {
    let app = spawn_app_with(TestDb::with_bundled_data().await).await;
    for (query, says) in [
        ("/feed.atom?limit=abc", "limit \"abc\" is not valid"),
        ("/feed.atom?limit=100000", "from 1 to 200"),
        ("/feed.atom?q=<script>", "is not a feed parameter"),
    ] {
        let res = app.get(query).await;
        assert_eq!(res.status(), 400, "{query}");
        let text = res.text().await.unwrap();
        assert!(text.contains(says), "{query}: {text}");
    }
    let huge = format!("/feed.atom?limit={}", "9".repeat(5000));
    assert_eq!(app.get(&huge).await.status(), 400);
    let few = parse(&app.get("/feed.atom?limit=3").await.text().await.unwrap());
    assert_eq!(few.entries.len(), 3);
    assert_eq!(app.get("/company/ZZZZ/feed.atom").await.status(), 404);
}
