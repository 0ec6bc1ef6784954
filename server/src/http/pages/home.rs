//! `GET /`: the home page.

use crate::http::context::{PageContext, PageError};
use actix_web::get;
use askama::Template;
use askama_web::WebTemplate;

/// The home page.
#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    /// Page context.
    pub ctx: PageContext,
}

/// `GET /`: the home page, in the reader's language.
#[get("/")]
pub async fn home(ctx: PageContext) -> Result<HomePage, PageError> {
    Ok(HomePage { ctx })
}
