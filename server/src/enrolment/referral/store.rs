//! Referrals in the database: creation (inside the consent's transaction), status changes
//! (checked by [`super::status`], timestamped, attributed, audited, and told to the referring
//! practice) and who may see them.

use super::status::{self, Reason, Status};
use crate::emails::ReferralOutcome;
use chrono::{DateTime, SubsecRound, Utc};
use platform::audit::{self, Actor};
use platform::auth::{Principal, Role};
use platform::email::{Locale, Outbox};
use platform::entities::{
    plugin_settings, referral, referral_event, site, site_coordinator, trial,
};
use platform::error::{ApiError, Detail};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

/// A status change asked for.
#[derive(Debug, Clone)]
pub struct Change {
    /// The new status.
    pub to: Status,
    /// The exit reason.
    pub reason: Option<Reason>,
    /// Free text.
    pub detail: Option<String>,
}

fn json(r: &referral::Model) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "consent": r.consent_id,
        "trial": r.trial_id,
        "site": r.site_id,
        "practice": r.organisation_id,
        "status": r.status,
        "reason": r.reason,
        "detail": r.detail,
    })
}

/// Writes the event row of a change.
pub async fn record_event<C: ConnectionTrait>(
    db: &C,
    r: &referral::Model,
    from: Option<&str>,
    by: &Actor,
) -> Result<(), ApiError> {
    referral_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        referral_id: Set(r.id),
        from_status: Set(from.map(str::to_string)),
        to_status: Set(r.status.clone()),
        reason: Set(r.reason.clone()),
        detail: Set(r.detail.clone()),
        actor_kind: Set(by.kind.as_str().into()),
        actor_id: Set(by.id.clone()),
        at: Set(r.updated_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Creates the referral of a consent, `referred`, with its event and audit row.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    new: referral::Model,
    by: &Actor,
) -> Result<referral::Model, ApiError> {
    let r = referral::ActiveModel {
        id: Set(new.id),
        consent_id: Set(new.consent_id),
        trial_id: Set(new.trial_id),
        site_id: Set(new.site_id),
        organisation_id: Set(new.organisation_id),
        alert_id: Set(new.alert_id),
        patient: Set(new.patient),
        status: Set(Status::Referred.as_str().into()),
        reason: Set(None),
        detail: Set(None),
        created_at: Set(new.created_at),
        updated_at: Set(new.created_at),
        contacted_at: Set(None),
        screening_at: Set(None),
        enrolled_at: Set(None),
        screen_failed_at: Set(None),
        declined_at: Set(None),
        withdrawn_at: Set(None),
    }
    .insert(db)
    .await?;
    record_event(db, &r, None, by).await?;
    audit::append(
        db,
        by,
        "referral.created",
        "referral",
        &r.id.to_string(),
        None,
        Some(&json(&r)),
    )
    .await?;
    Ok(r)
}

/// The sites a coordinator works for.
pub async fn coordinator_sites<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
) -> Result<Vec<Uuid>, ApiError> {
    use sea_orm::QuerySelect;
    Ok(site_coordinator::Entity::find()
        .filter(site_coordinator::Column::UserId.eq(user))
        .select_only()
        .column(site_coordinator::Column::SiteId)
        .into_tuple()
        .all(db)
        .await?)
}

/// The referral if the caller coordinates its site: 404 otherwise (existence does not leak).
/// Only coordinators see referrals: they hold the patient's identity.
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    id: Uuid,
) -> Result<(Uuid, referral::Model), ApiError> {
    let u = p.require(&[Role::Coordinator])?;
    let sites = coordinator_sites(db, u.id).await?;
    referral::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| sites.contains(&r.site_id))
        .map(|r| (u.id, r))
        .ok_or_else(|| ApiError::NotFound(format!("referral {id}")))
}

/// Applies a checked change inside `txn`: the row (only if its status is still `from`, so two
/// concurrent changes cannot both apply), the event, the audit row and, for an outcome, the
/// email to the practice. Returns the updated row.
pub async fn apply<C: ConnectionTrait>(
    txn: &C,
    outbox: &Outbox,
    r: referral::Model,
    change: &Change,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<referral::Model, ApiError> {
    let from = Status::parse(&r.status)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown stored referral status")))?;
    status::check(from, change.to, change.reason, change.detail.as_deref()).map_err(
        |e| match e {
            status::TransitionError::NotAllowed { .. } => {
                ApiError::InvalidTransition(e.to_string())
            }
            other => ApiError::Validation(vec![Detail::new(
                if matches!(other, status::TransitionError::DetailRequired) {
                    "$.detail"
                } else {
                    "$.reason"
                },
                match other {
                    status::TransitionError::ReasonRequired(_) => "required",
                    status::TransitionError::ReasonNotAllowed(_) => "reason_not_allowed",
                    _ => "detail_required",
                },
                other.to_string(),
            )]),
        },
    )?;
    let now = now.trunc_subsecs(6);
    let mut update = referral::Entity::update_many();
    if let Some(reached) = referral::Column::reached(change.to.as_str()) {
        update = update.col_expr(reached, Expr::value(now));
    }
    let done = update
        .col_expr(referral::Column::Status, Expr::value(change.to.as_str()))
        .col_expr(
            referral::Column::Reason,
            Expr::value(change.reason.map(|r| r.as_str().to_string())),
        )
        .col_expr(referral::Column::Detail, Expr::value(change.detail.clone()))
        .col_expr(referral::Column::UpdatedAt, Expr::value(now))
        .filter(referral::Column::Id.eq(r.id))
        .filter(referral::Column::Status.eq(r.status.clone()))
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(ApiError::Conflict(
            "the referral changed meanwhile: reload it".into(),
        ));
    }
    let before = json(&r);
    let mut updated = referral::Model {
        status: change.to.as_str().into(),
        reason: change.reason.map(|r| r.as_str().to_string()),
        detail: change.detail.clone(),
        updated_at: now,
        ..r
    };
    updated.mark_reached(change.to.as_str(), now);
    record_event(txn, &updated, Some(from.as_str()), by).await?;
    audit::append(
        txn,
        by,
        "referral.status",
        "referral",
        &updated.id.to_string(),
        Some(&before),
        Some(&json(&updated)),
    )
    .await?;
    if change.to.is_outcome() {
        tell_practice(txn, outbox, &updated).await?;
    }
    Ok(updated)
}

/// Emails the outcome to the practice, if it configured an address.
async fn tell_practice<C: ConnectionTrait>(
    txn: &C,
    outbox: &Outbox,
    r: &referral::Model,
) -> Result<(), ApiError> {
    let Some(to) = plugin_settings::Entity::find_by_id(r.organisation_id)
        .one(txn)
        .await?
        .and_then(|s| s.outcome_email)
    else {
        return Ok(());
    };
    let t = trial::Entity::find_by_id(r.trial_id).one(txn).await?;
    let s = site::Entity::find_by_id(r.site_id).one(txn).await?;
    let email = ReferralOutcome {
        trial_title: t.map(|t| t.title).unwrap_or_default(),
        status: r.status.clone(),
        reason: r.reason.clone(),
        detail: r.detail.clone(),
        referred_on: r.created_at.date_naive().to_string(),
        site_name: s.map(|s| s.name).unwrap_or_default(),
    };
    outbox.enqueue(txn, &to, Locale::Fr, &email).await?;
    Ok(())
}

/// Changes a referral's status as its coordinator; enrolling the target's last patient
/// closes the trial. The change is refused with 409 when the machine does not allow it.
pub async fn transition(
    db: &DatabaseConnection,
    outbox: &Outbox,
    p: &Principal,
    id: Uuid,
    change: Change,
    now: DateTime<Utc>,
) -> Result<referral::Model, ApiError> {
    let txn = platform::db::write(db).await?;
    let (user, r) = visible(&txn, p, id).await?;
    let updated = apply(
        &txn,
        outbox,
        r,
        &change,
        &Actor::user(user.to_string()),
        now,
    )
    .await?;
    if change.to == Status::Withdrawn {
        crate::enrolment::consent::withdraw::mark_withdrawn(
            &txn,
            updated.consent_id,
            &format!("user:{user}"),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    outbox.wake();
    if change.to == Status::Enrolled {
        let enrolled = referral::Entity::find()
            .filter(referral::Column::TrialId.eq(updated.trial_id))
            .filter(referral::Column::Status.eq(Status::Enrolled.as_str()))
            .count(db)
            .await?;
        crate::registry::trials::close_if_target_reached(
            db,
            updated.trial_id,
            u32::try_from(enrolled).unwrap_or(u32::MAX),
            now,
        )
        .await?;
    }
    Ok(updated)
}
