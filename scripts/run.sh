#!/usr/bin/env bash
# Builds the release portal and serves it at http://localhost:3000 with the
# embedded defaults: SQLite in data/, mail written to data/outbox/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
exec cargo leptos serve --release --precompress --split
