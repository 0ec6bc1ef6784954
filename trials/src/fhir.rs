//! FHIR R4 input: a Bundle (an EHR export, a search result page, a transaction) converted into
//! a [`Patient`]. Only the few R4 fields the engine reads are declared; every other field is
//! ignored. Nothing is dropped silently: each entry that gives no data is listed in
//! [`Conversion::skipped`] with its resource type, id and the reason, and never with patient
//! data.
//!
//! Mapping decisions:
//! - **Dates.** A `dateTime` or `instant` keeps the calendar day as written:
//!   `2026-09-14T00:30:00+02:00` is 14 September (no conversion to UTC). Partial dates become
//!   the first day of the month (`2012-06` → 2012-06-01) or the middle of the year (`1958` →
//!   1958-07-01, so an age computed from it is at most six months off). When a field holds
//!   no readable date the item is kept without a date. When several fields may hold the date
//!   (`onsetDateTime`, then `onsetPeriod.start`, then `recordedDate`), the first one present
//!   is used.
//! - **Codes.** Each coding in a recognised system ([`CodeSystem::from_uri`]) gives one event,
//!   so a condition coded in ICPC-2 and ICD-10 gives two. With no recognised system the first
//!   coding is kept as recorded. Systems and codes are only trimmed: they are normalised at
//!   matching time.
//! - **Measurements.** Any numeric `valueQuantity` or `valueInteger`, of the resource and of
//!   each `component` (a blood pressure panel gives a systolic and a diastolic value), gives
//!   one [`Observation`], coded with its LOINC coding when there is one. A value with a
//!   comparator (`<0.5`) is kept as its bound. A coded value of a `social-history`
//!   Observation (smoking status) becomes a [`EventKind::History`] event.
//! - **Statuses.** Conditions: `active`, `recurrence`, `relapse` are active; `inactive`,
//!   `remission`, `resolved` inactive; unconfirmed, provisional and differential diagnoses are
//!   kept. Drugs: `active`, `intended`, `on-hold` are active; `stopped`, `completed` inactive;
//!   `draft` and `unknown` requests are kept without a status. What was not done, not taken,
//!   refuted, cancelled or entered in error is skipped.
//! - **Subject.** The first Patient entry is the patient. A resource whose `subject` or
//!   `patient` reference points elsewhere is skipped; with no Patient entry every resource is
//!   taken.
//! - **Malformed resources.** A resource whose fields have the wrong JSON type is skipped with
//!   the JSON path of the problem ([`SkipReason::Malformed`]); only a document that is not a
//!   Bundle at all is an error ([`FhirError`]).

use crate::codes::CodeSystem;
use crate::patient::{
    Comparator, Event, EventKind, EventStatus, Observation, Patient, Sex, Unreadable,
};
use chrono::Datelike;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Result of a conversion: the patient, plus notes about what was skipped and why (no patient
/// data in notes beyond resource type/id and reason).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Conversion {
    /// The patient record built from the Bundle.
    pub patient: Patient,
    /// The entries that gave no data, in Bundle order.
    pub skipped: Vec<Skipped>,
}

impl Conversion {
    /// What was skipped, one line per resource type and reason, in order of first
    /// appearance: `Encounter: no usable code (12)`. No resource id, no patient value.
    pub fn skipped_summary(&self) -> Vec<SkippedGroup> {
        let mut out: Vec<SkippedGroup> = Vec::new();
        for s in &self.skipped {
            let reason = match &s.reason {
                // One line per malformed field kind, not per entry index.
                SkipReason::Malformed { expected, .. } => {
                    format!("a field is malformed: expected {expected}")
                }
                other => other.to_string(),
            };
            match out
                .iter_mut()
                .find(|g| g.resource_type == s.resource_type && g.reason == reason)
            {
                Some(g) => g.count += 1,
                None => out.push(SkippedGroup {
                    resource_type: s.resource_type.clone(),
                    reason,
                    count: 1,
                }),
            }
        }
        out
    }
}

/// Skipped entries of one resource type and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedGroup {
    /// The resource type; empty for entries without a resource.
    pub resource_type: String,
    /// Why, in plain words.
    pub reason: String,
    /// How many entries.
    pub count: u32,
}

impl fmt::Display for SkippedGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.resource_type.is_empty() {
            "entry"
        } else {
            &self.resource_type
        };
        write!(f, "{kind}: {} ({})", self.reason, self.count)
    }
}

/// One Bundle entry that gave no data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The resource's `resourceType`; empty when the entry has no resource or no type.
    pub resource_type: String,
    /// The resource's `id`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why it was skipped.
    pub reason: SkipReason,
}

/// Why an entry gave no data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Status or verification status `entered-in-error`.
    EnteredInError,
    /// A condition or allergy whose verification status is `refuted`.
    Refuted,
    /// An Observation whose status is not `final`, `amended` or `corrected`.
    NotFinal,
    /// A MedicationStatement with status `not-taken`.
    NotTaken,
    /// An Immunization or Procedure with status `not-done`.
    NotDone,
    /// An Encounter or MedicationRequest with status `cancelled`.
    Cancelled,
    /// A MedicationRequest with `doNotPerform: true`: an order not to give the drug.
    DoNotPerform,
    /// A MedicationRequest that is not an order (`proposal`, `plan` intent, `draft`
    /// status) or a MedicationStatement `intended`: no drug was prescribed or taken yet.
    NotAnOrder,
    /// A resource with a `modifierExtension`: it may change the resource's meaning in a
    /// way the conversion cannot know, so it is not read (FHIR R4 requires this).
    UnknownModifier,
    /// No coding with a code (or a medication reference that could not be resolved).
    NoCode,
    /// An Observation without a numeric value, nor a coded social-history value.
    NoValue,
    /// A Bundle entry without a `resource`.
    NoResource,
    /// A resource type the conversion does not read.
    UnsupportedResource,
    /// An OperationOutcome: the server's messages about the request, not patient data.
    OperationOutcome,
    /// A resource about another patient than the Bundle's Patient.
    OtherPatient,
    /// A second copy of the Bundle's Patient (same id or fullUrl); the first one is read.
    DuplicatePatient,
    /// A field the conversion reads has the wrong JSON type.
    Malformed {
        /// JSON path of the field (`$.entry[3].resource.valueQuantity.value`).
        path: String,
        /// What was expected there (`a number`).
        expected: String,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            SkipReason::EnteredInError => "entered in error",
            SkipReason::Refuted => "refuted",
            SkipReason::NotFinal => "not a final result",
            SkipReason::NotTaken => "not taken",
            SkipReason::NotDone => "not done",
            SkipReason::Cancelled => "cancelled",
            SkipReason::DoNotPerform => "an order not to give the drug",
            SkipReason::NotAnOrder => "not an order (proposal, plan, draft or intended)",
            SkipReason::UnknownModifier => "a modifier extension Inclusio does not know",
            SkipReason::NoCode => "no usable code",
            SkipReason::NoValue => "no numeric or coded value",
            SkipReason::NoResource => "entry without a resource",
            SkipReason::UnsupportedResource => "resource type not read",
            SkipReason::OperationOutcome => "server messages (OperationOutcome)",
            SkipReason::OtherPatient => "about another patient",
            SkipReason::DuplicatePatient => "repeated Patient resource",
            SkipReason::Malformed { path, expected } => {
                return write!(f, "`{path}` is malformed: expected {expected}");
            }
        };
        f.write_str(text)
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.resource_type.is_empty() {
            "entry"
        } else {
            &self.resource_type
        };
        match &self.id {
            Some(id) => write!(f, "{kind}/{id}: {}", self.reason),
            None => write!(f, "{kind}: {}", self.reason),
        }
    }
}

/// Why a document could not be read as a FHIR Bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FhirError {
    /// The text is not JSON.
    #[error("the input is not JSON: {0}")]
    NotJson(String),
    /// The document is JSON but not a Bundle.
    #[error("expected a FHIR Bundle (`$.resourceType` \"Bundle\"), found {found}")]
    NotABundle {
        /// What was found instead (`a Patient resource`, `a JSON array`).
        found: String,
    },
    /// A Bundle field has the wrong JSON type.
    #[error("`{path}` must be {expected}")]
    InvalidField {
        /// JSON path of the field (`$.entry`).
        path: String,
        /// What it must be.
        expected: &'static str,
    },
}

/// Converts a FHIR R4 Bundle, as JSON text, into a patient record.
pub fn bundle_to_patient(json: &str) -> Result<Conversion, FhirError> {
    let value: Value = serde_json::from_str(json).map_err(|e| FhirError::NotJson(e.to_string()))?;
    bundle_value_to_patient(&value)
}

/// Converts an already parsed FHIR R4 Bundle into a patient record.
pub fn bundle_value_to_patient(value: &Value) -> Result<Conversion, FhirError> {
    let entries = bundle_entries(value)?;
    Ok(Bundle::new(entries).convert())
}

/// Checks that `value` is a Bundle and returns its entries.
fn bundle_entries(value: &Value) -> Result<&[Value], FhirError> {
    let not_a_bundle = |found: String| Err(FhirError::NotABundle { found });
    let Some(object) = value.as_object() else {
        return not_a_bundle(format!("{} instead of an object", json_kind(value)));
    };
    match object.get("resourceType") {
        Some(Value::String(kind)) if kind == "Bundle" => {}
        Some(Value::String(kind)) if is_type_name(kind) => {
            return not_a_bundle(format!("a `{kind}` resource"));
        }
        Some(Value::String(_)) => return not_a_bundle("an unknown `resourceType`".into()),
        Some(other) => return not_a_bundle(format!("{} as `resourceType`", json_kind(other))),
        None => return not_a_bundle("an object without `resourceType`".into()),
    }
    match object.get("entry") {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(entries)) => Ok(entries),
        Some(_) => Err(FhirError::InvalidField {
            path: "$.entry".into(),
            expected: "an array of entries",
        }),
    }
}

/// Whether `text` looks like a resource type name (`Patient`), and so may be quoted.
fn is_type_name(text: &str) -> bool {
    text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_uppercase())
        && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The kind of a JSON value, for messages that must not quote it.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a JSON array",
        Value::Object(_) => "a JSON object",
    }
}

/// A string field of a JSON object.
fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A resource that can be pointed at: its id and the fullUrl of its entry.
#[derive(Debug, Clone, Copy)]
struct Target<'a> {
    id: Option<&'a str>,
    full_url: Option<&'a str>,
}

impl Target<'_> {
    /// Whether `reference` (`Patient/1`, an absolute URL or a `urn:uuid:`) points at this
    /// resource of type `kind`. Version suffixes (`/_history/2`) are ignored.
    fn is_referenced_by(&self, reference: &str, kind: &str) -> bool {
        let reference = without_history(reference.trim());
        if reference.is_empty() {
            return false;
        }
        if self
            .full_url
            .is_some_and(|url| without_history(url.trim()) == reference)
        {
            return true;
        }
        self.id.is_some_and(|id| {
            let local = format!("{kind}/{id}");
            reference == local
                || reference
                    .strip_suffix(&local)
                    .is_some_and(|base| base.ends_with('/'))
        })
    }

    /// Whether two entries hold the same resource.
    fn same_as(&self, other: &Target<'_>) -> bool {
        (self.id.is_some() && self.id == other.id)
            || (self.full_url.is_some() && self.full_url == other.full_url)
    }
}

fn without_history(reference: &str) -> &str {
    reference
        .split_once("/_history/")
        .map_or(reference, |(base, _)| base)
}

/// The Bundle's patient: the first Patient entry.
#[derive(Debug, Clone, Copy)]
struct Subject<'a> {
    index: usize,
    target: Target<'a>,
}

/// One entry being converted.
#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    index: usize,
    kind: &'a str,
    target: Target<'a>,
    resource: &'a Value,
}

impl<'a> Item<'a> {
    /// The entry's resource, if it has one with a `resourceType`.
    fn of(index: usize, entry: &'a Value) -> Option<Item<'a>> {
        let item = Item::new(index, entry, entry.get("resource")?);
        (!item.kind.is_empty()).then_some(item)
    }

    fn new(index: usize, entry: &'a Value, resource: &'a Value) -> Item<'a> {
        Item {
            index,
            kind: str_field(resource, "resourceType").unwrap_or_default(),
            target: Target {
                id: str_field(resource, "id"),
                full_url: str_field(entry, "fullUrl"),
            },
            resource,
        }
    }

    fn path(&self) -> String {
        format!("$.entry[{}].resource", self.index)
    }

    /// Reads the resource into its R4 struct.
    fn parse<T: DeserializeOwned>(&self) -> Result<T, SkipReason> {
        serde_path_to_error::deserialize(self.resource).map_err(|e| {
            let inner = e.path().to_string();
            let path = match inner.as_str() {
                "." => self.path(),
                _ => format!("{}.{inner}", self.path()),
            };
            let expected = expected_of(&e.into_inner().to_string());
            SkipReason::Malformed { path, expected }
        })
    }
}

/// What a deserialisation error says was expected, without the value found (which may be
/// patient data).
fn expected_of(message: &str) -> String {
    let expected = message
        .split_once("expected ")
        .map_or("a value of another type", |(_, rest)| rest);
    match expected {
        "f64" | "f32" | "i64" | "u64" => "a number",
        "a sequence" => "an array",
        "a map" => "an object",
        e if e.starts_with("struct ") => "an object",
        e => e,
    }
    .to_string()
}

/// What one resource gives.
enum Found {
    /// Nothing by itself (a Medication, read through references).
    Nothing,
    /// The patient's demographics.
    Demographics(Patient),
    /// Coded events.
    Events(Vec<Event>),
    /// Measured values.
    Observations(Vec<Observation>),
}

/// The Bundle's entries with what the whole Bundle tells about each: who the patient is, and
/// which Medications references can point at.
struct Bundle<'a> {
    entries: &'a [Value],
    subject: Option<Subject<'a>>,
    /// Medication entries, for `medicationReference`s.
    medications: Vec<Item<'a>>,
}

impl<'a> Bundle<'a> {
    fn new(entries: &'a [Value]) -> Bundle<'a> {
        let items = || {
            entries
                .iter()
                .enumerate()
                .filter_map(|(index, entry)| Item::of(index, entry))
        };
        // The patient is the Patient entry the clinical resources point at most often (a
        // searchset may carry a relative's Patient first); the first one on a tie.
        let patients: Vec<Item<'a>> = items().filter(|item| item.kind == "Patient").collect();
        let pointed = |p: &Item<'a>| {
            items()
                .filter(|item| item.kind != "Patient")
                .filter_map(|item| {
                    ["subject", "patient"]
                        .iter()
                        .find_map(|key| item.resource.get(key))
                        .and_then(|r| str_field(r, "reference"))
                })
                .filter(|r| p.target.is_referenced_by(r, "Patient"))
                .count()
        };
        let subject = patients
            .iter()
            .enumerate()
            .max_by_key(|(i, p)| (pointed(p), std::cmp::Reverse(*i)))
            .map(|(_, item)| Subject {
                index: item.index,
                target: item.target,
            });
        let medications = items().filter(|item| item.kind == "Medication").collect();
        Bundle {
            entries,
            subject,
            medications,
        }
    }

    fn convert(&self) -> Conversion {
        let mut out = Conversion::default();
        for (index, entry) in self.entries.iter().enumerate() {
            match self.entry(index, entry) {
                Ok(found) => add(&mut out.patient, found),
                Err(skipped) => {
                    if let Some(kind) = unreadable_kind(&skipped) {
                        count_unreadable(&mut out.patient, kind);
                    }
                    out.skipped.push(skipped);
                }
            }
        }
        out
    }

    fn entry(&self, index: usize, entry: &'a Value) -> Result<Found, Skipped> {
        let skipped = |resource_type: &str, id: Option<&str>, reason| Skipped {
            resource_type: resource_type.to_string(),
            id: id.map(str::to_string),
            reason,
        };
        if !entry.is_object() {
            let path = format!("$.entry[{index}]");
            return Err(skipped("", None, malformed(path, "an object")));
        }
        let Some(resource) = entry.get("resource").filter(|r| !r.is_null()) else {
            return Err(skipped("", None, SkipReason::NoResource));
        };
        let item = Item::new(index, entry, resource);
        let kind = item.kind;
        if !resource.is_object() {
            return Err(skipped(kind, None, malformed(item.path(), "an object")));
        }
        self.resource(&item)
            .map_err(|reason| skipped(kind, item.target.id, reason))
    }

    fn resource(&self, item: &Item<'a>) -> Result<Found, SkipReason> {
        match item.kind {
            "Patient" => return self.patient(item),
            "Medication" => return Ok(Found::Nothing),
            "OperationOutcome" => return Err(SkipReason::OperationOutcome),
            _ => {}
        }
        if !self.about_subject(item.resource) {
            return Err(SkipReason::OtherPatient);
        }
        if item
            .resource
            .get("modifierExtension")
            .is_some_and(|m| m.as_array().is_none_or(|a| !a.is_empty()))
        {
            return Err(SkipReason::UnknownModifier);
        }
        match item.kind {
            "Condition" => condition(item),
            "Encounter" => encounter(item),
            "Observation" => observation(item),
            "MedicationStatement" => self.medication_statement(item),
            "MedicationRequest" => self.medication_request(item),
            "MedicationDispense" => self.medication_dispense(item),
            "MedicationAdministration" => self.medication_administration(item),
            "Immunization" => immunization(item),
            "Procedure" => procedure(item),
            "AllergyIntolerance" => allergy(item),
            _ => Err(SkipReason::UnsupportedResource),
        }
    }

    /// Whether a resource's `subject` or `patient` is the Bundle's patient (or unknown).
    fn about_subject(&self, resource: &Value) -> bool {
        let Some(subject) = &self.subject else {
            return true;
        };
        let reference = ["subject", "patient"]
            .iter()
            .find_map(|key| resource.get(key))
            .and_then(|r| str_field(r, "reference"))
            .filter(|r| !r.trim().is_empty());
        reference.is_none_or(|r| subject.target.is_referenced_by(r, "Patient"))
    }

    fn patient(&self, item: &Item<'_>) -> Result<Found, SkipReason> {
        match &self.subject {
            Some(subject) if subject.index == item.index => {}
            Some(subject) if subject.target.same_as(&item.target) => {
                return Err(SkipReason::DuplicatePatient);
            }
            _ => return Err(SkipReason::OtherPatient),
        }
        let patient: r4::Patient = item.parse()?;
        let birth = patient.birth_date.as_deref().and_then(date_interval);
        let deceased = patient.deceased_boolean == Some(true)
            || patient
                .deceased_date_time
                .as_deref()
                .is_some_and(|d| !d.trim().is_empty());
        Ok(Found::Demographics(Patient {
            id: item.target.id.map(str::to_string),
            birth_date: birth.map(|(first, _)| first),
            birth_date_latest: birth.and_then(|(first, last)| (last != first).then_some(last)),
            sex: patient.gender.as_deref().and_then(sex),
            deceased,
            ..Patient::default()
        }))
    }

    fn medication_statement(&self, item: &Item<'_>) -> Result<Found, SkipReason> {
        let m: r4::MedicationStatement = item.parse()?;
        let status = match code_of(&m.status) {
            "not-taken" => return Err(SkipReason::NotTaken),
            "entered-in-error" => return Err(SkipReason::EnteredInError),
            "intended" => return Err(SkipReason::NotAnOrder),
            "stopped" | "completed" => Some(EventStatus::Inactive),
            "active" | "on-hold" => Some(EventStatus::Active),
            _ => None,
        };
        let stamp = Stamp {
            date: first_date(&[
                &m.effective_date_time,
                &m.effective_period.start,
                &m.date_asserted,
            ]),
            end: first_date(&[&m.effective_period.end]),
            status,
            unconfirmed: false,
        };
        self.medication_events(
            &m.medication_codeable_concept,
            &m.medication_reference,
            item,
            stamp,
        )
    }

    fn medication_request(&self, item: &Item<'_>) -> Result<Found, SkipReason> {
        let m: r4::MedicationRequest = item.parse()?;
        let status = match code_of(&m.status) {
            "entered-in-error" => return Err(SkipReason::EnteredInError),
            "cancelled" => return Err(SkipReason::Cancelled),
            "draft" => return Err(SkipReason::NotAnOrder),
            _ if m.do_not_perform == Some(true) => return Err(SkipReason::DoNotPerform),
            _ if matches!(code_of(&m.intent), "proposal" | "plan" | "option") => {
                return Err(SkipReason::NotAnOrder);
            }
            "stopped" | "completed" => Some(EventStatus::Inactive),
            "active" | "on-hold" => Some(EventStatus::Active),
            _ => None,
        };
        let date = first_date(&[&m.authored_on]);
        let d = &m.dispense_request;
        // A repeat prescription runs through its validity, else through its supplies.
        let supplies = d
            .expected_supply_duration
            .as_ref()
            .and_then(r4::Quantity::days)
            .map(|days| days * (1 + d.number_of_repeats_allowed.unwrap_or(0).min(1000)));
        let end = first_date(&[&d.validity_period.end]).or_else(|| {
            date.zip(supplies)
                .and_then(|(start, days)| start.checked_add_days(chrono::Days::new(days)))
        });
        let stamp = Stamp {
            date,
            end,
            status,
            unconfirmed: false,
        };
        self.medication_events(
            &m.medication_codeable_concept,
            &m.medication_reference,
            item,
            stamp,
        )
    }

    fn medication_dispense(&self, item: &Item<'_>) -> Result<Found, SkipReason> {
        let m: r4::MedicationDispense = item.parse()?;
        match code_of(&m.status) {
            "entered-in-error" => return Err(SkipReason::EnteredInError),
            "cancelled" | "declined" => return Err(SkipReason::Cancelled),
            "stopped" | "preparation" => return Err(SkipReason::NotDone),
            _ => {}
        }
        let date = first_date(&[&m.when_handed_over, &m.when_prepared]);
        let end = date
            .zip(m.days_supply.as_ref().and_then(r4::Quantity::days))
            .and_then(|(start, days)| start.checked_add_days(chrono::Days::new(days)));
        let stamp = Stamp {
            date,
            end,
            status: end.map(|_| EventStatus::Active),
            unconfirmed: false,
        };
        self.medication_events(
            &m.medication_codeable_concept,
            &m.medication_reference,
            item,
            stamp,
        )
    }

    fn medication_administration(&self, item: &Item<'_>) -> Result<Found, SkipReason> {
        let m: r4::MedicationAdministration = item.parse()?;
        refuse(
            code_of(&m.status),
            &[
                ("not-done", SkipReason::NotDone),
                ("entered-in-error", SkipReason::EnteredInError),
            ],
        )?;
        let stamp = Stamp {
            date: first_date(&[&m.effective_date_time, &m.effective_period.start]),
            end: first_date(&[&m.effective_period.end]),
            status: None,
            unconfirmed: false,
        };
        self.medication_events(
            &m.medication_codeable_concept,
            &m.medication_reference,
            item,
            stamp,
        )
    }

    /// The events of a medication given as a concept, or as a reference to a contained or
    /// bundled Medication.
    fn medication_events(
        &self,
        concept: &r4::CodeableConcept,
        reference: &r4::Reference,
        item: &Item<'_>,
        stamp: Stamp,
    ) -> Result<Found, SkipReason> {
        if concept.coding.iter().any(|c| c.code().is_some()) {
            return events(EventKind::Medication, concept, stamp).map(Found::Events);
        }
        let reference = reference.reference.as_deref();
        let resolved = reference
            .and_then(|r| self.resolve_medication(r, item.resource))
            .ok_or(SkipReason::NoCode)?;
        events(EventKind::Medication, &resolved, stamp).map(Found::Events)
    }

    /// The code of the Medication a reference points at: `#id` in the resource's
    /// `contained`, else a Medication entry of the Bundle.
    fn resolve_medication(&self, reference: &str, resource: &Value) -> Option<r4::CodeableConcept> {
        let reference = reference.trim();
        let medication = match reference.strip_prefix('#') {
            Some(local) => resource
                .get("contained")
                .and_then(Value::as_array)?
                .iter()
                .find(|r| {
                    str_field(r, "resourceType") == Some("Medication")
                        && str_field(r, "id") == Some(local)
                })?,
            None => {
                self.medications
                    .iter()
                    .find(|m| m.target.is_referenced_by(reference, "Medication"))?
                    .resource
            }
        };
        r4::CodeableConcept::deserialize(medication.get("code")?).ok()
    }
}

/// The event kind an entry would have given, when it was skipped for a reason that hides
/// data (no usable code, an unknown modifier): such entries are unreadable, not absent.
fn unreadable_kind(skipped: &Skipped) -> Option<EventKind> {
    if !matches!(
        skipped.reason,
        SkipReason::NoCode | SkipReason::UnknownModifier
    ) {
        return None;
    }
    Some(match skipped.resource_type.as_str() {
        "Condition" => EventKind::Condition,
        "Encounter" => EventKind::ReasonForEncounter,
        "MedicationStatement"
        | "MedicationRequest"
        | "MedicationDispense"
        | "MedicationAdministration" => EventKind::Medication,
        "Immunization" => EventKind::Immunization,
        "Procedure" => EventKind::Procedure,
        "AllergyIntolerance" => EventKind::Allergy,
        _ => return None,
    })
}

/// Counts one unreadable item of `kind` in the record.
fn count_unreadable(patient: &mut Patient, kind: EventKind) {
    match patient.unreadable.iter_mut().find(|u| u.kind == kind) {
        Some(u) => u.count += 1,
        None => patient.unreadable.push(Unreadable { kind, count: 1 }),
    }
}

/// Adds what one resource gave to the patient record.
fn add(patient: &mut Patient, found: Found) {
    match found {
        Found::Nothing => {}
        Found::Demographics(p) => {
            patient.id = p.id;
            patient.birth_date = p.birth_date;
            patient.birth_date_latest = p.birth_date_latest;
            patient.sex = p.sex;
            patient.deceased = p.deceased;
        }
        Found::Events(events) => patient.events.extend(events),
        Found::Observations(observations) => patient.observations.extend(observations),
    }
}

fn malformed(path: String, expected: &str) -> SkipReason {
    SkipReason::Malformed {
        path,
        expected: expected.to_string(),
    }
}

/// Date, end and status shared by the events of one resource.
#[derive(Debug, Clone, Copy, Default)]
struct Stamp {
    date: Option<NaiveDate>,
    end: Option<NaiveDate>,
    status: Option<EventStatus>,
    /// An unconfirmed, provisional or differential diagnosis.
    unconfirmed: bool,
}

/// Statuses of an event that did not happen or was recorded by mistake.
const NOT_DONE: &[(&str, SkipReason)] = &[
    ("not-done", SkipReason::NotDone),
    ("entered-in-error", SkipReason::EnteredInError),
];

/// Refuses a resource whose status is one of `refused`, with that status's reason.
fn refuse(status: &str, refused: &[(&str, SkipReason)]) -> Result<(), SkipReason> {
    match refused.iter().find(|(s, _)| *s == status) {
        Some((_, reason)) => Err(reason.clone()),
        None => Ok(()),
    }
}

fn condition(item: &Item<'_>) -> Result<Found, SkipReason> {
    let c: r4::Condition = item.parse()?;
    verification(&c.verification_status)?;
    let end = first_date(&[
        &c.abatement_date_time,
        &c.abatement_period.end,
        &c.abatement_period.start,
    ]);
    // Any abatement (a date, a period, an age, a text) means the condition has ended.
    let abated = end.is_some()
        || c.abatement_string
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty())
        || c.abatement_age.is_some()
        || c.abatement_range.is_some();
    let status = clinical_status(&c.clinical_status).or(abated.then_some(EventStatus::Inactive));
    let stamp = Stamp {
        date: first_date(&[&c.onset_date_time, &c.onset_period.start, &c.recorded_date]),
        end,
        status,
        unconfirmed: unconfirmed(&c.verification_status),
    };
    events(EventKind::Condition, &c.code, stamp).map(Found::Events)
}

fn encounter(item: &Item<'_>) -> Result<Found, SkipReason> {
    let e: r4::Encounter = item.parse()?;
    refuse(
        code_of(&e.status),
        &[
            ("entered-in-error", SkipReason::EnteredInError),
            ("cancelled", SkipReason::Cancelled),
        ],
    )?;
    let stamp = Stamp {
        date: first_date(&[&e.period.start]),
        ..Stamp::default()
    };
    let out: Vec<Event> = e
        .reason_code
        .iter()
        .filter_map(|reason| events(EventKind::ReasonForEncounter, reason, stamp).ok())
        .flatten()
        .collect();
    if out.is_empty() {
        return Err(SkipReason::NoCode);
    }
    Ok(Found::Events(out))
}

fn observation(item: &Item<'_>) -> Result<Found, SkipReason> {
    let o: r4::Observation = item.parse()?;
    match code_of(&o.status) {
        "final" | "amended" | "corrected" => {}
        "entered-in-error" => return Err(SkipReason::EnteredInError),
        _ => return Err(SkipReason::NotFinal),
    }
    let date = first_date(&[
        &o.effective_date_time,
        &o.effective_instant,
        &o.effective_period.start,
        &o.issued,
    ]);
    let mut out = Vec::new();
    if let Some(value) = r4::numeric(&o.value_quantity, o.value_integer) {
        let coding = measurement_coding(&o.code).ok_or(SkipReason::NoCode)?;
        out.push(measurement(coding, &o.code, value, date));
    }
    for component in &o.component {
        if let (Some(coding), Some(value)) = (
            measurement_coding(&component.code),
            r4::numeric(&component.value_quantity, component.value_integer),
        ) {
            out.push(measurement(coding, &component.code, value, date));
        }
    }
    if !out.is_empty() {
        return Ok(Found::Observations(out));
    }
    match &o.value_codeable_concept {
        Some(value) if o.category.iter().any(|c| c.has_code(&["social-history"])) => {
            let stamp = Stamp {
                date,
                ..Stamp::default()
            };
            events(EventKind::History, value, stamp).map(Found::Events)
        }
        _ => Err(SkipReason::NoValue),
    }
}

/// The coding of a measurement: its LOINC coding, else its first coding with a code.
fn measurement_coding(concept: &r4::CodeableConcept) -> Option<&r4::Coding> {
    let coded = || concept.coding.iter().filter(|c| c.code().is_some());
    coded()
        .find(|c| CodeSystem::from_uri(c.system()) == Some(CodeSystem::Loinc))
        .or_else(|| coded().next())
}

fn measurement(
    coding: &r4::Coding,
    concept: &r4::CodeableConcept,
    (value, unit, comparator): (f64, String, Option<String>),
    date: Option<NaiveDate>,
) -> Observation {
    Observation {
        system: coding.system().to_string(),
        code: coding.code().unwrap_or_default().to_string(),
        display: concept.display(coding),
        value,
        unit,
        date,
        comparator: comparator.as_deref().and_then(Comparator::parse),
    }
}

fn immunization(item: &Item<'_>) -> Result<Found, SkipReason> {
    let i: r4::Immunization = item.parse()?;
    refuse(code_of(&i.status), NOT_DONE)?;
    let stamp = Stamp {
        date: first_date(&[&i.occurrence_date_time]),
        ..Stamp::default()
    };
    events(EventKind::Immunization, &i.vaccine_code, stamp).map(Found::Events)
}

fn procedure(item: &Item<'_>) -> Result<Found, SkipReason> {
    let p: r4::Procedure = item.parse()?;
    refuse(code_of(&p.status), NOT_DONE)?;
    let stamp = Stamp {
        date: first_date(&[&p.performed_date_time, &p.performed_period.start]),
        end: first_date(&[&p.performed_period.end]),
        status: None,
        unconfirmed: false,
    };
    events(EventKind::Procedure, &p.code, stamp).map(Found::Events)
}

fn allergy(item: &Item<'_>) -> Result<Found, SkipReason> {
    let a: r4::AllergyIntolerance = item.parse()?;
    verification(&a.verification_status)?;
    let stamp = Stamp {
        date: first_date(&[&a.onset_date_time, &a.recorded_date]),
        end: None,
        status: clinical_status(&a.clinical_status),
        unconfirmed: unconfirmed(&a.verification_status),
    };
    events(EventKind::Allergy, &a.code, stamp).map(Found::Events)
}

/// Refuses conditions and allergies that are entered in error or refuted.
fn verification(status: &r4::CodeableConcept) -> Result<(), SkipReason> {
    if status.has_code(&["entered-in-error"]) {
        Err(SkipReason::EnteredInError)
    } else if status.has_code(&["refuted"]) {
        Err(SkipReason::Refuted)
    } else {
        Ok(())
    }
}

/// Whether a verification status leaves the diagnosis unconfirmed (`unconfirmed`,
/// `provisional`, `differential`): it then only makes criteria unknown.
fn unconfirmed(status: &r4::CodeableConcept) -> bool {
    status.has_code(&["unconfirmed", "provisional", "differential"])
}

/// The status of a condition or allergy from its `clinicalStatus`.
fn clinical_status(status: &r4::CodeableConcept) -> Option<EventStatus> {
    status
        .coding
        .iter()
        .filter_map(r4::Coding::code)
        .find_map(|code| match code {
            "active" | "recurrence" | "relapse" => Some(EventStatus::Active),
            "inactive" | "remission" | "resolved" => Some(EventStatus::Inactive),
            _ => None,
        })
}

/// The events of one coded concept: one per coding in a recognised system; failing that,
/// the first coding with a code, as recorded. No coding with a code: [`SkipReason::NoCode`].
fn events(
    kind: EventKind,
    concept: &r4::CodeableConcept,
    stamp: Stamp,
) -> Result<Vec<Event>, SkipReason> {
    let coded: Vec<&r4::Coding> = concept
        .coding
        .iter()
        .filter(|c| c.code().is_some())
        .collect();
    let recognised: Vec<&r4::Coding> = coded
        .iter()
        .copied()
        .filter(|c| CodeSystem::from_uri(c.system()).is_some())
        .collect();
    let chosen = if recognised.is_empty() {
        coded.into_iter().take(1).collect()
    } else {
        recognised
    };
    let mut out: Vec<Event> = Vec::with_capacity(chosen.len());
    for coding in chosen {
        let event = Event {
            kind,
            system: coding.system().to_string(),
            code: coding.code().unwrap_or_default().to_string(),
            display: concept.display(coding),
            date: stamp.date,
            end: stamp.end,
            status: stamp.status,
            unconfirmed: stamp.unconfirmed,
        };
        if !out
            .iter()
            .any(|e| e.system == event.system && e.code == event.code)
        {
            out.push(event);
        }
    }
    if out.is_empty() {
        return Err(SkipReason::NoCode);
    }
    Ok(out)
}

/// A status code, trimmed; empty when absent.
fn code_of(status: &Option<String>) -> &str {
    status.as_deref().map_or("", str::trim)
}

/// The date of the first field present (see the module documentation).
fn first_date(fields: &[&Option<String>]) -> Option<NaiveDate> {
    fields.iter().find_map(|f| f.as_deref()).and_then(fhir_date)
}

/// Reads a FHIR `date`, `dateTime` or `instant`: the calendar day as written, `YYYY-MM` as
/// the first of the month, `YYYY` as 1 July.
fn fhir_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let number = |from: usize, to: usize| -> Option<u32> {
        let digits = text.get(from..to)?;
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().ok()
        } else {
            None
        }
    };
    let dash_at = |i: usize| text.as_bytes().get(i) == Some(&b'-');
    let year = i32::try_from(number(0, 4)?).ok()?;
    match text.len() {
        4 => NaiveDate::from_ymd_opt(year, 7, 1),
        7 if dash_at(4) => NaiveDate::from_ymd_opt(year, number(5, 7)?, 1),
        n if n >= 10 && dash_at(4) && dash_at(7) => {
            let time_follows = matches!(text.as_bytes().get(10), None | Some(b'T' | b' '));
            if !time_follows {
                return None;
            }
            NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)
        }
        _ => None,
    }
}

/// A FHIR `date` as the interval of days it may stand for: `1950` is 1950-01-01 to
/// 1950-12-31, `1950-12` is 1950-12-01 to 1950-12-31, a full date is one day.
fn date_interval(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let text = text.trim();
    let first = fhir_date(text)?;
    match text.len() {
        4 => Some((
            NaiveDate::from_ymd_opt(first.year(), 1, 1)?,
            NaiveDate::from_ymd_opt(first.year(), 12, 31)?,
        )),
        7 => {
            let next = first.checked_add_months(chrono::Months::new(1))?;
            Some((first, next.pred_opt()?))
        }
        _ => Some((first, first)),
    }
}

/// Administrative gender (`male`, `female`, `other`, `unknown`).
fn sex(gender: &str) -> Option<Sex> {
    match gender.trim() {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        "other" => Some(Sex::Other),
        "unknown" => Some(Sex::Unknown),
        _ => None,
    }
}

/// The few R4 structures read. Every field is optional and unknown fields are ignored.
mod r4 {
    use serde::Deserialize;

    /// A coded concept.
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct CodeableConcept {
        pub coding: Vec<Coding>,
        pub text: Option<String>,
    }

    impl CodeableConcept {
        /// Whether one of the codings has one of `codes`.
        pub fn has_code(&self, codes: &[&str]) -> bool {
            self.coding
                .iter()
                .filter_map(Coding::code)
                .any(|c| codes.contains(&c))
        }

        /// The text shown for `coding`: its display, else the concept's text.
        pub fn display(&self, coding: &Coding) -> Option<String> {
            [&coding.display, &self.text]
                .into_iter()
                .flatten()
                .map(|d| d.trim())
                .find(|d| !d.is_empty())
                .map(str::to_string)
        }
    }

    /// One code of a concept.
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Coding {
        pub system: Option<String>,
        pub code: Option<String>,
        pub display: Option<String>,
    }

    impl Coding {
        /// The code, trimmed; `None` when absent or blank.
        pub fn code(&self) -> Option<&str> {
            self.code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
        }

        /// The system, trimmed; empty when absent.
        pub fn system(&self) -> &str {
            self.system.as_deref().map_or("", str::trim)
        }
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Period {
        pub start: Option<String>,
        pub end: Option<String>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Quantity {
        pub value: Option<f64>,
        pub comparator: Option<String>,
        pub unit: Option<String>,
        pub system: Option<String>,
        pub code: Option<String>,
    }

    impl Quantity {
        /// The unit: the UCUM `code` when the quantity is coded in UCUM (or names no
        /// system), else the `unit` text, else empty.
        pub fn unit(&self) -> String {
            let ucum = self
                .system
                .as_deref()
                .is_none_or(|s| s.trim().trim_end_matches('/') == "http://unitsofmeasure.org");
            let code = self
                .code
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            let text = self
                .unit
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty());
            match (ucum, code, text) {
                (true, Some(code), _) => code.to_string(),
                (_, _, Some(text)) => text.to_string(),
                (_, Some(code), None) => code.to_string(),
                _ => String::new(),
            }
        }

        /// A duration in whole days (`d`, `wk`, `mo` as 30 days, `a` as 365), if readable.
        pub fn days(&self) -> Option<u64> {
            let v = self.value.filter(|v| v.is_finite() && *v >= 0.0)?;
            let unit = self.code.as_deref().or(self.unit.as_deref())?.trim();
            let per = match unit {
                "d" | "day" | "days" => 1.0,
                "wk" | "week" | "weeks" => 7.0,
                "mo" | "month" | "months" => 30.0,
                "a" | "year" | "years" => 365.0,
                _ => return None,
            };
            let days = (v * per).round();
            (days <= 36_500.0).then_some(days as u64)
        }
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Reference {
        pub reference: Option<String>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Patient {
        pub birth_date: Option<String>,
        pub gender: Option<String>,
        pub deceased_boolean: Option<bool>,
        pub deceased_date_time: Option<String>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Condition {
        pub clinical_status: CodeableConcept,
        pub verification_status: CodeableConcept,
        pub code: CodeableConcept,
        pub onset_date_time: Option<String>,
        pub onset_period: Period,
        pub recorded_date: Option<String>,
        pub abatement_date_time: Option<String>,
        pub abatement_period: Period,
        pub abatement_string: Option<String>,
        pub abatement_age: Option<serde_json::Value>,
        pub abatement_range: Option<serde_json::Value>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Encounter {
        pub status: Option<String>,
        pub reason_code: Vec<CodeableConcept>,
        pub period: Period,
    }

    /// A numeric `value[x]`, its unit ([`Quantity::unit`]) and its comparator.
    pub fn numeric(
        quantity: &Option<Quantity>,
        integer: Option<f64>,
    ) -> Option<(f64, String, Option<String>)> {
        if let Some(q) = quantity {
            let comparator = q
                .comparator
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            return q.value.map(|v| (v, q.unit(), comparator));
        }
        integer.map(|v| (v, String::new(), None))
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Observation {
        pub status: Option<String>,
        pub category: Vec<CodeableConcept>,
        pub code: CodeableConcept,
        pub effective_date_time: Option<String>,
        pub effective_instant: Option<String>,
        pub effective_period: Period,
        pub issued: Option<String>,
        pub value_quantity: Option<Quantity>,
        pub value_integer: Option<f64>,
        pub value_codeable_concept: Option<CodeableConcept>,
        pub component: Vec<Component>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Component {
        pub code: CodeableConcept,
        pub value_quantity: Option<Quantity>,
        pub value_integer: Option<f64>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct MedicationStatement {
        pub status: Option<String>,
        pub medication_codeable_concept: CodeableConcept,
        pub medication_reference: Reference,
        pub effective_date_time: Option<String>,
        pub effective_period: Period,
        pub date_asserted: Option<String>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct MedicationRequest {
        pub status: Option<String>,
        pub intent: Option<String>,
        pub do_not_perform: Option<bool>,
        pub medication_codeable_concept: CodeableConcept,
        pub medication_reference: Reference,
        pub authored_on: Option<String>,
        pub dispense_request: DispenseRequest,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct DispenseRequest {
        pub validity_period: Period,
        pub number_of_repeats_allowed: Option<u64>,
        pub expected_supply_duration: Option<Quantity>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct MedicationDispense {
        pub status: Option<String>,
        pub medication_codeable_concept: CodeableConcept,
        pub medication_reference: Reference,
        pub when_prepared: Option<String>,
        pub when_handed_over: Option<String>,
        pub days_supply: Option<Quantity>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct MedicationAdministration {
        pub status: Option<String>,
        pub medication_codeable_concept: CodeableConcept,
        pub medication_reference: Reference,
        pub effective_date_time: Option<String>,
        pub effective_period: Period,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Immunization {
        pub status: Option<String>,
        pub vaccine_code: CodeableConcept,
        pub occurrence_date_time: Option<String>,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct Procedure {
        pub status: Option<String>,
        pub code: CodeableConcept,
        pub performed_date_time: Option<String>,
        pub performed_period: Period,
    }

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default, rename_all = "camelCase")]
    pub(super) struct AllergyIntolerance {
        pub clinical_status: CodeableConcept,
        pub verification_status: CodeableConcept,
        pub code: CodeableConcept,
        pub onset_date_time: Option<String>,
        pub recorded_date: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::path::{Path, PathBuf};

    const TEST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fhir");

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn convert(value: Value) -> Conversion {
        bundle_value_to_patient(&value).expect("a bundle")
    }

    fn bundle(resources: Vec<Value>) -> Value {
        let entry: Vec<Value> = resources
            .into_iter()
            .map(|r| json!({ "resource": r }))
            .collect();
        json!({ "resourceType": "Bundle", "type": "collection", "entry": entry })
    }

    fn load(name: &str) -> Conversion {
        let path = Path::new(TEST_DIR).join(name);
        let text = std::fs::read_to_string(&path).expect("test bundle");
        bundle_to_patient(&text).expect("a bundle")
    }

    fn shown<T: fmt::Display>(value: Option<T>) -> String {
        value.map_or("?".into(), |v| v.to_string())
    }

    /// A system's short name for summaries (`icpc-2`), or the URI as recorded.
    fn system(uri: &str) -> String {
        let short = CodeSystem::from_uri(uri).map(|s| match s {
            CodeSystem::Icpc2 => "icpc-2",
            CodeSystem::Icd10 => "icd-10",
            CodeSystem::Atc => "atc",
            CodeSystem::Loinc => "loinc",
            CodeSystem::Snomed => "sct",
            CodeSystem::Icd10Cm => "icd-10-cm",
            CodeSystem::RxNorm => "rxnorm",
            CodeSystem::Cvx => "cvx",
        });
        short.unwrap_or(uri).to_string()
    }

    /// An event on one line: `kind system code date..end status`, `?` for what is absent.
    fn summary(e: &Event) -> String {
        let status = e.status.map(|s| match s {
            EventStatus::Active => "active",
            EventStatus::Inactive => "inactive",
        });
        let (kind, system, code) = (e.kind.key(), system(&e.system), &e.code);
        let (date, end, status) = (shown(e.date), shown(e.end), shown(status));
        format!("{kind} {system} {code} {date}..{end} {status}")
    }

    /// A measurement on one line: `system code value unit date`.
    fn measured(o: &Observation) -> String {
        let (system, date) = (system(&o.system), shown(o.date));
        format!("{system} {} {} {} {date}", o.code, o.value, o.unit)
    }

    fn notes(c: &Conversion) -> Vec<String> {
        c.skipped.iter().map(Skipped::to_string).collect()
    }

    fn skip(resource_type: &str, id: Option<&str>, reason: SkipReason) -> Skipped {
        Skipped {
            resource_type: resource_type.into(),
            id: id.map(str::to_string),
            reason,
        }
    }

    /// Every `tests/fhir/NAME.json` bundle converts to `NAME.expected.json`. Run with
    /// `INCLUSIO_BLESS=1` to write the expected files after a deliberate change, then review
    /// the diff.
    #[test]
    fn bundles_convert_as_expected() {
        let mut bundles: Vec<PathBuf> = std::fs::read_dir(TEST_DIR)
            .expect("tests/fhir")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| {
                let name = p.to_string_lossy();
                name.ends_with(".json") && !name.ends_with(".expected.json")
            })
            .collect();
        bundles.sort();
        assert!(bundles.len() >= 3, "{bundles:?}");
        let bless = std::env::var_os("INCLUSIO_BLESS").is_some();
        for path in bundles {
            let text = std::fs::read_to_string(&path).expect("bundle");
            let got = serde_json::to_value(bundle_to_patient(&text).expect("a bundle"))
                .expect("serialisable");
            let expected_path = path.with_extension("expected.json");
            if bless {
                let pretty = serde_json::to_string_pretty(&got).expect("pretty");
                std::fs::write(&expected_path, pretty + "\n").expect("write expected");
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).expect("expected file");
            let expected: Value = serde_json::from_str(&expected).expect("expected JSON");
            assert!(
                got == expected,
                "{}: got\n{}",
                path.display(),
                serde_json::to_string_pretty(&got).unwrap_or_default()
            );
        }
    }

    #[test]
    fn diabetic_patient_in_detail() {
        let c = load("diabetic_patient.json");
        let p = &c.patient;
        assert_eq!(p.id.as_deref(), Some("pat-1"));
        assert_eq!(p.birth_date, Some(d("1961-04-17")));
        assert_eq!(p.sex, Some(Sex::Male));
        assert_eq!(
            p.events.iter().map(summary).collect::<Vec<_>>(),
            [
                "condition icpc-2 T90 2015-03-10..? active",
                "condition icd-10 E11.9 2015-03-10..? active",
                "condition icpc-2 K86 2012-06-01..? active",
                "condition icpc-2 R78 2024-01-05..2024-01-20 inactive",
                "history sct 77176002 2026-09-14..? ?",
                "medication atc A10BA02 2015-04-01..? active",
                "medication atc C09AA05 2026-09-14..? active",
                "immunization atc J07AM01 2021-05-06..? ?",
                "procedure sct 401191002 2026-03-02..? ?",
                "allergy sct 764146007 2009-11-02..? active",
                "reason_for_encounter icpc-2 T90 2026-09-14..? ?",
                "reason_for_encounter icpc-2 A98 2026-09-14..? ?",
            ]
        );
        assert_eq!(p.events[4].display.as_deref(), Some("Smoker"));
        assert_eq!(
            p.events[10].display.as_deref(),
            Some("Diabetes non-insulin dependent")
        );
        assert_eq!(
            p.observations.iter().map(measured).collect::<Vec<_>>(),
            [
                "loinc 4548-4 7.4 % 2026-08-30",
                "loinc 62238-1 58 mL/min/{1.73_m2} 2026-08-31",
                "loinc 8480-6 142 mm[Hg] 2026-09-14",
                "loinc 8462-4 88 mm[Hg] 2026-09-14",
            ]
        );
        assert_eq!(
            notes(&c),
            [
                "Condition/cond-angina-error: entered in error",
                "Condition/cond-t1d-refuted: refuted",
                "Observation/obs-creat-prelim: not a final result",
                "Observation/obs-urine-text: no numeric or coded value",
                "MedicationStatement/ms-atorva-not-taken: not taken",
                "Immunization/imm-flu-declined: not done",
                "Condition/cond-other-patient: about another patient",
                "Practitioner/gp-1: resource type not read",
                "OperationOutcome/export-warnings: server messages (OperationOutcome)",
            ]
        );
    }

    #[test]
    fn transaction_with_urn_uuid_references() {
        let c = load("transaction_urn_uuid.json");
        let p = &c.patient;
        assert_eq!(p.id, None);
        assert_eq!(p.birth_date, Some(d("1958-11-01")));
        assert_eq!(p.sex, Some(Sex::Female));
        assert_eq!(
            p.events.iter().map(summary).collect::<Vec<_>>(),
            [
                // CIM-10 (French URI) and the mid-year rule for `2010`.
                "condition icd-10 I10 2010-07-01..? active",
                // A local system kept as recorded; an unreadable onset keeps the event.
                "condition http://example.org/logiciel-medical/antecedents ATCD-042 ?..? inactive",
                // The contained Medication (French ATC URI), with the statement's period.
                "medication atc C07AB07 2019-01-15..2023-06-30 inactive",
                "medication atc J01CA04 2025-12-02..? inactive",
                "procedure sct 73761001 2024-02-12..2024-02-12 ?",
                "allergy sct 227493005 1995-07-01..? inactive",
            ]
        );
        assert_eq!(
            p.observations.iter().map(measured).collect::<Vec<_>>(),
            ["loinc 29463-7 72.5 kg 2026-09-01"]
        );
        assert_eq!(
            notes(&c),
            [
                "Condition: no usable code",
                "MedicationRequest: no usable code",
                "MedicationRequest: an order not to give the drug",
                "MedicationRequest: cancelled",
                "Encounter: cancelled",
                "Encounter: no usable code",
                "Procedure: entered in error",
                "Observation/weight-comma: `$.entry[14].resource.valueQuantity.value` is malformed: \
                 expected a number",
                "Observation: entered in error",
                "AllergyIntolerance: refuted",
                "Patient: about another patient",
                "Observation: about another patient",
                "entry: entry without a resource",
            ]
        );
    }

    #[test]
    fn partial_dates_and_date_times() {
        let cases = [
            ("2026-09-14", Some("2026-09-14")),
            ("2026-09", Some("2026-09-01")),
            ("2026", Some("2026-07-01")),
            (" 2026-09-14 ", Some("2026-09-14")),
            ("2026-09-14T10:30:00+02:00", Some("2026-09-14")),
            // The day as written, not converted to UTC.
            ("2026-09-14T00:30:00+02:00", Some("2026-09-14")),
            ("2026-09-14T23:30:00-05:00", Some("2026-09-14")),
            ("2026-08-31T07:00:00.123Z", Some("2026-08-31")),
            ("2024-02-29", Some("2024-02-29")),
            ("2023-02-29", None),
            ("2019-13-45", None),
            ("2026-13", None),
            ("2026-9-1", None),
            ("26", None),
            ("20260914", None),
            ("2026-09-145", None),
            ("14/09/2026", None),
            ("spring 2019", None),
            ("", None),
            ("2026-09-1é", None),
            ("２０２６", None),
        ];
        for (text, want) in cases {
            assert_eq!(fhir_date(text), want.map(d), "{text:?}");
        }
    }

    #[test]
    fn every_abatement_form_ends_a_condition() {
        let condition = |abatement: Value| {
            let mut c = json!({"resourceType": "Condition", "subject": {"reference": "Patient/p"},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J45"}]},
                "onsetDateTime": "2010-01-01"});
            if let (Some(obj), Some(extra)) = (c.as_object_mut(), abatement.as_object()) {
                obj.extend(extra.clone());
            }
            let c = convert(bundle(vec![
                json!({"resourceType": "Patient", "id": "p"}),
                c,
            ]));
            let e = &c.patient.events[0];
            (e.status, e.end)
        };
        assert_eq!(
            condition(json!({"abatementDateTime": "2015-03-02"})),
            (Some(EventStatus::Inactive), Some(d("2015-03-02")))
        );
        assert_eq!(
            condition(json!({"abatementPeriod": {"start": "2015-03-02", "end": "2015-06-30"}})),
            (Some(EventStatus::Inactive), Some(d("2015-06-30")))
        );
        assert_eq!(
            condition(json!({"abatementString": "in childhood"})),
            (Some(EventStatus::Inactive), None)
        );
        assert_eq!(
            condition(
                json!({"abatementAge": {"value": 12, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}})
            ),
            (Some(EventStatus::Inactive), None)
        );
        // The clinical status, when given, wins.
        assert_eq!(
            condition(
                json!({"abatementString": "?", "clinicalStatus": {"coding": [{"code": "recurrence"}]}})
            ),
            (Some(EventStatus::Active), None)
        );
        assert_eq!(condition(json!({})), (None, None));
    }

    #[test]
    fn drugs_not_yet_taken_or_ordered_are_skipped() {
        let metformin =
            json!({"coding": [{"system": "http://www.whocc.no/atc", "code": "A10BA02"}]});
        let c = convert(bundle(vec![
            json!({"resourceType": "MedicationStatement", "id": "s", "status": "intended", "medicationCodeableConcept": metformin}),
            json!({"resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "proposal", "medicationCodeableConcept": metformin}),
            json!({"resourceType": "MedicationRequest", "id": "r2", "status": "draft", "intent": "order", "medicationCodeableConcept": metformin}),
            json!({"resourceType": "MedicationRequest", "id": "r3", "status": "active", "intent": "order", "authoredOn": "2026-01-10",
                   "dispenseRequest": {"numberOfRepeatsAllowed": 2, "expectedSupplyDuration": {"value": 30, "unit": "days", "code": "d"}},
                   "medicationCodeableConcept": metformin}),
        ]));
        let reasons: Vec<&SkipReason> = c.skipped.iter().map(|s| &s.reason).collect();
        assert_eq!(
            reasons,
            [
                &SkipReason::NotAnOrder,
                &SkipReason::NotAnOrder,
                &SkipReason::NotAnOrder
            ]
        );
        // The order runs through its three supplies of 30 days.
        assert_eq!(c.patient.events.len(), 1);
        assert_eq!(c.patient.events[0].end, Some(d("2026-04-10")));
        assert!(
            c.patient.unreadable.is_empty(),
            "not unreadable: not prescribed"
        );
    }

    #[test]
    fn skipped_entries_are_summarised_per_type_and_reason() {
        let c = convert(bundle(vec![
            json!({"resourceType": "Patient", "id": "p"}),
            json!({"resourceType": "Encounter", "id": "e1", "status": "finished"}),
            json!({"resourceType": "Encounter", "id": "e2", "status": "finished"}),
            json!({"resourceType": "DiagnosticReport", "id": "d1"}),
            json!({"resourceType": "DiagnosticReport", "id": "d2"}),
            json!({"resourceType": "Condition", "id": "c1", "modifierExtension": [{"url": "http://example.org/x", "valueBoolean": true}],
                   "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11"}]}}),
        ]));
        let lines: Vec<String> = c
            .skipped_summary()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "Encounter: no usable code (2)",
                "DiagnosticReport: resource type not read (2)",
                "Condition: a modifier extension Inclusio does not know (1)"
            ]
        );
        // The unreadable ones count for their kind: a "no record" becomes to confirm.
        let kinds: Vec<(EventKind, u32)> = c
            .patient
            .unreadable
            .iter()
            .map(|u| (u.kind, u.count))
            .collect();
        assert_eq!(
            kinds,
            [
                (EventKind::ReasonForEncounter, 2),
                (EventKind::Condition, 1)
            ]
        );
        assert!(c.patient.events.is_empty());
    }

    #[test]
    fn birth_date_and_gender() {
        let c = convert(bundle(vec![
            json!({"resourceType": "Patient", "id": "p", "birthDate": "1950", "gender": "other"}),
        ]));
        // A year alone is the interval of its days.
        assert_eq!(c.patient.birth_date, Some(d("1950-01-01")));
        assert_eq!(c.patient.birth_date_latest, Some(d("1950-12-31")));
        assert_eq!(c.patient.sex, Some(Sex::Other));
        let c = convert(bundle(vec![
            json!({"resourceType": "Patient", "id": "p", "birthDate": "1950-02"}),
        ]));
        assert_eq!(c.patient.birth_date, Some(d("1950-02-01")));
        assert_eq!(c.patient.birth_date_latest, Some(d("1950-02-28")));
        let c = convert(bundle(vec![
            json!({"resourceType": "Patient", "id": "p", "birthDate": "1950-02-11"}),
        ]));
        assert_eq!(c.patient.birth_date_latest, None);
        let c = convert(bundle(vec![
            json!({"resourceType": "Patient", "birthDate": "unknown", "gender": "F"}),
        ]));
        assert_eq!((c.patient.birth_date, c.patient.sex), (None, None));
        assert!(c.skipped.is_empty());
    }

    #[test]
    fn invalid_json_is_an_error_with_its_position() {
        let err = bundle_to_patient("{\"resourceType\": \"Bundle\",").expect_err("not JSON");
        assert!(matches!(err, FhirError::NotJson(_)), "{err:?}");
        assert!(err.to_string().contains("line 1 column"), "{err}");
        let err = bundle_to_patient("").expect_err("empty");
        assert!(
            err.to_string().starts_with("the input is not JSON"),
            "{err}"
        );
    }

    #[test]
    fn documents_that_are_not_bundles_are_refused() {
        let found = |text: &str| match bundle_to_patient(text) {
            Err(FhirError::NotABundle { found }) => found,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            found(r#"{"resourceType":"Patient"}"#),
            "a `Patient` resource"
        );
        assert_eq!(
            found(r#"{"entry": []}"#),
            "an object without `resourceType`"
        );
        assert_eq!(
            found(r#"{"resourceType": 3}"#),
            "a number as `resourceType`"
        );
        assert_eq!(
            found(r#"[{"resourceType":"Bundle"}]"#),
            "a JSON array instead of an object"
        );
        let err = bundle_to_patient(r#"{"resourceType":"Patient"}"#).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "expected a FHIR Bundle (`$.resourceType` \"Bundle\"), found a `Patient` resource"
        );
        let err =
            bundle_to_patient(r#"{"resourceType":"Bundle","entry":{}}"#).expect_err("refused");
        assert_eq!(err.to_string(), "`$.entry` must be an array of entries");
    }

    #[test]
    fn empty_bundles_give_an_empty_patient() {
        for text in [
            r#"{"resourceType":"Bundle"}"#,
            r#"{"resourceType":"Bundle","type":"collection","entry":[]}"#,
            r#"{"resourceType":"Bundle","type":"searchset","total":0,"entry":null}"#,
        ] {
            assert_eq!(bundle_to_patient(text), Ok(Conversion::default()), "{text}");
        }
    }

    #[test]
    fn a_searchset_page_converts_what_is_there() {
        let page = json!({
            "resourceType": "Bundle", "type": "searchset", "total": 120,
            "link": [{"relation": "next", "url": "https://fhir.example.org/Condition?page=2"}],
            "entry": [{
                "fullUrl": "https://fhir.example.org/Condition/1",
                "resource": {"resourceType": "Condition", "id": "1",
                    "code": {"coding": [{"system": "icpc-2", "code": "T90"}]},
                    "subject": {"reference": "Patient/123"}},
                "search": {"mode": "match"}
            }]
        });
        let c = convert(page);
        assert_eq!(c.patient.events.len(), 1);
        assert_eq!(c.patient.events[0].system, "icpc-2");
        assert!(c.skipped.is_empty());
        // Without a Patient entry every subject is accepted.
        assert_eq!(c.patient.id, None);
    }

    #[test]
    fn codings_in_unknown_systems_are_kept_only_when_nothing_else_is() {
        let condition = |coding: Value| json!({"resourceType": "Condition", "code": {"coding": coding, "text": "label"}});
        let c = convert(bundle(vec![
            condition(json!([
                {"system": "http://example.org/local", "code": "L1"},
                {"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11"},
            ])),
            condition(json!([{"code": "X1"}, {"system": "http://example.org/b", "code": "X2"}])),
            condition(json!([{"system": "http://hl7.org/fhir/sid/icd-10", "code": "  "}])),
        ]));
        let codes: Vec<_> = c
            .patient
            .events
            .iter()
            .map(|e| (e.system.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(codes, [(crate::codes::ICD10_URI, "E11"), ("", "X1")]);
        assert_eq!(c.patient.events[1].display.as_deref(), Some("label"));
        assert_eq!(c.skipped, [skip("Condition", None, SkipReason::NoCode)]);
    }

    #[test]
    fn observation_statuses_values_and_codes() {
        let obs = |extra: Value| {
            let mut o = json!({"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
                "effectiveDateTime": "2026-01-02"});
            if let (Some(o), Some(extra)) = (o.as_object_mut(), extra.as_object()) {
                o.extend(extra.clone());
            }
            o
        };
        let c = convert(bundle(vec![
            obs(json!({"valueInteger": 3})),
            obs(json!({"status": "corrected", "valueQuantity": {"value": 1.1}})),
            obs(json!({"status": "registered", "valueQuantity": {"value": 1.1}})),
            obs(json!({"status": "cancelled", "valueQuantity": {"value": 1.1}})),
            obs(json!({"valueBoolean": true})),
            obs(json!({"valueQuantity": {"unit": "g/L"}, "dataAbsentReason": {"text": "lost"}})),
            obs(json!({"code": {"text": "glucose"}, "valueQuantity": {"value": 1.1}})),
            obs(
                json!({"valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260385009"}]}}),
            ),
        ]));
        let values: Vec<_> = c
            .patient
            .observations
            .iter()
            .map(|o| (o.value, o.unit.as_str()))
            .collect();
        assert_eq!(values, [(3.0, ""), (1.1, "")]);
        let reasons: Vec<_> = c.skipped.iter().map(|s| s.reason.clone()).collect();
        use SkipReason::*;
        assert_eq!(
            reasons,
            [NotFinal, NotFinal, NoValue, NoValue, NoCode, NoValue]
        );
    }

    #[test]
    fn medication_references_resolve_in_the_bundle_or_contained() {
        let request = |reference: &str| {
            json!({"resourceType": "MedicationRequest", "status": "stopped",
                "medicationReference": {"reference": reference}, "authoredOn": "2025-01-01",
                "contained": [{"resourceType": "Medication", "id": "c1",
                    "code": {"coding": [{"system": "atc", "code": "N02BE01"}]}}]})
        };
        let value = json!({"resourceType": "Bundle", "entry": [
            {"resource": request("Medication/m1")},
            {"resource": request("urn:uuid:abc")},
            {"resource": request("#c1")},
            {"resource": request("#m1")},
            {"resource": request("Medication/c1")},
            {"fullUrl": "urn:uuid:abc", "resource": {"resourceType": "Medication", "id": "m1",
                "code": {"coding": [{"system": "atc", "code": "B01AC06"}]}}},
        ]});
        let c = convert(value);
        let codes: Vec<_> = c
            .patient
            .events
            .iter()
            .map(|e| (e.code.as_str(), e.status))
            .collect();
        let stopped = Some(EventStatus::Inactive);
        assert_eq!(
            codes,
            [
                ("B01AC06", stopped),
                ("B01AC06", stopped),
                ("N02BE01", stopped)
            ]
        );
        assert_eq!(
            c.skipped,
            [
                skip("MedicationRequest", None, SkipReason::NoCode),
                skip("MedicationRequest", None, SkipReason::NoCode),
            ]
        );
    }

    #[test]
    fn references_to_the_patient() {
        let target = Target {
            id: Some("123"),
            full_url: Some("urn:uuid:9d2e"),
        };
        for reference in [
            "Patient/123",
            " Patient/123 ",
            "Patient/123/_history/2",
            "https://fhir.example.org/r4/Patient/123",
            "urn:uuid:9d2e",
        ] {
            assert!(target.is_referenced_by(reference, "Patient"), "{reference}");
        }
        for reference in [
            "Patient/1234",
            "Patient/12",
            "Group/123",
            "xPatient/123",
            "urn:uuid:9d2f",
            "",
        ] {
            assert!(
                !target.is_referenced_by(reference, "Patient"),
                "{reference}"
            );
        }
    }

    #[test]
    fn other_and_repeated_patients() {
        let value = json!({"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "Condition", "code": {"coding": [{"system": "icpc-2", "code": "K86"}]},
                "subject": {"reference": "Patient/b"}}},
            {"fullUrl": "urn:uuid:a", "resource": {"resourceType": "Patient", "id": "a", "gender": "female"}},
            {"resource": {"resourceType": "Patient", "id": "a"}},
            {"resource": {"resourceType": "Patient", "id": "b"}},
            {"resource": {"resourceType": "Condition", "code": {"coding": [{"system": "icpc-2", "code": "T90"}]},
                "subject": {"display": "no reference"}}},
            {"resource": {"resourceType": "Procedure", "status": "completed",
                "code": {"coding": [{"system": "snomed", "code": "80146002"}]},
                "subject": {"reference": "urn:uuid:a"}, "performedPeriod": {"start": "2001", "end": "2001-03"}}},
        ]});
        let c = convert(value);
        assert_eq!(c.patient.id.as_deref(), Some("a"));
        let codes: Vec<_> = c.patient.events.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["T90", "80146002"]);
        assert_eq!(
            (c.patient.events[1].date, c.patient.events[1].end),
            (Some(d("2001-07-01")), Some(d("2001-03-01")))
        );
        assert_eq!(
            c.skipped,
            [
                skip("Condition", None, SkipReason::OtherPatient),
                skip("Patient", Some("a"), SkipReason::DuplicatePatient),
                skip("Patient", Some("b"), SkipReason::OtherPatient),
            ]
        );
    }

    #[test]
    fn malformed_entries_are_skipped_with_their_path_and_without_their_value() {
        let value = json!({"resourceType": "Bundle", "entry": [
            "not an entry",
            {"resource": "not a resource"},
            {"resource": null},
            {"resource": {"id": "x"}},
            {"resource": {"resourceType": "Condition", "id": "c1",
                "code": {"coding": [{"system": "icpc-2", "code": "T90"}, {"code": ["Diabète sucré"]}]}}},
            {"resource": {"resourceType": "Condition", "code": {"coding": "Diabète sucré"}}},
            {"resource": {"resourceType": "MedicationRequest", "doNotPerform": "yes"}},
            {"resource": {"resourceType": "Patient", "birthDate": 1961}},
        ]});
        let c = convert(value);
        assert_eq!(c.patient, Patient::default());
        let m = |path: &str, expected: &str| SkipReason::Malformed {
            path: path.into(),
            expected: expected.into(),
        };
        assert_eq!(
            c.skipped,
            [
                skip("", None, m("$.entry[0]", "an object")),
                skip("", None, m("$.entry[1].resource", "an object")),
                skip("", None, SkipReason::NoResource),
                skip("", Some("x"), SkipReason::UnsupportedResource),
                skip(
                    "Condition",
                    Some("c1"),
                    m("$.entry[4].resource.code.coding[1].code", "a string")
                ),
                skip(
                    "Condition",
                    None,
                    m("$.entry[5].resource.code.coding", "an array")
                ),
                skip(
                    "MedicationRequest",
                    None,
                    m("$.entry[6].resource.doNotPerform", "a boolean")
                ),
                skip(
                    "Patient",
                    None,
                    m("$.entry[7].resource.birthDate", "a string")
                ),
            ]
        );
        let notes = serde_json::to_string(&c.skipped).expect("serialisable");
        assert!(
            !notes.contains("Diab") && !notes.contains("yes") && !notes.contains("1961"),
            "{notes}"
        );
    }

    #[test]
    fn skip_notes_read_well() {
        let note = skip("Observation", Some("o1"), SkipReason::NotFinal);
        assert_eq!(note.to_string(), "Observation/o1: not a final result");
        let note = skip("", None, SkipReason::NoResource);
        assert_eq!(note.to_string(), "entry: entry without a resource");
        let reason = SkipReason::Malformed {
            path: "$.entry[0]".into(),
            expected: "an object".into(),
        };
        assert_eq!(
            reason.to_string(),
            "`$.entry[0]` is malformed: expected an object"
        );
        assert_eq!(
            serde_json::to_value(skip("Condition", None, SkipReason::EnteredInError))
                .expect("json"),
            json!({"resource_type": "Condition", "reason": "entered_in_error"})
        );
    }

    /// JSON built from the field names the conversion reads, so that random documents reach it.
    fn fhir_like() -> impl Strategy<Value = Value> {
        let keys = prop::sample::select(vec![
            "resourceType",
            "id",
            "status",
            "code",
            "coding",
            "system",
            "text",
            "display",
            "valueQuantity",
            "value",
            "unit",
            "valueInteger",
            "valueCodeableConcept",
            "component",
            "category",
            "subject",
            "patient",
            "reference",
            "medicationReference",
            "medicationCodeableConcept",
            "contained",
            "effectiveDateTime",
            "effectivePeriod",
            "start",
            "end",
            "birthDate",
            "gender",
            "clinicalStatus",
            "verificationStatus",
            "onsetDateTime",
            "reasonCode",
            "period",
            "doNotPerform",
            "vaccineCode",
            "fullUrl",
            "resource",
            "entry",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            prop::sample::select(vec![
                "Bundle",
                "Patient",
                "Condition",
                "Observation",
                "Medication",
                "MedicationRequest",
                "MedicationStatement",
                "Encounter",
                "Immunization",
                "Procedure",
                "AllergyIntolerance",
                "final",
                "refuted",
                "social-history",
                "Patient/1",
                "#m",
                "Medication/1",
                "http://loinc.org",
                "icpc-2",
                "2026-09",
                "2026-02-30T1",
                "1",
            ])
            .prop_map(Value::from),
            ".{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((keys.clone(), inner), 0..7).prop_map(
                    |fields| Value::Object(
                        fields
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect()
                    )
                ),
            ]
        })
    }

    proptest! {
        #[test]
        fn no_document_makes_the_conversion_panic(entries in prop::collection::vec(fhir_like(), 0..6)) {
            let value = json!({"resourceType": "Bundle", "entry": entries});
            let _ = bundle_value_to_patient(&value);
            let entry: Vec<Value> = entries.into_iter().map(|r| json!({"resource": r})).collect();
            let _ = bundle_value_to_patient(&json!({"resourceType": "Bundle", "entry": entry}));
        }

        #[test]
        fn no_text_makes_the_conversion_panic(text in ".{0,64}") {
            let _ = bundle_to_patient(&text);
        }
    }
}
