//! Who is calling: a web user (session cookie) or a practice (API key).

use super::session::{COOKIE, Session, SessionKey};
use crate::entities::{practice_api_key, user};
use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use uuid::Uuid;

/// A web user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Approves trials, manages users and practices.
    Admin,
    /// Registers and maintains its organisation's trials.
    Sponsor,
    /// Works the referrals of its sites.
    Coordinator,
    /// A general practitioner.
    Gp,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Sponsor, Role::Coordinator, Role::Gp];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Sponsor => "sponsor",
            Role::Coordinator => "coordinator",
            Role::Gp => "gp",
        }
    }

    /// The kind of organisation a user of this role belongs to (`None` for admins).
    pub fn organisation_kind(self) -> Option<&'static str> {
        match self {
            Role::Admin => None,
            Role::Sponsor => Some("sponsor"),
            Role::Coordinator => Some("site"),
            Role::Gp => Some("practice"),
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a role: use admin, sponsor, coordinator or gp"))
    }
}

/// A logged-in web user.
#[derive(Debug, Clone)]
pub struct UserPrincipal {
    /// User id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Organisation.
    pub organisation_id: Option<Uuid>,
    /// The session.
    pub session: Session,
}

/// The caller of a route.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A web user.
    User(UserPrincipal),
    /// A practice's plugin, through an API key.
    Practice {
        /// The practice organisation.
        organisation_id: Uuid,
        /// The key used.
        key_id: Uuid,
    },
}

impl Principal {
    /// The user, if their role is one of `roles`; 403 otherwise (and for practices).
    pub fn require(&self, roles: &[Role]) -> Result<&UserPrincipal, ApiError> {
        match self {
            Principal::User(u) if roles.contains(&u.role) => Ok(u),
            _ => Err(ApiError::Forbidden),
        }
    }

    /// The practice organisation, for plugin routes; 403 for web users.
    pub fn practice(&self) -> Result<Uuid, ApiError> {
        match self {
            Principal::Practice {
                organisation_id, ..
            } => Ok(*organisation_id),
            Principal::User(_) => Err(ApiError::Forbidden),
        }
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let db = req.app_data::<web::Data<DatabaseConnection>>().cloned();
        let key = req.app_data::<web::Data<SessionKey>>().cloned();
        let bearer = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_string());
        let cookie = req.cookie(COOKIE).map(|c| c.value().to_string());
        let now = req
            .app_data::<web::Data<crate::clock::Clock>>()
            .map_or_else(chrono::Utc::now, |c| c.now())
            .timestamp();
        Box::pin(async move {
            let (Some(db), Some(key)) = (db, key) else {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "authentication is not configured"
                )));
            };
            if let Some(bearer) = bearer {
                return practice(&db, &bearer).await;
            }
            let session = cookie
                .and_then(|c| key.verify(&c, now))
                .ok_or(ApiError::Unauthenticated)?;
            let u = user::Entity::find_by_id(session.user_id)
                .one(db.get_ref())
                .await?
                .filter(|u| u.active && u.session_generation == session.generation)
                .ok_or(ApiError::Unauthenticated)?;
            let role = u
                .role
                .parse()
                .map_err(|e: String| ApiError::Internal(anyhow::anyhow!(e)))?;
            Ok(Principal::User(UserPrincipal {
                id: u.id,
                email: u.email,
                role,
                organisation_id: u.organisation_id,
                session,
            }))
        })
    }
}

async fn practice(db: &DatabaseConnection, key: &str) -> Result<Principal, ApiError> {
    let found = practice_api_key::Entity::find()
        .filter(practice_api_key::Column::KeyHash.eq(super::api_key::hash(key)))
        .filter(practice_api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Principal::Practice {
        organisation_id: found.organisation_id,
        key_id: found.id,
    })
}
