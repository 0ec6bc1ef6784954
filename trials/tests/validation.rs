//! Every validation check, one minimal trial each: the stable code and the JSON path of the
//! offending node. A valid trial yields no error; an invalid one is refused by the index.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use trials::{Trial, TrialIndex, validate};

/// A trial around one inclusion criterion (and optional extra JSON in `criteria`).
fn trial(inclusion: &str, extra: &str) -> String {
    format!(r#"{{"id":"t","title":"T","criteria":{{"inclusion":[{inclusion}]{extra}}}}}"#)
}

const T2D: &str = r#"{"include":[{"system":"icd-10","code":"E11","descendants":true}]}"#;

/// `(case name, trial JSON, expected code, expected path)`.
fn cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let leaf = |json: &str| trial(json, "");
    vec![
        ("empty trial id", r#"{"id":" ","title":"T","criteria":{"inclusion":[{"id":"a","age":{"min":18}}]}}"#.into(), "empty_trial_id", "$.id"),
        ("empty title", r#"{"id":"t","title":"","criteria":{"inclusion":[{"id":"a","age":{"min":18}}]}}"#.into(), "empty_title", "$.title"),
        ("version zero", r#"{"id":"t","version":0,"title":"T","criteria":{"inclusion":[{"id":"a","age":{"min":18}}]}}"#.into(), "bad_version", "$.version"),
        ("no inclusion", r#"{"id":"t","title":"T","criteria":{"inclusion":[]}}"#.into(), "no_inclusion_criteria", "$.criteria.inclusion"),
        ("empty id", leaf(r#"{"id":"","age":{"min":18}}"#), "empty_id", "$.criteria.inclusion[0]"),
        ("duplicate id", trial(r#"{"id":"a","age":{"min":18}},{"id":"a","sex":{"is":"female"}}"#, ""), "duplicate_id", "$.criteria.inclusion[1]"),
        ("empty all", leaf(r#"{"id":"g","all":[]}"#), "empty_group", "$.criteria.inclusion[0].all"),
        ("empty any", leaf(r#"{"id":"g","any":[]}"#), "empty_group", "$.criteria.inclusion[0].any"),
        ("at_least zero", leaf(r#"{"id":"g","at_least":{"n":0,"of":[{"id":"a","age":{"min":1}}]}}"#), "at_least_zero", "$.criteria.inclusion[0].at_least.n"),
        ("at_least too many", leaf(r#"{"id":"g","at_least":{"n":3,"of":[{"id":"a","age":{"min":1}},{"id":"b","sex":{"is":"male"}}]}}"#), "at_least_too_many", "$.criteria.inclusion[0].at_least.n"),
        ("too deep", leaf(&(0..20).fold(r#"{"id":"leaf","age":{"min":1}}"#.to_string(), |acc, i| format!(r#"{{"id":"n{i}","not":{acc}}}"#))), "too_deep", "$.criteria.inclusion[0].not.not.not.not.not.not.not.not.not.not.not.not.not.not.not.not"),
        ("age without bounds", leaf(r#"{"id":"a","age":{}}"#), "age_no_bounds", "$.criteria.inclusion[0].age"),
        ("age min above max", leaf(r#"{"id":"a","age":{"min":70,"max":18}}"#), "age_bounds_contradictory", "$.criteria.inclusion[0].age"),
        ("age beyond a lifetime", leaf(r#"{"id":"a","age":{"min":18,"max":200}}"#), "age_implausible", "$.criteria.inclusion[0].age.max"),
        ("sex unknown", leaf(r#"{"id":"s","sex":{"is":"unknown"}}"#), "sex_unknown", "$.criteria.inclusion[0].sex.is"),
        ("unknown system", leaf(r#"{"id":"c","condition":{"codes":{"include":[{"system":"http://example.org/local","code":"X1"}]}}}"#), "unknown_system", "$.criteria.inclusion[0].condition.codes.include[0].system"),
        ("malformed ICD-10", leaf(r#"{"id":"c","condition":{"codes":{"include":[{"system":"icd-10","code":"E1"}]}}}"#), "malformed_code", "$.criteria.inclusion[0].condition.codes.include[0].code"),
        ("malformed ATC", leaf(r#"{"id":"c","medication":{"codes":{"include":[{"system":"atc","code":"A10BA0"}]}}}"#), "malformed_code", "$.criteria.inclusion[0].medication.codes.include[0].code"),
        ("LOINC check digit", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-5"}]},"value":{"gte":7}}}"#), "malformed_code", "$.criteria.inclusion[0].observation.codes.include[0].code"),
        ("malformed ICPC-2", leaf(r#"{"id":"c","condition":{"codes":{"include":[{"system":"icpc-2","code":"E86"}]}}}"#), "malformed_code", "$.criteria.inclusion[0].condition.codes.include[0].code"),
        ("bad range", leaf(r#"{"id":"c","condition":{"codes":{"include":[{"system":"icd-10","code":"E10.1-E14"}]}}}"#), "bad_range", "$.criteria.inclusion[0].condition.codes.include[0].code"),
        ("reversed range", leaf(r#"{"id":"c","condition":{"codes":{"include":[{"system":"icd-10","code":"E14-E10"}]}}}"#), "reversed_range", "$.criteria.inclusion[0].condition.codes.include[0].code"),
        ("descendants without hierarchy", leaf(r#"{"id":"c","history":{"codes":{"include":[{"system":"snomed","code":"77176002","descendants":true}]}}}"#), "no_hierarchy", "$.criteria.inclusion[0].history.codes.include[0].descendants"),
        ("empty code set", leaf(r#"{"id":"c","condition":{"codes":{"include":[]}}}"#), "empty_code_set", "$.criteria.inclusion[0].condition.codes.include"),
        ("exclude covers include", leaf(r#"{"id":"c","condition":{"codes":{"include":[{"system":"icd-10","code":"E11.9"}],"exclude":[{"system":"icd-10","code":"E11","descendants":true}]}}}"#), "code_set_excludes_everything", "$.criteria.inclusion[0].condition.codes.exclude"),
        ("unknown code set", leaf(r#"{"id":"c","condition":{"codes":"t2d"}}"#), "unknown_code_set", "$.criteria.inclusion[0].condition.codes"),
        ("code set name with space", trial(r#"{"id":"c","condition":{"codes":"type 2"}}"#, &format!(r#","code_sets":{{"type 2":{T2D}}}"#)), "bad_code_set_name", "$.criteria.code_sets.type 2"),
        ("observation in ICD-10", leaf(&format!(r#"{{"id":"o","observation":{{"codes":{T2D},"value":{{"gte":1}}}}}}"#)), "observation_system", "$.criteria.inclusion[0].observation.codes"),
        ("negative window", leaf(&format!(r#"{{"id":"c","condition":{{"codes":{T2D},"window":{{"within":"-2y"}}}}}}"#)), "negative_window", "$.criteria.inclusion[0].condition.window.within"),
        ("within with from", leaf(&format!(r#"{{"id":"c","condition":{{"codes":{T2D},"window":{{"within":"2y","from":"5y"}}}}}}"#)), "window_within_and_range", "$.criteria.inclusion[0].condition.window"),
        ("empty window", leaf(&format!(r#"{{"id":"c","condition":{{"codes":{T2D},"window":{{"from":"6m","to":"1y"}}}}}}"#)), "window_empty", "$.criteria.inclusion[0].condition.window"),
        ("count min above max", leaf(&format!(r#"{{"id":"c","condition":{{"codes":{T2D},"count":{{"min":3,"max":1}}}}}}"#)), "count_contradictory", "$.criteria.inclusion[0].condition.count"),
        ("count always met", leaf(&format!(r#"{{"id":"c","condition":{{"codes":{T2D},"count":{{"min":0}}}}}}"#)), "count_always_met", "$.criteria.inclusion[0].condition.count"),
        ("first without window", leaf(&format!(r#"{{"id":"c","condition":{{"codes":{T2D},"first":true}}}}"#)), "first_without_window", "$.criteria.inclusion[0].condition.first"),
        ("value without bounds", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"unit":"%"}}}"#), "value_no_bounds", "$.criteria.inclusion[0].observation.value"),
        ("eq with bounds", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"eq":7,"gte":6}}}"#), "value_eq_with_bounds", "$.criteria.inclusion[0].observation.value"),
        ("value min above max", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"gte":9,"lte":7,"unit":"%"}}}"#), "value_bounds_contradictory", "$.criteria.inclusion[0].observation.value"),
        ("open bounds that meet", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"gt":7,"lt":7}}}"#), "value_bounds_contradictory", "$.criteria.inclusion[0].observation.value"),
        ("unit not convertible", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"1742-6"}]},"value":{"gte":7,"unit":"mmol/L"}}}"#), "unit_not_convertible", "$.criteria.inclusion[0].observation.value.unit"),
        ("unknown unit", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"gte":7,"unit":"furlongs"}}}"#), "unknown_unit", "$.criteria.inclusion[0].observation.value.unit"),
        ("BMI unit", leaf(r#"{"id":"b","bmi":{"value":{"gte":30,"unit":"kg"}}}"#), "unit_not_convertible", "$.criteria.inclusion[0].bmi.value.unit"),
        ("implausible threshold", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"gte":75,"unit":"%"}}}"#), "value_implausible", "$.criteria.inclusion[0].observation.value"),
        ("min_results zero", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"gte":7},"min_results":0}}"#), "min_results_zero", "$.criteria.inclusion[0].observation.min_results"),
        ("share range reversed", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"6301-6"}]},"value":{"gte":30},"aggregate":{"share_outside":{"low":3,"high":2}}}}"#), "share_range_reversed", "$.criteria.inclusion[0].observation.aggregate.share_outside"),
        ("share unit", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"6301-6"}]},"value":{"gte":30,"unit":"mg"},"aggregate":{"share_outside":{"low":2,"high":3}}}}"#), "share_unit", "$.criteria.inclusion[0].observation.value.unit"),
        ("share above 100", leaf(r#"{"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"6301-6"}]},"value":{"gte":30,"lte":130},"aggregate":{"share_outside":{"low":2,"high":3}}}}"#), "share_bounds", "$.criteria.inclusion[0].observation.value"),
        ("exclusion same as inclusion", trial(&format!(r#"{{"id":"a","condition":{{"codes":{T2D}}}}}"#), &format!(r#","exclusion":[{{"id":"b","condition":{{"codes":{T2D}}}}}]"#)), "exclusion_same_as_inclusion", "$.criteria.exclusion[0]"),
    ]
}

#[test]
fn each_check_reports_its_code_and_path() {
    let mut codes = std::collections::BTreeSet::new();
    for (name, json, code, path) in cases() {
        let t = Trial::from_json(&json).unwrap_or_else(|e| panic!("{name}: does not parse: {e}"));
        let errors = validate(&t);
        assert!(
            errors.iter().any(|e| e.code == code && e.path == path),
            "{name}: expected {code} at {path}, got {errors:#?}"
        );
        assert!(
            errors.iter().all(|e| !e.message.is_empty()),
            "{name}: empty message"
        );
        let id = t.id.clone();
        let err = TrialIndex::new(vec![t]).expect_err(name);
        assert_eq!(err.trial_id, id);
        codes.insert(code);
    }
    assert!(
        codes.len() >= 40,
        "only {} distinct checks tested",
        codes.len()
    );
}

#[test]
fn valid_trials_have_no_error() {
    let json = trial(
        r#"{"id":"a","age":{"min":18,"max":75}},{"id":"c","condition":{"codes":"t2d","window":{"from":"5y","to":"6m"}}},
        {"id":"o","observation":{"codes":{"include":[{"system":"loinc","code":"4548-4"}]},"value":{"gte":7.5,"unit":"%"},"window":{"within":"6m"}}},
        {"id":"i","observation":{"codes":{"include":[{"system":"loinc","code":"6301-6"}]},"value":{"gte":30},"aggregate":{"share_outside":{"low":2,"high":3}},"min_results":4}}"#,
        &format!(
            r#","code_sets":{{"t2d":{T2D}}},"exclusion":[{{"id":"x","condition":{{"codes":{{"include":[{{"system":"icd-10","code":"E10-E14","descendants":true}}],"exclude":[{{"system":"icd-10","code":"E11","descendants":true}}]}}}}}}]"#
        ),
    );
    let t = Trial::from_json(&json).unwrap();
    assert_eq!(validate(&t), vec![]);
}

#[test]
fn every_error_is_listed_not_just_the_first() {
    let json = trial(
        r#"{"id":"a","age":{"min":70,"max":18}},{"id":"a","any":[]}"#,
        "",
    );
    let codes: Vec<_> = validate(&Trial::from_json(&json).unwrap())
        .into_iter()
        .map(|e| e.code)
        .collect();
    assert_eq!(
        codes,
        vec!["age_bounds_contradictory", "duplicate_id", "empty_group"]
    );
}

#[test]
fn parse_errors_name_the_json_path() {
    let cases = [
        (
            trial(r#"{"id":"a","age":{"min":"eighteen"}}"#, ""),
            "$.criteria.inclusion[0].age.min",
        ),
        (
            trial(r#"{"id":"a","agee":{"min":18}}"#, ""),
            "$.criteria.inclusion[0].agee",
        ),
        (
            trial(
                r#"{"id":"a","condition":{"codes":"x","window":{"within":"2 years"}}}"#,
                "",
            ),
            "$.criteria.inclusion[0].condition.window.within",
        ),
        (
            trial(r#"{"id":"a","sex":{"is":"f"}}"#, ""),
            "$.criteria.inclusion[0].sex.is",
        ),
        (r#"{"id":"t","title":"T"}"#.to_string(), "$"),
    ];
    for (json, path) in cases {
        let err = Trial::from_json(&json).expect_err(&json);
        assert_eq!(err.path, path, "{json}: {err}");
        assert!(!err.message.is_empty());
    }
}
