//! `GET /`: the home page.

use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::render;
use actix_web::HttpResponse;
use actix_web::get;
use actix_web::http::StatusCode;
use askama::Template;

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// Page context.
    pub ctx: PageContext,
}

/// `GET /`: the home page, in the reader's language.
#[get("/")]
pub async fn home(ctx: PageContext) -> Result<HttpResponse, PageError> {
    Ok(render(StatusCode::OK, &HomePage { ctx }))
}
