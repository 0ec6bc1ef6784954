//! The trial registry API. Each route that writes does so in one transaction, committed
//! once its registry function has succeeded: an error writes nothing.

use crate::http::openapi::{JsonBodyErrors, SessionErrors};
use crate::registry::consent_documents::{DocumentView, NewDocument};
use crate::registry::input::TrialInput;
use crate::registry::sites::{Coordinator, NewSite, SiteView};
use crate::registry::trials::{TransitionInput, TrialView, VersionSummary};
use crate::registry::{self, Access, consent_documents, sites, trials};
use actix_web::{HttpResponse, delete, get, post, put, web};
use platform::auth::Principal;
use platform::clock::Clock;
use platform::email::Outbox;
use platform::error::{ApiError, ErrorBody};
use platform::extract::ApiJson;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

type Db = web::Data<DatabaseConnection>;

async fn access(db: &Db, p: &Principal) -> Result<(Uuid, Access), ApiError> {
    let access = Access::of(db.get_ref(), p).await?;
    let user = p.require(&platform::auth::Role::ALL)?.id;
    Ok((user, access))
}

/// Creates a trial (draft, version 1).
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    request_body = TrialInput,
    responses(
        (status = 201, description = "Created, in `draft`, version 1", body = TrialView),
        (status = 409, description = "`conflict`: a trial with this definition id exists", body = ErrorBody),
        (status = 422, description = "`validation_failed`, with every problem found. Details under `$.definition`: `malformed_definition` and the `trials::validate` codes; registry fields: `invalid_registry_number`, `invalid_target`, `end_before_start`; `required`/`unknown_sponsor` (sponsor_id)", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/trials")]
pub async fn create(
    db: Db,
    clock: web::Data<Clock>,
    p: Principal,
    ApiJson(input): ApiJson<registry::input::TrialInput>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let txn = platform::db::write(db.get_ref()).await?;
    let created = trials::create(&txn, user, &access, input, clock.now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(created))
}

/// Lists trials (`?status=&sponsor=&q=`).
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    params(trials::Filters),
    responses(
        (status = 200, description = "The trials the caller may see, newest first, without definitions", body = [TrialView]),
        (status = 400, description = "`malformed_query`: a parameter of the wrong form (a `sponsor` that is not a UUID) or an unknown one", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `unknown_status`", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/trials")]
pub async fn list(
    db: Db,
    p: Principal,
    f: web::Query<trials::Filters>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(trials::list(db.get_ref(), &access, f.into_inner()).await?))
}

/// One trial with its current definition.
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    responses(
        (status = 200, description = "The trial with its current definition", body = TrialView),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/trials/{id}")]
pub async fn get(db: Db, p: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(trials::get(db.get_ref(), &access, id.into_inner()).await?))
}

/// The trial as a FHIR R4 ResearchStudy, its criteria as a contained best-effort Group.
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    responses(
        (status = 200, description = "A FHIR R4 `ResearchStudy` (only a recruiting trial is `active`) whose `enrollment` is a contained `Group` (`type: person`, `actual: false`) of characteristics with `exclude`; what the Group cannot express is listed in `note`", body = Object, content_type = "application/fhir+json"),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/trials/{id}/fhir")]
pub async fn fhir(db: Db, p: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    let t = trials::get(db.get_ref(), &access, id.into_inner()).await?;
    let definition: ::trials::Trial = t
        .definition
        .clone()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("trial {} has no current version", t.id)))
        .and_then(|d| serde_json::from_value(d).map_err(|e| ApiError::Internal(e.into())))?;
    let study =
        crate::registry::fhir_export::research_study(&crate::registry::fhir_export::StudyInput {
            id: t.id,
            slug: &t.slug,
            status: &t.status,
            title: &t.title,
            acronym: t.acronym.as_deref(),
            registry_number: t.registry_number.as_deref(),
            start: t.recruitment_start,
            end: t.recruitment_end,
            trial: &definition,
        });
    Ok(HttpResponse::Ok()
        .content_type("application/fhir+json")
        .body(study.to_string()))
}

/// Updates a draft: a new version.
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    request_body = TrialInput,
    responses(
        (status = 200, description = "Updated: a new version; earlier ones stay as they were", body = TrialView),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "`invalid_state`: only a draft can be edited", body = ErrorBody),
        (status = 422, description = "`validation_failed`, with every problem found. Details under `$.definition`: `malformed_definition` and the `trials::validate` codes; registry fields: `invalid_registry_number`, `invalid_target`, `end_before_start`; `required`/`unknown_sponsor` (sponsor_id); `sponsor_changed`, `id_changed`", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[put("/api/v1/trials/{id}")]
pub async fn update(
    db: Db,
    clock: web::Data<Clock>,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(input): ApiJson<registry::input::TrialInput>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let txn = platform::db::write(db.get_ref()).await?;
    let updated = trials::update(&txn, user, &access, id.into_inner(), input, clock.now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// The versions of a trial.
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    responses(
        (status = 200, description = "Every version, oldest first", body = [VersionSummary]),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/trials/{id}/versions")]
pub async fn versions(db: Db, p: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok().json(trials::versions(db.get_ref(), &access, id.into_inner()).await?))
}

/// One version's definition.
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial"), ("version" = i32, Path, description = "Version number, from 1")),
    responses(
        (status = 200, description = "The version's definition (a `trials::Trial`)", body = Object),
        (status = 404, description = "`not_found`: no such trial or version", body = ErrorBody),
        SessionErrors,
    )
)]
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
#[utoipa::path(
    tag = "trials",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    request_body = TransitionInput,
    responses(
        (status = 200, description = "Moved; the trial without its definition", body = TrialView),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: the lifecycle does not allow this move; \
`invalid_state`: recruitment has already ended", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `unknown_status`, `comment_required`", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/trials/{id}/transitions")]
pub async fn transition(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
    outbox: web::Data<Outbox>,
    ApiJson(input): ApiJson<trials::TransitionInput>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let id = id.into_inner();
    let now = clock.now();
    Ok(HttpResponse::Ok()
        .json(trials::transition(db.get_ref(), &outbox, user, &access, id, input, now).await?))
}

/// Adds a site.
#[utoipa::path(
    tag = "sites",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    request_body = NewSite,
    responses(
        (status = 201, description = "Created", body = SiteView),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `required`, `out_of_range`, `unknown_site_organisation`", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/trials/{id}/sites")]
pub async fn add_site(
    db: Db,
    clock: web::Data<Clock>,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(new): ApiJson<sites::NewSite>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let txn = platform::db::write(db.get_ref()).await?;
    let site = sites::add(&txn, user, &access, id.into_inner(), new, clock.now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(site))
}

/// Lists sites.
#[utoipa::path(
    tag = "sites",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    responses(
        (status = 200, description = "The trial's sites", body = [SiteView]),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        SessionErrors,
    )
)]
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
#[utoipa::path(
    tag = "sites",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The site")),
    responses(
        (status = 200, description = "The site's coordinators, by email", body = [Coordinator]),
        (status = 404, description = "`not_found`: no such site, or not visible to the caller", body = ErrorBody),
        SessionErrors,
    )
)]
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
#[utoipa::path(
    tag = "sites",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The site"), ("user_id" = Uuid, Path, description = "The coordinator")),
    responses(
        (status = 204, description = "Added (idempotent)"),
        (status = 404, description = "`not_found`: no such site, or not visible to the caller", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `not_a_coordinator`, `other_organisation`", body = ErrorBody),
        SessionErrors,
    )
)]
#[put("/api/v1/sites/{id}/coordinators/{user_id}")]
pub async fn add_coordinator(
    db: Db,
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let (site, coordinator) = path.into_inner();
    let txn = platform::db::write(db.get_ref()).await?;
    sites::add_coordinator(&txn, user, &access, site, coordinator).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a coordinator from a site.
#[utoipa::path(
    tag = "sites",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The site"), ("user_id" = Uuid, Path, description = "The coordinator")),
    responses(
        (status = 204, description = "Removed (idempotent)"),
        (status = 404, description = "`not_found`: no such site, or not visible to the caller", body = ErrorBody),
        SessionErrors,
    )
)]
#[delete("/api/v1/sites/{id}/coordinators/{user_id}")]
pub async fn remove_coordinator(
    db: Db,
    p: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let (site, coordinator) = path.into_inner();
    let txn = platform::db::write(db.get_ref()).await?;
    sites::remove_coordinator(&txn, user, &access, site, coordinator).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a consent document version.
#[utoipa::path(
    tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    request_body = NewDocument,
    responses(
        (status = 201, description = "Created: the next version in that language, with its body", body = DocumentView),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `unknown_language`, `required` (body)", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/trials/{id}/consent-documents")]
pub async fn add_consent(
    db: Db,
    clock: web::Data<Clock>,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(new): ApiJson<consent_documents::NewDocument>,
) -> Result<HttpResponse, ApiError> {
    let (user, access) = access(&db, &p).await?;
    let txn = platform::db::write(db.get_ref()).await?;
    let doc =
        consent_documents::add(&txn, user, &access, id.into_inner(), new, clock.now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(doc))
}

/// Lists consent document versions.
#[utoipa::path(
    tag = "consent",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The trial")),
    responses(
        (status = 200, description = "Every version, by language then version, without bodies", body = [DocumentView]),
        (status = 404, description = "`not_found`: no such trial, or not visible to the caller", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/trials/{id}/consent-documents")]
pub async fn list_consents(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    Ok(HttpResponse::Ok()
        .json(consent_documents::list(db.get_ref(), &access, id.into_inner()).await?))
}

/// One consent document version.
#[utoipa::path(
    tag = "consent",
    security(("session_cookie" = [])),
    params(
        ("id" = Uuid, Path, description = "The trial"),
        ("language" = String, Path, description = "`fr` or `en`"),
        ("version" = i32, Path, description = "Version number, from 1"),
    ),
    responses(
        (status = 200, description = "The version, with its body", body = DocumentView),
        (status = 404, description = "`not_found`: no such trial or document version", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/trials/{id}/consent-documents/{language}/{version}")]
pub async fn get_consent(
    db: Db,
    p: Principal,
    path: web::Path<(Uuid, String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (_, access) = access(&db, &p).await?;
    let (id, language, number) = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(consent_documents::get(db.get_ref(), &access, id, &language, number).await?))
}
