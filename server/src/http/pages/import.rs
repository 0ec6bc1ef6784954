//! `GET/POST /sponsor/trials/import`: paste (or, with JavaScript, pick a file holding) a
//! ClinicalTrials.gov API v2 study record; the answer is the new-trial form prefilled by
//! `registry::ctgov`, with the free-text eligibility beside the criteria. Nothing is stored
//! until the sponsor saves that form.

use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::render;
use crate::http::pages::trial_form::TrialForm;
use crate::http::pages::trials::TrialPage;
use crate::registry::ctgov;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use platform::auth::Role;
use platform::auth::session::SessionKey;
use platform::extract::Pairs;

/// The import page.
#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    /// Page context.
    pub ctx: PageContext,
    /// The record as pasted.
    pub record: String,
    /// Why it could not be read: `(JSON path, message)`.
    pub error: Option<(String, String)>,
}

/// `GET /sponsor/trials/import`.
#[get("/sponsor/trials/import")]
pub async fn form(ctx: PageContext) -> Result<HttpResponse, PageError> {
    ctx.require(&[Role::Sponsor])?;
    let page = ImportPage {
        ctx,
        record: String::new(),
        error: None,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /sponsor/trials/import` (`record`): the prefilled new-trial form, or this page
/// again with the error and the pasted text.
#[post("/sponsor/trials/import")]
pub async fn submit(
    ctx: PageContext,
    key: web::Data<SessionKey>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    ctx.require(&[Role::Sponsor])?;
    ctx.check_csrf(&key, &pairs.get(platform::auth::csrf::FIELD))?;
    let record = pairs.get("record");
    match ctgov::parse(&record) {
        Ok(imported) => {
            let prefilled = TrialForm::from_import(&imported).with_new_site_rows();
            Ok(render(
                StatusCode::OK,
                &TrialPage::new(ctx, &prefilled, None),
            ))
        }
        Err(e) => {
            let page = ImportPage {
                ctx,
                record,
                error: Some((e.path, e.message)),
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
