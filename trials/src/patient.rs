//! The patient record as the matching engine reads it: demographics, coded events and
//! observations. It is what a GP's EHR holds, converted; [`crate::fhir`] builds one from a
//! FHIR R4 Bundle. Unknown fields are ignored so records from other tools still parse.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A patient record at the time of a consultation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    /// The practice's local identifier. Never leaves the practice before consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Date of birth, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// Administrative sex, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Coded events: diagnoses, reasons for encounter, drugs, procedures, vaccinations,
    /// allergies and history items.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Measured values: labs and biometrics.
    #[serde(default)]
    pub observations: Vec<Observation>,
}

/// Administrative sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other.
    Other,
    /// Recorded as unknown: treated like an absent value.
    Unknown,
}

/// The kind of a coded event; a criterion on conditions never matches a drug with the same code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A diagnosis or problem (ICPC-2, ICD-10, SNOMED CT).
    Condition,
    /// A reason for encounter (ICPC-2 mostly).
    ReasonForEncounter,
    /// A prescribed or taken drug (ATC).
    Medication,
    /// A procedure.
    Procedure,
    /// A vaccination.
    Immunization,
    /// An allergy or intolerance.
    Allergy,
    /// A history item: smoking, alcohol, drug use, family history.
    History,
}

impl EventKind {
    /// Every kind, in a stable order.
    pub const ALL: [EventKind; 7] = [
        EventKind::Condition,
        EventKind::ReasonForEncounter,
        EventKind::Medication,
        EventKind::Procedure,
        EventKind::Immunization,
        EventKind::Allergy,
        EventKind::History,
    ];

    /// The key of this kind in criteria JSON (`condition`, `medication`…).
    pub fn key(self) -> &'static str {
        match self {
            EventKind::Condition => "condition",
            EventKind::ReasonForEncounter => "reason_for_encounter",
            EventKind::Medication => "medication",
            EventKind::Procedure => "procedure",
            EventKind::Immunization => "immunization",
            EventKind::Allergy => "allergy",
            EventKind::History => "history",
        }
    }
}

/// The status of an event, when the record says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Current: an active problem, a drug being taken.
    Active,
    /// No longer current: resolved, in remission, stopped, completed.
    Inactive,
}

/// One coded event in the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// What kind of event it is.
    pub kind: EventKind,
    /// Code system URI (canonical or alias; see [`crate::codes::CodeSystem`]).
    pub system: String,
    /// The code as recorded; normalised (case, dots) before matching.
    pub code: String,
    /// The text the EHR shows for it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// When it was recorded, started or given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// When it ended (a drug stopped, a problem resolved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// Whether it is still current, when the record says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
}

/// One measured value: a lab result or a biometric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Code system URI; LOINC when absent.
    #[serde(default = "default_observation_system")]
    pub system: String,
    /// The code (a LOINC code such as `4548-4` for HbA1c).
    pub code: String,
    /// The text the EHR shows for it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The numeric value as recorded.
    pub value: f64,
    /// The unit as recorded (UCUM or free text such as `mg/dl`); empty when none was recorded.
    #[serde(default)]
    pub unit: String,
    /// When it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

fn default_observation_system() -> String {
    crate::codes::LOINC_URI.to_string()
}

impl Patient {
    /// Parses a patient record from JSON, with the JSON path of the first error.
    pub fn from_json(text: &str) -> Result<Patient, crate::ParseError> {
        crate::parse_json(text)
    }
}
