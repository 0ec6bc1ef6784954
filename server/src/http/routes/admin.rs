//! Administration: organisations, users, practice API keys. Admins only.

use crate::http::openapi::{JsonBodyErrors, SessionErrors};
use actix_web::{HttpResponse, delete, get, post, put, web};
use platform::accounts::{self, ApiKeyView, NewOrganisation, NewUser, UserView};
use platform::audit::Actor;
use platform::auth::{Principal, Role};
use platform::clock::Clock;
use platform::error::{ApiError, ErrorBody};
use platform::extract::ApiJson;
use plugin_sdk::wire::PracticeSettings;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Creates an organisation.
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    request_body = NewOrganisation,
    responses(
        (status = 201, description = "Created", body = OrganisationView),
        (status = 422, description = "`validation_failed`; details: `required` (name), `unknown_kind`", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/organisations")]
pub async fn create_organisation(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    ApiJson(new): ApiJson<NewOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    let org = accounts::create_organisation(db.get_ref(), &actor, new).await?;
    Ok(HttpResponse::Created().json(OrganisationView::from(org)))
}

/// Lists organisations.
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Every organisation, by name", body = [OrganisationView]),
        SessionErrors,
    )
)]
#[get("/api/v1/organisations")]
pub async fn list_organisations(
    db: web::Data<DatabaseConnection>,
    p: Principal,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    let orgs = accounts::list_organisations(db.get_ref()).await?;
    let view: Vec<OrganisationView> = orgs.into_iter().map(OrganisationView::from).collect();
    Ok(HttpResponse::Ok().json(view))
}

/// Creates a user.
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 409, description = "`conflict`: a user with this email exists", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `invalid_email`, `unknown_role`, `password_too_short`, \
`organisation_not_allowed`, `required`, `unknown_organisation`, `wrong_organisation_kind`", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/users")]
pub async fn create_user(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    let user = accounts::create_user(db.get_ref(), &actor, new).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// Lists users.
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Every user, by email", body = [UserView]),
        SessionErrors,
    )
)]
#[get("/api/v1/users")]
pub async fn list_users(
    db: web::Data<DatabaseConnection>,
    p: Principal,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    Ok(HttpResponse::Ok().json(accounts::list_users(db.get_ref()).await?))
}

/// A new API key's label.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// Where the key is used (the practice's EHR, a workstation…).
    label: String,
}

/// Creates a practice API key; the answer holds the key, shown this once.
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The practice organisation")),
    request_body = NewKey,
    responses(
        (status = 201, description = "Created; the key is in the answer, and only there", body = CreatedApiKey),
        (status = 404, description = "`not_found`: no such organisation", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `not_a_practice`, `required` (label)", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/organisations/{id}/api-keys")]
pub async fn create_api_key(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    path: web::Path<Uuid>,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    let (view, key) =
        accounts::create_api_key(db.get_ref(), &actor, path.into_inner(), &new.label).await?;
    Ok(HttpResponse::Created().json(CreatedApiKey { key, api_key: view }))
}

/// Lists a practice's keys (never the keys themselves).
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The practice organisation")),
    responses(
        (status = 200, description = "The practice's keys, oldest first (never the keys themselves)", body = [ApiKeyView]),
        (status = 404, description = "`not_found`: the id is not a UUID", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/organisations/{id}/api-keys")]
pub async fn list_api_keys(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    Ok(HttpResponse::Ok().json(accounts::list_api_keys(db.get_ref(), path.into_inner()).await?))
}

/// Revokes a key.
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 200, description = "Revoked (idempotent)", body = ApiKeyView),
        (status = 404, description = "`not_found`: no such key", body = ErrorBody),
        SessionErrors,
    )
)]
#[delete("/api/v1/api-keys/{id}")]
pub async fn revoke_api_key(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    Ok(HttpResponse::Ok()
        .json(accounts::revoke_api_key(db.get_ref(), &actor, path.into_inner()).await?))
}

/// Sets a practice's plugin settings (alert fatigue and distance to trial sites); audited.
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    request_body = PracticeSettings,
    params(("id" = Uuid, Path, description = "The practice organisation")),
    responses(
        (status = 200, description = "The settings now in force", body = PracticeSettings),
        (status = 404, description = "`not_found`: no such organisation", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `out_of_range`, `location_required`, `not_a_practice`", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[put("/api/v1/organisations/{id}/plugin-settings")]
pub async fn set_plugin_settings(
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    let new = crate::plugin::settings::parse(&body)?;
    let set = crate::plugin::settings::set(db.get_ref(), &actor, id.into_inner(), new, clock.now())
        .await?;
    Ok(HttpResponse::Ok().json(set))
}

/// An organisation.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// `sponsor`, `practice` or `site`.
    pub kind: String,
}

impl From<platform::entities::organisation::Model> for OrganisationView {
    fn from(o: platform::entities::organisation::Model) -> OrganisationView {
        OrganisationView {
            id: o.id,
            name: o.name,
            kind: o.kind,
        }
    }
}

/// A new practice API key: the key itself is shown this once.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    /// The key, for `Authorization: Bearer <key>`; only its hash is stored.
    pub key: String,
    /// The key as listed.
    pub api_key: platform::accounts::ApiKeyView,
}
