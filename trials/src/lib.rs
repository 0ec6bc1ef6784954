//! # trials — Inclusio's domain core
//!
//! How a trial's eligibility criteria are written ([`criteria`]), checked ([`validate`]),
//! matched against a patient record ([`patient`], [`fhir`]) and explained ([`explain`]).
//! Pure and synchronous: no web, database or async dependency, so the same code runs on the
//! server and inside the GP's EHR through the plugin SDK.
//!
//! ```
//! use trials::{Patient, Trial, TrialIndex};
//! let trial = Trial::from_json(r#"{
//!   "id": "t2d", "title": "Type 2 diabetes trial",
//!   "criteria": {"inclusion": [
//!     {"id": "adult", "age": {"min": 18}},
//!     {"id": "t2d", "condition": {"codes": {"include": [
//!        {"system": "http://hl7.org/fhir/sid/icpc-2", "code": "T90"}]}}}
//!   ]}}"#).unwrap();
//! let patient = Patient::from_json(r#"{"birth_date": "1960-05-01", "events": [
//!   {"kind": "condition", "system": "icpc-2", "code": "T90", "date": "2020-01-10"}]}"#).unwrap();
//! let index = TrialIndex::new(vec![trial]).unwrap();
//! let date = "2026-11-23".parse().unwrap();
//! let results = index.matches(&patient, date);
//! assert_eq!(results[0].verdict, trials::Verdict::Eligible);
//! ```

pub mod catalogue;
pub mod codelists;
pub mod codes;
mod compile;
pub mod criteria;
pub mod crosswalk;
pub mod describe;
mod detail;
mod eval;
pub mod explain;
pub mod fhir;
mod index;
pub mod label;
pub mod locale;
pub mod need;
pub mod patient;
mod prepared;
pub mod redact;
pub mod result;
pub mod synth;
pub mod truth;
pub mod units;
pub mod validate;
pub mod window;

pub use criteria::{Criteria, Criterion, Node, Trial};
pub use describe::{DescribedLine, Section, describe};
pub use eval::age_at;
pub use explain::Explanation;
pub use index::{InvalidTrial, TrialIndex, evaluate};
pub use label::Label;
pub use locale::Locale;
pub use need::ObservationNeed;
pub use patient::{Comparator, Event, EventKind, Observation, Patient, Sex, Unreadable};
pub use prepared::PreparedPatient;
pub use result::{CriterionResult, Detail, TrialResult, Verdict};
pub use truth::Truth;
pub use validate::{ValidationError, validate, validate_criteria};

/// A JSON document that could not be read, with the JSON path of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ParseError {
    /// JSON path of the offending value (`$.criteria.inclusion[1].age.min`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Parses JSON into `T`, reporting the JSON path of the first error. The message says what
/// kind of problem it is, never the value at fault ([`redact::redact`]): the text may be a
/// patient record.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ParseError {
            path: if path == "." {
                "$".into()
            } else {
                format!("$.{path}")
            },
            message: redact::redact(&e.into_inner().to_string()),
        }
    })
}
