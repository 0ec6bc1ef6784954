//! [`PageContext`]: what every page template needs — the language, the logged-in user (if
//! any), the CSRF token of their session and the current path — and [`PageError`], the
//! HTML face of an [`ApiError`] (a page, or a redirect to the login page).

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use platform::auth::session::SessionKey;
use platform::auth::{Principal, Role, UserPrincipal, csrf};
use platform::clock::Clock;
use platform::error::ApiError;
use platform::i18n;
use platform::i18n::Lang;
use std::future::Future;
use std::pin::Pin;

/// The context of a page request.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// The reader's language.
    pub lang: Lang,
    /// The logged-in web user, if any.
    pub user: Option<UserPrincipal>,
    /// The CSRF token of the user's session (empty when nobody is logged in).
    pub csrf_token: String,
    /// The path of the request (for the language switch and login redirects).
    pub path: String,
    /// The application's clock.
    pub clock: Clock,
}

impl PageContext {
    /// The message `key` in the reader's language.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        i18n::t(self.lang, key)
    }

    /// `fr` or `en`, for `<html lang>`.
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// Whether a user is logged in.
    pub fn logged_in(&self) -> bool {
        self.user.is_some()
    }

    /// The logged-in user's email, or nothing.
    pub fn email(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.email.as_str())
    }

    /// Whether the logged-in user has the role named `role` (`admin`, `sponsor`,
    /// `coordinator`, `gp`).
    pub fn is(&self, role: &str) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.as_str() == role)
    }

    /// The user, if their role is one of `roles`: otherwise a redirect to the login page
    /// (nobody logged in) or a 403 page.
    pub fn require(&self, roles: &[Role]) -> Result<&UserPrincipal, PageError> {
        match &self.user {
            None => Err(self.fail(ApiError::Unauthenticated)),
            Some(u) if roles.contains(&u.role) => Ok(u),
            Some(_) => Err(self.fail(ApiError::Forbidden)),
        }
    }

    /// Checks a submitted CSRF token against the session (a 403 page when it does not match).
    pub fn check_csrf(&self, key: &SessionKey, submitted: &str) -> Result<(), PageError> {
        match &self.user {
            Some(u) if csrf::verify(key, &u.session, submitted) => Ok(()),
            _ => Err(self.fail(ApiError::Forbidden)),
        }
    }

    /// The link that shows this page in the other language.
    pub fn switch_lang_href(&self) -> String {
        let other = match self.lang {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        };
        // The page to come back to, without a `lang=` parameter (which would override the
        // choice just made).
        let back = match self.path.split_once('?') {
            Some((path, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|kv| !kv.starts_with("lang=") && !kv.is_empty())
                    .collect();
                if kept.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}?{}", kept.join("&"))
                }
            }
            None => self.path.clone(),
        };
        format!(
            "/lang/{}?next={}",
            other.code(),
            super::assets::url_encode(&back)
        )
    }

    /// The other language's name, in that language (`English`, `Français`).
    pub fn other_lang_name(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "English",
            Lang::En => "Français",
        }
    }

    /// Wraps an error for rendering as a page in the reader's language.
    pub fn fail(&self, error: ApiError) -> PageError {
        PageError {
            error,
            lang: self.lang,
            path: self.path.clone(),
        }
    }
}

impl FromRequest for PageContext {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<PageContext, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let lang = Lang::of(req);
        let path = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let key = req.app_data::<web::Data<SessionKey>>().cloned();
        let clock = req
            .app_data::<web::Data<Clock>>()
            .map_or_else(Clock::system, |c| c.get_ref().clone());
        let principal = Principal::from_request(req, payload);
        let has_cookie = req.cookie(platform::auth::session::COOKIE).is_some();
        Box::pin(async move {
            let user = if has_cookie {
                match principal.await {
                    Ok(Principal::User(u)) => Some(u),
                    Ok(Principal::Practice { .. }) | Err(ApiError::Unauthenticated) => None,
                    Err(error) => return Err(PageError { error, lang, path }),
                }
            } else {
                None
            };
            let csrf_token = match (&user, &key) {
                (Some(u), Some(k)) => csrf::token(k, &u.session),
                _ => String::new(),
            };
            Ok(PageContext {
                lang,
                user,
                csrf_token,
                path,
                clock,
            })
        })
    }
}

/// An error on a page: rendered as an HTML page in the reader's language, or, for a reader
/// who is not logged in, a redirect to the login page that comes back here afterwards.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct PageError {
    /// The underlying error (its status and stable code).
    pub error: ApiError,
    /// The reader's language.
    pub lang: Lang,
    /// The page that failed.
    pub path: String,
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: PageContext,
    status: u16,
    code: &'a str,
    title: &'a str,
    body: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self.error {
            ApiError::Unauthenticated => StatusCode::SEE_OTHER,
            _ => self.error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self.error, ApiError::Unauthenticated) {
            let to = format!("/login?next={}", super::assets::url_encode(&self.path));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to))
                .finish();
        }
        let status = self.error.status_code();
        let (title, body) = match status {
            StatusCode::NOT_FOUND => ("error.not_found.title", "error.not_found.body"),
            StatusCode::FORBIDDEN => ("error.forbidden.title", "error.forbidden.body"),
            StatusCode::GONE => ("error.gone.title", "error.gone.body"),
            _ => ("error.generic.title", "error.generic.body"),
        };
        let ctx = PageContext {
            lang: self.lang,
            user: None,
            csrf_token: String::new(),
            path: self.path.clone(),
            clock: Clock::system(),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            code: self.error.code(),
            title: i18n::t(self.lang, title),
            body: i18n::t(self.lang, body),
            ctx,
        };
        let mut response = HttpResponse::build(status);
        if let ApiError::PayloadTooLarge { .. } = self.error {
            // The body was not read: the connection cannot carry another request.
            response.force_close();
        }
        if let ApiError::StorageUnavailable(_) = self.error {
            response.insert_header((
                header::RETRY_AFTER,
                platform::error::STORAGE_RETRY_AFTER_SECS.to_string(),
            ));
        }
        match page.render() {
            Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
            Err(_) => response.finish(),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> PageError {
        PageError {
            error,
            lang: Lang::default(),
            path: "/".into(),
        }
    }
}
