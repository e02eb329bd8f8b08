//! Downloading company facts from SEC EDGAR's XBRL API.
//!
//! The SEC asks automated clients to declare who they are (a User-Agent with a
//! contact e-mail) and to stay at or below 10 requests per second. The client
//! sends gzip-accepting requests with a timeout, spaces requests at least
//! [`MIN_INTERVAL`] apart and retries 429 and 5xx answers (and transport
//! errors) with exponential backoff, honouring `Retry-After` when given.

use domain::Cik;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Environment variable holding the User-Agent.
pub const USER_AGENT_ENV: &str = "SEC_USER_AGENT";
/// At most 10 requests per second.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Per-request timeout (the largest company-facts files are tens of MB).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The company-facts address of a company.
pub fn company_facts_url(cik: Cik) -> String {
    format!(
        "https://data.sec.gov/api/xbrl/companyfacts/CIK{}.json",
        cik.padded()
    )
}

/// Download errors.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "no User-Agent for SEC requests: the SEC refuses anonymous clients. Set {USER_AGENT_ENV} \
         (or --user-agent) to a name and contact, e.g. \"Capex Lens admin@example.com\""
    )]
    MissingUserAgent,
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
    #[error("{url}: {source} (after {attempts} attempt(s))")]
    Transport {
        url: String,
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
}

/// Picks the User-Agent: the explicit value, else `SEC_USER_AGENT`.
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

/// An SEC client: declared User-Agent, rate limit, retries.
#[derive(Debug)]
pub struct SecClient {
    http: reqwest::Client,
    limiter: RateLimiter,
    retry: RetryPolicy,
}

impl SecClient {
    /// A client with the User-Agent given or from `SEC_USER_AGENT`.
    pub fn new(user_agent: Option<&str>) -> Result<Self, FetchError> {
        let ua = resolve_user_agent(user_agent)?;
        let http = reqwest::Client::builder()
            .user_agent(ua)
            .gzip(true)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(FetchError::Client)?;
        Ok(Self {
            http,
            limiter: RateLimiter::new(MIN_INTERVAL),
            retry: RetryPolicy::default(),
        })
    }

    /// Downloads a company's facts JSON.
    pub async fn company_facts(&self, cik: Cik) -> Result<Vec<u8>, FetchError> {
        self.get(&company_facts_url(cik)).await
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
                Ok(resp) if resp.status().is_success() => {
                    let body = resp.bytes().await.map_err(|source| FetchError::Transport {
                        url: url.to_string(),
                        attempts,
                        source,
                    })?;
                    tracing::info!(
                        http.url = url,
                        http.bytes = body.len(),
                        duration_ms = started.elapsed().as_millis() as u64,
                        "sec download done"
                    );
                    return Ok(body.to_vec());
                }
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
                        return Err(FetchError::Transport {
                            url: url.to_string(),
                            attempts,
                            source,
                        });
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
            company_facts_url(cik),
            "https://data.sec.gov/api/xbrl/companyfacts/CIK0000789019.json"
        );
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
            .contains("SEC_USER_AGENT"));
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_allows_at_most_ten_requests_per_second() {
        let limiter = RateLimiter::new(MIN_INTERVAL);
        let start = Instant::now();
        for _ in 0..11 {
            limiter.acquire().await;
        }
        // Eleven requests: the first at once, then ten intervals of 100 ms.
        assert!(start.elapsed() >= Duration::from_millis(1000));
        assert!(start.elapsed() < Duration::from_millis(1100));
    }
}
