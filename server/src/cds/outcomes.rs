//! CDS Hooks feedback recorded as plugin events, for an issuer with a `practice_id`: the
//! card's uuid is the alert id of its `shown` event, which gives the trial, its version, the
//! verdict and the patient's pseudonym. `accepted` → `accepted` (a consent token, as for the
//! SDK); overridden with `not-eligible`, `not-interested` or `no-time` → `declined` with
//! `not_eligible`, `not_interested`, `no_time`; `snooze` → `not_now` until today plus
//! `cds.snooze_days`. An override without a reason code (a comment only) records nothing.
//! Each event's id is derived from the card's uuid and the response, so feedback repeated
//! for a card is recorded once; a card this practice never showed is skipped.

use crate::cds::feedback::{Feedback, Outcome};
use crate::entities::plugin_event;
use crate::error::ApiError;
use crate::plugin::events::{self, Event, Recording};
use chrono::{Days, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The plugin response and decline reason of an outcome, or `None` when nothing is recorded.
pub fn response(outcome: &Outcome) -> Option<(&'static str, Option<&'static str>)> {
    match outcome {
        Outcome::Accepted => Some(("accepted", None)),
        Outcome::Overridden { reason } => match reason.as_deref() {
            Some("not-eligible") => Some(("declined", Some("not_eligible"))),
            Some("not-interested") => Some(("declined", Some("not_interested"))),
            Some("no-time") => Some(("declined", Some("no_time"))),
            Some("snooze") => Some(("not_now", None)),
            _ => None,
        },
    }
}

/// The event id of a response to a card: the same for the same card and response.
pub fn event_id(card: Uuid, response: &str) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"inclusio.cds-feedback.v1\0");
    h.update(card.as_bytes());
    h.update(response.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Records the feedback of `practice`'s cards; returns how many events were new.
pub async fn record(
    db: &DatabaseConnection,
    practice: Uuid,
    items: &[Feedback],
    snooze_days: u32,
    how: &Recording<'_>,
) -> Result<usize, ApiError> {
    let today = Utc::now().date_naive();
    let mut new_events: Vec<Event> = Vec::new();
    for item in items {
        let (Ok(card), Some((response, reason))) =
            (Uuid::parse_str(&item.card), response(&item.outcome))
        else {
            continue;
        };
        let shown = plugin_event::Entity::find()
            .filter(plugin_event::Column::OrganisationId.eq(practice))
            .filter(plugin_event::Column::AlertId.eq(card))
            .filter(plugin_event::Column::Response.eq("shown"))
            .one(db)
            .await?;
        let Some(shown) = shown else { continue };
        let id = event_id(card, response);
        let known = new_events.iter().any(|e| e.id == id)
            || plugin_event::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_some();
        if known {
            continue;
        }
        new_events.push(Event {
            id,
            alert_id: card,
            trial: shown.trial_id,
            trial_version: shown.trial_version,
            patient: shown.patient,
            verdict: shown.verdict,
            response: response.into(),
            reason: reason.map(str::to_string),
            snooze_until: (response == "not_now")
                .then(|| today.checked_add_days(Days::new(u64::from(snooze_days))))
                .flatten(),
            at: item.at,
        });
    }
    let n = new_events.len();
    if n > 0 {
        events::record(db, practice, new_events, how).await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_plugin_responses() {
        let o = |r: Option<&str>| Outcome::Overridden {
            reason: r.map(str::to_string),
        };
        assert_eq!(response(&Outcome::Accepted), Some(("accepted", None)));
        assert_eq!(
            response(&o(Some("not-eligible"))),
            Some(("declined", Some("not_eligible")))
        );
        assert_eq!(
            response(&o(Some("not-interested"))),
            Some(("declined", Some("not_interested")))
        );
        assert_eq!(
            response(&o(Some("no-time"))),
            Some(("declined", Some("no_time")))
        );
        assert_eq!(response(&o(Some("snooze"))), Some(("not_now", None)));
        assert_eq!(response(&o(None)), None);
        assert_eq!(response(&o(Some("other-code"))), None);
    }

    #[test]
    fn event_ids_are_stable_per_card_and_response() {
        let card = Uuid::from_u128(7);
        assert_eq!(event_id(card, "accepted"), event_id(card, "accepted"));
        assert_ne!(event_id(card, "accepted"), event_id(card, "declined"));
        assert_ne!(
            event_id(card, "accepted"),
            event_id(Uuid::from_u128(8), "accepted")
        );
    }
}
