//! Liveness and readiness.

use crate::error::ApiError;
use actix_web::{HttpResponse, get, web};
use sea_orm::DatabaseConnection;

/// `GET /health`: the process answers.
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /ready`: the database answers and its schema is up to date.
#[get("/ready")]
pub async fn ready(db: web::Data<DatabaseConnection>) -> Result<HttpResponse, ApiError> {
    crate::db::ready(&db).await.map_err(ApiError::NotReady)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready"})))
}
