//! Cards through the plugin SDK's core: the same `plugin_sdk::Matcher` alerts, from the
//! same compiled trials (`plugin::cache::MatcherCache`, read once per call by the handler), as `POST /api/v1/match`, made into cards by
//! [`cards::card`]. For an issuer configured with a `practice_id` ([`cards`]), under the
//! practice's alert-fatigue rules (its `plugin_settings`, its declines, snoozes and
//! unanswered showings), keyed by a pseudonym of the EHR patient id: each card links to the
//! pop-up (`/popup/{sealed token}`) and its showing is recorded as a `shown` plugin event
//! whose `alert_id` is the card's uuid. For any other issuer ([`anonymous_cards`]): at most
//! [`cards::MAX_CARDS`], without fatigue rules, links or events.
//!
//! The pseudonym is HMAC-SHA-256 of the EHR patient id under a per-practice key, itself
//! HMAC-SHA-256 of `inclusio.cds-pseudonym.v1\0` followed by the practice id's 16 bytes,
//! under `secrets.session_key`: stable for a practice, unlinkable across practices, and the
//! patient id itself is never stored.

use crate::cds::cards::{self, Cards};
use crate::plugin::popup_token::PopupSealer;
use crate::plugin::{settings, suppressions};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use platform::crypto::derive_key_for;
use platform::entities::plugin_event;
use platform::error::ApiError;
use plugin_sdk::{Alert, History, Matcher, Rules};
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

/// How the cards are shown: when, in which language, and where their links point.
pub struct Showing<'a> {
    /// Seals pop-up tokens.
    pub sealer: &'a PopupSealer,
    /// `{public url}/popup`.
    pub popup_base: &'a str,
    /// The language of the cards and pop-ups.
    pub locale: Locale,
    /// The application clock's now: the day the record is evaluated on, the start of the
    /// pop-up tokens' lifetime and the time the showings are recorded at.
    pub now: DateTime<Utc>,
}

/// The cards for a patient of `practice` (pseudonym `patient`), each showing recorded.
pub async fn cards(
    db: &DatabaseConnection,
    matcher: &Matcher,
    practice: Uuid,
    patient: &str,
    record: &Patient,
    show: &Showing<'_>,
) -> Result<Cards, ApiError> {
    let today = show.now.date_naive();
    let rules = Rules::from(&settings::get(db, practice).await?);
    let history = suppressions::history(db, practice, patient, today).await?;
    let alerts = matcher.alerts(&rules, &history, patient, record, today, Uuid::now_v7);
    if alerts.is_empty() {
        return Ok(Cards { cards: Vec::new() });
    }
    let mut out = Vec::with_capacity(alerts.len());
    let txn = platform::db::write(db).await?;
    let now = show.now.trunc_subsecs(6);
    for alert in alerts {
        shown(&txn, practice, patient, &alert, now).await?;
        let token = show
            .sealer
            .seal(&alert, show.locale, practice, patient, now.timestamp())?;
        let url = format!("{}/{token}", show.popup_base);
        out.push(cards::card(&alert, show.locale, Some(url)));
    }
    txn.commit().await?;
    Ok(Cards { cards: out })
}

/// The cards for an issuer without a practice: eligible and possibly eligible trials,
/// eligible first, at most [`cards::MAX_CARDS`]; no pseudonym, no fatigue rules (nothing is
/// recorded to apply them with), no link, no event.
pub fn anonymous_cards(
    matcher: &Matcher,
    record: &Patient,
    locale: Locale,
    today: NaiveDate,
) -> Result<Cards, ApiError> {
    let rules = Rules {
        max_alerts: cards::MAX_CARDS,
        max_unanswered_shows: u32::MAX,
        max_distance_km: None,
        practice_location: None,
        alerts_per_patient_per_day: cards::MAX_CARDS,
    };
    let alerts = matcher.alerts(&rules, &History::default(), "", record, today, Uuid::now_v7);
    Ok(Cards {
        cards: alerts
            .iter()
            .map(|alert| cards::card(alert, locale, None))
            .collect(),
    })
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
            verdict: alert.verdict.as_str().into(),
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
