//! # plugin-sdk — Inclusio inside the EHR
//!
//! What EHR software embeds so that a GP opening a patient's record sees, at once, at most
//! one or two trials the patient may join, why, and what to confirm — or nothing at all.
//! Matching runs locally against the trial bundle; no identifying patient data leaves the
//! practice unless the GP and the patient say yes.
//!
//! The pure core, shared with the server (no network, no disk, no async):
//! - [`wire`]: the JSON exchanged with the server;
//! - [`alert`]: alerts built from the bundle's trials with [`trials::TrialIndex`];
//! - [`fatigue`]: the alert-fatigue rules and the history they read;
//! - [`popup`]: the pop-up HTML, from the workspace's `templates/popup.html`;
//! - [`pseudonym`]: pseudonymous patient ids (HMAC-SHA-256 under the practice secret).
//!
//! With the default `client` feature, [`Client`] adds the networked, on-disk half: bundle
//! sync with its ETag and an offline fallback, `check`, `respond` and the event queue that
//! delivers every event exactly once.

pub mod alert;
pub mod fatigue;
pub mod popup;
pub mod pseudonym;
pub mod wire;

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod store;

pub use alert::{Alert, Matcher, Text};
#[cfg(feature = "client")]
pub use client::{Client, Config, Consultation, Error, Outcome, Response, SyncStatus};
pub use fatigue::{History, Location, Rules};
pub use popup::popup_html;
pub use pseudonym::pseudonym;
pub use trials::Locale;
pub use wire::{AlertVerdict, DeclineReason, ReferralOutcome, ReferralOutcomes};
