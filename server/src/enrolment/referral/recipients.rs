//! Who at a site hears of its referrals: its active coordinators, or the site's contact
//! address when no coordinator account is linked yet.

use platform::entities::{site, site_coordinator, user};
use platform::error::ApiError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// The addresses to email about a referral to `site_id`.
pub async fn of_site<C: ConnectionTrait>(db: &C, site_id: Uuid) -> Result<Vec<String>, ApiError> {
    let users: Vec<Uuid> = site_coordinator::Entity::find()
        .filter(site_coordinator::Column::SiteId.eq(site_id))
        .select_only()
        .column(site_coordinator::Column::UserId)
        .into_tuple()
        .all(db)
        .await?;
    let mut emails: Vec<String> = user::Entity::find()
        .filter(user::Column::Id.is_in(users))
        .filter(user::Column::Active.eq(true))
        .select_only()
        .column(user::Column::Email)
        .into_tuple()
        .all(db)
        .await?;
    if emails.is_empty() {
        let contact = site::Entity::find_by_id(site_id)
            .one(db)
            .await?
            .and_then(|s| s.contact_email);
        emails.extend(contact);
    }
    emails.sort();
    emails.dedup();
    Ok(emails)
}
