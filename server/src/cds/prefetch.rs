//! The patient's resources for one call, as one FHIR Bundle for `trials::fhir`. For each
//! prefetch key of [`crate::cds::discovery::PREFETCH`]:
//! - a Patient (for `patient`) or a searchset Bundle is read, an empty Bundle or `null`
//!   meaning "none" (CDS Hooks: a client with no data for a key sends `null`);
//! - a Bundle with a `next` link has its further pages read from the `fhirServer` (only
//!   links under that base URL: the access token goes nowhere else);
//! - an absent key or an OperationOutcome (the EHR could not prefetch) is queried from the
//!   `fhirServer` with the access token;
//! - a Medication that a drug resource references and that is neither contained nor
//!   gathered is read from the `fhirServer` (if it cannot be, the drug is unreadable);
//! - when there is no `fhirServer`, the key is *unavailable*: its kinds of data are to
//!   confirm, never "no record" (see [`Gathered::unavailable`]). Only the Patient is
//!   required: without it, or when the `fhirServer` fails, the call answers 412
//!   `fhir_unavailable`.
//!
//! OperationOutcome entries inside a Bundle are warnings; `trials::fhir` skips them.

use platform::error::ApiError;
use serde_json::{Map, Value, json};

/// Where missing data can be read: a FHIR server's GET (blocking).
pub trait Fetch {
    /// GETs an absolute URL as JSON.
    fn get(&mut self, url: &str) -> Result<Value, String>;
}

/// The FHIR server of the request, with its base URL.
pub struct Source<'a> {
    /// Base URL, without a trailing slash.
    pub base: &'a str,
    /// The client.
    pub fetch: &'a mut dyn Fetch,
}

fn unavailable(message: String) -> ApiError {
    ApiError::FhirUnavailable(message)
}

fn malformed(key: &str, message: &str) -> ApiError {
    ApiError::MalformedJson {
        path: format!("$.prefetch.{key}"),
        message: message.into(),
    }
}

fn resource_type(v: &Value) -> Option<&str> {
    v.get("resourceType").and_then(Value::as_str)
}

/// What one call's prefetch and FHIR reads gave.
#[derive(Debug)]
pub struct Gathered {
    /// Every resource, as one Bundle (the Patient first).
    pub bundle: Value,
    /// Prefetch keys that could not be had (absent or an OperationOutcome, and no
    /// `fhirServer` to read them from).
    pub unavailable: Vec<&'static str>,
}

/// Gathers every key's resources into one Bundle (the Patient first). `max` caps the
/// resources read (prefetch included).
pub fn gather(
    prefetch: &Map<String, Value>,
    patient_id: &str,
    mut source: Option<Source<'_>>,
    need: &trials::ObservationNeed,
    max: usize,
) -> Result<Gathered, ApiError> {
    let mut entries: Vec<Value> = Vec::new();
    let mut missing: Vec<&'static str> = Vec::new();
    for (key, template) in crate::cds::discovery::PREFETCH {
        if key != "patient" && prefetch.get(key).is_some_and(Value::is_null) {
            // No data for this key.
            continue;
        }
        let sent = prefetch
            .get(key)
            .filter(|v| !v.is_null() && resource_type(v) != Some("OperationOutcome"));
        let value = match sent {
            Some(v) => v.clone(),
            None => {
                let Some(src) = source.as_mut() else {
                    if key == "patient" {
                        return Err(unavailable(
                            "prefetch `patient` is missing and the request has no fhirServer"
                                .into(),
                        ));
                    }
                    missing.push(key);
                    continue;
                };
                if key == "observations" {
                    // Only what the recruiting trials can read (`search`), every page.
                    let queries =
                        crate::cds::search::observation_queries(src.base, patient_id, need);
                    search_observations(&queries, &mut source, &mut entries, max)?;
                    continue;
                }
                let url = format!(
                    "{}/{}",
                    src.base,
                    template.replace("{{context.patientId}}", &encode(patient_id))
                );
                let v = src.fetch.get(&url).map_err(|e| {
                    unavailable(format!("reading `{key}` from the fhirServer: {e}"))
                })?;
                if resource_type(&v) == Some("OperationOutcome") {
                    return Err(unavailable(format!(
                        "the fhirServer answered `{key}` with an OperationOutcome"
                    )));
                }
                v
            }
        };
        match resource_type(&value) {
            Some("Bundle") => read_pages(key, value, &mut source, &mut entries, max)?,
            Some("Patient") if key == "patient" => entries.push(json!({ "resource": value })),
            _ => {
                return Err(malformed(
                    key,
                    "must be a FHIR Bundle (or the Patient), an OperationOutcome or null",
                ));
            }
        }
        if entries.len() > max {
            return Err(unavailable(format!(
                "more than {max} resources for one call"
            )));
        }
    }
    if let Some(src) = source.as_mut() {
        fetch_medications(&mut entries, src, max)?;
    }
    let Some(first) = entries
        .first()
        .filter(|e| resource_type(&e["resource"]) == Some("Patient"))
    else {
        return Err(unavailable("no Patient resource under `patient`".into()));
    };
    if first["resource"]
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|id| id != patient_id)
    {
        return Err(unavailable(
            "the Patient under `patient` is not the patient of `context.patientId`".into(),
        ));
    }
    Ok(Gathered {
        bundle: json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }),
        unavailable: missing,
    })
}

/// Reads from the FHIR server the Medications that drug resources point at
/// (`medicationReference`) and that are neither contained nor gathered: without them the
/// drug has no code. Only relative `Medication/{id}` references are read (the token goes
/// to the `fhirServer` only).
fn fetch_medications(
    entries: &mut Vec<Value>,
    src: &mut Source<'_>,
    max: usize,
) -> Result<(), ApiError> {
    let have: Vec<String> = entries
        .iter()
        .filter(|e| resource_type(&e["resource"]) == Some("Medication"))
        .filter_map(|e| e["resource"].get("id").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let mut wanted: Vec<String> = Vec::new();
    for e in entries.iter() {
        let r = &e["resource"];
        if !matches!(
            resource_type(r),
            Some(
                "MedicationRequest"
                    | "MedicationStatement"
                    | "MedicationDispense"
                    | "MedicationAdministration"
            )
        ) {
            continue;
        }
        let Some(id) = r
            .get("medicationReference")
            .and_then(|m| m.get("reference"))
            .and_then(Value::as_str)
            .and_then(|m| m.trim().strip_prefix("Medication/"))
        else {
            continue;
        };
        if !id.is_empty() && !have.iter().any(|h| h == id) && !wanted.iter().any(|w| w == id) {
            wanted.push(id.to_string());
        }
    }
    for id in wanted {
        if entries.len() >= max {
            return Err(unavailable(format!(
                "more than {max} resources for one call"
            )));
        }
        let url = format!("{}/Medication/{}", src.base, encode(&id));
        // A Medication that cannot be read leaves its drug without a code: unreadable, so
        // to confirm, not a failed call.
        if let Ok(medication) = src.fetch.get(&url)
            && resource_type(&medication) == Some("Medication")
        {
            entries.push(json!({ "fullUrl": url, "resource": medication }));
        }
    }
    Ok(())
}

/// Runs the observation searches, each with its pages, keeping each Observation once (the
/// social-history search and a code search may both find one).
fn search_observations(
    queries: &[String],
    source: &mut Option<Source<'_>>,
    entries: &mut Vec<Value>,
    max: usize,
) -> Result<(), ApiError> {
    let key = "observations";
    let mut found: Vec<Value> = Vec::new();
    for url in queries {
        let Some(src) = source.as_mut() else {
            return Ok(());
        };
        let v = src
            .fetch
            .get(url)
            .map_err(|e| unavailable(format!("reading `{key}` from the fhirServer: {e}")))?;
        match resource_type(&v) {
            Some("Bundle") => {}
            Some("OperationOutcome") => {
                return Err(unavailable(format!(
                    "the fhirServer answered `{key}` with an OperationOutcome"
                )));
            }
            _ => return Err(unavailable(format!("`{key}` is not a Bundle"))),
        }
        read_pages(
            key,
            v,
            source,
            &mut found,
            max.saturating_sub(entries.len()),
        )?;
    }
    let mut ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for entry in found {
        let r = &entry["resource"];
        let id = (resource_type(r) == Some("Observation"))
            .then(|| r.get("id").and_then(Value::as_str))
            .flatten();
        if id.is_none_or(|id| ids.insert(id.to_string())) {
            entries.push(entry);
        }
    }
    Ok(())
}

/// Appends a Bundle's entries, following its `next` links from the FHIR server.
fn read_pages(
    key: &str,
    mut page: Value,
    source: &mut Option<Source<'_>>,
    entries: &mut Vec<Value>,
    max: usize,
) -> Result<(), ApiError> {
    loop {
        match page.get_mut("entry").map(Value::take) {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => entries.extend(list),
            Some(_) => return Err(malformed(key, "`entry` must be an array")),
        }
        if entries.len() > max {
            return Err(unavailable(format!(
                "more than {max} resources for one call"
            )));
        }
        let Some(next) = next_link(&page) else {
            return Ok(());
        };
        let Some(src) = source.as_mut() else {
            return Err(unavailable(format!(
                "prefetch `{key}` has further pages and the request has no fhirServer"
            )));
        };
        if !next.starts_with(&format!("{}/", src.base))
            && !next.starts_with(&format!("{}?", src.base))
        {
            return Err(unavailable(format!(
                "prefetch `{key}`: the next page is not on the fhirServer"
            )));
        }
        page = src
            .fetch
            .get(&next)
            .map_err(|e| unavailable(format!("reading `{key}`'s next page: {e}")))?;
        if resource_type(&page) != Some("Bundle") {
            return Err(unavailable(format!("`{key}`'s next page is not a Bundle")));
        }
    }
}

/// The `next` link of a Bundle page.
fn next_link(page: &Value) -> Option<String> {
    page.get("link")?
        .as_array()?
        .iter()
        .find(|l| l.get("relation").and_then(Value::as_str) == Some("next"))?
        .get("url")?
        .as_str()
        .map(str::to_string)
}

/// Percent-encodes an id for a URL path or query (FHIR ids are `[A-Za-z0-9\-\.]`, but an
/// EHR may send anything).
pub(crate) fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fake {
        pages: HashMap<String, Value>,
        asked: Vec<String>,
    }

    impl Fetch for Fake {
        fn get(&mut self, url: &str) -> Result<Value, String> {
            self.asked.push(url.to_string());
            self.pages
                .get(url)
                .cloned()
                .ok_or_else(|| "HTTP 404".into())
        }
    }

    fn patient() -> Value {
        json!({"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-01-01"})
    }

    fn bundle(entries: Vec<Value>) -> Value {
        json!({"resourceType": "Bundle", "type": "searchset",
               "entry": entries.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()})
    }

    fn condition(code: &str) -> Value {
        json!({"resourceType": "Condition", "subject": {"reference": "Patient/p1"},
               "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icpc-2", "code": code}]}})
    }

    fn full() -> Map<String, Value> {
        let mut m = Map::new();
        for (key, _) in crate::cds::discovery::PREFETCH {
            m.insert(key.into(), bundle(vec![]));
        }
        m.insert("patient".into(), patient());
        m
    }

    fn need() -> trials::ObservationNeed {
        trials::ObservationNeed::default()
    }

    fn count(g: &Gathered) -> usize {
        g.bundle["entry"].as_array().unwrap().len()
    }

    #[test]
    fn empty_bundles_mean_no_data() {
        let v = gather(&full(), "p1", None, &need(), 100).unwrap();
        assert_eq!(count(&v), 1);
        assert_eq!(v.bundle["entry"][0]["resource"]["resourceType"], "Patient");
    }

    #[test]
    fn null_is_no_data_and_absent_or_outcome_without_a_server_is_unavailable() {
        let outcome = json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "processing"}]});
        let mut m = full();
        m.insert("conditions".into(), bundle(vec![condition("T90")]));
        m.insert("medications".into(), Value::Null);
        m.remove("immunizations");
        m.insert("allergies".into(), outcome.clone());
        let g = gather(&m, "p1", None, &need(), 100).unwrap();
        assert_eq!(count(&g), 2, "the Patient and the condition");
        assert_eq!(g.unavailable, ["immunizations", "allergies"]);
        // Only the Patient is required.
        for missing in [None, Some(Value::Null), Some(outcome)] {
            let mut m = full();
            match missing {
                None => {
                    m.remove("patient");
                }
                Some(v) => {
                    m.insert("patient".into(), v);
                }
            }
            let err = gather(&m, "p1", None, &need(), 100).unwrap_err();
            assert_eq!(err.code(), "fhir_unavailable");
        }
    }

    #[test]
    fn referenced_medications_are_read_from_the_server() {
        let mut m = full();
        m.insert(
            "medications".into(),
            bundle(vec![
                json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                       "subject": {"reference": "Patient/p1"}, "medicationReference": {"reference": "Medication/lipitor"}}),
                json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                       "subject": {"reference": "Patient/p1"}, "medicationReference": {"reference": "Medication/lipitor"}}),
            ]),
        );
        let mut fake = Fake {
            pages: HashMap::from([(
                "https://ehr/fhir/Medication/lipitor".to_string(),
                json!({"resourceType": "Medication", "id": "lipitor", "code": {"coding": [
                    {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "262095"}]}}),
            )]),
            asked: Vec::new(),
        };
        let g = gather(
            &m,
            "p1",
            Some(Source {
                base: "https://ehr/fhir",
                fetch: &mut fake,
            }),
            &need(),
            100,
        )
        .unwrap();
        assert_eq!(
            fake.asked,
            ["https://ehr/fhir/Medication/lipitor"],
            "read once"
        );
        let c = trials::fhir::bundle_value_to_patient(&g.bundle).unwrap();
        assert_eq!(c.patient.events.len(), 2);
        assert!(c.patient.events.iter().all(|e| e.code == "262095"));
    }

    #[test]
    fn a_patient_other_than_the_context_is_refused() {
        let err = gather(&full(), "p2", None, &need(), 100).unwrap_err();
        assert_eq!(err.code(), "fhir_unavailable");
        assert!(err.to_string().contains("context.patientId"), "{err}");
    }

    #[test]
    fn absent_keys_are_queried_from_the_server() {
        let mut m = full();
        m.remove("conditions");
        m.insert("patient".into(), Value::Null);
        let mut fake = Fake {
            pages: HashMap::from([
                (
                    "https://ehr/fhir/Patient/p%201".to_string(),
                    json!({"resourceType": "Patient", "id": "p 1"}),
                ),
                (
                    "https://ehr/fhir/Condition?patient=p%201".to_string(),
                    bundle(vec![condition("T90")]),
                ),
            ]),
            asked: Vec::new(),
        };
        let v = gather(
            &m,
            "p 1",
            Some(Source {
                base: "https://ehr/fhir",
                fetch: &mut fake,
            }),
            &need(),
            100,
        )
        .unwrap();
        assert_eq!(count(&v), 2);
        assert_eq!(fake.asked.len(), 2);
    }

    #[test]
    fn next_links_are_followed_on_the_server_only() {
        let mut m = full();
        let mut first = bundle(vec![condition("T90")]);
        first["link"] = json!([{"relation": "next", "url": "https://ehr/fhir?page=2"}]);
        m.insert("conditions".into(), first.clone());
        let mut fake = Fake {
            pages: HashMap::from([(
                "https://ehr/fhir?page=2".to_string(),
                bundle(vec![condition("K86")]),
            )]),
            asked: Vec::new(),
        };
        let v = gather(
            &m,
            "p1",
            Some(Source {
                base: "https://ehr/fhir",
                fetch: &mut fake,
            }),
            &need(),
            100,
        )
        .unwrap();
        assert_eq!(count(&v), 3);
        assert_eq!(
            gather(&m, "p1", None, &need(), 100).unwrap_err().code(),
            "fhir_unavailable"
        );
        first["link"] = json!([{"relation": "next", "url": "https://elsewhere/fhir?page=2"}]);
        m.insert("conditions".into(), first);
        let err = gather(
            &m,
            "p1",
            Some(Source {
                base: "https://ehr/fhir",
                fetch: &mut fake,
            }),
            &need(),
            100,
        )
        .unwrap_err();
        assert_eq!(err.code(), "fhir_unavailable");
        assert_eq!(fake.asked.len(), 1, "nothing sent elsewhere");
    }

    #[test]
    fn wrong_shapes_are_400_and_too_much_is_412() {
        let mut m = full();
        m.insert("conditions".into(), json!([1]));
        assert_eq!(
            gather(&m, "p1", None, &need(), 100).unwrap_err().code(),
            "malformed_json"
        );
        let mut m = full();
        m.insert(
            "conditions".into(),
            bundle((0..20).map(|_| condition("T90")).collect()),
        );
        assert_eq!(
            gather(&m, "p1", None, &need(), 10).unwrap_err().code(),
            "fhir_unavailable"
        );
    }
}
