//! A registered trial as FHIR R4: a `ResearchStudy` whose `enrollment` is a contained,
//! best-effort `Group` (`type: person`, `actual: false`) of the criteria. Pure mapping.
//!
//! - **Status.** Only a recruiting trial is `active` (so only it drives cards): `draft` and
//!   `submitted` → `in-review`, `approved` → `approved`, `paused` →
//!   `temporarily-closed-to-accrual`, `closed` → `closed-to-accrual`.
//! - **Criteria.** Group characteristics are all required together, so what they can say is
//!   limited: each top-level inclusion leaf becomes a characteristic (`exclude: false`), each
//!   exclusion leaf one with `exclude: true`; `all` groups are flattened and `not` flips
//!   `exclude`. What cannot be expressed (`any`, `at_least`, time windows relative to the
//!   consultation, occurrence counts, aggregates, strict bounds, what missing data means) is
//!   listed in `ResearchStudy.note`, never silently dropped.

use serde_json::{Value, json};
use trials::criteria::{AgeUnit, ValueTest};
use trials::{Criterion, Node, Trial};

/// The ResearchStudy status for a lifecycle status.
pub fn status(lifecycle: &str) -> &'static str {
    match lifecycle {
        "recruiting" => "active",
        "approved" => "approved",
        "paused" => "temporarily-closed-to-accrual",
        "closed" => "closed-to-accrual",
        _ => "in-review",
    }
}

/// What the ResearchStudy is built from.
pub struct StudyInput<'a> {
    /// Registry id.
    pub id: uuid::Uuid,
    /// The definition id.
    pub slug: &'a str,
    /// Lifecycle status.
    pub status: &'a str,
    /// Title.
    pub title: &'a str,
    /// Acronym.
    pub acronym: Option<&'a str>,
    /// NCT, EU CT or EudraCT number.
    pub registry_number: Option<&'a str>,
    /// Recruitment window.
    pub start: Option<chrono::NaiveDate>,
    /// Recruitment window.
    pub end: Option<chrono::NaiveDate>,
    /// The criteria.
    pub trial: &'a Trial,
}

/// The ResearchStudy with its contained Group.
pub fn research_study(input: &StudyInput<'_>) -> Value {
    let mut notes = Vec::new();
    let group = group(input.trial, &mut notes);
    let mut identifiers =
        vec![json!({"system": "https://inclusio.health/fhir/trial", "value": input.slug})];
    if let Some(n) = input.registry_number.filter(|n| !n.trim().is_empty()) {
        let system = if n.starts_with("NCT") {
            "http://clinicaltrials.gov"
        } else {
            "https://euclinicaltrials.eu"
        };
        identifiers.push(json!({"system": system, "value": n}));
    }
    let mut study = json!({
        "resourceType": "ResearchStudy",
        "id": input.id.to_string(),
        "identifier": identifiers,
        "title": match input.acronym.filter(|a| !a.trim().is_empty()) {
            Some(a) => format!("{a}: {}", input.title),
            None => input.title.to_string(),
        },
        "status": status(input.status),
        "contained": [group],
        "enrollment": [{"reference": "#criteria"}],
    });
    if let Some(summary) = input
        .trial
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        study["description"] = json!(summary);
    }
    let mut period = serde_json::Map::new();
    if let Some(s) = input.start {
        period.insert("start".into(), json!(s.to_string()));
    }
    if let Some(e) = input.end {
        period.insert("end".into(), json!(e.to_string()));
    }
    if !period.is_empty() {
        study["period"] = Value::Object(period);
    }
    if !notes.is_empty() {
        study["note"] = Value::Array(notes.into_iter().map(|t| json!({"text": t})).collect());
    }
    study
}

/// The contained Group; what it cannot express goes to `notes`.
fn group(trial: &Trial, notes: &mut Vec<String>) -> Value {
    let mut characteristics = Vec::new();
    for (list, exclude) in [
        (&trial.criteria.inclusion, false),
        (&trial.criteria.exclusion, true),
    ] {
        for c in list {
            leaf(trial, c, exclude, &mut characteristics, notes);
        }
    }
    let mut group = json!({
        "resourceType": "Group",
        "id": "criteria",
        "type": "person",
        "actual": false,
        "name": format!("Eligibility criteria of {} (version {})", trial.id, trial.version),
    });
    if !characteristics.is_empty() {
        group["characteristic"] = Value::Array(characteristics);
    }
    group
}

fn note(c: &Criterion, what: &str) -> String {
    format!("criterion `{}`: {what}", c.id)
}

fn leaf(
    trial: &Trial,
    c: &Criterion,
    exclude: bool,
    out: &mut Vec<Value>,
    notes: &mut Vec<String>,
) {
    let push = |out: &mut Vec<Value>, code: Value, value: (&str, Value)| {
        let mut ch = json!({"code": code, "exclude": exclude});
        ch[value.0] = value.1;
        out.push(ch);
    };
    match &c.node {
        Node::All(children) => {
            for child in children {
                leaf(trial, child, exclude, out, notes);
            }
        }
        Node::Not(child) => leaf(trial, child, !exclude, out, notes),
        Node::Any(_) => notes.push(note(
            c,
            "a choice between alternatives (`any`) is not expressible in a Group; left out",
        )),
        Node::AtLeast(_) => notes.push(note(
            c,
            "`at_least` is not expressible in a Group; left out",
        )),
        Node::Age(a) => {
            let unit = match a.unit {
                AgeUnit::Years => ("a", "years"),
                AgeUnit::Months => ("mo", "months"),
            };
            let q = |v: u32| json!({"value": v, "unit": unit.1, "system": "http://unitsofmeasure.org", "code": unit.0});
            let mut range = serde_json::Map::new();
            if let Some(min) = a.min {
                range.insert("low".into(), q(min));
            }
            if let Some(max) = a.max {
                range.insert("high".into(), q(max));
            }
            push(
                out,
                concept(
                    "http://snomed.info/sct",
                    "424144002",
                    "Current chronological age",
                ),
                ("valueRange", Value::Object(range)),
            );
        }
        Node::Sex(s) => {
            let code = serde_json::to_value(s.is)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            push(
                out,
                concept("http://snomed.info/sct", "263495000", "Gender"),
                (
                    "valueCodeableConcept",
                    json!({"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": code}]}),
                ),
            );
        }
        Node::Event(kind, test) => {
            let Some(codes) = codings(trial, &test.codes) else {
                notes.push(note(c, "its code set could not be resolved; left out"));
                return;
            };
            let kind_name = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            // "None in the window" is a requirement of absence: it flips `exclude`.
            let none = test.count.is_some_and(|n| n.max == Some(0));
            let mut ch = json!({"code": {"text": kind_name}, "valueCodeableConcept": {"coding": codes}, "exclude": exclude != none});
            if !test.window.is_ever() {
                notes.push(note(c, "its time window is relative to the consultation; the characteristic has no period"));
            }
            if test
                .count
                .is_some_and(|n| n.max != Some(0) || n.min.is_some_and(|m| m > 1))
                || test.first
            {
                notes.push(note(c, "occurrence counts and `first` are not expressible; only the codes are exported"));
            }
            ch["code"] = json!({"text": kind_name});
            out.push(ch);
        }
        Node::Observation(o) => {
            let Some(codes) = codings(trial, &o.codes) else {
                notes.push(note(c, "its code set could not be resolved; left out"));
                return;
            };
            match value(&o.value) {
                Some(v) => push(out, json!({"coding": codes}), v),
                None => notes.push(note(c, "its value test is not expressible; left out")),
            }
            if !o.window.is_ever() {
                notes.push(note(c, "its time window is relative to the consultation; the characteristic has no period"));
            }
        }
        Node::Bmi(b) => match value(&b.value) {
            Some(v) => push(
                out,
                concept(
                    "http://loinc.org",
                    "39156-5",
                    "Body mass index (BMI) [Ratio]",
                ),
                v,
            ),
            None => notes.push(note(c, "its value test is not expressible; left out")),
        },
    }
    if matches!(&c.node, Node::Observation(o) if o.value.gt.is_some() || o.value.lt.is_some())
        || matches!(&c.node, Node::Bmi(b) if b.value.gt.is_some() || b.value.lt.is_some())
    {
        notes.push(note(
            c,
            "strict bounds (`gt`, `lt`) are exported as inclusive Range ends",
        ));
    }
}

fn concept(system: &str, code: &str, display: &str) -> Value {
    json!({"coding": [{"system": system, "code": code, "display": display}]})
}

/// A value test as `valueQuantity` (`eq`) or `valueRange`.
fn value(v: &ValueTest) -> Option<(&'static str, Value)> {
    let q = |x: f64| {
        let mut q = json!({"value": x});
        if let Some(u) = &v.unit {
            q["unit"] = json!(u);
            q["system"] = json!("http://unitsofmeasure.org");
            q["code"] = json!(u);
        }
        q
    };
    if let Some(eq) = v.eq {
        return Some(("valueQuantity", q(eq)));
    }
    let mut range = serde_json::Map::new();
    if let Some(low) = v.gte.or(v.gt) {
        range.insert("low".into(), q(low));
    }
    if let Some(high) = v.lte.or(v.lt) {
        range.insert("high".into(), q(high));
    }
    (!range.is_empty()).then_some(("valueRange", Value::Object(range)))
}

/// The included codes of a leaf as codings (canonical system URIs).
fn codings(trial: &Trial, codes: &trials::criteria::Codes) -> Option<Vec<Value>> {
    let set = match codes {
        trials::criteria::Codes::Ref(name) => trial.criteria.code_sets.get(name)?,
        trials::criteria::Codes::Inline(set) => set,
    };
    let list: Vec<Value> = set
        .include
        .iter()
        .map(|e| {
            let system = trials::codes::CodeSystem::from_uri(&e.system)
                .map_or(e.system.as_str(), |s| s.uri());
            let mut coding = json!({"system": system, "code": e.code});
            if let Some(d) = e.display.as_deref().filter(|d| !d.trim().is_empty()) {
                coding["display"] = json!(d);
            }
            coding
        })
        .collect();
    (!list.is_empty()).then_some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> Trial {
        let path = format!(
            "{}/../trials/examples/trials/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn study(trial: &Trial, status: &str) -> Value {
        research_study(&StudyInput {
            id: uuid::Uuid::nil(),
            slug: &trial.id,
            status,
            title: &trial.title,
            acronym: None,
            registry_number: Some("NCT01234567"),
            start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            end: None,
            trial,
        })
    }

    #[test]
    fn only_recruiting_is_active() {
        for (lifecycle, fhir) in [
            ("draft", "in-review"),
            ("submitted", "in-review"),
            ("approved", "approved"),
            ("recruiting", "active"),
            ("paused", "temporarily-closed-to-accrual"),
            ("closed", "closed-to-accrual"),
        ] {
            assert_eq!(status(lifecycle), fhir);
        }
    }

    #[test]
    fn every_example_exports_with_characteristics_and_notes() {
        let dir = format!("{}/../trials/examples/trials", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry
                .unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let v = study(&example(&name), "recruiting");
            let group = &v["contained"][0];
            assert_eq!(
                (group["type"].as_str(), group["actual"].as_bool()),
                (Some("person"), Some(false)),
                "{name}"
            );
            assert_eq!(v["enrollment"][0]["reference"], "#criteria");
            for ch in group["characteristic"].as_array().unwrap() {
                assert!(
                    ch["code"].is_object() && ch["exclude"].is_boolean(),
                    "{name}: {ch}"
                );
                assert!(
                    ["valueCodeableConcept", "valueRange", "valueQuantity"]
                        .iter()
                        .any(|k| ch.get(k).is_some()),
                    "{name}: {ch}"
                );
            }
        }
    }

    #[test]
    fn exclusions_and_absence_requirements_are_excluded() {
        let v = study(&example("influenza-vaccine-65"), "recruiting");
        let chars = v["contained"][0]["characteristic"].as_array().unwrap();
        // Age ≥ 65 included; no influenza vaccine in 12 months → excluded codes; exclusions excluded.
        assert_eq!(chars[0]["valueRange"]["low"]["value"], 65);
        assert_eq!(chars[0]["exclude"], false);
        assert_eq!(chars[1]["exclude"], true, "{}", chars[1]);
        assert!(chars[2..].iter().all(|c| c["exclude"] == true));
        assert!(
            v["note"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["text"].as_str().unwrap().contains("window"))
        );
        assert_eq!(v["identifier"][1]["system"], "http://clinicaltrials.gov");
    }
}
