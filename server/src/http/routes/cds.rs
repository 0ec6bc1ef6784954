//! The CDS Hooks 2.0 endpoints, outside `/api/v1` and outside the OpenAPI document (CDS Hooks
//! defines them; see `docs/cds-hooks.md`), registered by [`configure`] from `startup.rs`:
//! discovery, the service, feedback, and CORS preflight for browser-based CDS clients.

use crate::cds::jwks::JwksCache;
use crate::cds::{alerts, discovery, feedback, feedback_events, jwt, prefetch, request};
use crate::plugin::cache::MatcherCache;
use crate::plugin::consent_link::TokenKey;
use crate::plugin::events::Recording;
use crate::plugin::popup_token::PopupSealer;
use actix_web::dev::Service;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use platform::clock::Clock;
use platform::config::{Environment, Settings};
use platform::error::ApiError;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

type Db = web::Data<DatabaseConnection>;
type Config = web::Data<Settings>;
type Keys = web::Data<Arc<JwksCache>>;

/// Registers `/cds-services`, `/cds-services/{id}` and `/cds-services/{id}/feedback`.
pub fn configure(cfg: &mut web::ServiceConfig, settings: &Settings) {
    cfg.app_data(web::Data::new(Arc::new(JwksCache::new())))
        .service(
            web::scope("/cds-services")
                .app_data(web::PayloadConfig::new(settings.cds.max_body_bytes))
                .wrap_fn(|req, srv| {
                    // Any origin: calls carry a JWT, never cookies.
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        res.headers_mut().insert(
                            header::ACCESS_CONTROL_ALLOW_ORIGIN,
                            HeaderValue::from_static("*"),
                        );
                        Ok(res)
                    }
                })
                .service(
                    web::resource("")
                        .route(web::get().to(discover))
                        .route(web::method(actix_web::http::Method::OPTIONS).to(preflight))
                        .default_service(web::to(not_allowed)),
                )
                .service(
                    web::resource("/{id}")
                        .route(web::post().to(call))
                        .route(web::method(actix_web::http::Method::OPTIONS).to(preflight))
                        .default_service(web::to(not_allowed)),
                )
                .service(
                    web::resource("/{id}/feedback")
                        .route(web::post().to(give_feedback))
                        .route(web::method(actix_web::http::Method::OPTIONS).to(preflight))
                        .default_service(web::to(not_allowed)),
                ),
        );
}

async fn not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

/// CORS preflight: the methods and headers a CDS client sends.
async fn preflight() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "Authorization, Content-Type, Accept",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
        .finish()
}

async fn authenticate(
    req: &HttpRequest,
    db: &Db,
    settings: &Config,
    keys: &Keys,
) -> Result<jwt::Caller, ApiError> {
    jwt::authenticate(req, &settings.cds, keys.get_ref().clone(), db.get_ref()).await
}

/// `GET /cds-services`: the discovery document.
async fn discover(
    req: HttpRequest,
    db: Db,
    settings: Config,
    keys: Keys,
) -> Result<HttpResponse, ApiError> {
    authenticate(&req, &db, &settings, &keys).await?;
    Ok(HttpResponse::Ok().json(discovery::document()))
}

fn known(id: &str) -> Result<(), ApiError> {
    if discovery::known(id) {
        Ok(())
    } else {
        Err(ApiError::NotFound("this CDS service".into()))
    }
}

fn json_body(req: &HttpRequest) -> Result<(), ApiError> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.split(';').next().unwrap_or_default().trim();
            v == "application/json" || v == "application/fhir+json"
        });
    if json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// `POST /cds-services/{id}`: the cards for this patient.
#[allow(clippy::too_many_arguments)]
async fn call(
    req: HttpRequest,
    clock: web::Data<Clock>,
    id: web::Path<String>,
    body: web::Bytes,
    db: Db,
    settings: Config,
    keys: Keys,
    cache: web::Data<MatcherCache>,
    sealer: web::Data<PopupSealer>,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&req, &db, &settings, &keys).await?;
    known(&id)?;
    json_body(&req)?;
    let production = settings.environment == Environment::Production;
    let hook = request::HookRequest::parse(&body, production)?;
    let patient_id = hook.patient_id.clone();
    let timeout = Duration::from_secs(settings.cds.fetch_timeout_secs);
    let max = settings.cds.max_resources;
    // The compiled trials of the current bundle (cached per bundle ETag) and the
    // observations they can read (cached with them, per day): the latter bound the FHIR
    // searches, the former give the cards.
    let (matcher, need) = cache.get_with_need(db.get_ref(), clock.today()).await?;
    // FHIR server reads block: off the async workers.
    let gathered = web::block(move || {
        let mut client = crate::cds::fhir_client::HttpFetch {
            token: hook.access_token,
            timeout,
        };
        let source = hook.fhir_server.as_deref().map(|base| prefetch::Source {
            base,
            fetch: &mut client,
        });
        prefetch::gather(&hook.prefetch, &hook.patient_id, source, &need, max)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("prefetch task: {e}")))??;
    let mut conversion = trials::fhir::bundle_value_to_patient(&gathered.bundle)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("gathered bundle: {e}")))?;
    // What the EHR could not give is to confirm, not "no record".
    for key in &gathered.unavailable {
        for &kind in crate::cds::discovery::kinds_of(key) {
            conversion
                .patient
                .unreadable
                .push(trials::Unreadable { kind, count: 1 });
        }
    }
    if let Some(practice) = caller.practice_id {
        // The SDK's alerts, fatigue rules and suppressions, keyed by a pseudonym.
        let pseudonym =
            alerts::pseudonym(settings.secrets.session_key.expose(), practice, &patient_id);
        let popup_base = format!("{}/popup", crate::plugin::base_url(&settings));
        let show = alerts::Showing {
            sealer: &sealer,
            popup_base: &popup_base,
            locale: locale(&req),
            now: clock.now(),
        };
        let cards = alerts::cards(
            db.get_ref(),
            &matcher,
            practice,
            &pseudonym,
            &conversion.patient,
            &show,
        )
        .await?;
        return Ok(HttpResponse::Ok().json(cards));
    }
    let cards =
        alerts::anonymous_cards(&matcher, &conversion.patient, locale(&req), clock.today())?;
    Ok(HttpResponse::Ok().json(cards))
}

/// The EHR's preferred supported language (`Accept-Language`, by quality), else English.
fn locale(req: &HttpRequest) -> trials::Locale {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(platform::i18n::Lang::from_accept_language)
        .map(|l| l.locale())
        .unwrap_or_default()
}

/// `POST /cds-services/{id}/feedback`: outcomes of cards, recorded as plugin events when the
/// issuer belongs to a practice.
#[allow(clippy::too_many_arguments)]
async fn give_feedback(
    req: HttpRequest,
    clock: web::Data<Clock>,
    id: web::Path<String>,
    body: web::Bytes,
    db: Db,
    settings: Config,
    keys: Keys,
    key: web::Data<TokenKey>,
) -> Result<HttpResponse, ApiError> {
    let caller = authenticate(&req, &db, &settings, &keys).await?;
    known(&id)?;
    json_body(&req)?;
    let items = feedback::parse(&body)?;
    if let Some(practice) = caller.practice_id {
        let base_url = crate::plugin::base_url(&settings);
        let how = Recording {
            base_url: &base_url,
            key: &key,
            token_ttl: chrono::Duration::seconds(settings.plugin.consent_token_ttl_secs),
            now: clock.now(),
        };
        feedback_events::record(
            db.get_ref(),
            practice,
            &items,
            settings.cds.snooze_days,
            &how,
        )
        .await?;
    }
    Ok(HttpResponse::Ok().finish())
}
