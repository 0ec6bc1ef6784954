//! CDS Hooks feedback recorded as plugin events, for an issuer with a `practice_id`: the
//! card's uuid is the alert id of its `shown` event, which gives the trial, its version, the
//! verdict and the patient's pseudonym. `accepted` → `accepted` (a consent token, as for the
//! SDK); overridden with `not-eligible`, `not-interested` or `no-time` → `declined` with
//! `not_eligible`, `not_interested`, `no_time`; `snooze` → `not_now` until today plus
//! `cds.snooze_days`. An override without a reason code (a comment only) records nothing.
//! Each event's id is derived from the card's uuid and the response, so feedback repeated
//! for a card is recorded once; a card this practice never showed is skipped.
//!
//! Idempotent under concurrency: each event is written with `INSERT … ON CONFLICT (id) DO
//! NOTHING` in one write transaction, and a row not inserted is feedback already recorded
//! (by an earlier or a concurrent call), so identical feedback sent at once is a 200 for
//! every call and one event (and one consent token) on SQLite and PostgreSQL alike.

use crate::cds::feedback::{Feedback, Outcome};
use crate::plugin::events::Recording;
use crate::registry::lifecycle::Status;
use chrono::{Days, SubsecRound};
use platform::entities::{plugin_event, trial};
use platform::error::{ApiError, Detail};
use plugin_sdk::wire::{AlertVerdict, DeclineReason, Event, ResponseKind};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The plugin response and decline reason of an outcome, or `None` when nothing is recorded.
pub fn response(outcome: &Outcome) -> Option<(ResponseKind, Option<DeclineReason>)> {
    let declined = |r| Some((ResponseKind::Declined, Some(r)));
    match outcome {
        Outcome::Accepted => Some((ResponseKind::Accepted, None)),
        Outcome::Overridden { reason } => match reason.as_deref() {
            Some("not-eligible") => declined(DeclineReason::NotEligible),
            Some("not-interested") => declined(DeclineReason::NotInterested),
            Some("no-time") => declined(DeclineReason::NoTime),
            Some("snooze") => Some((ResponseKind::NotNow, None)),
            _ => None,
        },
    }
}

/// The event id of a response to a card (its wire name): the same for the same card and
/// response.
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

/// Records the feedback of `practice`'s cards; returns how many events were new (0 when
/// another call recorded them first). An accept of a trial that no longer recruits is a 422
/// naming the item, as `POST /api/v1/events` refuses it.
pub async fn record(
    db: &DatabaseConnection,
    practice: Uuid,
    items: &[Feedback],
    snooze_days: u32,
    how: &Recording<'_>,
) -> Result<usize, ApiError> {
    let today = how.now.date_naive();
    let mut new_events: Vec<Event> = Vec::new();
    for (i, item) in items.iter().enumerate() {
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
        // Stored rows were checked when written; one that no longer reads is skipped.
        let (Some(verdict), Ok(trial_version)) = (
            AlertVerdict::parse(&shown.verdict),
            u32::try_from(shown.trial_version),
        ) else {
            continue;
        };
        let id = event_id(card, response.as_str());
        // A shortcut only: the insert below is what makes a repeat harmless.
        let known = new_events.iter().any(|e| e.id == id)
            || plugin_event::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_some();
        if known {
            continue;
        }
        if response == ResponseKind::Accepted {
            still_recruiting(db, shown.trial_id, i).await?;
        }
        new_events.push(Event {
            id,
            alert_id: card,
            trial: shown.trial_id,
            trial_version,
            patient: shown.patient,
            verdict,
            response,
            reason,
            snooze_until: (response == ResponseKind::NotNow)
                .then(|| today.checked_add_days(Days::new(u64::from(snooze_days))))
                .flatten(),
            at: item.at.trunc_subsecs(6),
        });
    }
    if new_events.is_empty() {
        return Ok(0);
    }
    let now = how.now.trunc_subsecs(6);
    let txn = platform::db::write(db).await?;
    let mut inserted = 0;
    for e in &new_events {
        if crate::plugin::events::insert(&txn, practice, e, now, how).await? {
            inserted += 1;
        }
    }
    txn.commit().await?;
    Ok(inserted)
}

/// Refuses an accept of a trial that no longer takes referrals (item `i` of the batch).
async fn still_recruiting(
    db: &DatabaseConnection,
    trial_id: Uuid,
    i: usize,
) -> Result<(), ApiError> {
    let status = trial::Entity::find_by_id(trial_id)
        .one(db)
        .await?
        .map(|t| t.status);
    match status {
        Some(s) if s == Status::Recruiting.as_str() => Ok(()),
        other => Err(ApiError::Validation(vec![Detail::new(
            &format!("$.feedback[{i}]"),
            "not_recruiting",
            format!(
                "the trial is {}: it no longer takes referrals",
                other.as_deref().unwrap_or("gone")
            ),
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_plugin_responses() {
        let o = |r: Option<&str>| Outcome::Overridden {
            reason: r.map(str::to_string),
        };
        // As their wire names.
        let named = |o: &Outcome| response(o).map(|(r, d)| (r.as_str(), d.map(|d| d.as_str())));
        assert_eq!(named(&Outcome::Accepted), Some(("accepted", None)));
        assert_eq!(
            named(&o(Some("not-eligible"))),
            Some(("declined", Some("not_eligible")))
        );
        assert_eq!(
            named(&o(Some("not-interested"))),
            Some(("declined", Some("not_interested")))
        );
        assert_eq!(
            named(&o(Some("no-time"))),
            Some(("declined", Some("no_time")))
        );
        assert_eq!(named(&o(Some("snooze"))), Some(("not_now", None)));
        assert_eq!(named(&o(None)), None);
        assert_eq!(named(&o(Some("other-code"))), None);
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
