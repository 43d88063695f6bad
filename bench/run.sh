#!/usr/bin/env bash
# Builds release, starts Latchkey on 127.0.0.1 with a fresh database, and
# prints the figures of ../shared/design/PERFORMANCE.md in one run. Traffic
# goes to this machine only, in bounded runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
command -v wrk >/dev/null || { sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo); "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null; }

PORT=3500
BASE="http://localhost:$PORT"
WORK=bench/out
DURATION=${BENCH_SECONDS:-15}
rm -rf "$WORK" && mkdir -p "$WORK"

cargo leptos build --release --precompress >/dev/null 2>&1
cargo build --release -q -p service --example hash_rate

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk "/^$2:/ {print \$2}" "/proc/$1/status"; }
ticks_per_second=$(getconf CLK_TCK)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); $(date -u +%Y-%m-%d)"

raw=$(target/release/examples/hash_rate)
echo "raw argon2id verifications per CPU-second (m=19456 KiB, t=2, p=1): $raw"

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
out=$(wrk -t2 -c4 -d${DURATION}s --latency -H "Cookie: $cookie" "$BASE/account/activity")
echo "/account/activity (50 rows, signed in, 4 clients): $(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s; p50 $(awk '$1 == "50%" {print $2}' <<<"$out"), p99 $(awk '$1 == "99%" {print $2}' <<<"$out")"
echo "peak RSS: $(( $(rss_kib $server VmHWM) / 1024 )) MiB"

sizes=$(for f in target/site/pkg/latchkey.wasm target/site/pkg/latchkey.js target/site/pkg/latchkey.css; do brotli -c -q 11 "$f" | wc -c; done)
read -r wasm js css <<<"$(echo $sizes)"
echo "first-visit download, brotli: WASM $((wasm / 1024)) KiB + JS $((js / 1024)) KiB = $(((wasm + js) / 1024)) KiB; CSS $((css / 1024)) KiB"
