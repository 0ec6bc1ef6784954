//! Property tests: the trial index gives exactly the results of evaluating every trial;
//! three-valued logic obeys Kleene's laws; trials, patients and results survive serde.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use trials::codes::{CodeEntry, CodeSet};
use trials::criteria::{
    AgeTest, AgeUnit, Aggregate, AtLeast, BmiTest, Codes, Count, Criteria, Criterion, EventTest,
    Missing, Node, ObservationTest, SexTest, ShareOutside, ValueTest,
};
use trials::patient::{Event, EventKind, EventStatus, Observation};
use trials::window::{Offset, OffsetUnit, Window};
use trials::{Comparator, Patient, Sex, Trial, TrialIndex, Truth, Unreadable, Verdict};

fn reference() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// A small code universe, so that generated trials and patients meet often.
const CODES: &[(&str, &str)] = &[
    ("icd-10", "E11"),
    ("icd-10", "E11.9"),
    ("icd-10", "E119"),
    ("icd-10", "E10"),
    ("icd-10", "E66.0"),
    ("icd-10", "I10"),
    ("icpc-2", "T90"),
    ("icpc-2", "K86"),
    ("icpc-2", "K86.01"),
    ("icpc-2", "P76"),
    ("atc", "A10BA02"),
    ("atc", "A10BD07"),
    ("atc", "C09AA05"),
    ("atc", "B01AA03"),
    ("snomed", "77176002"),
    ("snomed", "44054006"),
    ("loinc", "4548-4"),
    // Read through crosswalks, or unreadable.
    ("icd-10-cm", "E11.65"),
    ("icd-10-cm", "E11.9"),
    ("icd-10-cm", "E08.9"),
    ("rxnorm", "6809"),
    ("rxnorm", "999999"),
    ("http://example.org/local", "X1"),
];

/// Code-set entries over the same universe: exact codes, ancestors with descendants, ranges.
const ENTRIES: &[(&str, &str, bool)] = &[
    ("icd-10", "E11", true),
    ("icd-10", "E11", false),
    ("icd-10", "E11.9", false),
    ("icd-10", "E10-E14", true),
    ("icd-10", "E66", true),
    ("icd-10", "I10", false),
    ("icpc-2", "T90", false),
    ("icpc-2", "K", true),
    ("icpc-2", "K86", true),
    ("icpc-2", "K70-K99", false),
    ("icpc-2", "P76", false),
    ("atc", "A10", true),
    ("atc", "A10B", true),
    ("atc", "A10BA02", false),
    ("atc", "C09", true),
    ("atc", "B01AA", true),
    ("snomed", "77176002", false),
    ("icd-10", "E11.6", false),
    ("icd-10", "E11.6", true),
    ("icd-10-cm", "E11", true),
    ("icd-10-cm", "E11.9", false),
    ("rxnorm", "6809", false),
];

const KINDS: &[EventKind] = &[
    EventKind::Condition,
    EventKind::ReasonForEncounter,
    EventKind::Medication,
    EventKind::History,
];

fn entry(i: usize) -> CodeEntry {
    let (system, code, descendants) = ENTRIES[i];
    CodeEntry::new(system, code, descendants)
}

fn offset() -> impl Strategy<Value = Offset> {
    (
        1i32..36,
        prop_oneof![
            Just(OffsetUnit::Days),
            Just(OffsetUnit::Months),
            Just(OffsetUnit::Years)
        ],
    )
        .prop_map(|(amount, unit)| Offset { amount, unit })
}

fn window() -> impl Strategy<Value = Window> {
    prop_oneof![
        Just(Window::default()),
        offset().prop_map(|o| Window {
            within: Some(o),
            ..Window::default()
        }),
        offset().prop_map(|o| Window {
            to: Some(o),
            ..Window::default()
        }),
        (1i32..10).prop_map(|y| Window {
            from: Some(Offset {
                amount: y + 1,
                unit: OffsetUnit::Years
            }),
            to: Some(Offset {
                amount: y,
                unit: OffsetUnit::Months
            }),
            ..Window::default()
        }),
    ]
}

fn missing() -> impl Strategy<Value = Option<Missing>> {
    prop_oneof![
        Just(None),
        Just(Some(Missing::NotMet)),
        Just(Some(Missing::Unknown))
    ]
}

fn event_leaf() -> impl Strategy<Value = Node> {
    (
        proptest::sample::select(KINDS),
        proptest::collection::vec(0..ENTRIES.len(), 1..3),
        proptest::collection::vec(0..ENTRIES.len(), 0..2),
        window(),
        prop_oneof![
            Just(None),
            (0u32..3, proptest::option::of(1u32..4)).prop_map(|(min, max)| Some(Count {
                min: Some(min.min(max.unwrap_or(min))).filter(|m| *m > 0 || max.is_some()),
                max
            }))
        ],
        any::<bool>(),
        any::<bool>(),
        missing(),
    )
        .prop_map(|(kind, inc, exc, window, count, first, current, missing)| {
            let first = first && !window.is_ever();
            Node::Event(
                kind,
                EventTest {
                    codes: Codes::Inline(CodeSet {
                        name: None,
                        include: inc.into_iter().map(entry).collect(),
                        exclude: exc.into_iter().map(entry).collect(),
                    }),
                    window,
                    count,
                    first,
                    current,
                    missing,
                },
            )
        })
}

fn value_test() -> impl Strategy<Value = ValueTest> {
    (4.0f64..12.0, any::<bool>()).prop_map(|(x, up)| {
        if up {
            ValueTest {
                gte: Some(x),
                unit: Some("%".into()),
                ..ValueTest::default()
            }
        } else {
            ValueTest {
                lt: Some(x),
                ..ValueTest::default()
            }
        }
    })
}

fn value_leaf() -> impl Strategy<Value = Node> {
    let aggregate = prop_oneof![
        Just(Aggregate::Latest),
        Just(Aggregate::Any),
        Just(Aggregate::All),
        Just(Aggregate::Mean),
        Just(Aggregate::Min),
        Just(Aggregate::Max),
    ];
    prop_oneof![
        (
            value_test(),
            aggregate,
            window(),
            proptest::option::of(1u32..3),
            missing()
        )
            .prop_map(|(value, aggregate, window, min_results, missing)| {
                Node::Observation(ObservationTest {
                    codes: Codes::Inline(CodeSet {
                        name: None,
                        include: vec![CodeEntry::new("loinc", "4548-4", false)],
                        exclude: vec![],
                    }),
                    value,
                    aggregate,
                    window,
                    min_results,
                    missing,
                })
            }),
        (10.0f64..60.0, window(), missing()).prop_map(|(share, window, missing)| {
            Node::Observation(ObservationTest {
                codes: Codes::Inline(CodeSet {
                    name: None,
                    include: vec![CodeEntry::new("loinc", "6301-6", false)],
                    exclude: vec![],
                }),
                value: ValueTest {
                    gte: Some(share),
                    ..ValueTest::default()
                },
                aggregate: Aggregate::ShareOutside(ShareOutside {
                    low: 2.0,
                    high: 3.0,
                    unit: None,
                }),
                window,
                min_results: None,
                missing,
            })
        }),
        (20.0f64..35.0, window(), missing()).prop_map(|(b, window, missing)| {
            Node::Bmi(BmiTest {
                value: ValueTest {
                    gte: Some(b),
                    ..ValueTest::default()
                },
                aggregate: Aggregate::Latest,
                window,
                missing,
            })
        }),
    ]
}

fn demographic_leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        (0u32..80, 0u32..40, missing()).prop_map(|(min, span, missing)| Node::Age(AgeTest {
            min: Some(min),
            max: Some(min + span),
            unit: AgeUnit::Years,
            missing
        })),
        (prop_oneof![Just(Sex::Female), Just(Sex::Male)], missing())
            .prop_map(|(is, missing)| Node::Sex(SexTest { is, missing })),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![4 => event_leaf(), 2 => value_leaf(), 1 => demographic_leaf()];
    leaf.prop_recursive(3, 16, 4, |inner| {
        let child = inner.prop_map(|node| Criterion {
            id: String::new(),
            label: None,
            node,
        });
        prop_oneof![
            proptest::collection::vec(child.clone(), 1..4).prop_map(Node::All),
            proptest::collection::vec(child.clone(), 1..4).prop_map(Node::Any),
            proptest::collection::vec(child.clone(), 1..4).prop_flat_map(|of| {
                let len = of.len() as u32;
                (1..=len).prop_map(move |n| Node::AtLeast(AtLeast { n, of: of.clone() }))
            }),
            child.prop_map(|c| Node::Not(Box::new(c))),
        ]
    })
}

/// Gives every node of a tree a unique id.
fn number(c: &mut Criterion, next: &mut usize) {
    c.id = format!("c{next}");
    *next += 1;
    match &mut c.node {
        Node::All(v) | Node::Any(v) => v.iter_mut().for_each(|k| number(k, next)),
        Node::AtLeast(a) => a.of.iter_mut().for_each(|k| number(k, next)),
        Node::Not(k) => number(k, next),
        _ => {}
    }
}

fn trial() -> impl Strategy<Value = Trial> {
    (
        proptest::collection::vec(node(), 1..4),
        proptest::collection::vec(node(), 0..3),
    )
        .prop_map(|(inc, exc)| {
            let mut next = 0;
            let mut wrap = |node| {
                let mut c = Criterion {
                    id: String::new(),
                    label: None,
                    node,
                };
                number(&mut c, &mut next);
                c
            };
            let inclusion = inc.into_iter().map(&mut wrap).collect();
            let exclusion = exc.into_iter().map(&mut wrap).collect();
            Trial {
                id: "t".into(),
                version: 1,
                title: "Generated".into(),
                summary: None,
                criteria: Criteria {
                    code_sets: Default::default(),
                    inclusion,
                    exclusion,
                },
            }
        })
}

fn date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop_oneof![
        1 => Just(None),
        8 => (0u64..4000).prop_map(|d| reference().checked_sub_days(Days::new(d))),
        1 => (1u64..100).prop_map(|d| reference().checked_add_days(Days::new(d))),
    ]
}

fn patient() -> impl Strategy<Value = Patient> {
    let event = (
        proptest::sample::select(KINDS),
        proptest::sample::select(CODES),
        date(),
        proptest::option::of(date()),
        proptest::option::of(prop_oneof![
            Just(EventStatus::Active),
            Just(EventStatus::Inactive)
        ]),
        proptest::bool::weighted(0.15),
    )
        .prop_map(
            |(kind, (system, code), date, end, status, unconfirmed)| Event {
                kind,
                system: system.into(),
                code: code.into(),
                display: None,
                date,
                end: end.flatten(),
                status,
                unconfirmed,
            },
        );
    let obs = (
        proptest::sample::select(
            &[
                ("4548-4", "%"),
                ("4548-4", ""),
                ("4548-4", "mmol/mol"),
                ("6301-6", ""),
                ("29463-7", "kg"),
                ("29463-7", "g"),
                ("8302-2", "cm"),
                ("8302-2", "m"),
                ("39156-5", "kg/m2"),
                // Codes no generated trial reads: left out by the observation need.
                ("2345-7", "mmol/L"),
                ("8480-6", "mm[Hg]"),
            ][..],
        ),
        prop_oneof![0.0f64..15.0, 1.0f64..200.0, Just(212_278.88)],
        date(),
        proptest::option::of(prop_oneof![
            Just(Comparator::Lt),
            Just(Comparator::Le),
            Just(Comparator::Ge),
            Just(Comparator::Gt)
        ]),
    )
        .prop_map(|((code, unit), value, date, comparator)| Observation {
            system: "http://loinc.org".into(),
            code: code.into(),
            display: None,
            value,
            unit: unit.into(),
            date,
            comparator: comparator.filter(|_| value < 10.0),
        });
    // Plausible weights and heights, so that BMIs are derived (from a height up to a year
    // away from the weight).
    let biometric = (
        prop_oneof![
            (50.0f64..130.0).prop_map(|v| ("29463-7", "kg", v)),
            (145.0f64..200.0).prop_map(|v| ("8302-2", "cm", v)),
        ],
        date(),
    )
        .prop_map(|((code, unit, value), date)| Observation {
            system: "http://loinc.org".into(),
            code: code.into(),
            display: None,
            value,
            unit: unit.into(),
            date,
            comparator: None,
        });
    let obs = prop_oneof![3 => obs, 1 => biometric];
    let unreadable = (proptest::sample::select(KINDS), 1u32..3)
        .prop_map(|(kind, count)| Unreadable { kind, count });
    (
        proptest::option::of(
            (0u64..30000).prop_map(|d| reference().checked_sub_days(Days::new(d))),
        ),
        proptest::option::of(prop_oneof![
            Just(Sex::Female),
            Just(Sex::Male),
            Just(Sex::Unknown)
        ]),
        proptest::collection::vec(event, 0..25),
        proptest::collection::vec(obs, 0..15),
        proptest::option::of(unreadable),
        proptest::option::of(0u64..400),
        proptest::bool::weighted(0.05),
    )
        .prop_map(
            |(birth, sex, events, observations, unreadable, spread, deceased)| {
                let birth_date = birth.flatten();
                Patient {
                    id: None,
                    birth_date,
                    birth_date_latest: birth_date
                        .zip(spread)
                        .and_then(|(b, d)| b.checked_add_days(Days::new(d))),
                    sex,
                    events,
                    observations,
                    unreadable: unreadable.into_iter().collect(),
                    deceased,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The index (prefilter + hashed prefixes) finds exactly the trials, with exactly the
    /// results, that plain evaluation of every trial finds.
    #[test]
    fn index_equals_brute_force(trials in proptest::collection::vec(trial(), 1..8), patients in proptest::collection::vec(patient(), 1..4)) {
        let trials: Vec<Trial> = trials
            .into_iter()
            .enumerate()
            .map(|(i, mut t)| { t.id = format!("t{i}"); t })
            .filter(|t| trials::validate(t).is_empty())
            .collect();
        prop_assume!(!trials.is_empty());
        let index = TrialIndex::new(trials).unwrap();
        for p in &patients {
            let fast = index.matches(p, reference());
            let mut slow: Vec<_> = index
                .evaluate_all(p, reference())
                .into_iter()
                .filter(|r| r.verdict != Verdict::Ineligible)
                .collect();
            slow.sort_by_key(|r| r.verdict);
            prop_assert_eq!(&fast, &slow);
            let prepared = trials::PreparedPatient::new(p);
            let verdicts: Vec<_> = index.verdicts(&prepared, reference()).into_iter().map(|(_, v)| v).collect();
            let mut expected: Vec<_> = slow.iter().map(|r| r.verdict).collect();
            let mut got = verdicts;
            expected.sort();
            got.sort();
            prop_assert_eq!(got, expected);
        }
    }

    /// The observations the trials say they need are enough: on the record restricted to
    /// the needed codes, dates and history items, every trial has the verdict, and every
    /// criterion the truth, it has on the whole record.
    #[test]
    fn the_observation_need_is_enough(trials in proptest::collection::vec(trial(), 1..6), patients in proptest::collection::vec(patient(), 1..4)) {
        let trials: Vec<Trial> = trials
            .into_iter()
            .enumerate()
            .map(|(i, mut t)| { t.id = format!("t{i}"); t })
            .filter(|t| trials::validate(t).is_empty())
            .collect();
        prop_assume!(!trials.is_empty());
        let index = TrialIndex::new(trials).unwrap();
        let need = index.observation_need(reference());
        let truths = |p: &Patient| {
            index
                .evaluate_all(p, reference())
                .into_iter()
                .map(|r| {
                    let criteria: Vec<Truth> =
                        r.inclusion.iter().chain(&r.exclusion).map(|c| c.truth).collect();
                    (r.verdict, criteria)
                })
                .collect::<Vec<_>>()
        };
        for p in &patients {
            let restricted = need.restrict(p);
            prop_assert_eq!(truths(&restricted), truths(p));
            let verdicts = |p: &Patient| {
                index.verdicts(&trials::PreparedPatient::new(p), reference())
            };
            prop_assert_eq!(verdicts(&restricted), verdicts(p));
        }
    }

    /// The same for derived BMIs, whose height may predate the window: one BMI criterion, a
    /// record of weights and heights over a few years.
    #[test]
    fn the_observation_need_is_enough_for_derived_bmi(
        b in 20.0f64..35.0,
        window in window(),
        missing in missing(),
        birth in 0u64..25000,
        measures in proptest::collection::vec(
            (prop_oneof![
                (50.0f64..130.0).prop_map(|v| ("29463-7", "kg", v)),
                (145.0f64..200.0).prop_map(|v| ("8302-2", "cm", v)),
            ], 0u64..900),
            2..10,
        ),
    ) {
        let criterion = Criterion {
            id: "bmi".into(),
            label: None,
            node: Node::Bmi(BmiTest {
                value: ValueTest { gte: Some(b), ..ValueTest::default() },
                aggregate: Aggregate::Latest,
                window,
                missing,
            }),
        };
        let trial = Trial {
            id: "t".into(),
            version: 1,
            title: "BMI".into(),
            summary: None,
            criteria: Criteria { code_sets: Default::default(), inclusion: vec![criterion], exclusion: vec![] },
        };
        prop_assume!(trials::validate(&trial).is_empty());
        let index = TrialIndex::new(vec![trial]).unwrap();
        let need = index.observation_need(reference());
        let p = Patient {
            birth_date: reference().checked_sub_days(Days::new(birth)),
            observations: measures
                .into_iter()
                .map(|((code, unit, value), days)| Observation {
                    system: "http://loinc.org".into(),
                    code: code.into(),
                    display: None,
                    value,
                    unit: unit.into(),
                    date: reference().checked_sub_days(Days::new(days)),
                    comparator: None,
                })
                .collect(),
            ..Patient::default()
        };
        let truth = |p: &Patient| index.evaluate_all(p, reference())[0].inclusion[0].truth;
        prop_assert_eq!(truth(&need.restrict(&p)), truth(&p));
    }

    /// Trials survive a JSON round trip unchanged.
    #[test]
    fn trials_round_trip(t in trial()) {
        let json = serde_json::to_string(&t).unwrap();
        let back = Trial::from_json(&json).unwrap();
        prop_assert_eq!(back, t);
    }

    /// Patients and results survive a JSON round trip unchanged.
    #[test]
    fn patients_and_results_round_trip(t in trial(), p in patient()) {
        let json = serde_json::to_string(&p).unwrap();
        prop_assert_eq!(&Patient::from_json(&json).unwrap(), &p);
        if trials::validate(&t).is_empty() {
            let r = trials::evaluate(&t, &p, reference()).unwrap();
            let json = serde_json::to_string(&r).unwrap();
            let back: trials::TrialResult = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, r);
        }
    }

    /// Wrapping a criterion in `not(not(·))`, `all[·]`, `any[·]` or `at_least(1)[·]`
    /// changes nothing; `not` flips met and not met and keeps unknown.
    #[test]
    fn tree_identities(n in node(), p in patient()) {
        let mut base = Criterion { id: String::new(), label: None, node: n };
        number(&mut base, &mut 0);
        let truth_of = |node: Node| {
            let mut c = Criterion { id: String::new(), label: None, node };
            number(&mut c, &mut 0);
            let t = Trial { id: "t".into(), version: 1, title: "t".into(), summary: None, criteria: Criteria { code_sets: Default::default(), inclusion: vec![c], exclusion: vec![] } };
            trials::validate(&t).is_empty().then(|| trials::evaluate(&t, &p, reference()).unwrap().inclusion[0].truth)
        };
        let Some(t) = truth_of(base.node.clone()) else { return Ok(()) };
        let b = || Criterion { id: String::new(), label: None, node: base.node.clone() };
        prop_assert_eq!(truth_of(Node::Not(Box::new(Criterion { id: String::new(), label: None, node: Node::Not(Box::new(b())) }))), Some(t));
        prop_assert_eq!(truth_of(Node::All(vec![b()])), Some(t));
        prop_assert_eq!(truth_of(Node::Any(vec![b()])), Some(t));
        prop_assert_eq!(truth_of(Node::AtLeast(AtLeast { n: 1, of: vec![b()] })), Some(t));
        prop_assert_eq!(truth_of(Node::Not(Box::new(b()))), Some(t.not()));
    }
}

fn truth() -> impl Strategy<Value = Truth> {
    prop_oneof![Just(Truth::Met), Just(Truth::NotMet), Just(Truth::Unknown)]
}

proptest! {
    /// Kleene's strong three-valued logic.
    #[test]
    fn kleene_laws(a in truth(), b in truth(), c in truth()) {
        prop_assert_eq!(a.and(b), b.and(a));
        prop_assert_eq!(a.or(b), b.or(a));
        prop_assert_eq!(a.and(b.and(c)), a.and(b).and(c));
        prop_assert_eq!(a.or(b.or(c)), a.or(b).or(c));
        prop_assert_eq!(a.and(b.or(c)), a.and(b).or(a.and(c)));
        prop_assert_eq!(a.and(b).not(), a.not().or(b.not()));
        prop_assert_eq!(a.or(b).not(), a.not().and(b.not()));
        prop_assert_eq!(a.not().not(), a);
        prop_assert_eq!(a.and(Truth::Met), a);
        prop_assert_eq!(a.or(Truth::NotMet), a);
        prop_assert_eq!(Truth::at_least(1, [a, b, c]), a.or(b).or(c));
        prop_assert_eq!(Truth::at_least(3, [a, b, c]), a.and(b).and(c));
        // Unknown never becomes met or not met by negation.
        prop_assert_eq!(Truth::Unknown.not(), Truth::Unknown);
    }
}

/// Codes whose crosswalk is exact: an ICD-10 code and the same ICD-10-CM code (outside the
/// chapters where the two subdivide differently), an ATC substance and an RxNorm concept of
/// it (from `data/crosswalk/rxnorm_atc.tsv`).
const EXACT_PAIRS: &[(&str, &str, &str, &str)] = &[
    ("icd-10", "I10", "icd-10-cm", "I10"),
    ("icd-10", "N18.3", "icd-10-cm", "N18.3"),
    ("icd-10", "N18.4", "icd-10-cm", "N18.4"),
    ("icd-10", "J44.1", "icd-10-cm", "J44.1"),
    ("icd-10", "E78.5", "icd-10-cm", "E78.5"),
    ("atc", "A10BA02", "rxnorm", "6809"),
    ("atc", "C10AA05", "rxnorm", "259255"),
    ("atc", "C09AA05", "rxnorm", "198188"),
    ("atc", "B01AA03", "rxnorm", "11289"),
];

/// Entries a French sponsor writes over those codes, no finer than the crosswalk vouches.
const SPONSOR_ENTRIES: &[(&str, &str, bool)] = &[
    ("icd-10", "I10", false),
    ("icd-10", "I10-I15", true),
    ("icd-10", "N18", true),
    ("icd-10", "N18.3", false),
    ("icd-10", "J44", true),
    ("icd-10", "E78.5", false),
    ("atc", "A10BA02", false),
    ("atc", "A10B", true),
    ("atc", "C10AA", true),
    ("atc", "C09", true),
    ("atc", "B01AA03", false),
];

fn sponsor_leaf() -> impl Strategy<Value = Node> {
    (
        proptest::sample::select(&[EventKind::Condition, EventKind::Medication][..]),
        proptest::collection::vec(0..SPONSOR_ENTRIES.len(), 1..3),
        window(),
        proptest::option::of((0u32..3, proptest::option::of(0u32..3))),
        missing(),
    )
        .prop_map(|(kind, entries, window, count, missing)| {
            let include = entries
                .into_iter()
                .map(|i| {
                    let (system, code, descendants) = SPONSOR_ENTRIES[i];
                    CodeEntry::new(system, code, descendants)
                })
                .collect();
            Node::Event(
                kind,
                EventTest {
                    codes: Codes::Inline(CodeSet {
                        name: None,
                        include,
                        exclude: vec![],
                    }),
                    window,
                    count: count.map(|(min, max)| Count {
                        min: Some(min),
                        max: max.map(|m| m + min),
                    }),
                    first: false,
                    current: false,
                    missing,
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Where a crosswalk is exact, a record coded in the other system (ICD-10-CM for
    /// ICD-10, RxNorm for ATC) gives the same truths as the record coded the sponsor's way.
    #[test]
    fn exact_crosswalks_agree_with_the_native_codes(
        leaves in proptest::collection::vec(sponsor_leaf(), 1..4),
        events in proptest::collection::vec((0..EXACT_PAIRS.len(), date(), proptest::option::of(date())), 0..12),
    ) {
        let criteria: Vec<Criterion> = leaves
            .into_iter()
            .enumerate()
            .map(|(i, node)| Criterion { id: format!("c{i}"), label: None, node })
            .collect();
        let trial = Trial {
            id: "t".into(),
            version: 1,
            title: "T".into(),
            summary: None,
            criteria: Criteria {
                code_sets: Default::default(),
                inclusion: criteria,
                exclusion: vec![],
            },
        };
        prop_assume!(trials::validate(&trial).is_empty());
        let record = |mapped: bool| Patient {
            events: events
                .iter()
                .map(|&(i, date, end)| {
                    let (s, c, ms, mc) = EXACT_PAIRS[i];
                    let kind = if s == "atc" { EventKind::Medication } else { EventKind::Condition };
                    let (system, code) = if mapped { (ms, mc) } else { (s, c) };
                    Event {
                        kind,
                        system: system.into(),
                        code: code.into(),
                        display: None,
                        date,
                        end: end.flatten(),
                        status: None,
                        unconfirmed: false,
                    }
                })
                .collect(),
            ..Patient::default()
        };
        let native = trials::evaluate(&trial, &record(false), reference()).unwrap();
        let mapped = trials::evaluate(&trial, &record(true), reference()).unwrap();
        let truths = |r: &trials::TrialResult| r.inclusion.iter().map(|c| c.truth).collect::<Vec<_>>();
        prop_assert_eq!(truths(&native), truths(&mapped));
        prop_assert_eq!(native.verdict, mapped.verdict);
    }
}
