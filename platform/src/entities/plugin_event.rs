//! The `plugin_events` table.

use sea_orm::entity::prelude::*;

/// A row of `plugin_events`: a GP's answer to an alert, as the plugin sent it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plugin_events")]
pub struct Model {
    /// The client's event id (idempotency key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice that sent it.
    pub organisation_id: Uuid,
    /// The alert answered.
    pub alert_id: Uuid,
    /// The trial (registry id).
    pub trial_id: Uuid,
    /// The trial version the alert was computed with.
    pub trial_version: i32,
    /// The patient's pseudonym (64 hex characters).
    pub patient: String,
    /// `eligible` or `possibly_eligible`.
    pub verdict: String,
    /// `shown`, `accepted`, `not_now` or `declined`.
    pub response: String,
    /// Why a decline.
    pub reason: Option<String>,
    /// Not before this date (`not_now`).
    pub snooze_until: Option<Date>,
    /// When it happened (client clock).
    pub at: DateTimeUtc,
    /// When the server recorded it.
    pub received_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
