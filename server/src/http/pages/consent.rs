//! The consent flow's pages. `GET /consent/{token}` shows the trial's patient information,
//! the current consent document and the form (identity check, comprehension questions,
//! identity and contact, statements, typed signature with an optional drawn one, the GP's
//! attestation, the site); `POST /consent/{token}` signs, or shows every error next to its
//! field with everything typed kept. The token in the path is the credential (single use,
//! short-lived, never in a cookie), so a cross-site form cannot post without knowing it.
//! Unknown tokens give 404, expired or used ones 410, a trial that stopped recruiting 409.

use crate::enrolment::consent::flow::{self, Flow};
use crate::enrolment::consent::form::{self, FieldError, IDENTITY_METHODS, STATEMENTS};
use crate::enrolment::consent::sign::{self as signing, Services};
use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::{render, see_other};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use platform::config::Settings;
use platform::crypto::Cipher;
use platform::email::Outbox;
use platform::extract::Pairs;
use sea_orm::DatabaseConnection;

/// The consent page.
#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    /// Page context.
    pub ctx: PageContext,
    /// The flow.
    pub flow: Flow,
    /// What was posted (empty on first show).
    pub values: Pairs,
    /// Fields in error.
    pub errors: Vec<FieldError>,
}

impl ConsentPage {
    /// A posted value.
    pub fn v(&self, name: &str) -> String {
        self.values.get(name)
    }

    /// The message of a field's error, in the reader's language.
    pub fn err(&self, name: &str) -> Option<&'static str> {
        self.errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, k)| platform::i18n::t(self.ctx.lang, k))
    }

    /// Whether a statement is ticked.
    pub fn ticked(&self, statement: &str) -> bool {
        self.values
            .0
            .iter()
            .any(|(k, v)| k == "statement" && v == statement)
    }

    /// Whether option `o` of question `q` is the posted answer.
    pub fn chosen(&self, q: &usize, o: &usize) -> bool {
        self.values.get(&format!("q{q}")) == o.to_string()
    }

    /// Whether `site` is selected (the posted one, else the nearest).
    pub fn site_selected(&self, site: &uuid::Uuid) -> bool {
        match self.values.get("site_id") {
            v if v.is_empty() => self.flow.sites.first().is_some_and(|s| s.id == *site),
            v => v == site.to_string(),
        }
    }

    /// The identity-check methods.
    pub fn methods(&self) -> &'static [&'static str] {
        &IDENTITY_METHODS
    }

    /// The statements.
    pub fn statements(&self) -> &'static [&'static str] {
        &STATEMENTS
    }

    /// The message key of a method or statement.
    pub fn key(&self, prefix: &str, name: &str) -> &'static str {
        platform::i18n::lookup(self.ctx.lang, &format!("{prefix}.{name}")).unwrap_or_default()
    }

    /// The error summary's entries: field and message.
    pub fn summary(&self) -> Vec<(String, &'static str)> {
        self.errors
            .iter()
            .map(|(f, k)| (f.clone(), platform::i18n::t(self.ctx.lang, k)))
            .collect()
    }
}

/// `GET /consent/{token}`: the form (the token is only looked up, never consumed).
#[get("/consent/{token}")]
pub async fn consent(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let flow = flow::load(db.get_ref(), &token, ctx.lang_code(), ctx.clock.now())
        .await
        .map_err(|e| ctx.fail(e))?;
    let page = ConsentPage {
        ctx,
        flow,
        values: Pairs::default(),
        errors: Vec::new(),
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /consent/{token}`: signs, then `303` to the patient's receipt page.
#[post("/consent/{token}")]
#[allow(clippy::too_many_arguments)]
pub async fn sign(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    cipher: web::Data<Cipher>,
    outbox: web::Data<Outbox>,
    settings: web::Data<Settings>,
    token: web::Path<String>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    let flow = flow::load(db.get_ref(), &token, ctx.lang_code(), ctx.clock.now())
        .await
        .map_err(|e| ctx.fail(e))?;
    let site_ids: Vec<_> = flow.sites.iter().map(|s| s.id).collect();
    let today = ctx.clock.today();
    let parsed = form::parse(&pairs, &flow.questions, &site_ids, today).and_then(|s| {
        if s.document_id == flow.document.id {
            Ok(s)
        } else {
            Err(vec![(
                "document_id".to_string(),
                "consent.error.document_changed",
            )])
        }
    });
    let sub = match parsed {
        Ok(s) => s,
        Err(errors) => {
            let page = ConsentPage {
                ctx,
                flow,
                values: pairs,
                errors,
            };
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let base_url = crate::plugin::base_url(&settings);
    let services = Services {
        cipher: &cipher,
        outbox: &outbox,
        base_url: &base_url,
    };
    let done = signing::sign(
        db.get_ref(),
        services,
        &flow,
        &token,
        sub,
        ctx.lang,
        ctx.clock.now(),
    )
    .await
    .map_err(|e| ctx.fail(e))?;
    Ok(see_other(&format!("/consent/receipt/{}", done.receipt)))
}
