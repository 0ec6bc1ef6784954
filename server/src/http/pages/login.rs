//! `GET/POST /login` and `POST /logout`.
//!
//! CSRF on the login form: the reader has no session yet, so the session-bound token of
//! other forms does not exist. We use a double-submit cookie: `GET /login` sets a random
//! value in an HttpOnly, `SameSite=Strict` cookie scoped to `/login` and puts the same value
//! in the form; `POST /login` requires both to match. A cross-site page can make a browser
//! post the form but can neither read nor set that cookie, so it cannot log the victim into
//! the attacker's account. (An Origin/Referer check was the alternative; some privacy tools
//! strip both headers, which would lock honest users out, and it is harder to test.)

use crate::http::assets::safe_next;
use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::{render, see_other};
use crate::http::routes::auth::session_cookie;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use platform::accounts;
use platform::auth::Role;
use platform::auth::session::{LIFETIME_SECS, SessionKey};
use platform::config::{Environment, Settings};
use platform::error::ApiError;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

/// The cookie of the login form's double-submit token.
pub const LOGIN_CSRF_COOKIE: &str = "inclusio_login_csrf";

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Page context.
    pub ctx: PageContext,
    /// The form's double-submit token.
    pub login_token: String,
    /// Where to go after logging in.
    pub next: String,
    /// The email typed.
    pub email: String,
    /// The error message key, if the last attempt failed.
    pub error: Option<&'static str>,
}

/// `?next=`.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The login form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    login_token: String,
    #[serde(default)]
    next: String,
}

fn token_cookie(value: &str, settings: &Settings) -> Cookie<'static> {
    Cookie::build(LOGIN_CSRF_COOKIE, value.to_string())
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(settings.environment == Environment::Production)
        .finish()
}

fn page(ctx: PageContext, next: &str, email: String, error: Option<&'static str>) -> LoginPage {
    LoginPage {
        ctx,
        login_token: B64.encode(rand::random::<[u8; 18]>()),
        next: next.to_string(),
        email,
        error,
    }
}

fn answer(status: StatusCode, p: &LoginPage, settings: &Settings) -> HttpResponse {
    let mut res = render(status, p);
    // Only fails for an invalid cookie value; ours is base64.
    let _ = res.add_cookie(&token_cookie(&p.login_token, settings));
    res
}

/// `GET /login?next=/path`: the login form.
#[get("/login")]
pub async fn form(
    ctx: PageContext,
    settings: web::Data<Settings>,
    q: web::Query<Next>,
) -> HttpResponse {
    let next = q
        .next
        .as_deref()
        .map(|n| safe_next(Some(n)))
        .unwrap_or_default();
    answer(
        StatusCode::OK,
        &page(ctx, &next, String::new(), None),
        &settings,
    )
}

/// Where a user lands after logging in, by role.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Sponsor => "/sponsor",
        Role::Admin => "/admin/review",
        Role::Coordinator => "/coordinator",
        _ => "/",
    }
}

/// `POST /login`: logs in (the API's login function, with its throttling) and redirects to
/// `next` or the role's home; the form again with an error otherwise.
#[post("/login")]
pub async fn submit(
    ctx: PageContext,
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    key: web::Data<SessionKey>,
    settings: web::Data<Settings>,
    web::Form(f): web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    let cookie = req.cookie(LOGIN_CSRF_COOKIE);
    if f.login_token.is_empty() || cookie.is_none_or(|c| c.value() != f.login_token) {
        return Err(ctx.fail(ApiError::Forbidden));
    }
    let next = Some(f.next.as_str())
        .filter(|n| !n.is_empty())
        .map(|n| safe_next(Some(n)));
    let now = ctx.clock.now();
    let address = crate::http::routes::auth::client_address(&req);
    let client = platform::auth::throttle::Client {
        address: address.as_deref(),
        max_failures: settings.auth.max_failures_per_address,
    };
    match accounts::login(db.get_ref(), &f.email, &f.password, client, now).await {
        Ok(user) => {
            let role = user.role.parse().unwrap_or(Role::Gp);
            let to = next.unwrap_or_else(|| home_of(role).to_string());
            let mut res = see_other(&to);
            let _ = res.add_cookie(&session_cookie(
                key.issue(user.id, user.session_generation, now.timestamp()),
                LIFETIME_SECS,
                &settings,
            ));
            Ok(res)
        }
        Err(ApiError::InvalidCredentials) => Ok(answer(
            StatusCode::UNAUTHORIZED,
            &page(ctx, &f.next, f.email, Some("login.invalid")),
            &settings,
        )),
        Err(ApiError::TooManyAttempts(_)) => Ok(answer(
            StatusCode::TOO_MANY_REQUESTS,
            &page(ctx, &f.next, f.email, Some("login.throttled")),
            &settings,
        )),
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The logout form.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /logout` (CSRF-checked): ends the session on the server (as the API's logout),
/// clears the session cookie and goes home.
#[post("/logout")]
pub async fn logout(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    key: web::Data<SessionKey>,
    settings: web::Data<Settings>,
    web::Form(f): web::Form<LogoutForm>,
) -> Result<HttpResponse, PageError> {
    ctx.check_csrf(&key, &f.csrf_token)?;
    if let Some(user) = &ctx.user {
        accounts::end_session(db.get_ref(), &user.session)
            .await
            .map_err(|e| ctx.fail(e.into()))?;
    }
    let mut res = see_other("/");
    let _ = res.add_cookie(&session_cookie(String::new(), 0, &settings));
    Ok(res)
}
