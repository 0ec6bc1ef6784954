//! Data-driven evaluation cases.
//!
//! Every file of `tests/cases/` holds a trial, a patient, a reference date and what the
//! evaluation must give: the verdict, the truth of named criteria (searched at any depth),
//! sentences of the English and French explanations, and the criteria to confirm. A trial
//! or a patient may be written in place or as `{"file": "examples/trials/x.json"}`, a path
//! from the crate root. Each case is also run through a [`TrialIndex`], which must agree.
//! The format is described in `trials/README.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod common;

use common::{find, json_files};

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use trials::criteria::Aggregate;
use trials::explain::Explanation;
use trials::{EventKind, Locale, Node, Patient, Trial, TrialIndex, TrialResult, Truth, Verdict};

/// One case file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    reference_date: NaiveDate,
    trial: Value,
    patient: Value,
    expect: Expect,
}

/// What the evaluation must give.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    verdict: Verdict,
    #[serde(default)]
    criteria: BTreeMap<String, Truth>,
    #[serde(default)]
    explanation_en: Vec<String>,
    #[serde(default)]
    explanation_fr: Vec<String>,
    #[serde(default)]
    to_confirm: Option<Vec<String>>,
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The JSON text of a trial or patient written in place, or of the file it refers to.
fn resolve(value: &Value) -> Result<String, String> {
    if let Some(obj) = value.as_object()
        && obj.len() == 1
        && let Some(file) = obj.get("file")
    {
        let file = file.as_str().ok_or("`file` must be a string")?;
        let path = crate_root().join(file);
        return std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()));
    }
    Ok(value.to_string())
}

/// Every sentence of an explanation: the verdict, each line, each criterion to confirm.
fn sentences(e: &Explanation) -> Vec<&str> {
    let mut out = vec![e.verdict.as_str()];
    out.extend(e.inclusion.iter().map(|l| l.text.as_str()));
    out.extend(e.exclusion.iter().map(|l| l.text.as_str()));
    out.extend(e.to_confirm.iter().map(String::as_str));
    out
}

fn render(e: &Explanation) -> String {
    let mut s = format!("  verdict: {}\n", e.verdict);
    for (title, lines) in [("inclusion", &e.inclusion), ("exclusion", &e.exclusion)] {
        let _ = writeln!(s, "  {title}:");
        for l in lines {
            let _ = writeln!(
                s,
                "    {}[{}] {:?}: {}",
                "  ".repeat(l.depth),
                l.id,
                l.truth,
                l.text
            );
        }
    }
    if !e.to_confirm.is_empty() {
        let _ = writeln!(s, "  to confirm:");
        for t in &e.to_confirm {
            let _ = writeln!(s, "    {t}");
        }
    }
    s
}

/// Runs one case; returns the problems found, with the explanations when there are any.
fn run(path: &Path) -> Result<(), String> {
    let text = read(path);
    let case: Case = serde_json::from_str(&text).map_err(|e| format!("bad case file: {e}"))?;
    let trial = Trial::from_json(&resolve(&case.trial)?).map_err(|e| format!("trial: {e}"))?;
    let patient =
        Patient::from_json(&resolve(&case.patient)?).map_err(|e| format!("patient: {e}"))?;
    let date = case.reference_date;
    let result = trials::evaluate(&trial, &patient, date)
        .map_err(|e| format!("[{}] trial does not validate: {e:?}", case.name))?;
    let mut problems = Vec::new();
    let exp = &case.expect;

    if result.verdict != exp.verdict {
        problems.push(format!(
            "verdict {:?}, expected {:?}",
            result.verdict, exp.verdict
        ));
    }
    for (id, want) in &exp.criteria {
        match find(&result.inclusion, id).or_else(|| find(&result.exclusion, id)) {
            None => problems.push(format!("no criterion `{id}` in the result")),
            Some(c) if c.truth != *want => {
                problems.push(format!(
                    "criterion `{id}` is {:?}, expected {want:?}",
                    c.truth
                ));
            }
            Some(_) => {}
        }
    }
    let en = result.explain(Locale::En);
    let fr = result.explain(Locale::Fr);
    for (locale, explanation, wanted) in [
        ("en", &en, &exp.explanation_en),
        ("fr", &fr, &exp.explanation_fr),
    ] {
        let have = sentences(explanation);
        for w in wanted {
            if !have.contains(&w.as_str()) {
                problems.push(format!("{locale} explanation lacks the sentence {w:?}"));
            }
        }
    }
    if let Some(want) = &exp.to_confirm {
        let have: Vec<&str> = result
            .to_confirm_leaves()
            .into_iter()
            .map(|(_, c)| c.id.as_str())
            .collect();
        if have != want.iter().map(String::as_str).collect::<Vec<_>>() {
            problems.push(format!("to confirm {have:?}, expected {want:?}"));
        }
    }
    problems.extend(index_agrees(&trial, &patient, date, &result));

    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "[{}] {}\n  - {}\nEnglish explanation:\n{}French explanation:\n{}",
        case.name,
        path.display(),
        problems.join("\n  - "),
        render(&en),
        render(&fr)
    ))
}

/// The trial index, its plain reference evaluation and `explain` agree with `evaluate`.
fn index_agrees(
    trial: &Trial,
    patient: &Patient,
    date: NaiveDate,
    result: &TrialResult,
) -> Vec<String> {
    let mut problems = Vec::new();
    let index = match TrialIndex::new(vec![trial.clone()]) {
        Ok(index) => index,
        Err(e) => return vec![format!("index refuses the trial: {e}")],
    };
    let matches = index.matches(patient, date);
    let listed = matches.iter().find(|r| r.trial_id == trial.id);
    match (result.verdict, listed) {
        (Verdict::Ineligible, Some(r)) => problems.push(format!(
            "index lists the trial ({:?}) though the patient is ineligible",
            r.verdict
        )),
        (Verdict::Ineligible, None) => {}
        (v, None) => problems.push(format!("index does not list the trial ({v:?})")),
        (_, Some(r)) if r != result => {
            problems.push(format!("index result differs: {:?}", r.verdict));
        }
        _ => {}
    }
    if matches.len() > 1 {
        problems.push(format!("index returned {} results", matches.len()));
    }
    let plain = index.evaluate_all(patient, date);
    if plain.first().map(|r| r.verdict) != Some(result.verdict) {
        problems.push(format!(
            "plain evaluation gives {:?}",
            plain.first().map(|r| r.verdict)
        ));
    }
    if index.explain(&trial.id, patient, date).as_ref() != Some(result) {
        problems.push("`explain` differs from `evaluate`".into());
    }
    problems
}

#[test]
fn cases() {
    let files = json_files(&crate_root().join("tests/cases"));
    assert!(
        files.len() >= 40,
        "only {} case files in tests/cases",
        files.len()
    );
    let failures: Vec<String> = files.iter().filter_map(|f| run(f).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn case_names_are_unique() {
    let mut seen = BTreeSet::new();
    for f in json_files(&crate_root().join("tests/cases")) {
        let case: Case = serde_json::from_str(&read(&f))
            .unwrap_or_else(|e| panic!("{}: bad case file: {e}", f.display()));
        assert!(!case.name.trim().is_empty(), "{}: empty name", f.display());
        assert!(
            seen.insert(case.name.clone()),
            "duplicate name {}",
            case.name
        );
    }
}

#[test]
fn example_trials_validate() {
    let files = json_files(&crate_root().join("examples/trials"));
    assert!(files.len() >= 8, "only {} example trials", files.len());
    let mut ids = BTreeSet::new();
    for f in &files {
        let trial = Trial::from_json(&read(f)).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let errors = trials::validate(&trial);
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        assert_eq!(trial.id, stem, "{}: the id is the file name", f.display());
        assert!(
            trial
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}: the id is kebab-case",
            trial.id
        );
        assert!(ids.insert(trial.id.clone()));
        let summary = trial.summary.as_deref().unwrap_or_default();
        assert!(
            !summary.is_empty() && summary.lines().count() <= 2 && summary.chars().count() <= 140,
            "{}: the summary must be at most two short lines (140 characters)",
            trial.id
        );
        for c in trial
            .criteria
            .inclusion
            .iter()
            .chain(&trial.criteria.exclusion)
        {
            c.walk(&mut |c| {
                assert!(c.label.is_some(), "{}: `{}` has no label", trial.id, c.id);
            });
        }
    }
    let index = TrialIndex::new(
        files
            .iter()
            .map(|f| Trial::from_json(&read(f)).expect("parsed above"))
            .collect(),
    )
    .expect("every example trial validates");
    assert_eq!(index.len(), files.len());
}

/// What an example patient file says it matches (`_expected`, ignored by the engine).
#[derive(Debug, Deserialize)]
struct PatientExpectation {
    #[serde(rename = "_expected")]
    expected: Expected,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    reference_date: NaiveDate,
    /// Trial id → verdict, for every trial that is not ineligible.
    matches: BTreeMap<String, Verdict>,
}

/// Every example patient parses and the index over every example trial lists exactly the
/// trials the patient's `_expected.matches` names, with those verdicts; the plain
/// evaluation of every trial agrees with the prefiltered index.
#[test]
fn example_patients_match_what_they_expect() {
    let trials: Vec<Trial> = json_files(&crate_root().join("examples/trials"))
        .iter()
        .map(|f| Trial::from_json(&read(f)).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        .collect();
    let index = TrialIndex::new(trials).expect("every example trial validates");
    let patients = json_files(&crate_root().join("examples/patients"));
    assert!(
        patients.len() >= 10,
        "only {} example patients",
        patients.len()
    );
    let (mut outcomes, mut sizes) = (BTreeSet::new(), BTreeSet::new());
    let mut failures = Vec::new();
    for f in &patients {
        let text = read(f);
        let patient = Patient::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let expectation: PatientExpectation = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: `_expected`: {e}", f.display()));
        let date = expectation.expected.reference_date;
        let listed: BTreeMap<String, Verdict> = index
            .matches(&patient, date)
            .into_iter()
            .map(|r| (r.trial_id, r.verdict))
            .collect();
        let plain: BTreeMap<String, Verdict> = index
            .evaluate_all(&patient, date)
            .into_iter()
            .filter(|r| r.verdict != Verdict::Ineligible)
            .map(|r| (r.trial_id, r.verdict))
            .collect();
        if listed != plain {
            failures.push(format!(
                "{}: index {listed:?} but plain evaluation {plain:?}",
                f.display()
            ));
        }
        if listed != expectation.expected.matches {
            let mut why = String::new();
            for r in index.evaluate_all(&patient, date) {
                let _ = write!(
                    why,
                    "  {} ({:?}):\n{}",
                    r.trial_id,
                    r.verdict,
                    render(&r.explain(Locale::En))
                );
            }
            failures.push(format!(
                "{}: matches {listed:?}, expected {:?}\n{why}",
                f.display(),
                expectation.expected.matches
            ));
        }
        outcomes.extend(listed.values().copied());
        sizes.insert(listed.len().min(2));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Some patient is eligible, some possibly eligible; some match nothing, some two trials.
    assert!(outcomes.contains(&Verdict::Eligible) && outcomes.contains(&Verdict::PossiblyEligible));
    assert!(sizes.contains(&0) && sizes.contains(&2));
}

/// The cases together use every kind of criterion, event kind, aggregate and option.
#[test]
fn cases_cover_the_language() {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for f in json_files(&crate_root().join("tests/cases")) {
        let case: Case = serde_json::from_str(&read(&f)).expect("case file");
        let trial = Trial::from_json(&resolve(&case.trial).expect("trial")).expect("trial");
        for c in trial
            .criteria
            .inclusion
            .iter()
            .chain(&trial.criteria.exclusion)
        {
            c.walk(&mut |c| {
                seen.extend(features(&c.node));
            });
        }
    }
    let mut wanted: Vec<String> = [
        "all",
        "any",
        "at_least",
        "not",
        "age",
        "age:months",
        "age:missing",
        "sex",
        "sex:missing",
        "observation",
        "observation:min_results",
        "observation:missing",
        "bmi",
        "bmi:missing",
        "event:first",
        "event:current",
        "event:count_min",
        "event:count_max",
        "event:missing",
        "window:within",
        "window:from_to",
        "window:to",
        "aggregate:latest",
        "aggregate:any",
        "aggregate:all",
        "aggregate:mean",
        "aggregate:min",
        "aggregate:max",
        "aggregate:share_outside",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    wanted.extend(EventKind::ALL.iter().map(|k| k.key().to_string()));
    let missing: Vec<&String> = wanted.iter().filter(|w| !seen.contains(*w)).collect();
    assert!(missing.is_empty(), "no case uses {missing:?}");
}

fn features(node: &Node) -> Vec<String> {
    let window = |w: &trials::window::Window| {
        let mut v = Vec::new();
        if w.within.is_some() {
            v.push("window:within".to_string());
        }
        if w.from.is_some() && w.to.is_some() {
            v.push("window:from_to".to_string());
        }
        if w.from.is_none() && w.to.is_some() {
            v.push("window:to".to_string());
        }
        v
    };
    let aggregate = |a: &Aggregate| {
        format!(
            "aggregate:{}",
            match a {
                Aggregate::Latest => "latest",
                Aggregate::Any => "any",
                Aggregate::All => "all",
                Aggregate::Mean => "mean",
                Aggregate::Min => "min",
                Aggregate::Max => "max",
                Aggregate::ShareOutside(_) => "share_outside",
            }
        )
    };
    let mut out = Vec::new();
    match node {
        Node::All(_) => out.push("all".into()),
        Node::Any(_) => out.push("any".into()),
        Node::AtLeast(_) => out.push("at_least".into()),
        Node::Not(_) => out.push("not".into()),
        Node::Age(t) => {
            out.push("age".into());
            if t.unit == trials::criteria::AgeUnit::Months {
                out.push("age:months".into());
            }
            if t.missing.is_some() {
                out.push("age:missing".into());
            }
        }
        Node::Sex(t) => {
            out.push("sex".into());
            if t.missing.is_some() {
                out.push("sex:missing".into());
            }
        }
        Node::Event(kind, t) => {
            out.push(kind.key().into());
            out.extend(window(&t.window));
            if t.first {
                out.push("event:first".into());
            }
            if t.current {
                out.push("event:current".into());
            }
            if t.missing.is_some() {
                out.push("event:missing".into());
            }
            if let Some(c) = t.count {
                if c.min.is_some() {
                    out.push("event:count_min".into());
                }
                if c.max.is_some() {
                    out.push("event:count_max".into());
                }
            }
        }
        Node::Observation(t) => {
            out.push("observation".into());
            out.extend(window(&t.window));
            out.push(aggregate(&t.aggregate));
            if t.min_results.is_some() {
                out.push("observation:min_results".into());
            }
            if t.missing.is_some() {
                out.push("observation:missing".into());
            }
        }
        Node::Bmi(t) => {
            out.push("bmi".into());
            out.extend(window(&t.window));
            out.push(aggregate(&t.aggregate));
            if t.missing.is_some() {
                out.push("bmi:missing".into());
            }
        }
    }
    out
}
