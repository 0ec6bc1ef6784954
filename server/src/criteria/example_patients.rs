//! The example patients bundled with `trials` (French GP records, messy as real ones are),
//! offered by the criteria builder's test panel: `GET /api/v1/example-patients`.

use serde::Serialize;
use std::sync::LazyLock;
use utoipa::ToSchema;

/// `(name, JSON)` of every example patient, compiled in.
const FILES: &[(&str, &str)] = &[
    (
        "benali-ahmed",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/benali-ahmed.json"
        )),
    ),
    (
        "bernard-lucas",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/bernard-lucas.json"
        )),
    ),
    (
        "blanc-monique",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/blanc-monique.json"
        )),
    ),
    (
        "caron-denise",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/caron-denise.json"
        )),
    ),
    (
        "dubois-camille",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/dubois-camille.json"
        )),
    ),
    (
        "dupont-jean",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/dupont-jean.json"
        )),
    ),
    (
        "fontaine-lea",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/fontaine-lea.json"
        )),
    ),
    (
        "garnier-robert",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/garnier-robert.json"
        )),
    ),
    (
        "girard-thomas",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/girard-thomas.json"
        )),
    ),
    (
        "lefebvre-marie",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/lefebvre-marie.json"
        )),
    ),
    (
        "leroy-francois",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/leroy-francois.json"
        )),
    ),
    (
        "martin-paul",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/martin-paul.json"
        )),
    ),
    (
        "moreau-sophie",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/moreau-sophie.json"
        )),
    ),
    (
        "petit-chloe",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/petit-chloe.json"
        )),
    ),
    (
        "roux-isabelle",
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trials/examples/patients/roux-isabelle.json"
        )),
    ),
];

/// An example patient for the picker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExamplePatient {
    /// Stable id (the file name: `dupont-jean`).
    pub id: String,
    /// What the record holds, in a line (`Man of 65: type 2 diabetes above target…`).
    pub label: String,
    /// The record (a `trials::Patient`), without the examples' notes.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

static PATIENTS: LazyLock<Vec<ExamplePatient>> = LazyLock::new(|| {
    FILES
        .iter()
        .filter_map(|(id, text)| {
            let mut record: serde_json::Value = serde_json::from_str(text).ok()?;
            let object = record.as_object_mut()?;
            let note = object
                .get("_note")
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            object.retain(|k, _| !k.starts_with('_'));
            let label = note
                .split(". ")
                .next()
                .unwrap_or_default()
                .trim_end_matches('.');
            Some(ExamplePatient {
                id: id.to_string(),
                label: if label.is_empty() {
                    id.to_string()
                } else {
                    label.to_string()
                },
                record,
            })
        })
        .collect()
});

/// Every example patient, in file-name order.
pub fn all() -> &'static [ExamplePatient] {
    &PATIENTS
}

/// One example patient by id.
pub fn get(id: &str) -> Option<&'static ExamplePatient> {
    PATIENTS.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_parses_as_a_patient_without_notes() {
        assert_eq!(all().len(), FILES.len());
        for p in all() {
            assert!(!p.label.is_empty(), "{}", p.id);
            assert!(p.record.get("_note").is_none() && p.record.get("_expected").is_none());
            let text = p.record.to_string();
            trials::Patient::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        }
        assert!(get("dupont-jean").is_some_and(|p| p.label.starts_with("Man of 65")));
    }
}
