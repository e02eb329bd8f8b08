//! Rendered public pages, kept until the store changes.
//!
//! Everything an anonymous visitor can read (the overview, company pages,
//! comparisons, the methodology, chart SVG and CSV) is a pure function of the
//! address, the `Host` the page names in its absolute links, the store's
//! contents and the server's configuration. So a response is cached under its
//! address, the encoding `Accept-Encoding` gets (the compressed body is what
//! is stored), the `Host` only when no public address is configured and then
//! only for hosts the server answers as ([`Hosts`]; a made-up host is
//! rendered, never stored), and the store generation ([`store::generation`]),
//! which every committed
//! write (an import, an analyst's entry, a revert, a change to a company)
//! advances. It is followed by a listener, so a hit costs no database round
//! trip; while the listener is not connected, every request reads it.
//!
//! Never cached: anything but `GET`; requests carrying the session cookie
//! (a signed-in user sees their own navigation); responses other than 200,
//! or that set a cookie or say `no-store`/`private`. When the generation
//! cannot be read (the database is down), the request goes through
//! uncached and answers as it would without the cache (503).
//!
//! A request with `Cache-Control: no-cache` (what a browser's hard reload
//! sends) is rendered afresh, and its response replaces the stored one. A
//! response the cache considered says so in `x-cache: hit` or `miss`.
//!
//! The first response is compressed on the fly at the compression layer's
//! fast default level. When a stored page is read again, it is worth more
//! effort: one background task at a time recompresses it at the best level
//! (brotli 11, gzip 9; about a second of CPU for a company page, which
//! shrinks by a third) and replaces the entry, so every later reader of a
//! page in demand gets the smallest transfer for no CPU per request.

use crate::cache::{BoundedCache, CacheStats, Weigh};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use store::generation::StoreGeneration;
use tokio::sync::Semaphore;

/// `x-cache: hit` or `miss` on every response the cache considered (absent
/// when it stood aside), for operators and tests.
pub const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

/// A response as stored: status, headers and the whole (compressed) body.
#[derive(Clone)]
pub struct CachedPage {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// Whether the body has been recompressed at the best level (or needs
    /// not be: uncompressed, or an encoding this cache does not redo).
    polished: bool,
    /// The length of its key, which the cache holds too.
    key_bytes: usize,
}

impl Weigh for CachedPage {
    fn weight(&self) -> usize {
        self.body.len()
            + self.key_bytes
            + self
                .headers
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len())
                .sum::<usize>()
    }
}

/// Which `Host` a page is stored under. A page names a host in its absolute
/// links (the preview image): the configured public address, or else the
/// request's own `Host`.
#[derive(Clone, Debug)]
pub enum Hosts {
    /// A public address is configured: every page names it, whatever the
    /// request's `Host`, so the host is not part of the key (a client
    /// cannot make the cache store one copy per made-up host).
    Public,
    /// No public address: only requests for a host this server answers as
    /// (its own address, or loopback at its port) are stored; any other
    /// host is rendered each time and never stored.
    Own(Vec<String>),
}

impl Hosts {
    /// The policy of a server at `addr` with the public address `public_url`.
    pub fn of_server(public_url: Option<&str>, addr: std::net::SocketAddr) -> Self {
        if public_url.is_some_and(|u| !u.trim().is_empty()) {
            return Self::Public;
        }
        let port = addr.port();
        let mut own = vec![
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ];
        if !addr.ip().is_unspecified() {
            own.push(addr.to_string());
        }
        Self::Own(own)
    }

    /// The key's host part for a request's `Host`, or `None`: not stored.
    fn key_part<'a>(&self, host: &'a str) -> Option<&'a str> {
        match self {
            Self::Public => Some(""),
            Self::Own(own) => own
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host))
                .then_some(host),
        }
    }
}

/// The encoding the compression layer answers an `Accept-Encoding` with
/// (the highest weight, brotli before gzip on a tie): requests that get
/// the same body share one entry, whatever else their header says.
fn encoding_class(accept: &str) -> &'static str {
    let weight_of = |name: &str| {
        accept
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let coding = bits.next()?.trim();
                let q = bits
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (coding.eq_ignore_ascii_case(name) || coding == "*").then_some(q)
            })
            .fold(0.0_f32, f32::max)
    };
    let (br, gzip) = (weight_of("br"), weight_of("gzip"));
    if br > 0.0 && br >= gzip {
        "br"
    } else if gzip > 0.0 {
        "gzip"
    } else {
        "identity"
    }
}

/// The page cache and where its generation comes from.
#[derive(Clone)]
pub struct PageCache {
    pages: Arc<BoundedCache<CachedPage>>,
    generation: StoreGeneration,
    /// One recompression at a time: it is a second of CPU per page.
    polishing: Arc<Semaphore>,
    hosts: Hosts,
}

impl PageCache {
    /// 512 responses or 24 MiB, whichever is reached first, kept under
    /// `generation`.
    pub fn new(generation: StoreGeneration) -> Self {
        Self {
            pages: Arc::new(BoundedCache::new(512, 24 * 1024 * 1024)),
            generation,
            polishing: Arc::new(Semaphore::new(1)),
            // Until told which hosts it answers as, it stores nothing.
            hosts: Hosts::Own(Vec::new()),
        }
    }

    /// Sets which hosts pages are stored for ([`Hosts`]).
    pub fn with_hosts(mut self, hosts: Hosts) -> Self {
        self.hosts = hosts;
        self
    }

    /// Hits, misses and current size.
    pub fn stats(&self) -> CacheStats {
        self.pages.stats()
    }

    /// The generation the cache follows.
    pub fn generation(&self) -> &StoreGeneration {
        &self.generation
    }
}

/// Whether the path is a public, read-only page or chart export.
fn is_public_read(path: &str) -> bool {
    matches!(
        path,
        "/" | "/compare" | "/cohort" | "/methodology" | "/chart.svg" | "/chart.csv" | "/feed.atom"
    ) || path.strip_prefix("/company/").is_some_and(|rest| {
        let ticker = rest.strip_suffix("/feed.atom").unwrap_or(rest);
        !ticker.is_empty() && !ticker.contains('/')
    })
}

fn has_session_cookie(headers: &HeaderMap) -> bool {
    crate::auth::carries_session_cookie(headers)
}

fn wants_fresh(headers: &HeaderMap) -> bool {
    let says = |name: header::HeaderName| {
        headers
            .get_all(name)
            .iter()
            .any(|v| v.to_str().is_ok_and(|s| s.contains("no-cache")))
    };
    says(header::CACHE_CONTROL) || says(header::PRAGMA)
}

fn is_cacheable(res: &Response) -> bool {
    let no_store = res
        .headers()
        .get_all(header::CACHE_CONTROL)
        .iter()
        .any(|v| {
            v.to_str()
                .map_or(true, |s| s.contains("no-store") || s.contains("private"))
        });
    res.status() == StatusCode::OK && !no_store && !res.headers().contains_key(header::SET_COOKIE)
}

/// Everything a public page depends on besides the server's configuration,
/// or `None` when the page is not to be stored (a host this server does not
/// answer as, see [`Hosts`]).
fn cache_key(req: &Request, generation: i64, hosts: &Hosts) -> Option<String> {
    let text = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let host = hosts.key_part(text(header::HOST))?;
    Some(format!(
        "{generation}\n{host}\n{}\n{}",
        encoding_class(text(header::ACCEPT_ENCODING)),
        req.uri().path_and_query().map_or("/", |pq| pq.as_str())
    ))
}

/// Middleware: answers public pages from the cache, or renders, stores and answers.
pub async fn serve_cached(State(cache): State<PageCache>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET
        || !is_public_read(req.uri().path())
        || has_session_cookie(req.headers())
    {
        return next.run(req).await;
    }
    let Ok(generation) = cache.generation.current().await else {
        return next.run(req).await;
    };
    let Some(key) = cache_key(&req, generation, &cache.hosts) else {
        return next.run(req).await;
    };
    // `Cache-Control: no-cache` (a hard reload) renders afresh and refreshes the entry.
    let cached = if wants_fresh(req.headers()) {
        None
    } else {
        cache.pages.get(&key)
    };
    if let Some(page) = cached {
        if !page.polished {
            polish_later(&cache, key, page.clone());
        }
        let mut res = Response::new(Body::from(page.body));
        *res.status_mut() = page.status;
        *res.headers_mut() = page.headers;
        res.headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("hit"));
        return res;
    }
    let mut res = next.run(req).await;
    if !is_cacheable(&res) {
        res.headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("miss"));
        return res;
    }
    let (parts, body) = res.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "reading a page body for the cache");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not render the page",
            )
                .into_response();
        }
    };
    cache.pages.insert(
        &key,
        CachedPage {
            status: parts.status,
            headers: parts.headers.clone(),
            body: body.clone(),
            polished: !matches!(encoding_of(&parts.headers), Some("br" | "gzip")),
            key_bytes: key.len(),
        },
    );
    let mut res = Response::from_parts(parts, Body::from(body));
    res.headers_mut()
        .insert(X_CACHE, HeaderValue::from_static("miss"));
    res
}

/// The `Content-Encoding` of a stored response, if it has exactly one.
fn encoding_of(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(header::CONTENT_ENCODING).iter();
    match (values.next(), values.next()) {
        (Some(v), None) => v.to_str().ok().map(str::trim),
        _ => None,
    }
}

/// Recompresses a stored page at the best level in the background, unless a
/// recompression is already running (a later read will ask again). The entry
/// is replaced only when the result is smaller; either way it is marked
/// polished so it is not redone.
fn polish_later(cache: &PageCache, key: String, page: CachedPage) {
    let Ok(permit) = cache.polishing.clone().try_acquire_owned() else {
        return;
    };
    let pages = cache.pages.clone();
    tokio::spawn(async move {
        let encoding = encoding_of(&page.headers).map(str::to_owned);
        let body = page.body.clone();
        let started = std::time::Instant::now();
        let result = tokio::task::spawn_blocking(move || match encoding.as_deref() {
            Some(e) => recompress(e, &body),
            None => Ok(None),
        })
        .await;
        drop(permit);
        let smaller = match result {
            Ok(Ok(Some(smaller))) if smaller.len() < page.body.len() => Some(smaller),
            Ok(Ok(_)) => None,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "recompressing a cached page");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "recompressing a cached page: task failed");
                None
            }
        };
        let mut page = page;
        if let Some(smaller) = smaller {
            tracing::debug!(
                cache.bytes_before = page.body.len(),
                cache.bytes_after = smaller.len(),
                duration_ms = started.elapsed().as_millis() as u64,
                "cached page recompressed"
            );
            page.body = Bytes::from(smaller);
            page.headers.remove(header::CONTENT_LENGTH);
        }
        page.polished = true;
        pages.insert(&key, page);
    });
}

/// `body` decoded from `encoding` and encoded again at the best level;
/// `None` for an encoding this cache does not redo.
fn recompress(encoding: &str, body: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::{Read, Write};
    let mut plain = Vec::with_capacity(body.len() * 8);
    match encoding {
        "br" => {
            brotli::Decompressor::new(body, 64 * 1024).read_to_end(&mut plain)?;
            // Quality 11 with a 4 MiB window: brotli's best.
            let mut out = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, 11, 22);
            out.write_all(&plain)?;
            out.flush()?;
            Ok(Some(out.into_inner()))
        }
        "gzip" => {
            flate2::read::GzDecoder::new(body).read_to_end(&mut plain)?;
            let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            out.write_all(&plain)?;
            Ok(Some(out.finish()?))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_that_get_the_same_encoding_share_one_key_whatever_else_they_say() {
        assert_eq!(encoding_class("gzip, deflate, br"), "br");
        assert_eq!(encoding_class("br;q=1.0, gzip;q=0.8, *;q=0.1"), "br");
        assert_eq!(encoding_class("gzip;q=1, br;q=0.5"), "gzip");
        assert_eq!(encoding_class("br;q=0, gzip"), "gzip");
        assert_eq!(encoding_class(""), "identity");
        assert_eq!(encoding_class("x-made-up-1, x-made-up-2"), "identity");
    }

    #[test]
    fn only_the_hosts_a_server_answers_as_are_stored_unless_a_public_address_is_set() {
        let addr: std::net::SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let own = Hosts::of_server(None, addr);
        assert_eq!(own.key_part("127.0.0.1:3000"), Some("127.0.0.1:3000"));
        assert_eq!(own.key_part("LOCALHOST:3000"), Some("LOCALHOST:3000"));
        assert_eq!(own.key_part("evil.example"), None);
        assert_eq!(own.key_part("localhost:3001"), None);
        let public = Hosts::of_server(Some("https://capex.example.com"), addr);
        assert_eq!(public.key_part("evil.example"), Some(""));
        assert_eq!(public.key_part("capex.example.com"), Some(""));
    }

    #[test]
    fn a_stored_page_weighs_its_key_too() {
        let page = |key_bytes| CachedPage {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"page"),
            polished: true,
            key_bytes,
        };
        assert_eq!(page(1000).weight() - page(0).weight(), 1000);
    }

    #[test]
    fn only_public_read_only_paths_are_cached() {
        for path in [
            "/",
            "/compare",
            "/methodology",
            "/company/GOOGL",
            "/company/GOOGL/feed.atom",
            "/cohort",
            "/feed.atom",
            "/chart.svg",
            "/chart.csv",
        ] {
            assert!(is_public_read(path), "{path}");
        }
        for path in [
            "/enter",
            "/audit",
            "/account",
            "/admin",
            "/company/",
            "/company//feed.atom",
            "/company/GOOGL/history",
            "/chart.png",
            "/api/create_short_link",
            "/c/abc",
            "/healthz",
        ] {
            assert!(!is_public_read(path), "{path}");
        }
    }

    #[test]
    fn a_session_cookie_anywhere_in_the_cookie_headers_bypasses_the_cache() {
        let mut headers = HeaderMap::new();
        assert!(!has_session_cookie(&headers));
        headers.append(header::COOKIE, "theme=dark".parse().unwrap());
        assert!(!has_session_cookie(&headers));
        headers.append(
            header::COOKIE,
            format!("a=1; {}=xyz", crate::auth::SESSION_COOKIE)
                .parse()
                .unwrap(),
        );
        assert!(has_session_cookie(&headers));
        let mut secure = HeaderMap::new();
        secure.append(
            header::COOKIE,
            format!("{}=xyz", crate::auth::SECURE_SESSION_COOKIE)
                .parse()
                .unwrap(),
        );
        assert!(has_session_cookie(&secure), "the https name counts too");
    }

    #[test]
    fn responses_that_set_cookies_or_forbid_storing_are_not_cached() {
        let ok = || Response::new(Body::empty());
        assert!(is_cacheable(&ok()));
        let mut res = ok();
        res.headers_mut()
            .insert(header::SET_COOKIE, "a=b".parse().unwrap());
        assert!(!is_cacheable(&res));
        let mut res = ok();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, "no-store".parse().unwrap());
        assert!(!is_cacheable(&res));
        let mut res = ok();
        *res.status_mut() = StatusCode::NOT_FOUND;
        assert!(!is_cacheable(&res));
    }

    /// A page-like text: repetitive markup with varying numbers.
    fn sample_page() -> Vec<u8> {
        (0..4000)
            .map(|i| {
                format!(
                    "<tr><td class=\"num\">{}</td><td>FY{} Q{}</td></tr>\n",
                    i * 7919 % 100_003,
                    20 + i % 7,
                    1 + i % 4
                )
            })
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn recompressing_keeps_the_content_and_shrinks_a_fast_brotli_body() {
        use std::io::{Read, Write};
        // Arrange: the page as the compression layer sends it (a fast level).
        let plain = sample_page();
        let mut fast = brotli::CompressorWriter::new(Vec::new(), 4096, 1, 22);
        fast.write_all(&plain).unwrap();
        let fast = fast.into_inner();

        // Act
        let best = recompress("br", &fast).unwrap().unwrap();

        // Assert
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&best[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain);
        assert!(best.len() < fast.len(), "{} !< {}", best.len(), fast.len());
    }

    #[test]
    fn recompressing_keeps_the_content_of_a_gzip_body() {
        use std::io::{Read, Write};
        let plain = sample_page();
        let mut fast = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        fast.write_all(&plain).unwrap();
        let fast = fast.finish().unwrap();

        let best = recompress("gzip", &fast).unwrap().unwrap();

        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&best[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain);
        assert!(best.len() < fast.len(), "{} !< {}", best.len(), fast.len());
    }

    #[test]
    fn a_corrupt_body_is_an_error_and_other_encodings_are_left_alone() {
        assert!(recompress("br", b"not brotli at all").is_err());
        assert!(recompress("gzip", b"not gzip").is_err());
        assert_eq!(recompress("zstd", b"whatever").unwrap(), None);
    }
}
