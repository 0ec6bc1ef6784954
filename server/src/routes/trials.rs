//! The trial registry API.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::registry::{self, Access, consent, sites, trials};
use actix_web::{HttpResponse, delete, get, post, put, web};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

type Db = web::Data<DatabaseConnection>;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn access(db: &Db, p: &Principal) -> Result<(Uuid, Access), ApiError> {
    let access = Access::of(db.get_ref(), p).await?;
    let user = p.require(&crate::auth::Role::ALL)?.id;
    Ok((user, access))
}

/// Creates a trial (draft, version 1).
#[post("/api/v1/trials")]
pub async fn create(
    db: Db,
    p: Principal,
    ApiJson(input): ApiJson<registry::input::TrialInput>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    Ok(HttpResponse::Created().json(trials::create(db.get_ref(), user, &access, input).await?))
}

/// Lists trials (`?status=&sponsor=&q=`).
#[get("/api/v1/trials")]
pub async fn list(
    db: Db,
    p: Principal,
    f: web::Query<trials::Filters>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    trials::close_expired(db.get_ref(), today()).await?;
    Ok(HttpResponse::Ok().json(trials::list(db.get_ref(), &access, f.into_inner()).await?))
}

/// One trial with its current definition.
#[get("/api/v1/trials/{id}")]
pub async fn get(db: Db, p: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(trials::get(db.get_ref(), &access, id.into_inner()).await?))
}

/// Updates a draft: a new version.
#[put("/api/v1/trials/{id}")]
pub async fn update(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(input): ApiJson<registry::input::TrialInput>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok()
        .json(trials::update(db.get_ref(), user, &access, id.into_inner(), input).await?))
}

/// The versions of a trial.
#[get("/api/v1/trials/{id}/versions")]
pub async fn versions(db: Db, p: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(trials::versions(db.get_ref(), &access, id.into_inner()).await?))
}

/// One version's definition.
#[get("/api/v1/trials/{id}/versions/{version}")]
pub async fn version(
    db: Db,
    p: Principal,
    path: web::Path<(Uuid, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    let (id, number) = path.into_inner();
    Ok(HttpResponse::Ok().json(trials::version(db.get_ref(), &access, id, number).await?))
}

/// Moves a trial along its lifecycle.
#[post("/api/v1/trials/{id}/transitions")]
pub async fn transition(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(input): ApiJson<trials::TransitionInput>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(
        trials::transition(db.get_ref(), user, &access, id.into_inner(), input, today()).await?,
    ))
}

/// Adds a site.
#[post("/api/v1/trials/{id}/sites")]
pub async fn add_site(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(new): ApiJson<sites::NewSite>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    Ok(HttpResponse::Created()
        .json(sites::add(db.get_ref(), user, &access, id.into_inner(), new).await?))
}

/// Lists sites.
#[get("/api/v1/trials/{id}/sites")]
pub async fn list_sites(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(sites::list(db.get_ref(), &access, id.into_inner()).await?))
}

/// Lists a site's coordinators.
#[get("/api/v1/sites/{id}/coordinators")]
pub async fn coordinators(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(sites::coordinators(db.get_ref(), &access, id.into_inner()).await?))
}

/// Adds a coordinator to a site.
#[put("/api/v1/sites/{id}/coordinators/{user_id}")]
pub async fn add_coordinator(
    db: Db,
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let (site, coordinator) = path.into_inner();
    sites::add_coordinator(db.get_ref(), user, &access, site, coordinator).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a coordinator from a site.
#[delete("/api/v1/sites/{id}/coordinators/{user_id}")]
pub async fn remove_coordinator(
    db: Db,
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let (site, coordinator) = path.into_inner();
    sites::remove_coordinator(db.get_ref(), user, &access, site, coordinator).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a consent document version.
#[post("/api/v1/trials/{id}/consent-documents")]
pub async fn add_consent(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(new): ApiJson<consent::NewDocument>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    Ok(HttpResponse::Created()
        .json(consent::add(db.get_ref(), user, &access, id.into_inner(), new).await?))
}

/// Lists consent document versions.
#[get("/api/v1/trials/{id}/consent-documents")]
pub async fn list_consents(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(consent::list(db.get_ref(), &access, id.into_inner()).await?))
}

/// One consent document version.
#[get("/api/v1/trials/{id}/consent-documents/{language}/{version}")]
pub async fn get_consent(
    db: Db,
    p: Principal,
    path: web::Path<(Uuid, String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    let (id, language, number) = path.into_inner();
    Ok(HttpResponse::Ok().json(consent::get(db.get_ref(), &access, id, &language, number).await?))
}
