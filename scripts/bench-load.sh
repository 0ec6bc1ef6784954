#!/usr/bin/env bash
# Load and soak benchmark of the server (see BENCHMARKS.md, "server: load and soak").
# Builds the server and the load generator (`loadgen/`) in release, seeds a fresh SQLite
# database with 1,000 recruiting synthetic trials (`server bench-seed`), writes a
# configuration with a CDS Hooks issuer (an ES384 key loadgen generates, its JWK Set inline,
# bound to the bench practice so that cards go through the practice's rules), starts the
# server on loopback with 2 actix workers, and runs on the same machine:
#   1. `loadgen match`: POST /api/v1/match with a 300-resource FHIR Bundle;
#   2. `loadgen cds`:   POST /cds-services/inclusio-trials with the same record as prefetch,
#                       each call a fresh pre-signed JWT (unique jti) and a new patient;
#   3. `loadgen soak`:  SOAK_MINUTES of mixed traffic (match, events with unique ids, bundle
#                       with and without If-None-Match, /health and /login), the server's
#                       VmRSS sampled every 10 s.
# Then prints the figures and stops the server. Exits non-zero when a run saw an error (any
# answer but 2xx/304) or the soak's memory grew more than 10 % after its warm-up.
#
# Environment: TRIALS (1000), WORKERS (2), CONNECTIONS (16), DURATION (20, seconds per load
# run), WARMUP (3), CDS_MAX_RATE (1500: tokens signed per second of run), SOAK_MINUTES (10; 0 skips the soak), SOAK_CONNECTIONS (8), SOAK_RSS_WARMUP (60: seconds before the memory baseline), PORT (18081),
# RUNS ("match cds soak"), CARGO_TARGET_DIR (target), SERVER_BIN / LOADGEN_BIN (binaries to
# use instead of building them).
set -euo pipefail
cd "$(dirname "$0")/.."

TRIALS="${TRIALS:-1000}"
WORKERS="${WORKERS:-2}"
CONNECTIONS="${CONNECTIONS:-16}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-3}"
SOAK_MINUTES="${SOAK_MINUTES:-10}"
SOAK_CONNECTIONS="${SOAK_CONNECTIONS:-8}"
SOAK_RSS_WARMUP="${SOAK_RSS_WARMUP:-60}"
PORT="${PORT:-18081}"
RUNS="${RUNS:-match cds soak}"
CDS_MAX_RATE="${CDS_MAX_RATE:-1500}"
TARGET="${CARGO_TARGET_DIR:-target}"
BASE="http://127.0.0.1:${PORT}"

# Two cargo invocations, not one: built together, the load generator's features would be
# unified into the server's dependencies, and the server would not be the binary
# `cargo build --release -p server` gives.
if [ -n "${SERVER_BIN:-}" ]; then
  BIN="$SERVER_BIN"
else
  echo "--- building the server (release)"
  cargo build --release --locked -p server
  BIN="${TARGET}/release/server"
fi
if [ -n "${LOADGEN_BIN:-}" ]; then
  LOADGEN="$LOADGEN_BIN"
else
  echo "--- building loadgen (release)"
  cargo build --release --locked -p loadgen
  LOADGEN="${TARGET}/release/loadgen"
fi

WORK="$(mktemp -d)"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export INCLUSIO_SQLITE_PATH="$WORK/bench.db"
export INCLUSIO_HTTP_HOST=127.0.0.1
export INCLUSIO_HTTP_PORT="$PORT"
export INCLUSIO_HTTP_WORKERS="$WORKERS"
export INCLUSIO_EMAIL_FOLDER="$WORK/mail"
unset DATABASE_URL

echo "--- seeding ${TRIALS} recruiting trials"
seed_start=$(date +%s%N)
KEY="$(INCLUSIO_CONFIG=/dev/null "$BIN" bench-seed --trials "$TRIALS" 2>"$WORK/seed.log" | tail -n 1)"
seed_ms=$(( ($(date +%s%N) - seed_start) / 1000000 ))
echo "seeded in ${seed_ms} ms"

# The bench practice's id (a UUID, stored as text or as 16 bytes).
PRACTICE="$(python3 - "$WORK/bench.db" <<'EOF'
import sqlite3, sys, uuid
row = sqlite3.connect(sys.argv[1]).execute(
    "select id from organisations where name = 'Bench practice'").fetchone()
v = row[0]
print(uuid.UUID(bytes=v) if isinstance(v, bytes) else uuid.UUID(v))
EOF
)"

"$LOADGEN" fixtures --out "$WORK"
"$LOADGEN" cds-issuer --out "$WORK" --practice-id "$PRACTICE"
{
  echo "[cds]"
  echo "public_url = \"${BASE}\""
  echo
  cat "$WORK/cds-issuer.toml"
} >"$WORK/inclusio.toml"
export INCLUSIO_CONFIG="$WORK/inclusio.toml"

"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -fsS "${BASE}/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "${BASE}/health" >/dev/null
threads=$(ls "/proc/${PID}/task" | wc -l)
echo "--- server pid ${PID} (${WORKERS} workers; ${threads} threads), RSS $(awk '/VmRSS/ {print $2}' "/proc/${PID}/status") kB"

status=0
OUT="$WORK/out"
mkdir -p "$OUT"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
for run in $RUNS; do
  case "$run" in
    match)
      echo "--- match: -c${CONNECTIONS}, ${DURATION} s (load average before: $(loadavg))"
      "$LOADGEN" match --url "$BASE" --key "$KEY" --body "$WORK/match.json" \
        -c "$CONNECTIONS" -d "$DURATION" --warmup "$WARMUP" | tee "$OUT/match.txt" || status=1
      echo "load average after: $(loadavg)" | tee -a "$OUT/match.txt"
      ;;
    cds)
      echo "--- cds: -c${CONNECTIONS}, ${DURATION} s (load average before: $(loadavg))"
      "$LOADGEN" cds --url "$BASE" --issuer "$WORK" --max-rate "$CDS_MAX_RATE" \
        -c "$CONNECTIONS" -d "$DURATION" --warmup "$WARMUP" | tee "$OUT/cds.txt" || status=1
      echo "load average after: $(loadavg)" | tee -a "$OUT/cds.txt"
      ;;
    soak)
      [ "$SOAK_MINUTES" = 0 ] && continue
      echo "--- soak: -c${SOAK_CONNECTIONS}, ${SOAK_MINUTES} min (load average before: $(loadavg))"
      "$LOADGEN" soak --url "$BASE" --key "$KEY" --body "$WORK/match.json" --pid "$PID" \
        --minutes "$SOAK_MINUTES" --rss-warmup "$SOAK_RSS_WARMUP" -c "$SOAK_CONNECTIONS" --warmup "$WARMUP" | tee "$OUT/soak.txt" || status=1
      echo "load average after: $(loadavg)" | tee -a "$OUT/soak.txt"
      ;;
    *) echo "unknown run: $run" >&2; exit 2 ;;
  esac
done

rss=$(awk '/VmRSS/ {print $2}' "/proc/${PID}/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/${PID}/status")
echo
echo "=== load and soak, ${TRIALS} recruiting trials, ${WORKERS} workers ($(date -u +%F))"
for f in "$OUT"/*.txt; do grep -E '^(===|all|match|cds|events|bundle|page|rss after|load average)' "$f" || true; done
echo "server RSS at the end: ${rss} kB (peak ${hwm} kB)"
if grep -qiE ' (error|warn|panic)' "$WORK/server.log"; then
  echo "--- server log warnings and errors (first 20):"
  grep -iE ' (error|warn|panic)' "$WORK/server.log" | head -20
fi
exit $status
