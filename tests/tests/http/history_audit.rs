//! After an entry: reverting to an earlier version, the scorecard preview,
//! the audit trail and its CSV export, and what the public sees of authors.

use capex_lens_tests::accounts::{add_user, fact_version_count, Agent};
use capex_lens_tests::fixtures::{latest_msft_capex, StoredNumber};
use capex_lens_tests::spawn_app;
use domain::account::Role;
use rust_decimal::Decimal;
use serde_json::Value;

async fn post_json(agent: &mut Agent<'_>, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = agent.post(path, form).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Saves `value` for Microsoft's latest capex on `base`; returns the new version.
async fn save(agent: &mut Agent<'_>, period: &str, value: &str, base: i32) -> i64 {
    let base = base.to_string();
    let (status, body) = post_json(
        agent,
        "/api/entry/save",
        &[
            ("ticker", "MSFT"),
            ("period", period),
            ("metric", "capex"),
            ("value", value),
            ("source_url", "https://www.microsoft.com/en-us/investor"),
            ("note", "call transcript"),
            ("base_version", &base),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["Saved"]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("not saved: {body}"))
}

#[tokio::test]
async fn reverting_adds_a_version_with_the_earlier_value_shown_on_the_history_page() {
    // Arrange: an analyst's edit replaced the filed value.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        fiscal_year: fy,
        quarter: fq,
        period,
        version: filed_version,
        value: filed_value,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let edited = save(&mut ann, &period, "99B", filed_version).await;
    let before = fact_version_count(&app).await;

    // Act
    let (v, base) = (filed_version.to_string(), edited.to_string());
    let (status, body) = post_json(
        &mut ann,
        "/api/facts/revert",
        &[
            ("ticker", "MSFT"),
            ("metric", "capex"),
            ("period", &period),
            ("version", &v),
            ("base_version", &base),
        ],
    )
    .await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let reverted = body["Saved"]["version"].as_i64().unwrap();
    assert_eq!(reverted, edited + 1, "{body}");
    assert_eq!(fact_version_count(&app).await, before + 1);
    let (value, kind, by, note): (Decimal, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT value, source_kind::text, entered_by, note FROM current_facts
             WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_year = $1 AND fiscal_quarter = $2",
        )
        .bind(fy)
        .bind(fq)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(value, filed_value);
    assert_eq!(kind, "analyst");
    assert_eq!(by.as_deref(), Some("ann@example.com"));
    let note = note.unwrap_or_default();
    assert!(
        note.contains(&format!("Reverted to version {filed_version}")),
        "{note}"
    );
    let page = ann
        .get(&format!(
            "/company/MSFT/history/capex/{}",
            period.replace(' ', "")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("Reverted to version {filed_version}")));
    assert!(
        page.contains("Revert to this version"),
        "analysts see the buttons"
    );
    let public = app
        .get(&format!(
            "/company/MSFT/history/capex/{}",
            period.replace(' ', "")
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !public.contains("Revert to this version"),
        "the public does not"
    );
}

#[tokio::test]
async fn a_revert_from_a_stale_page_is_a_conflict_and_writes_nothing() {
    // Arrange: the page showed the filed version as current; Bob saved since.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    add_user(&app, "bob@example.com", Role::Analyst).await;
    let StoredNumber {
        period,
        version: filed_version,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let mut bob = Agent::signed_in(&app, "bob@example.com").await;
    let first = save(&mut ann, &period, "98B", filed_version).await;
    let bobs = save(&mut bob, &period, "97B", first as i32).await;
    let before = fact_version_count(&app).await;

    // Act: Ann reverts from a page that still showed her version as current.
    let (v, base) = (filed_version.to_string(), first.to_string());
    let (status, body) = post_json(
        &mut ann,
        "/api/facts/revert",
        &[
            ("ticker", "MSFT"),
            ("metric", "capex"),
            ("period", &period),
            ("version", &v),
            ("base_version", &base),
        ],
    )
    .await;

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Conflict"]["current"]["version"], bobs, "{body}");
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn the_preview_recomputes_the_four_answers_with_the_typed_value_and_saves_nothing() {
    // Arrange: a company whose scorecard lacks a stored figure, and that
    // figure typed in. The oracle: the domain analytics on the stored facts
    // with the typed value added.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let before = fact_version_count(&app).await;
    let thresholds = domain::analytics::Thresholds::default();
    let typed_value = Decimal::from(10_000_000_000_i64);
    let tickers: Vec<String> = sqlx::query_scalar("SELECT ticker FROM companies ORDER BY 1")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    let mut chosen = None;
    for t in tickers {
        let ticker = domain::Ticker::parse(&t).unwrap();
        let company = store::facts::load(&app.db.pool, &ticker)
            .await
            .unwrap()
            .unwrap();
        let Some(q) = company.facts.latest_quarter() else {
            continue;
        };
        let now = domain::analytics::scorecard(&company.facts, q, &thresholds);
        let missing = now
            .answers
            .iter()
            .flat_map(|a| &a.missing)
            .find_map(|m| match m {
                domain::analytics::Missing::Fact { metric, period } if *period <= q => {
                    Some((*metric, *period))
                }
                _ => None,
            });
        let Some((metric, period)) = missing else {
            continue;
        };
        let (start, end) =
            domain::entry::nominal_dates(period, company.facts.fiscal_year_end_month).unwrap();
        let start = (metric.kind() == domain::MetricKind::Flow).then_some(start);
        let today = time::OffsetDateTime::now_utc().date();
        let changed = domain::entry::with_value(
            &company.facts,
            metric,
            period,
            start,
            end,
            typed_value,
            today,
        );
        let expected = domain::analytics::scorecard(&changed, q, &thresholds);
        chosen = Some((t, metric, period, q, now, expected));
        break;
    }
    let (ticker, metric, period, q, now, expected) =
        chosen.expect("a bundled company with a figure missing from its scorecard");
    let period = period.label();

    // Act
    let typed = typed_value.to_string();
    let (status, body) = post_json(
        &mut ann,
        "/api/entry/preview",
        &[
            ("ticker", ticker.as_str()),
            ("metric", metric.key()),
            ("period", &period),
            ("value", &typed),
        ],
    )
    .await;

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["quarter"], q.label(), "{body}");
    let answers = body["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 4);
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a["now"], now.answers[i].signal.label(), "{a}");
        assert_eq!(a["with_value"], expected.answers[i].signal.label(), "{a}");
        assert_eq!(
            a["with_value_sentence"], expected.answers[i].sentence,
            "{a}"
        );
    }
    assert!(
        answers
            .iter()
            .any(|a| a["now_sentence"] != a["with_value_sentence"]),
        "the missing figure, once typed, changes an answer: {body}"
    );
    assert_eq!(fact_version_count(&app).await, before, "nothing saved");
}

#[tokio::test]
async fn the_audit_trail_filters_by_company_metric_user_and_date() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        period,
        version,
        value: old,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let saved = save(&mut ann, &period, "96B", version).await;
    let today = time::OffsetDateTime::now_utc().date();
    let tomorrow = today.next_day().unwrap().to_string();
    let today = today.to_string();

    // Act
    let list = |filters: Vec<(&'static str, String)>| {
        let mut ann = Agent {
            app: &app,
            cookie: ann.cookie.clone(),
            origin: ann.origin.clone(),
        };
        async move {
            let form: Vec<(&str, &str)> = filters.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_json(&mut ann, "/api/audit/list", &form).await
        }
    };
    let (status, by_ann) = list(vec![("user", "ANN@example".into())]).await;
    let (_, other_company) = list(vec![("user", "ann".into()), ("company", "GOOGL".into())]).await;
    let (_, other_metric) = list(vec![("user", "ann".into()), ("metric", "revenue".into())]).await;
    let (_, from_tomorrow) = list(vec![("user", "ann".into()), ("from", tomorrow)]).await;
    let (_, today_only) = list(vec![
        ("company", "MSFT".into()),
        ("from", today.clone()),
        ("to", today),
    ])
    .await;
    let (_, all_msft_capex) =
        list(vec![("company", "MSFT".into()), ("metric", "capex".into())]).await;
    let (bad_status, _) = list(vec![("from", "last tuesday".into())]).await;

    // Assert
    assert_eq!(status, 200, "{by_ann}");
    assert_eq!(by_ann["total"], 1, "{by_ann}");
    let row = &by_ann["rows"][0];
    assert_eq!(row["entered_by"], "ann@example.com");
    assert_eq!(row["version"], saved);
    assert_eq!(row["value"], "96000000000");
    assert_eq!(row["previous"], old.to_string());
    assert_eq!(other_company["total"], 0);
    assert_eq!(other_metric["total"], 0);
    assert_eq!(from_tomorrow["total"], 0);
    assert!(today_only["total"].as_i64().unwrap() >= 1, "{today_only}");
    assert!(
        all_msft_capex["total"].as_i64().unwrap() > 4,
        "filings count as changes too: {}",
        all_msft_capex["total"]
    );
    assert_eq!(bad_status, 400);
}

#[tokio::test]
async fn the_audit_csv_keeps_the_filters_and_is_for_analysts_only() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    add_user(&app, "viewer@example.com", Role::Viewer).await;
    let StoredNumber {
        period, version, ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    save(&mut ann, &period, "95B", version).await;
    let mut viewer = Agent::signed_in(&app, "viewer@example.com").await;

    // Act
    let csv = ann
        .get("/audit.csv?user=ann%40example.com&metric=capex")
        .await;
    let status = csv.status();
    let content_type = csv.headers()["content-type"].to_str().unwrap().to_string();
    let cache = csv.headers()["cache-control"].to_str().unwrap().to_string();
    let body = csv.text().await.unwrap();
    let anonymous = app.get("/audit.csv").await.status();
    let as_viewer = viewer.get("/audit.csv").await.status();
    let page_for_viewer = viewer.get("/audit").await.text().await.unwrap();

    // Assert
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert_eq!(cache, "no-store");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 2, "{body}");
    assert!(lines[0].starts_with("recorded_at,ticker,metric,period,version,previous_value,value"));
    assert!(lines[1].contains(",MSFT,capex,"), "{}", lines[1]);
    assert!(lines[1].contains(",95000000000,USD,"), "{}", lines[1]);
    assert!(lines[1].contains("ann@example.com"));
    assert_eq!(anonymous, 401);
    assert_eq!(as_viewer, 403);
    assert!(
        page_for_viewer.contains("needs the analyst role"),
        "the page says why"
    );
    assert!(!page_for_viewer.contains("ann@example.com"));
}

#[tokio::test]
async fn the_public_sees_an_analysts_role_never_their_email() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        period, version, ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    save(&mut ann, &period, "94B", version).await;

    // Act
    let company_page = app.get("/company/MSFT").await.text().await.unwrap();
    let history = app
        .get(&format!(
            "/company/MSFT/history/capex/{}",
            period.replace(' ', "")
        ))
        .await
        .text()
        .await
        .unwrap();

    // Assert
    assert!(
        company_page.contains("Analyst entry"),
        "the entry is on the page"
    );
    assert!(!company_page.contains("ann@example.com"));
    assert!(company_page.contains("by an analyst"));
    assert!(!history.contains("ann@example.com"));
    assert!(history.contains("an analyst"));
}
