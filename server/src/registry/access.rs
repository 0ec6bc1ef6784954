//! Who may see and change which trial: administrators everything; sponsors their
//! organisation's trials; coordinators the trials of their sites; GPs recruiting trials.

use platform::auth::{Principal, Role};
use platform::entities::{site, site_coordinator, trial};
use platform::error::ApiError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// What a caller may do with trials.
#[derive(Debug, Clone)]
pub enum Access {
    /// Everything.
    Admin,
    /// The trials of this sponsor organisation.
    Sponsor(Uuid),
    /// The trials of these sites' trials.
    Coordinator(Vec<Uuid>),
    /// Recruiting trials, read only.
    Gp,
}

impl Access {
    /// The access of a web user (practices use the bundle, not these routes).
    pub async fn of<C: ConnectionTrait>(db: &C, p: &Principal) -> Result<Access, ApiError> {
        let u = p.require(&Role::ALL)?;
        Ok(match u.role {
            Role::Admin => Access::Admin,
            Role::Sponsor => Access::Sponsor(u.organisation_id.ok_or(ApiError::Forbidden)?),
            Role::Gp => Access::Gp,
            Role::Coordinator => {
                let sites: Vec<Uuid> = site_coordinator::Entity::find()
                    .filter(site_coordinator::Column::UserId.eq(u.id))
                    .select_only()
                    .column(site_coordinator::Column::SiteId)
                    .into_tuple()
                    .all(db)
                    .await?;
                let trials: Vec<Uuid> = site::Entity::find()
                    .filter(site::Column::Id.is_in(sites))
                    .select_only()
                    .column(site::Column::TrialId)
                    .into_tuple()
                    .all(db)
                    .await?;
                Access::Coordinator(trials)
            }
        })
    }

    /// Whether the caller may see this trial.
    pub fn can_see(&self, t: &trial::Model) -> bool {
        match self {
            Access::Admin => true,
            Access::Sponsor(org) => t.sponsor_id == *org,
            Access::Coordinator(trials) => trials.contains(&t.id),
            Access::Gp => t.status == "recruiting",
        }
    }

    /// Whether the caller may change this trial (its sponsor, or an administrator).
    pub fn can_edit(&self, t: &trial::Model) -> bool {
        match self {
            Access::Admin => true,
            Access::Sponsor(org) => t.sponsor_id == *org,
            _ => false,
        }
    }

    /// The trial if the caller may see it: 404 otherwise, so that existence does not leak.
    pub fn visible(&self, t: Option<trial::Model>, id: Uuid) -> Result<trial::Model, ApiError> {
        t.filter(|t| self.can_see(t))
            .ok_or_else(|| ApiError::NotFound(format!("trial {id}")))
    }

    /// The trial if the caller may change it: 404 if they cannot see it, 403 if they can
    /// see but not change it.
    pub fn editable(&self, t: Option<trial::Model>, id: Uuid) -> Result<trial::Model, ApiError> {
        let t = self.visible(t, id)?;
        if self.can_edit(&t) {
            Ok(t)
        } else {
            Err(ApiError::Forbidden)
        }
    }
}
