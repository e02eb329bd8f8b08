#!/usr/bin/env bash
# Installs what is missing, builds (release), and serves Capex Lens at
# http://127.0.0.1:3000 with the bundled real data loaded. Ctrl-C stops it
# (and its embedded PostgreSQL) cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
export SQLX_OFFLINE=true
cargo leptos build --release --split --precompress
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
exec target/release/server "$@"
