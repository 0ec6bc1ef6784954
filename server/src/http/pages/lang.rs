//! `GET /lang/{code}`: remembers the reader's language in a cookie and goes back.

use crate::http::assets::safe_next;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use platform::i18n::lang::{COOKIE, Lang};
use serde::Deserialize;

/// Where to go back to.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// `GET /lang/{code}?next=/path`: sets the language cookie (`fr` or `en`; anything else
/// leaves it alone) and redirects to `next` when it is a path on this site.
#[get("/lang/{code}")]
pub async fn switch(code: web::Path<String>, next: web::Query<Next>) -> HttpResponse {
    let to = safe_next(next.next.as_deref());
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, to));
    if let Some(lang) = Lang::parse(&code) {
        res.cookie(
            Cookie::build(COOKIE, lang.code())
                .path("/")
                .same_site(SameSite::Lax)
                .max_age(Duration::days(365))
                .finish(),
        );
    }
    res.finish()
}
