//! The pop-up as a page, for web EHRs that show it in an iframe or a new window:
//! `GET /popup/{token}` renders the sealed alert (`plugin::popup_token`) with the SDK's
//! `popup_html` and loads `/static/inclusio.js`, which posts the GP's answer to
//! `POST /popup/{token}/answer`. The token authorises exactly that alert's answers for the
//! practice and pseudonym sealed in it, until it expires; nothing about the alert is stored
//! but its events. Once answered (accepted, declined, not now), the page shows the recorded
//! answer with its buttons disabled and another answer is refused (409 `already_answered`,
//! in the pop-up's language); the same event sent again stays idempotent.

use crate::http::context::{PageContext, PageError};
use crate::plugin::consent_link::TokenKey;
use crate::plugin::events::{self, Recording};
use crate::plugin::popup_token::{PopupSealer, Sealed};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use platform::clock::Clock;
use platform::config::Settings;
use platform::entities::plugin_event;
use platform::error::{ApiError, Detail};
use platform::extract::ApiJson;
use platform::i18n::{self, Lang};
use plugin_sdk::wire::{DeclineReason, Event, ResponseKind};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

/// The pop-up page.
#[derive(Template)]
#[template(path = "popup_page.html")]
pub struct PopupPage {
    /// Page context.
    pub ctx: PageContext,
    /// The pop-up's language.
    pub lang: String,
    /// The trial's title (the page title).
    pub title: String,
    /// The SDK's pop-up HTML (escaped by its own template).
    pub popup_html: String,
    /// The token, for the answer's address.
    pub token: String,
    /// The recorded answer as a sentence in the pop-up's language, once answered.
    pub answered: Option<String>,
}

/// The recorded answer as a sentence in `lang`.
fn answered_sentence(lang: Lang, e: &plugin_event::Model) -> String {
    let head = i18n::t(lang, "popup.already_answered");
    let what = match e.response.as_str() {
        "accepted" => i18n::t(lang, "popup.answered.accepted").to_string(),
        "not_now" => format!(
            "{} {}.",
            i18n::t(lang, "popup.answered.not_now"),
            e.snooze_until
                .map(|d| match lang {
                    Lang::Fr => d.format("%d/%m/%Y").to_string(),
                    Lang::En => d.format("%-d %B %Y").to_string(),
                })
                .unwrap_or_default()
        ),
        _ => format!(
            "{} {}.",
            i18n::t(lang, "popup.answered.declined"),
            e.reason
                .as_deref()
                .and_then(|r| i18n::lookup(lang, &format!("popup.reason.{r}")))
                .unwrap_or_else(|| i18n::t(lang, "popup.reason.other"))
        ),
    };
    format!("{head} {what}")
}

fn lang_of(s: &Sealed) -> Lang {
    if s.lang == "en" { Lang::En } else { Lang::Fr }
}

/// `GET /popup/{token}`: 404 for a token this server did not seal, 410 once expired.
#[get("/popup/{token}")]
pub async fn page(
    ctx: PageContext,
    db: web::Data<DatabaseConnection>,
    sealer: web::Data<PopupSealer>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let sealed = open(&sealer, &token, &ctx.clock).map_err(|e| ctx.fail(e))?;
    let answered = events::answer_of(db.get_ref(), sealed.practice, sealed.alert.id)
        .await
        .map_err(|e| ctx.fail(e))?
        .map(|e| answered_sentence(lang_of(&sealed), &e));
    let popup_html = plugin_sdk::popup_html(&sealed.alert, sealed.locale())
        .map_err(|e| ctx.fail(ApiError::Internal(anyhow::anyhow!("pop-up template: {e}"))))?;
    let page = PopupPage {
        ctx,
        title: sealed.alert.title.clone(),
        lang: sealed.lang,
        popup_html,
        token: token.into_inner(),
        answered,
    };
    let html = askama::Template::render(&page).map_err(|e| {
        page.ctx
            .fail(ApiError::Internal(anyhow::anyhow!("pop-up page: {e}")))
    })?;
    // EHRs show this page in an iframe: its own policy (`http::security`), with the hashes of
    // its inline styles, taken from the page as rendered.
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            crate::http::security::popup_policy(&html),
        ))
        .body(html))
}

fn open(sealer: &PopupSealer, token: &str, clock: &Clock) -> Result<Sealed, ApiError> {
    Ok(sealer.open(token, clock.now().timestamp())?)
}

/// The answer posted from the pop-up page (the rest of the event comes from the token).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The client's event id (idempotency key).
    pub id: Uuid,
    /// `shown`, `accepted`, `not_now` or `declined`.
    pub response: ResponseKind,
    /// Why a decline.
    #[serde(default)]
    pub reason: Option<DeclineReason>,
    /// Not before this date (`not_now`).
    #[serde(default)]
    pub snooze_until: Option<NaiveDate>,
    /// When (RFC 3339).
    pub at: DateTime<Utc>,
}

/// `POST /popup/{token}/answer`: records the answer as the practice sealed in the token;
/// the same JSON result as one entry of `POST /api/v1/events`. Once the alert has an answer,
/// any other event (a second answer, a showing) is a 409 `already_answered`.
#[post("/popup/{token}/answer")]
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    sealer: web::Data<PopupSealer>,
    key: web::Data<TokenKey>,
    token: web::Path<String>,
    ApiJson(a): ApiJson<Answer>,
) -> Result<HttpResponse, ApiError> {
    let s = open(&sealer, &token, &clock)?;
    if s.pseudonym.is_empty() {
        return Err(ApiError::Validation(vec![Detail::new(
            "$",
            "pseudonym_required",
            "this pop-up was matched without a pseudonym: answers cannot be recorded",
        )]));
    }
    if let Some(recorded) = events::answer_of(db.get_ref(), s.practice, s.alert.id).await?
        && recorded.id != a.id
    {
        return Err(ApiError::AlreadyAnswered(answered_sentence(
            lang_of(&s),
            &recorded,
        )));
    }
    let event = Event {
        id: a.id,
        alert_id: s.alert.id,
        trial: s.alert.trial,
        trial_version: s.alert.trial_version,
        patient: s.pseudonym,
        verdict: s.alert.verdict,
        response: a.response,
        reason: a.reason,
        snooze_until: a.snooze_until,
        at: a.at,
    };
    let base_url = crate::plugin::base_url(&settings);
    let how = Recording {
        base_url: &base_url,
        key: &key,
        token_ttl: chrono::Duration::seconds(settings.plugin.consent_token_ttl_secs),
        now: clock.now(),
    };
    let mut results = events::record(db.get_ref(), s.practice, vec![event], &how).await?;
    match results.results.pop() {
        Some(r) => Ok(HttpResponse::Ok().json(r)),
        None => Err(ApiError::Internal(anyhow::anyhow!(
            "no result for one event"
        ))),
    }
}
