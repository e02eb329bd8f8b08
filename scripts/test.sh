#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting,
# clippy, unit tests, integration tests against a real PostgreSQL, and browser
# tests in headless Chromium against the hydrated site.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
# Builds use the committed query data in .sqlx/, never a live database.
export SQLX_OFFLINE=true
unset DATABASE_URL
# A one-off build gains nothing from incremental caches, which cost disk and time.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server and tests, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "building the site (WebAssembly + server) with cargo-leptos"
# --split: the lazy routes need their WebAssembly split into chunks (app/src/routes/mod.rs).
cargo leptos build --split

stop_test_pg() {
  status=$?
  if [ "$status" != 0 ]; then
    # What a failed run needs to be diagnosed: the disk and the test cluster's log.
    df -h . || true
    if [ -f target/test-pg/server.log ]; then
      echo "--- last lines of target/test-pg/server.log ---"
      tail -n 40 target/test-pg/server.log || true
    fi
  fi
  if [ -f target/test-pg/postmaster.pid ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D target/test-pg -m immediate stop >/dev/null 2>&1 || true
    else "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D target/test-pg -m immediate stop >/dev/null 2>&1 || true; fi
  fi
}
trap stop_test_pg EXIT

step "tests (unit, integration on PostgreSQL, browser in headless Chromium)"
LEPTOS_SITE_ROOT="$PWD/target/site" cargo test --workspace -- --test-threads="${TEST_THREADS:-4}"
