#!/usr/bin/env bash
# Builds release, starts Latchkey on 127.0.0.1 with a fresh database, and
# prints the figures of ../shared/design/PERFORMANCE.md in one run. Traffic
# goes to this machine only, in bounded runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
command -v wrk >/dev/null || { sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo); "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null; }

PORT=${BENCH_PORT:-3500}
BASE="http://localhost:$PORT"
WORK=bench/out
DURATION=${BENCH_SECONDS:-15}
# `bench/run.sh bundle` measures only the first-visit bytes (no load runs),
# `bench/run.sh load` only the server figures, `bench/run.sh search` only
# the customer search, `bench/run.sh audit` only the audit log's filters.
PART=${1:-all}
wants() { [ "$PART" = all ] || [ "$PART" = "$1" ]; }
rm -rf "$WORK" && mkdir -p "$WORK"

# `bench/run.sh search`: the staff console's customer search at 100,000
# accounts, on SQLite and on the local PostgreSQL (no server needed).
if wants search; then
  cargo run --release -q -p store --example search_bench
  [ "$PART" = search ] && exit 0
fi
# `bench/run.sh audit`: the audit log's filters at 1,000,000 entries, on
# SQLite and on the local PostgreSQL (no server needed).
if wants audit; then
  cargo run --release -q -p store --example audit_bench
  [ "$PART" = audit ] && exit 0
fi

cargo leptos build --release --precompress --split >/dev/null 2>&1
cargo build --release -q -p service --example hash_rate

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk "/^$2:/ {print \$2}" "/proc/$1/status"; }
ticks_per_second=$(getconf CLK_TCK)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); $(date -u +%Y-%m-%d)"

if wants load; then
  raw=$(target/release/examples/hash_rate)
  echo "raw argon2id verifications per CPU-second (m=19456 KiB, t=2, p=1): $raw"
fi

export LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site LATCHKEY_PUBLIC_URL="$BASE" \
  DATABASE_URL="sqlite://$WORK/latchkey.db" LATCHKEY_MAIL_OUTBOX="$WORK/outbox" LATCHKEY_SECRET_KEY_FILE="" \
  LATCHKEY_SIGN_INS_PER_IP_PER_MINUTE=100000000 RUST_LOG=warn
# Apply migrations first: the cold-start figure is for an existing database.
target/release/latchkey migrate >/dev/null
start_ns=$(date +%s%N)
target/release/latchkey > "$WORK/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "$BASE/healthz"; do sleep 0.005; done
echo "process start to first 200: $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
sleep 2.5
echo "idle RSS: $(( $(rss_kib $server VmRSS) / 1024 )) MiB"

# One verified account to sign in with, and a signed-in session for page loads.
curl -sf -o /dev/null -H 'Sec-Fetch-Site: same-origin' -H 'Accept: application/json' \
  --data-urlencode email=bench@example.com --data-urlencode display_name=Bench \
  --data-urlencode password=Tangerine-Kayak-Violet-72 "$BASE/api/auth/register"
curl -s -D "$WORK/login.headers" -o /dev/null -H 'Sec-Fetch-Site: same-origin' -H 'Accept: application/json' \
  --data-urlencode email=bench@example.com --data-urlencode password=Tangerine-Kayak-Violet-72 \
  "$BASE/api/auth/login"
cookie_of() { awk -F'[:;] *' -v name="$1" 'tolower($1) == "set-cookie" && index($2, name "=") == 1 {print $2}' "$WORK/login.headers"; }
cookie=$(cookie_of lk_session)
# The flood comes from the browser that signed in above: a known device, so
# the per-account throttle and the new-device mail (meant for strangers) stay out.
device=$(cookie_of lk_device)

cat > "$WORK/sign-in.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "email=bench%40example.com&password=Tangerine-Kayak-Violet-72&next="
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Cookie"] = "DEVICE"
LUA
sed -i "s/DEVICE/$device/" "$WORK/sign-in.lua"

if wants load; then
for clients in 16 64; do
  before=$(cpu_ticks $server)
  out=$(wrk -t2 -c$clients -d${DURATION}s -s "$WORK/sign-in.lua" "$BASE/api/auth/login")
  after=$(cpu_ticks $server)
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); errors=${errors:-0}
  cpu=$(awk -v t=$((after - before)) -v hz=$ticks_per_second 'BEGIN {printf "%.2f", t / hz}')
  per_cpu=$(awk -v r=$requests -v c=$cpu 'BEGIN {printf "%.1f", r / c}')
  ratio=$(awk -v p=$per_cpu -v raw=$raw 'BEGIN {printf "%.2f", p / raw}')
  echo "sign-ins, $clients clients: $(awk '/Requests\/sec/ {print $2}' <<<"$out")/s; $per_cpu per server CPU-second = $ratio of raw; non-2xx: $errors; peak RSS so far: $(( $(rss_kib $server VmHWM) / 1024 )) MiB"
done

# The sign-in runs above left thousands of activity rows; the page shows the newest 50.
activity() {
  local out
  out=$(wrk -t1 -c4 -d${DURATION}s --latency -H "Cookie: $cookie" "$BASE/account/activity")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s; p50 $(awk '$1 == "50%" {print $2}' <<<"$out"), p99 $(awk '$1 == "99%" {print $2}' <<<"$out")"
}
echo "/account/activity (50 rows, signed in, 4 clients): $(activity)"
wrk -t1 -c16 -d$((DURATION + 4))s -s "$WORK/sign-in.lua" "$BASE/api/auth/login" > /dev/null &
flood=$!
sleep 2
echo "/account/activity (4 clients) during a 16-client sign-in flood: $(activity)"
wait $flood
echo "peak RSS: $(( $(rss_kib $server VmHWM) / 1024 )) MiB"
fi

wants bundle || exit 0
# What a first visit downloads, measured in Chromium with an empty cache:
# every script and WASM response, the lazily loaded islands of the page
# included, as it came over the wire (brotli).
# The budget is 150 KB: 150,000 bytes (146.5 KiB), not 150 KiB.
FIRST_VISIT_BUDGET=150000
first_visit() {
  while read -r route bytes files; do
    verdict=PASS; [ "$bytes" -le "$FIRST_VISIT_BUDGET" ] || verdict=FAIL
    echo "first visit to $route$1: JS + WASM on the wire (brotli): $bytes B ($((bytes / 1024)) KiB) in $files files; budget $FIRST_VISIT_BUDGET B: $verdict"
  done
}
node bench/first-visit.mjs "$BASE" - /login /register | first_visit ""
node bench/first-visit.mjs "$BASE" "$cookie" /account /account/security | first_visit " (signed in)"
css=$(curl -sf -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: br' "$BASE$(grep -oE '/pkg/[^"]+\.css' <<<"$(curl -sf "$BASE/login")" | head -1)")
echo "CSS on the wire (brotli): $((css / 1024)) KiB"

# What the WASM's bytes are, largest first.
command -v twiggy >/dev/null || cargo install twiggy --locked -q
echo "twiggy top of the WASM:"
for wasm in target/site/pkg/*.wasm; do echo "$wasm: $(stat -c %s "$wasm") B"; done
twiggy top -n 15 "$(ls -S target/site/pkg/*.wasm | head -1)"
