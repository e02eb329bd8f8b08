//! The EDGAR importer and CSV import/export against a real PostgreSQL, with
//! the real company-facts files in `data/bundled/edgar/` (see its SOURCES.md).

use capex_lens_tests::{workspace_root, TestDb};
use rust_decimal::Decimal;
use server::csv_io;
use server::edgar::{self, import_company_facts};
use sqlx::PgPool;

fn company_facts(file: &str) -> Vec<u8> {
    std::fs::read(workspace_root().join("data/bundled/edgar").join(file))
        .expect("bundled company facts")
}

fn alphabet() -> Vec<u8> {
    company_facts("companyfacts_CIK0001652044.json")
}

fn nvidia() -> Vec<u8> {
    company_facts("companyfacts_CIK0001045810.json")
}

fn microsoft() -> Vec<u8> {
    company_facts("companyfacts_CIK0000789019_subset.json")
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn export(pool: &PgPool) -> Vec<u8> {
    let mut out = Vec::new();
    csv_io::export_csv(pool, &mut out).await.unwrap();
    out
}

/// Everything the store holds that an import could change.
async fn snapshot(pool: &PgPool) -> (Vec<u8>, Vec<(String, String, Option<i64>, i16, bool)>) {
    let companies = sqlx::query_as(
        "SELECT ticker, name, cik, fiscal_year_end_month, nets_capex_proceeds FROM companies ORDER BY ticker",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (export(pool).await, companies)
}

/// A small company-facts document for one tag.
fn doc(tag: &str, facts: &[(&str, &str, i64, &str, &str)]) -> Vec<u8> {
    let entries: Vec<serde_json::Value> = facts
        .iter()
        .map(|(start, end, val, accn, filed)| {
            serde_json::json!({"start": start, "end": end, "val": val, "accn": accn,
                               "fy": 2024, "fp": "Q1", "form": "10-Q", "filed": filed})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "cik": 1652044, "entityName": "ALPHABET INC.",
        "facts": {"us-gaap": {tag: {"label": tag, "units": {"USD": entries}}}}
    }))
    .unwrap()
}

#[tokio::test]
async fn importing_the_same_company_facts_twice_changes_nothing_the_second_time() {
    // Arrange
    let db = TestDb::new().await;
    let first = import_company_facts(&db.pool, &alphabet(), false)
        .await
        .unwrap();
    let rows = count(&db.pool, "fact_versions").await;
    let before = snapshot(&db.pool).await;

    // Act
    let second = import_company_facts(&db.pool, &alphabet(), false)
        .await
        .unwrap();

    // Assert
    assert!(first.new > 0);
    assert_eq!(first.ticker, "GOOGL");
    assert_eq!((second.new, second.changed, second.history), (0, 0, 0));
    assert_eq!(second.unchanged, second.records);
    assert_eq!(count(&db.pool, "fact_versions").await, rows);
    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn a_restatement_adds_a_current_version_and_keeps_the_first_in_history() {
    // Arrange: Q1 2024 capex as first reported, then restated a year later.
    let db = TestDb::new().await;
    let tag = "PaymentsToAcquirePropertyPlantAndEquipment";
    let original = doc(
        tag,
        &[(
            "2024-01-01",
            "2024-03-31",
            100,
            "0001652044-24-000001",
            "2024-04-25",
        )],
    );
    let restated = doc(
        tag,
        &[(
            "2024-01-01",
            "2024-03-31",
            90,
            "0001652044-25-000001",
            "2025-04-25",
        )],
    );
    import_company_facts(&db.pool, &original, false)
        .await
        .unwrap();

    // Act
    let report = import_company_facts(&db.pool, &restated, false)
        .await
        .unwrap();

    // Assert
    assert_eq!((report.new, report.changed, report.unchanged), (0, 1, 0));
    let versions: Vec<(i32, Decimal, String, String)> = sqlx::query_as(
        "SELECT version, value, known_at::text, accession FROM fact_versions
         WHERE ticker = 'GOOGL' AND metric = 'capex' ORDER BY version",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        versions,
        vec![
            (
                1,
                Decimal::from(100),
                "2024-04-25".into(),
                "0001652044-24-000001".into()
            ),
            (
                2,
                Decimal::from(90),
                "2025-04-25".into(),
                "0001652044-25-000001".into()
            ),
        ]
    );
    let current: Decimal = sqlx::query_scalar(
        "SELECT value FROM current_facts WHERE ticker = 'GOOGL' AND metric = 'capex'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(current, Decimal::from(90));
    // As known on a date between the two filings: the first value.
    let as_known: Decimal = sqlx::query_scalar(
        "SELECT value FROM fact_versions WHERE ticker = 'GOOGL' AND metric = 'capex' AND known_at <= '2024-12-31'
         ORDER BY known_at DESC, version DESC LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(as_known, Decimal::from(100));
}

#[tokio::test]
async fn an_import_that_fails_while_writing_leaves_the_store_exactly_as_before() {
    // Arrange: Nvidia stored; a trigger makes one Alphabet row fail mid-insert.
    let db = TestDb::new().await;
    import_company_facts(&db.pool, &nvidia(), false)
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE FUNCTION fail_on_marker() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'injected failure'; END; $$;
         CREATE TRIGGER fail_on_marker BEFORE INSERT ON fact_versions
         FOR EACH ROW WHEN (NEW.value = 35674000000) EXECUTE FUNCTION fail_on_marker();",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let before = snapshot(&db.pool).await;

    // Act: Alphabet's Q1 2026 capex is 35,674 ($M), in the middle of its rows.
    let result = import_company_facts(&db.pool, &alphabet(), false).await;

    // Assert: no company row, no fact: the company created in the transaction is gone too.
    let err = format!("{:#}", result.unwrap_err());
    assert!(err.contains("injected failure"), "{err}");
    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn a_malformed_value_fails_the_import_with_a_clear_error_and_writes_nothing() {
    // Arrange
    let db = TestDb::new().await;
    import_company_facts(&db.pool, &microsoft(), false)
        .await
        .unwrap();
    let before = snapshot(&db.pool).await;
    let mut json: serde_json::Value = serde_json::from_slice(&alphabet()).unwrap();
    json["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]["USD"][5]
        ["val"] = serde_json::json!("12x");
    let bytes = serde_json::to_vec(&json).unwrap();

    // Act
    let result = import_company_facts(&db.pool, &bytes, false).await;

    // Assert
    let err = format!("{:#}", result.unwrap_err());
    assert!(err.contains("malformed"), "{err}");
    assert_eq!(snapshot(&db.pool).await, before);
    let bad_shape = import_company_facts(&db.pool, br#"{"cik": 1}"#, false).await;
    assert!(bad_shape.is_err());
    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn a_dry_run_reports_what_would_change_and_writes_nothing() {
    // Arrange
    let db = TestDb::new().await;

    // Act
    let report = import_company_facts(&db.pool, &microsoft(), true)
        .await
        .unwrap();

    // Assert
    assert!(report.dry_run);
    assert!(report.new > 0);
    assert!(report.to_string().contains("dry run"));
    assert_eq!(count(&db.pool, "companies").await, 0);
    assert_eq!(count(&db.pool, "fact_versions").await, 0);
}

#[tokio::test]
async fn the_file_option_imports_through_the_same_path() {
    // Arrange
    let db = TestDb::new().await;
    let args = edgar::EdgarArgs {
        file: Some(
            workspace_root().join("data/bundled/edgar/companyfacts_CIK0000789019_subset.json"),
        ),
        since_fiscal_year: Some(2023),
        ..edgar::EdgarArgs::default()
    };

    // Act
    let reports = edgar::run(&db.pool, &args, &Default::default())
        .await
        .unwrap();

    // Assert
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].ticker, "MSFT");
    assert_eq!(reports[0].fiscal_year_end_month, 6);
    let q4: Decimal = sqlx::query_scalar(
        "SELECT value FROM current_facts WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_year = 2026 AND fiscal_quarter = 4",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(q4, Decimal::from(35_802_000_000i64));
    let oldest: i16 = sqlx::query_scalar("SELECT min(fiscal_year) FROM fact_versions")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(oldest, 2023);
}

#[tokio::test]
async fn csv_export_import_into_an_empty_store_and_export_again_is_byte_identical() {
    // Arrange: three companies, restatements and derived values included.
    let source = TestDb::new().await;
    for bytes in [alphabet(), nvidia(), microsoft()] {
        import_company_facts(&source.pool, &bytes, false)
            .await
            .unwrap();
    }
    let first = export(&source.pool).await;

    // Act
    let target = TestDb::new().await;
    let report = csv_io::import_csv(&target.pool, first.as_slice())
        .await
        .unwrap();
    let second = export(&target.pool).await;

    // Assert
    assert_eq!(report.companies_created, 3);
    assert_eq!(report.restored, report.rows);
    assert!(first == second, "exports differ");
    // Importing the same file again stores nothing new.
    let again = csv_io::import_csv(&target.pool, first.as_slice())
        .await
        .unwrap();
    assert_eq!((again.restored, again.already_stored), (0, again.rows));
    assert!(export(&target.pool).await == first);
}

#[tokio::test]
async fn a_csv_with_a_bad_row_names_the_line_and_writes_nothing() {
    // Arrange
    let source = TestDb::new().await;
    import_company_facts(&source.pool, &microsoft(), false)
        .await
        .unwrap();
    let text = String::from_utf8(export(&source.pool).await).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[3] = lines[3].replacen(",USD,", ",EUR,", 1);
    let broken = lines.join("\n") + "\n";
    let target = TestDb::new().await;

    // Act
    let result = csv_io::import_csv(&target.pool, broken.as_bytes()).await;

    // Assert
    let err = format!("{:#}", result.unwrap_err());
    assert!(err.contains("line 4, column unit"), "{err}");
    assert_eq!(count(&target.pool, "companies").await, 0);
    assert_eq!(count(&target.pool, "fact_versions").await, 0);
}

// --- SEC company-facts observations relayed as CSV ---

fn observations() -> String {
    std::fs::read_to_string(
        workspace_root().join("data/bundled/edgar/xbrl-observations-meta-orcl.csv"),
    )
    .expect("bundled observations file")
}

/// A fresh store holding the bundled companies (`companies.csv`) and no facts.
async fn with_bundled_companies() -> TestDb {
    let db = TestDb::new().await;
    let companies = server::bundled::read_companies(&workspace_root().join("data/bundled"))
        .expect("bundled companies");
    let mut conn = db.pool.acquire().await.unwrap();
    for company in &companies {
        store::upsert_company(&mut conn, company).await.unwrap();
    }
    drop(conn);
    db
}

/// (version, value, known_at, source_kind, form, accession, filed_date, source_text)
type VersionRow = (
    i32,
    Decimal,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

async fn versions(pool: &PgPool, ticker: &str, metric: &str, fy: i16, q: i16) -> Vec<VersionRow> {
    sqlx::query_as(
        "SELECT version, value, known_at::text, source_kind::text, form, accession, filed_date::text, source_text
         FROM fact_versions WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4
         ORDER BY version",
    )
    .bind(ticker)
    .bind(metric)
    .bind(fy)
    .bind(q)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn current_value(pool: &PgPool, ticker: &str, metric: &str, fy: i16, q: i16) -> Decimal {
    sqlx::query_scalar(
        "SELECT value FROM current_facts WHERE ticker = $1 AND metric = $2 AND fiscal_year = $3 AND fiscal_quarter = $4",
    )
    .bind(ticker)
    .bind(metric)
    .bind(fy)
    .bind(q)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// (version, value, known_at, source_kind, form, accession)
type Seen<'a> = (
    i32,
    Decimal,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

const RELAYED_FROM: &str = "ccesm/world-inflation-lens@40e792354d4e9d8629da43afa9c87d582b9427f4";

#[tokio::test]
async fn importing_the_observations_file_keeps_metas_first_reported_2023_q1_capex_under_its_restatement(
) {
    // Arrange
    let db = with_bundled_companies().await;

    // Act
    let reports = edgar::observations::import_observations_csv(&db.pool, &observations(), false)
        .await
        .unwrap();

    // Assert: one report per company, in the file's order (Oracle first).
    let tickers: Vec<&str> = reports.iter().map(|r| r.ticker.as_str()).collect();
    assert_eq!(tickers, ["ORCL", "META"]);
    assert!(reports.iter().all(|r| r.new > 0 && r.skipped_total() == 0));
    // 10-Q for 2023 Q1 (filed 2023-04-27): 6,842 gross; the 2024 Q1 10-Q's
    // comparative column (filed 2024-04-25): 6,823 on the net-of-proceeds basis.
    let q1 = versions(&db.pool, "META", "capex", 2023, 1).await;
    let seen: Vec<Seen> = q1
        .iter()
        .map(|v| {
            (
                v.0,
                v.1,
                v.2.as_str(),
                v.3.as_str(),
                v.4.as_deref(),
                v.5.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                1,
                Decimal::from(6_842_000_000i64),
                "2023-04-27",
                "filing",
                None,
                Some("0001326801-23-000067")
            ),
            (
                2,
                Decimal::from(6_823_000_000i64),
                "2024-04-25",
                "filing",
                None,
                Some("0001326801-24-000049")
            ),
        ]
    );
    assert_eq!(
        current_value(&db.pool, "META", "capex", 2023, 1).await,
        Decimal::from(6_823_000_000i64)
    );
    let (first_filed, first_text) = (q1[0].6.as_deref(), &q1[0].7);
    assert_eq!(first_filed, Some("2023-04-27"));
    assert!(first_text.contains("observations CSV line"), "{first_text}");
    assert!(first_text.contains(RELAYED_FROM), "{first_text}");
    assert!(
        first_text.contains("accession 0001326801-23-000067, filed 2023-04-27"),
        "{first_text}"
    );
}

#[tokio::test]
async fn oracles_fiscal_2024_q2_capex_from_the_observations_is_six_months_minus_three_months() {
    // Arrange
    let db = with_bundled_companies().await;

    // Act
    edgar::observations::import_observations_csv(&db.pool, &observations(), false)
        .await
        .unwrap();

    // Assert: 6M to 2023-11-30 2,394 (filed 2023-12-12) − 3M to 2023-08-31 1,314 (filed 2023-09-12).
    let q2 = versions(&db.pool, "ORCL", "capex", 2024, 2).await;
    assert_eq!(q2.len(), 1, "{q2:?}");
    let (_, value, known_at, kind, form, accession, filed, text) = &q2[0];
    assert_eq!(*value, Decimal::from(1_080_000_000i64));
    assert_eq!(
        (known_at.as_str(), kind.as_str()),
        ("2023-12-12", "derived")
    );
    assert_eq!(*form, None);
    assert_eq!(accession.as_deref(), Some("0000950170-23-069682"));
    assert_eq!(filed.as_deref(), Some("2023-12-12"));
    assert!(
        text.starts_with("Q2 = 6M - 3M: 2394000000 - 1314000000 = 1080000000"),
        "{text}"
    );
    assert!(text.contains(RELAYED_FROM), "{text}");
    let derivation: serde_json::Value = sqlx::query_scalar(
        "SELECT derivation FROM fact_versions WHERE ticker = 'ORCL' AND metric = 'capex' AND fiscal_year = 2024 AND fiscal_quarter = 2",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(derivation["formula"], "Q2 = 6M - 3M");
    assert_eq!(derivation["inputs"][0]["accession"], "0000950170-23-069682");
    assert_eq!(derivation["inputs"][1]["accession"], "0000950170-23-047713");
    assert_eq!(derivation["inputs"][1]["form"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_malformed_observations_file_names_the_line_and_column_and_changes_nothing() {
    // Arrange: the bundled file imported once. Each broken copy also changes
    // line 2 (Oracle's first row), so a partial import would write a version.
    let db = with_bundled_companies().await;
    edgar::observations::import_observations_csv(&db.pool, &observations(), false)
        .await
        .unwrap();
    let rows = count(&db.pool, "fact_versions").await;
    let before = snapshot(&db.pool).await;
    let lines: Vec<String> = observations().lines().map(str::to_string).collect();
    let broken = |line: usize, column: usize, value: Option<&str>| {
        let mut copy = lines.clone();
        copy[1] = copy[1].replacen(",6000000000,", ",6000000001,", 1);
        let mut fields: Vec<&str> = copy[line - 1].split(',').collect();
        match value {
            Some(value) => fields[column] = value,
            None => fields.truncate(column),
        }
        copy[line - 1] = fields.join(",");
        copy.join("\n") + "\n"
    };
    let cases = [
        (
            broken(170, 7, Some("12x")),
            r#"line 170, column val: "12x" is not a number"#,
        ),
        (
            broken(120, 9, Some("2024-13-01")),
            r#"line 120, column filed: "2024-13-01" is not a date (YYYY-MM-DD)"#,
        ),
        (
            broken(150, 4, Some("EUR")),
            r#"line 150, column unit: "EUR" is not a unit the importer knows"#,
        ),
        (
            broken(180, 9, None),
            "line 180, column filed: missing: the row has 9 of the 11 columns",
        ),
        (
            broken(1, 1, Some("company")),
            r#"line 1, column entity: the header names "company" where "entity" belongs"#,
        ),
        // Found only when the store is asked, still before anything is written.
        (
            broken(175, 0, Some("1769629")),
            "line 175, column cik: CIK 1769629 (oracle) is not in the store",
        ),
    ];

    for (text, expected) in cases {
        // Act
        let result = edgar::observations::import_observations_csv(&db.pool, &text, false).await;

        // Assert
        let err = format!("{:#}", result.unwrap_err());
        assert!(
            err.starts_with(expected),
            "expected {expected:?}, got {err}"
        );
        assert_eq!(count(&db.pool, "fact_versions").await, rows);
        assert_eq!(snapshot(&db.pool).await, before);
    }
}

#[tokio::test]
async fn importing_the_observations_file_twice_changes_nothing_the_second_time() {
    // Arrange
    let db = with_bundled_companies().await;
    let first = edgar::observations::import_observations_csv(&db.pool, &observations(), false)
        .await
        .unwrap();
    let rows = count(&db.pool, "fact_versions").await;
    let before = snapshot(&db.pool).await;

    // Act
    let second = edgar::observations::import_observations_csv(&db.pool, &observations(), false)
        .await
        .unwrap();

    // Assert
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|r| r.new > 0));
    for report in &second {
        assert_eq!(
            (report.new, report.changed, report.history),
            (0, 0, 0),
            "{report}"
        );
        assert_eq!(report.unchanged, report.records, "{report}");
    }
    assert_eq!(count(&db.pool, "fact_versions").await, rows);
    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn a_dry_run_of_the_observations_file_reports_what_it_would_store_and_writes_nothing() {
    // Arrange
    let db = with_bundled_companies().await;
    let before = snapshot(&db.pool).await;

    // Act
    let reports = edgar::observations::import_observations_csv(&db.pool, &observations(), true)
        .await
        .unwrap();

    // Assert
    assert!(reports.iter().all(|r| r.dry_run && r.new > 0));
    assert!(reports[0].to_string().contains("dry run"));
    assert_eq!(count(&db.pool, "fact_versions").await, 0);
    assert_eq!(snapshot(&db.pool).await, before);
}
