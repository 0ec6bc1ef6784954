//! `POST /api/v1/auth/login`, `POST /api/v1/auth/logout`, `GET /api/v1/auth/me`.

use crate::http::openapi::JsonBodyErrors;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use platform::accounts::{self, UserView};
use platform::auth::Principal;
use platform::auth::session::{COOKIE, LIFETIME_SECS, SessionKey};
use platform::auth::throttle::Client;
use platform::clock::Clock;
use platform::config::{Environment, Settings};
use platform::error::{ApiError, ErrorBody};
use platform::extract::ApiJson;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use utoipa::ToSchema;

/// Login form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Login email.
    email: String,
    /// Password.
    password: String,
}

/// The client's address for login throttling: the connection's peer IP (never a forwarded
/// header, which the client writes).
pub(crate) fn client_address(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// The session cookie (empty value and age 0 to clear it).
pub(crate) fn session_cookie(value: String, max_age: i64, settings: &Settings) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.environment == Environment::Production)
        .max_age(Duration::seconds(max_age))
        .finish()
}

/// Logs in: sets the session cookie.
#[utoipa::path(
    tag = "auth",
    request_body = Credentials,
    responses(
        (status = 200, description = "Logged in; the `inclusio_session` cookie is set", body = UserView,
            headers(("set-cookie" = String, description = "`inclusio_session=…; HttpOnly; SameSite=Lax; Path=/`"))),
        (status = 401, description = "`invalid_credentials`: wrong email or password (never says which), or an inactive user", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`: too many failed attempts for this email or from this address", body = ErrorBody,
            headers(("retry-after" = String, description = "Seconds to wait"))),
        (status = 503, description = "`server_busy`: too many logins being checked at once", body = ErrorBody,
            headers(("retry-after" = String, description = "Seconds to wait"))),
        JsonBodyErrors,
        (status = 500, description = "`internal`", body = ErrorBody),
    )
)]
#[post("/api/v1/auth/login")]
pub async fn login(
    db: web::Data<DatabaseConnection>,
    key: web::Data<SessionKey>,
    settings: web::Data<Settings>,
    ApiJson(c): ApiJson<Credentials>,
    clock: web::Data<Clock>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let now = clock.now();
    let address = client_address(&req);
    let client = Client {
        address: address.as_deref(),
        max_failures: settings.auth.max_failures_per_address,
    };
    let user = accounts::login(db.get_ref(), &c.email, &c.password, client, now).await?;
    let value = key.issue(user.id, user.session_generation, now.timestamp());
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(value, LIFETIME_SECS, &settings))
        .json(UserView::from(user)))
}

/// Logs out: ends the session on the server (every session of the user: a copy of the
/// cookie no longer works, on any replica) and clears the cookie. Without a valid session
/// it only clears the cookie.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Logged out: the session is ended and the cookie cleared"),
        (status = 503, description = "`storage_unavailable`: the session could not be ended; try again", body = ErrorBody,
            headers(("retry-after" = String, description = "Seconds to wait"))),
    )
)]
#[post("/api/v1/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    key: web::Data<SessionKey>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    if let Some(session) = req
        .cookie(COOKIE)
        .and_then(|c| key.verify(c.value(), clock.now().timestamp()))
    {
        accounts::end_session(db.get_ref(), &session).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(String::new(), 0, &settings))
        .finish())
}

/// Who is calling.
#[utoipa::path(
    tag = "auth",
    security(("session_cookie" = []), ("practice_api_key" = [])),
    responses(
        (status = 200, description = "The caller: a web user or a practice", body = Me),
        (status = 401, description = "`unauthenticated`: no valid session or API key", body = ErrorBody),
        (status = 500, description = "`internal`", body = ErrorBody),
    )
)]
#[get("/api/v1/auth/me")]
pub async fn me(principal: Principal) -> HttpResponse {
    match principal {
        Principal::User(u) => HttpResponse::Ok().json(Me {
            kind: "user".into(),
            id: Some(u.id),
            email: Some(u.email),
            role: Some(u.role.as_str().into()),
            organisation_id: u.organisation_id,
        }),
        Principal::Practice {
            organisation_id, ..
        } => HttpResponse::Ok().json(Me {
            kind: "practice".into(),
            id: None,
            email: None,
            role: None,
            organisation_id: Some(organisation_id),
        }),
    }
}

/// Who is calling: a web user, or a practice (API key).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    /// `user` or `practice`.
    #[schema(example = "user")]
    pub kind: String,
    /// The user's id (users only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<uuid::Uuid>,
    /// The user's email (users only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `admin`, `sponsor`, `coordinator` or `gp` (users only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The organisation (null for administrators).
    pub organisation_id: Option<uuid::Uuid>,
}
