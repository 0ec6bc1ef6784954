//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use platform::error::{ApiError, ErrorBody};
use sea_orm::DatabaseConnection;

/// `GET /health`: the process answers.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "The process answers", body = HealthStatus))
)]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    })
}

/// `GET /ready`: the database answers and its schema is up to date.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "The database answers and its schema is up to date", body = HealthStatus),
        (status = 503, description = "`not_ready`: the database does not answer, or migrations are missing", body = ErrorBody),
    )
)]
#[get("/ready")]
pub async fn ready(db: web::Data<DatabaseConnection>) -> Result<HttpResponse, ApiError> {
    platform::db::ready(&db).await.map_err(ApiError::NotReady)?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ready".into(),
    }))
}

/// `GET /health`, `GET /ready`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// `ok` (health) or `ready` (readiness).
    #[schema(example = "ok")]
    pub status: String,
}
