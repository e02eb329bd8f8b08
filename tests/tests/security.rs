//! Security of every way in: each server function registered in the running
//! binary (read from the server-function registry, so a new one cannot be
//! forgotten) has a declared access policy, and is proven to refuse
//! anonymous and viewer sessions when it needs more; mutations refuse GET;
//! cross-site requests are refused; the session id rotates at login; logout
//! ends the session; and no password ever reaches the logs.

use capex_lens_tests::accounts::{add_user, fact_version_count, Agent, PASSWORD};
use capex_lens_tests::{spawn_app, TestApp};
use domain::account::Role;
use leptos::server_fn::ServerFn;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, and it never writes.
    PublicRead,
    /// Anyone, and it may write: the reason is the justification.
    PublicWrite(&'static str),
    /// Any signed-in account (acts on that account only).
    SignedIn,
    /// Analysts and admins.
    Analyst,
    /// Admins only.
    Admin,
}

/// A server function's path, access, and example arguments.
type Declared = (&'static str, Access, Vec<(&'static str, String)>);

/// Every server function: its path, who may call it, and well-formed
/// arguments (so that a refusal proves the authorization check, not a
/// malformed request). A server function missing here fails the tests.
fn policy(period: &str, version: &str) -> Vec<Declared> {
    use app::api::{
        audit, auth, bulk, chart, company, coverage, entry, history, methodology, overview, users,
    };
    let s = |v: &str| v.to_string();
    let key = || {
        vec![
            ("ticker", s("MSFT")),
            ("metric", s("capex")),
            ("period", s(period)),
        ]
    };
    let upload = format!(
        "ticker,period,metric,value,source_url\nMSFT,{period},capex,123456M,https://www.microsoft.com/investor\n"
    );
    vec![
        (auth::Login::PATH, Access::PublicWrite("signing in creates the caller's own session"), vec![("email", s("nobody@example.com")), ("password", s("not the password"))]),
        (auth::WhoAmI::PATH, Access::PublicRead, vec![]),
        (auth::MySessions::PATH, Access::SignedIn, vec![]),
        (auth::EndMySession::PATH, Access::SignedIn, vec![("handle", s("0123456789abcdef"))]),
        (auth::ChangePassword::PATH, Access::SignedIn, vec![("current_password", s("wrong current password")), ("new_password", s("another long phrase")), ("new_password_repeat", s("another long phrase"))]),
        (entry::EntryCompanies::PATH, Access::Analyst, vec![]),
        (entry::CurrentValue::PATH, Access::Analyst, key()),
        (entry::SaveEntry::PATH, Access::Analyst, {
            let mut form = key();
            form.extend([
                ("value", s("123,456M")),
                ("source_url", s("https://www.microsoft.com/en-us/investor")),
                ("note", s("security test")),
                ("base_version", s(version)),
            ]);
            form
        }),
        (entry::PreviewEntry::PATH, Access::Analyst, {
            let mut form = key();
            form.push(("value", s("123,456M")));
            form
        }),
        (history::FactHistory::PATH, Access::PublicRead, key()),
        (history::RevertFact::PATH, Access::Analyst, {
            let mut form = key();
            form.extend([("version", s("1")), ("base_version", s(version))]);
            form
        }),
        (bulk::BulkPreview::PATH, Access::Analyst, vec![("csv", upload.clone())]),
        (bulk::BulkCommit::PATH, Access::Analyst, vec![("csv", upload), ("digest", s("0"))]),
        (audit::AuditLog::PATH, Access::Analyst, vec![("company", s("MSFT")), ("from", s("2020-01-01"))]),
        (company::GetCompany::PATH, Access::PublicRead, vec![("ticker", s("MSFT"))]),
        (company::GetProjection::PATH, Access::PublicRead, vec![("ticker", s("MSFT"))]),
        (app::routes::company::GetCompanyFragments::PATH, Access::PublicRead, vec![("ticker", s("MSFT"))]),
        (overview::GetOverview::PATH, Access::PublicRead, vec![]),
        (chart::GetChart::PATH, Access::PublicRead, vec![("query", s("tickers=MSFT&metrics=capex"))]),
        (app::api::cohort::GetCohort::PATH, Access::PublicRead, vec![("query", s("tickers=MSFT,GOOGL"))]),
        (app::api::cohort::GetCohortSummary::PATH, Access::PublicRead, vec![]),
        (app::routes::cohort::GetCohortHtml::PATH, Access::PublicRead, vec![("query", s("tickers=MSFT,GOOGL"))]),
        (app::api::short_link::GetShortLink::PATH, Access::PublicRead, vec![("id", s("NoSuchLink1"))]),
        (app::api::cohort::CreateCohortLink::PATH, Access::PublicWrite("share links are public: identical cohorts share one id, and only cohorts of tracked companies get one"), vec![("query", s("tickers=MSFT,GOOGL"))]),
        (chart::CreateShortLink::PATH, Access::PublicWrite("share links are public: identical charts share one id, and the table holds only chart queries"), vec![("query", s("tickers=MSFT&metrics=capex"))]),
        (methodology::GetThresholds::PATH, Access::PublicRead, vec![]),
        (coverage::GetCoverage::PATH, Access::PublicRead, vec![("tickers", s("META,MSFT"))]),
        (users::ListUsers::PATH, Access::Admin, vec![]),
        (
            users::AddAccount::PATH,
            Access::Admin,
            vec![
                ("email", s("new@example.com")),
                ("role", s("analyst")),
                ("password", s("a long enough phrase")),
            ],
        ),
        (
            users::SetRole::PATH,
            Access::Admin,
            vec![("email", s("ann@example.com")), ("role", s("admin"))],
        ),
        (
            users::EndUserSessions::PATH,
            Access::Admin,
            vec![("email", s("ann@example.com"))],
        ),
        (
            users::SetDisabled::PATH,
            Access::Admin,
            vec![("email", s("ann@example.com")), ("disabled", s("true"))],
        ),
        (app::api::sync::SyncStatus::PATH, Access::Admin, vec![]),
        (app::api::sync::TrackCompany::PATH, Access::Admin, vec![("ticker", s("AVGO"))]),
        (app::api::sync::UntrackCompany::PATH, Access::Admin, vec![("ticker", s("MSFT"))]),
        // Last: it ends the caller's session.
        (auth::Logout::PATH, Access::PublicWrite("signing out ends the caller's own session only"), vec![]),
    ]
}

/// Every server function the binary registered, with its HTTP method.
fn registered() -> BTreeMap<String, String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_string(), method.to_string()))
        .collect()
}

/// A fingerprint of every table's contents except the session store (which
/// signing in is meant to change).
async fn snapshot(app: &TestApp) -> BTreeMap<String, String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND table_name NOT IN ('sessions', '_sqlx_migrations')
         ORDER BY 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(tables.len() >= 4, "tables found: {tables:?}");
    let mut out = BTreeMap::new();
    for t in tables {
        let digest: String = sqlx::query_scalar(&format!(
            "SELECT count(*)::text || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"{t}\" x"
        ))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        out.insert(t, digest);
    }
    out
}

/// Microsoft's latest quarterly capex: (period label, version).
async fn latest_msft_capex(app: &TestApp) -> (String, String) {
    let (fy, fq, version): (i16, i16, i32) = sqlx::query_as(
        "SELECT fiscal_year, fiscal_quarter, version FROM current_facts
         WHERE ticker = 'MSFT' AND metric = 'capex' AND fiscal_quarter > 0
         ORDER BY fiscal_year DESC, fiscal_quarter DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    (format!("FY{} Q{fq}", fy % 100), version.to_string())
}

async fn post_as(agent: &mut Agent<'_>, path: &str, form: &[(&'static str, String)]) -> u16 {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    agent.post(path, &form).await.status().as_u16()
}

#[tokio::test]
async fn every_registered_server_function_has_a_declared_access_policy() {
    // Arrange
    let (period, version) = ("FY26 Q1".to_string(), "1".to_string());
    let declared: Vec<&str> = policy(&period, &version).iter().map(|p| p.0).collect();

    // Act
    let registered = registered();

    // Assert: no undeclared function, no stale declaration, POST everywhere.
    let undeclared: Vec<&String> = registered
        .keys()
        .filter(|p| !declared.contains(&p.as_str()))
        .collect();
    assert!(
        undeclared.is_empty(),
        "server functions without an access policy in tests/tests/security.rs: {undeclared:?}"
    );
    for path in &declared {
        assert!(
            registered.contains_key(*path),
            "{path} is declared but not registered"
        );
    }
    for (path, method) in &registered {
        assert_eq!(method, "POST", "{path} must be POST-only");
    }
}

#[tokio::test]
async fn anonymous_and_viewer_sessions_are_refused_by_every_protected_server_function_and_change_nothing(
) {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "viewer@example.com", Role::Viewer).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let (period, version) = latest_msft_capex(&app).await;
    let mut anonymous = Agent::new(&app);
    let mut viewer = Agent::signed_in(&app, "viewer@example.com").await;
    let mut analyst = Agent::signed_in(&app, "ann@example.com").await;
    add_user(&app, "root@example.com", Role::Admin).await;
    let mut admin = Agent::signed_in(&app, "root@example.com").await;
    let policy = policy(&period, &version);
    let registered = registered();
    assert!(registered.len() >= policy.len());
    let mut before = snapshot(&app).await;

    // Act + Assert: anonymous and viewer callers, every function.
    let mut refused = 0;
    for (path, access, form) in &policy {
        let anon = post_as(&mut anonymous, path, form).await;
        let view = post_as(&mut viewer, path, form).await;
        match access {
            Access::Analyst => {
                assert_eq!(anon, 401, "anonymous call of {path}");
                assert_eq!(view, 403, "viewer call of {path}");
                refused += 2;
            }
            Access::Admin => {
                assert_eq!(anon, 401, "anonymous call of {path}");
                assert_eq!(view, 403, "viewer call of {path}");
                let as_analyst = post_as(&mut analyst, path, form).await;
                assert_eq!(as_analyst, 403, "analyst call of {path}");
                refused += 3;
            }
            Access::SignedIn => {
                assert_eq!(anon, 401, "anonymous call of {path}");
                refused += 1;
            }
            Access::PublicRead | Access::PublicWrite(_) => {
                assert!(anon < 500 && view < 500, "{path}: {anon} / {view}");
            }
        }
        let after = snapshot(&app).await;
        if matches!(access, Access::PublicWrite(_)) {
            before = after;
        } else {
            assert_eq!(
                after, before,
                "{path} changed the store for an anonymous or viewer caller"
            );
        }
    }
    assert!(refused >= 7, "protected functions checked: {refused}");

    // The same requests are accepted with the role: the refusals above came
    // from the authorization check, not from malformed arguments.
    for (path, access, form) in &policy {
        let status = match access {
            Access::Analyst => post_as(&mut analyst, path, form).await,
            Access::Admin => post_as(&mut admin, path, form).await,
            _ => continue,
        };
        assert_eq!(
            status, 200,
            "{path} with the role answered {status}; the example arguments are wrong"
        );
    }
}

#[tokio::test]
async fn a_get_request_never_runs_a_server_function() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let (period, version) = latest_msft_capex(&app).await;
    let mut analyst = Agent::signed_in(&app, "ann@example.com").await;
    let cookie = analyst.cookie.clone().unwrap();
    let before = fact_version_count(&app).await;

    // Act + Assert
    for (path, _, form) in policy(&period, &version) {
        let res = app
            .client
            .get(app.url(path))
            .query(&form)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "GET {path}");
    }
    assert_eq!(fact_version_count(&app).await, before);
    // The session still works: the refusals were about the method.
    let status = post_as(&mut analyst, app::api::auth::WhoAmI::PATH, &[]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn page_routes_and_plain_routes_accept_no_state_changing_method() {
    // Arrange: every page the router knows, the plain axum routes, and an unknown path.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let analyst = Agent::signed_in(&app, "ann@example.com").await;
    let cookie = analyst.cookie.clone().unwrap();
    let mut paths: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| {
            r.path()
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') || seg.starts_with(':') {
                        "MSFT"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    assert!(paths.iter().any(|p| p == "/enter"), "{paths:?}");
    paths.extend(
        [
            "/healthz",
            "/chart.svg",
            "/chart.csv",
            "/chart.png",
            "/audit.csv",
            "/no-such-page",
        ]
        .map(String::from),
    );
    let before = snapshot(&app).await;

    // Act + Assert
    for path in &paths {
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let res = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .header("origin", app.url(""))
                .header("cookie", &cookie)
                .form(&[("ticker", "MSFT"), ("value", "1B")])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert!(
                status == 404 || status == 405,
                "{method} {path} answered {status}"
            );
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn forged_cross_site_requests_are_refused_for_every_server_function() {
    // Arrange: a signed-in analyst whose browser is made to post from elsewhere.
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let (period, version) = latest_msft_capex(&app).await;
    let analyst = Agent::signed_in(&app, "ann@example.com").await;
    let cookie = analyst.cookie.clone().unwrap();
    let lookalike = format!("http://{}.evil.example", app.addr);
    let forgeries: [(&str, Option<&str>, Option<&str>); 5] = [
        ("another origin", Some("https://evil.example"), None),
        ("a look-alike origin", Some(&lookalike), None),
        ("an opaque origin", Some("null"), None),
        (
            "no origin, a foreign referer",
            None,
            Some("https://evil.example/page"),
        ),
        ("neither origin nor referer", None, None),
    ];
    let before = snapshot(&app).await;

    // Act + Assert
    for (path, _, form) in policy(&period, &version) {
        for (what, origin, referer) in forgeries {
            let mut req = app
                .client
                .post(app.url(path))
                .header("cookie", &cookie)
                .form(&form);
            if let Some(o) = origin {
                req = req.header("origin", o);
            }
            if let Some(r) = referer {
                req = req.header("referer", r);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 403, "{path} with {what}");
            assert!(res.text().await.unwrap().contains("Cross-origin"));
        }
    }
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn a_session_id_planted_before_login_is_replaced_and_grants_nothing() {
    // Arrange: an attacker signs in as a viewer and plants that session id
    // in the victim's browser.
    let app = spawn_app().await;
    add_user(&app, "mallory@example.com", Role::Viewer).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let attacker = Agent::signed_in(&app, "mallory@example.com").await;
    let planted = attacker.cookie.clone().unwrap();
    let mut victim = Agent::new(&app);
    victim.cookie = Some(planted.clone());

    // Act: the victim signs in with the planted cookie.
    let res = victim.login("ann@example.com", PASSWORD).await;

    // Assert
    assert_eq!(res.status(), 200);
    let issued = victim.cookie.clone().unwrap();
    assert_ne!(issued, planted, "a new session id is issued at login");
    let mut replay = Agent::new(&app);
    replay.cookie = Some(planted);
    let me: serde_json::Value = replay.post("/api/auth/me", &[]).await.json().await.unwrap();
    assert!(
        me.is_null() || me["email"] == "mallory@example.com",
        "the planted id never becomes the victim's session: {me}"
    );
    let me: serde_json::Value = victim.post("/api/auth/me", &[]).await.json().await.unwrap();
    assert_eq!(me["email"], "ann@example.com");
}

#[tokio::test]
async fn after_logout_the_old_session_cookie_can_change_nothing() {
    // Arrange
    let app = spawn_app().await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let (period, version) = latest_msft_capex(&app).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let old_cookie = ann.cookie.clone();
    let res = ann.post("/api/auth/logout", &[]).await;
    assert_eq!(res.status(), 200);
    let before = fact_version_count(&app).await;

    // Act: replay the old cookie on a save.
    let mut replay = Agent::new(&app);
    replay.cookie = old_cookie;
    let save = policy(&period, &version)
        .into_iter()
        .find(|p| p.0 == app::api::entry::SaveEntry::PATH)
        .unwrap();
    let status = post_as(&mut replay, save.0, &save.2).await;

    // Assert
    assert_eq!(status, 401);
    assert_eq!(fact_version_count(&app).await, before);
}

// ----- logs ----------------------------------------------------------------

/// Everything logged in this test binary, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let installed = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(logs.clone())
            .try_init();
        assert!(
            installed.is_ok() || std::env::var_os("TEST_LOG").is_none(),
            "TEST_LOG sends the logs to standard error, so this test cannot capture them: run it without TEST_LOG"
        );
        logs
    })
}

#[tokio::test]
async fn passwords_never_appear_in_the_logs_at_any_level() {
    // Arrange: logs captured at TRACE level, every account path exercised.
    let logs = captured_logs();
    let app = spawn_app().await;
    let secrets = [
        PASSWORD,
        "wrong password guess 1",
        "the new secret phrase",
        "typed into the email box",
    ];
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let cli = server::users::UserCommand::Add {
        email: "root@example.com".into(),
        role: server::users::RoleArg::Admin,
        temporary: false,
    };
    server::users::run_with(&app.db.pool, cli, || Ok(PASSWORD.to_string()))
        .await
        .unwrap();

    // Act
    let mut agent = Agent::new(&app);
    agent.login("ann@example.com", secrets[1]).await;
    agent.login(secrets[3], secrets[1]).await;
    let mut ann = Agent::signed_in(&app, "ann@example.com").await;
    let res = ann
        .post(
            "/api/auth/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", secrets[2]),
                ("new_password_repeat", secrets[2]),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    for _ in 0..6 {
        agent.login("root@example.com", secrets[1]).await;
    }
    ann.post("/api/auth/logout", &[]).await;

    // Assert
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_string();
    assert!(text.contains("signed in"), "logs were captured");
    assert!(text.contains("login failed"), "failures were logged");
    assert!(text.contains("rate_limited"), "rate limiting was logged");
    assert!(text.contains("password changed"));
    for secret in secrets {
        assert!(!text.contains(secret), "{secret:?} appears in the logs");
    }
    // A PHC string (the migration's CHECK mentions the bare prefix).
    if let Some(at) = text.find("$argon2id$v=") {
        let start = text[..at].rfind('\n').unwrap_or(0);
        let end = (at + 300).min(text.len());
        panic!("a password hash appears in the logs: {}", &text[start..end]);
    }
}

#[tokio::test]
async fn every_server_function_refuses_a_body_that_is_not_form_data_with_415_and_changes_nothing() {
    // Arrange: a signed-in admin (so no refusal comes from authorization).
    let app = spawn_app().await;
    add_user(&app, "root@example.com", Role::Admin).await;
    let admin = Agent::signed_in(&app, "root@example.com").await;
    let cookie = admin.cookie.clone().unwrap();
    let origin = format!("http://{}", app.addr);
    let (period, version) = latest_msft_capex(&app).await;
    let before = snapshot(&app).await;

    // Act: each server function, with each body type it does not use.
    let mut answers = Vec::new();
    for (path, _, form) in policy(&period, &version) {
        let as_form: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        for content_type in [
            Some("application/json"),
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
            None,
        ] {
            let mut req = app
                .client
                .post(app.url(path))
                .header("cookie", &cookie)
                .header("origin", &origin)
                .body(as_form.clone());
            if let Some(t) = content_type {
                req = req.header("content-type", t);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            answers.push((path, content_type, status, text));
        }
    }

    // Assert
    for (path, content_type, status, text) in &answers {
        assert_eq!(*status, 415, "{path} with {content_type:?}: {text}");
        assert!(text.contains("form data"), "{path}: {text}");
    }
    assert_eq!(snapshot(&app).await, before, "nothing changed");
    let form_still_works = Agent::signed_in(&app, "root@example.com").await;
    assert!(form_still_works.cookie.is_some());
}
