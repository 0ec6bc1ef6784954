//! `trials::describe` over the example trials: every line of every trial, in both
//! languages, against `tests/describe/expected.tsv` (trial, criterion id, language, depth,
//! sentence). A changed sentence fails here with the trial and criterion it belongs to.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

use std::collections::BTreeSet;
use trials::{Criterion, Locale, Node, Trial, describe};

fn examples() -> Vec<Trial> {
    let mut trials: Vec<Trial> = std::fs::read_dir("examples/trials")
        .unwrap()
        .map(|f| {
            let p = f.unwrap().path();
            Trial::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap()
        })
        .collect();
    trials.sort_by(|a, b| a.id.cmp(&b.id));
    trials
}

fn lang(l: Locale) -> &'static str {
    match l {
        Locale::En => "en",
        Locale::Fr => "fr",
    }
}

#[test]
fn every_example_trial_reads_as_expected_in_both_languages() {
    let expected = std::fs::read_to_string("tests/describe/expected.tsv").unwrap();
    let expected: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
    let mut got = Vec::new();
    for t in examples() {
        for l in [Locale::En, Locale::Fr] {
            for line in describe(&t.criteria, l) {
                got.push(format!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    line.id,
                    lang(l),
                    line.depth,
                    line.text
                ));
            }
        }
    }
    if std::env::var_os("DESCRIBE_PRINT").is_some() {
        println!("{}", got.join("\n"));
    }
    let mut wrong = Vec::new();
    for (i, want) in expected.iter().enumerate() {
        match got.get(i) {
            Some(g) if g == want => {}
            Some(g) => wrong.push(format!("line {}:\n  want {want}\n  got  {g}", i + 1)),
            None => wrong.push(format!("line {}: missing {want}", i + 1)),
        }
    }
    assert_eq!(got.len(), expected.len(), "number of lines; {wrong:#?}");
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The examples exercise every kind of criterion, so the table above covers every sentence
/// form (the `not` group is covered by the unit tests of `describe`).
#[test]
fn the_examples_cover_every_leaf_kind() {
    let mut kinds = BTreeSet::new();
    for t in examples() {
        for c in t.criteria.inclusion.iter().chain(&t.criteria.exclusion) {
            c.walk(&mut |c: &Criterion| {
                kinds.insert(match &c.node {
                    Node::All(_) => "all".to_string(),
                    Node::Any(_) => "any".into(),
                    Node::AtLeast(_) => "at_least".into(),
                    Node::Not(_) => "not".into(),
                    Node::Age(_) => "age".into(),
                    Node::Sex(_) => "sex".into(),
                    Node::Event(k, _) => k.key().into(),
                    Node::Observation(_) => "observation".into(),
                    Node::Bmi(_) => "bmi".into(),
                });
            });
        }
    }
    for kind in [
        "all",
        "any",
        "at_least",
        "age",
        "sex",
        "condition",
        "reason_for_encounter",
        "medication",
        "procedure",
        "immunization",
        "allergy",
        "history",
        "observation",
        "bmi",
    ] {
        assert!(kinds.contains(kind), "no example uses {kind}");
    }
}

#[test]
fn sentences_are_plain_text_without_placeholders() {
    for t in examples() {
        for l in [Locale::En, Locale::Fr] {
            for line in describe(&t.criteria, l) {
                assert!(!line.text.is_empty(), "{} {}", t.id, line.id);
                for bad in ["{", "}", "None", "Some(", "  "] {
                    assert!(!line.text.contains(bad), "{}: {}", t.id, line.text);
                }
            }
        }
    }
}
