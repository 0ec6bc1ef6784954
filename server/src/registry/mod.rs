//! The trial registry: trials and their immutable versions, who may see and change them,
//! lifecycle transitions, sites and coordinators, consent documents, the closing of ended
//! recruitments. Every change is written with its audit record in one transaction; the
//! sponsor's form saves a trial with its sites and documents in one ([`save`]).

pub mod access;
pub mod consent_documents;
pub mod ctgov;
pub mod expiry;
pub mod fhir_export;
pub mod generation;
pub mod input;
pub mod lifecycle;
pub mod questions;
pub mod recruitment;
pub mod review_mail;
pub mod save;
pub mod sites;
pub mod trials;

pub use access::Access;
pub use trials::TrialView;
