//! Alerts for the fifteen example patients against the example trials match their expected
//! verdicts, ranked, with evidence in both languages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::wire::Site;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn examples(dir: &str) -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../trials/examples")
        .join(dir);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

pub(crate) fn example_bundle() -> Bundle {
    let trials = examples("trials")
        .into_iter()
        .enumerate()
        .map(|(i, (_, json))| {
            let definition = trials::Trial::from_json(&json).unwrap();
            BundleTrial {
                id: Uuid::from_u128(i as u128 + 1),
                trial_id: definition.id.clone(),
                version: 7,
                title: definition.title.clone(),
                acronym: None,
                summary: definition.summary.clone(),
                definition,
                sites: vec![],
            }
        })
        .collect();
    Bundle {
        version: "v1".into(),
        trials,
    }
}

fn expected(json: &str) -> (NaiveDate, BTreeMap<String, AlertVerdict>) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let e = &v["_expected"];
    let date = e["reference_date"].as_str().unwrap().parse().unwrap();
    let matches = e["matches"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::from_value(v.clone()).unwrap()))
        .collect();
    (date, matches)
}

#[test]
fn example_patients_get_their_expected_alerts() {
    let bundle = example_bundle();
    let matcher = Matcher::new(&bundle);
    assert_eq!(
        matcher.len(),
        bundle.trials.len(),
        "{:?}",
        matcher.skipped()
    );
    let all = Rules {
        max_alerts: 100,
        alerts_per_patient_per_day: 100,
        ..Rules::default()
    };
    let patients = examples("patients");
    assert_eq!(patients.len(), 15);
    let mut ids = 0u128;
    for (name, json) in patients {
        let patient = Patient::from_json(&json).unwrap();
        let (date, expected) = expected(&json);
        let alerts = matcher.alerts(&all, &History::default(), "p", &patient, date, || {
            ids += 1;
            Uuid::from_u128(ids)
        });
        let got: BTreeMap<String, AlertVerdict> = alerts
            .iter()
            .map(|a| (a.trial_id.clone(), a.verdict))
            .collect();
        assert_eq!(got, expected, "{name}");
        // Eligible first.
        assert!(
            alerts.windows(2).all(|w| w[0].verdict <= w[1].verdict),
            "{name}"
        );
        for a in &alerts {
            assert_eq!(a.trial_version, 7);
            if a.verdict == AlertVerdict::Eligible {
                assert!(!a.reasons.is_empty(), "{name}: {}", a.trial_id);
            }
            assert_eq!(
                a.to_confirm.is_empty(),
                a.verdict == AlertVerdict::Eligible,
                "{name}: {}",
                a.trial_id
            );
            for t in a.reasons.iter().chain(&a.to_confirm) {
                assert!(!t.en.is_empty() && !t.fr.is_empty());
            }
        }
        // Default rules: at most one, the best.
        let one = matcher.alerts(
            &Rules::default(),
            &History::default(),
            "p",
            &patient,
            date,
            Uuid::nil,
        );
        assert_eq!(one.len(), alerts.len().min(1), "{name}");
        if let (Some(a), Some(b)) = (one.first(), alerts.first()) {
            assert_eq!(a.trial, b.trial);
        }
    }
}

#[test]
fn evidence_names_the_values() {
    let bundle = example_bundle();
    let matcher = Matcher::new(&bundle);
    let json = examples("patients")
        .into_iter()
        .find(|(n, _)| n == "dupont-jean")
        .unwrap()
        .1;
    let patient = Patient::from_json(&json).unwrap();
    let rules = Rules {
        max_alerts: 10,
        alerts_per_patient_per_day: 10,
        ..Rules::default()
    };
    let date = "2026-11-23".parse().unwrap();
    let alerts = matcher.alerts(&rules, &History::default(), "p", &patient, date, Uuid::nil);
    let diabetes = alerts
        .iter()
        .find(|a| a.trial_id == "diabetes-t2-hba1c")
        .unwrap();
    assert!(
        diabetes
            .reasons
            .iter()
            .any(|t| t.en.contains("HbA1c") && t.fr.contains("HbA1c")),
        "{:?}",
        diabetes.reasons
    );
}

#[test]
fn an_invalid_trial_is_skipped_not_fatal() {
    let mut bundle = example_bundle();
    let mut broken = bundle.trials[0].clone();
    broken.id = Uuid::from_u128(999);
    broken.definition.id = "broken".into();
    broken.definition.criteria.inclusion.clear();
    bundle.trials.push(broken);
    let matcher = Matcher::new(&bundle);
    assert_eq!(matcher.skipped(), ["broken".to_string()]);
    assert_eq!(matcher.len(), bundle.trials.len() - 1);
}

#[test]
fn alerts_and_bundles_round_trip_as_json() {
    let bundle = example_bundle();
    let mut with_site = bundle.clone();
    with_site.trials[0].sites.push(Site {
        id: Uuid::from_u128(5),
        name: "CHU".into(),
        latitude: Some(45.0),
        longitude: None,
    });
    for b in [&bundle, &with_site] {
        let json = serde_json::to_string(b).unwrap();
        assert_eq!(&serde_json::from_str::<Bundle>(&json).unwrap(), b);
    }
    // `sites` defaults to empty when the server sends none.
    let mut v = serde_json::to_value(&bundle).unwrap();
    v["trials"][0].as_object_mut().unwrap().remove("sites");
    let back: Bundle = serde_json::from_value(v).unwrap();
    assert!(back.trials[0].sites.is_empty());

    let matcher = Matcher::new(&bundle);
    let json = examples("patients")
        .into_iter()
        .find(|(n, _)| n == "dupont-jean")
        .unwrap()
        .1;
    let patient = Patient::from_json(&json).unwrap();
    let date = "2026-11-23".parse().unwrap();
    for a in matcher.alerts(
        &Rules::default(),
        &History::default(),
        "p",
        &patient,
        date,
        Uuid::nil,
    ) {
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["verdict"], "eligible");
        assert_eq!(serde_json::from_value::<Alert>(json).unwrap(), a);
    }
}
