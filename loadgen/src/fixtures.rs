//! The 300-resource record of the benchmarks: a Patient and 299 resources (100 Conditions,
//! 150 Observations, 30 MedicationRequests, 10 Immunizations, 5 Procedures, 4
//! AllergyIntolerances over ten years), as `tests/tests/e2e/cds_bench.rs` builds its prefetch.

use serde_json::{Value, json};

/// The resources of one patient, by CDS Hooks prefetch key, each a list of resources (the
/// Patient alone under `patient`).
fn resources(patient: &str) -> Vec<(&'static str, Vec<Value>)> {
    let subject = json!({"reference": format!("Patient/{patient}")});
    let date = |i: usize| format!("{}-{:02}-{:02}", 2016 + i % 10, 1 + i % 12, 1 + i % 28);
    let icpc = [
        "T90", "K86", "R74", "P76", "L03", "K74", "D12", "A04", "R96", "T93",
    ];
    let conditions = (0..100)
        .map(|i| {
            json!({"resourceType": "Condition", "subject": subject,
            "clinicalStatus": {"coding": [{"code": if i % 3 == 0 { "active" } else { "resolved" }}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icpc-2", "code": icpc[i % icpc.len()]}]},
            "onsetDateTime": date(i)})
        })
        .collect();
    let loinc = [
        ("4548-4", 7.2, "%"),
        ("29463-7", 82.0, "kg"),
        ("8302-2", 176.0, "cm"),
        ("8480-6", 142.0, "mm[Hg]"),
        ("2160-0", 88.0, "umol/L"),
    ];
    let observations = (0..150)
        .map(|i| {
            let (code, value, unit) = loinc[i % loinc.len()];
            json!({"resourceType": "Observation", "status": "final", "subject": subject,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": date(i),
            "valueQuantity": {"value": value + (i % 7) as f64 * 0.3, "unit": unit,
                "system": "http://unitsofmeasure.org", "code": unit}})
        })
        .collect();
    let atc = ["A10BA02", "C09AA05", "N02BE01", "B01AA03", "C10AA01"];
    let medications = (0..30)
        .map(|i| {
            json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": subject,
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": atc[i % atc.len()]}]},
            "authoredOn": date(i)})
        })
        .collect();
    let immunizations = (0..10)
        .map(|i| {
            json!({"resourceType": "Immunization", "status": "completed", "patient": subject,
            "vaccineCode": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J07BB02"}]},
            "occurrenceDateTime": date(i)})
        })
        .collect();
    let procedures = (0..5)
        .map(|i| {
            json!({"resourceType": "Procedure", "status": "completed", "subject": subject,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "80146002"}]},
            "performedDateTime": date(i)})
        })
        .collect();
    let allergies = (0..4)
        .map(|_| {
            json!({"resourceType": "AllergyIntolerance", "patient": subject,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91936005"}]}})
        })
        .collect();
    vec![
        (
            "patient",
            vec![
                json!({"resourceType": "Patient", "id": patient, "gender": "male", "birthDate": "1958-03-02"}),
            ],
        ),
        ("conditions", conditions),
        ("observations", observations),
        ("medications", medications),
        ("immunizations", immunizations),
        ("procedures", procedures),
        ("allergies", allergies),
    ]
}

fn entries(resources: Vec<Value>) -> Vec<Value> {
    resources
        .into_iter()
        .map(|r| json!({"resource": r}))
        .collect()
}

/// The `POST /api/v1/match` body: the record as one FHIR `collection` Bundle, a pseudonym, a
/// consultation date and English pop-ups. Returns it with its resource count.
pub fn match_body() -> (Value, usize) {
    let all: Vec<Value> = resources("bench")
        .into_iter()
        .flat_map(|(_, r)| r)
        .collect();
    let n = all.len();
    // 64 lowercase hex digits, as the SDK's pseudonym.
    let pseudonym = "5e".repeat(32);
    (
        json!({"fhir": {"resourceType": "Bundle", "type": "collection", "entry": entries(all)},
            "pseudonym": pseudonym, "date": "2026-11-23", "lang": "en"}),
        n,
    )
}

/// A CDS Hooks `patient-view` request for `patient` with the record as its prefetch (each key
/// a `searchset` Bundle, the Patient as itself). Returns it with its resource count.
pub fn hook_request(patient: &str, instance: &str) -> (Value, usize) {
    let mut prefetch = serde_json::Map::new();
    let mut n = 0;
    for (key, mut list) in resources(patient) {
        n += list.len();
        let value = if key == "patient" {
            list.remove(0)
        } else {
            json!({"resourceType": "Bundle", "type": "searchset", "entry": entries(list)})
        };
        prefetch.insert(key.to_string(), value);
    }
    (
        json!({"hook": "patient-view", "hookInstance": instance,
            "context": {"userId": "Practitioner/1", "patientId": patient},
            "prefetch": prefetch}),
        n,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_hundred_resources_each_way() {
        let (body, n) = match_body();
        assert_eq!(n, 300);
        assert_eq!(body["fhir"]["entry"].as_array().map(Vec::len), Some(300));
        let (hook, n) = hook_request("p-1", "i-1");
        assert_eq!(n, 300);
        assert_eq!(hook["prefetch"]["patient"]["id"], "p-1");
        assert_eq!(
            hook["prefetch"]["observations"]["entry"]
                .as_array()
                .map(Vec::len),
            Some(150)
        );
    }
}
