#!/usr/bin/env bash
# The whole test suite: every crate's unit, integration, property, data-driven and doc tests.
# Later stages add what the suite needs (PostgreSQL, Chromium, an SMTP server) here: this
# script installs or starts anything missing, and a test that needs something absent fails.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
