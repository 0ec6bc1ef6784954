//! The coordinator's referral pages (the emails link here): `GET /coordinator` (the
//! worklist of their sites: filters, overdue first, the patients' contact details, each view
//! audited), `GET /coordinator/referrals.csv` (the same list as CSV, audited too),
//! `GET /coordinator/referrals/{id}` (the patient, the consent,
//! the history; each view audited) and `POST /coordinator/referrals/{id}` (a status change
//! with its reason, CSRF-checked), `POST /coordinator/referrals/{id}/notes` (a note,
//! CSRF-checked) through the same functions as the JSON API. The
//! dashboards of issue 7 build on these.

use crate::enrolment::referral::notes::{self, Note};
use crate::enrolment::referral::status::{self, Reason, Status};
use crate::enrolment::referral::store::{self, Change};
use crate::enrolment::referral::view::{self, ReferralDetail};
use crate::enrolment::referral::worklist::{self, Filters, Worklist};
use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::{render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use platform::auth::session::SessionKey;
use platform::auth::{Principal, Role};
use platform::config::Settings;
use platform::crypto::Cipher;
use platform::email::Outbox;
use platform::error::ApiError;
use platform::extract::Pairs;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

type Db = web::Data<DatabaseConnection>;

/// The coordinator's worklist.
#[derive(Template)]
#[template(path = "coordinator_list.html")]
pub struct ListPage {
    /// Page context.
    pub ctx: PageContext,
    /// The referrals and the filters' choices.
    pub list: Worklist,
    /// The filters applied.
    pub filters: Filters,
}

/// One referral.
#[derive(Template)]
#[template(path = "coordinator_referral.html")]
pub struct ReferralPage {
    /// Page context.
    pub ctx: PageContext,
    /// The referral.
    pub r: ReferralDetail,
    /// Its notes, oldest first.
    pub notes: Vec<Note>,
    /// The error of the last change, if any.
    pub error: Option<String>,
    /// The error of the last note, if any.
    pub note_error: Option<String>,
}

impl ListPage {
    /// A time as `YYYY-MM-DD HH:MM` (UTC).
    pub fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.format("%Y-%m-%d %H:%M").to_string()
    }

    /// A day filter's value (`YYYY-MM-DD` or empty).
    pub fn day(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }

    /// Whether `id` is the chosen value of a filter.
    pub fn chosen(&self, current: &Option<Uuid>, id: &Uuid) -> bool {
        current.as_ref() == Some(id)
    }

    /// Whether `code` is the chosen status.
    pub fn chosen_status(&self, code: &str) -> bool {
        self.filters.status.map(Status::as_str) == Some(code)
    }

    /// Every status, for the filter.
    pub fn statuses(&self) -> Vec<&'static str> {
        Status::ALL.iter().map(|s| s.as_str()).collect()
    }

    /// The CSV export of the same filters.
    pub fn csv_link(&self) -> String {
        match self.filters.query() {
            q if q.is_empty() => "/coordinator/referrals.csv".into(),
            q => format!("/coordinator/referrals.csv?{q}"),
        }
    }

    /// A status in the reader's language.
    pub fn status_label(&self, code: &str) -> &'static str {
        platform::i18n::lookup(self.ctx.lang, &format!("referral.status.{code}"))
            .unwrap_or_default()
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
        platform::i18n::lookup(self.ctx.lang, &format!("{kind}.{code}")).unwrap_or_default()
    }
}

fn principal(ctx: &PageContext) -> Result<Principal, PageError> {
    Ok(Principal::User(ctx.require(&[Role::Coordinator])?.clone()))
}

fn referral_id(ctx: &PageContext, id: &str) -> Result<Uuid, PageError> {
    id.parse()
        .map_err(|_| ctx.fail(ApiError::NotFound("this referral".into())))
}

fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    res
}

/// The worklist for the query's filters, audited as a view in `format`.
async fn load(
    ctx: &PageContext,
    db: &DatabaseConnection,
    cipher: &Cipher,
    settings: &Settings,
    query: &Pairs,
    format: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Filters, Worklist), PageError> {
    let p = principal(ctx)?;
    let filters = Filters::parse(|k| Some(query.get(k))).map_err(|e| ctx.fail(e))?;
    let found = worklist::worklist(
        db,
        cipher,
        &p,
        &filters,
        settings.referrals.overdue_days,
        format,
        now,
    )
    .await
    .map_err(|e| ctx.fail(e))?;
    Ok((filters, found))
}

/// `GET /coordinator?trial=&site=&status=&practice=&from=&to=`: the worklist.
#[get("/coordinator")]
pub async fn list(
    ctx: PageContext,
    db: Db,
    cipher: web::Data<Cipher>,
    settings: web::Data<Settings>,
    query: web::Query<Pairs>,
) -> Result<HttpResponse, PageError> {
    let (filters, found) = load(
        &ctx,
        &db,
        &cipher,
        &settings,
        &query,
        "html",
        ctx.clock.now(),
    )
    .await?;
    Ok(no_store(render(
        StatusCode::OK,
        &ListPage {
            ctx,
            list: found,
            filters,
        },
    )))
}

/// `GET /coordinator/referrals.csv` with the worklist's filters.
#[get("/coordinator/referrals.csv")]
pub async fn csv(
    ctx: PageContext,
    db: Db,
    cipher: web::Data<Cipher>,
    settings: web::Data<Settings>,
    query: web::Query<Pairs>,
) -> Result<HttpResponse, PageError> {
    let (_, found) = load(
        &ctx,
        &db,
        &cipher,
        &settings,
        &query,
        "csv",
        ctx.clock.now(),
    )
    .await?;
    Ok(no_store(
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"referrals.csv\"",
            ))
            .body(worklist::csv(&found.rows)),
    ))
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
    page(ctx, &db, &cipher, &p, id, StatusCode::OK, None, None).await
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
        Some(to) => store::transition(
            &db,
            &outbox,
            &p,
            id,
            Change { to, reason, detail },
            ctx.clock.now(),
        )
        .await
        .map(|_| ()),
        None => Err(ApiError::invalid("$.status", "required", "choose a status")),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/coordinator/referrals/{id}"))),
        Err(
            e @ (ApiError::Validation(_) | ApiError::InvalidTransition(_) | ApiError::Conflict(_)),
        ) => {
            let (status, message) = refusal(&e);
            page(ctx, &db, &cipher, &p, id, status, Some(message), None).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// `POST /coordinator/referrals/{id}/notes`: `body`, `csrf_token`.
#[post("/coordinator/referrals/{id}/notes")]
pub async fn note(
    ctx: PageContext,
    db: Db,
    cipher: web::Data<Cipher>,
    key: web::Data<SessionKey>,
    id: web::Path<String>,
    web::Form(f): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    let p = principal(&ctx)?;
    ctx.check_csrf(&key, &f.get("csrf_token"))?;
    let id = referral_id(&ctx, &id)?;
    match notes::add(&db, &p, id, &f.get("body"), ctx.clock.now()).await {
        Ok(_) => Ok(see_other(&format!("/coordinator/referrals/{id}#notes"))),
        Err(e @ ApiError::Validation(_)) => {
            let (status, message) = refusal(&e);
            page(ctx, &db, &cipher, &p, id, status, None, Some(message)).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The status and sentence of a refused post, shown on the referral page: a validation error
/// is 422 with every problem's message, a refused transition or a concurrent change 409.
fn refusal(e: &ApiError) -> (StatusCode, String) {
    let message = match e {
        ApiError::Validation(d) => d
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.message(),
    };
    (actix_web::ResponseError::status_code(e), message)
}

/// The referral page (its view audited), with the errors of a refused post.
#[allow(clippy::too_many_arguments)]
async fn page(
    ctx: PageContext,
    db: &DatabaseConnection,
    cipher: &Cipher,
    p: &Principal,
    id: Uuid,
    status: StatusCode,
    error: Option<String>,
    note_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let r = view::detail(db, cipher, p, id)
        .await
        .map_err(|e| ctx.fail(e))?;
    let notes = notes::of(db, id).await.map_err(|e| ctx.fail(e))?;
    Ok(no_store(render(
        status,
        &ReferralPage {
            ctx,
            r,
            notes,
            error,
            note_error,
        },
    )))
}
