//! `GET /consent/{token}`: where the consent flow starts for a patient whose GP accepted an
//! alert. 404 for an unknown token, 410 for an expired or used one; never consumes it.

use crate::plugin::landing::{self, Landing};
use crate::web::context::{PageContext, PageError};
use actix_web::{get, web};
use askama::Template;
use askama_web::WebTemplate;
use sea_orm::DatabaseConnection;

/// The consent landing page.
#[derive(Template, WebTemplate)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    /// Page context.
    pub ctx: PageContext,
    /// What it shows.
    pub landing: Landing,
}

/// `GET /consent/{token}`: the trial, its summary and its consent document.
#[get("/consent/{token}")]
pub async fn consent(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    token: web::Path<String>,
) -> Result<ConsentPage, PageError> {
    let landing = landing::landing(db.get_ref(), &token, ctx.lang_code())
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ConsentPage { ctx, landing })
}
