//! The filings store against a real PostgreSQL: every query, a fresh database each.

use capex_lens_tests::TestDb;
use domain::SourceKind;
use domain::{FiscalPeriod, Metric, Ticker};
use rust_decimal::Decimal;
use store::{self, CompanyRecord, FactRecord, Source};
use time::macros::date;

fn company() -> CompanyRecord {
    CompanyRecord {
        ticker: Ticker::parse("TEST").unwrap(),
        name: "Test Corp".into(),
        cik: None,
        fiscal_year_end_month: 12,
        nets_capex_proceeds: false,
    }
}

fn capex(value: i64, known_at: time::Date) -> FactRecord {
    FactRecord {
        ticker: Ticker::parse("TEST").unwrap(),
        metric: Metric::Capex,
        period: FiscalPeriod::quarter(2026, 1).unwrap(),
        period_start: Some(date!(2026 - 01 - 01)),
        period_end: date!(2026 - 03 - 31),
        value: Decimal::from(value),
        unit: "USD",
        known_at,
        source: Source {
            kind: SourceKind::Filing,
            form: Some("10-Q".into()),
            accession: None,
            filed_date: Some(known_at),
            url: None,
            text: "test filing".into(),
            derivation: None,
            entered_by: None,
        },
        note: None,
    }
}

async fn versions(db: &TestDb) -> Vec<(i32, Decimal)> {
    sqlx::query_as(
        "SELECT version, value FROM fact_versions WHERE ticker = 'TEST' ORDER BY version",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

async fn current_value(db: &TestDb) -> Decimal {
    sqlx::query_scalar("SELECT value FROM current_facts WHERE ticker = 'TEST' AND metric = 'capex'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn applying_the_same_facts_twice_writes_nothing_the_second_time() {
    // Arrange
    let db = TestDb::new().await;
    let mut tx = db.pool.begin().await.unwrap();
    store::upsert_company(&mut tx, &company()).await.unwrap();
    let records = vec![capex(100, date!(2026 - 04 - 30))];
    let first = store::apply_facts(&mut tx, &company().ticker, &records)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = db.pool.begin().await.unwrap();
    let second = store::apply_facts(&mut tx, &company().ticker, &records)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!((first.new, first.unchanged), (1, 0));
    assert_eq!((second.new, second.changed, second.unchanged), (0, 0, 1));
    assert_eq!(versions(&db).await.len(), 1);
}

#[tokio::test]
async fn a_restatement_adds_a_version_that_becomes_current_and_keeps_the_first() {
    // Arrange
    let db = TestDb::new().await;
    let mut tx = db.pool.begin().await.unwrap();
    store::upsert_company(&mut tx, &company()).await.unwrap();
    store::apply_facts(
        &mut tx,
        &company().ticker,
        &[capex(100, date!(2026 - 04 - 30))],
    )
    .await
    .unwrap();

    // Act
    let report = store::apply_facts(
        &mut tx,
        &company().ticker,
        &[capex(120, date!(2027 - 04 - 29))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(report.changed, 1);
    assert_eq!(
        versions(&db).await,
        vec![(1, Decimal::from(100)), (2, Decimal::from(120))]
    );
    assert_eq!(current_value(&db).await, Decimal::from(120));
}

#[tokio::test]
async fn an_older_report_imported_later_joins_history_without_becoming_current() {
    let db = TestDb::new().await;
    let mut tx = db.pool.begin().await.unwrap();
    store::upsert_company(&mut tx, &company()).await.unwrap();
    store::apply_facts(
        &mut tx,
        &company().ticker,
        &[capex(120, date!(2027 - 04 - 29))],
    )
    .await
    .unwrap();

    let report = store::apply_facts(
        &mut tx,
        &company().ticker,
        &[capex(100, date!(2026 - 04 - 30))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(report.history, 1);
    assert_eq!(current_value(&db).await, Decimal::from(120));
}

#[tokio::test]
async fn fact_versions_cannot_be_updated_or_deleted() {
    let db = TestDb::new().await;
    let mut tx = db.pool.begin().await.unwrap();
    store::upsert_company(&mut tx, &company()).await.unwrap();
    store::apply_facts(
        &mut tx,
        &company().ticker,
        &[capex(100, date!(2026 - 04 - 30))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let update = sqlx::query("UPDATE fact_versions SET value = 1")
        .execute(&db.pool)
        .await;
    let delete = sqlx::query("DELETE FROM fact_versions")
        .execute(&db.pool)
        .await;

    assert!(update.unwrap_err().to_string().contains("never changed"));
    assert!(delete.is_err());
    assert_eq!(current_value(&db).await, Decimal::from(100));
}

#[tokio::test]
async fn facts_for_an_unknown_company_are_refused_and_nothing_is_written() {
    let db = TestDb::new().await;
    let mut tx = db.pool.begin().await.unwrap();

    let result = store::apply_facts(
        &mut tx,
        &company().ticker,
        &[capex(100, date!(2026 - 04 - 30))],
    )
    .await;
    drop(tx);

    assert!(result.unwrap_err().to_string().contains("not in the store"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM fact_versions")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn loading_the_bundled_data_twice_is_idempotent() {
    // Arrange
    let db = TestDb::with_bundled_data().await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM fact_versions")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    let before = count().await;

    // Act
    let reports = server::bundled::load(
        &db.pool,
        &capex_lens_tests::workspace_root().join("data/bundled"),
    )
    .await
    .unwrap();

    // Assert
    assert!(
        before > 300,
        "the bundled files hold hundreds of facts, got {before}"
    );
    let written: Vec<_> = reports
        .iter()
        .filter(|(_, _, r)| r.applied.written() > 0)
        .collect();
    assert!(written.is_empty(), "{written:?}");
    assert_eq!(count().await, before);
}

#[tokio::test]
async fn the_overview_shows_amazons_latest_quarter_with_its_filing_from_its_current_facts() {
    // Arrange
    let db = TestDb::with_bundled_data().await;

    // Act
    let rows = app::api::overview::ssr::overview(&db.pool).await.unwrap();

    // Assert: Amazon's latest bundled quarter is calendar 2026 Q2 (10-Q accn 0001018724-26-000026).
    let amzn = rows.iter().find(|r| r.ticker == "AMZN").expect("AMZN row");
    assert_eq!(amzn.period_label.as_deref(), Some("FY26 Q2"));
    let capex = amzn.capex.as_ref().expect("capex");
    assert_eq!(capex.value, Decimal::from(54_208_000_000_i64));
    assert!(
        capex.provenance.label.contains("0001018724-26-000026"),
        "{}",
        capex.provenance.label
    );
    assert!(capex
        .provenance
        .url
        .as_deref()
        .unwrap_or("")
        .starts_with("https://www.sec.gov/Archives/edgar/data/1018724/"));
    // FCF = OCF − capex + proceeds, all for 2026 Q2.
    let ocf = amzn.operating_cash_flow.as_ref().expect("ocf").value;
    match &amzn.free_cash_flow {
        app::api::Computed::Value { value, .. } => {
            assert_eq!(
                *value,
                ocf - Decimal::from(54_208_000_000_i64) + Decimal::from(1_132_000_000_i64)
            )
        }
        other => panic!("expected FCF, got {other:?}"),
    }
    // Every bundled company is listed, even one without quarterly figures yet.
    assert_eq!(rows.len(), 7);
}

#[tokio::test]
async fn reimporting_a_batch_with_a_repeat_before_a_restatement_changes_nothing() {
    // Arrange: x known on d0, x repeated on d1, then restated to y on d2.
    let db = TestDb::new().await;
    let batch = vec![
        capex(100, date!(2026 - 04 - 30)),
        capex(100, date!(2026 - 07 - 30)),
        capex(120, date!(2027 - 04 - 29)),
    ];
    let mut tx = db.pool.begin().await.unwrap();
    store::upsert_company(&mut tx, &company()).await.unwrap();
    let first = store::apply_facts(&mut tx, &company().ticker, &batch)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = db.pool.begin().await.unwrap();
    let again = store::apply_facts(&mut tx, &company().ticker, &batch)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!((first.new, first.unchanged, first.changed), (1, 1, 1));
    assert_eq!(again.written(), 0, "{again:?}");
    assert_eq!(versions(&db).await.len(), 2);
}

#[tokio::test]
async fn the_metrics_table_and_the_source_kinds_in_the_database_are_the_domains_own() {
    // Arrange
    let db = TestDb::new().await;

    // Act
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT key, kind::text, label FROM metrics ORDER BY key")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT unnest(enum_range(NULL::source_kind))::text")
            .fetch_all(&db.pool)
            .await
            .unwrap();

    // Assert: the same metrics, kinds and labels, in both directions.
    let mut expected: Vec<(String, String, String)> = Metric::ALL
        .iter()
        .map(|m| {
            (
                m.key().to_string(),
                m.kind().as_str().to_string(),
                m.label().to_string(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(rows, expected);
    let expected_kinds: Vec<String> = SourceKind::ALL
        .iter()
        .map(|k| k.as_str().to_string())
        .collect();
    assert_eq!(kinds, expected_kinds);
}

#[tokio::test]
async fn every_connection_of_the_pool_bounds_a_statement_to_thirty_seconds() {
    // Arrange
    let db = TestDb::new().await;

    // Act
    let setting: String = sqlx::query_scalar("SELECT current_setting('statement_timeout')")
        .fetch_one(&db.pool)
        .await
        .unwrap();

    // Assert
    assert_eq!(setting, "30s");
}

#[tokio::test]
async fn the_entry_context_for_many_keys_is_what_each_key_reads_alone() {
    use domain::entry::EntryKey;
    // Arrange: the bundled data; keys across companies, stored and not, and
    // a ticker the store does not have.
    let db = TestDb::with_bundled_data().await;
    let tickers: Vec<Ticker> = store::facts::tickers(&db.pool).await.unwrap();
    let mut keys = Vec::new();
    for ticker in &tickers {
        for metric in [Metric::Capex, Metric::Revenue, Metric::UnitInferenceCost] {
            for year in 2023..=2026 {
                for quarter in 0..=4 {
                    keys.push(EntryKey {
                        ticker: ticker.clone(),
                        metric,
                        period: FiscalPeriod {
                            fiscal_year: year,
                            quarter,
                        },
                    });
                }
            }
        }
    }
    let unknown = Ticker::parse("ZZZZ").unwrap();

    // Act
    let ctx = store::entry::context(&db.pool, std::slice::from_ref(&unknown), &keys)
        .await
        .unwrap();

    // Assert: every company known but the unknown one; each key's version in
    // force, largest value and dates as read one at a time.
    assert_eq!(ctx.companies.len(), tickers.len());
    assert!(!ctx.companies.contains_key(&unknown));
    let mut stored = 0;
    for key in &keys {
        let alone = store::entry::current(&db.pool, key).await.unwrap();
        assert_eq!(
            ctx.current.get(key).map(|c| (c.version, c.value)),
            alone.as_ref().map(|c| (c.version, c.value)),
            "{key:?}"
        );
        stored += usize::from(alone.is_some());
        let (largest, dates): (Option<Decimal>, Option<(time::Date, time::Date)>) = (
            sqlx::query_scalar(
                "SELECT max(abs(value)) FROM current_facts WHERE ticker = $1 AND metric = $2",
            )
            .bind(key.ticker.as_str())
            .bind(key.metric.key())
            .fetch_one(&db.pool)
            .await
            .unwrap(),
            sqlx::query_as(
                "SELECT period_start, period_end FROM fact_versions
                 WHERE ticker = $1 AND fiscal_year = $2 AND fiscal_quarter = $3
                   AND period_start IS NOT NULL
                 ORDER BY recorded_at DESC LIMIT 1",
            )
            .bind(key.ticker.as_str())
            .bind(key.period.fiscal_year as i16)
            .bind(i16::from(key.period.quarter))
            .fetch_optional(&db.pool)
            .await
            .unwrap(),
        );
        assert_eq!(
            ctx.largest.get(&(key.ticker.clone(), key.metric)).copied(),
            largest,
            "{key:?}"
        );
        assert_eq!(
            ctx.period_dates
                .get(&(key.ticker.clone(), key.period))
                .copied(),
            dates,
            "{key:?}"
        );
    }
    assert!(stored > 100, "the keys include stored numbers ({stored})");
}
