//! `POST /api/v1/events`: plugins report what the GP answered to each alert. Events are
//! idempotent by their client id: the same event twice is recorded once (`duplicate`), the
//! same id with other content is a 409. Everything is validated before anything is written;
//! the batch is one transaction.

use super::consent_link::TokenKey;
use super::{is_pseudonym, pseudonym_detail};
use crate::registry::lifecycle::Status;
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use platform::entities::{consent_token, plugin_event, trial};
use platform::error::{ApiError, Detail};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The most events one request may carry.
pub const MAX_BATCH: usize = 500;

/// Verdicts an alert may carry.
pub const VERDICTS: [&str; 2] = ["eligible", "possibly_eligible"];
/// A GP's responses to an alert.
pub const RESPONSES: [&str; 4] = ["shown", "accepted", "not_now", "declined"];
/// Why a GP declined.
pub const REASONS: [&str; 4] = ["not_eligible", "not_interested", "no_time", "other"];

/// A batch of events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// At most 500 events.
    pub events: Vec<Event>,
}

/// One answer to an alert: a pseudonym and nothing clinical.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The client's id for this event (UUID v7): the idempotency key.
    pub id: Uuid,
    /// The alert answered.
    pub alert_id: Uuid,
    /// The trial's registry id.
    pub trial: Uuid,
    /// The trial version the alert was computed with.
    pub trial_version: i32,
    /// The patient's pseudonym: HMAC-SHA-256 of the local patient id under the practice
    /// secret, 64 lowercase hex characters.
    pub patient: String,
    /// `eligible` or `possibly_eligible`.
    pub verdict: String,
    /// `shown`, `accepted`, `not_now` or `declined`.
    pub response: String,
    /// With `declined` only (required then): `not_eligible`, `not_interested`, `no_time`, `other`.
    #[serde(default)]
    pub reason: Option<String>,
    /// With `not_now` only: do not show again before this date.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub snooze_until: Option<NaiveDate>,
    /// When it happened (RFC 3339).
    pub at: DateTime<Utc>,
}

/// What became of one event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventResult {
    /// The event id.
    pub id: Uuid,
    /// `recorded`, or `duplicate` when it was already recorded.
    pub status: &'static str,
    /// For accepted events: where the consent flow starts (single use, short-lived).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_url: Option<String>,
}

/// The answer to a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResults {
    /// One result per event, in order.
    pub results: Vec<EventResult>,
}

/// How events are recorded: where consent URLs point and how long their tokens live.
#[derive(Debug, Clone)]
pub struct Recording<'a> {
    /// The server's public base URL, without a trailing slash.
    pub base_url: &'a str,
    /// Derives consent tokens.
    pub key: &'a TokenKey,
    /// Lifetime of a consent token.
    pub token_ttl: Duration,
}

/// Checks each event's own fields; returns every problem found.
fn check_fields(events: &[Event]) -> Vec<Detail> {
    let mut details = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let path = |f: &str| format!("$.events[{i}].{f}");
        if !is_pseudonym(&e.patient) {
            details.push(pseudonym_detail(&path("patient")));
        }
        if !VERDICTS.contains(&e.verdict.as_str()) {
            details.push(Detail::new(
                &path("verdict"),
                "unknown_verdict",
                format!(
                    "`{}` is not a verdict: use eligible or possibly_eligible",
                    e.verdict
                ),
            ));
        }
        if !RESPONSES.contains(&e.response.as_str()) {
            details.push(Detail::new(
                &path("response"),
                "unknown_response",
                format!(
                    "`{}` is not a response: use shown, accepted, not_now or declined",
                    e.response
                ),
            ));
        }
        if e.trial_version < 1 {
            details.push(Detail::new(
                &path("trial_version"),
                "unknown_trial_version",
                "trial versions start at 1",
            ));
        }
        match (&e.reason, e.response == "declined") {
            (None, true) => details.push(Detail::new(
                &path("reason"),
                "required",
                "a decline needs a reason: not_eligible, not_interested, no_time or other",
            )),
            (Some(r), true) if !REASONS.contains(&r.as_str()) => details.push(Detail::new(
                &path("reason"),
                "unknown_reason",
                format!(
                    "`{r}` is not a reason: use not_eligible, not_interested, no_time or other"
                ),
            )),
            (Some(_), false) => details.push(Detail::new(
                &path("reason"),
                "reason_not_allowed",
                "only a decline has a reason",
            )),
            _ => {}
        }
        if e.snooze_until.is_some() && e.response != "not_now" {
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
            Some(t) if e.trial_version > t.current_version => details.push(Detail::new(
                &format!("$.events[{i}].trial_version"),
                "unknown_trial_version",
                format!("the trial has no version {}", e.trial_version),
            )),
            Some(t) if e.response == "accepted" && t.status != Status::Recruiting.as_str() => {
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
    if events.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "$.events",
            "too_many_events",
            format!("at most {MAX_BATCH} events per request; send the rest in another"),
        ));
    }
    let mut details = check_fields(&events);
    if details.is_empty() {
        details = check_trials(db, &events).await?;
    }
    if !details.is_empty() {
        return Err(ApiError::Validation(details));
    }
    let now = Utc::now().trunc_subsecs(6);
    let txn = platform::db::write(db).await?;
    let mut results = Vec::with_capacity(events.len());
    for (i, mut e) in events.into_iter().enumerate() {
        e.at = e.at.trunc_subsecs(6);
        let status = match plugin_event::Entity::find_by_id(e.id).one(&txn).await? {
            Some(stored) if same(&stored, practice, &e) => "duplicate",
            Some(_) => {
                return Err(ApiError::Conflict(format!(
                    "$.events[{i}].id: event {} was recorded with other content",
                    e.id
                )));
            }
            None if insert(&txn, practice, &e, now, how).await? => "recorded",
            // A concurrent request inserted it first (PostgreSQL waited for its commit):
            // the same event is a duplicate, another one a conflict.
            None => match plugin_event::Entity::find_by_id(e.id).one(&txn).await? {
                Some(stored) if same(&stored, practice, &e) => "duplicate",
                _ => {
                    return Err(ApiError::Conflict(format!(
                        "$.events[{i}].id: event {} was recorded with other content",
                        e.id
                    )));
                }
            },
        };
        let consent_url = (e.response == "accepted")
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
        && s.trial_version == e.trial_version
        && s.patient == e.patient
        && s.verdict == e.verdict
        && s.response == e.response
        && s.reason == e.reason
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
    let row = plugin_event::Model {
        id: e.id,
        organisation_id: practice,
        alert_id: e.alert_id,
        trial_id: e.trial,
        trial_version: e.trial_version,
        patient: e.patient.clone(),
        verdict: e.verdict.clone(),
        response: e.response.clone(),
        reason: e.reason.clone(),
        snooze_until: e.snooze_until,
        at: e.at,
        received_at: now,
    };
    if !insert_row(db, row).await? {
        return Ok(false);
    }
    if e.response == "accepted" {
        consent_token::ActiveModel {
            token_hash: Set(super::consent_link::hash(&how.key.token(e.id))),
            event_id: Set(e.id),
            alert_id: Set(e.alert_id),
            trial_id: Set(e.trial),
            trial_version: Set(e.trial_version),
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
