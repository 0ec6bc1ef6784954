//! The hand-assigned facts of the crosswalk tables (`data/crosswalk/`), checked against an
//! independent, reviewed expectation list, `tests/crosswalk_facts/expected.tsv`, written from
//! the classifications and clinical knowledge rather than from the tables:
//!
//! - every hand-assigned row (every SNOMED CT → ICD-10, ICPC-2 → ICD-10 and CVX → ATC row,
//!   and the RxNorm rows whose concept is not confirmed in a named source) must be listed
//!   there and agree with it, so a new hand row without an expectation fails;
//! - every RxNorm row must carry the ATC codes of the ingredients its name lists (plus the
//!   combination's own code), from the ingredient facts of the same list;
//! - each fact holds end to end through the public API: a record coded in the source system
//!   meets a criterion on an `exact` target, does not meet one on the listed sibling, and
//!   leaves every candidate of a `broad` row unknown.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use chrono::NaiveDate;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use trials::{CriterionResult, Patient, Trial, Truth};

const EXPECTED: &str = include_str!("crosswalk_facts/expected.tsv");
const RXNORM: &str = include_str!("../data/crosswalk/rxnorm_atc.tsv");
const CVX: &str = include_str!("../data/crosswalk/cvx_atc.tsv");
const SNOMED: &str = include_str!("../data/crosswalk/snomed_icd10.tsv");
const ICPC2: &str = include_str!("../data/crosswalk/icpc2_icd10.tsv");

/// One line of the expectation list.
#[derive(Debug, Clone)]
struct Fact {
    kind: String,
    code: String,
    targets: BTreeSet<String>,
    broad: bool,
    sibling: Option<String>,
    line: usize,
}

/// One row of a crosswalk table, as the file has it.
#[derive(Debug, Clone)]
struct Row {
    code: String,
    name: String,
    targets: BTreeSet<String>,
    broad: bool,
    source: String,
}

/// A code as compared here: upper case, no dot.
fn norm(code: &str) -> String {
    code.trim().replace('.', "").to_uppercase()
}

fn codes(list: &str) -> BTreeSet<String> {
    if list.trim() == "-" {
        return BTreeSet::new();
    }
    list.split(',').map(norm).collect()
}

fn certainty(word: &str, context: &str) -> bool {
    match word.trim() {
        "exact" => false,
        "broad" => true,
        other => panic!("{context}: certainty `{other}`"),
    }
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .skip(1)
        .map(|(i, l)| (i + 1, l))
}

fn facts() -> Vec<Fact> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (line, l) in data_lines(EXPECTED) {
        let cols: Vec<&str> = l.split('\t').collect();
        let [kind, code, targets, cert, sibling, why] = cols.as_slice() else {
            panic!("expected.tsv:{line}: six columns wanted: {l}");
        };
        assert!(
            !why.trim().is_empty(),
            "expected.tsv:{line}: no reason given"
        );
        let kinds = [
            "snomed",
            "icpc2",
            "cvx",
            "rxnorm",
            "ingredient",
            "combination",
        ];
        assert!(kinds.contains(kind), "expected.tsv:{line}: kind `{kind}`");
        let code = if *kind == "ingredient" || *kind == "combination" {
            code.trim().to_lowercase()
        } else {
            norm(code)
        };
        assert!(
            seen.insert((kind.to_string(), code.clone())),
            "expected.tsv:{line}: {kind} {code} listed twice"
        );
        let targets = codes(targets);
        let sibling = (sibling.trim() != "-").then(|| norm(sibling));
        let fact = Fact {
            kind: kind.to_string(),
            code,
            broad: certainty(cert, &format!("expected.tsv:{line}")),
            targets,
            sibling,
            line,
        };
        if !fact.targets.is_empty() && fact.kind != "combination" {
            let sibling = fact.sibling.as_deref().unwrap_or_else(|| {
                panic!("expected.tsv:{line}: a sibling code is wanted");
            });
            assert!(
                !fact.targets.iter().any(|t| overlaps(t, sibling)),
                "expected.tsv:{line}: sibling {sibling} overlaps a target"
            );
        }
        out.push(fact);
    }
    out
}

fn table(text: &str, name: &str) -> Vec<Row> {
    data_lines(text)
        .map(|(line, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            let [code, row_name, targets, cert, source, ..] = cols.as_slice() else {
                panic!("{name}:{line}: five columns wanted: {l}");
            };
            Row {
                code: norm(code),
                name: row_name.trim().to_string(),
                targets: codes(targets),
                broad: certainty(cert, &format!("{name}:{line}")),
                source: source.trim().to_string(),
            }
        })
        .collect()
}

/// One code is the other or lies under it.
fn overlaps(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Whether a row's mapping is written by hand: every row of the SNOMED CT, ICPC-2 and CVX
/// tables (their targets were assigned from classification knowledge, no published map was
/// read), and the RxNorm rows whose source says `hand` or that they are unconfirmed.
fn hand(kind: &str, row: &Row) -> bool {
    match kind {
        "rxnorm" => {
            let s = row.source.to_lowercase();
            s.starts_with("hand") || s.contains("unconfirmed") || s.contains("index file id")
        }
        _ => true,
    }
}

fn by_kind<'a>(facts: &'a [Fact], kind: &str) -> BTreeMap<&'a str, &'a Fact> {
    facts
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| (f.code.as_str(), f))
        .collect()
}

fn tables() -> [(&'static str, Vec<Row>); 4] {
    [
        ("snomed", table(SNOMED, "snomed_icd10.tsv")),
        ("icpc2", table(ICPC2, "icpc2_icd10.tsv")),
        ("cvx", table(CVX, "cvx_atc.tsv")),
        ("rxnorm", table(RXNORM, "rxnorm_atc.tsv")),
    ]
}

fn describe(targets: &BTreeSet<String>, broad: bool) -> String {
    let list: Vec<&str> = targets.iter().map(String::as_str).collect();
    format!(
        "{} {}",
        list.join(","),
        if broad { "broad" } else { "exact" }
    )
}

#[test]
fn every_hand_row_has_an_agreeing_expectation() {
    let facts = facts();
    let mut problems = String::new();
    let mut checked = BTreeMap::new();
    for (kind, rows) in tables() {
        let expected = by_kind(&facts, kind);
        let mut in_table = BTreeSet::new();
        for row in &rows {
            in_table.insert(row.code.as_str());
            if !hand(kind, row) {
                continue;
            }
            *checked.entry(kind).or_insert(0) += 1;
            let Some(fact) = expected.get(row.code.as_str()) else {
                let _ = writeln!(
                    problems,
                    "{kind} {} ({}): hand-assigned, no expectation in expected.tsv",
                    row.code, row.name
                );
                continue;
            };
            if fact.targets != row.targets || fact.broad != row.broad {
                let _ = writeln!(
                    problems,
                    "{kind} {} ({}): table says {}, expected.tsv:{} says {}",
                    row.code,
                    row.name,
                    describe(&row.targets, row.broad),
                    fact.line,
                    describe(&fact.targets, fact.broad)
                );
            }
        }
        // No expectation for a code the table does not have.
        for (code, fact) in &expected {
            if !in_table.contains(code) {
                let _ = writeln!(
                    problems,
                    "expected.tsv:{}: {kind} {code} is in no table row",
                    fact.line
                );
            }
        }
    }
    assert!(problems.is_empty(), "{problems}");
    // The three hand-assigned tables are covered whole.
    for (kind, at_least) in [("snomed", 50), ("icpc2", 35), ("cvx", 80), ("rxnorm", 1)] {
        let n = checked.get(kind).copied().unwrap_or(0);
        assert!(n >= at_least, "{kind}: only {n} hand rows checked");
    }
}

/// The ATC codes an RxNorm name stands for, from the ingredient and combination facts: the
/// ingredients named (longest name fragments first, each part of the name read once), then
/// the code of every combination all of whose ingredients are named.
fn from_ingredients(
    name: &str,
    ingredients: &[&Fact],
    combinations: &[&Fact],
) -> (BTreeSet<String>, bool, Vec<String>) {
    let mut text = name.to_lowercase();
    let mut found: Vec<&Fact> = Vec::new();
    let mut keys: Vec<&&Fact> = ingredients.iter().collect();
    keys.sort_by_key(|f| std::cmp::Reverse(f.code.len()));
    for f in keys {
        if let Some(at) = text.find(f.code.as_str()) {
            text.replace_range(at..at + f.code.len(), &" ".repeat(f.code.len()));
            found.push(f);
        }
    }
    let names: BTreeSet<&str> = found.iter().map(|f| f.code.as_str()).collect();
    let mut targets: BTreeSet<String> = found.iter().flat_map(|f| f.targets.clone()).collect();
    for c in combinations {
        if c.code.split('+').all(|part| names.contains(part)) {
            targets.extend(c.targets.iter().cloned());
        }
    }
    let broad = found.iter().any(|f| f.broad);
    let siblings = found.iter().filter_map(|f| f.sibling.clone()).collect();
    (targets, broad, siblings)
}

#[test]
fn every_rxnorm_row_carries_the_atc_codes_of_its_ingredients() {
    let facts = facts();
    let ingredients: Vec<&Fact> = facts.iter().filter(|f| f.kind == "ingredient").collect();
    let combinations: Vec<&Fact> = facts.iter().filter(|f| f.kind == "combination").collect();
    let rows = table(RXNORM, "rxnorm_atc.tsv");
    let mut problems = String::new();
    for row in &rows {
        let (targets, broad, _) = from_ingredients(&row.name, &ingredients, &combinations);
        if targets.is_empty() {
            let _ = writeln!(
                problems,
                "rxnorm {} ({}): no ingredient of expected.tsv in the name",
                row.code, row.name
            );
        } else if targets != row.targets || broad != row.broad {
            let _ = writeln!(
                problems,
                "rxnorm {} ({}): table says {}, its ingredients give {}",
                row.code,
                row.name,
                describe(&row.targets, row.broad),
                describe(&targets, broad)
            );
        }
    }
    assert!(problems.is_empty(), "{problems}");
    assert!(rows.len() >= 200, "{} rows", rows.len());
}

/// What one criterion on `code` must give.
struct Want {
    system: &'static str,
    code: String,
    truth: Truth,
}

fn leaf(list: &[CriterionResult], id: &str) -> Option<Truth> {
    list.iter().find(|c| c.id == id).map(|c| c.truth)
}

/// Evaluates one criterion per wanted code against a record holding one event of `kind`
/// coded `code` in `system`; the problems found, one line each.
fn run(kind: &str, system: &str, code: &str, wants: &[Want]) -> String {
    let key = match kind {
        "condition" => "condition",
        "immunization" => "immunization",
        _ => "medication",
    };
    let mut seen = BTreeSet::new();
    let criteria: Vec<Value> = wants
        .iter()
        .enumerate()
        .filter(|(_, w)| seen.insert((w.system, w.code.clone())))
        .map(|(i, w)| {
            let mut c = serde_json::Map::new();
            c.insert("id".into(), json!(format!("c{i}")));
            c.insert(
                key.into(),
                json!({"codes": {"include": [
                    {"system": w.system, "code": w.code, "descendants": true}
                ]}}),
            );
            Value::Object(c)
        })
        .collect();
    let trial = json!({"id": "facts", "title": "Crosswalk facts",
        "criteria": {"inclusion": criteria}});
    let trial = Trial::from_json(&trial.to_string()).unwrap();
    let patient = json!({"events": [
        {"kind": kind, "system": system, "code": code, "date": "2020-01-15"}
    ]});
    let patient = Patient::from_json(&patient.to_string()).unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let result = trials::evaluate(&trial, &patient, date)
        .unwrap_or_else(|e| panic!("{system} {code}: trial does not validate: {e:?}"));
    let mut problems = String::new();
    let mut seen = BTreeSet::new();
    for (i, w) in wants.iter().enumerate() {
        if !seen.insert((w.system, w.code.clone())) {
            continue;
        }
        let got = leaf(&result.inclusion, &format!("c{i}"));
        if got != Some(w.truth) {
            let _ = writeln!(
                problems,
                "{system} {code}: a criterion on {} {} is {got:?}, expected {:?}",
                w.system, w.code, w.truth
            );
        }
    }
    problems
}

/// A code one level more detailed than `target`, which an exact row does not vouch for:
/// an ICD-10 category's `.9`, an ATC level-4 group's first substance.
fn child(target_system: &'static str, target: &str) -> Option<String> {
    match (target_system, target.len()) {
        ("icd-10", 3) => Some(format!("{target}9")),
        ("atc", 5) => Some(format!("{target}01")),
        _ => None,
    }
}

/// The criteria a fact implies: exact → each target met (a more detailed child unknown);
/// broad → each candidate unknown; either way the sibling not met.
fn wants(
    target_system: &'static str,
    targets: &BTreeSet<String>,
    broad: bool,
    siblings: &[String],
) -> Vec<Want> {
    let mut out = Vec::new();
    for t in targets {
        let truth = if broad { Truth::Unknown } else { Truth::Met };
        out.push(Want {
            system: target_system,
            code: t.clone(),
            truth,
        });
        if !broad
            && targets.len() == 1
            && let Some(c) = child(target_system, t)
        {
            out.push(Want {
                system: target_system,
                code: c,
                truth: Truth::Unknown,
            });
        }
    }
    for s in siblings {
        out.push(Want {
            system: target_system,
            code: s.clone(),
            truth: Truth::NotMet,
        });
    }
    out
}

/// Runs every fact of `kind` end to end; returns how many exact and broad facts were run.
fn end_to_end(kind: &str, event: &str, system: &str, target_system: &'static str) -> (u32, u32) {
    let facts = facts();
    let mut problems = String::new();
    let (mut exact, mut broad) = (0, 0);
    for f in facts.iter().filter(|f| f.kind == kind) {
        let siblings: Vec<String> = f.sibling.iter().cloned().collect();
        let w = wants(target_system, &f.targets, f.broad, &siblings);
        problems.push_str(&run(event, system, &f.code, &w));
        if f.broad {
            broad += 1;
        } else {
            exact += 1;
        }
    }
    assert!(problems.is_empty(), "{problems}");
    (exact, broad)
}

#[test]
fn snomed_facts_hold_end_to_end() {
    let (exact, broad) = end_to_end("snomed", "condition", "http://snomed.info/sct", "icd-10");
    assert!(exact >= 30 && broad >= 10, "{exact} exact, {broad} broad");
}

#[test]
fn icpc2_facts_hold_end_to_end() {
    let (exact, broad) = end_to_end(
        "icpc2",
        "condition",
        "http://hl7.org/fhir/sid/icpc-2",
        "icd-10",
    );
    assert!(exact >= 8 && broad >= 20, "{exact} exact, {broad} broad");
}

#[test]
fn cvx_facts_hold_end_to_end() {
    let (exact, broad) = end_to_end("cvx", "immunization", "http://hl7.org/fhir/sid/cvx", "atc");
    assert!(exact >= 80 && broad >= 2, "{exact} exact, {broad} broad");
}

#[test]
fn rxnorm_rows_hold_end_to_end() {
    let facts = facts();
    let ingredients: Vec<&Fact> = facts.iter().filter(|f| f.kind == "ingredient").collect();
    let combinations: Vec<&Fact> = facts.iter().filter(|f| f.kind == "combination").collect();
    let mut problems = String::new();
    let (mut exact, mut broad) = (0, 0);
    let rows = table(RXNORM, "rxnorm_atc.tsv");
    let system = "http://www.nlm.nih.gov/research/umls/rxnorm";
    for row in &rows {
        let (targets, is_broad, siblings) =
            from_ingredients(&row.name, &ingredients, &combinations);
        let w = wants("atc", &targets, is_broad, &siblings);
        problems.push_str(&run("medication", system, &row.code, &w));
        if is_broad {
            broad += 1;
        } else {
            exact += 1;
        }
    }
    // The RxNorm hand facts too, by their own expectation.
    for f in facts.iter().filter(|f| f.kind == "rxnorm") {
        let siblings: Vec<String> = f.sibling.iter().cloned().collect();
        let w = wants("atc", &f.targets, f.broad, &siblings);
        problems.push_str(&run("medication", system, &f.code, &w));
    }
    assert!(problems.is_empty(), "{problems}");
    assert!(exact >= 200 && broad >= 1, "{exact} exact, {broad} broad");
}

/// A few facts spelled out, so that a reader sees what the lists above test.
#[test]
fn samples_of_each_kind() {
    let met = |system: &'static str, code: &str| Want {
        system,
        code: code.into(),
        truth: Truth::Met,
    };
    let not_met = |system: &'static str, code: &str| Want {
        system,
        code: code.into(),
        truth: Truth::NotMet,
    };
    let unknown = |system: &'static str, code: &str| Want {
        system,
        code: code.into(),
        truth: Truth::Unknown,
    };
    let sct = "http://snomed.info/sct";
    let icpc = "http://hl7.org/fhir/sid/icpc-2";
    let cvx = "http://hl7.org/fhir/sid/cvx";
    let rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
    let cases: Vec<(&str, &str, &str, Vec<Want>)> = vec![
        // A complication of diabetes meets the complication's ICD-10 code, not another.
        (
            "condition",
            sct,
            "368581000119106",
            vec![
                met("icd-10", "E11.4"),
                met("icd-10", "E11"),
                not_met("icd-10", "E11.2"),
                not_met("icd-10", "E10"),
            ],
        ),
        // Anaemia of unstated cause: an iron-deficiency criterion is to confirm.
        (
            "condition",
            sct,
            "271737000",
            vec![
                unknown("icd-10", "D50"),
                unknown("icd-10", "D64"),
                not_met("icd-10", "D69"),
            ],
        ),
        // ICPC-2: K86 is I10; K74 may be I20 or I25.
        (
            "condition",
            icpc,
            "K86",
            vec![met("icd-10", "I10"), not_met("icd-10", "I15")],
        ),
        (
            "condition",
            icpc,
            "K74",
            vec![
                unknown("icd-10", "I20"),
                unknown("icd-10", "I25"),
                not_met("icd-10", "I21"),
            ],
        ),
        // COVID-19 mRNA vaccine: J07BN01, so J07BN and J07B; not the protein subunit.
        (
            "immunization",
            cvx,
            "208",
            vec![
                met("atc", "J07BN01"),
                met("atc", "J07BN"),
                met("atc", "J07B"),
                not_met("atc", "J07BN04"),
                not_met("atc", "J07BB"),
            ],
        ),
        // An unspecified COVID-19 vaccine: the group, not the type.
        (
            "immunization",
            cvx,
            "213",
            vec![met("atc", "J07BN"), unknown("atc", "J07BN01")],
        ),
        // Zoster of unspecified formulation: live or recombinant.
        (
            "immunization",
            cvx,
            "188",
            vec![
                unknown("atc", "J07BK03"),
                unknown("atc", "J07BK02"),
                not_met("atc", "J07BK01"),
            ],
        ),
        // RxNorm: lisinopril (ingredient) is C09AA03; low-dose aspirin is either use.
        (
            "medication",
            rx,
            "29046",
            vec![
                met("atc", "C09AA03"),
                met("atc", "C09"),
                not_met("atc", "C09AA05"),
            ],
        ),
        (
            "medication",
            rx,
            "243670",
            vec![unknown("atc", "B01AC06"), unknown("atc", "N02BA01")],
        ),
    ];
    let mut problems = String::new();
    for (kind, system, code, w) in &cases {
        problems.push_str(&run(kind, system, code, w));
    }
    assert!(problems.is_empty(), "{problems}");
}
