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
    /// Date of birth, when recorded; the first day it may be when only the year or the
    /// month is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// The last day the birth date may be, when only the year or the month is recorded
    /// (`1950` is 1950-01-01 to 1950-12-31): an age that the interval straddles is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date_latest: Option<NaiveDate>,
    /// Recorded as deceased: no trial is proposed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deceased: bool,
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
    /// Items of the source record that could not be read (no usable code, an unknown
    /// modifier extension…), counted per event kind. They never match, but they turn a
    /// "no record" into "to confirm": unreadable is not absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Unreadable>,
}

/// Items of one kind the record holds but that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    /// The kind of event they would have been.
    pub kind: EventKind,
    /// How many.
    pub count: u32,
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
    /// Not confirmed: an unconfirmed, provisional or differential diagnosis. It never makes
    /// a criterion met, only unknown (to confirm).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
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
    /// A comparator the value was reported with (`<8.0`): the true value lies on that side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparator: Option<Comparator>,
}

/// How a reported value bounds the true value (FHIR `Quantity.comparator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparator {
    /// The true value is below.
    #[serde(rename = "<")]
    Lt,
    /// The true value is at most.
    #[serde(rename = "<=")]
    Le,
    /// The true value is at least.
    #[serde(rename = ">=")]
    Ge,
    /// The true value is above.
    #[serde(rename = ">")]
    Gt,
}

impl Comparator {
    /// The symbol (`<`, `<=`, `>=`, `>`).
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Lt => "<",
            Comparator::Le => "≤",
            Comparator::Ge => "≥",
            Comparator::Gt => ">",
        }
    }

    /// Reads `<`, `<=`, `>=`, `>`; `None` for anything else (`ad`, "sufficient to achieve
    /// this total", is not a bound).
    pub fn parse(text: &str) -> Option<Comparator> {
        match text.trim() {
            "<" => Some(Comparator::Lt),
            "<=" => Some(Comparator::Le),
            ">=" => Some(Comparator::Ge),
            ">" => Some(Comparator::Gt),
            _ => None,
        }
    }
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
