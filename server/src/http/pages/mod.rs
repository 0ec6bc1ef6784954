//! Server-rendered pages: one askama struct per page (templates in `templates/`), thin
//! handlers. Shared chrome, language and errors are in `crate::http`.

pub mod consent;
pub mod coordinator;
pub mod criteria_playground;
pub mod dashboard;
pub mod form;
pub mod home;
pub mod import;
pub mod lang;
pub mod login;
pub mod popup;
pub mod receipt;
pub mod review;
pub mod sponsor;
pub mod trial_form;
pub mod trials;

/// The largest form body accepted, in bytes.
pub const FORM_LIMIT: usize = 1024 * 1024;

/// A form body the pages cannot read, as an error page in the reader's language.
fn form_error(
    e: actix_web::error::UrlencodedError,
    req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::UrlencodedError;
    use platform::error::ApiError;
    let error = match e {
        UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => {
            ApiError::PayloadTooLarge { limit: FORM_LIMIT }
        }
        UrlencodedError::ContentType => ApiError::UnsupportedMediaType,
        _ => ApiError::MalformedJson {
            path: "$".into(),
            message: "the form body cannot be read".into(),
        },
    };
    crate::http::context::PageError {
        error,
        lang: platform::i18n::lang::Lang::of(req),
        path: req.path().to_string(),
    }
    .into()
}

/// Registers every page and the static assets (HTML, not part of the OpenAPI document).
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    // Forms carry criteria JSON and pasted study records: more than the 16 KiB default.
    // A body too large, not a form, or unreadable is the error page in the reader's language
    // (`payload_too_large`, `unsupported_media_type`, `malformed_json`), not actix's text.
    cfg.app_data(
        actix_web::web::FormConfig::default()
            .limit(FORM_LIMIT)
            .error_handler(form_error),
    )
    .service(crate::http::assets::asset)
    .service(home::home)
    .service(lang::switch)
    .service(login::form)
    .service(login::submit)
    .service(login::logout)
    .service(sponsor::home)
    // The fixed paths before `/sponsor/trials/{id}`.
    .service(trials::new)
    .service(import::form)
    .service(import::submit)
    .service(trials::create)
    .service(trials::view)
    .service(trials::update)
    .service(trials::submit)
    .service(trials::recruit)
    .service(review::list)
    .service(review::view)
    .service(review::decide)
    .service(criteria_playground::show)
    .service(criteria_playground::check)
    .service(consent::consent)
    .service(receipt::show)
    .service(receipt::pdf)
    .service(receipt::withdraw)
    .service(consent::sign)
    .service(coordinator::list)
    .service(coordinator::csv)
    .service(coordinator::show)
    .service(coordinator::change)
    .service(coordinator::note)
    // The CSV before the page: both match `/trials/{id}/…`.
    .service(dashboard::trial_csv)
    .service(dashboard::trial)
    .service(dashboard::admin)
    .service(popup::page)
    .service(popup::answer);
}
