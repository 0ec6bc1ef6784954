//! Routes for EHR plugins (practice API keys).

use crate::http::openapi::PracticeErrors;
use crate::plugin::bundle as plugin_bundle;
use crate::plugin::cache::BundleCache;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};
use platform::auth::Principal;
use platform::clock::Clock;
use platform::error::ApiError;
use plugin_sdk::wire::{Bundle, PracticeSettings, Suppressions};
use sea_orm::DatabaseConnection;

/// `GET /api/v1/plugin/bundle`: every recruiting trial's current version, with a strong
/// ETag; `If-None-Match` with the current ETag answers 304. The body is served from memory
/// while the ETag is unchanged. (Trials whose recruitment ended are closed by a job,
/// `registry::expiry`, not here.)
#[utoipa::path(
    tag = "plugin",
    security(("practice_api_key" = [])),
    params(("if-none-match" = Option<String>, Header, description = "The ETag of the bundle the plugin holds")),
    responses(
        (status = 200, description = "Every recruiting trial's current version", body = Bundle,
            headers(("etag" = String, description = "Strong ETag of the bundle"), ("cache-control" = String))),
        (status = 304, description = "Not modified: the plugin's bundle is current",
            headers(("etag" = String, description = "Strong ETag of the bundle"))),
        PracticeErrors,
    )
)]
#[get("/api/v1/plugin/bundle")]
pub async fn bundle(
    db: web::Data<DatabaseConnection>,
    memo: web::Data<BundleCache>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // The hottest route: the practice key and the bundle generation in one query.
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let etag = match bearer {
        Some(key) => plugin_bundle::authorise(db.get_ref(), key)
            .await?
            .ok_or(ApiError::Unauthenticated)?,
        None => {
            // No key: a web user is forbidden, anyone else unauthenticated.
            let p = Principal::from_request(&req, &mut actix_web::dev::Payload::None).await?;
            p.practice()?;
            return Err(ApiError::Forbidden);
        }
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| plugin_bundle::matches(v, &etag));
    let cache = (header::CACHE_CONTROL, "private, no-cache");
    if fresh {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache)
            .finish());
    }
    let (etag, body) = match memo.body(&etag) {
        Some(body) => (etag, body),
        None => {
            let (etag, bundle) = plugin_bundle::build(db.get_ref()).await?;
            let body =
                Bytes::from(serde_json::to_vec(&bundle).map_err(|e| ApiError::Internal(e.into()))?);
            memo.store(&etag, body.clone());
            (etag, body)
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header(cache)
        .insert_header(header::ContentType::json())
        .body(body))
}

/// `GET /api/v1/plugin/suppressions`: what the calling practice's past answers suppress, per
/// patient pseudonym and trial (declined, snoozed until a date, shown without an answer), so
/// that a decline on one workstation holds on every workstation of the practice.
#[utoipa::path(
    tag = "plugin",
    security(("practice_api_key" = [])),
    responses(
        (status = 200, description = "The calling practice's suppressions", body = Suppressions),
        PracticeErrors,
    )
)]
#[get("/api/v1/plugin/suppressions")]
pub async fn suppressions(
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    p: Principal,
) -> Result<HttpResponse, ApiError> {
    let practice = p.practice()?;
    let today = clock.today();
    let list = crate::plugin::suppressions::of_practice(db.get_ref(), practice, today).await?;
    Ok(HttpResponse::Ok().json(Suppressions { suppressions: list }))
}

/// `GET /api/v1/plugin/settings`: the calling practice's alert-fatigue settings (the
/// defaults until an administrator sets them).
#[utoipa::path(
    tag = "plugin",
    security(("practice_api_key" = [])),
    responses(
        (status = 200, description = "The calling practice's settings", body = PracticeSettings),
        PracticeErrors,
    )
)]
#[get("/api/v1/plugin/settings")]
pub async fn settings(
    db: web::Data<DatabaseConnection>,
    p: Principal,
) -> Result<HttpResponse, ApiError> {
    let practice = p.practice()?;
    Ok(HttpResponse::Ok().json(crate::plugin::settings::get(db.get_ref(), practice).await?))
}
