#!/usr/bin/env bash
# Dependencies point inward: the pure crates depend on no web, database or async crate.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(actix[a-z_-]*|sea-orm[a-z_-]*|sqlx[a-z_-]*|tokio[a-z_-]*|hyper|axum|warp|reqwest|async-std|diesel|rusqlite|postgres|tokio-postgres|lettre|askama_web)$'
status=0
for crate in trials plugin-sdk; do
  cargo metadata --format-version 1 --no-deps 2>/dev/null | grep -q "\"name\":\"$crate\"" || continue
  if [ "$crate" = plugin-sdk ]; then
    # The SDK talks HTTP and renders templates, but embeds no server and no database.
    pattern='^(actix[a-z_-]*|sea-orm[a-z_-]*|sqlx[a-z_-]*|diesel|rusqlite)$'
  else
    pattern=$forbidden
  fi
  bad=$(cargo tree -p "$crate" -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -E "$pattern" || true)
  if [ -n "$bad" ]; then
    echo "error: $crate depends on forbidden crates:" $bad >&2
    status=1
  else
    echo "ok: $crate depends on no forbidden crate"
  fi
done
exit $status
