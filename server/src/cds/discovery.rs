//! The discovery document (`GET /cds-services`): our one service id, registered for
//! `patient-view` and `encounter-start`, with prefetch templates that use only the
//! `{{context.patientId}}` token and the `patient` search parameter (the subset every CDS
//! client must support).

use serde::Serialize;
use std::collections::BTreeMap;

/// The hooks we answer.
pub const HOOKS: [&str; 2] = ["patient-view", "encounter-start"];

/// The prefetch templates: key and FHIR query. Each key is read by [`crate::cds::prefetch`];
/// only `patient` is required. Observations are asked for by category (labs, vital signs,
/// smoking and other social history), not the whole record.
pub const PREFETCH: [(&str, &str); 8] = [
    ("patient", "Patient/{{context.patientId}}"),
    ("conditions", "Condition?patient={{context.patientId}}"),
    (
        "observations",
        "Observation?patient={{context.patientId}}&category=laboratory,vital-signs,social-history",
    ),
    (
        "medications",
        "MedicationRequest?patient={{context.patientId}}",
    ),
    (
        "medicationStatements",
        "MedicationStatement?patient={{context.patientId}}",
    ),
    (
        "immunizations",
        "Immunization?patient={{context.patientId}}",
    ),
    ("procedures", "Procedure?patient={{context.patientId}}"),
    (
        "allergies",
        "AllergyIntolerance?patient={{context.patientId}}",
    ),
];

/// The event kinds a prefetch key's resources give: when the key cannot be had, criteria
/// on those kinds are to confirm rather than "no record".
pub fn kinds_of(key: &str) -> &'static [trials::EventKind] {
    use trials::EventKind as K;
    match key {
        "conditions" => &[K::Condition],
        "observations" => &[K::History],
        "medications" | "medicationStatements" => &[K::Medication],
        "immunizations" => &[K::Immunization],
        "procedures" => &[K::Procedure],
        "allergies" => &[K::Allergy],
        _ => &[],
    }
}

/// One service entry.
#[derive(Debug, Serialize)]
pub struct Service {
    /// The hook.
    pub hook: &'static str,
    /// The service id (the same for both hooks).
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Description.
    pub description: &'static str,
    /// Prefetch templates by key.
    pub prefetch: BTreeMap<&'static str, &'static str>,
    /// What the EHR must do before calling.
    #[serde(rename = "usageRequirements")]
    pub usage_requirements: &'static str,
}

/// The discovery document.
#[derive(Debug, Serialize)]
pub struct Discovery {
    /// The services.
    pub services: Vec<Service>,
}

/// The document: one entry per hook, all with [`crate::cds::SERVICE_ID`].
pub fn document() -> Discovery {
    let services = HOOKS
        .iter()
        .map(|hook| Service {
            hook,
            id: crate::cds::SERVICE_ID,
            title: "Inclusio: clinical trials this patient may fit",
            description: "Checks the patient's record against the inclusion and exclusion criteria of the trials recruiting now, and shows a card for each trial the patient may fit, with the criteria met and those to confirm.",
            prefetch: PREFETCH.into_iter().collect(),
            usage_requirements: "Register the EHR's JWT issuer with Inclusio (issuer, jku or JWK Set, algorithms) before calling.",
        })
        .collect();
    Discovery { services }
}

/// Whether the service `id` exists.
pub fn known(id: &str) -> bool {
    id == crate::cds::SERVICE_ID
}
