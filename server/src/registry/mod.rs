//! The trial registry: trials and their immutable versions, who may see and change them,
//! lifecycle transitions, sites and coordinators, consent documents. Every change is written
//! with its audit record in one transaction.

pub mod access;
pub mod consent_documents;
pub mod ctgov;
pub mod fhir_export;
pub mod generation;
pub mod input;
pub mod lifecycle;
pub mod questions;
pub mod recruitment;
pub mod review_mail;
pub mod sites;
pub mod trials;

pub use access::Access;
pub use trials::TrialView;
