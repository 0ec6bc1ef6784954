//! The JSON API's routes (all in the OpenAPI document), one file per resource. HTML pages
//! are registered by `crate::http::pages::configure`, the CDS Hooks endpoints by `cds::configure`. Handlers stay thin: extract, call the domain, map.

pub mod admin;
pub mod auth;
pub mod cds;
pub mod criteria;
pub mod events;
pub mod health;
pub mod matching;
pub mod outbox;
pub mod plugin;
pub mod referrals;
pub mod trials;

/// Registers every route.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(auth::login)
        .service(auth::logout)
        .service(auth::me)
        .service(admin::create_organisation)
        .service(admin::list_organisations)
        .service(admin::create_user)
        .service(admin::list_users)
        .service(admin::create_api_key)
        .service(admin::list_api_keys)
        .service(admin::revoke_api_key)
        .service(trials::create)
        .service(trials::list)
        .service(trials::get)
        .service(trials::fhir)
        .service(trials::update)
        .service(trials::versions)
        .service(trials::version)
        .service(trials::transition)
        .service(trials::add_site)
        .service(trials::list_sites)
        .service(trials::coordinators)
        .service(trials::add_coordinator)
        .service(trials::remove_coordinator)
        .service(trials::add_consent)
        .service(trials::list_consents)
        .service(trials::get_consent)
        .service(outbox::outbox)
        .service(criteria::codes)
        .service(criteria::preview)
        .service(criteria::test)
        .service(criteria::example_patients)
        .service(admin::set_plugin_settings)
        .service(plugin::bundle)
        .service(plugin::suppressions)
        .service(plugin::settings)
        .service(events::record)
        .service(referrals::list)
        .service(referrals::get)
        .service(referrals::set_status)
        .service(referrals::list_notes)
        .service(referrals::add_note)
        .service(referrals::consent_pdf)
        .service(referrals::fhir)
        .service(referrals::plugin_outcomes)
        .service(matching::run);
}
