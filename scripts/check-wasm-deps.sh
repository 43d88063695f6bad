#!/usr/bin/env bash
# Fails when a server-only crate would be compiled into the browser's WASM.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(sqlx|sqlx-[a-z]+|argon2|totp-rs|qrcode|tokio|axum|axum-core|lettre|zxcvbn|webauthn-rs|openssl|openssl-sys|service|store) '
tree=$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none --no-dedupe | sort -u)
if leaked=$(grep -E "$forbidden" <<<"$tree"); then
  echo "server-only crates in the WASM bundle:" >&2
  echo "$leaked" >&2
  exit 1
fi
echo "ok: $(wc -l <<<"$tree") crates in the WASM bundle, none server-only"
