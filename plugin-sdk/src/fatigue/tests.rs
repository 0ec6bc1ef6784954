//! Every fatigue rule, as a table: history and rules in, the shown trials out.

#![allow(clippy::unwrap_used)]

use super::*;

const P: &str = "aaaa";

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn site(lat: f64, lon: f64) -> Site {
    Site {
        id: id(999),
        name: "site".into(),
        latitude: Some(lat),
        longitude: Some(lon),
    }
}

fn unlocated() -> Site {
    Site {
        id: id(998),
        name: "nowhere".into(),
        latitude: None,
        longitude: None,
    }
}

// Paris, Lyon (≈ 392 km), Versailles (≈ 17 km).
const PARIS: Location = Location {
    latitude: 48.8566,
    longitude: 2.3522,
};

struct Case {
    name: &'static str,
    rules: Rules,
    /// (trial, response, snooze) events recorded on an earlier day, in order.
    history: Vec<(u128, ResponseKind, Option<&'static str>)>,
    /// (trial, response, snooze) events recorded on `today` (earlier consultations or
    /// openings of the record the same day), after `history`.
    history_today: Vec<(u128, ResponseKind, Option<&'static str>)>,
    /// Suppressions merged from the server.
    merged: Vec<Suppression>,
    /// (trial, verdict, sites).
    candidates: Vec<(u128, AlertVerdict, Vec<Site>)>,
    today: &'static str,
    shown: Vec<u128>,
    decisions: Vec<(u128, Decision)>,
}

fn base() -> Case {
    Case {
        name: "",
        rules: Rules::default(),
        history: vec![],
        history_today: vec![],
        merged: vec![],
        candidates: vec![],
        today: "2026-11-23",
        shown: vec![],
        decisions: vec![],
    }
}

use AlertVerdict::{Eligible as E, PossiblyEligible as PE};
use ResponseKind::{Accepted, Declined, NotNow, Shown};

fn cases() -> Vec<Case> {
    let far = Rules {
        max_distance_km: Some(50.0),
        practice_location: Some(PARIS),
        ..Rules::default()
    };
    vec![
        Case {
            name: "nothing to show",
            ..base()
        },
        Case {
            name: "default: one alert, eligible before possibly eligible",
            candidates: vec![(1, PE, vec![]), (2, E, vec![]), (3, E, vec![])],
            shown: vec![2],
            decisions: vec![
                (2, Decision::Shown),
                (3, Decision::OverLimit),
                (1, Decision::OverLimit),
            ],
            ..base()
        },
        Case {
            name: "max_alerts 2 keeps the ranking",
            rules: Rules {
                max_alerts: 2,
                ..Rules::default()
            },
            candidates: vec![(1, PE, vec![]), (2, PE, vec![]), (3, E, vec![])],
            shown: vec![3, 1],
            ..base()
        },
        Case {
            name: "max_alerts 0 shows nothing",
            rules: Rules {
                max_alerts: 0,
                ..Rules::default()
            },
            candidates: vec![(1, E, vec![])],
            decisions: vec![(1, Decision::OverLimit)],
            ..base()
        },
        Case {
            name: "declined is never shown again, the next one takes its place",
            history: vec![(2, Declined, None)],
            candidates: vec![(1, PE, vec![]), (2, E, vec![])],
            shown: vec![1],
            decisions: vec![(2, Decision::Declined), (1, Decision::Shown)],
            ..base()
        },
        Case {
            name: "declined stays declined years later",
            history: vec![(1, Declined, None)],
            candidates: vec![(1, E, vec![])],
            today: "2036-01-01",
            decisions: vec![(1, Decision::Declined)],
            ..base()
        },
        Case {
            name: "a decline for another patient does not count",
            merged: vec![Suppression {
                patient: "bbbb".into(),
                trial: id(1),
                declined: true,
                snoozed_until: None,
                shown_unanswered: 0,
                last_shown: None,
            }],
            candidates: vec![(1, E, vec![])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "snoozed: not before its date",
            history: vec![(1, NotNow, Some("2026-12-01"))],
            candidates: vec![(1, E, vec![])],
            today: "2026-11-30",
            decisions: vec![(1, Decision::Snoozed)],
            ..base()
        },
        Case {
            name: "snoozed: again from its date",
            history: vec![(1, NotNow, Some("2026-12-01"))],
            candidates: vec![(1, E, vec![])],
            today: "2026-12-01",
            shown: vec![1],
            ..base()
        },
        Case {
            name: "shown K times without answer stops",
            history: vec![(1, Shown, None), (1, Shown, None), (1, Shown, None)],
            candidates: vec![(1, E, vec![]), (2, PE, vec![])],
            shown: vec![2],
            decisions: vec![(1, Decision::Unanswered), (2, Decision::Shown)],
            ..base()
        },
        Case {
            name: "shown K-1 times is still shown",
            history: vec![(1, Shown, None), (1, Shown, None)],
            candidates: vec![(1, E, vec![])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "an answer resets the unanswered count",
            history: vec![
                (1, Shown, None),
                (1, Shown, None),
                (1, Accepted, None),
                (1, Shown, None),
            ],
            candidates: vec![(1, E, vec![])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "K is configurable",
            rules: Rules {
                max_unanswered_shows: 1,
                ..Rules::default()
            },
            history: vec![(1, Shown, None)],
            candidates: vec![(1, E, vec![])],
            decisions: vec![(1, Decision::Unanswered)],
            ..base()
        },
        Case {
            name: "distance: a site near the practice",
            rules: far.clone(),
            candidates: vec![(1, E, vec![site(45.764, 4.8357), site(48.8049, 2.1204)])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "distance: every site too far",
            rules: far.clone(),
            candidates: vec![(1, E, vec![site(45.764, 4.8357)]), (2, PE, vec![])],
            shown: vec![2],
            decisions: vec![(1, Decision::TooFar), (2, Decision::Shown)],
            ..base()
        },
        Case {
            name: "distance: sites without coordinates are not excluded",
            rules: far,
            candidates: vec![(1, E, vec![unlocated()])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "distance: no limit without a practice location",
            rules: Rules {
                max_distance_km: Some(1.0),
                ..Rules::default()
            },
            candidates: vec![(1, E, vec![site(45.764, 4.8357)])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "a server decline from another workstation holds",
            merged: vec![Suppression {
                patient: P.into(),
                trial: id(1),
                declined: true,
                snoozed_until: None,
                shown_unanswered: 0,
                last_shown: None,
            }],
            candidates: vec![(1, E, vec![])],
            decisions: vec![(1, Decision::Declined)],
            ..base()
        },
        Case {
            name: "a server snooze and showing count merge with local ones",
            history: vec![(1, NotNow, Some("2026-11-25"))],
            merged: vec![
                Suppression {
                    patient: P.into(),
                    trial: id(1),
                    declined: false,
                    snoozed_until: Some(d("2026-11-20")),
                    shown_unanswered: 0,
                    last_shown: None,
                },
                Suppression {
                    patient: P.into(),
                    trial: id(2),
                    declined: false,
                    snoozed_until: None,
                    shown_unanswered: 3,
                    last_shown: None,
                },
            ],
            candidates: vec![(1, E, vec![]), (2, E, vec![])],
            decisions: vec![(1, Decision::Snoozed), (2, Decision::Unanswered)],
            ..base()
        },
        Case {
            name: "one trial a day: after an answer, a reopening the same day shows no other",
            history_today: vec![(1, Shown, None), (1, Declined, None)],
            candidates: vec![(1, E, vec![]), (2, E, vec![])],
            decisions: vec![(1, Decision::Declined), (2, Decision::DailyLimit)],
            ..base()
        },
        Case {
            name: "one trial a day: the next trial waits for a later consultation",
            history: vec![(1, Shown, None), (1, Declined, None)],
            candidates: vec![(1, E, vec![]), (2, E, vec![])],
            shown: vec![2],
            ..base()
        },
        Case {
            name: "one trial a day: after a pop-up closed without an answer, a reopening shows the same trial only",
            history_today: vec![(1, Shown, None)],
            candidates: vec![(1, E, vec![]), (2, E, vec![])],
            shown: vec![1],
            decisions: vec![(2, Decision::OverLimit)],
            ..base()
        },
        Case {
            name: "closed without an answer: shown again at the next consultation, unanswered",
            history: vec![(1, Shown, None)],
            candidates: vec![(1, E, vec![])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "closed without an answer max_unanswered_shows times: no more",
            history: vec![(1, Shown, None), (1, Shown, None), (1, Shown, None)],
            candidates: vec![(1, E, vec![])],
            decisions: vec![(1, Decision::Unanswered)],
            ..base()
        },
        Case {
            name: "two trials a day: after an answer, the second opening shows the second trial",
            rules: Rules {
                alerts_per_patient_per_day: 2,
                ..Rules::default()
            },
            history_today: vec![(1, Shown, None), (1, Declined, None)],
            candidates: vec![(1, E, vec![]), (2, E, vec![]), (3, E, vec![])],
            shown: vec![2],
            decisions: vec![(1, Decision::Declined), (3, Decision::OverLimit)],
            ..base()
        },
        Case {
            name: "two trials a day: once both were shown, a third waits for another day",
            rules: Rules {
                alerts_per_patient_per_day: 2,
                ..Rules::default()
            },
            history_today: vec![
                (1, Shown, None),
                (1, Declined, None),
                (2, Shown, None),
                (2, NotNow, Some("2026-12-23")),
            ],
            candidates: vec![(1, E, vec![]), (2, E, vec![]), (3, E, vec![])],
            decisions: vec![
                (1, Decision::Declined),
                (2, Decision::Snoozed),
                (3, Decision::DailyLimit),
            ],
            ..base()
        },
        Case {
            name: "max_alerts 2: the day's first consultation shows two, a reopening no third",
            rules: Rules {
                max_alerts: 2,
                ..Rules::default()
            },
            history_today: vec![
                (1, Shown, None),
                (1, Accepted, None),
                (2, Shown, None),
                (2, Declined, None),
            ],
            candidates: vec![(1, E, vec![]), (2, E, vec![]), (3, E, vec![])],
            shown: vec![1],
            decisions: vec![(2, Decision::Declined), (3, Decision::DailyLimit)],
            ..base()
        },
        Case {
            name: "what is left of the day caps max_alerts",
            rules: Rules {
                max_alerts: 2,
                alerts_per_patient_per_day: 3,
                ..Rules::default()
            },
            history_today: vec![
                (1, Shown, None),
                (1, Declined, None),
                (2, Shown, None),
                (2, Declined, None),
            ],
            candidates: vec![
                (1, E, vec![]),
                (2, E, vec![]),
                (3, E, vec![]),
                (4, E, vec![]),
            ],
            shown: vec![3],
            decisions: vec![(4, Decision::DailyLimit)],
            ..base()
        },
        Case {
            name: "another patient's showings today do not count",
            merged: vec![Suppression {
                patient: "bbbb".into(),
                trial: id(1),
                declined: false,
                snoozed_until: None,
                shown_unanswered: 1,
                last_shown: Some(d("2026-11-23")),
            }],
            candidates: vec![(1, E, vec![])],
            shown: vec![1],
            ..base()
        },
        Case {
            name: "a showing and answer today on another workstation hold",
            merged: vec![Suppression {
                patient: P.into(),
                trial: id(1),
                declined: true,
                snoozed_until: None,
                shown_unanswered: 0,
                last_shown: Some(d("2026-11-23")),
            }],
            candidates: vec![(1, E, vec![]), (2, E, vec![])],
            decisions: vec![(1, Decision::Declined), (2, Decision::DailyLimit)],
            ..base()
        },
    ]
}

#[test]
fn every_rule() {
    for case in cases() {
        let mut history = History::default();
        let today = d(case.today);
        let before = today.pred_opt().unwrap();
        for (t, r, snooze) in &case.history {
            history.record(P, id(*t), *r, snooze.map(d), before);
        }
        for (t, r, snooze) in &case.history_today {
            history.record(P, id(*t), *r, snooze.map(d), today);
        }
        for s in &case.merged {
            history.merge(s);
        }
        let candidates: Vec<Candidate> = case
            .candidates
            .iter()
            .enumerate()
            .map(|(position, (t, v, sites))| Candidate {
                position,
                trial: id(*t),
                verdict: *v,
                sites,
            })
            .collect();
        let shown: Vec<u128> = select(&case.rules, &history, P, today, candidates.clone())
            .iter()
            .map(|c| c.trial.as_u128())
            .collect();
        assert_eq!(shown, case.shown, "{}", case.name);
        let decisions: Vec<(u128, Decision)> = decide(&case.rules, &history, P, today, candidates)
            .into_iter()
            .map(|(c, d)| (c.trial.as_u128(), d))
            .collect();
        for expected in &case.decisions {
            assert!(decisions.contains(expected), "{}: {decisions:?}", case.name);
        }
        // History survives its JSON round trip.
        let json = serde_json::to_string(&history).unwrap();
        assert_eq!(serde_json::from_str::<History>(&json).unwrap(), history);
    }
}

#[test]
fn distances() {
    let lyon = Location {
        latitude: 45.764,
        longitude: 4.8357,
    };
    let km = PARIS.distance_km(lyon);
    assert!((km - 392.0).abs() < 3.0, "{km}");
    assert_eq!(PARIS.distance_km(PARIS), 0.0);
}

#[test]
fn rules_from_settings() {
    let s = PracticeSettings {
        max_alerts: 2,
        max_unanswered_shows: 5,
        max_distance_km: Some(30.0),
        latitude: Some(1.0),
        longitude: Some(2.0),
        outcome_email: None,
        alerts_per_patient_per_day: 3,
        display: crate::wire::AlertDisplay::Banner,
    };
    let r = Rules::from(&s);
    assert_eq!(r.max_alerts, 2);
    assert_eq!(r.max_unanswered_shows, 5);
    assert_eq!(r.alerts_per_patient_per_day, 3);
    assert_eq!(r.max_distance_km, Some(30.0));
    assert_eq!(
        r.practice_location,
        Some(Location {
            latitude: 1.0,
            longitude: 2.0
        })
    );
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn response() -> impl Strategy<Value = ResponseKind> {
        prop_oneof![
            Just(Shown),
            Just(Shown),
            Just(Accepted),
            Just(NotNow),
            Just(Declined),
        ]
    }

    proptest! {
        /// Whatever the day's earlier openings and answers, a consultation never takes the
        /// patient's trials of the day past `alerts_per_patient_per_day` (or `max_alerts`),
        /// and shows at most `max_alerts`.
        #[test]
        fn a_day_never_exceeds_its_limit(
            per_day in 1usize..4,
            max_alerts in 1usize..4,
            openings in proptest::collection::vec(proptest::collection::vec((0u128..5, response()), 0..3), 1..6),
        ) {
            let rules = Rules { max_alerts, alerts_per_patient_per_day: per_day, ..Rules::default() };
            let today = d("2026-11-23");
            let mut history = History::default();
            let mut seen = std::collections::BTreeSet::new();
            for answers in openings {
                let candidates: Vec<Candidate> = (0u128..5)
                    .map(|t| Candidate { position: t as usize, trial: id(t), verdict: E, sites: &[] })
                    .collect();
                let shown = select(&rules, &history, P, today, candidates);
                prop_assert!(shown.len() <= max_alerts);
                for c in &shown {
                    seen.insert(c.trial);
                    history.record(P, c.trial, Shown, None, today);
                }
                prop_assert!(seen.len() <= per_day.max(max_alerts), "{} trials on one day", seen.len());
                for (t, r) in answers {
                    if seen.contains(&id(t)) && r != Shown {
                        history.record(P, id(t), r, Some(d("2026-12-23")), today);
                    }
                }
            }
        }
    }
}
