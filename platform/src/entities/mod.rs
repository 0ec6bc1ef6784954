//! sea-orm entities for the tables the migrations create, one file per table.

pub mod alert_answer;
pub mod alert_patient;
pub mod audit_checkpoint;
pub mod audit_log;
pub mod consent;
pub mod consent_document;
pub mod consent_token;
pub mod digest_run;
pub mod email_outbox;
pub mod login_attempt;
pub mod organisation;
pub mod plugin_event;
pub mod plugin_settings;
pub mod practice_api_key;
pub mod referral;
pub mod referral_event;
pub mod referral_note;
pub mod site;
pub mod site_coordinator;
pub mod trial;
pub mod trial_version;
pub mod user;
