//! The OpenAPI 3 document of the HTTP API, generated from the handlers' `#[utoipa::path]`
//! annotations, served at `GET /api/v1/openapi.json` with a vendored Swagger UI at
//! `/api/v1/docs/` (its assets are compiled into the binary: nothing is fetched at build or
//! run time).
//!
//! Routes registered in [`crate::http::routes::configure`] are listed in [`ApiDoc`]; the e2e test
//! `tests/tests/e2e/openapi.rs` fails when one is missing.

use crate::http::routes;
use platform::error::ErrorBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Where the Swagger UI is served (with its trailing slash).
pub const DOCS_PATH: &str = "/api/v1/docs/";

/// Name of the security scheme of web users: the signed session cookie.
pub const SESSION: &str = "session_cookie";

/// Name of the security scheme of EHR plugins: `Authorization: Bearer <practice API key>`.
pub const PRACTICE_KEY: &str = "practice_api_key";

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Inclusio API",
        description = "Clinical-trial prescreening: trial registry, accounts, and the bundle EHR \
plugins download. Every error answers `{\"error\": {\"code\", \"message\", \"details\"}}`; the \
codes are listed in `docs/errors.md`.\n\nWeb users log in with `POST /api/v1/auth/login`, which \
sets the `inclusio_session` cookie; EHR plugins send `Authorization: Bearer <practice API key>`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        routes::health::health,
        routes::health::ready,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::me,
        routes::admin::create_organisation,
        routes::admin::list_organisations,
        routes::admin::create_user,
        routes::admin::list_users,
        routes::admin::create_api_key,
        routes::admin::list_api_keys,
        routes::admin::revoke_api_key,
        routes::trials::create,
        routes::trials::list,
        routes::trials::get,
        routes::trials::fhir,
        routes::trials::update,
        routes::trials::versions,
        routes::trials::version,
        routes::trials::transition,
        routes::trials::add_site,
        routes::trials::list_sites,
        routes::trials::coordinators,
        routes::trials::add_coordinator,
        routes::trials::remove_coordinator,
        routes::trials::add_consent,
        routes::trials::list_consents,
        routes::trials::get_consent,
        routes::outbox::outbox,
        routes::criteria::codes,
        routes::criteria::preview,
        routes::criteria::test,
        routes::criteria::example_patients,
        routes::admin::set_plugin_settings,
        routes::plugin::bundle,
        routes::plugin::suppressions,
        routes::plugin::settings,
        routes::events::record,
        routes::referrals::list,
        routes::referrals::get,
        routes::referrals::set_status,
        routes::referrals::list_notes,
        routes::referrals::add_note,
        routes::referrals::consent_pdf,
        routes::referrals::fhir,
        routes::referrals::plugin_outcomes,
        routes::matching::run,
    ),
    components(schemas(ErrorBody, platform::error::ErrorInfo, platform::error::Detail)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Logging in and out; who is calling"),
        (name = "admin", description = "Organisations, users, practice API keys and the email outbox (administrators)"),
        (name = "trials", description = "The trial registry: trials, versions, lifecycle"),
        (name = "sites", description = "A trial's sites and their coordinators"),
        (name = "consent", description = "Versioned consent documents"),
        (name = "criteria", description = "The criteria builder: code search, plain-language preview, tests against example patients (sponsors and administrators)"),
        (name = "plugin", description = "For EHR plugins (practice API keys)"),
        (name = "referrals", description = "Referrals after an electronic consent, for the coordinators of their site"),
    )
)]
pub struct ApiDoc;

/// Adds the two security schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                platform::auth::session::COOKIE,
                "Signed session cookie set by `POST /api/v1/auth/login` (web users).",
            ))),
        );
        components.add_security_scheme(
            PRACTICE_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A practice API key (`Authorization: Bearer <key>`), created by an \
                         administrator for an EHR plugin.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The service answering the document and the Swagger UI; register it on the App.
pub fn service() -> SwaggerUi {
    SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}")).url(OPENAPI_PATH, ApiDoc::openapi())
}

/// The errors of routes for web users: no session, a role that is not allowed.
#[derive(IntoResponses)]
pub enum SessionErrors {
    /// `unauthenticated`: no valid session cookie (or an unknown or revoked API key).
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// `forbidden`: the caller's role does not allow this (practice API keys included).
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// `internal`: an internal error; details are logged, never sent.
    #[response(status = 500)]
    Internal(ErrorBody),
}

/// The errors of routes for EHR plugins.
#[derive(IntoResponses)]
pub enum PracticeErrors {
    /// `unauthenticated`: no API key, or an unknown or revoked one.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// `forbidden`: a web user's session, not a practice API key.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// `internal`: an internal error; details are logged, never sent.
    #[response(status = 500)]
    Internal(ErrorBody),
}

/// The errors of reading a JSON body.
#[derive(IntoResponses)]
pub enum JsonBodyErrors {
    /// `malformed_json`: not JSON, or not of the expected shape (unknown fields included); the
    /// message names the JSON path.
    #[response(status = 400)]
    MalformedJson(ErrorBody),
    /// `payload_too_large`: the body is larger than `http.max_body_bytes`.
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    /// `unsupported_media_type`: the body is not sent as `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
}
