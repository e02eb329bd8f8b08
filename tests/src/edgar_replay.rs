//! A local replay of SEC EDGAR for tests: a real HTTP server on 127.0.0.1
//! answering SEC's three endpoints, the ticker list
//! (`/files/company_tickers.json`), submissions
//! (`/submissions/CIK##########.json`) and company facts
//! (`/api/xbrl/companyfacts/CIK##########.json`), gzip-encoded when asked,
//! as data.sec.gov and www.sec.gov do.
//!
//! Bodies are real recordings where a stored copy exists: the company-facts
//! files of `data/bundled/edgar/` and the submissions lists and ticker list
//! of `tests/fixtures/edgar-replay/` (cut from real SEC answers; where each
//! comes from is in that folder's SOURCES.md). A test that needs a list SEC
//! never served (a filing "appearing" later) cuts a recorded one, and a
//! body built by hand is named `built_…` so the difference shows at the call.
//!
//! Scripted faults: a status (429 with `Retry-After`, 503, 404), no answer,
//! a connection reset mid-body, a body that trickles past the client's
//! timeout, a truncated JSON, a body far larger than any real one, a
//! redirect. Every request is logged with its arrival time and headers, so
//! tests check what the client really sent and how fast.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::compression::CompressionLayer;

use crate::workspace_root;

/// The User-Agent the tests declare.
pub const USER_AGENT: &str = "Capex Lens tests capex-tests@example.com";

/// Microsoft's CIK.
pub const MSFT_CIK: u64 = 789_019;

/// A scripted answer.
#[derive(Clone)]
pub enum Reply {
    Json(Vec<u8>),
    Status(u16),
    /// The status with a `Retry-After` of this many seconds.
    RetryAfter(u16, u64),
    /// Never answers.
    Hang,
    /// Sends the first half of the body, then breaks the connection.
    Cut(Vec<u8>),
    /// Sends the body in small pieces this far apart (past a timeout).
    Trickle(Vec<u8>, Duration),
    /// A complete HTTP answer whose JSON stops halfway.
    Truncated(Vec<u8>),
    /// A JSON-looking body of this many bytes (far larger than any real one).
    Huge(usize),
    /// 302 to this address.
    Redirect(String),
}

/// One request as the replay saw it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub path: String,
    pub user_agent: Option<String>,
    pub accept_encoding: Option<String>,
    /// `Content-Encoding` of the answer (after compression), once sent.
    pub content_encoding: Option<String>,
}

#[derive(Default)]
struct Script {
    /// Path → answers in order; the last one repeats. No entry: 404.
    routes: HashMap<String, VecDeque<Reply>>,
    hits: Vec<Hit>,
}

/// The replay server; stops when dropped.
pub struct EdgarReplay {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl EdgarReplay {
    pub async fn start() -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = Router::new()
            .fallback(answer)
            // gzip only: the server binary's client asks for gzip (this test crate also
            // enables brotli in the shared reqwest, which the server would prefer).
            .layer(CompressionLayer::new().gzip(true).no_br())
            .layer(middleware::from_fn_with_state(script.clone(), log))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .ok();
        });
        Self {
            addr,
            script,
            shutdown: Some(tx),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Client settings pointing at the replay: the tests' User-Agent, a
    /// 5-second timeout, three attempts.
    pub fn config(&self) -> server::edgar::fetch::SecConfig {
        server::edgar::fetch::SecConfig {
            data_url: self.url(),
            www_url: self.url(),
            user_agent: Some(USER_AGENT.to_string()),
            timeout: Duration::from_secs(5),
            max_attempts: 3,
            ..server::edgar::fetch::SecConfig::default()
        }
    }

    /// Scripts a path's answers (the last one repeats).
    pub fn on(&self, path: &str, replies: Vec<Reply>) {
        self.script
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), replies.into());
    }

    pub fn company_facts(&self, cik: u64, replies: Vec<Reply>) {
        self.on(
            &format!("/api/xbrl/companyfacts/CIK{cik:010}.json"),
            replies,
        );
    }

    pub fn submissions(&self, cik: u64, replies: Vec<Reply>) {
        self.on(&format!("/submissions/CIK{cik:010}.json"), replies);
    }

    /// A submissions document built in SEC's shape with no filings: only
    /// the name and fiscal year end the importer reads.
    pub fn built_submissions(&self, cik: u64, name: &str, fiscal_year_end: &str) {
        let body = serde_json::json!({
            "cik": format!("{cik:010}"), "entityType": "operating", "name": name,
            "tickers": [], "fiscalYearEnd": fiscal_year_end,
            "filings": {"recent": {"accessionNumber": [], "filingDate": [],
                "reportDate": [], "form": []}, "files": []},
        });
        self.submissions(cik, vec![Reply::Json(serde_json::to_vec(&body).unwrap())]);
    }

    /// `files/company_tickers.json` built with `(cik, ticker, title)` entries.
    pub fn built_ticker_list(&self, entries: &[(u64, &str, &str)]) {
        let map: serde_json::Map<String, serde_json::Value> = entries
            .iter()
            .enumerate()
            .map(|(i, (cik, ticker, title))| {
                (
                    i.to_string(),
                    serde_json::json!({"cik_str": cik, "ticker": ticker, "title": title}),
                )
            })
            .collect();
        self.on(
            "/files/company_tickers.json",
            vec![Reply::Json(serde_json::to_vec(&map).unwrap())],
        );
    }

    /// The recorded ticker list (a real one, cut to a few companies).
    pub fn recorded_ticker_list(&self) {
        self.on(
            "/files/company_tickers.json",
            vec![Reply::Json(recorded("company_tickers.json"))],
        );
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.script.lock().unwrap().hits.clone()
    }

    /// The requests to paths containing `part`.
    pub fn hits_to(&self, part: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.path.contains(part))
            .collect()
    }
}

impl Drop for EdgarReplay {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A recorded body of `tests/fixtures/edgar-replay/`.
pub fn recorded(file: &str) -> Vec<u8> {
    std::fs::read(
        workspace_root()
            .join("tests/fixtures/edgar-replay")
            .join(file),
    )
    .unwrap()
}

/// A bundled real company-facts file (`data/bundled/edgar/`).
pub fn bundled(file: &str) -> Vec<u8> {
    std::fs::read(workspace_root().join("data/bundled/edgar").join(file)).unwrap()
}

/// Microsoft's real company facts (the bundled subset).
pub fn microsoft() -> Vec<u8> {
    bundled("companyfacts_CIK0000789019_subset.json")
}

/// The recorded submissions list of a company.
pub fn recorded_submissions(cik: u64) -> Vec<u8> {
    recorded(&format!("submissions_CIK{cik:010}.json"))
}

/// A recorded submissions list as SEC served it before `date`: the filings
/// on or after that day cut from `filings.recent` (every column alike).
pub fn submissions_before(body: &[u8], date: &str) -> Vec<u8> {
    let mut doc: serde_json::Value = serde_json::from_slice(body).unwrap();
    let recent = doc["filings"]["recent"].as_object_mut().unwrap();
    let keep: Vec<bool> = recent["filingDate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap() < date)
        .collect();
    for column in recent.values_mut() {
        let kept: Vec<serde_json::Value> = column
            .as_array()
            .unwrap()
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(v, _)| v.clone())
            .collect();
        *column = serde_json::Value::Array(kept);
    }
    serde_json::to_vec(&doc).unwrap()
}

/// Company facts as SEC served them before `date`: the facts filed on or
/// after that day cut.
pub fn company_facts_before(body: &[u8], date: &str) -> Vec<u8> {
    let mut doc: serde_json::Value = serde_json::from_slice(body).unwrap();
    for taxonomy in doc["facts"].as_object_mut().unwrap().values_mut() {
        for concept in taxonomy.as_object_mut().unwrap().values_mut() {
            for facts in concept["units"].as_object_mut().unwrap().values_mut() {
                facts
                    .as_array_mut()
                    .unwrap()
                    .retain(|f| f["filed"].as_str().unwrap() < date);
            }
        }
    }
    serde_json::to_vec(&doc).unwrap()
}

async fn log(State(script): State<Arc<Mutex<Script>>>, req: Request, next: Next) -> Response {
    let hit = {
        let header_text = |name: header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Hit {
            at: Instant::now(),
            path: req.uri().path().to_string(),
            user_agent: header_text(header::USER_AGENT),
            accept_encoding: header_text(header::ACCEPT_ENCODING),
            content_encoding: None,
        }
    };
    let index = {
        let mut s = script.lock().unwrap();
        s.hits.push(hit);
        s.hits.len() - 1
    };
    let response = next.run(req).await;
    let encoding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    script.lock().unwrap().hits[index].content_encoding = encoding;
    response
}

fn json_headers() -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )]
}

async fn answer(State(script): State<Arc<Mutex<Script>>>, req: Request) -> Response {
    let reply = {
        let mut s = script.lock().unwrap();
        match s.routes.get_mut(req.uri().path()) {
            Some(q) if q.len() > 1 => q.pop_front(),
            Some(q) => q.front().cloned(),
            None => None,
        }
    };
    match reply {
        Some(Reply::Json(body)) => (json_headers(), body).into_response(),
        Some(Reply::Status(code)) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Some(Reply::RetryAfter(code, secs)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::TOO_MANY_REQUESTS),
            [(header::RETRY_AFTER, secs.to_string())],
        )
            .into_response(),
        Some(Reply::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
        Some(Reply::Cut(body)) => {
            let half = body[..body.len() / 2].to_vec();
            let parts: Vec<Result<Vec<u8>, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::other("connection cut by the test")),
            ];
            (
                json_headers(),
                axum::body::Body::from_stream(futures_util::stream::iter(parts)),
            )
                .into_response()
        }
        Some(Reply::Trickle(body, gap)) => {
            let pieces: Vec<Vec<u8>> = body.chunks(4096).map(<[u8]>::to_vec).collect();
            let stream =
                futures_util::stream::unfold(pieces.into_iter(), move |mut rest| async move {
                    let piece = rest.next()?;
                    tokio::time::sleep(gap).await;
                    Some((Ok::<_, std::io::Error>(piece), rest))
                });
            (json_headers(), axum::body::Body::from_stream(stream)).into_response()
        }
        Some(Reply::Truncated(body)) => {
            (json_headers(), body[..body.len() / 2].to_vec()).into_response()
        }
        Some(Reply::Huge(len)) => {
            let mut body = Vec::with_capacity(len);
            body.extend_from_slice(b"{\"cik\":789019,\"pad\":\"");
            body.resize(len.saturating_sub(2), b'x');
            body.extend_from_slice(b"\"}");
            (json_headers(), body).into_response()
        }
        Some(Reply::Redirect(location)) => {
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
