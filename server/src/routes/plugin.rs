//! Routes for EHR plugins (practice API keys).

use crate::auth::Principal;
use crate::bundle::{self as plugin_bundle, Bundle};
use crate::error::ApiError;
use crate::openapi::PracticeErrors;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use sea_orm::DatabaseConnection;

/// `GET /api/v1/plugin/bundle`: every recruiting trial's current version, with a strong
/// ETag; `If-None-Match` with the current ETag answers 304.
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
    p: Principal,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    p.practice()?;
    crate::registry::trials::close_expired(db.get_ref(), chrono::Utc::now().date_naive()).await?;
    let etag = plugin_bundle::etag(db.get_ref()).await?;
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
    let body = plugin_bundle::build(db.get_ref(), &etag).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header(cache)
        .json(body))
}
