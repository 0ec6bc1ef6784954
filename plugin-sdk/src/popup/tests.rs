//! The pop-up: snapshots in French and English, and its structure checked.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::alert::Text;
use crate::fatigue::SNOOZE_DAYS;
use uuid::Uuid;

fn text(en: &str, fr: &str) -> Text {
    Text {
        en: en.into(),
        fr: fr.into(),
    }
}

fn alert(verdict: AlertVerdict) -> Alert {
    Alert {
        id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
        trial: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002),
        trial_id: "diabetes-t2-hba1c".into(),
        trial_version: 3,
        title: "Intensified treatment in type 2 diabetes".into(),
        acronym: Some("DIAB".into()),
        summary: Some(
            "Adults with type 2 diabetes and HbA1c above 7.5 %.\nOne visit a month for six months."
                .into(),
        ),
        verdict,
        reasons: vec![
            text("Age 66 years ≥ 18", "Âge 66 ans ≥ 18"),
            text(
                "HbA1c 8.1 % on 2026-09-14 ≥ 7.5 %",
                "HbA1c 8,1 % le 14/09/2026 ≥ 7,5 %",
            ),
        ],
        to_confirm: match verdict {
            AlertVerdict::Eligible => vec![],
            AlertVerdict::PossiblyEligible => vec![text(
                "Pregnancy: no record — confirm with the patient",
                "Grossesse : aucune donnée — à confirmer avec le patient",
            )],
        },
    }
}

#[test]
fn snapshots() {
    insta::assert_snapshot!(
        "eligible_en",
        popup_html(&alert(AlertVerdict::Eligible), Locale::En).unwrap()
    );
    insta::assert_snapshot!(
        "eligible_fr",
        popup_html(&alert(AlertVerdict::Eligible), Locale::Fr).unwrap()
    );
    insta::assert_snapshot!(
        "possibly_en",
        popup_html(&alert(AlertVerdict::PossiblyEligible), Locale::En).unwrap()
    );
    insta::assert_snapshot!(
        "possibly_fr",
        popup_html(&alert(AlertVerdict::PossiblyEligible), Locale::Fr).unwrap()
    );
}

#[test]
fn structure_in_both_languages() {
    for (locale, accept, reasons, effects) in [
        (
            Locale::En,
            "Propose now",
            [
                "Not eligible after all",
                "Patient not interested",
                "No time",
                "Other",
            ],
            [
                "Later — 30 days",
                "opens the consent form",
                "not proposed again to this patient",
            ],
        ),
        (
            Locale::Fr,
            "Proposer maintenant",
            [
                "Finalement non éligible",
                "Patient pas intéressé",
                "Pas le temps",
                "Autre",
            ],
            [
                "Plus tard — 30 jours",
                "ouvre le consentement",
                "ne plus le proposer à ce patient",
            ],
        ),
    ] {
        let a = alert(AlertVerdict::PossiblyEligible);
        let html = popup_html(&a, locale).unwrap();
        let id = a.id.to_string();
        assert!(html.contains(r#"role="dialog""#));
        assert!(html.contains(&format!(r#"aria-labelledby="inclusio-title-{id}""#)));
        assert!(html.contains(&format!(r#"<h2 id="inclusio-title-{id}">"#)));
        for action in ["accept", "not_now", "decline"] {
            let tag = format!(r#"data-inclusio-action="{action}" data-alert-id="{id}""#);
            assert_eq!(html.matches(&tag).count(), 1, "{action}");
        }
        assert_eq!(html.matches("<button ").count(), 3);
        assert!(html.contains("<fieldset") && html.contains("<legend>"));
        assert_eq!(html.matches(r#"type="radio""#).count(), 4);
        for r in DeclineReason::ALL {
            assert!(html.contains(&format!(r#"value="{}""#, r.as_str())));
        }
        for label in reasons {
            assert!(html.contains(label), "{label}");
        }
        assert!(html.contains(accept));
        // Every answer says what it does; no reason is chosen for the GP.
        for effect in effects {
            assert!(html.contains(effect), "{effect}");
        }
        assert!(html.contains(&format!(r#"data-snooze-days="{SNOOZE_DAYS}""#)));
        assert!(!html.contains("checked"));
        assert!(html.contains(a.reasons[1].get(locale)));
        assert!(html.contains(a.to_confirm[0].get(locale)));
        // Self-contained: no script, nothing fetched.
        for banned in [
            "<script", "src=", "href=", "url(", "@import", "http://", "https://",
        ] {
            assert!(!html.contains(banned), "{banned}");
        }
    }
}

#[test]
fn escapes_what_it_shows() {
    let mut a = alert(AlertVerdict::Eligible);
    a.title = "<img src=x onerror=alert(1)>".into();
    a.reasons = vec![text("<b>x</b>", "<b>x</b>")];
    let html = popup_html(&a, Locale::En).unwrap();
    assert!(!html.contains("<img") && !html.contains("<b>"));
    assert!(
        html.contains("&#60;img") || html.contains("&lt;img"),
        "{html}"
    );
}

#[test]
fn eligible_has_nothing_to_confirm() {
    let html = popup_html(&alert(AlertVerdict::Eligible), Locale::En).unwrap();
    assert!(!html.contains("To confirm with the patient"));
    assert!(html.contains("Why this patient matches"));
}
