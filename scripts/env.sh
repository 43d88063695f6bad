# Sourced by the scripts: cargo-leptos finds sass and wasm-opt on PATH, and
# would try (and fail) to download them otherwise.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$repo_root/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
