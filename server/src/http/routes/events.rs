//! `POST /api/v1/events`: answers to alerts, from EHR plugins (practice API keys).

use crate::http::openapi::{JsonBodyErrors, PracticeErrors};
use crate::plugin::consent_link::TokenKey;
use crate::plugin::events::{self, Recording};
use actix_web::{HttpResponse, post, web};
use platform::auth::Principal;
use platform::clock::Clock;
use platform::config::Settings;
use platform::error::{ApiError, ErrorBody};
use platform::extract::ApiJson;
use plugin_sdk::wire::{EventBatch, EventResults};
use sea_orm::DatabaseConnection;

/// Records answers to alerts (shown, accepted, not now, declined), idempotently by event
/// id. An accepted event's result carries the address where the consent flow starts, with
/// a single-use token valid for `plugin.consent_token_ttl_secs`; sending it again returns
/// the same address.
#[utoipa::path(
    tag = "plugin",
    security(("practice_api_key" = [])),
    request_body = EventBatch,
    responses(
        (status = 200, description = "One result per event, in order", body = EventResults),
        (status = 409, description = "`conflict`: an event id already recorded with other content", body = ErrorBody),
        (status = 422, description = "`validation_failed`; details: `too_many_events`, `invalid_pseudonym`, \
`unknown_verdict`, `unknown_response`, `required` (reason), `unknown_reason`, `reason_not_allowed`, \
`snooze_not_allowed`, `unknown_trial`, `unknown_trial_version`, `not_recruiting`", body = ErrorBody),
        JsonBodyErrors,
        PracticeErrors,
    )
)]
#[post("/api/v1/events")]
pub async fn record(
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    key: web::Data<TokenKey>,
    p: Principal,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let practice = p.practice()?;
    let batch = events::parse(&body)?;
    let base_url = crate::plugin::base_url(&settings);
    let how = Recording {
        base_url: &base_url,
        key: &key,
        token_ttl: chrono::Duration::seconds(settings.plugin.consent_token_ttl_secs),
        now: clock.now(),
    };
    let results = events::record(db.get_ref(), practice, batch.events, &how).await?;
    Ok(HttpResponse::Ok().json(results))
}
