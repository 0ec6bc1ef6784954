//! The emails of a trial's review: on approval or rejection, one email to every active
//! sponsor-role user of the trial's sponsor organisation, in the transition's transaction.

use crate::emails::{TrialApproved, TrialRejected};
use crate::registry::lifecycle::Status;
use platform::email::outbox::OutboxError;
use platform::email::{Email, Outbox};
use platform::entities::{organisation, trial, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Enqueues the review emails of `t` moving `from → to` (nothing for other moves); returns
/// how many.
pub async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    outbox: &Outbox,
    t: &trial::Model,
    from: Status,
    to: Status,
) -> Result<usize, OutboxError> {
    let sponsor_name = || async {
        Ok::<_, OutboxError>(
            organisation::Entity::find_by_id(t.sponsor_id)
                .one(txn)
                .await?
                .map(|o| o.name)
                .unwrap_or_default(),
        )
    };
    match (from, to) {
        (Status::Submitted, Status::Approved) => {
            let email = TrialApproved {
                trial_title: t.title.clone(),
                trial_slug: t.slug.clone(),
                sponsor_name: sponsor_name().await?,
            };
            to_sponsors(txn, outbox, t, &email).await
        }
        (Status::Submitted, Status::Draft) => {
            let email = TrialRejected {
                trial_title: t.title.clone(),
                trial_slug: t.slug.clone(),
                sponsor_name: sponsor_name().await?,
                comment: t.review_comment.clone().unwrap_or_default(),
            };
            to_sponsors(txn, outbox, t, &email).await
        }
        _ => Ok(0),
    }
}

async fn to_sponsors<C: ConnectionTrait, E: Email>(
    txn: &C,
    outbox: &Outbox,
    t: &trial::Model,
    email: &E,
) -> Result<usize, OutboxError> {
    let recipients: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Email)
        .filter(user::Column::OrganisationId.eq(t.sponsor_id))
        .filter(user::Column::Role.eq("sponsor"))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Email)
        .into_tuple()
        .all(txn)
        .await?;
    for to in &recipients {
        outbox
            .enqueue(txn, to, outbox.default_locale(), email)
            .await?;
    }
    Ok(recipients.len())
}
