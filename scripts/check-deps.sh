#!/usr/bin/env bash
# Dependencies point inward. Between crates: the pure crates (trials, plugin-sdk, pdf) depend
# on no web, database or async crate; platform depends on no feature (it does not depend on
# the server); nothing depends on the server but its own binary and the end-to-end tests.
# Inside each crate: no cycle between top-level modules, and in the server no feature imports
# the HTTP edge (`http`).
# `trials` depends on none of them; `plugin-sdk` (embedded in EHR software) may talk HTTP
# with ureq (blocking, rustls) but embeds no web server, no database, no async runtime and no
# native TLS; its core (without the `client` feature, what the server shares) not even ureq.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(actix[a-z_-]*|sea-orm[a-z_-]*|sqlx[a-z_-]*|tokio[a-z_-]*|hyper|axum|warp|reqwest|async-std|diesel|rusqlite|postgres|tokio-postgres|lettre|askama_web)$'
sdk_forbidden='^(actix[a-z_-]*|sea-orm[a-z_-]*|sqlx[a-z_-]*|tokio[a-z_-]*|hyper|axum|warp|reqwest|async-std|diesel|rusqlite|postgres|tokio-postgres|askama_web|openssl[a-z_-]*|native-tls|server)$'
core_forbidden='^(ureq[a-z_-]*|rustls[a-z_-]*|actix[a-z_-]*|sea-orm[a-z_-]*|sqlx[a-z_-]*|tokio[a-z_-]*|hyper|reqwest|openssl[a-z_-]*|native-tls|server)$'
status=0

# check NAME PATTERN CARGO-TREE-ARGS...
check() {
  local label=$1 pattern=$2
  shift 2
  local bad
  bad=$(cargo tree "$@" -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -E "$pattern" || true)
  if [ -n "$bad" ]; then
    echo "error: $label depends on forbidden crates:" $bad >&2
    status=1
  else
    echo "ok: $label depends on no forbidden crate"
  fi
}

check trials "$forbidden" -p trials
check plugin-sdk "$sdk_forbidden" -p plugin-sdk
check "plugin-sdk core (no default features)" "$core_forbidden" -p plugin-sdk --no-default-features
check pdf "$forbidden" -p pdf

# The crates that depend on `server` (itself aside): only the end-to-end tests.
dependents=$(cargo tree -i server --workspace -e normal,dev,build --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -vx server || true)
if [ "$dependents" != "e2e" ]; then
  echo "error: crates other than the end-to-end tests depend on server:" $dependents >&2
  status=1
else
  echo "ok: only e2e depends on server"
fi
if cargo tree -p platform -e normal --prefix none --format '{p}' | awk '{print $1}' | grep -qx server; then
  echo "error: platform depends on server" >&2
  status=1
else
  echo "ok: platform depends on no feature (not on server)"
fi

# The time: the server reads the application's one Clock (app data, passed down as `now`),
# never the system time itself; the one exception is a CDS Hooks JWT's lifetime
# (server/src/cds/jwt.rs), which its issuer stamps with its real clock.
system_time=$(grep -rn --include='*.rs' -E 'Utc::now\(\)|SystemTime::now\(\)|Local::now\(\)' server/src | grep -v '^server/src/cds/jwt.rs:' || true)
if [ -n "$system_time" ]; then
  echo "error: server code reads the system time instead of the application clock:" >&2
  echo "$system_time" >&2
  status=1
else
  echo "ok: server code reads time only from the application clock (JWT lifetimes aside)"
fi

# Module graphs, printed: the arrows between each crate's top-level modules.
for crate in trials plugin-sdk pdf platform; do
  echo "modules of $crate:"
  python3 scripts/module-graph.py "$crate/src" || status=1
done
echo "modules of server:"
python3 scripts/module-graph.py server/src --only-from-http http cli || status=1
exit $status
