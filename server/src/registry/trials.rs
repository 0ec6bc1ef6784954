//! Trials: create, read, list, update (a new immutable version), versions, transitions,
//! closing a trial whose enrolment target is reached. (Closing trials whose recruitment has
//! ended is a job: [`super::expiry`].)
//!
//! [`create`] and [`update`] write in the caller's transaction, so that the sponsor's form
//! saves a trial with its sites and consent documents at once ([`super::save`]).

use super::access::Access;
use super::input::{Checked, TrialInput, check};
use crate::registry::lifecycle::{self, Status, TransitionError};
use chrono::{DateTime, NaiveDate, Utc};
use platform::audit::{self, Actor};
use platform::entities::{organisation, trial, trial_version};
use platform::error::ApiError;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A trial as clients see it, with the definition of its current version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrialView {
    /// Id.
    pub id: Uuid,
    /// The definition's id.
    pub slug: String,
    /// Sponsor organisation.
    pub sponsor_id: Uuid,
    /// Lifecycle status.
    pub status: String,
    /// Version in force.
    pub current_version: i32,
    /// Title.
    pub title: String,
    /// Acronym.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// Registry number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_number: Option<String>,
    /// Enrolment target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_enrolment: Option<i32>,
    /// First day of recruitment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recruitment_start: Option<NaiveDate>,
    /// Last day of recruitment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recruitment_end: Option<NaiveDate>,
    /// The reviewer's comment after a rejection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// Phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Therapeutic area.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub therapeutic_area: Option<String>,
    /// Description for GPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Information for patients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_information: Option<String>,
    /// Comprehension questions of the consent flow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comprehension_questions: Vec<crate::registry::questions::Question>,
    /// Creation time.
    pub created_at: chrono::DateTime<Utc>,
    /// Last change.
    pub updated_at: chrono::DateTime<Utc>,
    /// The current version's definition (omitted in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub definition: Option<serde_json::Value>,
}

impl TrialView {
    fn of(t: trial::Model, definition: Option<serde_json::Value>) -> TrialView {
        TrialView {
            id: t.id,
            slug: t.slug,
            sponsor_id: t.sponsor_id,
            status: t.status,
            current_version: t.current_version,
            title: t.title,
            acronym: t.acronym,
            registry_number: t.registry_number,
            target_enrolment: t.target_enrolment,
            recruitment_start: t.recruitment_start,
            recruitment_end: t.recruitment_end,
            review_comment: t.review_comment,
            phase: t.phase,
            therapeutic_area: t.therapeutic_area,
            description: t.description,
            patient_information: t.patient_information,
            comprehension_questions: t
                .comprehension_questions
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            definition,
        }
    }
}

fn actor(user_id: Uuid) -> Actor {
    Actor::user(user_id.to_string())
}

/// What a trial's audit rows record of it.
pub(super) fn snapshot(t: &trial::Model) -> serde_json::Value {
    serde_json::json!({
        "status": t.status, "current_version": t.current_version, "title": t.title, "acronym": t.acronym,
        "registry_number": t.registry_number, "target_enrolment": t.target_enrolment,
        "recruitment_start": t.recruitment_start, "recruitment_end": t.recruitment_end, "review_comment": t.review_comment,
        "phase": t.phase, "therapeutic_area": t.therapeutic_area, "description": t.description,
        "patient_information": t.patient_information,
        "comprehension_questions": t.comprehension_questions,
    })
}

/// The stored form of comprehension questions (`None` when there are none).
fn questions_json(q: &[crate::registry::questions::Question]) -> Option<serde_json::Value> {
    (!q.is_empty()).then(|| serde_json::to_value(q).unwrap_or_default())
}

fn definition_json(mut d: trials::Trial, version: i32) -> Result<serde_json::Value, ApiError> {
    d.version = u32::try_from(version).unwrap_or(1);
    serde_json::to_value(&d).map_err(|e| ApiError::Internal(e.into()))
}

async fn version_row<C: ConnectionTrait>(
    db: &C,
    trial_id: Uuid,
    version: i32,
) -> Result<Option<trial_version::Model>, ApiError> {
    Ok(trial_version::Entity::find()
        .filter(trial_version::Column::TrialId.eq(trial_id))
        .filter(trial_version::Column::Version.eq(version))
        .one(db)
        .await?)
}

/// Creates a trial in `draft`, with version 1, and its audit rows, in `txn` (the caller
/// commits).
pub async fn create(
    txn: &DatabaseTransaction,
    user: Uuid,
    access: &Access,
    input: TrialInput,
    now: DateTime<Utc>,
) -> Result<TrialView, ApiError> {
    let sponsor_id = match (access, input.sponsor_id) {
        (Access::Admin, Some(id)) => id,
        (Access::Admin, None) => {
            return Err(ApiError::invalid(
                "$.sponsor_id",
                "required",
                "administrators name the sponsor organisation",
            ));
        }
        (Access::Sponsor(org), None) => *org,
        (Access::Sponsor(org), Some(id)) if id == *org => *org,
        (Access::Sponsor(_), Some(_)) => return Err(ApiError::Forbidden),
        _ => return Err(ApiError::Forbidden),
    };
    let sponsor = organisation::Entity::find_by_id(sponsor_id)
        .one(txn)
        .await?;
    if sponsor.is_none_or(|o| o.kind != "sponsor") {
        return Err(ApiError::invalid(
            "$.sponsor_id",
            "unknown_sponsor",
            format!("no sponsor organisation {sponsor_id}"),
        ));
    }
    let checked = check(input)?;
    let slug = checked.definition.id.clone();
    if trial::Entity::find()
        .filter(trial::Column::Slug.eq(&slug))
        .one(txn)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(format!(
            "a trial with id `{slug}` exists"
        )));
    }
    let id = Uuid::now_v7();
    let definition = definition_json(checked.definition.clone(), 1)?;
    let t = trial::ActiveModel {
        id: Set(id),
        slug: Set(slug),
        sponsor_id: Set(sponsor_id),
        status: Set(Status::Draft.as_str().into()),
        current_version: Set(1),
        title: Set(checked.definition.title.clone()),
        acronym: Set(checked.acronym.clone()),
        registry_number: Set(checked.registry_number.clone()),
        target_enrolment: Set(checked.target_enrolment),
        recruitment_start: Set(checked.recruitment_start),
        recruitment_end: Set(checked.recruitment_end),
        review_comment: Set(None),
        comprehension_questions: Set(questions_json(&checked.comprehension_questions)),
        phase: Set(checked.phase.clone()),
        therapeutic_area: Set(checked.therapeutic_area.clone()),
        description: Set(checked.description.clone()),
        patient_information: Set(checked.patient_information.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    insert_version(txn, id, 1, definition.clone(), user, now).await?;
    audit::append(
        txn,
        &actor(user),
        "trial.create",
        "trial",
        &id.to_string(),
        None,
        Some(&snapshot(&t)),
    )
    .await?;
    Ok(TrialView::of(t, Some(definition)))
}

async fn insert_version<C: ConnectionTrait>(
    db: &C,
    trial_id: Uuid,
    version: i32,
    definition: serde_json::Value,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    trial_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        trial_id: Set(trial_id),
        version: Set(version),
        definition: Set(definition.clone()),
        created_by: Set(Some(user)),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    audit::append(
        db,
        &actor(user),
        "trial.version",
        "trial",
        &trial_id.to_string(),
        None,
        Some(&serde_json::json!({"version": version, "definition": definition})),
    )
    .await?;
    Ok(())
}

/// Replaces a draft trial's definition and registry fields: a new version, written with its
/// audit rows in `txn` (the caller commits); earlier versions stay as they were.
pub async fn update(
    txn: &DatabaseTransaction,
    user: Uuid,
    access: &Access,
    id: Uuid,
    input: TrialInput,
    now: DateTime<Utc>,
) -> Result<TrialView, ApiError> {
    let t = access.editable(trial::Entity::find_by_id(id).one(txn).await?, id)?;
    if t.status != Status::Draft.as_str() {
        return Err(ApiError::InvalidState(format!(
            "only a draft can be edited; this trial is {}",
            t.status
        )));
    }
    if input.sponsor_id.is_some_and(|s| s != t.sponsor_id) {
        return Err(ApiError::invalid(
            "$.sponsor_id",
            "sponsor_changed",
            "a trial keeps its sponsor",
        ));
    }
    let Checked {
        definition,
        acronym,
        registry_number,
        target_enrolment,
        recruitment_start,
        recruitment_end,
        phase,
        therapeutic_area,
        description,
        patient_information,
        comprehension_questions,
    } = check(input)?;
    if definition.id != t.slug {
        return Err(ApiError::invalid(
            "$.definition.id",
            "id_changed",
            format!("the trial id stays `{}`", t.slug),
        ));
    }
    let version = t.current_version + 1;
    let title = definition.title.clone();
    let definition = definition_json(definition, version)?;
    let before = snapshot(&t);
    insert_version(txn, id, version, definition.clone(), user, now).await?;
    let mut active = t.into_active_model();
    active.current_version = Set(version);
    active.title = Set(title);
    active.acronym = Set(acronym);
    active.registry_number = Set(registry_number);
    active.target_enrolment = Set(target_enrolment);
    active.recruitment_start = Set(recruitment_start);
    active.recruitment_end = Set(recruitment_end);
    active.phase = Set(phase);
    active.therapeutic_area = Set(therapeutic_area);
    active.description = Set(description);
    active.patient_information = Set(patient_information);
    active.comprehension_questions = Set(questions_json(&comprehension_questions));
    active.updated_at = Set(now);
    let t = active.update(txn).await?;
    audit::append(
        txn,
        &actor(user),
        "trial.update",
        "trial",
        &id.to_string(),
        Some(&before),
        Some(&snapshot(&t)),
    )
    .await?;
    Ok(TrialView::of(t, Some(definition)))
}

/// One trial with its current definition.
pub async fn get(
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
) -> Result<TrialView, ApiError> {
    let t = access.visible(trial::Entity::find_by_id(id).one(db).await?, id)?;
    let v = version_row(db, id, t.current_version)
        .await?
        .map(|v| v.definition);
    Ok(TrialView::of(t, v))
}

/// One version's definition.
pub async fn version(
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
    version: i32,
) -> Result<serde_json::Value, ApiError> {
    access.visible(trial::Entity::find_by_id(id).one(db).await?, id)?;
    version_row(db, id, version)
        .await?
        .map(|v| v.definition)
        .ok_or_else(|| ApiError::NotFound(format!("version {version} of trial {id}")))
}

/// One version of a trial.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VersionSummary {
    /// Version number, from 1.
    pub version: i32,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Who created it.
    pub created_by: Option<Uuid>,
}

/// The versions of a trial, oldest first.
pub async fn versions(
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
) -> Result<Vec<VersionSummary>, ApiError> {
    access.visible(trial::Entity::find_by_id(id).one(db).await?, id)?;
    Ok(trial_version::Entity::find()
        .filter(trial_version::Column::TrialId.eq(id))
        .order_by_asc(trial_version::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(|v| VersionSummary {
            version: v.version,
            created_at: v.created_at,
            created_by: v.created_by,
        })
        .collect())
}

/// List filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// Only this status (`draft`, `submitted`, `approved`, `recruiting`, `paused`, `closed`).
    pub status: Option<String>,
    /// Only this sponsor.
    pub sponsor: Option<Uuid>,
    /// Text in the title, acronym, id or registry number.
    pub q: Option<String>,
}

/// The trials the caller may see, newest first, without definitions.
pub async fn list(
    db: &DatabaseConnection,
    access: &Access,
    f: Filters,
) -> Result<Vec<TrialView>, ApiError> {
    let mut query = trial::Entity::find().order_by_desc(trial::Column::CreatedAt);
    if let Some(s) = &f.status {
        let s = Status::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "$.status",
                "unknown_status",
                format!("`{s}` is not a status"),
            )
        })?;
        query = query.filter(trial::Column::Status.eq(s.as_str()));
    }
    if let Some(s) = f.sponsor {
        query = query.filter(trial::Column::SponsorId.eq(s));
    }
    query = match access {
        Access::Admin => query,
        Access::Sponsor(org) => query.filter(trial::Column::SponsorId.eq(*org)),
        Access::Coordinator(ids) => query.filter(trial::Column::Id.is_in(ids.clone())),
        Access::Gp => query.filter(trial::Column::Status.eq(Status::Recruiting.as_str())),
    };
    let needle =
        f.q.map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty());
    Ok(query
        .all(db)
        .await?
        .into_iter()
        .filter(|t| {
            needle.as_ref().is_none_or(|n| {
                [
                    Some(&t.title),
                    t.acronym.as_ref(),
                    Some(&t.slug),
                    t.registry_number.as_ref(),
                ]
                .into_iter()
                .flatten()
                .any(|field| field.to_lowercase().contains(n))
            })
        })
        .map(|t| TrialView::of(t, None))
        .collect())
}

/// A transition request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// The status to move to: `draft`, `submitted`, `approved`, `recruiting`, `paused` or
    /// `closed`.
    #[schema(example = "submitted")]
    pub to: String,
    /// Why (required to reject a submitted trial back to draft).
    #[serde(default)]
    pub comment: Option<String>,
}

/// Moves a trial along its lifecycle.
///
/// An approval or a rejection also enqueues one email per sponsor user in the same
/// transaction (see [`super::review_mail`]); the outbox worker is woken after the commit.
pub async fn transition(
    db: &DatabaseConnection,
    outbox: &platform::email::Outbox,
    user: Uuid,
    access: &Access,
    id: Uuid,
    input: TransitionInput,
    now: DateTime<Utc>,
) -> Result<TrialView, ApiError> {
    let today = now.date_naive();
    let t = access.editable(trial::Entity::find_by_id(id).one(db).await?, id)?;
    let to = Status::parse(&input.to).ok_or_else(|| {
        ApiError::invalid(
            "$.to",
            "unknown_status",
            format!("`{}` is not a status", input.to),
        )
    })?;
    let from = Status::parse(&t.status)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored status {}", t.status)))?;

    lifecycle::check(from, to, access, input.comment.as_deref()).map_err(|e| match e {
        TransitionError::AdminOnly { .. } => ApiError::Forbidden,
        TransitionError::CommentRequired => {
            ApiError::invalid("$.comment", "comment_required", e.to_string())
        }
        TransitionError::Invalid { .. } => ApiError::InvalidTransition(e.to_string()),
    })?;
    if to == Status::Recruiting && t.recruitment_end.is_some_and(|end| end < today) {
        return Err(ApiError::InvalidState(format!(
            "recruitment ended on {}",
            t.recruitment_end.unwrap_or(today)
        )));
    }
    let before = snapshot(&t);
    let txn = platform::db::write(db).await?;
    let mut active = t.into_active_model();
    active.status = Set(to.as_str().into());
    active.updated_at = Set(now);
    if to == Status::Draft {
        active.review_comment = Set(input.comment.map(|c| c.trim().to_string()));
    } else if to == Status::Submitted {
        active.review_comment = Set(None);
    }
    let t = active.update(&txn).await?;
    crate::registry::generation::bump(&txn).await?;
    audit::append(
        &txn,
        &actor(user),
        &format!("trial.{}", to.as_str()),
        "trial",
        &id.to_string(),
        Some(&before),
        Some(&snapshot(&t)),
    )
    .await?;
    let emails = super::review_mail::enqueue(&txn, outbox, &t, from, to).await?;
    txn.commit().await?;
    if emails > 0 {
        outbox.wake();
    }
    Ok(TrialView::of(t, None))
}

/// Closes a recruiting trial once `enrolled` reaches its enrolment target; returns whether
/// it closed. The referral workflow calls it whenever a patient is enrolled.
pub async fn close_if_target_reached(
    db: &DatabaseConnection,
    trial_id: Uuid,
    enrolled: u32,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let txn = platform::db::write(db).await?;
    let Some(t) = trial::Entity::find_by_id(trial_id).one(&txn).await? else {
        return Err(ApiError::NotFound(format!("trial {trial_id}")));
    };
    let reached = t
        .target_enrolment
        .is_some_and(|target| i64::from(enrolled) >= i64::from(target));
    if t.status != Status::Recruiting.as_str() || !reached {
        return Ok(false);
    }
    let before = snapshot(&t);
    let mut active = t.into_active_model();
    active.status = Set(Status::Closed.as_str().into());
    active.updated_at = Set(now);
    let t = active.update(&txn).await?;
    let mut after = snapshot(&t);
    after["enrolled"] = serde_json::json!(enrolled);
    crate::registry::generation::bump(&txn).await?;
    audit::append(
        &txn,
        &Actor::system(),
        "trial.closed",
        "trial",
        &trial_id.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
