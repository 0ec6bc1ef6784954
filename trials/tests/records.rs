//! Real-shaped FHIR R4 records: the corpus under `tests/records/`, written from the
//! published US Core, FR Core and IPS profiles and their example instances (each file names
//! its source), read through [`trials::fhir`] and evaluated against the nine trials of
//! `tests/records/trials/`. Each record says the verdict, and the truth of the criteria
//! that matter, for the trials it is meant to test; `tests/records/README.md` lists them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod common;

use common::{find, json_files};

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use trials::{Locale, Trial, TrialIndex, TrialResult, Truth, Verdict};

/// One record file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    name: String,
    source: String,
    reference_date: NaiveDate,
    bundle: Value,
    expect: BTreeMap<String, Expect>,
}

/// What one trial must give for the record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    verdict: Verdict,
    #[serde(default)]
    criteria: BTreeMap<String, Truth>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/records")
}

fn trials() -> Vec<Trial> {
    json_files(&dir().join("trials"))
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            Trial::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect()
}

fn explained(r: &TrialResult) -> String {
    let e = r.explain(Locale::En);
    let mut out = format!("    {}\n", e.verdict);
    for line in e.inclusion.iter().chain(&e.exclusion) {
        let _ = writeln!(
            out,
            "      {}[{}] {:?}: {}",
            "  ".repeat(line.depth),
            line.id,
            line.truth,
            line.text
        );
    }
    out
}

#[test]
fn the_nine_trials_validate() {
    let trials = trials();
    assert_eq!(trials.len(), 9);
    TrialIndex::new(trials).unwrap();
}

#[test]
fn real_shaped_records_give_the_expected_verdicts() {
    let index = TrialIndex::new(trials()).unwrap();
    let records = json_files(&dir());
    assert!(records.len() >= 60, "{} records", records.len());
    let mut failures = String::new();
    let mut checked = 0;
    for path in &records {
        let text = std::fs::read_to_string(path).unwrap();
        let record: Record =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            !record.source.trim().is_empty(),
            "{}: no source",
            path.display()
        );
        let conversion = trials::fhir::bundle_value_to_patient(&record.bundle)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let date = record.reference_date;
        let listed: BTreeMap<String, Verdict> = index
            .matches(&conversion.patient, date)
            .into_iter()
            .map(|r| (r.trial_id, r.verdict))
            .collect();
        let mut problems = String::new();
        for (trial, want) in &record.expect {
            let Some(got) = index.explain(trial, &conversion.patient, date) else {
                let _ = writeln!(problems, "  - unknown trial `{trial}`");
                continue;
            };
            checked += 1;
            if got.verdict != want.verdict {
                let _ = writeln!(
                    problems,
                    "  - {trial}: verdict {:?}, expected {:?}",
                    got.verdict, want.verdict
                );
            }
            for (id, truth) in &want.criteria {
                let found = find(&got.inclusion, id).or_else(|| find(&got.exclusion, id));
                match found {
                    Some(c) if c.truth == *truth => {}
                    Some(c) => {
                        let _ = writeln!(
                            problems,
                            "  - {trial}: `{id}` is {:?}, expected {truth:?}",
                            c.truth
                        );
                    }
                    None => {
                        let _ = writeln!(problems, "  - {trial}: no criterion `{id}`");
                    }
                }
            }
            // The index lists the trial exactly when it is not ineligible.
            let in_index = listed.get(trial.as_str()).copied();
            let expected = (got.verdict != Verdict::Ineligible).then_some(got.verdict);
            if in_index != expected {
                let _ = writeln!(problems, "  - {trial}: index gives {in_index:?}");
            }
            if !problems.is_empty() {
                problems.push_str(&explained(&got));
            }
        }
        if !problems.is_empty() {
            let _ = writeln!(failures, "[{}] {}\n{problems}", record.name, path.display());
        }
    }
    assert!(checked >= 60, "only {checked} expectations");
    assert!(failures.is_empty(), "{failures}");
}

/// A record's conversion names no patient value in what it reports as skipped.
#[test]
fn skipped_entries_carry_no_patient_value() {
    for path in json_files(&dir()) {
        let text = std::fs::read_to_string(&path).unwrap();
        let record: Record = serde_json::from_str(&text).unwrap();
        let conversion = trials::fhir::bundle_value_to_patient(&record.bundle).unwrap();
        let values: Vec<String> = conversion
            .patient
            .observations
            .iter()
            .map(|o| o.value.to_string())
            .filter(|v| v.len() > 2)
            .collect();
        for s in &conversion.skipped {
            let line = s.to_string();
            for v in &values {
                assert!(
                    !line.contains(v.as_str()),
                    "{}: `{line}` holds {v}",
                    path.display()
                );
            }
        }
    }
}
