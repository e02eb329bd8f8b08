#!/usr/bin/env bash
# Benchmarks and the load test; writes BENCHMARKS.md. Loopback only.
#
#   scripts/bench.sh
#
# 1. builds release (server, WebAssembly, the load generator `loadgen`);
# 2. runs every `cargo bench` target (in-process figures; each writes a
#    Markdown fragment to target/bench/<name>.md);
# 3. whole server: starts target/release/server with its embedded PostgreSQL
#    and the bundled data, and measures page throughput and latency against a
#    trivial handler in the same server (CAPEX_BENCH_BASELINE=1), first-load
#    transfer sizes, one instance against two sharing the PostgreSQL, and a
#    60 s mixed load test with the server's memory;
# 4. writes BENCHMARKS.md: machine, date, exact command, every fragment.
#
# Settings (environment): BENCH_SECONDS (15, per measured row), SOAK_SECONDS
# (60), BENCH_CONNECTIONS (64), BENCH_PORT (3180; and the next port),
# BENCH_NOTE (a sentence about the conditions, e.g. other work on the machine).
# About 5 minutes on 2 cores once built, plus the cargo bench targets; the
# first release build adds ~5 (much more on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
command_line="scripts/bench.sh${*:+ $*}"
for v in BENCH_SECONDS SOAK_SECONDS BENCH_CONNECTIONS BENCH_PORT BENCH_NOTE; do
  if [ -n "${!v:-}" ]; then command_line="$v=\"${!v}\" $command_line"; fi
done
seconds="${BENCH_SECONDS:-15}"
soak_seconds="${SOAK_SECONDS:-60}"
connections="${BENCH_CONNECTIONS:-64}"
port="${BENCH_PORT:-3180}"
port2=$((port + 1))

# --test: Chromium and ChromeDriver too (the hover-redraw benchmark drives a browser).
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
export SQLX_OFFLINE=true
unset DATABASE_URL

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
load_at_start=$(load_average)
# Read before anything is written (BENCHMARKS.md itself is rewritten at the end).
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')

step "release build: server and WebAssembly (cargo leptos build --release --split --precompress), load generator"
cargo leptos build --release --split --precompress
cargo build --release -p capex-lens-loadgen

rm -rf target/bench
mkdir -p target/bench/server

# Only the bench targets (`--benches` would also build every library as one).
if compgen -G "*/benches/*.rs" >/dev/null || compgen -G "*/benches/*/main.rs" >/dev/null; then
  step "in-process benchmarks (cargo bench --workspace --bench '*')"
  cargo bench --workspace --bench '*'
else
  step "no cargo bench targets in this checkout"
fi

# --- whole server ------------------------------------------------------------
data_dir="$PWD/target/bench-pg"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  if [ -f "$data_dir/postmaster.pid" ] && [ -n "$pg_bin" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pg_bin/pg_ctl" -D "$data_dir" -m fast stop >/dev/null 2>&1 || true
    else "$pg_bin/pg_ctl" -D "$data_dir" -m fast stop >/dev/null 2>&1 || true; fi
  fi
}
trap stop_all EXIT

wait_healthy() {
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "the server on port $1 did not become healthy; see target/bench/server-$1.log" >&2
  exit 1
}

# Starts the server (embedded PostgreSQL unless DATABASE_URL is passed in $2).
start_server() {
  local p="$1" url="${2:-}"
  env CAPEX_ADDR="127.0.0.1:$p" CAPEX_DATA_DIR="$data_dir" CAPEX_BENCH_BASELINE=1 \
    LEPTOS_SITE_ROOT="$PWD/target/site" CAPEX_BUNDLED_DATA="$PWD/data/bundled" \
    ${url:+DATABASE_URL="$url"} \
    target/release/server >>"target/bench/server-$p.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  wait_healthy "$p"
}

stop_server() {
  kill -TERM "$1"
  wait "$1" || { echo "server $1 did not exit cleanly" >&2; exit 1; }
  local kept=()
  for pid in "${pids[@]}"; do [ "$pid" != "$1" ] && kept+=("$pid"); done
  pids=("${kept[@]}")
}

step "first-load budgets of the company and cohort pages (the release site; tests/tests/http/company_page.rs)"
# The tests serve this release site from the test server and count what a
# browser downloads; each fails when its page is over 400 KB.
budget_log=target/bench/first-load-budget.log
if LEPTOS_SITE_ROOT="$PWD/target/site" cargo test -p capex-lens-tests --test http -- \
  --include-ignored --nocapture --test-threads=1 first_load_transfer_is_under_400_kb_compressed >"$budget_log" 2>&1; then
  verdict="met"
else
  verdict="**not met**"
fi
measured=$(grep -o 'first-load transfer of .*' "$budget_log" | sed 's/^/    /' || true)
[ -n "$measured" ] || measured="    no measurement printed; see $budget_log"
{
  echo "## First-load budget check"
  echo
  echo "\`cargo test -p capex-lens-tests --test http -- --include-ignored first_load_transfer_is_under_400_kb_compressed\`"
  echo "against the release site just built: budget (the company page and the cohort page each under 400 KB, in demand) $verdict."
  echo
  echo "$measured"
} >target/bench/first-load-budget.md
cat target/bench/first-load-budget.md

step "whole server: pages against the trivial handler, transfer sizes"
start_server "$port"
first=$server_pid
target/release/loadgen bench --addr "127.0.0.1:$port" --connections "$connections" \
  --seconds "$seconds" --out target/bench/server/1-pages.md

step "whole server: one instance against two sharing one PostgreSQL"
# The second instance reaches the embedded cluster over its Unix socket
# (postmaster.pid, line 5), as a DATABASE_URL would name any PostgreSQL.
socket_dir=$(sed -n 5p "$data_dir/postmaster.pid")
start_server "$port2" "postgres://capex@localhost/capex_lens?host=$socket_dir"
second=$server_pid
target/release/loadgen scale --addr "127.0.0.1:$port" --addr "127.0.0.1:$port2" \
  --connections "$connections" --seconds "$seconds" --out target/bench/server/2-scale.md
stop_server "$second"
stop_server "$first"

step "load test: ${soak_seconds} s of mixed traffic on a freshly started server"
start_server "$port"
target/release/loadgen soak --addr "127.0.0.1:$port" --pid "$server_pid" \
  --connections "$connections" --seconds "$soak_seconds" --out target/bench/server/3-load.md
stop_server "$server_pid"

# --- BENCHMARKS.md -------------------------------------------------------------
step "writing BENCHMARKS.md"
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/^MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)
{
  echo "# Benchmarks"
  echo
  echo "Written by \`scripts/bench.sh\`; rerun it to get your own figures. Every"
  echo "figure that can be is a ratio against a baseline measured in the same run on"
  echo "the same machine: absolute times drift between machines and between runs."
  echo
  echo "- Date: $started_at"
  echo "- Command: \`$command_line\`"
  echo "- Commit: \`$commit\`"
  echo "- Machine: $(nproc) cores ($cpu), $ram RAM, Linux $(uname -r)"
  echo "- Toolchain: $(rustc -V)"
  echo "- Load average (1, 5, 15 min) at the start: $load_at_start; at the end: $(load_average)"
  if [ -n "${BENCH_NOTE:-}" ]; then echo "- Conditions: $BENCH_NOTE"; fi
  echo
  for f in target/bench/*.md; do
    [ -e "$f" ] || continue
    cat "$f"
    echo
  done
  for f in target/bench/server/*.md; do
    cat "$f"
    echo
  done
} >BENCHMARKS.md
echo "BENCHMARKS.md written"
