#!/usr/bin/env bash
# Load benchmark of GET /api/v1/plugin/bundle (see BENCHMARKS.md, "server: plugin bundle").
# Builds the server in release, seeds a fresh SQLite database with 1,000 recruiting synthetic
# trials (`server bench-seed`), starts the server on loopback, and runs wrk on the 304 path
# (If-None-Match with the current ETag) and on the full bundle; then reads the server's
# resident memory from /proc and stops it. Installs wrk from Debian when missing.
#
# Environment: TRIALS (1000), THREADS (2), CONNECTIONS (32), DURATION (15s), PORT (18080),
# CARGO_TARGET_DIR (target), SERVER_BIN (a server binary to use instead of building one).
set -euo pipefail
cd "$(dirname "$0")/.."

TRIALS="${TRIALS:-1000}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-15s}"
PORT="${PORT:-18080}"
TARGET="${CARGO_TARGET_DIR:-target}"
URL="http://127.0.0.1:${PORT}/api/v1/plugin/bundle"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v wrk >/dev/null; then
  echo "--- installing wrk"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

if [ -n "${SERVER_BIN:-}" ]; then
  BIN="$SERVER_BIN"
else
  echo "--- building the server (release)"
  cargo build --release --locked -p server
  BIN="${TARGET}/release/server"
fi

WORK="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# A fresh database, no configuration file, loopback only.
export INCLUSIO_CONFIG=/dev/null
export INCLUSIO_SQLITE_PATH="$WORK/bench.db"
export INCLUSIO_HTTP_HOST=127.0.0.1
export INCLUSIO_HTTP_PORT="$PORT"
unset DATABASE_URL

echo "--- seeding ${TRIALS} recruiting trials"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
seed_start=$(date +%s%N)
KEY="$("$BIN" bench-seed --trials "$TRIALS" 2>"$WORK/seed.log" | tail -n 1)"
seed_ms=$(( ($(date +%s%N) - seed_start) / 1000000 ))

"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:${PORT}/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:${PORT}/health" >/dev/null

AUTH="Authorization: Bearer ${KEY}"
ETAG="$(curl -fsS -o "$WORK/bundle.json" -D - -H "$AUTH" "$URL" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')"
BYTES=$(wc -c <"$WORK/bundle.json")
COUNT=$(grep -o '"trial_id"' "$WORK/bundle.json" | wc -l)
STATUS_304=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -H "If-None-Match: ${ETAG}" "$URL")
[ "$STATUS_304" = 304 ] || { echo "expected 304 with the current ETag, got ${STATUS_304}" >&2; exit 1; }
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/${PID}/status")

echo "--- ${COUNT} trials in the bundle, ${BYTES} bytes, ETag ${ETAG}"
echo "--- wrk: 304 path (If-None-Match), -t${THREADS} -c${CONNECTIONS} -d${DURATION}"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" -H "If-None-Match: ${ETAG}" "$URL" | tee "$WORK/wrk-304.txt"
echo "--- wrk: full bundle, -t${THREADS} -c${CONNECTIONS} -d${DURATION}"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" "$URL" | tee "$WORK/wrk-full.txt"

rss=$(awk '/VmRSS/ {print $2}' "/proc/${PID}/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/${PID}/status")
rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
lat() { awk -v p="$2" '$1 == p {print $2}' "$1"; }

echo
echo "=== plugin bundle, ${COUNT} recruiting trials ($(date -u +%F), load average before: ${load_before})"
echo "seed: ${seed_ms} ms"
printf '304 path:    %s req/s, latency p50 %s, p99 %s\n' "$(rate "$WORK/wrk-304.txt")" "$(lat "$WORK/wrk-304.txt" 50%)" "$(lat "$WORK/wrk-304.txt" 99%)"
printf 'full bundle: %s req/s, latency p50 %s, p99 %s (%s bytes)\n' "$(rate "$WORK/wrk-full.txt")" "$(lat "$WORK/wrk-full.txt" 50%)" "$(lat "$WORK/wrk-full.txt" 99%)" "$BYTES"
echo "server RSS: idle after seeding ${rss_idle} kB; after the runs ${rss} kB (peak ${hwm} kB)"
