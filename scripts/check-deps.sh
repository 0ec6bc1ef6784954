#!/usr/bin/env bash
# Dependencies point inward: the pure crates depend on no web, database or async crate.
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
exit $status
