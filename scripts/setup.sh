#!/usr/bin/env bash
# Installs what building, running and testing Capex Lens needs, skipping
# whatever is already there (idempotent). Debian or Ubuntu.
#   scripts/setup.sh          build and run tools
#   scripts/setup.sh --test   also Chromium and ChromeDriver for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_NPM_VERSION=132
want_test=false
[ "${1:-}" = "--test" ] && want_test=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"

# System packages: PostgreSQL server binaries, Node.js (for wasm-opt), and for
# tests Chromium with its driver.
pkgs=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || pkgs+=(postgresql)
command -v npm >/dev/null || pkgs+=(nodejs npm)
command -v cc >/dev/null || pkgs+=(build-essential)
command -v pkg-config >/dev/null || pkgs+=(pkg-config)
if $want_test; then
  command -v chromium >/dev/null || pkgs+=(chromium)
  command -v chromedriver >/dev/null || pkgs+=(chromium-driver)
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  say "installing system packages: ${pkgs[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  say "installing Rust (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 14 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# wasm-bindgen's command-line tool must match the library version in Cargo.lock.
wb_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$wb_version"; then
  say "installing wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

# wasm-opt from npm's binaryen (Debian's binaryen is too old and silently breaks hydration).
if ! [ -x .tools/node_modules/.bin/wasm-opt ]; then
  say "installing wasm-opt (npm binaryen@$BINARYEN_NPM_VERSION) into .tools/"
  mkdir -p .tools
  npm install --silent --prefix .tools "binaryen@$BINARYEN_NPM_VERSION" >/dev/null
fi
