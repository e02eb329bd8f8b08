//! Accounts over HTTP: signing in and out, the session cookie, rate limiting,
//! disabling, and the cross-origin guard.

use capex_lens_tests::accounts::{add_user, Agent, PASSWORD};
use capex_lens_tests::{spawn_app_with, TestDb};
use domain::account::Role;
use server::users::{run_with, RoleArg, UserCommand};
use std::time::{Duration, Instant};

async fn session_rows(app: &capex_lens_tests::TestApp, user_id: i64) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn who_am_i(agent: &mut Agent<'_>) -> serde_json::Value {
    let res = agent.post("/api/auth/me", &[]).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_admin_added_on_the_command_line_signs_in_with_the_password_from_stdin() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    let add = UserCommand::Add {
        email: "Root@Example.com".into(),
        role: RoleArg::Admin,
        temporary: false,
    };
    run_with(&app.db.pool, add, || Ok(PASSWORD.to_string()))
        .await
        .unwrap();
    let mut agent = Agent::new(&app);

    // Act
    let res = agent.login("root@example.com", PASSWORD).await;

    // Assert
    assert_eq!(res.status(), 200);
    let user: serde_json::Value = res.json().await.unwrap();
    assert_eq!(user["email"], "root@example.com");
    assert_eq!(user["role"], "admin");
    assert_eq!(who_am_i(&mut agent).await["email"], "root@example.com");
}

#[tokio::test]
async fn the_command_line_refuses_a_short_or_common_password() {
    let db = TestDb::new().await;

    for (password, expected) in [("short", "at least 8"), ("Password123", "too common")] {
        let add = UserCommand::Add {
            email: "ann@example.com".into(),
            role: RoleArg::Analyst,
            temporary: false,
        };
        let err = run_with(&db.pool, add, || Ok(password.to_string()))
            .await
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401_and_no_session() {
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::new(&app);

    let res = agent.login("ann@example.com", "not the password").await;

    assert_eq!(res.status(), 401);
    assert!(agent.cookie.is_none(), "no session for a failed login");
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Email or password is incorrect"));
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer_in_similar_time() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::new(&app);
    // Warm up (the dummy hash is made once per process).
    agent.login("warm@example.com", "whatever pass").await;

    // Act
    let t = Instant::now();
    let wrong = agent.login("ann@example.com", "not the password").await;
    let wrong_time = t.elapsed();
    let (wrong_status, wrong_body) = (wrong.status(), wrong.text().await.unwrap());
    let t = Instant::now();
    let unknown = agent.login("nobody@example.com", "not the password").await;
    let unknown_time = t.elapsed();
    let (unknown_status, unknown_body) = (unknown.status(), unknown.text().await.unwrap());

    // Assert
    assert_eq!(wrong_status, 401);
    assert_eq!(unknown_status, wrong_status);
    assert_eq!(unknown_body, wrong_body);
    // Both verify an Argon2id hash; without the dummy hash the unknown user
    // would answer many times faster.
    assert!(
        unknown_time * 3 >= wrong_time,
        "unknown {unknown_time:?} vs wrong password {wrong_time:?}"
    );
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_account() {
    // Arrange: five failures use up the account's attempts.
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::new(&app);
    for _ in 0..5 {
        let res = agent.login("ann@example.com", "wrong password!").await;
        assert_eq!(res.status(), 401);
    }

    // Act: even the right password is refused now.
    let res = agent.login("ann@example.com", PASSWORD).await;

    // Assert
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("Too many"));
    assert!(agent.cookie.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_wrong_passwords_for_one_account_get_at_most_five_verifications() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;

    // Act: forty guesses at once, each from a client of its own.
    let guesses = (0..40).map(|i| {
        let app = &app;
        async move {
            let mut agent = Agent::new(app);
            agent
                .login("ann@example.com", &format!("wrong password {i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;

    // Assert: the limit held while the verifications were running.
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(refused + limited, 40, "{statuses:?}");
    assert!(
        refused <= 5,
        "{refused} guesses were verified: {statuses:?}"
    );
    let mut agent = Agent::new(&app);
    assert_eq!(agent.login("ann@example.com", PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn an_oversized_email_or_password_is_refused_before_it_is_counted_or_hashed() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::new(&app);
    let long_email = format!("{}@example.com", "a".repeat(250));
    let long_password = "p".repeat(129);

    // Act
    let statuses = [
        agent.login(&long_email, PASSWORD).await.status(),
        agent
            .login("ann@example.com", &long_password)
            .await
            .status(),
    ];
    let mut attempts = Vec::new();
    for _ in 0..6 {
        attempts.push(
            agent
                .login("ann@example.com", &long_password)
                .await
                .status(),
        );
    }

    // Assert: a clear 400, and none of them used up Ann's attempts.
    assert_eq!(statuses.map(|s| s.as_u16()), [400, 400]);
    assert!(attempts.iter().all(|s| *s == 400), "{attempts:?}");
    assert_eq!(agent.login("ann@example.com", PASSWORD).await.status(), 200);
}

/// On an https site the cookie is `__Host-capex_session` with `Secure`,
/// `Path=/` and no `Domain`, and every response carries HSTS; plain http
/// (development) has neither.
#[tokio::test]
async fn on_an_https_site_the_session_cookie_is_host_prefixed_and_secure_and_hsts_is_sent() {
    // Arrange
    let settings = server::configuration::Settings {
        public_url: Some("https://capex.example.com".into()),
        ..capex_lens_tests::test_settings()
    };
    let app = capex_lens_tests::spawn_app_with_settings(TestDb::new().await, settings).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::new(&app);
    agent.origin = Some("https://capex.example.com".into());

    // Act
    let res = agent.login("ann@example.com", PASSWORD).await;
    let health = app.get("/healthz").await;

    // Assert
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-capex_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    assert_eq!(
        health.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // The prefixed cookie is the session: it signs the request in.
    let id = cookie.split(';').next().unwrap().to_string();
    let me = app
        .client
        .get(app.url("/methodology"))
        .header("cookie", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.headers()["cache-control"],
        "no-store",
        "a signed-in page is not cached"
    );
    assert!(
        me.headers().get("set-cookie").is_none(),
        "a live session keeps its cookie"
    );
    let plain = spawn_app_with(TestDb::new().await).await;
    assert!(plain
        .get("/healthz")
        .await
        .headers()
        .get("strict-transport-security")
        .is_none());
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_lax_and_not_cached() {
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::new(&app);

    let res = agent.login("ann@example.com", PASSWORD).await;

    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("capex_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    assert!(cookie.contains("Max-Age=1800"), "idle timeout: {cookie}");
    assert_eq!(res.headers()["cache-control"], "no-store");
    // A page rendered for a signed-in user is not cached either.
    let page = agent.get("/methodology").await;
    assert_eq!(page.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn signing_in_again_issues_a_new_session_id_and_the_old_one_stops_working() {
    // Arrange: a session id known before login (session fixation).
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::signed_in(&app, "ann@example.com").await;
    let before = agent.cookie.clone().unwrap();

    // Act
    let res = agent.login("ann@example.com", PASSWORD).await;

    // Assert
    assert_eq!(res.status(), 200);
    let after = agent.cookie.clone().unwrap();
    assert_ne!(before, after, "the session id changes at login");
    let mut old = Agent::new(&app);
    old.cookie = Some(before);
    assert!(who_am_i(&mut old).await.is_null());
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = spawn_app_with(TestDb::new().await).await;
    let id = add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::signed_in(&app, "ann@example.com").await;
    let cookie = agent.cookie.clone();
    assert_eq!(session_rows(&app, id).await, 1);

    let res = agent.post("/api/auth/logout", &[]).await;

    assert_eq!(res.status(), 200);
    assert_eq!(session_rows(&app, id).await, 0);
    let mut replay = Agent::new(&app);
    replay.cookie = cookie;
    assert!(who_am_i(&mut replay).await.is_null());
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_refuses_their_login() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    let id = add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::signed_in(&app, "ann@example.com").await;

    // Act
    let disable = UserCommand::Disable {
        email: "ann@example.com".into(),
    };
    run_with(&app.db.pool, disable, || unreachable!("no password needed"))
        .await
        .unwrap();

    // Assert
    assert_eq!(session_rows(&app, id).await, 0);
    assert!(who_am_i(&mut agent).await.is_null());
    let res = Agent::new(&app).login("ann@example.com", PASSWORD).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    // Arrange: two sessions of the same account.
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut laptop = Agent::signed_in(&app, "ann@example.com").await;
    let mut phone = Agent::signed_in(&app, "ann@example.com").await;

    // Act
    let new = "a completely different phrase";
    let res = laptop
        .post(
            "/api/auth/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("new_password_repeat", new),
            ],
        )
        .await;

    // Assert
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(who_am_i(&mut laptop).await["email"], "ann@example.com");
    assert!(who_am_i(&mut phone).await.is_null());
    assert_eq!(
        Agent::new(&app)
            .login("ann@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        Agent::new(&app)
            .login("ann@example.com", new)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_cross_origin_post_is_refused_before_it_reaches_the_server_function() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut forged = Agent::new(&app);
    forged.origin = Some("https://evil.example".into());
    let mut bare = Agent::new(&app);
    bare.origin = None;

    // Act
    let cross = forged.login("ann@example.com", PASSWORD).await;
    let without_origin = bare.login("ann@example.com", PASSWORD).await;

    // Assert
    assert_eq!(cross.status(), 403);
    assert!(cross
        .text()
        .await
        .unwrap()
        .contains("Cross-origin request refused"));
    assert_eq!(without_origin.status(), 403);
    assert!(forged.cookie.is_none() && bare.cookie.is_none());
}

#[tokio::test]
async fn a_session_is_valid_only_until_its_absolute_timeout() {
    // Arrange: a session whose login time is 13 hours ago.
    let app = spawn_app_with(TestDb::new().await).await;
    let id = add_user(&app, "ann@example.com", Role::Analyst).await;
    let agent = Agent::signed_in(&app, "ann@example.com").await;
    let sid = agent.cookie.clone().unwrap();
    let sid = sid.trim_start_matches("capex_session=").to_string();
    let old = time::OffsetDateTime::now_utc() - Duration::from_secs(13 * 3600);
    // Rewrite the stored record as the store would have written it.
    let store = server::auth::UserSessionStore::new(app.db.pool.clone());
    use tower_sessions::session_store::SessionStore;
    let id_parsed: tower_sessions::session::Id = sid.parse().unwrap();
    let mut record = store.load(&id_parsed).await.unwrap().unwrap();
    record.data.insert(
        app::ssr::auth::SESSION_LOGIN_AT.into(),
        serde_json::json!(old.unix_timestamp()),
    );
    store.save(&record).await.unwrap();
    let mut agent = agent;

    // Act
    let me = who_am_i(&mut agent).await;

    // Assert
    assert!(me.is_null());
    assert_eq!(session_rows(&app, id).await, 0);
}

#[tokio::test]
async fn an_unknown_session_id_gets_a_removal_cookie_and_creates_no_session() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };

    // Act: a well-formed id the server never issued, on pages that never use the session.
    let mut cookies = Vec::new();
    for path in [
        "/healthz",
        "/healthz",
        "/methodology",
        "/chart.svg?tickers=MSFT&metrics=capex",
    ] {
        let res = app
            .client
            .get(app.url(path))
            .header("cookie", "capex_session=AAAAAAAAAAAAAAAAAAAAAA")
            .send()
            .await
            .unwrap();
        cookies.extend(
            res.headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_string()),
        );
    }

    // Assert: nothing stored, and each response removes the cookie.
    assert_eq!(count().await, 0, "no session row was created");
    assert_eq!(cookies.len(), 4, "one cookie per response: {cookies:?}");
    assert!(
        cookies
            .iter()
            .all(|c| c.starts_with("capex_session=;") && c.contains("Max-Age=0")),
        "only removal cookies: {cookies:?}"
    );
}

#[tokio::test]
async fn a_signed_in_session_keeps_its_cookie_and_a_logged_out_one_is_told_to_drop_it() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let agent = Agent::signed_in(&app, "ann@example.com").await;
    let cookie = agent.cookie.clone().expect("signed in");
    let removal_of = |res: &reqwest::Response| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.starts_with("capex_session=;") && c.contains("Max-Age=0"))
    };
    let get = |cookie: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/healthz"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };

    // Act / Assert: while signed in, the cookie stays.
    assert!(
        !removal_of(&get(cookie.clone()).await),
        "a live session keeps its cookie"
    );
    sqlx::query("DELETE FROM sessions")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(
        removal_of(&get(cookie).await),
        "an ended session's cookie is removed"
    );
}

#[tokio::test]
async fn a_session_ended_while_one_of_its_requests_is_in_flight_stays_ended() {
    // Arrange: Ann signs in; a request of hers has read the session when she logs out elsewhere.
    let app = spawn_app_with(TestDb::new().await).await;
    let ann = add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::signed_in(&app, "ann@example.com").await;
    let store = server::auth::UserSessionStore::new(app.db.pool.clone());
    let id: String = sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1")
        .bind(ann)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let in_flight = {
        use tower_sessions::SessionStore;
        store
            .load(&id.parse().unwrap())
            .await
            .unwrap()
            .expect("the session is stored")
    };
    assert_eq!(agent.post("/api/auth/logout", &[]).await.status(), 200);

    // Act: the in-flight request ends and saves the session it read.
    {
        use tower_sessions::SessionStore;
        store.save(&in_flight).await.unwrap();
    }

    // Assert
    assert_eq!(
        session_rows(&app, ann).await,
        0,
        "the ended session was not brought back"
    );
}

#[tokio::test]
async fn a_password_changed_by_any_means_ends_the_sessions_signed_in_before_it() {
    // Arrange: Ann is signed in.
    let app = spawn_app_with(TestDb::new().await).await;
    let ann = add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut agent = Agent::signed_in(&app, "ann@example.com").await;
    assert_eq!(who_am_i(&mut agent).await["email"], "ann@example.com");

    // Act: her password changes without going through this session (an
    // operator, another server instance); her session row is left in place.
    sqlx::query("UPDATE users SET password_changed_at = now() WHERE id = $1")
        .bind(ann)
        .execute(&app.db.pool)
        .await
        .unwrap();

    // Assert: the session is over, and removed.
    assert!(who_am_i(&mut agent).await.is_null());
    assert_eq!(session_rows(&app, ann).await, 0);
}

/// A failed sign-in of a fresh account, sent as from `forwarded_for`.
async fn failed_login_as(app: &capex_lens_tests::TestApp, n: usize, forwarded_for: &str) -> u16 {
    app.client
        .post(app.url("/api/auth/login"))
        .header("origin", format!("http://{}", app.addr))
        .header("accept", "application/json")
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("email", format!("nobody{n}@example.com")),
            ("password", "wrong password".into()),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Issue 14: behind a configured trusted proxy the per-address limit counts
/// the address the proxy names; without one, the header is ignored (a client
/// cannot escape the limit by naming another address).
#[tokio::test]
async fn the_address_limit_counts_the_forwarded_client_only_behind_a_trusted_proxy() {
    // Arrange: the test's loopback connection is the trusted proxy.
    let settings = server::configuration::Settings {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..capex_lens_tests::test_settings()
    };
    let proxied = capex_lens_tests::spawn_app_with_settings(TestDb::new().await, settings).await;
    let direct = spawn_app_with(TestDb::new().await).await;

    // Act: 20 failures (the per-address limit) from one client, then one
    // more from it and one from another client.
    for n in 0..20 {
        assert_eq!(failed_login_as(&proxied, n, "203.0.113.5").await, 401);
        assert_eq!(
            failed_login_as(&direct, n, &format!("203.0.113.{n}")).await,
            401
        );
    }
    let same = failed_login_as(&proxied, 20, "203.0.113.5").await;
    let other = failed_login_as(&proxied, 21, "198.51.100.7").await;
    let forged = failed_login_as(&direct, 20, "198.51.100.7").await;

    // Assert
    assert_eq!(same, 429, "the forwarded client used up its attempts");
    assert_eq!(other, 401, "another client behind the proxy is not held up");
    assert_eq!(
        forged, 429,
        "without a trusted proxy the header names no one"
    );
}

/// The public handle of each of the account's sessions, as the account page names them.
async fn handles_of(app: &capex_lens_tests::TestApp, user_id: i64) -> Vec<String> {
    sqlx::query_scalar::<_, String>(
        "SELECT left(encode(sha256(convert_to(id, 'UTF8')), 'hex'), 16) FROM sessions WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_user_sees_their_own_sessions_and_ends_the_one_left_on_another_computer() {
    // Arrange: ann signed in twice (here, and "at the office"), bob once.
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "ann@example.com", Role::Analyst).await;
    let bob = add_user(&app, "bob@example.com", Role::Analyst).await;
    let mut here = Agent::new(&app);
    let mut office = Agent::new(&app);
    let mut bobs = Agent::new(&app);
    assert_eq!(here.login("ann@example.com", PASSWORD).await.status(), 200);
    assert_eq!(
        office.login("ann@example.com", PASSWORD).await.status(),
        200
    );
    assert_eq!(bobs.login("bob@example.com", PASSWORD).await.status(), 200);

    // Act: ann lists her sessions and ends the other one.
    let res = here.post("/api/auth/sessions", &[]).await;
    assert_eq!(res.status(), 200);
    let listed: Vec<serde_json::Value> = res.json().await.unwrap();
    let other: Vec<&serde_json::Value> = listed.iter().filter(|s| s["current"] == false).collect();
    let ended = here
        .post(
            "/api/auth/sessions/end",
            &[("handle", other[0]["handle"].as_str().unwrap())],
        )
        .await;

    // Assert: two sessions listed, one marked as this one, no secret id in them;
    // the office one is over, this one and bob's go on.
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(
        other.len(),
        1,
        "exactly one is the asking browser's: {listed:?}"
    );
    let here_id = here.cookie.clone().unwrap();
    let here_id = here_id.split('=').nth(1).unwrap();
    for s in &listed {
        assert_eq!(s["handle"].as_str().unwrap().len(), 16, "{s}");
        assert!(
            !s.to_string().contains(here_id),
            "the session id never leaves the server: {s}"
        );
        assert!(s["signed_in"].as_str().unwrap().ends_with("UTC"), "{s}");
    }
    assert_eq!(ended.status(), 200);
    assert!(
        who_am_i(&mut office).await.is_null(),
        "the ended session is signed out"
    );
    assert_eq!(who_am_i(&mut here).await["email"], "ann@example.com");

    // And: bob's session cannot be ended by ann, even by its handle.
    let bobs_handle = handles_of(&app, bob).await.remove(0);
    let refused = here
        .post("/api/auth/sessions/end", &[("handle", &bobs_handle)])
        .await;
    assert_eq!(refused.status(), 404);
    assert_eq!(who_am_i(&mut bobs).await["email"], "bob@example.com");
    let malformed = here
        .post("/api/auth/sessions/end", &[("handle", "' OR 1=1 --")])
        .await;
    assert_eq!(malformed.status(), 400);
    assert_eq!(session_rows(&app, bob).await, 1);
}

#[tokio::test]
async fn an_admin_ends_a_users_sessions_without_disabling_the_account() {
    // Arrange
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "root@example.com", Role::Admin).await;
    let ann = add_user(&app, "ann@example.com", Role::Analyst).await;
    let mut admin = Agent::new(&app);
    let mut laptop = Agent::new(&app);
    let mut phone = Agent::new(&app);
    assert_eq!(
        admin.login("root@example.com", PASSWORD).await.status(),
        200
    );
    assert_eq!(
        laptop.login("ann@example.com", PASSWORD).await.status(),
        200
    );
    assert_eq!(phone.login("ann@example.com", PASSWORD).await.status(), 200);
    assert_eq!(session_rows(&app, ann).await, 2);

    // Act
    let res = admin
        .post(
            "/api/admin/users/end-sessions",
            &[("email", "Ann@Example.com")],
        )
        .await;

    // Assert: both of ann's sessions are over, the account is not disabled,
    // the admin's own session goes on; ann signs in again.
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "2");
    assert!(who_am_i(&mut laptop).await.is_null());
    assert!(who_am_i(&mut phone).await.is_null());
    assert_eq!(session_rows(&app, ann).await, 0);
    assert_eq!(who_am_i(&mut admin).await["email"], "root@example.com");
    assert_eq!(
        laptop.login("ann@example.com", PASSWORD).await.status(),
        200
    );
    let mine = admin
        .post(
            "/api/admin/users/end-sessions",
            &[("email", "root@example.com")],
        )
        .await;
    assert_eq!(
        mine.status(),
        400,
        "an admin signs themselves out with Sign out"
    );
}

#[tokio::test]
async fn an_account_on_a_password_an_admin_issued_may_only_change_it_until_it_does() {
    // Arrange: an admin adds ann at /admin/users with a first password.
    let app = spawn_app_with(TestDb::new().await).await;
    add_user(&app, "root@example.com", Role::Admin).await;
    let mut admin = Agent::new(&app);
    assert_eq!(
        admin.login("root@example.com", PASSWORD).await.status(),
        200
    );
    let issued = "handed over at the desk";
    let added = admin
        .post(
            "/api/admin/users/add",
            &[
                ("email", "ann@example.com"),
                ("role", "analyst"),
                ("password", issued),
            ],
        )
        .await;
    assert_eq!(added.status(), 200);
    let mut ann = Agent::new(&app);

    // Act: sign in with it, try to work, change it, work.
    let signed_in = ann.login("ann@example.com", issued).await;
    let signed_in: serde_json::Value = signed_in.json().await.unwrap();
    let before = ann.post("/api/entry/companies", &[]).await;
    let before_status = before.status();
    let before_body = before.text().await.unwrap();
    let sessions_before = ann.post("/api/auth/sessions", &[]).await.status();
    let ours = "a phrase ann chose herself";
    let changed = ann
        .post(
            "/api/auth/password",
            &[
                ("current_password", issued),
                ("new_password", ours),
                ("new_password_repeat", ours),
            ],
        )
        .await;
    let changed_status = changed.status();
    let after = ann.post("/api/entry/companies", &[]).await.status();

    // Assert: flagged at sign-in; refused with 403 saying why, but may see
    // its sessions and change the password; then works, and stays unflagged.
    assert_eq!(signed_in["must_change_password"], true, "{signed_in}");
    assert_eq!(before_status, 403);
    assert!(
        before_body.contains("Choose your own password first"),
        "{before_body}"
    );
    assert_eq!(sessions_before, 200);
    assert_eq!(changed_status, 200);
    assert_eq!(after, 200);
    assert_eq!(who_am_i(&mut ann).await["must_change_password"], false);

    // And: an account whose owner chose the password is never flagged.
    let mut root = Agent::new(&app);
    let root_signed_in: serde_json::Value = root
        .login("root@example.com", PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(root_signed_in["must_change_password"], false);
}
