//! # platform — what every Inclusio feature stands on
//!
//! The one clock ([`clock`]), configuration and secrets ([`config`], [`secret`]), the
//! database connection and its migrations ([`db`], [`entities`]), the one API error type
//! ([`error`]) and what requests carry, parsed ([`extract`]), cryptography ([`crypto`]),
//! logging ([`telemetry`]), the hash-chained audit log ([`audit`]), authentication and
//! accounts ([`auth`], [`accounts`]), the email machinery (outbox, worker, transport:
//! [`email`]; the kinds of email live in the server) and the message catalogue in French and
//! English ([`i18n`]).
//!
//! It knows no feature: nothing here imports the registry, the plugin, CDS Hooks, enrolment
//! or the dashboards, and the compiler enforces it (this crate does not depend on the
//! server).

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod csv;
pub mod db;
pub mod email;
pub mod entities;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod rekey;
pub mod secret;
pub mod telemetry;
