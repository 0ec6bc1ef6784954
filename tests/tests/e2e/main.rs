//! The end-to-end tests, one module per area, in one test binary: the server and its
//! dependencies are linked once, and the tests of every area share the test threads.
//!
//! Run one area with a filter on its module, e.g. `cargo test -p e2e -- consent::`. The
//! benchmarks (`cds_bench`, `dashboard_bench`) are ignored by default: see their modules.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

mod audit;
mod auth;
mod browser;
mod cds;
mod cds_bench;
mod consent;
mod coordinator_browser;
mod crash;
mod criteria;
mod dashboard;
mod dashboard_answers;
mod dashboard_bench;
mod demo;
mod disk_full;
mod email;
mod health;
mod login_limits;
mod matrix;
mod openapi;
mod outage;
mod pages;
mod patient_data;
mod plugin;
mod plugin_match;
mod popup_browser;
mod portal;
mod portal_browser;
mod rekey;
mod replicas;
mod sdk;
mod sessions;
mod trials;
mod worklist;
