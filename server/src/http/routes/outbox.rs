//! The email outbox as administrators see it.

use crate::http::openapi::SessionErrors;
use actix_web::{HttpResponse, get, web};
use platform::auth::{Principal, Role};
use platform::email::report::{self, OutboxReport};
use platform::error::ApiError;
use sea_orm::DatabaseConnection;

/// The outbox: counts per status and the emails that failed at least once (never their
/// recipients or content).
#[utoipa::path(
    tag = "admin",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Counts per status; failed and retrying emails, newest first", body = OutboxReport),
        SessionErrors,
    )
)]
#[get("/api/v1/admin/outbox")]
pub async fn outbox(
    db: web::Data<DatabaseConnection>,
    p: Principal,
) -> Result<HttpResponse, ApiError> {
    p.require(&[Role::Admin])?;
    Ok(HttpResponse::Ok().json(report::report(db.get_ref()).await?))
}
