//! `GET /sponsor`: the sponsor's home, the organisation's trials with their recruitment.

use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::render;
use crate::registry::{self, Access};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::{get, web};
use askama::Template;
use platform::auth::{Principal, Role};
use sea_orm::DatabaseConnection;

/// One row of the list.
#[derive(Debug, Clone)]
pub struct Row {
    /// Trial id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Acronym, or empty.
    pub acronym: String,
    /// Status (`draft`…).
    pub status: String,
    /// Current version.
    pub version: i32,
    /// Patients GPs proposed the trial to.
    pub proposed: u32,
    /// Enrolment target, or empty.
    pub target: String,
}

/// The sponsor home page.
#[derive(Template)]
#[template(path = "sponsor_home.html")]
pub struct SponsorHome {
    /// Page context.
    pub ctx: PageContext,
    /// The organisation's trials, newest first.
    pub rows: Vec<Row>,
}

/// `GET /sponsor`.
#[get("/sponsor")]
pub async fn home(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, PageError> {
    let user = ctx.require(&[Role::Sponsor])?.clone();
    let db = db.get_ref();
    let access = Access::of(db, &Principal::User(user))
        .await
        .map_err(|e| ctx.fail(e))?;
    let trials = registry::trials::list(db, &access, Default::default())
        .await
        .map_err(|e| ctx.fail(e))?;
    let ids: Vec<_> = trials.iter().map(|t| t.id).collect();
    let counts = registry::recruitment::counts(db, &ids)
        .await
        .map_err(|e| ctx.fail(e))?;
    let rows = trials
        .into_iter()
        .map(|t| {
            let c = counts.get(&t.id).copied().unwrap_or_default();
            Row {
                id: t.id.to_string(),
                title: t.title,
                acronym: t.acronym.unwrap_or_default(),
                status: t.status,
                version: t.current_version,
                proposed: c.proposed,
                target: t
                    .target_enrolment
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    Ok(render(StatusCode::OK, &SponsorHome { ctx, rows }))
}
