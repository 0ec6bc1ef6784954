//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`.

use crate::accounts::{self, UserView};
use crate::auth::Principal;
use crate::auth::session::{COOKIE, LIFETIME_SECS, SessionKey};
use crate::config::{Environment, Settings};
use crate::error::ApiError;
use crate::extract::ApiJson;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpResponse, get, post, web};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

/// Login form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

fn session_cookie(value: String, max_age: i64, settings: &Settings) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.environment == Environment::Production)
        .max_age(Duration::seconds(max_age))
        .finish()
}

/// Logs in: sets the session cookie.
#[post("/api/v1/auth/login")]
pub async fn login(
    db: web::Data<DatabaseConnection>,
    key: web::Data<SessionKey>,
    settings: web::Data<Settings>,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let now = chrono::Utc::now();
    let user = accounts::login(db.get_ref(), &c.email, &c.password, now).await?;
    let value = key.issue(user.id, now.timestamp());
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(value, LIFETIME_SECS, &settings))
        .json(UserView::from(user)))
}

/// Logs out: clears the session cookie.
#[post("/api/v1/auth/logout")]
pub async fn logout(settings: web::Data<Settings>) -> HttpResponse {
    HttpResponse::NoContent()
        .cookie(session_cookie(String::new(), 0, &settings))
        .finish()
}

/// Who is calling.
#[get("/api/v1/auth/me")]
pub async fn me(principal: Principal) -> HttpResponse {
    match principal {
        Principal::User(u) => HttpResponse::Ok().json(serde_json::json!({
            "kind": "user", "id": u.id, "email": u.email, "role": u.role, "organisation_id": u.organisation_id,
        })),
        Principal::Practice { organisation_id, .. } => HttpResponse::Ok().json(serde_json::json!({
            "kind": "practice", "organisation_id": organisation_id,
        })),
    }
}
