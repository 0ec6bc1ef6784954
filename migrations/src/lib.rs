//! Inclusio's database schema, as sea-orm migrations that run on SQLite and PostgreSQL.
//! `server migrate` applies them; `server serve` applies pending ones at start.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_init;
mod m20261123_000002_bundle_generation;
mod m20261124_000010_email_outbox;
mod m20261124_000020_portal_fields;
mod m20261124_000030_plugin_events;
mod m20261124_000040_cds_jti;
mod m20261125_000050_consent_referrals;
mod m20261126_000060_referral_notes;
mod m20261127_000070_dashboard_tallies;
mod m20261203_000080_login_address;
mod m20261203_000080_plugin_display;
mod m20261203_000080_readiness_probe;
mod m20261203_000090_session_generation;

pub use m20261127_000070_dashboard_tallies::{
    backfill as alert_tallies_backfill, referral_times_backfill,
};

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_init::Migration),
            Box::new(m20261123_000002_bundle_generation::Migration),
            Box::new(m20261124_000010_email_outbox::Migration),
            Box::new(m20261124_000020_portal_fields::Migration),
            Box::new(m20261124_000030_plugin_events::Migration),
            Box::new(m20261124_000040_cds_jti::Migration),
            Box::new(m20261125_000050_consent_referrals::Migration),
            Box::new(m20261126_000060_referral_notes::Migration),
            Box::new(m20261127_000070_dashboard_tallies::Migration),
            Box::new(m20261203_000080_plugin_display::Migration),
            Box::new(m20261203_000080_readiness_probe::Migration),
            Box::new(m20261203_000090_session_generation::Migration),
            Box::new(m20261203_000080_login_address::Migration),
        ]
    }
}
