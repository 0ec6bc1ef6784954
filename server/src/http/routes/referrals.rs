//! Referrals for the coordinators of their sites (session), and their outcomes for the
//! referring practice (practice API key).

use crate::enrolment::referral::notes::{self, Note};
use crate::enrolment::referral::status::{Reason, Status};
use crate::enrolment::referral::store::{self, Change};
use crate::enrolment::referral::view::{self, ReferralDetail, ReferralSummary};
use crate::enrolment::referral::worklist::Filters;
use crate::enrolment::referral::{export, outcomes};
use crate::http::openapi::{JsonBodyErrors, PracticeErrors, SessionErrors};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use platform::auth::Principal;
use platform::clock::Clock;
use platform::config::Settings;
use platform::crypto::Cipher;
use platform::email::Outbox;
use platform::error::{ApiError, ErrorBody};
use platform::extract::ApiJson;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

type Db = web::Data<DatabaseConnection>;

/// The referrals of the caller's sites, newest first, at most 1,000 (coordinators only; no
/// identity here). The filters are the worklist page's.
#[utoipa::path(
    tag = "referrals",
    security(("session_cookie" = [])),
    params(Filters),
    responses(
        (status = 200, description = "The referrals of the coordinator's sites", body = Vec<ReferralSummary>),
        (status = 422, description = "`validation_failed`: a filter is not a valid id, status or `YYYY-MM-DD` day; `details[].path` names it (`$.from`, …)", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/referrals")]
pub async fn list(db: Db, p: Principal, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    // Who may list comes before what they asked for.
    p.require(&[platform::auth::Role::Coordinator])?;
    let query = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map_err(|e| ApiError::MalformedQuery(e.to_string()))?;
    let filters = Filters::parse(|k| query.get(k).cloned())?;
    let rows = view::list(db.get_ref(), &p, &filters).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// One referral with the patient's identity and contact details (decrypted for the
/// coordinators of its site only; each view is written to the audit log).
#[utoipa::path(
    tag = "referrals",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The referral")),
    responses(
        (status = 200, description = "The referral, its consent and history", body = ReferralDetail),
        (status = 404, description = "`not_found`: no such referral at the caller's sites", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/referrals/{id}")]
pub async fn get(
    db: Db,
    cipher: web::Data<Cipher>,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(view::detail(db.get_ref(), &cipher, &p, id.into_inner()).await?))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// Required for `screen_failed`, `declined` and `withdrawn`.
    #[serde(default)]
    pub reason: Option<Reason>,
    /// Free text; required with the reason `other`.
    #[serde(default)]
    pub detail: Option<String>,
}

/// Moves a referral along `referred → contacted → screening → enrolled`, or out of it
/// (`screen_failed`, `declined`, `withdrawn`, each with a reason). Withdrawing also marks the
/// consent withdrawn; enrolling the target's last patient closes the trial.
#[utoipa::path(
    tag = "referrals",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The referral")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The referral after the change", body = ReferralSummary),
        (status = 404, description = "`not_found`: no such referral at the caller's sites", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not allowed from the current status; `conflict`: changed meanwhile", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `required` (reason), `reason_not_allowed`, `detail_required`", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/referrals/{id}/status")]
pub async fn set_status(
    db: Db,
    outbox: web::Data<Outbox>,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(body): ApiJson<StatusChange>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    if body
        .detail
        .as_deref()
        .is_some_and(|d| d.chars().count() > 1000)
    {
        return Err(ApiError::Validation(vec![platform::error::Detail::new(
            "$.detail",
            "too_long",
            "at most 1000 characters",
        )]));
    }
    let change = Change {
        to: body.status,
        reason: body.reason,
        detail: body.detail.filter(|d| !d.trim().is_empty()),
    };
    let id = id.into_inner();
    let updated = store::transition(db.get_ref(), &outbox, &p, id, change, clock.now()).await?;
    Ok(HttpResponse::Ok().json(view::summary(db.get_ref(), updated).await?))
}

/// A new note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// The text: 1 to 2,000 characters (trimmed).
    pub body: String,
}

/// The coordinators' notes on a referral, oldest first.
#[utoipa::path(
    tag = "referrals",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The referral")),
    responses(
        (status = 200, description = "The notes, oldest first", body = Vec<Note>),
        (status = 404, description = "`not_found`: no such referral at the caller's sites", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/referrals/{id}/notes")]
pub async fn list_notes(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(notes::list(db.get_ref(), &p, id.into_inner()).await?))
}

/// Adds a note to a referral (append-only; audited as `referral.note_added`).
#[utoipa::path(
    tag = "referrals",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The referral")),
    request_body = NewNote,
    responses(
        (status = 201, description = "The note", body = Note),
        (status = 404, description = "`not_found`: no such referral at the caller's sites", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `required`, `too_long` (`$.body`)", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/referrals/{id}/notes")]
pub async fn add_note(
    db: Db,
    p: Principal,
    id: web::Path<Uuid>,
    ApiJson(body): ApiJson<NewNote>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let note = notes::add(db.get_ref(), &p, id.into_inner(), &body.body, clock.now()).await?;
    Ok(HttpResponse::Created().json(note))
}

/// The signed consent's PDF copy, checked against its stored SHA-256 (sent as `Digest`).
#[utoipa::path(
    tag = "referrals",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The referral")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "`not_found`", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/referrals/{id}/consent.pdf")]
pub async fn consent_pdf(
    db: Db,
    cipher: web::Data<Cipher>,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (bytes, sha) = export::pdf(db.get_ref(), &cipher, &p, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Digest", format!("sha-256={sha}")))
        .insert_header(("Cache-Control", "no-store"))
        .body(bytes))
}

/// The referral as FHIR R4: a Bundle with the Patient, the `Consent` and the
/// `ResearchSubject`.
#[utoipa::path(
    tag = "referrals",
    security(("session_cookie" = [])),
    params(("id" = Uuid, Path, description = "The referral")),
    responses(
        (status = 200, description = "A FHIR R4 Bundle (collection)", content_type = "application/fhir+json", body = Object),
        (status = 404, description = "`not_found`", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/referrals/{id}/fhir")]
pub async fn fhir(
    db: Db,
    cipher: web::Data<Cipher>,
    settings: web::Data<Settings>,
    p: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let base = crate::plugin::base_url(&settings);
    let bundle = export::fhir(db.get_ref(), &cipher, &base, &p, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/fhir+json")
        .insert_header(("Cache-Control", "no-store"))
        .json(bundle))
}

/// From when.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SinceQuery {
    /// Only changes after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
}

/// What became of the practice's referrals: each status change, by pseudonym and alert,
/// oldest first, at most 500 (ask again from the last `at`).
#[utoipa::path(
    tag = "plugin",
    security(("practice_api_key" = [])),
    params(SinceQuery),
    responses(
        (status = 200, description = "The outcomes", body = plugin_sdk::ReferralOutcomes),
        (status = 400, description = "`malformed_query`: `since` is not an RFC 3339 time, or an unknown parameter", body = ErrorBody),
        PracticeErrors,
    )
)]
#[get("/api/v1/plugin/outcomes")]
pub async fn plugin_outcomes(
    db: Db,
    p: Principal,
    q: web::Query<SinceQuery>,
) -> Result<HttpResponse, ApiError> {
    let practice = p.practice()?;
    let outcomes = outcomes::since(db.get_ref(), practice, q.since).await?;
    Ok(HttpResponse::Ok().json(plugin_sdk::ReferralOutcomes { outcomes }))
}
