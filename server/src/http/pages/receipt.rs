//! The patient's receipt page (`/consent/receipt/{token}`, the link in their email and the
//! page shown after signing): the consent's state, the signed copy to download, and
//! withdrawal with one confirmation, as easy as consenting. The token is the credential.

use crate::enrolment::consent::{receipt, withdraw as withdrawal};
use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::{render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use platform::config::Settings;
use platform::crypto::Cipher;
use platform::email::Outbox;
use platform::entities::consent;
use platform::extract::Pairs;
use sea_orm::DatabaseConnection;

/// The receipt page.
#[derive(Template)]
#[template(path = "consent_receipt.html")]
pub struct ReceiptPage {
    /// Page context.
    pub ctx: PageContext,
    /// The receipt token (for the links).
    pub token: String,
    /// The trial's title.
    pub trial_title: String,
    /// The consent.
    pub consent: consent::Model,
    /// Whether the withdrawal was posted without its confirmation.
    pub confirm_missing: bool,
}

impl ReceiptPage {
    /// Whether the consent was withdrawn.
    pub fn withdrawn(&self) -> bool {
        self.consent.status == "withdrawn"
    }

    /// When it was signed, for display.
    pub fn signed(&self) -> String {
        self.consent
            .signed_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string()
    }

    /// When it was withdrawn, for display.
    pub fn withdrawn_on(&self) -> String {
        self.consent
            .withdrawn_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    }
}

async fn page(
    ctx: PageContext,
    db: &DatabaseConnection,
    token: &str,
    confirm_missing: bool,
) -> Result<ReceiptPage, PageError> {
    let c = receipt::consent_of(db, token)
        .await
        .map_err(|e| ctx.fail(e))?;
    let trial_title = receipt::trial_title(db, &c)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ReceiptPage {
        ctx,
        token: token.to_string(),
        trial_title,
        consent: c,
        confirm_missing,
    })
}

/// `GET /consent/receipt/{token}`.
#[get("/consent/receipt/{token}")]
pub async fn show(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let p = page(ctx, db.get_ref(), &token, false).await?;
    Ok(render(StatusCode::OK, &p).customize_no_store())
}

/// `GET /consent/receipt/{token}/pdf`: the signed copy.
#[get("/consent/receipt/{token}/pdf")]
pub async fn pdf(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    cipher: web::Data<Cipher>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let c = receipt::consent_of(db.get_ref(), &token)
        .await
        .map_err(|e| ctx.fail(e))?;
    let bytes = receipt::pdf(&cipher, &c).map_err(|e| ctx.fail(e))?;
    receipt::log_download(db.get_ref(), &c)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"consent.pdf\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Digest", format!("sha-256={}", c.pdf_sha256)))
        .body(bytes))
}

/// `POST /consent/receipt/{token}/withdraw` (with `confirm=yes`): withdraws, then back to
/// the receipt page. Withdrawing twice is not an error.
#[post("/consent/receipt/{token}/withdraw")]
pub async fn withdraw(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    outbox: web::Data<Outbox>,
    settings: web::Data<Settings>,
    token: web::Path<String>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    if pairs.get("confirm") != "yes" {
        let p = page(ctx, db.get_ref(), &token, true).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let c = receipt::consent_of(db.get_ref(), &token)
        .await
        .map_err(|e| ctx.fail(e))?;
    let base_url = crate::plugin::base_url(&settings);
    withdrawal::by_patient(db.get_ref(), &outbox, &base_url, c, ctx.clock.now())
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(see_other(&format!("/consent/receipt/{token}")))
}

trait NoStore {
    fn customize_no_store(self) -> HttpResponse;
}

impl NoStore for HttpResponse {
    fn customize_no_store(mut self) -> HttpResponse {
        self.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
        self
    }
}
