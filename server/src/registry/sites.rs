//! A trial's sites and their research coordinators. The changes write in the caller's
//! transaction, with their audit rows (the caller commits).

use super::access::Access;
use chrono::{DateTime, Utc};
use platform::audit::{self, Actor};
use platform::entities::{organisation, site, site_coordinator, trial, user};
use platform::error::{ApiError, Detail};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, ModelTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A new site.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    /// Name ("CHU de Lyon — centre d'investigation clinique").
    pub name: String,
    /// Postal address.
    pub address: String,
    /// The site organisation its coordinators belong to.
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
    /// Latitude, for proximity rules.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Contact name (the site's research coordinator).
    #[serde(default)]
    pub contact_name: Option<String>,
    /// Contact email.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Contact phone.
    #[serde(default)]
    pub contact_phone: Option<String>,
}

/// A site as clients see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteView {
    /// Id.
    pub id: Uuid,
    /// The trial.
    pub trial_id: Uuid,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<Uuid>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Contact name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// Contact email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Contact phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
}

impl From<site::Model> for SiteView {
    fn from(s: site::Model) -> SiteView {
        SiteView {
            id: s.id,
            trial_id: s.trial_id,
            name: s.name,
            address: s.address,
            organisation_id: s.organisation_id,
            latitude: s.latitude,
            longitude: s.longitude,
            contact_name: s.contact_name,
            contact_email: s.contact_email,
            contact_phone: s.contact_phone,
        }
    }
}

/// Adds a site to a trial, in `txn`.
pub async fn add(
    txn: &DatabaseTransaction,
    user: Uuid,
    access: &Access,
    trial_id: Uuid,
    new: NewSite,
    now: DateTime<Utc>,
) -> Result<SiteView, ApiError> {
    access.editable(
        trial::Entity::find_by_id(trial_id).one(txn).await?,
        trial_id,
    )?;
    let details = check(&new);
    if !details.is_empty() {
        return Err(ApiError::Validation(details));
    }
    if let Some(org) = new.organisation_id {
        let found = organisation::Entity::find_by_id(org).one(txn).await?;
        if found.is_none_or(|o| o.kind != "site") {
            return Err(ApiError::invalid(
                "$.organisation_id",
                "unknown_site_organisation",
                format!("no site organisation {org}"),
            ));
        }
    }
    let clean = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let s = site::ActiveModel {
        id: Set(Uuid::now_v7()),
        trial_id: Set(trial_id),
        organisation_id: Set(new.organisation_id),
        name: Set(new.name.trim().into()),
        address: Set(new.address.trim().into()),
        latitude: Set(new.latitude),
        longitude: Set(new.longitude),
        contact_name: Set(clean(new.contact_name)),
        contact_email: Set(clean(new.contact_email).map(|e| e.to_lowercase())),
        contact_phone: Set(clean(new.contact_phone)),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    // The bundle lists each recruiting trial's sites: a new site is a new bundle.
    crate::registry::generation::bump(txn).await?;
    let view = SiteView::from(s);
    let after = serde_json::to_value(&view).map_err(|e| ApiError::Internal(e.into()))?;
    audit::append(
        txn,
        &Actor::user(user.to_string()),
        "site.create",
        "site",
        &view.id.to_string(),
        None,
        Some(&after),
    )
    .await?;
    Ok(view)
}

/// The checks of a new site that need no database: every problem, with its path.
pub fn check(new: &NewSite) -> Vec<Detail> {
    let mut details = Vec::new();
    if new.name.trim().is_empty() {
        details.push(Detail::new("$.name", "required", "the name is empty"));
    }
    if new.address.trim().is_empty() {
        details.push(Detail::new("$.address", "required", "the address is empty"));
    }
    if new.latitude.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
        details.push(Detail::new(
            "$.latitude",
            "out_of_range",
            "a latitude lies between -90 and 90",
        ));
    }
    if new
        .longitude
        .is_some_and(|l| !(-180.0..=180.0).contains(&l))
    {
        details.push(Detail::new(
            "$.longitude",
            "out_of_range",
            "a longitude lies between -180 and 180",
        ));
    }
    if new
        .contact_email
        .as_deref()
        .map(str::trim)
        .is_some_and(|e| !e.is_empty() && platform::accounts::normalise_email(e).is_err())
    {
        details.push(Detail::new(
            "$.contact_email",
            "invalid_email",
            "the contact email is not an email address",
        ));
    }
    details
}

/// A trial's sites.
pub async fn list(
    db: &DatabaseConnection,
    access: &Access,
    trial_id: Uuid,
) -> Result<Vec<SiteView>, ApiError> {
    access.visible(trial::Entity::find_by_id(trial_id).one(db).await?, trial_id)?;
    Ok(site::Entity::find()
        .filter(site::Column::TrialId.eq(trial_id))
        .order_by_asc(site::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(SiteView::from)
        .collect())
}

async fn editable_site<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    site_id: Uuid,
) -> Result<site::Model, ApiError> {
    let s = site::Entity::find_by_id(site_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("site {site_id}")))?;
    access
        .editable(
            trial::Entity::find_by_id(s.trial_id).one(db).await?,
            s.trial_id,
        )
        .map_err(|e| {
            if matches!(e, ApiError::NotFound(_)) {
                ApiError::NotFound(format!("site {site_id}"))
            } else {
                e
            }
        })?;
    Ok(s)
}

/// Makes a coordinator user a coordinator of a site (idempotent), in `txn`.
pub async fn add_coordinator(
    txn: &DatabaseTransaction,
    user: Uuid,
    access: &Access,
    site_id: Uuid,
    coordinator: Uuid,
) -> Result<(), ApiError> {
    let s = editable_site(txn, access, site_id).await?;
    let u = user::Entity::find_by_id(coordinator).one(txn).await?;
    if u.as_ref().is_none_or(|u| u.role != "coordinator") {
        return Err(ApiError::invalid(
            "$.user_id",
            "not_a_coordinator",
            format!("user {coordinator} is not a research coordinator"),
        ));
    }
    if u.as_ref()
        .is_some_and(|u| s.organisation_id.is_some() && u.organisation_id != s.organisation_id)
    {
        return Err(ApiError::invalid(
            "$.user_id",
            "other_organisation",
            "the coordinator belongs to another site organisation",
        ));
    }
    let exists = site_coordinator::Entity::find_by_id((site_id, coordinator))
        .one(txn)
        .await?
        .is_some();
    if exists {
        return Ok(());
    }
    site_coordinator::ActiveModel {
        site_id: Set(site_id),
        user_id: Set(coordinator),
    }
    .insert(txn)
    .await?;
    let after = serde_json::json!({"site_id": site_id, "user_id": coordinator});
    audit::append(
        txn,
        &Actor::user(user.to_string()),
        "site.coordinator.add",
        "site",
        &site_id.to_string(),
        None,
        Some(&after),
    )
    .await?;
    Ok(())
}

/// Removes a coordinator from a site (idempotent), in `txn`.
pub async fn remove_coordinator(
    txn: &DatabaseTransaction,
    user: Uuid,
    access: &Access,
    site_id: Uuid,
    coordinator: Uuid,
) -> Result<(), ApiError> {
    editable_site(txn, access, site_id).await?;
    let Some(row) = site_coordinator::Entity::find_by_id((site_id, coordinator))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    row.delete(txn).await?;
    let before = serde_json::json!({"site_id": site_id, "user_id": coordinator});
    audit::append(
        txn,
        &Actor::user(user.to_string()),
        "site.coordinator.remove",
        "site",
        &site_id.to_string(),
        Some(&before),
        None,
    )
    .await?;
    Ok(())
}

/// A site coordinator.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Coordinator {
    /// User id.
    pub id: Uuid,
    /// Email.
    pub email: String,
}

/// A site's coordinators, by email.
pub async fn coordinators(
    db: &DatabaseConnection,
    access: &Access,
    site_id: Uuid,
) -> Result<Vec<Coordinator>, ApiError> {
    let s = site::Entity::find_by_id(site_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("site {site_id}")))?;
    let t = access
        .visible(
            trial::Entity::find_by_id(s.trial_id).one(db).await?,
            s.trial_id,
        )
        .map_err(|_| ApiError::NotFound(format!("site {site_id}")))?;
    // Coordinators' contacts are for the trial's sponsor and coordinators, not every GP.
    if !(access.can_edit(&t) || matches!(access, Access::Coordinator(_))) {
        return Err(ApiError::Forbidden);
    }
    let ids: Vec<Uuid> = site_coordinator::Entity::find()
        .filter(site_coordinator::Column::SiteId.eq(site_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.user_id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|u| Coordinator {
            id: u.id,
            email: u.email,
        })
        .collect())
}

/// The research coordinator with this email, if there is one (to link a site's coordinator
/// by email in the sponsor's form).
pub async fn coordinator_by_email(
    db: &DatabaseConnection,
    email: &str,
) -> Result<Option<Uuid>, ApiError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .filter(user::Column::Role.eq("coordinator"))
        .one(db)
        .await?
        .map(|u| u.id))
}
