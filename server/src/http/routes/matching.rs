//! `POST /api/v1/match`: alerts for a patient record, for EHRs that cannot embed the SDK.

use crate::http::openapi::{JsonBodyErrors, PracticeErrors};
use crate::plugin::cache::MatcherCache;
use crate::plugin::matching::{self, MatchRequest, MatchResponse};
use crate::plugin::popup_token::PopupSealer;
use actix_web::{HttpResponse, post, web};
use platform::auth::Principal;
use platform::clock::Clock;
use platform::config::Settings;
use platform::error::{ApiError, ErrorBody};
use platform::extract::ApiJson;
use sea_orm::DatabaseConnection;

/// The trials a patient may join, as the SDK would show them: at most the practice's
/// `max_alerts`, eligible before possibly eligible, without the trials the practice
/// declined, snoozed or showed too often unanswered for this `pseudonym`, and only trials
/// near the practice when it set a distance. The record is held in memory only: never
/// stored, never logged.
#[utoipa::path(
    tag = "plugin",
    security(("practice_api_key" = [])),
    request_body = MatchRequest,
    responses(
        (status = 200, description = "The alerts to show, best first (none: show nothing)", body = MatchResponse),
        (status = 422, description = "`validation_failed`; details: `required` (patient), `patient_and_fhir`, \
`invalid_fhir`, `invalid_pseudonym`, `unknown_language`", body = ErrorBody),
        JsonBodyErrors,
        PracticeErrors,
    )
)]
#[post("/api/v1/match")]
#[allow(clippy::too_many_arguments)]
pub async fn run(
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    cache: web::Data<MatcherCache>,
    sealer: web::Data<PopupSealer>,
    p: Principal,
    ApiJson(body): ApiJson<MatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let practice = p.practice()?;
    let popup_base = format!("{}/popup", crate::plugin::base_url(&settings));
    let response = matching::run(
        db.get_ref(),
        &cache,
        &sealer,
        practice,
        body,
        &popup_base,
        clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(response))
}
