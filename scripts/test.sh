#!/usr/bin/env bash
# The whole test suite: unit, integration, property, data-driven and doc tests of every
# crate, and the end-to-end tests on SQLite and PostgreSQL. It installs or starts what the
# suite needs when it is missing (PostgreSQL, Chromium and chromedriver); a test that needs something absent fails, never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
# psql as the postgres user, from / (it cannot enter a private checkout folder).
as_postgres() { (cd / && as_root su postgres -c "$1"); }

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
  # After an unclean stop the cluster replays its log first: give it time (the default is 60 s).
  as_root pg_ctlcluster 15 main start -- -t 600
fi
as_postgres "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
export INCLUSIO_TEST_PG_URL="${INCLUSIO_TEST_PG_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"

# Headless Chromium and its WebDriver for the browser tests, from Debian's packages.
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  echo "--- installing chromium and chromium-driver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Each end-to-end test creates its own database, named inclusio_test_<run>_<uuid> where <run>
# is the process id of the script that ran it. Databases and SQLite files of runs that are
# over are dropped before the suite, and this run's own when it ends, pass or fail, so the
# cluster never fills up.
export INCLUSIO_TEST_RUN=$$
sweep_test_databases() {
  local mine=${1:-}
  as_postgres "psql -qAt -c \"SELECT datname FROM pg_database WHERE datname LIKE 'inclusio\\_test\\_%'\"" |
    while read -r db; do
      run=${db#inclusio_test_}; run=${run%%_*}
      if [ "$run" = "$mine" ] || ! { [[ $run =~ ^[0-9]+$ ]] && kill -0 "$run" 2>/dev/null; }; then
        echo "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE);"
      fi
    done | as_postgres "psql -q" >/dev/null
  for f in "${TMPDIR:-/tmp}"/inclusio_test_*.db*; do
    [ -e "$f" ] || continue
    run=${f##*/inclusio_test_}; run=${run%%_*}
    if [ "$run" = "$mine" ] || ! { [[ $run =~ ^[0-9]+$ ]] && kill -0 "$run" 2>/dev/null; }; then rm -f "$f"; fi
  done
}
sweep_test_databases
trap 'sweep_test_databases "$INCLUSIO_TEST_RUN"' EXIT

cargo test --workspace --locked

# Independent validators of what the CDS Hooks tests kept (target/test-output/cds): JSON
# schemas written from the CDS Hooks 2.0 specification, and the fhir.resources models for the
# exported ResearchStudy/Group; and pypdf (strict) for the consent PDFs the server's unit tests
# kept (target/test-output/consent-pdf). Installed from PyPI into a virtual environment under
# target/.
if ! [ -x target/validator-venv/bin/python ] || ! target/validator-venv/bin/python -c 'import fhir.resources, jsonschema, pypdf; assert fhir.resources.__version__.startswith("6.4.")' 2>/dev/null; then
  echo "--- installing the FHIR, JSON-schema and PDF validators (PyPI)"
  if ! python3 -m venv target/validator-venv 2>/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv target/validator-venv
  fi
  # fhir.resources 6.4.x: the FHIR R4 (4.0.1) models (6.5 and later are R4B, 8.x R5), on pydantic 1.
  target/validator-venv/bin/pip install -q 'fhir.resources>=6.4,<6.5' 'pydantic>=1.10,<2' 'jsonschema>=4.18,<5' 'pypdf>=4,<6'
fi
target/validator-venv/bin/python scripts/validate-cds.py
target/validator-venv/bin/python scripts/validate-pdf.py
