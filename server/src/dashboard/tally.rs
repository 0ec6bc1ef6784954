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
use crate::entities::{alert_answer, alert_patient};
use crate::error::ApiError;
use chrono::{DateTime, NaiveDate, Utc};
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
    let created = alert_patient::Entity::insert(alert_patient::ActiveModel {
        trial_id: Set(e.trial),
        organisation_id: Set(e.practice),
        patient: Set(e.patient.to_string()),
        first_at: Set(e.at),
        accepted_at: Set(None),
        declined_at: Set(None),
        decline_reason: Set(None),
        not_now_at: Set(None),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    let before = if matches!(created, sea_orm::TryInsertResult::Inserted(1..)) {
        PatientState::default()
    } else {
        let mut q = alert_patient::Entity::find()
            .filter(alert_patient::Column::TrialId.eq(e.trial))
            .filter(alert_patient::Column::OrganisationId.eq(e.practice))
            .filter(alert_patient::Column::Patient.eq(e.patient));
        if db.get_database_backend() == DatabaseBackend::Postgres {
            q = q.lock_exclusive();
        }
        let row = q
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("alert_patients".into()))?;
        PatientState {
            first: Some(row.first_at),
            accepted: row.accepted_at,
            declined: row.declined_at.map(|at| (at, row.decline_reason)),
            not_now: row.not_now_at,
        }
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
    alert_patient::Entity::update_many()
        .col_expr(
            alert_patient::Column::FirstAt,
            Expr::value(after.first.unwrap_or(e.at)),
        )
        .col_expr(
            alert_patient::Column::AcceptedAt,
            Expr::value(after.accepted),
        )
        .col_expr(
            alert_patient::Column::DeclinedAt,
            Expr::value(after.declined.as_ref().map(|d| d.0)),
        )
        .col_expr(
            alert_patient::Column::DeclineReason,
            Expr::value(after.declined.and_then(|d| d.1)),
        )
        .col_expr(alert_patient::Column::NotNowAt, Expr::value(after.not_now))
        .filter(alert_patient::Column::TrialId.eq(e.trial))
        .filter(alert_patient::Column::OrganisationId.eq(e.practice))
        .filter(alert_patient::Column::Patient.eq(e.patient))
        .exec(db)
        .await?;
    Ok(())
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
