//! What a practice hears back: every status change of its referrals, by pseudonym and alert,
//! for the SDK to show ("your patient was enrolled / not eligible because …").

use chrono::{DateTime, Utc};
use platform::entities::{referral, referral_event};
use platform::error::ApiError;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// At most this many outcomes per call (ask again from the last `at`).
pub const PAGE: u64 = 500;

/// The changes of `practice`'s referrals after `since` (all when `None`), oldest first.
pub async fn since(
    db: &DatabaseConnection,
    practice: Uuid,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<plugin_sdk::ReferralOutcome>, ApiError> {
    let of_practice = Query::select()
        .column(referral::Column::Id)
        .from(referral::Entity)
        .and_where(referral::Column::OrganisationId.eq(practice))
        .to_owned();
    let mut q = referral_event::Entity::find()
        .filter(referral_event::Column::ReferralId.in_subquery(of_practice));
    if let Some(s) = since {
        q = q.filter(referral_event::Column::At.gt(s));
    }
    let events = q
        .order_by_asc(referral_event::Column::At)
        .limit(PAGE)
        .all(db)
        .await?;
    let ids: HashSet<Uuid> = events.iter().map(|e| e.referral_id).collect();
    let refs: HashMap<Uuid, referral::Model> = referral::Entity::find()
        .filter(referral::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(events
        .into_iter()
        .filter_map(|e| {
            let r = refs.get(&e.referral_id)?;
            Some(plugin_sdk::ReferralOutcome {
                referral: r.id,
                alert_id: r.alert_id,
                trial: r.trial_id,
                patient: r.patient.clone(),
                status: e.to_status,
                reason: e.reason,
                detail: e.detail,
                at: e.at,
            })
        })
        .collect())
}
