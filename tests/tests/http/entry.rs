//! The analyst entry workflow over HTTP, against the bundled real data.

use capex_lens_tests::accounts::{add_user, fact_version_count, Agent};
use capex_lens_tests::fixtures::{latest_msft_capex, StoredNumber};
use capex_lens_tests::spawn_app;
use domain::account::Role;
use rust_decimal::Decimal;
use serde_json::Value;

fn form<'a>(period: &'a str, value: &'a str, base: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("ticker", "MSFT"),
        ("period", period),
        ("metric", "capex"),
        ("value", value),
        (
            "source_url",
            "https://www.microsoft.com/en-us/investor/earnings",
        ),
        ("note", "Restated in the earnings call"),
        ("base_version", base),
    ]
}

async fn save(agent: &mut Agent<'_>, form: &[(&str, &str)]) -> (u16, Value) {
    let res = agent.post("/api/entry/save", form).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn an_anonymous_save_is_refused_with_401_and_writes_nothing() {
    // Arrange
    let app = spawn_app().await;
    let StoredNumber {
        period, version, ..
    } = latest_msft_capex(&app.db.pool).await;
    let before = fact_version_count(&app).await;
    let mut anonymous = Agent::new(&app);

    // Act
    let v = version.to_string();
    let (status, body) = save(&mut anonymous, &form(&period, "99B", &v)).await;

    // Assert
    assert_eq!(status, 401, "{body}");
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn a_signed_in_viewer_may_not_save_and_gets_403() {
    let app = spawn_app().await;
    add_user(&app, "viewer@example.com", Role::Viewer).await;
    let StoredNumber {
        period, version, ..
    } = latest_msft_capex(&app.db.pool).await;
    let before = fact_version_count(&app).await;
    let mut viewer = Agent::signed_in(&app, "viewer@example.com").await;

    let v = version.to_string();
    let (status, body) = save(&mut viewer, &form(&period, "99B", &v)).await;

    assert_eq!(status, 403, "{body}");
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn an_analysts_entry_becomes_the_current_version_with_its_provenance() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        period,
        version,
        value,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let new_value = value + Decimal::from(1_000_000_000);
    let typed = format!("{}M", new_value / Decimal::from(1_000_000));

    // Act
    let v = version.to_string();
    let (status, body) = save(&mut ann, &form(&period, &typed, &v)).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let saved = body["Saved"]["version"].as_i64().unwrap();
    assert!(saved > i64::from(version), "{body}");
    let (cur_version, cur_value, kind, by, url, note, known_at): (
        i32,
        Decimal,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        time::Date,
    ) = sqlx::query_as(
        "SELECT version, value, source_kind::text, entered_by, source_url, note, known_at
         FROM current_facts WHERE ticker = 'MSFT' AND metric = 'capex'
           AND fiscal_year = $1 AND fiscal_quarter = $2",
    )
    .bind(2000 + period[2..4].parse::<i16>().unwrap())
    .bind(period[6..].parse::<i16>().unwrap())
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(i64::from(cur_version), saved, "the new version is current");
    assert_eq!(cur_value, new_value);
    assert_eq!(kind, "analyst");
    assert_eq!(by.as_deref(), Some("ann@example.com"));
    assert_eq!(
        url.as_deref(),
        Some("https://www.microsoft.com/en-us/investor/earnings")
    );
    assert_eq!(note.as_deref(), Some("Restated in the earnings call"));
    assert_eq!(known_at, time::OffsetDateTime::now_utc().date());
}

#[tokio::test]
async fn a_save_based_on_a_stale_version_reports_the_conflict_and_writes_nothing() {
    // Arrange: Bob saves first; Ann's form still shows the older version.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    add_user(&app, "bob@example.com", Role::Analyst).await;
    let StoredNumber {
        period,
        version,
        value,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let mut bob = Agent::signed_in(&app, "bob@example.com").await;
    let v = version.to_string();
    let bobs = (value + Decimal::from(2_000_000_000_i64)).to_string();
    let (status, body) = save(&mut bob, &form(&period, &bobs, &v)).await;
    assert_eq!(status, 200, "{body}");
    let bobs_version = body["Saved"]["version"].clone();
    let before = fact_version_count(&app).await;

    // Act
    let anns = (value + Decimal::from(3_000_000_000_i64)).to_string();
    let (status, body) = save(&mut ann, &form(&period, &anns, &v)).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let conflict = &body["Conflict"];
    assert_eq!(conflict["current"]["version"], bobs_version, "{body}");
    assert_eq!(conflict["current"]["entered_by"], "bob@example.com");
    assert_eq!(fact_version_count(&app).await, before, "nothing written");
}

#[tokio::test]
async fn an_implausible_value_is_saved_only_with_confirmation() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        period, version, ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let v = version.to_string();
    let before = fact_version_count(&app).await;

    // Act: 5 trillion dollars of quarterly capex
    let (_, flagged) = save(&mut ann, &form(&period, "5T", &v)).await;
    let mut confirmed = form(&period, "5T", &v);
    confirmed.push(("confirm", "true"));
    let (status, saved) = save(&mut ann, &confirmed).await;

    // Assert
    let errors = &flagged["Invalid"]["errors"];
    assert_eq!(errors[0]["field"], "confirm", "{flagged}");
    assert!(errors[0]["message"].as_str().unwrap().contains("10×"));
    assert_eq!(status, 200);
    assert!(saved["Saved"].is_object(), "{saved}");
    assert_eq!(fact_version_count(&app).await, before + 1);
}

#[tokio::test]
async fn a_duplicate_of_the_current_value_is_rejected_at_the_value_field() {
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        period,
        version,
        value,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let before = fact_version_count(&app).await;

    let (v, typed) = (version.to_string(), value.to_string());
    let (_, body) = save(&mut ann, &form(&period, &typed, &v)).await;

    assert_eq!(body["Invalid"]["errors"][0]["field"], "value", "{body}");
    assert!(body["Invalid"]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("already the current value"));
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn bad_fields_are_reported_each_at_its_field_and_nothing_is_written() {
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let before = fact_version_count(&app).await;

    let bad = [
        ("ticker", "MSFT"),
        ("period", "FY2099 Q1"),
        ("metric", "capex"),
        ("value", "37 apples"),
        ("source_url", "javascript:alert(1)"),
        ("note", "nul \u{0} byte"),
        ("base_version", "0"),
    ];
    let (status, body) = save(&mut ann, &bad).await;

    assert_eq!(status, 200);
    let fields: Vec<&str> = body["Invalid"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["value", "source_url", "note", "period"] {
        assert!(fields.contains(&f), "{f} in {body}");
    }
    assert_eq!(fact_version_count(&app).await, before);
}

#[tokio::test]
async fn the_value_is_understood_in_the_forms_analysts_type() {
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        period, version, ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;

    let v = version.to_string();
    let (_, body) = save(&mut ann, &form(&period, "37,000M", &v)).await;

    assert_eq!(
        body["Saved"]["understood"], "$37B (37,000,000,000 USD)",
        "{body}"
    );
}

#[tokio::test]
async fn the_history_of_a_number_shows_who_changed_it_from_what_to_what() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let StoredNumber {
        period,
        version,
        value,
        ..
    } = latest_msft_capex(&app.db.pool).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let v = version.to_string();
    let typed = (value + Decimal::from(1_000_000_000)).to_string();
    let (status, _) = save(&mut ann, &form(&period, &typed, &v)).await;
    assert_eq!(status, 200);

    // Act
    let path = format!("/company/MSFT/history/capex/{}", period.replace(' ', ""));
    let signed_in = ann.get(&path).await.text().await.unwrap();
    let anonymous = app.get(&path).await.text().await.unwrap();

    // Assert
    assert!(
        signed_in.contains("ann@example.com"),
        "author shown to analysts"
    );
    assert!(signed_in.contains("(current)"));
    assert!(signed_in.contains("https://www.microsoft.com/en-us/investor/earnings"));
    assert!(
        !anonymous.contains("ann@example.com"),
        "email hidden from the public"
    );
    assert!(anonymous.contains("an analyst"));
}
