//! The wire contract, field by field.

#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::json;

fn round_trip<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(
    value: serde_json::Value,
) -> T {
    let parsed: T = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), value);
    parsed
}

#[test]
fn events() {
    let id = "0193a0c4-7e1a-7000-8000-000000000001";
    let declined = json!({"events": [{
        "id": id, "alert_id": "0193a0c4-7e1a-7000-8000-000000000002",
        "trial": "0193a0c4-7e1a-7000-8000-000000000003", "trial_version": 2,
        "patient": "ab".repeat(32), "verdict": "possibly_eligible", "response": "declined",
        "reason": "not_interested", "at": "2026-11-23T10:15:00Z"
    }]});
    let b: EventBatch = round_trip(declined);
    assert_eq!(b.events[0].reason, Some(DeclineReason::NotInterested));
    let snoozed = json!({
        "id": id, "alert_id": id, "trial": id, "trial_version": 1, "patient": "00".repeat(32),
        "verdict": "eligible", "response": "not_now", "snooze_until": "2026-12-23",
        "at": "2026-11-23T10:15:00Z"
    });
    let e: Event = round_trip(snoozed);
    assert_eq!(e.snooze_until, Some("2026-12-23".parse().unwrap()));
    for r in ["shown", "accepted", "not_now", "declined"] {
        let v: ResponseKind = serde_json::from_value(json!(r)).unwrap();
        assert_eq!(serde_json::to_value(v).unwrap(), json!(r));
    }
    for r in DeclineReason::ALL {
        assert_eq!(serde_json::to_value(r).unwrap(), json!(r.as_str()));
    }
}

#[test]
fn replies() {
    let r: EventResults = round_trip(json!({"results": [
        {"id": "0193a0c4-7e1a-7000-8000-000000000001", "status": "recorded",
         "consent_url": "https://inclusio.example/consent/abc"},
        {"id": "0193a0c4-7e1a-7000-8000-000000000002", "status": "duplicate"}
    ]}));
    assert_eq!(r.results[1].status, EventStatus::Duplicate);
    let s: Suppressions = round_trip(json!({"suppressions": [
        {"patient": "ab".repeat(32), "trial": "0193a0c4-7e1a-7000-8000-000000000003",
         "declined": false, "snoozed_until": "2027-01-01", "shown_unanswered": 2}
    ]}));
    assert_eq!(s.suppressions[0].shown_unanswered, 2);
    let p: PracticeSettings = round_trip(json!({"max_alerts": 2, "max_unanswered_shows": 3,
        "max_distance_km": 40.5, "latitude": 48.85, "longitude": 2.35}));
    assert_eq!(p.max_distance_km, Some(40.5));
    let _: PracticeSettings = round_trip(json!({"max_alerts": 1, "max_unanswered_shows": 3}));
}

#[test]
fn unknown_verdicts_are_refused() {
    assert!(serde_json::from_value::<AlertVerdict>(json!("ineligible")).is_err());
    assert!(serde_json::from_value::<ResponseKind>(json!("maybe")).is_err());
}

#[test]
fn wire_names_are_the_serde_spellings() {
    for v in AlertVerdict::ALL {
        assert_eq!(serde_json::to_value(v).unwrap(), json!(v.as_str()));
        assert_eq!(AlertVerdict::parse(v.as_str()), Some(v));
    }
    for r in ResponseKind::ALL {
        assert_eq!(serde_json::to_value(r).unwrap(), json!(r.as_str()));
        assert_eq!(ResponseKind::parse(r.as_str()), Some(r));
    }
    for r in DeclineReason::ALL {
        assert_eq!(DeclineReason::parse(r.as_str()), Some(r));
    }
    for s in [EventStatus::Recorded, EventStatus::Duplicate] {
        assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
    }
    assert_eq!(AlertVerdict::parse("ineligible"), None);
    assert_eq!(ResponseKind::parse("maybe"), None);
    assert_eq!(DeclineReason::parse("bored"), None);
}

#[test]
fn events_refuse_unknown_fields() {
    let id = "0193a0c4-7e1a-7000-8000-000000000001";
    let mut e = json!({
        "id": id, "alert_id": id, "trial": id, "trial_version": 1, "patient": "00".repeat(32),
        "verdict": "eligible", "response": "shown", "at": "2026-11-23T10:15:00Z"
    });
    let _: Event = round_trip(e.clone());
    e["extra"] = json!(1);
    assert!(serde_json::from_value::<Event>(e).is_err());
    assert!(serde_json::from_value::<EventBatch>(json!({"events": [], "x": 1})).is_err());
}

#[test]
fn settings_with_and_without_an_outcome_email() {
    let with: PracticeSettings = round_trip(json!({"max_alerts": 1, "max_unanswered_shows": 3,
        "outcome_email": "cabinet@example.fr"}));
    assert_eq!(with.outcome_email.as_deref(), Some("cabinet@example.fr"));
    // What older servers send, and what the defaults serialise to.
    let old: PracticeSettings = round_trip(json!({"max_alerts": 1, "max_unanswered_shows": 3}));
    assert_eq!(old, PracticeSettings::default());
    // A field a newer server adds is ignored by the SDK.
    let newer: PracticeSettings =
        serde_json::from_value(json!({"max_alerts": 1, "max_unanswered_shows": 3, "new": true}))
            .unwrap();
    assert_eq!(newer, PracticeSettings::default());
}

#[test]
fn settings_fields_are_listed() {
    let all = PracticeSettings {
        max_distance_km: Some(1.0),
        latitude: Some(1.0),
        longitude: Some(1.0),
        outcome_email: Some("a@b".into()),
        alerts_per_patient_per_day: 2,
        display: AlertDisplay::Banner,
        ..PracticeSettings::default()
    };
    let v = serde_json::to_value(all).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut listed = PracticeSettings::FIELDS.to_vec();
    listed.sort_unstable();
    assert_eq!(keys, listed);
}

#[test]
fn settings_without_the_display_fields_read_as_the_defaults() {
    // An older server's reply, or an administrator's body from before these settings.
    let old: PracticeSettings =
        serde_json::from_value(json!({"max_alerts": 1, "max_unanswered_shows": 3})).unwrap();
    assert_eq!(old.alerts_per_patient_per_day, 1);
    assert_eq!(old.display, AlertDisplay::Modal);
    let set: PracticeSettings = round_trip(
        json!({"max_alerts": 1, "max_unanswered_shows": 3, "alerts_per_patient_per_day": 2, "display": "banner"}),
    );
    assert_eq!(set.alerts_per_patient_per_day, 2);
    assert_eq!(set.display, AlertDisplay::Banner);
    // A suppression without `last_shown` (an older server) reads as never shown today.
    let s: Suppression = serde_json::from_value(
        json!({"patient": "p", "trial": Uuid::nil(), "declined": false, "shown_unanswered": 1}),
    )
    .unwrap();
    assert_eq!(s.last_shown, None);
}
