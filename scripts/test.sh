#!/usr/bin/env bash
# The whole test suite: the WASM dependency check, lints, unit and
# integration tests (SQLite and PostgreSQL), and Playwright end to end
# with JavaScript on and off.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
# A one-off build gains nothing from incremental data, which takes ~20 GB here.
export CARGO_INCREMENTAL=0

started=$SECONDS
step() { printf '\n\033[1m==> [%d s] %s\033[0m\n' "$((SECONDS - started))" "$*"; }

step "Nothing server-only in the WASM bundle"
scripts/check-wasm-deps.sh

step "Formatting and lints"
cargo fmt --all -- --check
# One invocation per target, so the crates are resolved (and built) once.
cargo clippy -p domain -p service -p store -p server -p app --features app/ssr --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "Unit and integration tests"
cargo test -p domain -p service -p store -p server -p app --features app/ssr

step "End to end (Playwright in Debian's Chromium)"
# --split: each island is its own lazily loaded WASM file (`#[island(lazy)]`
# needs the split in every build).
cargo leptos build --split
(cd end2end && npx playwright test)

step "All tests passed in $((SECONDS - started)) s"
