//! The load runs' bodies around the 300-resource record of the benchmarks
//! (`trials::synth::fhir_record`): a `POST /api/v1/match` Bundle and CDS Hooks requests.

use serde_json::{Value, json};

fn entries(resources: Vec<Value>) -> Vec<Value> {
    resources
        .into_iter()
        .map(|r| json!({"resource": r}))
        .collect()
}

/// The `POST /api/v1/match` body: the record as one FHIR `collection` Bundle, a pseudonym, a
/// consultation date and English pop-ups. Returns it with its resource count.
pub fn match_body() -> (Value, usize) {
    let all: Vec<Value> = trials::synth::fhir_record("bench")
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
    for (key, mut list) in trials::synth::fhir_record(patient) {
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
