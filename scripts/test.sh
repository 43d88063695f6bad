#!/usr/bin/env bash
# The whole test suite: the WASM dependency check, lints, unit and
# integration tests (SQLite and PostgreSQL), and Playwright end to end
# with JavaScript on and off.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$SECONDS

step "Nothing server-only in the WASM bundle"
scripts/check-wasm-deps.sh

step "Formatting and lints"
cargo fmt --all -- --check
cargo clippy -p domain -p service -p store -p server --all-targets -- -D warnings
cargo clippy -p app --features ssr --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "Unit and integration tests"
cargo test -p domain -p service -p store -p server
cargo test -p app --features ssr

step "End to end (Playwright in Debian's Chromium)"
cargo leptos build
(cd end2end && npx playwright test)

step "All tests passed in $((SECONDS - started)) s"
