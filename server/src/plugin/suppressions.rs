//! What a practice's past answers suppress, per patient and trial: a decline forever, a
//! `not_now` until its date, and repeated unanswered shows (counted since the last answer);
//! and the last day each trial was shown (for `alerts_per_patient_per_day`).
//! Derived from the events, so a decline on one workstation holds on every workstation.

use chrono::NaiveDate;
use platform::entities::plugin_event;
use platform::error::ApiError;
use plugin_sdk::History;
use plugin_sdk::wire::Suppression;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Folds events (in time order) into suppressions; pairs with nothing to suppress on
/// `today` are left out (a showing on `today` or later suppresses other trials that day).
pub fn fold(events: &[plugin_event::Model], today: NaiveDate) -> Vec<Suppression> {
    let mut by_pair: BTreeMap<(String, Uuid), Suppression> = BTreeMap::new();
    for e in events {
        let s = by_pair
            .entry((e.patient.clone(), e.trial_id))
            .or_insert_with(|| Suppression {
                patient: e.patient.clone(),
                trial: e.trial_id,
                declined: false,
                snoozed_until: None,
                shown_unanswered: 0,
                last_shown: None,
            });
        match e.response.as_str() {
            "shown" => {
                s.shown_unanswered += 1;
                s.last_shown = s.last_shown.max(Some(e.at.date_naive()));
            }
            "declined" => {
                s.declined = true;
                s.shown_unanswered = 0;
            }
            "not_now" => {
                s.snoozed_until = e.snooze_until;
                s.shown_unanswered = 0;
            }
            _ => {
                s.snoozed_until = None;
                s.shown_unanswered = 0;
            }
        }
    }
    by_pair
        .into_values()
        .map(|mut s| {
            s.snoozed_until = s.snoozed_until.filter(|d| *d > today);
            s
        })
        .map(|mut s| {
            s.last_shown = s.last_shown.filter(|d| *d >= today);
            s
        })
        .filter(|s| {
            s.declined
                || s.snoozed_until.is_some()
                || s.shown_unanswered > 0
                || s.last_shown.is_some()
        })
        .collect()
}

/// The suppressions of one practice (patients of other practices are never read).
pub async fn of_practice<C: ConnectionTrait>(
    db: &C,
    practice: Uuid,
    today: NaiveDate,
) -> Result<Vec<Suppression>, ApiError> {
    let events = plugin_event::Entity::find()
        .filter(plugin_event::Column::OrganisationId.eq(practice))
        .order_by_asc(plugin_event::Column::At)
        .order_by_asc(plugin_event::Column::Id)
        .all(db)
        .await?;
    Ok(fold(&events, today))
}

/// The suppressions of one patient of one practice.
pub async fn of_patient<C: ConnectionTrait>(
    db: &C,
    practice: Uuid,
    patient: &str,
    today: NaiveDate,
) -> Result<Vec<Suppression>, ApiError> {
    let events = plugin_event::Entity::find()
        .filter(plugin_event::Column::OrganisationId.eq(practice))
        .filter(plugin_event::Column::Patient.eq(patient))
        .order_by_asc(plugin_event::Column::At)
        .order_by_asc(plugin_event::Column::Id)
        .all(db)
        .await?;
    Ok(fold(&events, today))
}

/// What `practice` answered for the patient `patient` (a pseudonym), as the SDK's fatigue
/// rules read it.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    practice: Uuid,
    patient: &str,
    today: NaiveDate,
) -> Result<History, ApiError> {
    let mut history = History::default();
    for s in of_patient(db, practice, patient, today).await? {
        history.merge(&s);
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn at() -> chrono::DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 2, 9, 0, 0).unwrap()
    }

    fn ev(trial: Uuid, response: &str, snooze: Option<NaiveDate>) -> plugin_event::Model {
        plugin_event::Model {
            id: Uuid::now_v7(),
            organisation_id: Uuid::nil(),
            alert_id: Uuid::nil(),
            trial_id: trial,
            trial_version: 1,
            patient: "p".into(),
            verdict: "eligible".into(),
            response: response.into(),
            reason: None,
            snooze_until: snooze,
            at: at(),
            received_at: at(),
        }
    }

    #[test]
    fn answers_fold_into_suppressions() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let later = NaiveDate::from_ymd_opt(2026, 12, 24);
        let past = NaiveDate::from_ymd_opt(2026, 11, 1);
        let events = [
            ev(a, "shown", None),
            ev(a, "declined", None),
            ev(b, "shown", None),
            ev(b, "not_now", later),
            ev(b, "shown", None),
            ev(c, "not_now", past),
        ];
        let got = fold(&events, today);
        assert_eq!(got.len(), 2, "{got:?}");
        let of = |t| got.iter().find(|s| s.trial == t).unwrap();
        assert!(of(a).declined && of(a).shown_unanswered == 0);
        assert_eq!((of(b).snoozed_until, of(b).shown_unanswered), (later, 1));
    }
}
