//! # server — Inclusio's HTTP service
//!
//! actix-web over sea-orm (SQLite by default, PostgreSQL in production). The server keeps
//! no state outside the database, so replicas can share one PostgreSQL. Domain logic lives
//! in the `trials` crate, the shared machinery (configuration, database, accounts, audit,
//! email, messages) in `platform`; this crate holds the features, each a folder, and the
//! HTTP edge that serves them:
//!
//! - [`registry`]: trials, their lifecycle, sites, consent documents, review;
//! - [`criteria`]: the criteria builder's previews and example patients;
//! - [`plugin`]: the bundle the EHR plugin downloads, its events and settings;
//! - [`cds`]: the HL7 CDS Hooks service;
//! - [`enrolment`]: electronic consent and referrals;
//! - [`dashboard`]: recruitment funnels and alert answers;
//! - [`demo`]: demo and benchmark data;
//! - [`emails`]: every kind of email; [`cli`]: the command-line tasks;
//! - [`http`]: startup, middleware, the JSON API, the OpenAPI document and the pages.

pub mod cds;
pub mod cli;
pub mod criteria;
pub mod dashboard;
pub mod demo;
pub mod emails;
pub mod enrolment;
pub mod http;
pub mod plugin;
pub mod registry;
