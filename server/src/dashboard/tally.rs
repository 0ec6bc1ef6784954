//! The alert half of the funnel, counted as events arrive: [`record`] moves a patient from
//! one group of `alert_answers` to another in the transaction of each new plugin event, and
//! [`answers`] reads a trial's groups for the dashboard (a few hundred rows, whatever the
//! number of events). The groups are [`super::answers::group`]'s; the migration that
//! created the tables filled them from the events already stored.
//!
//! Concurrency: the patient's row is created if missing (`ON CONFLICT DO NOTHING`), then
//! read `FOR UPDATE` on PostgreSQL, so two events of one patient recorded at once by two
//! replicas are counted one after the other; SQLite serialises write transactions.

use super::answers::{Answer, Answers, PatientState, day_number, from_day_number};
use super::funnel::Stage;
use chrono::{DateTime, NaiveDate, Utc};
use platform::entities::{alert_answer, alert_patient};
use platform::error::ApiError;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// One new event of a patient.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// The trial.
    pub trial: Uuid,
    /// The practice.
    pub practice: Uuid,
    /// The patient's pseudonym.
    pub patient: &'a str,
    /// `shown`, `accepted`, `not_now` or `declined`.
    pub response: &'a str,
    /// A decline's reason.
    pub reason: Option<&'a str>,
    /// When.
    pub at: DateTime<Utc>,
}

/// The key columns of a group.
fn key(first_week: NaiveDate, answer: &Option<Answer>) -> (i64, &'static str, i64, String) {
    match answer {
        None => (
            day_number(first_week),
            "",
            day_number(first_week),
            String::new(),
        ),
        Some(a) => (
            day_number(first_week),
            match a.stage {
                Stage::Proposed => "accepted",
                Stage::Declined => "declined",
                _ => "not_now",
            },
            day_number(a.week),
            a.reason.clone().unwrap_or_default(),
        ),
    }
}

/// Adds `delta` patients to a group of `e`'s trial and practice.
async fn bump<C: ConnectionTrait>(
    db: &C,
    e: &NewEvent<'_>,
    group: &(NaiveDate, Option<Answer>),
    delta: i64,
) -> Result<(), DbErr> {
    let (first_week, answer, answer_week, reason) = key(group.0, &group.1);
    alert_answer::Entity::insert(alert_answer::ActiveModel {
        trial_id: Set(e.trial),
        organisation_id: Set(e.practice),
        first_week: Set(first_week),
        answer: Set(answer.to_string()),
        answer_week: Set(answer_week),
        reason: Set(reason),
        patients: Set(delta),
    })
    .on_conflict(
        OnConflict::columns([
            alert_answer::Column::TrialId,
            alert_answer::Column::OrganisationId,
            alert_answer::Column::FirstWeek,
            alert_answer::Column::Answer,
            alert_answer::Column::AnswerWeek,
            alert_answer::Column::Reason,
        ])
        .value(
            alert_answer::Column::Patients,
            Expr::col((alert_answer::Entity, alert_answer::Column::Patients)).add(delta),
        )
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Counts a newly stored event: updates its patient's row and, when their group changes,
/// moves them from the old group to the new one. Call it in the event's transaction, once
/// per event actually inserted.
pub async fn record<C: ConnectionTrait>(db: &C, e: &NewEvent<'_>) -> Result<(), DbErr> {
    // A patient's first event: their row, and one patient in their group.
    let mut first = PatientState::default();
    first.add(e.at, e.response, e.reason);
    let created = alert_patient::Entity::insert(row(e, &first))
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    if matches!(created, sea_orm::TryInsertResult::Inserted(1..)) {
        if let Some(group) = first.group() {
            bump(db, e, &group, 1).await?;
        }
        return Ok(());
    }
    // A known patient: read their row (locked on PostgreSQL), move them if their group
    // changes.
    let mut q = alert_patient::Entity::find_by_id((e.trial, e.practice, e.patient.to_string()));
    if db.get_database_backend() == DatabaseBackend::Postgres {
        q = q.lock_exclusive();
    }
    let stored = q
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("alert_patients".into()))?;
    let before = PatientState {
        first: Some(stored.first_at),
        accepted: stored.accepted_at,
        declined: stored.declined_at.map(|at| (at, stored.decline_reason)),
        not_now: stored.not_now_at,
    };
    let mut after = before.clone();
    after.add(e.at, e.response, e.reason);
    if after == before {
        return Ok(());
    }
    let (old, new) = (before.group(), after.group());
    if old != new {
        if let Some(old) = &old {
            bump(db, e, old, -1).await?;
        }
        if let Some(new) = &new {
            bump(db, e, new, 1).await?;
        }
    }
    alert_patient::Entity::update(row(e, &after))
        .exec(db)
        .await?;
    Ok(())
}

/// The row of `e`'s patient in `state`.
fn row(e: &NewEvent<'_>, state: &PatientState) -> alert_patient::ActiveModel {
    let (declined_at, decline_reason) = state.declined.clone().unzip();
    alert_patient::ActiveModel {
        trial_id: Set(e.trial),
        organisation_id: Set(e.practice),
        patient: Set(e.patient.to_string()),
        first_at: Set(state.first.unwrap_or(e.at)),
        accepted_at: Set(state.accepted),
        declined_at: Set(declined_at),
        decline_reason: Set(decline_reason.flatten()),
        not_now_at: Set(state.not_now),
    }
}

/// A trial's patients grouped as [`super::answers::group`] groups its events, sorted.
pub async fn answers<C: ConnectionTrait>(db: &C, trial: Uuid) -> Result<Vec<Answers>, ApiError> {
    let rows = alert_answer::Entity::find()
        .filter(alert_answer::Column::TrialId.eq(trial))
        .filter(alert_answer::Column::Patients.gt(0))
        .all(db)
        .await?;
    let day = |n: i64| {
        from_day_number(n)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("week {n} is out of range")))
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let stage = match r.answer.as_str() {
            "" => None,
            "accepted" => Some(Stage::Proposed),
            "declined" => Some(Stage::Declined),
            _ => Some(Stage::NotNow),
        };
        let answer = match stage {
            None => None,
            Some(stage) => Some(Answer {
                stage,
                week: day(r.answer_week)?,
                reason: Some(r.reason).filter(|s| !s.is_empty()),
            }),
        };
        out.push(Answers {
            practice: r.organisation_id,
            first_week: day(r.first_week)?,
            answer,
            patients: u32::try_from(r.patients).unwrap_or(0),
        });
    }
    out.sort();
    Ok(out)
}
