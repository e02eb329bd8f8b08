//! Accounts in tests: create users in the test database, and a small HTTP
//! agent that keeps the session cookie and sends a same-origin `Origin`, as a
//! browser does.

use crate::TestApp;
use domain::account::Role;

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";

/// Creates an account directly in the store; returns its id.
pub async fn add_user(app: &TestApp, email: &str, role: Role) -> i64 {
    app::ssr::auth::create_user(&app.db.pool, email, role, PASSWORD, false)
        .await
        .expect("create user")
}

/// A browser-like client of the app: one cookie jar (the session), same-origin POSTs.
pub struct Agent<'a> {
    pub app: &'a TestApp,
    /// `capex_session=…`, once the server has set it.
    pub cookie: Option<String>,
    /// The `Origin` sent with POSTs (`None`: none sent).
    pub origin: Option<String>,
}

impl<'a> Agent<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookie: None,
            origin: Some(format!("http://{}", app.addr)),
        }
    }

    /// POSTs a form (what an `ActionForm` sends) and keeps any new session cookie.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self
            .app
            .client
            .post(self.app.url(path))
            .header("accept", "application/json")
            .form(form);
        if let Some(origin) = &self.origin {
            req = req.header("origin", origin);
        }
        if let Some(cookie) = &self.cookie {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await.expect("request failed");
        self.keep_cookie(&res);
        res
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let mut req = self.app.client.get(self.app.url(path));
        if let Some(cookie) = &self.cookie {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await.expect("request failed");
        self.keep_cookie(&res);
        res
    }

    fn keep_cookie(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("").trim();
            if let Some(v) = pair
                .strip_prefix("capex_session=")
                .or_else(|| pair.strip_prefix("__Host-capex_session="))
            {
                self.cookie = (!v.is_empty()).then(|| pair.to_string());
            }
        }
    }

    /// Signs in; returns the response.
    pub async fn login(&mut self, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/auth/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Signs in and asserts it worked.
    pub async fn signed_in(app: &'a TestApp, email: &str) -> Agent<'a> {
        let mut agent = Agent::new(app);
        let res = agent.login(email, PASSWORD).await;
        assert_eq!(
            res.status(),
            200,
            "login of {email}: {}",
            res.text().await.unwrap_or_default()
        );
        assert!(agent.cookie.is_some(), "a session cookie was set");
        agent
    }
}

/// Number of fact versions stored.
pub async fn fact_version_count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT count(*) FROM fact_versions")
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}
