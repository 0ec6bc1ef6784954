//! The coordinator's referral pages (the emails link here): `GET /coordinator` (the
//! referrals of their sites), `GET /coordinator/referrals/{id}` (the patient, the consent,
//! the history; each view audited) and `POST /coordinator/referrals/{id}` (a status change
//! with its reason, CSRF-checked) through the same functions as the JSON API. The
//! dashboards of issue 7 build on these.

use crate::auth::session::SessionKey;
use crate::auth::{Principal, Role};
use crate::crypto::Cipher;
use crate::email::Outbox;
use crate::error::ApiError;
use crate::pages::form::{Pairs, render, see_other};
use crate::referral::status::{self, Reason, Status};
use crate::referral::store::{self, Change};
use crate::referral::view::{self, ReferralDetail, ReferralSummary};
use crate::web::context::{PageContext, PageError};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

type Db = web::Data<DatabaseConnection>;

/// The coordinator's referrals.
#[derive(Template)]
#[template(path = "coordinator_list.html")]
pub struct ListPage {
    /// Page context.
    pub ctx: PageContext,
    /// Newest first.
    pub referrals: Vec<ReferralSummary>,
}

/// One referral.
#[derive(Template)]
#[template(path = "coordinator_referral.html")]
pub struct ReferralPage {
    /// Page context.
    pub ctx: PageContext,
    /// The referral.
    pub r: ReferralDetail,
    /// The error of the last change, if any.
    pub error: Option<String>,
}

impl ListPage {
    /// The trials of the listed referrals, for links to their dashboards: (id, title).
    pub fn dashboards(&self) -> Vec<(Uuid, String)> {
        let mut out: Vec<(Uuid, String)> = Vec::new();
        for r in &self.referrals {
            if !out.iter().any(|(id, _)| *id == r.trial_id) {
                out.push((r.trial_id, r.trial_title.clone()));
            }
        }
        out
    }

    /// A time as `YYYY-MM-DD HH:MM` (UTC).
    pub fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

impl ReferralPage {
    /// A time as `YYYY-MM-DD HH:MM UTC`.
    pub fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// The statuses the referral may move to.
    pub fn next(&self) -> Vec<&'static str> {
        Status::parse(&self.r.summary.status)
            .map(|s| status::next(s).iter().map(|n| n.as_str()).collect())
            .unwrap_or_default()
    }

    /// The exit reasons.
    pub fn reasons(&self) -> Vec<&'static str> {
        Reason::ALL.iter().map(|r| r.as_str()).collect()
    }

    /// A status or reason in the reader's language.
    pub fn label(&self, kind: &str, code: &str) -> &'static str {
        crate::web::i18n::lookup(self.ctx.lang, &format!("{kind}.{code}")).unwrap_or_default()
    }
}

fn principal(ctx: &PageContext) -> Result<Principal, PageError> {
    Ok(Principal::User(ctx.require(&[Role::Coordinator])?.clone()))
}

fn referral_id(ctx: &PageContext, id: &str) -> Result<Uuid, PageError> {
    id.parse()
        .map_err(|_| ctx.fail(ApiError::NotFound("this referral".into())))
}

/// `GET /coordinator`.
#[get("/coordinator")]
pub async fn list(ctx: PageContext, db: Db) -> Result<HttpResponse, PageError> {
    let p = principal(&ctx)?;
    let referrals = view::list(&db, &p, None, None)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(render(StatusCode::OK, &ListPage { ctx, referrals }))
}

/// `GET /coordinator/referrals/{id}`.
#[get("/coordinator/referrals/{id}")]
pub async fn show(
    ctx: PageContext,
    db: Db,
    cipher: web::Data<Cipher>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let p = principal(&ctx)?;
    let id = referral_id(&ctx, &id)?;
    let r = view::detail(&db, &cipher, &p, id)
        .await
        .map_err(|e| ctx.fail(e))?;
    let mut res = render(
        StatusCode::OK,
        &ReferralPage {
            ctx,
            r,
            error: None,
        },
    );
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /coordinator/referrals/{id}`: `status`, `reason`, `detail`, `csrf_token`.
#[post("/coordinator/referrals/{id}")]
pub async fn change(
    ctx: PageContext,
    db: Db,
    cipher: web::Data<Cipher>,
    outbox: web::Data<Outbox>,
    key: web::Data<SessionKey>,
    id: web::Path<String>,
    web::Form(f): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    let p = principal(&ctx)?;
    ctx.check_csrf(&key, &f.get("csrf_token"))?;
    let id = referral_id(&ctx, &id)?;
    let to = Status::parse(&f.get("status"));
    let reason = Reason::parse(&f.get("reason"));
    let detail = Some(f.get("detail").trim().to_string()).filter(|d| !d.is_empty());
    let result = match to {
        Some(to) => store::transition(&db, &outbox, &p, id, Change { to, reason, detail })
            .await
            .map(|_| ()),
        None => Err(ApiError::invalid("$.status", "required", "choose a status")),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/coordinator/referrals/{id}"))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden | ApiError::Unauthenticated)) => {
            Err(ctx.fail(e))
        }
        Err(e) => {
            let message = match &e {
                ApiError::Validation(d) => d
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.message(),
            };
            let r = view::detail(&db, &cipher, &p, id)
                .await
                .map_err(|e| ctx.fail(e))?;
            Ok(render(
                StatusCode::CONFLICT,
                &ReferralPage {
                    ctx,
                    r,
                    error: Some(message),
                },
            ))
        }
    }
}
