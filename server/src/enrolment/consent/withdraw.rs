//! Withdrawal, as easy as consenting: from the patient's link or by a coordinator. It marks
//! the consent withdrawn (nothing recorded before is deleted), stops the referral when it is
//! still under way, and tells the site's coordinators.

use crate::emails::ConsentWithdrawn;
use crate::enrolment::referral::recipients;
use crate::enrolment::referral::status::{Reason, Status};
use crate::enrolment::referral::store::{self, Change};
use chrono::{DateTime, SubsecRound, Utc};
use platform::audit::{self, Actor};
use platform::email::{Locale, Outbox};
use platform::entities::{consent, referral, site, trial};
use platform::error::ApiError;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Marks a consent withdrawn (once; a second call changes nothing) and audits it.
pub async fn mark_withdrawn<C: ConnectionTrait>(
    db: &C,
    consent_id: Uuid,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let now = now.trunc_subsecs(6);
    let done = consent::Entity::update_many()
        .col_expr(consent::Column::Status, Expr::value("withdrawn"))
        .col_expr(consent::Column::WithdrawnAt, Expr::value(now))
        .col_expr(consent::Column::WithdrawnBy, Expr::value(by))
        .filter(consent::Column::Id.eq(consent_id))
        .filter(consent::Column::Status.eq("active"))
        .exec(db)
        .await?;
    if done.rows_affected == 1 {
        let actor = match by.strip_prefix("user:") {
            Some(user) => Actor::user(user),
            None if by == "patient" => Actor::patient(),
            None => Actor::system(),
        };
        audit::append(
            db,
            &actor,
            "consent.withdrawn",
            "consent",
            &consent_id.to_string(),
            Some(&serde_json::json!({"status": "active"})),
            Some(&serde_json::json!({"status": "withdrawn", "by": by, "at": now})),
        )
        .await?;
    }
    Ok(done.rows_affected == 1)
}

/// The patient withdraws through their receipt link. Idempotent: withdrawing again is not
/// an error. Returns the consent as it now is.
pub async fn by_patient(
    db: &DatabaseConnection,
    outbox: &Outbox,
    base_url: &str,
    c: consent::Model,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let txn = platform::db::write(db).await?;
    if !mark_withdrawn(&txn, c.id, "patient", now).await? {
        return Ok(());
    }
    let r = referral::Entity::find()
        .filter(referral::Column::ConsentId.eq(c.id))
        .one(&txn)
        .await?;
    if let Some(r) = r {
        let under_way = Status::parse(&r.status).is_some_and(|s| !s.is_terminal());
        let (site_id, referral_id) = (r.site_id, r.id);
        if under_way {
            let change = Change {
                to: Status::Withdrawn,
                reason: Some(Reason::Declined),
                detail: Some("consent withdrawn by the patient".into()),
            };
            store::apply(&txn, outbox, r, &change, &Actor::patient(), now).await?;
        }
        let t = trial::Entity::find_by_id(c.trial_id).one(&txn).await?;
        let s = site::Entity::find_by_id(site_id).one(&txn).await?;
        let email = ConsentWithdrawn {
            trial_title: t.map(|t| t.title).unwrap_or_default(),
            site_name: s.map(|s| s.name).unwrap_or_default(),
            referral_url: format!("{base_url}/coordinator/referrals/{referral_id}"),
            withdrawn_at: now.format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        for to in recipients::of_site(&txn, site_id).await? {
            outbox.enqueue(&txn, &to, Locale::Fr, &email).await?;
        }
    }
    txn.commit().await?;
    outbox.wake();
    Ok(())
}
