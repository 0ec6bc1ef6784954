//! Cards through the plugin SDK's core, for an issuer configured with a `practice_id`: the
//! same `plugin_sdk::Matcher` alerts and alert-fatigue rules as `POST /api/v1/match` (the
//! practice's `plugin_settings`, its declines, snoozes and unanswered showings), keyed by a
//! pseudonym of the EHR patient id. Each card links to the pop-up (`/popup/{sealed token}`)
//! and its showing is recorded as a `shown` plugin event whose `alert_id` is the card's uuid.
//!
//! The pseudonym is HMAC-SHA-256 of the EHR patient id under a per-practice key, itself
//! HMAC-SHA-256 of `inclusio.cds-pseudonym.v1\0` followed by the practice id's 16 bytes,
//! under `secrets.session_key`: stable for a practice, unlinkable across practices, and the
//! patient id itself is never stored.

use crate::cds::cards::{self, Card, Cards, Link};
use crate::plugin::matching::MatcherCache;
use crate::plugin::popup_token::PopupSealer;
use crate::plugin::{settings, suppressions};
use chrono::{NaiveDate, SubsecRound, Utc};
use platform::crypto::derive_key_for;
use platform::entities::plugin_event;
use platform::error::ApiError;
use plugin_sdk::wire::{PracticeSettings, Suppression};
use plugin_sdk::{Alert, History, Rules};
use sea_orm::DatabaseConnection;
use trials::{Locale, Patient};
use uuid::Uuid;

/// The label the per-practice pseudonym key is derived with (the practice id's 16 bytes
/// follow it).
pub const PSEUDONYM_LABEL: &str = "inclusio.cds-pseudonym.v1\0";

/// The pseudonym of an EHR patient id for `practice` (64 lowercase hex digits).
pub fn pseudonym(session_key: &str, practice: Uuid, ehr_patient_id: &str) -> String {
    let key = derive_key_for(session_key.as_bytes(), PSEUDONYM_LABEL, practice.as_bytes());
    plugin_sdk::pseudonym::pseudonym(&key, ehr_patient_id)
}

/// Where the cards' links point and how they are sealed.
pub struct Linking<'a> {
    /// Seals pop-up tokens.
    pub sealer: &'a PopupSealer,
    /// `{public url}/popup`.
    pub popup_base: &'a str,
}

/// The cards for a patient of `practice` (pseudonym `patient`), each showing recorded.
pub async fn cards(
    db: &DatabaseConnection,
    cache: &MatcherCache,
    practice: Uuid,
    patient: &str,
    record: &Patient,
    locale: Locale,
    link: &Linking<'_>,
) -> Result<Cards, ApiError> {
    let today = Utc::now().date_naive();
    let matcher = cache.get(db).await?;
    let s = settings::get(db, practice).await?;
    let rules = Rules::from(&PracticeSettings {
        max_alerts: s.max_alerts,
        max_unanswered_shows: s.max_unanswered_shows,
        max_distance_km: s.max_distance_km,
        latitude: s.latitude,
        longitude: s.longitude,
    });
    let mut history = History::default();
    for s in suppressions::of_patient(db, practice, patient, today).await? {
        history.merge(&Suppression {
            patient: s.patient,
            trial: s.trial,
            declined: s.declined,
            snoozed_until: s.snoozed_until,
            shown_unanswered: s.shown_unanswered,
        });
    }
    let alerts = matcher.alerts(&rules, &history, patient, record, today, Uuid::now_v7);
    if alerts.is_empty() {
        return Ok(Cards { cards: Vec::new() });
    }
    let mut out = Vec::with_capacity(alerts.len());
    let txn = platform::db::write(db).await?;
    let now = Utc::now().trunc_subsecs(6);
    for alert in alerts {
        shown(&txn, practice, patient, &alert, now).await?;
        let token = link.sealer.seal(&alert, locale, practice, patient)?;
        out.push(card(&alert, locale, format!("{}/{token}", link.popup_base)));
    }
    txn.commit().await?;
    Ok(Cards { cards: out })
}

async fn shown<C: sea_orm::ConnectionTrait>(
    db: &C,
    practice: Uuid,
    patient: &str,
    alert: &Alert,
    now: chrono::DateTime<Utc>,
) -> Result<(), ApiError> {
    crate::plugin::events::insert_row(
        db,
        plugin_event::Model {
            id: Uuid::now_v7(),
            organisation_id: practice,
            alert_id: alert.id,
            trial_id: alert.trial,
            trial_version: i32::try_from(alert.trial_version).unwrap_or(i32::MAX),
            patient: patient.to_string(),
            verdict: verdict(alert).into(),
            response: "shown".into(),
            reason: None,
            snooze_until: None::<NaiveDate>,
            at: now,
            received_at: now,
        },
    )
    .await?;
    Ok(())
}

/// The event verdict of an alert: `eligible` or `possibly_eligible`.
pub fn verdict(alert: &Alert) -> &'static str {
    match alert.verdict {
        plugin_sdk::AlertVerdict::Eligible => "eligible",
        plugin_sdk::AlertVerdict::PossiblyEligible => "possibly_eligible",
    }
}

/// The card of an alert: its uuid is the alert id; its link opens the pop-up.
fn card(alert: &Alert, locale: Locale, popup_url: String) -> Card {
    let fr = locale == Locale::Fr;
    let name = match alert.acronym.as_deref() {
        Some(a) if !a.trim().is_empty() => format!("{a}: {}", alert.title),
        _ => alert.title.clone(),
    };
    let eligible = verdict(alert) == "eligible";
    let lead = match (eligible, fr) {
        (true, false) => "Patient may fit trial",
        (true, true) => "Patient éligible à l'essai",
        (false, false) => "Patient may fit trial (to confirm)",
        (false, true) => "Patient peut-être éligible à l'essai",
    };
    let mut detail = String::new();
    if let Some(s) = alert.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        detail.push_str(s.trim());
        detail.push_str("\n\n");
    }
    let list = |title: &str, items: &[plugin_sdk::alert::Text], out: &mut String| {
        if items.is_empty() {
            return;
        }
        out.push_str(title);
        out.push('\n');
        for t in items {
            out.push_str(&format!("- {}\n", t.get(locale)));
        }
        out.push('\n');
    };
    let (met, confirm) = if fr {
        ("Critères remplis :", "À confirmer avec le patient :")
    } else {
        ("Criteria met:", "To confirm with the patient:")
    };
    list(met, &alert.reasons, &mut detail);
    list(confirm, &alert.to_confirm, &mut detail);
    let detail = detail.trim_end().to_string();
    Card {
        uuid: alert.id.to_string(),
        summary: cards::summary(&format!("{lead} {name}")),
        indicator: "info",
        detail: if detail.is_empty() {
            lead.to_string()
        } else {
            detail
        },
        source: cards::Source {
            label: "Inclusio",
            topic: Some(cards::Topic {
                code: alert.trial.to_string(),
                system: "https://inclusio.health/fhir/trial",
                display: alert.title.clone(),
            }),
        },
        override_reasons: cards::override_reasons(locale),
        links: vec![Link {
            label: if fr {
                "Ouvrir l'essai".into()
            } else {
                "Open the trial".into()
            },
            url: popup_url,
            kind: "absolute",
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_per_practice_and_secret() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let p = pseudonym("secret", a, "patient-1");
        assert!(crate::plugin::is_pseudonym(&p));
        assert_eq!(p, pseudonym("secret", a, "patient-1"));
        assert_ne!(p, pseudonym("secret", b, "patient-1"));
        assert_ne!(p, pseudonym("other", a, "patient-1"));
        assert_ne!(p, pseudonym("secret", a, "patient-2"));
    }

    #[test]
    fn a_known_pseudonym_is_unchanged() {
        // Computed independently (Python's hmac) as before `crypto::derive_key_for`.
        assert_eq!(
            pseudonym("secret", Uuid::from_u128(1), "patient-1"),
            "6647cf7a394d8f9f05126a06550b2dfd64aa8142bb642da75826e322e4b38063"
        );
    }
}
