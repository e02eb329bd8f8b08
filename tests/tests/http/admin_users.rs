//! User administration over HTTP: an admin adds, promotes, disables and
//! re-enables accounts, but never their own.

use capex_lens_tests::accounts::{add_user, Agent, PASSWORD};
use capex_lens_tests::{spawn_app_with, TestDb};
use domain::account::Role;
use serde_json::Value;

async fn call(agent: &mut Agent<'_>, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = agent.post(path, form).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn an_admin_adds_an_account_that_can_then_sign_in_with_its_role() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "root@example.com", Role::Admin).await;
    let mut root = Agent::signed_in(&app, "root@example.com").await;

    // Act
    let (status, body) = call(
        &mut root,
        "/api/admin/users/add",
        &[
            ("email", "Ann@Example.com"),
            ("role", "analyst"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let (weak, weak_body) = call(
        &mut root,
        "/api/admin/users/add",
        &[
            ("email", "bob@example.com"),
            ("role", "analyst"),
            ("password", "password"),
        ],
    )
    .await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let (_, list) = call(&mut root, "/api/admin/users", &[]).await;
    let ann = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ann@example.com")
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(ann["role"], "analyst");
    assert!(ann.get("password_hash").is_none());
    let me: Value = Agent::signed_in(&app, "ann@example.com")
        .await
        .post("/api/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "analyst");
    assert_eq!(weak, 400, "{weak_body}");
    assert!(weak_body.to_string().contains("too common"), "{weak_body}");
}

#[tokio::test]
async fn an_admin_changes_a_role_and_disabling_ends_the_sessions_until_re_enabled() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "root@example.com", Role::Admin).await;
    add_user(&app, "ann@example.com", Role::Viewer).await;
    let mut root = Agent::signed_in(&app, "root@example.com").await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;

    // Act + Assert: promoted, the open session has the new role at once.
    let (status, body) = call(
        &mut root,
        "/api/admin/users/role",
        &[("email", "ann@example.com"), ("role", "analyst")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = call(&mut ann, "/api/auth/me", &[]).await;
    assert_eq!(me["role"], "analyst");

    // Disabled: signed out everywhere, sign-in refused.
    let (status, _) = call(
        &mut root,
        "/api/admin/users/disabled",
        &[("email", "ann@example.com"), ("disabled", "true")],
    )
    .await;
    assert_eq!(status, 200);
    let (_, me) = call(&mut ann, "/api/auth/me", &[]).await;
    assert!(me.is_null(), "{me}");
    assert_eq!(
        Agent::new(&app)
            .login("ann@example.com", PASSWORD)
            .await
            .status(),
        401
    );

    // Re-enabled: signs in again.
    let (status, _) = call(
        &mut root,
        "/api/admin/users/disabled",
        &[("email", "ann@example.com"), ("disabled", "false")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        Agent::new(&app)
            .login("ann@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_admin_cannot_demote_or_disable_themselves() {
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "root@example.com", Role::Admin).await;
    let mut root = Agent::signed_in(&app, "root@example.com").await;

    let (demote, body) = call(
        &mut root,
        "/api/admin/users/role",
        &[("email", "root@example.com"), ("role", "viewer")],
    )
    .await;
    let (disable, _) = call(
        &mut root,
        "/api/admin/users/disabled",
        &[("email", "root@example.com"), ("disabled", "true")],
    )
    .await;

    assert_eq!(demote, 400, "{body}");
    assert_eq!(disable, 400);
    let (_, me) = call(&mut root, "/api/auth/me", &[]).await;
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn the_sync_status_is_for_admins_as_json_and_as_a_page_listing_every_tracked_company() {
    // Arrange: the bundled companies are tracked from the start (the sync
    // itself is off in tests: no User-Agent).
    let app = spawn_app_with(TestDb::with_bundled_data().await).await;
    add_user(&app, "root@example.com", Role::Admin).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut anonymous = Agent::new(&app);
    let mut analyst = Agent::signed_in(&app, "ann@example.com").await;
    let mut root = Agent::signed_in(&app, "root@example.com").await;

    // Act
    let anon = anonymous.get("/api/sync/status").await.status().as_u16();
    let as_analyst = analyst.get("/api/sync/status").await;
    let json = root.get("/api/sync/status").await;
    let (json_status, cache) = (
        json.status().as_u16(),
        json.headers()["cache-control"]
            .to_str()
            .unwrap()
            .to_string(),
    );
    let rows: Vec<domain::sync::CompanySync> = json.json().await.unwrap();
    let (tracked, _) = call(&mut root, "/api/admin/sync/track", &[("ticker", "avgo")]).await;
    let (bad, message) = call(
        &mut root,
        "/api/admin/sync/track",
        &[("ticker", "not a ticker")],
    )
    .await;
    let page = root.get("/admin/sync").await.text().await.unwrap();

    // Assert
    assert_eq!(anon, 401);
    assert_eq!(as_analyst.status().as_u16(), 403);
    assert!(as_analyst
        .text()
        .await
        .unwrap()
        .contains("needs the admin role"));
    assert_eq!(json_status, 200);
    assert_eq!(cache, "no-store");
    let tickers: Vec<&str> = rows.iter().map(|r| r.ticker.as_str()).collect();
    assert_eq!(
        tickers,
        ["AMZN", "CRWV", "GOOGL", "META", "MSFT", "NVDA", "ORCL"]
    );
    assert!(rows
        .iter()
        .all(|r| r.tracked && r.state() == "never checked"));
    assert_eq!(tracked, 200);
    assert_eq!(bad, 400);
    assert!(message.to_string().contains("is not a ticker"), "{message}");
    assert!(page.contains(r#"id="sync-table""#), "{page}");
    for ticker in ["MSFT", "AVGO"] {
        assert!(
            page.contains(&format!(r#"data-ticker="{ticker}""#)),
            "{ticker}"
        );
    }
}
