//! sea-orm entities, one file per table.

pub mod login_attempt;
pub mod organisation;
pub mod practice_api_key;
pub mod user;
