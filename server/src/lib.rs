//! # server — Inclusio's HTTP service
//!
//! actix-web over sea-orm (SQLite by default, PostgreSQL in production). The server keeps
//! no state outside the database, so replicas can share one PostgreSQL. Domain logic lives
//! in the `trials` crate; handlers extract, call it, and map the result.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bench_seed;
pub mod builder;
pub mod bundle;
pub mod cds;
pub mod cli;
pub mod config;
pub mod consent;
pub mod crypto;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod email;
pub mod entities;
pub mod error;
pub mod example_patients;
pub mod extract;
pub mod fhir_export;
pub mod lifecycle;
pub mod openapi;
pub mod pages;
pub mod pdf;
pub mod plugin;
pub mod referral;
pub mod referral_fhir;
pub mod registry;
pub mod routes;
pub mod secret;
pub mod startup;
pub mod telemetry;
pub mod web;
