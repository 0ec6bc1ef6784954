//! The HL7 CDS Hooks 2.0 service: an EHR asks, at `patient-view` or `encounter-start`, whether
//! the patient may fit a recruiting trial, and shows our answer as cards. The flow of a call:
//! [`jwt::authenticate`] (the EHR's signed JWT, its key from [`jwks`], its `jti` remembered by
//! [`replay`]) → [`request::HookRequest::parse`] → [`prefetch::gather`] (prefetched resources,
//! or the EHR's FHIR server through [`fhir_client`]) → `trials::fhir` → [`alerts`] (the plugin
//! SDK's alerts from the recruiting trials compiled once per bundle generation,
//! `plugin::cache::MatcherCache`, shared with `POST /api/v1/match`) → [`cards::card`].
//!
//! Patient data from a hook lives only in the memory of the request: nothing is stored or
//! logged (the request log holds the route pattern, status, request id and error code).

pub mod alerts;
pub mod cards;
pub mod discovery;
pub mod feedback;
pub mod feedback_events;
pub mod fhir_client;
pub mod jwks;
pub mod jwt;
pub mod prefetch;
pub mod replay;
pub mod request;
pub mod search;

/// The id of our one service, registered for both hooks.
pub const SERVICE_ID: &str = "inclusio-trials";
