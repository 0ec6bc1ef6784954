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

# Independent validators of what the CDS Hooks tests kept (target/test-output/cds): JSON
# schemas written from the CDS Hooks 2.0 specification, and the fhir.resources models for the
# exported ResearchStudy/Group. Installed from PyPI into a virtual environment under target/.
if ! [ -x target/validator-venv/bin/python ] || ! target/validator-venv/bin/python -c 'import fhir.resources, jsonschema' 2>/dev/null; then
  echo "--- installing the FHIR and JSON-schema validators (PyPI)"
  if ! python3 -m venv target/validator-venv 2>/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv target/validator-venv
  fi
  target/validator-venv/bin/pip install -q 'fhir.resources>=8,<9' 'jsonschema>=4.18,<5'
fi
target/validator-venv/bin/python scripts/validate-cds.py
