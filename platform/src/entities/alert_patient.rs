//! The `alert_patients` table.

use sea_orm::entity::prelude::*;

/// A row of `alert_patients`: what one patient (a pseudonym within a practice) answered to a
/// trial's alerts, kept up to date with each event.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_patients")]
pub struct Model {
    /// The trial.
    #[sea_orm(primary_key, auto_increment = false)]
    pub trial_id: Uuid,
    /// The practice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: Uuid,
    /// The pseudonym.
    #[sea_orm(primary_key, auto_increment = false)]
    pub patient: String,
    /// The first event.
    pub first_at: DateTimeUtc,
    /// The first acceptance.
    pub accepted_at: Option<DateTimeUtc>,
    /// The last decline.
    pub declined_at: Option<DateTimeUtc>,
    /// Its reason.
    pub decline_reason: Option<String>,
    /// The last "not now".
    pub not_now_at: Option<DateTimeUtc>,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
