//! `loadgen`: whole-server benchmarks and the load test of Capex Lens, run by
//! `scripts/bench.sh` against release builds of the server on 127.0.0.1.
//!
//! - `loadgen bench`: throughput and p50/p99 latency of `/`, `/company/GOOGL`
//!   and a `/compare` page against `/bench/baseline` (a fixed string behind the
//!   same middleware, in the same server: `CAPEX_BENCH_BASELINE=1`), and the
//!   first-load transfer size of each page.
//! - `loadgen scale`: the company page on one instance against two instances
//!   sharing one PostgreSQL.
//! - `loadgen soak`: 60 s of mixed traffic (80 % page views, 15 % chart data,
//!   5 % short-link creation) with the server's resident memory.
//!
//! Each connection is one HTTP/1.1 keep-alive connection driving requests
//! back to back (closed loop), as `Accept-Encoding: br, gzip` like a browser.
//! Every result is written as a Markdown fragment for BENCHMARKS.md.

use anyhow::{bail, Context};
use bytes::Bytes;
use clap::{Parser, Subcommand};
use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

// Shared with the first-load budget test (no dependency between the crates).
#[path = "../../tests/src/assets.rs"]
mod assets;
use assets::{js_imports, pkg_resources};

#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    about = "Capex Lens whole-server benchmarks and load test (loopback only)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Page throughput and latency against the trivial handler; transfer sizes.
    Bench {
        #[arg(long)]
        addr: SocketAddr,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Measured seconds per target (after as many seconds of warm-up / 5).
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Markdown fragment to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// The company page on one instance, then spread over several.
    Scale {
        /// The instances (repeat the flag); the first alone, then all of them.
        #[arg(long, required = true)]
        addr: Vec<SocketAddr>,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Mixed traffic with the server's memory (its pid, for /proc).
    Soak {
        #[arg(long)]
        addr: SocketAddr,
        #[arg(long)]
        pid: u32,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 10)]
        warmup_seconds: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

/// The company page of the targets and the compare page measured.
const COMPANY: &str = "/company/GOOGL";
const COMPARE: &str = "/compare?tickers=GOOGL,MSFT,AMZN,META&metrics=capex,fcf&basis=ttm";
const BASELINE: &str = "/bench/baseline";
const TICKERS: [&str; 6] = ["GOOGL", "MSFT", "AMZN", "META", "NVDA", "ORCL"];

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Cmd::Bench {
                addr,
                connections,
                seconds,
                out,
            } => bench(addr, connections, seconds, &out).await,
            Cmd::Scale {
                addr,
                connections,
                seconds,
                out,
            } => scale(&addr, connections, seconds, &out).await,
            Cmd::Soak {
                addr,
                pid,
                connections,
                seconds,
                warmup_seconds,
                out,
            } => soak(addr, pid, connections, seconds, warmup_seconds, &out).await,
        }
    })
}

fn check_loopback(addr: &SocketAddr) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() {
        bail!("{addr} is not a loopback address: loadgen only loads 127.0.0.1");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// HTTP

/// One request to send.
#[derive(Debug, Clone)]
struct Req {
    class: &'static str,
    method: Method,
    path: String,
    /// A form body (POST).
    form: Option<String>,
    /// Sends `Cache-Control: no-cache`: the server renders afresh instead of
    /// answering from its page cache (what a browser's hard reload asks).
    no_cache: bool,
}

impl Req {
    fn get(class: &'static str, path: impl Into<String>) -> Self {
        Self {
            class,
            method: Method::GET,
            path: path.into(),
            form: None,
            no_cache: false,
        }
    }

    fn uncached(mut self) -> Self {
        self.no_cache = true;
        self
    }
}

struct Conn {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        tcp.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self { addr, sender })
    }

    /// Sends `req`; returns the status and the body as received (compressed).
    async fn send(
        &mut self,
        req: &Req,
        accept_encoding: &str,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        self.sender.ready().await?;
        let mut builder = Request::builder()
            .method(req.method.clone())
            .uri(&req.path)
            .header(header::HOST, self.addr.to_string())
            .header(header::ACCEPT_ENCODING, accept_encoding);
        if req.no_cache {
            builder = builder.header(header::CACHE_CONTROL, "no-cache");
        }
        let body = match &req.form {
            Some(form) => {
                builder = builder
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::ACCEPT, "application/json")
                    .header(header::ORIGIN, format!("http://{}", self.addr));
                Bytes::from(form.clone())
            }
            None => Bytes::new(),
        };
        let res = self
            .sender
            .send_request(builder.body(Full::new(body))?)
            .await?;
        let status = res.status();
        let bytes = res.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }
}

/// A single request on a connection of its own.
async fn fetch(
    addr: SocketAddr,
    path: &str,
    accept_encoding: &str,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let mut conn = Conn::open(addr).await?;
    conn.send(&Req::get("", path), accept_encoding).await
}

// ---------------------------------------------------------------------------
// Closed-loop load

/// What a load run measured, per request class.
#[derive(Debug, Default)]
struct Stats {
    /// Latencies in microseconds, per class.
    latencies: BTreeMap<&'static str, Vec<u32>>,
    errors: BTreeMap<&'static str, usize>,
    first_errors: Vec<String>,
    elapsed: Duration,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        for (k, v) in other.latencies {
            self.latencies.entry(k).or_default().extend(v);
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for e in other.first_errors {
            if self.first_errors.len() < 5 {
                self.first_errors.push(e);
            }
        }
    }

    fn all(&self) -> Vec<u32> {
        let mut all: Vec<u32> = self.latencies.values().flatten().copied().collect();
        all.sort_unstable();
        all
    }

    fn class(&self, class: &str) -> Vec<u32> {
        let mut v = self.latencies.get(class).cloned().unwrap_or_default();
        v.sort_unstable();
        v
    }

    fn ok_count(&self) -> usize {
        self.latencies.values().map(Vec::len).sum()
    }

    fn error_count(&self) -> usize {
        self.errors.values().sum()
    }

    fn throughput(&self) -> f64 {
        self.ok_count() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Percentile (0..=100) of sorted microseconds, in milliseconds.
fn pct_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

/// A tiny deterministic generator (xorshift) so runs pick the same mix.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

type Picker = Arc<dyn Fn(&mut Rng) -> Req + Send + Sync>;

/// `connections` connections, spread round-robin over `addrs`, each sending
/// requests chosen by `pick` back to back for `duration`.
async fn run_load(
    addrs: &[SocketAddr],
    connections: usize,
    duration: Duration,
    pick: Picker,
) -> anyhow::Result<Stats> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(connections);
    for i in 0..connections {
        let addr = addrs[i % addrs.len()];
        let pick = pick.clone();
        tasks.push(tokio::spawn(async move {
            let mut stats = Stats::default();
            let mut rng =
                Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let mut conn = match Conn::open(addr).await {
                Ok(c) => Some(c),
                Err(e) => {
                    stats.first_errors.push(format!("{e:#}"));
                    *stats.errors.entry("connect").or_default() += 1;
                    None
                }
            };
            while Instant::now() < deadline {
                let req = pick(&mut rng);
                let Some(c) = conn.as_mut() else { break };
                let t0 = Instant::now();
                match c.send(&req, "br, gzip").await {
                    Ok((status, body)) if status.is_success() && !body.is_empty() => {
                        let us = u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX);
                        stats.latencies.entry(req.class).or_default().push(us);
                    }
                    Ok((status, body)) => {
                        *stats.errors.entry(req.class).or_default() += 1;
                        if stats.first_errors.len() < 5 {
                            let text =
                                String::from_utf8_lossy(&body[..body.len().min(200)]).to_string();
                            stats
                                .first_errors
                                .push(format!("{} {}: {status} {text}", req.method, req.path));
                        }
                    }
                    Err(e) => {
                        *stats.errors.entry(req.class).or_default() += 1;
                        if stats.first_errors.len() < 5 {
                            stats
                                .first_errors
                                .push(format!("{} {}: {e:#}", req.method, req.path));
                        }
                        // The connection may be gone: open another.
                        conn = Conn::open(addr).await.ok();
                    }
                }
            }
            stats
        }));
    }
    let mut total = Stats::default();
    for t in tasks {
        total.merge(t.await?);
    }
    // Until the last in-flight request finished.
    total.elapsed = started.elapsed();
    Ok(total)
}

/// Warm-up (a fifth of the time, at least 2 s), then the measured run.
async fn measure(
    addrs: &[SocketAddr],
    connections: usize,
    seconds: u64,
    pick: Picker,
) -> anyhow::Result<Stats> {
    let warm = Duration::from_secs((seconds / 5).max(2));
    run_load(addrs, connections, warm, pick.clone()).await?;
    run_load(addrs, connections, Duration::from_secs(seconds), pick).await
}

fn fixed(class: &'static str, path: &'static str) -> Picker {
    Arc::new(move |_| Req::get(class, path))
}

/// `path`, rendered afresh on every request (`Cache-Control: no-cache`).
fn fixed_uncached(class: &'static str, path: &'static str) -> Picker {
    Arc::new(move |_| Req::get(class, path).uncached())
}

// ---------------------------------------------------------------------------
// bench

async fn bench(
    addr: SocketAddr,
    connections: usize,
    seconds: u64,
    out: &Path,
) -> anyhow::Result<()> {
    check_loopback(&addr)?;
    for path in [BASELINE, "/", COMPANY, COMPARE] {
        let (status, _) = fetch(addr, path, "identity").await?;
        if status != StatusCode::OK {
            bail!(
                "GET {path} answered {status}; is CAPEX_BENCH_BASELINE=1 set and the data loaded?"
            );
        }
    }
    let targets = [
        (
            "trivial handler (fixed string, same middleware)",
            BASELINE,
            false,
        ),
        ("overview `/`", "/", false),
        ("company page `/company/GOOGL`", COMPANY, false),
        (
            "compare page (4 companies × capex, fcf, TTM)",
            COMPARE,
            false,
        ),
        ("overview `/`, rendered every time (`no-cache`)", "/", true),
        (
            "company page, rendered every time (`no-cache`)",
            COMPANY,
            true,
        ),
        (
            "compare page, rendered every time (`no-cache`)",
            COMPARE,
            true,
        ),
    ];
    let mut rows = Vec::new();
    for (label, path, uncached) in targets {
        eprintln!("bench: {path} ({connections} connections, {seconds} s, uncached: {uncached})");
        let picker = if uncached {
            fixed_uncached("page", path)
        } else {
            fixed("page", path)
        };
        let stats = measure(&[addr], connections, seconds, picker).await?;
        rows.push((label, path, stats));
    }
    let baseline = rows[0].2.throughput();
    let mut md = String::new();
    writeln!(
        md,
        "## Whole server: server-side rendering against a trivial handler\n"
    )?;
    writeln!(
        md,
        "`target/release/server` (with `CAPEX_BENCH_BASELINE=1`), {connections} keep-alive connections on 127.0.0.1, \
         closed loop, `Accept-Encoding: br, gzip`; {seconds} s measured per row after a warm-up. \
         The load generator runs on the same cores as the server. \
         Pages for anonymous visitors are answered from the server's page cache until the store \
         changes (`server/src/page_cache.rs`); the rows marked `no-cache` send `Cache-Control: no-cache` \
         (a browser's hard reload), so every request renders the page on the server, as after any write. \
         A cached page can outrun the trivial handler: its body is stored compressed, while the trivial \
         handler's few bytes go through the compression layer on every request.\n"
    )?;
    writeln!(
        md,
        "| target | requests/s | of trivial handler | p50 ms | p99 ms | errors |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|")?;
    for (label, _, s) in &rows {
        let all = s.all();
        writeln!(
            md,
            "| {label} | {:.0} | {:.1} % | {:.2} | {:.2} | {} |",
            s.throughput(),
            100.0 * s.throughput() / baseline,
            pct_ms(&all, 50.0),
            pct_ms(&all, 99.0),
            s.error_count()
        )?;
    }
    let company = &rows[2].2;
    let ratio = company.throughput() / baseline;
    writeln!(md)?;
    writeln!(
        md,
        "- Target: company page at least 25 % of the trivial handler's throughput: **{}** ({:.1} %).",
        met(ratio >= 0.25),
        100.0 * ratio
    )?;
    for (label, _, s) in rows.iter().skip(1).take(3) {
        let p99 = pct_ms(&s.all(), 99.0);
        writeln!(
            md,
            "- Target: p99 under 20 ms at {connections} connections, {label}: **{}** ({p99:.2} ms).",
            met(p99 < 20.0)
        )?;
    }
    for (label, _, s) in &rows {
        if s.error_count() > 0 {
            writeln!(md, "- Errors for {label}: {:?}", s.first_errors)?;
        }
    }
    writeln!(md)?;
    md.push_str(&transfer_sizes(addr).await?);
    md.push_str(&company_html_sizes(addr).await?);
    write_fragment(out, &md)
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "not met"
    }
}

/// The company page's first-load budget (issue 5): HTML, CSS, JS and
/// WebAssembly as sent compressed.
const FIRST_LOAD_BUDGET: usize = 400 * 1024;

/// The page's HTML as sent compressed: rendered afresh (what the first
/// visitor after a write receives, compressed on the fly), then once the page
/// cache has recompressed it at the best level (what every later visitor of a
/// page in demand receives; it is redone after a second read, in the
/// background, so this waits up to 30 s for the body to change).
async fn html_sizes(addr: SocketAddr, path: &str) -> anyhow::Result<(usize, usize)> {
    let send = |req: Req| async move {
        let mut conn = Conn::open(addr).await?;
        let (status, body) = conn.send(&req, "br, gzip").await?;
        if status != StatusCode::OK {
            bail!("GET {path}: {status}");
        }
        anyhow::Ok(body)
    };
    let fresh = send(Req::get("", path).uncached()).await?;
    let started = Instant::now();
    loop {
        let body = send(Req::get("", path)).await?;
        if body.len() < fresh.len() || started.elapsed() > Duration::from_secs(30) {
            return Ok((fresh.len(), body.len()));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn transfer_sizes(addr: SocketAddr) -> anyhow::Result<String> {
    let mut md = String::new();
    writeln!(md, "## First-load transfer size\n")?;
    writeln!(
        md,
        "Bytes on the wire for a first visit (empty browser cache), compressed as a browser asks \
         (`Accept-Encoding: br, gzip`; response bodies only, no headers). The HTML is given twice: \
         *in demand* is what every visitor receives once the page has been read twice since the \
         last write (the page cache has then recompressed it at brotli's best level), *fresh* is \
         what the first visitor after a write receives (compressed on the fly at a fast level). \
         JS counts the modules the JavaScript imports (the lazy-route loader). WebAssembly is the \
         main module plus the chunks of the page's lazy route (from the split manifest: pages \
         rendered asynchronously fetch them while hydrating without naming them in the HTML); the \
         company page has none, its code is in the main module.\n"
    )?;
    writeln!(
        md,
        "| page | HTML in demand | HTML fresh | CSS | JS | WebAssembly | total in demand | total fresh |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
    let mut wasm_path = None;
    let mut company_total = None;
    let manifest = split_manifest(addr).await?;
    for (label, path, lazy_route) in [
        ("overview", "/", Some("overview_page")),
        ("company", COMPANY, None),
        ("compare", COMPARE, Some("compare_page")),
        ("methodology", "/methodology", Some("methodology_page")),
    ] {
        let (fresh, in_demand) = html_sizes(addr, path).await?;
        let (_, plain) = fetch(addr, path, "identity").await?;
        let html = String::from_utf8_lossy(&plain);
        let (mut css, mut js, mut wasm) = (0usize, 0usize, 0usize);
        // What the HTML names, and the modules that JavaScript imports in turn
        // (the split loader of the lazy routes), each once.
        let mut queue = pkg_resources(&html);
        if let Some(route) = lazy_route {
            let needle = format!("__{route}_view");
            let Some((_, modules)) = manifest.iter().find(|(k, _)| k.contains(&needle)) else {
                bail!("no lazy route {needle} in the split manifest (was the site built with --split?)");
            };
            for m in modules {
                let res = format!("/pkg/{m}.wasm");
                if !queue.contains(&res) {
                    queue.push(res);
                }
            }
        }
        let mut i = 0;
        while i < queue.len() {
            let res = queue[i].clone();
            i += 1;
            let (s, body) = fetch(addr, &res, "br, gzip").await?;
            if s != StatusCode::OK {
                bail!("GET {res} (from {path}): {s}");
            }
            if res.ends_with(".css") {
                css += body.len();
            } else if res.ends_with(".js") {
                js += body.len();
                let (_, source) = fetch(addr, &res, "identity").await?;
                for module in js_imports(&String::from_utf8_lossy(&source), &res) {
                    if !queue.contains(&module) {
                        queue.push(module);
                    }
                }
            } else if res.ends_with(".wasm") {
                wasm += body.len();
                let chunk = res.contains("/chunk_") || res.contains("/split_");
                if wasm_path.is_none() && !chunk {
                    wasm_path = Some(res.clone());
                }
            }
        }
        let assets = css + js + wasm;
        if path == COMPANY {
            company_total = Some((in_demand + assets, fresh + assets));
        }
        writeln!(
            md,
            "| {label} `{path}` | {} | {} | {} | {} | {} | **{}** | {} |",
            kb(in_demand),
            kb(fresh),
            kb(css),
            kb(js),
            kb(wasm),
            kb(in_demand + assets),
            kb(fresh + assets)
        )?;
    }
    writeln!(md)?;
    if let Some((in_demand, fresh)) = company_total {
        let verdict = |total: usize| {
            if total < FIRST_LOAD_BUDGET {
                format!("within the {} budget", kb(FIRST_LOAD_BUDGET))
            } else {
                format!("**over** the {} budget", kb(FIRST_LOAD_BUDGET))
            }
        };
        writeln!(
            md,
            "Company page first load: **{}** in demand ({}); {} fresh ({}).\n",
            kb(in_demand),
            verdict(in_demand),
            kb(fresh),
            verdict(fresh)
        )?;
    }
    match wasm_path {
        Some(p) => {
            let (_, raw) = fetch(addr, &p, "identity").await?;
            let (_, br) = fetch(addr, &p, "br").await?;
            let (_, gz) = fetch(addr, &p, "gzip").await?;
            writeln!(
                md,
                "Main WebAssembly module `{p}`: {} uncompressed, {} with brotli, {} with gzip.\n",
                kb(raw.len()),
                kb(br.len()),
                kb(gz.len())
            )?;
        }
        None => writeln!(md, "No WebAssembly was referenced by the pages.\n")?,
    }
    Ok(md)
}

/// The split manifest: each lazy route's name and the WebAssembly modules it
/// loads (chunks shared between routes, then its own).
async fn split_manifest(addr: SocketAddr) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let path = "/pkg/__wasm_split_manifest.json";
    let (status, body) = fetch(addr, path, "identity").await?;
    if status != StatusCode::OK {
        bail!("GET {path}: {status} (build the site with `cargo leptos build --split`)");
    }
    serde_json::from_slice(&body).with_context(|| format!("reading {path}"))
}

/// Every company page's HTML uncompressed (issue 13: under 150 KB with the
/// bundled data), in three parts: the hydration data (the `<script>` elements
/// carrying resources), the chart SVG, and the rest of the markup.
const COMPANY_HTML_TARGET: usize = 150 * 1024;

async fn company_html_sizes(addr: SocketAddr) -> anyhow::Result<String> {
    let (status, overview) = fetch(addr, "/", "identity").await?;
    if status != StatusCode::OK {
        bail!("GET /: {status}");
    }
    let overview = String::from_utf8_lossy(&overview);
    let mut tickers: Vec<&str> = overview
        .split("href=\"/company/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'))
        .collect();
    tickers.sort_unstable();
    tickers.dedup();
    let mut md = String::new();
    writeln!(md, "## Company page HTML, uncompressed\n")?;
    writeln!(
        md,
        "Every company linked from the overview, `GET /company/{{ticker}}` without compression. \
         *Data* is the hydration data (the numbers the browser-drawn charts read), *SVG* the \
         server-drawn charts, *markup* the rest. Target: each page under {}.\n",
        kb(COMPANY_HTML_TARGET)
    )?;
    writeln!(md, "| page | data | SVG | markup | total | under target? |")?;
    writeln!(md, "|---|---:|---:|---:|---:|---|")?;
    let mut over = 0;
    for ticker in &tickers {
        let path = format!("/company/{ticker}");
        let (status, body) = fetch(addr, &path, "identity").await?;
        if status != StatusCode::OK {
            bail!("GET {path}: {status}");
        }
        let html = String::from_utf8_lossy(&body);
        let data = elements(&html, "<script", "</script>")
            .filter(|s| s.contains("__RESOLVED_RESOURCES"))
            .map(str::len)
            .sum::<usize>();
        let svg = elements(&html, "<svg", "</svg>")
            .map(str::len)
            .sum::<usize>();
        let total = body.len();
        let under = total < COMPANY_HTML_TARGET;
        over += usize::from(!under);
        writeln!(
            md,
            "| `{path}` | {} | {} | {} | **{}** | {} |",
            kb(data),
            kb(svg),
            kb(total.saturating_sub(data + svg)),
            kb(total),
            if under { "yes" } else { "**no**" }
        )?;
    }
    writeln!(
        md,
        "\n- Target: every company page's HTML under {}: {} ({} of {} over).\n",
        kb(COMPANY_HTML_TARGET),
        if over == 0 { "**met**" } else { "**not met**" },
        over,
        tickers.len()
    )?;
    Ok(md)
}

/// Each `open … close` element of `html`, in order (not nested).
fn elements<'a>(
    html: &'a str,
    open: &'a str,
    close: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    let mut rest = html;
    std::iter::from_fn(move || {
        let start = rest.find(open)?;
        let len = rest[start..].find(close)? + close.len();
        let element = &rest[start..start + len];
        rest = &rest[start + len..];
        Some(element)
    })
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

fn write_fragment(out: &Path, md: &str) -> anyhow::Result<()> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, md).with_context(|| format!("writing {}", out.display()))?;
    print!("{md}");
    Ok(())
}

// ---------------------------------------------------------------------------
// scale

async fn scale(
    addrs: &[SocketAddr],
    connections: usize,
    seconds: u64,
    out: &Path,
) -> anyhow::Result<()> {
    if addrs.len() < 2 {
        bail!("scale needs at least two --addr");
    }
    for a in addrs {
        check_loopback(a)?;
    }
    let (status, _) = fetch(addrs[0], COMPANY, "identity").await?;
    if status != StatusCode::OK {
        bail!("GET {COMPANY}: {status}");
    }
    eprintln!("scale: one instance");
    let one = measure(&addrs[..1], connections, seconds, fixed("page", COMPANY)).await?;
    eprintln!("scale: {} instances", addrs.len());
    let many = measure(addrs, connections, seconds, fixed("page", COMPANY)).await?;
    let mut md = String::new();
    writeln!(
        md,
        "## One measured step beyond one server: two instances, one PostgreSQL\n"
    )?;
    writeln!(
        md,
        "`{COMPANY}`, {connections} connections in total ({seconds} s each), first to one server \
         process, then spread evenly over {} processes sharing the same PostgreSQL. On one \
         machine the instances share its cores with each other, PostgreSQL and the load \
         generator, so this shows that instances add up without errors, not what separate \
         machines would give. When other work competes for the cores, two processes (twice \
         the worker threads) also win a larger share of them than one, so a ratio above 1 \
         here is not by itself evidence of scaling.\n",
        addrs.len()
    )?;
    writeln!(md, "| instances | requests/s | p50 ms | p99 ms | errors |")?;
    writeln!(md, "|---|---:|---:|---:|---:|")?;
    for (n, s) in [(1, &one), (addrs.len(), &many)] {
        let all = s.all();
        writeln!(
            md,
            "| {n} | {:.0} | {:.2} | {:.2} | {} |",
            s.throughput(),
            pct_ms(&all, 50.0),
            pct_ms(&all, 99.0),
            s.error_count()
        )?;
    }
    writeln!(
        md,
        "\n{} instances give **{:.2}×** the throughput of one.\n",
        addrs.len(),
        many.throughput() / one.throughput()
    )?;
    write_fragment(out, &md)
}

// ---------------------------------------------------------------------------
// soak

/// Resident memory of `pid` in KB: (VmRSS, VmHWM = peak).
fn memory_kb(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name} missing in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// The short-link server function's address, read from the compare page's form.
async fn short_link_endpoint(addr: SocketAddr) -> anyhow::Result<String> {
    let (_, page) = fetch(addr, COMPARE, "identity").await?;
    let html = String::from_utf8_lossy(&page);
    let marker = "action=\"/api/create_short_link";
    let start = html
        .find(marker)
        .context("the compare page has no short-link form")?
        + "action=\"".len();
    let end = html[start..]
        .find('"')
        .context("unterminated form action")?;
    Ok(html[start..start + end].to_string())
}

fn soak_picker(short_link: String) -> Picker {
    let compare = [
        "tickers=GOOGL,MSFT&metrics=capex",
        "tickers=GOOGL,MSFT,AMZN,META&metrics=capex,fcf&basis=ttm",
        "tickers=NVDA,ORCL&metrics=revenue&basis=annual",
        "tickers=AMZN,META&metrics=capex,operating_cash_flow&basis=quarterly",
    ];
    let metrics = [
        "capex",
        "fcf",
        "revenue",
        "operating_cash_flow",
        "capex,fcf",
    ];
    let bases = ["quarterly", "ttm", "annual"];
    Arc::new(move |rng: &mut Rng| {
        let roll = rng.below(100);
        if roll < 80 {
            // Page views.
            match rng.below(20) {
                0..=3 => Req::get("page view", "/"),
                4..=11 => Req::get(
                    "page view",
                    format!("/company/{}", TICKERS[rng.below(TICKERS.len())]),
                ),
                12..=17 => Req::get(
                    "page view",
                    format!("/compare?{}", compare[rng.below(compare.len())]),
                ),
                _ => Req::get("page view", "/methodology"),
            }
        } else if roll < 95 {
            // Chart data: the series behind a chart, as CSV or SVG.
            let a = TICKERS[rng.below(TICKERS.len())];
            let b = TICKERS[rng.below(TICKERS.len())];
            let tickers = if a == b {
                a.to_string()
            } else {
                format!("{a},{b}")
            };
            let q = format!(
                "tickers={tickers}&metrics={}&basis={}",
                metrics[rng.below(metrics.len())],
                bases[rng.below(bases.len())]
            );
            let kind = if rng.below(3) == 0 { "svg" } else { "csv" };
            Req::get("chart data", format!("/chart.{kind}?{q}"))
        } else {
            // Short-link creation (identical charts share a link; some are new).
            let a = TICKERS[rng.below(TICKERS.len())];
            let b = TICKERS[rng.below(TICKERS.len())];
            let tickers = if a == b {
                a.to_string()
            } else {
                format!("{a}%2C{b}")
            };
            let query = format!(
                "tickers%3D{tickers}%26metrics%3D{}%26basis%3D{}",
                metrics[rng.below(metrics.len())].replace(',', "%2C"),
                bases[rng.below(bases.len())]
            );
            Req {
                class: "short link",
                method: Method::POST,
                path: short_link.clone(),
                form: Some(format!("query={query}")),
                no_cache: false,
            }
        }
    })
}

async fn soak(
    addr: SocketAddr,
    pid: u32,
    connections: usize,
    seconds: u64,
    warmup_seconds: u64,
    out: &Path,
) -> anyhow::Result<()> {
    check_loopback(&addr)?;
    let endpoint = short_link_endpoint(addr).await?;
    let pick = soak_picker(endpoint.clone());
    let (rss_start, _) = memory_kb(pid)?;
    eprintln!("soak: warm-up {warmup_seconds} s");
    let warm = run_load(
        &[addr],
        connections,
        Duration::from_secs(warmup_seconds),
        pick.clone(),
    )
    .await?;
    let (rss_warm, _) = memory_kb(pid)?;
    eprintln!("soak: {seconds} s of mixed traffic");
    // Memory sampled every second while loaded.
    let sampler = tokio::spawn(async move {
        let mut samples = Vec::new();
        let end = Instant::now() + Duration::from_secs(seconds);
        while Instant::now() < end {
            if let Ok((rss, _)) = memory_kb(pid) {
                samples.push(rss);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        samples
    });
    let stats = run_load(&[addr], connections, Duration::from_secs(seconds), pick).await?;
    let (rss_end, hwm) = memory_kb(pid)?;
    let samples = sampler.await?;
    let max_sampled = samples.iter().copied().max().unwrap_or(rss_end);

    let all = stats.all();
    let total = stats.ok_count() + stats.error_count();
    let errors = stats.error_count() + warm.error_count();
    let growth = (rss_end as f64 - rss_warm as f64) / rss_warm.max(1) as f64;
    let mb = |kb: u64| kb as f64 / 1024.0;
    let mut md = String::new();
    writeln!(md, "## Load test: {seconds} s of mixed traffic\n")?;
    writeln!(
        md,
        "{connections} keep-alive connections on 127.0.0.1 against one `target/release/server` \
         with the bundled data (embedded PostgreSQL), after {warmup_seconds} s of the same traffic \
         as warm-up. Mix: 80 % page views (`/`, the six company pages, four compare pages, \
         `/methodology`), 15 % chart data (`/chart.csv`, `/chart.svg`), 5 % short-link creation \
         (`POST {endpoint}`).\n"
    )?;
    writeln!(
        md,
        "| class | requests | share | p50 ms | p99 ms | errors |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|")?;
    for class in ["page view", "chart data", "short link"] {
        let v = stats.class(class);
        let e = stats.errors.get(class).copied().unwrap_or(0);
        writeln!(
            md,
            "| {class} | {} | {:.1} % | {:.2} | {:.2} | {e} |",
            v.len(),
            100.0 * (v.len() + e) as f64 / total.max(1) as f64,
            pct_ms(&v, 50.0),
            pct_ms(&v, 99.0)
        )?;
    }
    writeln!(
        md,
        "| **all** | {} | 100 % | {:.2} | {:.2} | {} |\n",
        all.len(),
        pct_ms(&all, 50.0),
        pct_ms(&all, 99.0),
        stats.error_count()
    )?;
    writeln!(md, "Throughput: {:.0} requests/s.\n", stats.throughput())?;
    writeln!(md, "| server memory (resident) | MB |")?;
    writeln!(md, "|---|---:|")?;
    writeln!(
        md,
        "| before the warm-up (bundled data loaded) | {:.1} |",
        mb(rss_start)
    )?;
    writeln!(md, "| after the warm-up | {:.1} |", mb(rss_warm))?;
    writeln!(
        md,
        "| highest sample during the run | {:.1} |",
        mb(max_sampled)
    )?;
    writeln!(md, "| at the end | {:.1} |", mb(rss_end))?;
    writeln!(
        md,
        "| peak over the process's life (VmHWM) | {:.1} |\n",
        mb(hwm)
    )?;
    writeln!(
        md,
        "- Target: zero errors: **{}** ({errors} errors, warm-up included).",
        met(errors == 0)
    )?;
    writeln!(
        md,
        "- Target: peak resident memory under 200 MB: **{}** ({:.1} MB).",
        met(mb(hwm) < 200.0),
        mb(hwm)
    )?;
    writeln!(
        md,
        "- Target: memory at the end within 10 % of after the warm-up (no leak): **{}** ({:+.1} %).",
        met(growth.abs() <= 0.10),
        100.0 * growth
    )?;
    if !stats.first_errors.is_empty() || !warm.first_errors.is_empty() {
        writeln!(
            md,
            "- First errors: {:?} {:?}",
            warm.first_errors, stats.first_errors
        )?;
    }
    writeln!(md)?;
    write_fragment(out, &md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(pct_ms(&v, 50.0), 50.0);
        assert_eq!(pct_ms(&v, 99.0), 99.0);
        assert_eq!(pct_ms(&v, 100.0), 100.0);
    }

    #[test]
    fn the_soak_mix_is_80_15_5() {
        let pick = soak_picker("/api/x".into());
        let mut rng = Rng(42);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for _ in 0..100_000 {
            *counts.entry(pick(&mut rng).class).or_default() += 1;
        }
        let share = |c: &str| counts[c] as f64 / 1000.0;
        assert!((share("page view") - 80.0).abs() < 1.0, "{counts:?}");
        assert!((share("chart data") - 15.0).abs() < 1.0, "{counts:?}");
        assert!((share("short link") - 5.0).abs() < 1.0, "{counts:?}");
    }
}
