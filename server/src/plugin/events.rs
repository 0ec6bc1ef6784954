//! `POST /api/v1/events`: plugins report what the GP answered to each alert. Events are
//! idempotent by their client id: the same event twice is recorded once (`duplicate`), the
//! same id with other content is a 409. Everything is validated before anything is written;
//! the batch is one transaction.

use super::consent_link::TokenKey;
use super::{is_pseudonym, pseudonym_detail};
use crate::registry::lifecycle::Status;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use platform::entities::{consent_token, plugin_event, trial};
use platform::error::{ApiError, Detail};
use plugin_sdk::wire::{
    AlertVerdict, DeclineReason, Event, EventBatch, EventResult, EventResults, EventStatus,
    ResponseKind,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// The answer (accepted, declined or not now; the first, in time order) recorded for
/// `practice`'s alert `alert_id`, if any.
pub async fn answer_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    practice: Uuid,
    alert_id: Uuid,
) -> Result<Option<plugin_event::Model>, ApiError> {
    use sea_orm::QueryOrder;
    Ok(plugin_event::Entity::find()
        .filter(plugin_event::Column::OrganisationId.eq(practice))
        .filter(plugin_event::Column::AlertId.eq(alert_id))
        .filter(plugin_event::Column::Response.ne("shown"))
        .order_by_asc(plugin_event::Column::At)
        .order_by_asc(plugin_event::Column::Id)
        .one(db)
        .await?)
}

/// The most events one request may carry.
pub const MAX_BATCH: usize = 500;

/// How events are recorded: where consent URLs point and how long their tokens live.
#[derive(Debug, Clone)]
pub struct Recording<'a> {
    /// The server's public base URL, without a trailing slash.
    pub base_url: &'a str,
    /// Derives consent tokens.
    pub key: &'a TokenKey,
    /// Lifetime of a consent token.
    pub token_ttl: Duration,
    /// When the events are received (the application's clock).
    pub now: DateTime<Utc>,
}

/// Reads a `POST /api/v1/events` body as the SDK's [`EventBatch`]. A shape error is a 400
/// naming its path, except a value the contract enumerates (a verdict, a response, a reason)
/// or a trial version out of range: those are answered as [`record`] answers its other
/// checks, a 422 with every problem of the batch, field by field.
pub fn parse(body: &Value) -> Result<EventBatch, ApiError> {
    let shape = match platform::extract::from_value::<EventBatch>(body) {
        Ok(batch) => return Ok(batch),
        Err(e) => e,
    };
    let enumerated = matches!(&shape, ApiError::MalformedJson { path, .. }
    if path.strip_prefix("$.events[").is_some_and(|rest| {
        rest.split_once("].").is_some_and(|(i, field)| {
            i.bytes().all(|b| b.is_ascii_digit())
                && ["verdict", "response", "reason", "trial_version"].contains(&field)
        })
    }));
    let events = body.get("events").and_then(Value::as_array);
    let (true, Some(events)) = (enumerated, events) else {
        return Err(shape);
    };
    too_many(events.len())?;
    let details = check_fields(events.iter().map(Fields::of_value));
    if details.is_empty() {
        Err(shape)
    } else {
        Err(ApiError::Validation(details))
    }
}

/// Refuses a batch of more than [`MAX_BATCH`] events.
fn too_many(n: usize) -> Result<(), ApiError> {
    if n > MAX_BATCH {
        return Err(ApiError::invalid(
            "$.events",
            "too_many_events",
            format!("at most {MAX_BATCH} events per request; send the rest in another"),
        ));
    }
    Ok(())
}

/// The fields of one event that [`check_fields`] reads, as their wire spellings: from a
/// parsed event, or from the JSON of one that did not parse (a field that is absent or not
/// of its JSON type is `None` and left to the shape error).
struct Fields<'a> {
    patient: Option<&'a str>,
    verdict: Option<&'a str>,
    response: Option<&'a str>,
    trial_version: Option<i64>,
    reason: Option<&'a str>,
    snoozed: bool,
}

impl<'a> Fields<'a> {
    fn of_event(e: &'a Event) -> Fields<'a> {
        Fields {
            patient: Some(&e.patient),
            verdict: Some(e.verdict.as_str()),
            response: Some(e.response.as_str()),
            trial_version: Some(i64::from(e.trial_version)),
            reason: e.reason.map(DeclineReason::as_str),
            snoozed: e.snooze_until.is_some(),
        }
    }

    fn of_value(v: &'a Value) -> Fields<'a> {
        let text = |k: &str| v.get(k).and_then(Value::as_str);
        Fields {
            patient: text("patient"),
            verdict: text("verdict"),
            response: text("response"),
            trial_version: v.get("trial_version").and_then(Value::as_i64),
            reason: text("reason"),
            snoozed: v.get("snooze_until").is_some_and(|d| !d.is_null()),
        }
    }
}

/// Checks each event's own fields; returns every problem found.
fn check_fields<'a>(events: impl Iterator<Item = Fields<'a>>) -> Vec<Detail> {
    let mut details = Vec::new();
    for (i, e) in events.enumerate() {
        let path = |f: &str| format!("$.events[{i}].{f}");
        if e.patient.is_some_and(|p| !is_pseudonym(p)) {
            details.push(pseudonym_detail(&path("patient")));
        }
        if let Some(v) = e.verdict
            && AlertVerdict::parse(v).is_none()
        {
            details.push(Detail::new(
                &path("verdict"),
                "unknown_verdict",
                "not a verdict: use eligible or possibly_eligible",
            ));
        }
        if let Some(r) = e.response
            && ResponseKind::parse(r).is_none()
        {
            details.push(Detail::new(
                &path("response"),
                "unknown_response",
                "not a response: use shown, accepted, not_now or declined",
            ));
        }
        if let Some(v) = e.trial_version {
            if v < 1 {
                details.push(Detail::new(
                    &path("trial_version"),
                    "unknown_trial_version",
                    "trial versions start at 1",
                ));
            } else if v > i64::from(u32::MAX) {
                details.push(Detail::new(
                    &path("trial_version"),
                    "unknown_trial_version",
                    format!("the trial has no version {v}"),
                ));
            }
        }
        let declined = e.response == Some(ResponseKind::Declined.as_str());
        match (e.reason, declined) {
            (None, true) => details.push(Detail::new(
                &path("reason"),
                "required",
                "a decline needs a reason: not_eligible, not_interested, no_time or other",
            )),
            (Some(r), true) if DeclineReason::parse(r).is_none() => details.push(Detail::new(
                &path("reason"),
                "unknown_reason",
                "not a reason: use not_eligible, not_interested, no_time or other",
            )),
            (Some(_), false) => details.push(Detail::new(
                &path("reason"),
                "reason_not_allowed",
                "only a decline has a reason",
            )),
            _ => {}
        }
        if e.snoozed && e.response != Some(ResponseKind::NotNow.as_str()) {
            details.push(Detail::new(
                &path("snooze_until"),
                "snooze_not_allowed",
                "only a `not_now` answer has a snooze date",
            ));
        }
    }
    details
}

/// Checks the trials the events name: known, at a version that exists, recruiting for an accept.
async fn check_trials(db: &DatabaseConnection, events: &[Event]) -> Result<Vec<Detail>, ApiError> {
    let ids: Vec<Uuid> = events.iter().map(|e| e.trial).collect();
    let trials: HashMap<Uuid, trial::Model> = trial::Entity::find()
        .filter(trial::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut details = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match trials.get(&e.trial) {
            None => details.push(Detail::new(
                &format!("$.events[{i}].trial"),
                "unknown_trial",
                format!("no trial has the id {}", e.trial),
            )),
            Some(t) if i64::from(e.trial_version) > i64::from(t.current_version) => {
                details.push(Detail::new(
                    &format!("$.events[{i}].trial_version"),
                    "unknown_trial_version",
                    format!("the trial has no version {}", e.trial_version),
                ))
            }
            Some(t)
                if e.response == ResponseKind::Accepted
                    && t.status != Status::Recruiting.as_str() =>
            {
                details.push(Detail::new(
                    &format!("$.events[{i}].trial"),
                    "not_recruiting",
                    format!("the trial is {}: it no longer takes referrals", t.status),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(details)
}

/// Records a batch of events from a practice; returns one result per event.
pub async fn record(
    db: &DatabaseConnection,
    practice: Uuid,
    events: Vec<Event>,
    how: &Recording<'_>,
) -> Result<EventResults, ApiError> {
    too_many(events.len())?;
    let mut details = check_fields(events.iter().map(Fields::of_event));
    if details.is_empty() {
        details = check_trials(db, &events).await?;
    }
    if !details.is_empty() {
        return Err(ApiError::Validation(details));
    }
    let now = how.now.trunc_subsecs(6);
    let txn = platform::db::write(db).await?;
    let mut results = Vec::with_capacity(events.len());
    for (i, mut e) in events.into_iter().enumerate() {
        e.at = e.at.trunc_subsecs(6);
        let status = match plugin_event::Entity::find_by_id(e.id).one(&txn).await? {
            Some(stored) if same(&stored, practice, &e) => EventStatus::Duplicate,
            Some(_) => {
                return Err(ApiError::Conflict(format!(
                    "$.events[{i}].id: event {} was recorded with other content",
                    e.id
                )));
            }
            None if insert(&txn, practice, &e, now, how).await? => EventStatus::Recorded,
            // A concurrent request inserted it first (PostgreSQL waited for its commit):
            // the same event is a duplicate, another one a conflict.
            None => match plugin_event::Entity::find_by_id(e.id).one(&txn).await? {
                Some(stored) if same(&stored, practice, &e) => EventStatus::Duplicate,
                _ => {
                    return Err(ApiError::Conflict(format!(
                        "$.events[{i}].id: event {} was recorded with other content",
                        e.id
                    )));
                }
            },
        };
        let consent_url = (e.response == ResponseKind::Accepted)
            .then(|| format!("{}/consent/{}", how.base_url, how.key.token(e.id)));
        results.push(EventResult {
            id: e.id,
            status,
            consent_url,
        });
    }
    txn.commit().await?;
    Ok(EventResults { results })
}

/// Whether a stored event is the one sent again.
fn same(s: &plugin_event::Model, practice: Uuid, e: &Event) -> bool {
    s.organisation_id == practice
        && s.alert_id == e.alert_id
        && s.trial_id == e.trial
        && i64::from(s.trial_version) == i64::from(e.trial_version)
        && s.patient == e.patient
        && s.verdict == e.verdict.as_str()
        && s.response == e.response.as_str()
        && s.reason.as_deref() == e.reason.map(DeclineReason::as_str)
        && s.snooze_until == e.snooze_until
        && s.at.trunc_subsecs(6) == e.at
}

/// Inserts an event row unless its id is already stored (`ON CONFLICT DO NOTHING`) and, when
/// it was inserted, counts it in the dashboard's tallies in the same transaction; returns
/// whether it was inserted. Every plugin event row is written through here (the events of
/// the SDK and CDS Hooks feedback through [`insert`], the `shown` events of CDS cards
/// directly), so the tallies never miss one.
pub(crate) async fn insert_row<C: sea_orm::ConnectionTrait>(
    db: &C,
    row: plugin_event::Model,
) -> Result<bool, ApiError> {
    let written = plugin_event::Entity::insert(plugin_event::ActiveModel::from(row.clone()))
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    if !matches!(written, sea_orm::TryInsertResult::Inserted(1..)) {
        return Ok(false);
    }
    crate::dashboard::tally::record(
        db,
        &crate::dashboard::tally::NewEvent {
            trial: row.trial_id,
            practice: row.organisation_id,
            patient: &row.patient,
            response: &row.response,
            reason: row.reason.as_deref(),
            at: row.at,
        },
    )
    .await?;
    Ok(true)
}

/// Inserts an event (and an accept's consent token) unless its id is already stored
/// (`ON CONFLICT DO NOTHING`: PostgreSQL waits for a concurrent writer's commit, SQLite
/// serialises write transactions); returns whether this call inserted it, and counts it in
/// the dashboard's tallies. The plugin's events and the CDS Hooks feedback both record
/// through it.
pub(crate) async fn insert<C: sea_orm::ConnectionTrait>(
    db: &C,
    practice: Uuid,
    e: &Event,
    now: DateTime<Utc>,
    how: &Recording<'_>,
) -> Result<bool, ApiError> {
    // Checked against the trial's current version (an `i32` column) before any insert.
    let trial_version = i32::try_from(e.trial_version).unwrap_or(i32::MAX);
    let row = plugin_event::Model {
        id: e.id,
        organisation_id: practice,
        alert_id: e.alert_id,
        trial_id: e.trial,
        trial_version,
        patient: e.patient.clone(),
        verdict: e.verdict.as_str().into(),
        response: e.response.as_str().into(),
        reason: e.reason.map(|r| r.as_str().to_string()),
        snooze_until: e.snooze_until,
        at: e.at,
        received_at: now,
    };
    if !insert_row(db, row).await? {
        return Ok(false);
    }
    if e.response == ResponseKind::Accepted {
        consent_token::ActiveModel {
            token_hash: Set(super::consent_link::hash(&how.key.token(e.id))),
            event_id: Set(e.id),
            alert_id: Set(e.alert_id),
            trial_id: Set(e.trial),
            trial_version: Set(trial_version),
            organisation_id: Set(practice),
            patient: Set(e.patient.clone()),
            created_at: Set(now),
            expires_at: Set(now + how.token_ttl),
            used_at: Set(None),
        }
        .insert(db)
        .await?;
    }
    Ok(true)
}
