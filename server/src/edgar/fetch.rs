//! Downloading from SEC EDGAR: company facts (XBRL API), the submissions
//! document (fiscal year end) and the ticker list.
//!
//! The SEC asks automated clients to declare who they are (a User-Agent with a
//! contact e-mail) and to stay at or below 10 requests per second. The client
//! sends gzip-accepting requests with a timeout, spaces requests at least
//! [`MIN_INTERVAL`] apart and retries 429 and 5xx answers (and transport
//! errors) with exponential backoff, honouring `Retry-After` when given.
//! The two base addresses are configurable ([`SecConfig`]) so that a mirror,
//! or a local stand-in in tests, can serve the same paths.

use domain::Cik;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Environment variable holding the User-Agent.
pub const USER_AGENT_ENV: &str = "CAPEX_SEC_USER_AGENT";
/// Environment variable holding the base address of the XBRL API and submissions.
pub const DATA_URL_ENV: &str = "CAPEX_SEC_DATA_URL";
/// Environment variable holding the base address of `files/company_tickers.json`.
pub const WWW_URL_ENV: &str = "CAPEX_SEC_WWW_URL";
/// The SEC's data host (company facts, submissions).
pub const DEFAULT_DATA_URL: &str = "https://data.sec.gov";
/// The SEC's main host (the ticker list).
pub const DEFAULT_WWW_URL: &str = "https://www.sec.gov";
/// At most 10 requests per second: 110 ms apart, a margin so that jitter on
/// the way cannot put eleven requests into one second at the SEC's end.
pub const MIN_INTERVAL: Duration = Duration::from_millis(110);
/// Per-request timeout (the largest company-facts files are tens of MB).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The most bytes one answer may hold once decompressed (the largest
/// company-facts files are tens of MB; a gzip bomb is refused at this size).
pub const MAX_BODY_BYTES: usize = 128 * 1024 * 1024;

/// Where and how to reach the SEC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecConfig {
    /// Base of `api/xbrl/companyfacts/…` and `submissions/…`, e.g. `https://data.sec.gov`.
    pub data_url: String,
    /// Base of `files/company_tickers.json`, e.g. `https://www.sec.gov`.
    pub www_url: String,
    /// "Name email@example.com"; when `None`, read from [`USER_AGENT_ENV`].
    pub user_agent: Option<String>,
    /// Whole-request timeout (headers and body).
    pub timeout: Duration,
    /// Attempts per request in all, the first included.
    pub max_attempts: u32,
    /// The most bytes one answer may hold, decompressed.
    pub max_body_bytes: usize,
}

impl Default for SecConfig {
    fn default() -> Self {
        Self {
            data_url: DEFAULT_DATA_URL.to_string(),
            www_url: DEFAULT_WWW_URL.to_string(),
            user_agent: None,
            timeout: REQUEST_TIMEOUT,
            max_attempts: RetryPolicy::default().max_attempts,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }
}

/// The SEC settings of every command that talks to EDGAR (`serve`'s sync,
/// `import edgar`, `sync …`): flags or their environment variables.
#[derive(Debug, Clone, clap::Args)]
pub struct SecArgs {
    /// User-Agent for SEC requests, with a contact ("Name email@example.com"); the SEC
    /// refuses anonymous clients. Unset: the server does not sync.
    #[arg(long, env = USER_AGENT_ENV, global = true)]
    pub user_agent: Option<String>,
    /// Base address of the SEC's XBRL API and submissions (company facts, filings list).
    #[arg(long, env = DATA_URL_ENV, default_value = DEFAULT_DATA_URL, global = true)]
    pub sec_data_url: String,
    /// Base address of the SEC's ticker list (files/company_tickers.json).
    #[arg(long, env = WWW_URL_ENV, default_value = DEFAULT_WWW_URL, global = true)]
    pub sec_www_url: String,
    /// Timeout of one SEC request, in seconds (headers and body).
    #[arg(
        long,
        env = "CAPEX_SEC_TIMEOUT_SECS",
        default_value_t = 60,
        global = true
    )]
    pub sec_timeout_secs: u64,
    /// Attempts per SEC request (429 and 5xx answers and network errors are retried with backoff).
    #[arg(
        long,
        env = "CAPEX_SEC_MAX_ATTEMPTS",
        default_value_t = 5,
        global = true
    )]
    pub sec_max_attempts: u32,
}

impl Default for SecArgs {
    fn default() -> Self {
        let config = SecConfig::default();
        Self {
            user_agent: None,
            sec_data_url: config.data_url,
            sec_www_url: config.www_url,
            sec_timeout_secs: config.timeout.as_secs(),
            sec_max_attempts: config.max_attempts,
        }
    }
}

impl SecArgs {
    /// The client settings these arguments describe.
    pub fn config(&self) -> SecConfig {
        SecConfig {
            data_url: self.sec_data_url.clone(),
            www_url: self.sec_www_url.clone(),
            user_agent: self.user_agent.clone(),
            timeout: Duration::from_secs(self.sec_timeout_secs.max(1)),
            max_attempts: self.sec_max_attempts,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }
}

/// A base address without its trailing slash, checked to be https (plain
/// http only on this machine's loopback, where the tests' replay of SEC runs).
fn base_url(raw: &str, var: &str) -> Result<String, FetchError> {
    let s = raw.trim().trim_end_matches('/');
    let ok = (s.starts_with("https://") || (s.starts_with("http://") && is_loopback(s)))
        && s.len() > "https://".len()
        && !s.contains(char::is_whitespace);
    if ok {
        Ok(s.to_string())
    } else {
        Err(FetchError::BadBaseUrl {
            var: var.to_string(),
            value: raw.to_string(),
        })
    }
}

/// True when the address's host is this machine (`localhost`, 127.x, `[::1]`).
fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the client may follow a redirect from `from` to `to`: to the same
/// host only, and never from https down to plain http.
fn may_follow(from: &reqwest::Url, to: &reqwest::Url) -> bool {
    let same_host = from.host_str() == to.host_str()
        && from.port_or_known_default() == to.port_or_known_default();
    let downgrade = from.scheme() == "https" && to.scheme() != "https";
    same_host && !downgrade && matches!(to.scheme(), "https" | "http")
}

/// The company-facts address of a company under a data base address.
pub fn company_facts_url(data_url: &str, cik: Cik) -> String {
    format!("{data_url}/api/xbrl/companyfacts/CIK{}.json", cik.padded())
}

/// The submissions address of a company (holds `fiscalYearEnd`).
pub fn submissions_url(data_url: &str, cik: Cik) -> String {
    format!("{data_url}/submissions/CIK{}.json", cik.padded())
}

/// The address of the SEC's ticker list.
pub fn company_tickers_url(www_url: &str) -> String {
    format!("{www_url}/files/company_tickers.json")
}

/// One entry of `files/company_tickers.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TickerEntry {
    pub cik_str: u64,
    pub ticker: String,
    pub title: String,
}

/// The SEC's ticker list: ticker → CIK and company name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickerDirectory {
    entries: Vec<TickerEntry>,
}

impl TickerDirectory {
    /// Parses `files/company_tickers.json` (an object of `"0": {cik_str, ticker, title}`).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        let map: BTreeMap<String, TickerEntry> = serde_json::from_slice(bytes)?;
        Ok(Self {
            entries: map.into_values().collect(),
        })
    }

    /// The entry of a ticker (case-insensitive; `BRK.B` also finds `BRK-B`).
    pub fn by_ticker(&self, ticker: &str) -> Option<&TickerEntry> {
        let norm = |s: &str| s.trim().to_ascii_uppercase().replace('.', "-");
        let want = norm(ticker);
        self.entries.iter().find(|e| norm(&e.ticker) == want)
    }

    /// The first entry of a CIK (a company with several share classes has several).
    pub fn by_cik(&self, cik: Cik) -> Option<&TickerEntry> {
        self.entries.iter().find(|e| e.cik_str == cik.value())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The parts of `submissions/CIK##########.json` the importer reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Submissions {
    #[serde(default)]
    pub name: Option<String>,
    /// `MMDD` of the fiscal year end, e.g. `"0630"` (Microsoft) or `"0126"` (Nvidia).
    #[serde(rename = "fiscalYearEnd", default)]
    pub fiscal_year_end: Option<String>,
    /// The company's filings, newest first (`filings.recent`: about the
    /// last thousand, or a year's worth, whichever is more).
    #[serde(default)]
    pub filings: SubmissionFilings,
}

/// `filings` of the submissions document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SubmissionFilings {
    #[serde(default)]
    pub recent: RecentFilings,
}

/// `filings.recent`: one array per field, all of the same length, one index
/// per filing (the SEC's columnar layout).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RecentFilings {
    #[serde(rename = "accessionNumber", default)]
    pub accession_number: Vec<String>,
    #[serde(rename = "filingDate", default)]
    pub filing_date: Vec<String>,
    #[serde(rename = "reportDate", default)]
    pub report_date: Vec<String>,
    #[serde(default)]
    pub form: Vec<String>,
}

/// A submissions list the sync cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionsError {
    #[error("the submissions list's columns have different lengths ({accessions} accession numbers, {forms} forms, {dates} filing dates)")]
    Ragged {
        accessions: usize,
        forms: usize,
        dates: usize,
    },
    #[error("the submissions list has a malformed entry: {0}")]
    Entry(String),
}

impl Submissions {
    pub fn from_slice(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The 10-Ks and 10-Qs (and amendments) the list names, newest first.
    pub fn financial_reports(&self) -> Result<Vec<store::sync::ListedFiling>, SubmissionsError> {
        let r = &self.filings.recent;
        let n = r.accession_number.len();
        if r.form.len() != n || r.filing_date.len() != n {
            return Err(SubmissionsError::Ragged {
                accessions: n,
                forms: r.form.len(),
                dates: r.filing_date.len(),
            });
        }
        let date = |raw: &str| {
            time::Date::parse(
                raw,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
        };
        let mut out = Vec::new();
        for i in 0..n {
            let form = r.form[i].trim();
            if !domain::sync::is_financial_report(form) {
                continue;
            }
            let accession_number = domain::AccessionNumber::parse(&r.accession_number[i])
                .map_err(|e| SubmissionsError::Entry(e.to_string()))?;
            let filing_date = date(r.filing_date[i].trim()).map_err(|_| {
                SubmissionsError::Entry(format!(
                    "{accession_number}: filing date {:?}",
                    r.filing_date[i]
                ))
            })?;
            // An empty or missing report date is "not listed".
            let report_date = r.report_date.get(i).and_then(|raw| date(raw.trim()).ok());
            out.push(store::sync::ListedFiling {
                accession_number,
                form: form.to_string(),
                filing_date,
                report_date,
            });
        }
        Ok(out)
    }

    /// The fiscal year-end month. A 52/53-week year that ends in the first
    /// days of a month (`"0102"`) belongs to the previous month, as periods do.
    pub fn fiscal_year_end_month(&self) -> Option<u8> {
        let raw = self.fiscal_year_end.as_deref()?.trim();
        if raw.len() != 4 || !raw.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let month: u8 = raw[..2].parse().ok()?;
        let day: u8 = raw[2..].parse().ok()?;
        let month = time::Month::try_from(month).ok()?;
        // A leap year, so that "0229" is a date.
        let date = time::Date::from_calendar_date(2024, month, day).ok()?;
        super::periods::nominal_month_end(date).map(|(_, m)| m)
    }
}

/// Download errors.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "no User-Agent for SEC requests: the SEC refuses anonymous clients. Set {USER_AGENT_ENV} \
         (or --user-agent) to a name and contact, e.g. \"Capex Lens admin@example.com\""
    )]
    MissingUserAgent,
    #[error("{var} must be an https:// address (http:// only for localhost), got {value:?}")]
    BadBaseUrl { var: String, value: String },
    #[error("{url}: redirected to {location:?}, which is another host or not https; not followed")]
    RefusedRedirect { url: String, location: String },
    #[error("{url}: the answer is over {limit} bytes decompressed; refused")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: the answer is not the expected JSON: {source}")]
    BadJson {
        url: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the User-Agent {0:?} has no contact e-mail address; the SEC requires one (\"Name email@example.com\")")]
    UserAgentWithoutContact(String),
    #[error("building the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("{url}: not found (HTTP 404); check the CIK")]
    NotFound { url: String },
    #[error("{url}: HTTP {status} after {attempts} attempt(s)")]
    Status {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error("{url}: no complete answer, timed out after {secs} s (after {attempts} attempt(s))")]
    Timeout {
        url: String,
        secs: u64,
        attempts: u32,
    },
    #[error("{url}: {source} (after {attempts} attempt(s))")]
    Transport {
        url: String,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
}

/// Picks the User-Agent: the explicit value, else `CAPEX_SEC_USER_AGENT`.
pub fn resolve_user_agent(explicit: Option<&str>) -> Result<String, FetchError> {
    let from_env = std::env::var(USER_AGENT_ENV).ok();
    let ua = explicit
        .map(str::to_string)
        .or(from_env)
        .map(|s| s.trim().to_string());
    match ua {
        None => Err(FetchError::MissingUserAgent),
        Some(s) if s.is_empty() => Err(FetchError::MissingUserAgent),
        Some(s) if !s.contains('@') => Err(FetchError::UserAgentWithoutContact(s)),
        Some(s) => Ok(s),
    }
}

/// Exponential backoff: `base · 2^attempt`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The wait before retrying, preferring the server's `Retry-After` (seconds), capped at `max`.
    pub fn delay_with_hint(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after
            .map(|d| d.min(self.max))
            .unwrap_or_else(|| self.delay(attempt))
    }
}

/// Whether an HTTP status is worth retrying.
pub fn is_retryable(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// Spaces calls at least `interval` apart, across tasks.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits for the next free slot.
    pub async fn acquire(&self) {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        let slot = match *next {
            Some(t) if t > now => t,
            _ => now,
        };
        *next = Some(slot + self.interval);
        drop(next);
        tokio::time::sleep_until(slot).await;
    }
}

/// An SEC client: declared User-Agent, rate limit, retries, base addresses.
#[derive(Debug)]
pub struct SecClient {
    http: reqwest::Client,
    limiter: RateLimiter,
    retry: RetryPolicy,
    data_url: String,
    www_url: String,
    timeout: Duration,
    max_body: usize,
}

impl SecClient {
    /// A client for the configured addresses, User-Agent and timeout.
    pub fn new(config: &SecConfig) -> Result<Self, FetchError> {
        let ua = resolve_user_agent(config.user_agent.as_deref())?;
        let data_url = base_url(&config.data_url, DATA_URL_ENV)?;
        let www_url = base_url(&config.www_url, WWW_URL_ENV)?;
        let http = reqwest::Client::builder()
            .user_agent(ua)
            .gzip(true)
            // Redirects stay on the host asked and on https; at most five.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let allowed = attempt.previous().len() <= 5
                    && attempt
                        .previous()
                        .first()
                        .is_some_and(|first| may_follow(first, attempt.url()));
                if allowed {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(FetchError::Client)?;
        Ok(Self {
            http,
            limiter: RateLimiter::new(MIN_INTERVAL),
            retry: RetryPolicy {
                max_attempts: config.max_attempts.max(1),
                ..RetryPolicy::default()
            },
            data_url,
            www_url,
            timeout: config.timeout,
            max_body: config.max_body_bytes,
        })
    }

    /// Where a company's facts are downloaded from.
    pub fn company_facts_url(&self, cik: Cik) -> String {
        company_facts_url(&self.data_url, cik)
    }

    /// Downloads a company's facts JSON.
    pub async fn company_facts(&self, cik: Cik) -> Result<Vec<u8>, FetchError> {
        self.get(&self.company_facts_url(cik)).await
    }

    /// Downloads and reads a company's submissions document.
    pub async fn submissions(&self, cik: Cik) -> Result<Submissions, FetchError> {
        let url = submissions_url(&self.data_url, cik);
        let body = self.get(&url).await?;
        Submissions::from_slice(&body).map_err(|source| FetchError::BadJson { url, source })
    }

    /// Downloads and reads the SEC's ticker list.
    pub async fn company_tickers(&self) -> Result<TickerDirectory, FetchError> {
        let url = company_tickers_url(&self.www_url);
        let body = self.get(&url).await?;
        TickerDirectory::from_slice(&body).map_err(|source| FetchError::BadJson { url, source })
    }

    /// GET with rate limit and retries; the body of the first 2xx answer.
    pub async fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let mut attempt = 0u32;
        loop {
            self.limiter.acquire().await;
            let started = std::time::Instant::now();
            let outcome = self.http.get(url).send().await;
            let attempts = attempt + 1;
            let retry_in = match outcome {
                Ok(resp) if resp.status().is_redirection() => {
                    let location = resp
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .chars()
                        .take(200)
                        .collect();
                    return Err(FetchError::RefusedRedirect {
                        url: url.to_string(),
                        location,
                    });
                }
                Ok(resp) if resp.status().is_success() => match self.body(url, resp).await? {
                    Ok(body) => {
                        tracing::info!(
                            http.url = url,
                            http.bytes = body.len(),
                            duration_ms = started.elapsed().as_millis() as u64,
                            "sec download done"
                        );
                        return Ok(body);
                    }
                    // The connection broke (or timed out) mid-body: retry like a transport error.
                    Err(source) => {
                        if attempts >= self.retry.max_attempts {
                            return Err(self.transport_error(url, attempts, source));
                        }
                        self.retry.delay(attempt)
                    }
                },
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 404 {
                        return Err(FetchError::NotFound {
                            url: url.to_string(),
                        });
                    }
                    if !is_retryable(status) || attempts >= self.retry.max_attempts {
                        return Err(FetchError::Status {
                            url: url.to_string(),
                            status,
                            attempts,
                        });
                    }
                    self.retry.delay_with_hint(attempt, retry_after(&resp))
                }
                Err(source) => {
                    if attempts >= self.retry.max_attempts {
                        return Err(self.transport_error(url, attempts, source));
                    }
                    self.retry.delay(attempt)
                }
            };
            tracing::warn!(
                http.url = url,
                retry.attempt = attempts,
                retry.wait_ms = retry_in.as_millis() as u64,
                "sec request failed; retrying"
            );
            tokio::time::sleep(retry_in).await;
            attempt += 1;
        }
    }
}

impl SecClient {
    /// The decompressed body, read piece by piece and refused past the cap;
    /// the outer error ends the download, the inner one is retried.
    async fn body(
        &self,
        url: &str,
        mut resp: reqwest::Response,
    ) -> Result<Result<Vec<u8>, reqwest::Error>, FetchError> {
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit: self.max_body,
        };
        if resp
            .content_length()
            .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > self.max_body))
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_body {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(Ok(body)),
                Err(e) => return Ok(Err(e)),
            }
        }
    }

    fn transport_error(&self, url: &str, attempts: u32, source: reqwest::Error) -> FetchError {
        if source.is_timeout() {
            FetchError::Timeout {
                url: url.to_string(),
                secs: self.timeout.as_secs(),
                attempts,
            }
        } else {
            FetchError::Transport {
                url: url.to_string(),
                attempts,
                source,
            }
        }
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let value = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_uses_the_ten_digit_cik() {
        let cik = Cik::new(789_019).unwrap();
        assert_eq!(
            company_facts_url(DEFAULT_DATA_URL, cik),
            "https://data.sec.gov/api/xbrl/companyfacts/CIK0000789019.json"
        );
        assert_eq!(
            submissions_url("http://127.0.0.1:9", cik),
            "http://127.0.0.1:9/submissions/CIK0000789019.json"
        );
        assert_eq!(
            company_tickers_url(DEFAULT_WWW_URL),
            "https://www.sec.gov/files/company_tickers.json"
        );
    }

    #[test]
    fn a_base_address_loses_its_trailing_slash_and_must_be_http() {
        assert_eq!(
            base_url("https://data.sec.gov/", DATA_URL_ENV).unwrap(),
            "https://data.sec.gov"
        );
        let err = base_url("data.sec.gov", DATA_URL_ENV)
            .unwrap_err()
            .to_string();
        assert!(err.contains("CAPEX_SEC_DATA_URL"), "{err}");
        assert!(base_url("", WWW_URL_ENV).is_err());
        // Plain http only to this machine (the tests' replay of SEC).
        assert!(base_url("http://data.sec.gov", DATA_URL_ENV).is_err());
        assert!(base_url("http://127.0.0.1:8080", DATA_URL_ENV).is_ok());
        assert!(base_url("http://localhost:8080/", DATA_URL_ENV).is_ok());
        assert!(base_url("http://[::1]:8080", DATA_URL_ENV).is_ok());
        assert!(base_url("http://127.0.0.1.example.com", DATA_URL_ENV).is_err());
    }

    #[test]
    fn redirects_are_followed_only_on_the_same_host_and_never_down_to_http() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(may_follow(
            &u("https://data.sec.gov/a"),
            &u("https://data.sec.gov/b")
        ));
        assert!(!may_follow(
            &u("https://data.sec.gov/a"),
            &u("https://evil.example/b")
        ));
        assert!(!may_follow(
            &u("https://data.sec.gov/a"),
            &u("http://data.sec.gov/b")
        ));
        assert!(!may_follow(
            &u("http://127.0.0.1:1/a"),
            &u("http://127.0.0.1:2/a")
        ));
    }

    #[test]
    fn the_recorded_microsoft_submissions_list_yields_its_reports_newest_first_and_no_8_ks() {
        let body = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/edgar-replay/submissions_CIK0000789019.json"
        ))
        .unwrap();
        let subs = Submissions::from_slice(&body).unwrap();
        assert_eq!(subs.fiscal_year_end_month(), Some(6));
        let reports = subs.financial_reports().unwrap();
        assert!(reports.len() >= 5, "{reports:?}");
        assert!(reports.iter().all(|f| f.form == "10-K" || f.form == "10-Q"));
        let newest = &reports[0];
        assert_eq!(newest.accession_number.as_str(), "0001193125-26-323660");
        assert_eq!(newest.form, "10-K");
        assert_eq!(newest.filing_date.to_string(), "2026-07-29");
        assert_eq!(
            newest.report_date.map(|d| d.to_string()).as_deref(),
            Some("2026-06-30")
        );
        assert!(reports
            .windows(2)
            .all(|w| w[0].filing_date >= w[1].filing_date));
    }

    #[test]
    fn a_submissions_list_with_columns_of_different_lengths_is_refused() {
        let body = br#"{"fiscalYearEnd":"1231","filings":{"recent":{
            "accessionNumber":["0000000001-26-000001","0000000001-26-000002"],
            "filingDate":["2026-01-02"],"reportDate":["",""],"form":["10-Q","10-K"]}}}"#;
        let subs = Submissions::from_slice(body).unwrap();
        assert!(matches!(
            subs.financial_reports(),
            Err(SubmissionsError::Ragged {
                accessions: 2,
                forms: 2,
                dates: 1
            })
        ));
    }

    #[test]
    fn the_fiscal_year_end_month_is_read_from_mmdd_with_52_53_week_years_placed_like_periods() {
        let month = |raw: &str| {
            Submissions {
                name: None,
                fiscal_year_end: Some(raw.to_string()),
                filings: SubmissionFilings::default(),
            }
            .fiscal_year_end_month()
        };
        // Microsoft, Oracle, Nvidia (late January), Apple (late September).
        assert_eq!(month("0630"), Some(6));
        assert_eq!(month("0531"), Some(5));
        assert_eq!(month("0126"), Some(1));
        assert_eq!(month("0926"), Some(9));
        // A 53-week year ending January 2 closes the December year.
        assert_eq!(month("0102"), Some(12));
        // Mid-month or malformed: unknown (the importer then infers it from 10-Ks).
        assert_eq!(month("0615"), None);
        assert_eq!(month("1399"), None);
        assert_eq!(month("June"), None);
    }

    #[test]
    fn the_ticker_list_finds_a_company_by_ticker_or_cik() {
        let dir = TickerDirectory::from_slice(
            br#"{"0":{"cik_str":789019,"ticker":"MSFT","title":"MICROSOFT CORP"},
                 "1":{"cik_str":1067983,"ticker":"BRK-B","title":"BERKSHIRE HATHAWAY INC"}}"#,
        )
        .unwrap();
        assert_eq!(dir.len(), 2);
        assert_eq!(dir.by_ticker("msft").unwrap().cik_str, 789_019);
        assert_eq!(
            dir.by_ticker("BRK.B").unwrap().title,
            "BERKSHIRE HATHAWAY INC"
        );
        assert_eq!(
            dir.by_cik(Cik::new(789_019).unwrap()).unwrap().ticker,
            "MSFT"
        );
        assert!(dir.by_ticker("ZZZZ").is_none());
    }

    #[test]
    fn backoff_doubles_from_half_a_second_and_is_capped_at_thirty() {
        let p = RetryPolicy::default();
        let ms: Vec<u128> = (0..8).map(|a| p.delay(a).as_millis()).collect();
        assert_eq!(ms, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(p.delay(200), Duration::from_secs(30));
    }

    #[test]
    fn a_retry_after_hint_wins_but_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay_with_hint(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay_with_hint(0, Some(Duration::from_secs(600))),
            Duration::from_secs(30)
        );
        assert_eq!(p.delay_with_hint(2, None), Duration::from_secs(2));
    }

    #[test]
    fn too_many_requests_and_server_errors_are_retried_but_client_errors_are_not() {
        assert!(is_retryable(429));
        assert!(is_retryable(503));
        assert!(!is_retryable(404));
        assert!(!is_retryable(403));
        assert!(!is_retryable(200));
    }

    #[test]
    fn a_user_agent_needs_a_contact_address() {
        assert!(matches!(
            resolve_user_agent(Some("Capex Lens")),
            Err(FetchError::UserAgentWithoutContact(_))
        ));
        assert!(matches!(
            resolve_user_agent(Some("  ")),
            Err(FetchError::MissingUserAgent)
        ));
        assert_eq!(
            resolve_user_agent(Some("Capex Lens a@b.org")).unwrap(),
            "Capex Lens a@b.org"
        );
        assert!(FetchError::MissingUserAgent
            .to_string()
            .contains("CAPEX_SEC_USER_AGENT"));
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_allows_at_most_ten_requests_per_second() {
        let limiter = RateLimiter::new(MIN_INTERVAL);
        let start = Instant::now();
        for _ in 0..11 {
            limiter.acquire().await;
        }
        // Eleven requests: the first at once, then ten intervals of 110 ms,
        // so no second holds more than ten.
        assert!(start.elapsed() >= Duration::from_millis(1100));
        assert!(start.elapsed() < Duration::from_millis(1200));
    }
}
