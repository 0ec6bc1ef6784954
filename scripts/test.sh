#!/usr/bin/env bash
# The whole test suite: unit, integration, property, data-driven and doc tests of every
# crate, and the end-to-end tests on SQLite and PostgreSQL. It installs or starts what the
# suite needs when it is missing (PostgreSQL, Chromium and chromedriver); a test that needs something absent fails, never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# PostgreSQL 15 from Debian's packages, started with pg_ctlcluster.
if ! [ -x /usr/lib/postgresql/15/bin/postgres ]; then
  echo "--- installing PostgreSQL"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 \+main'; then
  as_root pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 \+main .* online'; then
  echo "--- starting PostgreSQL"
  as_root pg_ctlcluster 15 main start
fi
as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
export INCLUSIO_TEST_PG_URL="${INCLUSIO_TEST_PG_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"

# Headless Chromium and its WebDriver for the browser tests, from Debian's packages.
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  echo "--- installing chromium and chromium-driver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

cargo test --workspace --locked
