//! Headless Chromium driven through chromedriver (WebDriver).
//!
//! The driver runs in a process group of its own that is killed on drop, so a
//! failing test never leaves Chromium behind.

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A browser with JavaScript turned off (what a reader without it sees).
    pub async fn start_without_javascript() -> Self {
        Self::start_with(&["--blink-settings=scriptEnabled=false"]).await
    }

    /// A browser whose Chromium gets `extra_args` too.
    pub async fn start_with(extra_args: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let mut cmd = Command::new(&driver_path);
        cmd.arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot start {driver_path}: {e} (install chromium-driver)")
        });
        let browser = Browser {
            client: connect(port, extra_args).await,
            driver,
        };
        browser.client.set_window_size(1280, 900).await.ok();
        browser
    }

    /// Opens `url` and waits until the WebAssembly has hydrated the page.
    pub async fn open_hydrated(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
        let hydrated = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("body[data-hydrated='true']"))
            .await;
        if let Err(e) = hydrated {
            let source = self.client.source().await.unwrap_or_default();
            let head: String = source.chars().take(3000).collect();
            panic!("the page did not hydrate within 20 s ({e}); page starts:\n{head}");
        }
    }
}

/// One step on the page, by CSS selector: each panics with the selector
/// and the driver's words when the element is not there, so a test reads as
/// its steps.
impl Browser {
    /// The first element matching `css`.
    pub async fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// How many elements match `css` (none is 0, not an error).
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("looking for {css}: {e}"))
            .len()
    }

    pub async fn click(&self, css: &str) {
        self.element(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Types `text` into the field at `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.element(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// The visible text of the element at `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.element(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading the text of {css}: {e}"))
    }

    /// The attribute `name` of the element at `css`.
    pub async fn attr_of(&self, css: &str, name: &str) -> Option<String> {
        self.element(css)
            .await
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("reading {name} of {css}: {e}"))
    }

    /// Chooses the option with `value` in the `<select>` at `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        self.element(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choosing {value} in {css}: {e}"));
    }

    /// The current value of the form field at `css` (what is typed or chosen).
    pub async fn value_of(&self, css: &str) -> Option<String> {
        self.element(css)
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("reading the value of {css}: {e}"))
    }
}

impl Browser {
    /// Opens `url`, a page that does not hydrate (it runs no code; the
    /// cohort), and waits until it has loaded.
    pub async fn open_static(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("main h1"))
            .await
            .unwrap_or_else(|e| panic!("{url} shows no heading within 20 s: {e}"));
    }

    /// The `/pkg/` WebAssembly and script files the page has fetched so far.
    pub async fn code_loaded(&self) -> Vec<String> {
        let loaded = self
            .client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)                    .filter(n => n.includes('/pkg/') && (n.endsWith('.wasm') || n.endsWith('.js')));",
                vec![],
            )
            .await
            .expect("read the resource timings");
        serde_json::from_value(loaded).expect("a list of names")
    }

    /// Leaves a mark in the page's JavaScript state that a full page load
    /// would wipe out; see [`Browser::page_was_kept`].
    pub async fn mark_page(&self) {
        self.client
            .execute("window.__noReload = 42; return null;", vec![])
            .await
            .expect("set the page mark");
    }

    /// Whether the mark from [`Browser::mark_page`] is still there: the page
    /// changed in place, without a reload.
    pub async fn page_was_kept(&self) -> bool {
        let mark = self
            .client
            .execute("return window.__noReload;", vec![])
            .await
            .expect("read the page mark");
        mark == serde_json::json!(42)
    }
}

impl Browser {
    /// Waits until the form at `form` (a CSS selector) has its event handlers
    /// attached: the app sets `data-ready='true'` on it after hydration.
    pub async fn wait_ready(&self, form: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&format!("{form}[data-ready='true']")))
            .await
            .unwrap_or_else(|e| panic!("{form} never became interactive: {e}"));
    }

    /// Waits until the element at `css` contains `needle`; returns its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let c = &self.client;
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last: Option<String> = None;
        loop {
            if let Ok(el) = c.find(Locator::Css(css)).await {
                if let Ok(text) = el.text().await {
                    if text.contains(needle) {
                        return text;
                    }
                    last = Some(text);
                }
            }
            if Instant::now() > deadline {
                // Where the keystrokes went, if not into the field.
                let focus = c
                    .execute("return document.activeElement.tagName", vec![])
                    .await;
                let source = c.source().await.unwrap_or_default();
                let head: String = source.chars().take(4000).collect();
                let last = last.as_deref().unwrap_or("(no such element)");
                panic!(
                    "{css} never contained {needle:?} (focus: {focus:?}); its text: {last:?}; page:\n{head}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Signs in through the sign-in form at `login_url` and waits for the
    /// redirect to the entry page.
    pub async fn sign_in(&self, login_url: &str, email: &str, password: &str) {
        let c = &self.client;
        self.open_hydrated(login_url).await;
        self.wait_ready("#login-form").await;
        for (field, text) in [("email", email), ("password", password)] {
            c.find(Locator::Css(&format!("#login-form input[name='{field}']")))
                .await
                .unwrap_or_else(|e| panic!("no {field} field: {e}"))
                .send_keys(text)
                .await
                .unwrap_or_else(|e| panic!("typing the {field}: {e}"));
        }
        c.find(Locator::Css("#login-form button[type='submit']"))
            .await
            .unwrap_or_else(|e| panic!("no sign-in button: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking sign in: {e}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !c
            .current_url()
            .await
            .map(|u| u.as_str().ends_with("/enter"))
            .unwrap_or(false)
        {
            if Instant::now() > deadline {
                let source = c.source().await.unwrap_or_default();
                let head: String = source.chars().take(4000).collect();
                panic!("no redirect to /enter after signing in; page:\n{head}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fails if the page reported a panic of its WebAssembly (`data-panic`).
    pub async fn assert_no_panic(&self) {
        let panic = self
            .client
            .execute("return document.body.getAttribute('data-panic');", vec![])
            .await
            .expect("read data-panic");
        assert!(panic.is_null(), "the page panicked: {panic}");
    }
}

async fn connect(port: u16, extra_args: &[&str]) -> Client {
    let mut caps = serde_json::Map::new();
    let chrome_binary = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut args = vec![
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ];
    args.extend_from_slice(extra_args);
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chrome_binary,
            "args": args,
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return c,
            Err(e) if Instant::now() > deadline => panic!("cannot connect to chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Kill chromedriver and the Chromium it started (same process group).
        let pgid = self.driver.id() as i32;
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .status();
        let _ = self.driver.wait();
    }
}
