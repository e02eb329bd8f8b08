//! Faults of the real `server` process: killed with SIGKILL in the middle of
//! an EDGAR import, and stopped with SIGTERM while it is under load.
//!
//! Both run the binary Cargo built for this package (`CARGO_BIN_EXE_server`)
//! against a fresh database in the shared throwaway test cluster
//! (`target/test-pg`, as in the `capex-lens-tests` crate).

mod common;

use common::{alphabet_file, fresh_database, server};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn run_import(database_url: &str) -> std::process::Output {
    server(database_url)
        .args(["import", "edgar", "--file"])
        .arg(alphabet_file())
        .output()
        .unwrap()
}

/// Alphabet's rows in the store, and a fingerprint of every fact version
/// (everything but the surrogate id, whose sequence a rollback does not undo).
#[derive(Debug, PartialEq, Eq)]
struct StoreState {
    companies: i64,
    fact_versions: i64,
    fingerprint: Option<String>,
}

async fn store_state(conn: &mut PgConnection) -> StoreState {
    let (companies,): (i64,) = sqlx::query_as("SELECT count(*) FROM companies WHERE cik = 1652044")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let (fact_versions, fingerprint): (i64, Option<String>) = sqlx::query_as(
        "SELECT count(*), md5(string_agg(
             concat_ws('|', ticker, metric, fiscal_year, fiscal_quarter, version, value, unit,
                       period_start, period_end, known_at, source_kind, form, accession,
                       filed_date, source_url, source_text, derivation::text, note),
             E'\\n' ORDER BY ticker, metric, fiscal_year, fiscal_quarter, version))
         FROM fact_versions",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    StoreState {
        companies,
        fact_versions,
        fingerprint,
    }
}

/// The backend of the import while its transaction holds written rows of the
/// store's tables (it inserted the company or fact versions, not yet committed).
const IMPORT_MID_TRANSACTION: &str = "
    SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
    WHERE a.datname = current_database() AND a.application_name = 'capex-lens'
      AND a.backend_xid IS NOT NULL AND a.xact_start IS NOT NULL
      AND l.locktype = 'relation' AND l.granted AND l.mode = 'RowExclusiveLock'
      AND l.relation IN ('companies'::regclass, 'fact_versions'::regclass)
    LIMIT 1";

/// What a SIGKILL attempt caught.
enum KillOutcome {
    /// Killed while the import's transaction held written rows (backend pid).
    MidTransaction(i32),
    /// The import finished before its open transaction was seen.
    Missed,
}

async fn kill_import_mid_transaction(options: &PgConnectOptions, url: &str) -> KillOutcome {
    let mut watcher = options.connect().await.unwrap();
    // Migrated beforehand, so the only writing transaction of the CLI is the import's.
    let pool = PgPool::connect_with(options.clone()).await.unwrap();
    store::migrate(&pool).await.unwrap();
    pool.close().await;
    let mut child: Child = server(url)
        .args(["import", "edgar", "--file"])
        .arg(alphabet_file())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let found: Option<i32> = sqlx::query_scalar(IMPORT_MID_TRANSACTION)
            .fetch_optional(&mut watcher)
            .await
            .unwrap();
        if let Some(pid) = found {
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGKILL,
            )
            .unwrap();
            let status = child.wait().unwrap();
            assert_eq!(
                std::os::unix::process::ExitStatusExt::signal(&status),
                Some(9),
                "the import was killed, not finished: {status}"
            );
            // PostgreSQL ends the orphaned backend (rolling back) once it sees the socket closed.
            let gone = Instant::now() + Duration::from_secs(30);
            loop {
                let alive: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)",
                )
                .bind(pid)
                .fetch_one(&mut watcher)
                .await
                .unwrap();
                if !alive {
                    break;
                }
                assert!(
                    Instant::now() < gone,
                    "the killed import's backend is still there"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            return KillOutcome::MidTransaction(pid);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the import failed on its own: {status}");
            return KillOutcome::Missed;
        }
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_mid_transaction_leaves_none_of_it_and_rerunning_completes_it() {
    // Arrange: what a clean import of Alphabet's company facts stores.
    let (clean_options, clean_url) = fresh_database().await;
    let clean = run_import(&clean_url);
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let mut conn = clean_options.connect().await.unwrap();
    let complete = store_state(&mut conn).await;
    conn.close().await.ok();
    assert_eq!(complete.companies, 1);
    assert!(complete.fact_versions > 100, "{complete:?}");

    // Act: SIGKILL the same import while its transaction has written rows (a
    // fresh database per attempt; an attempt misses if the import finishes
    // between two looks at pg_stat_activity).
    let mut caught = None;
    for attempt in 1..=5 {
        let (options, url) = fresh_database().await;
        if let KillOutcome::MidTransaction(pid) = kill_import_mid_transaction(&options, &url).await
        {
            eprintln!("attempt {attempt}: killed the import mid-transaction (backend {pid})");
            caught = Some((options, url, pid));
            break;
        }
    }
    let (options, url, _pid) = caught.expect("no attempt caught the import mid-transaction");
    let mut conn = options.connect().await.unwrap();
    let after_kill = store_state(&mut conn).await;
    let rerun = run_import(&url);
    let after_rerun = store_state(&mut conn).await;
    conn.close().await.ok();

    // Assert: none or all of it after the kill (none, unless the commit had
    // already been sent), and all of it, identical to a clean import, after the rerun.
    let nothing = StoreState {
        companies: 0,
        fact_versions: 0,
        fingerprint: None,
    };
    assert!(
        after_kill == nothing || after_kill == complete,
        "half an import is left: {after_kill:?} (complete: {complete:?})"
    );
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(after_rerun, complete);
}

/// A server process on a free port; killed if the test ends early.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `server` (serve) and waits for its "serving … on http://ADDR" line.
fn start_server(database_url: &str) -> ServerProcess {
    let mut child = server(database_url)
        .env("CAPEX_ADDR", "127.0.0.1:0")
        .env("CAPEX_DB_POOL_SIZE", "16")
        // Every render in flight is drawn (this is about shutdown, not the
        // render limit, which the robustness tests cover).
        .env("CAPEX_CHART_RENDERS", "64")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent {
                if let Some(rest) = line.split("serving Capex Lens on http://").nth(1) {
                    let addr = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send(addr);
                    sent = true;
                }
            }
            // Keep draining so the server never blocks on a full pipe.
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(300))
        .expect("the server did not start serving");
    ServerProcess {
        child,
        addr: addr.parse().unwrap(),
    }
}

/// One HTTP/1.1 request on a connection of its own, written in full before
/// returning; `finish` reads the response to the end.
struct RawRequest {
    stream: tokio::net::TcpStream,
    path: String,
    /// The part of the request body not sent yet (sent by `finish`).
    rest: Vec<u8>,
}

impl RawRequest {
    async fn send(addr: SocketAddr, path: &str) -> Self {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        Self {
            stream,
            path: path.to_string(),
            rest: Vec::new(),
        }
    }

    /// A same-origin form POST whose body is only half sent: the server is
    /// handling it (waiting for the body) until `finish` sends the rest.
    async fn send_half_a_post(addr: SocketAddr, path: &str, form: &str) -> Self {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nConnection: close\r\n\
             Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n",
            form.len()
        );
        let (first, rest) = form.as_bytes().split_at(form.len() / 2);
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(first).await.unwrap();
        Self {
            stream,
            path: path.to_string(),
            rest: rest.to_vec(),
        }
    }

    /// (status, whether the body arrived complete, when it finished).
    async fn finish(mut self) -> Result<(u16, bool, Instant), String> {
        if !self.rest.is_empty() {
            self.stream
                .write_all(&self.rest)
                .await
                .map_err(|e| format!("{}: {e}", self.path))?;
        }
        let mut raw = Vec::new();
        self.stream
            .read_to_end(&mut raw)
            .await
            .map_err(|e| format!("{}: {e}", self.path))?;
        let done = Instant::now();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| format!("{}: no complete response head", self.path))?;
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let body = &raw[split + 4..];
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{}: no status", self.path))?;
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let complete = match length {
            Some(n) => body.len() == n,
            None => head.contains("transfer-encoding: chunked") && body.ends_with(b"0\r\n\r\n"),
        };
        Ok((status, complete, done))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_finishes_in_flight_requests_refuses_new_ones_and_exits_0() {
    // Arrange: the real server on a fresh database, then 64 requests in flight
    // at once, half of them slow (link-preview PNGs nobody asked for before).
    let (_options, url) = fresh_database().await;
    let mut server = start_server(&url);
    let addr = server.addr;
    let mut paths = Vec::new();
    for i in 0..32 {
        paths.push(format!(
            "/chart.png?tickers=GOOGL,MSFT,AMZN&metrics=capex,fcf&basis=ttm&from={}Q{}",
            2016 + i / 4,
            1 + i % 4
        ));
    }
    for ticker in ["GOOGL", "MSFT", "AMZN", "META", "NVDA", "ORCL"] {
        for _ in 0..4 {
            paths.push(format!("/company/{ticker}"));
        }
    }
    while paths.len() < 64 {
        paths.push("/compare?tickers=GOOGL,MSFT,AMZN,META&metrics=capex,fcf&basis=ttm".into());
    }
    // Requests that stay in flight whatever the machine's speed: short-link
    // creations (the compare page's form) whose body is completed only after
    // the signal and the refused connection.
    let compare = reqwest::get(format!("http://{addr}/compare?tickers=GOOGL&metrics=capex"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = compare
        .find("action=\"/api/create_short_link")
        .expect("the compare page's short-link form")
        + "action=\"".len();
    let short_link = compare[start..start + compare[start..].find('"').unwrap()].to_string();
    let fast = paths.len();
    let mut sent = Vec::new();
    for path in &paths {
        sent.push(RawRequest::send(addr, path).await);
    }
    let mut slow = Vec::new();
    for ticker in [
        "GOOGL",
        "MSFT",
        "AMZN",
        "META",
        "NVDA",
        "ORCL",
        "GOOGL,MSFT",
        "AMZN,META",
    ] {
        let form = format!(
            "query=tickers%3D{}%26metrics%3Dcapex",
            ticker.replace(',', "%2C")
        );
        slow.push(RawRequest::send_half_a_post(addr, &short_link, &form).await);
        paths.push(format!("POST {short_link} ({ticker})"));
    }
    // Let the server accept every connection before the signal.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let finish = |r: RawRequest| {
        tokio::spawn(async move {
            tokio::time::timeout(Duration::from_secs(180), r.finish())
                .await
                .unwrap_or_else(|_| Err("no response within 180 s".into()))
        })
    };
    let mut in_flight: Vec<_> = sent.into_iter().map(finish).collect();

    // Act: SIGTERM, then a new connection, then the rest of the half-sent
    // requests; wait for all of them and for the exit.
    let pid = nix::unistd::Pid::from_raw(server.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    // The listener closes once the server has handled the signal, which on
    // a loaded machine takes a moment: try until a connection is refused
    // (the half-sent requests are still in flight meanwhile).
    let tried_until = Instant::now() + Duration::from_secs(20);
    let new_connection = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match tokio::net::TcpStream::connect(addr).await {
            Ok(accepted) if Instant::now() < tried_until => drop(accepted),
            other => break other,
        }
    };
    let refused_at = Instant::now();
    in_flight.extend(slow.into_iter().map(finish));
    let mut results = Vec::new();
    for handle in in_flight {
        results.push(handle.await.unwrap());
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Assert
    let failures: Vec<_> = results
        .iter()
        .zip(&paths)
        .filter(|(r, _)| !matches!(r, Ok((200, true, _))))
        .collect();
    assert!(
        failures.is_empty(),
        "in-flight requests that did not complete: {failures:?}"
    );
    let finished_after_refusal = results
        .iter()
        .filter(|r| matches!(r, Ok((_, _, done)) if *done > refused_at))
        .count();
    assert!(
        finished_after_refusal >= results.len() - fast,
        "only {finished_after_refusal} requests were still in flight when a new connection was tried; the test proves nothing"
    );
    let refused = new_connection.as_ref().err().map(std::io::Error::kind);
    assert_eq!(
        refused,
        Some(std::io::ErrorKind::ConnectionRefused),
        "a new connection after SIGTERM is refused"
    );
    assert!(status.success(), "exit status {status}");
}
