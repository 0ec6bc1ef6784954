//! sea-orm entities, one file per table.

pub mod consent_document;
pub mod login_attempt;
pub mod organisation;
pub mod practice_api_key;
pub mod site;
pub mod site_coordinator;
pub mod trial;
pub mod trial_version;
pub mod user;
