//! Administration: organisations, users, practice API keys. Admins only.

use crate::accounts::{self, NewOrganisation, NewUser, UserView};
use crate::audit::Actor;
use crate::auth::{Principal, Role};
use crate::error::ApiError;
use crate::extract::ApiJson;
use actix_web::{HttpResponse, delete, get, post, web};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

/// Creates an organisation.
#[post("/api/v1/organisations")]
pub async fn create_organisation(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    ApiJson(new): ApiJson<NewOrganisation>,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    let org = accounts::create_organisation(db.get_ref(), &actor, new).await?;
    Ok(HttpResponse::Created()
        .json(serde_json::json!({"id": org.id, "name": org.name, "kind": org.kind})))
}

/// Lists organisations.
#[get("/api/v1/organisations")]
pub async fn list_organisations(
    db: web::Data<DatabaseConnection>,
    p: Principal,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    let orgs = accounts::list_organisations(db.get_ref()).await?;
    let view: Vec<_> = orgs
        .into_iter()
        .map(|o| serde_json::json!({"id": o.id, "name": o.name, "kind": o.kind}))
        .collect();
    Ok(HttpResponse::Ok().json(view))
}

/// Creates a user.
#[post("/api/v1/users")]
pub async fn create_user(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    let user = accounts::create_user(db.get_ref(), &actor, new).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// Lists users.
#[get("/api/v1/users")]
pub async fn list_users(
    db: web::Data<DatabaseConnection>,
    p: Principal,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    Ok(HttpResponse::Ok().json(accounts::list_users(db.get_ref()).await?))
}

/// A new API key's label.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    label: String,
}

/// Creates a practice API key; the answer holds the key, shown this once.
#[post("/api/v1/organisations/{id}/api-keys")]
pub async fn create_api_key(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    path: web::Path<Uuid>,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    let (view, key) =
        accounts::create_api_key(db.get_ref(), &actor, path.into_inner(), &new.label).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"key": key, "api_key": view})))
}

/// Lists a practice's keys (never the keys themselves).
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
#[delete("/api/v1/api-keys/{id}")]
pub async fn revoke_api_key(
    db: web::Data<DatabaseConnection>,
    p: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    let actor = Actor::user(p.require(&[Role::Admin])?.id.to_string());
    Ok(HttpResponse::Ok()
        .json(accounts::revoke_api_key(db.get_ref(), &actor, path.into_inner()).await?))
}
