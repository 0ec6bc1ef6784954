//! The `plugin_settings` table.

use sea_orm::entity::prelude::*;

/// A row of `plugin_settings`: a practice's alert-fatigue settings.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plugin_settings")]
pub struct Model {
    /// The practice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: Uuid,
    /// At most this many alerts per consultation.
    pub max_alerts: i32,
    /// A trial shown this many times without an answer stops being shown.
    pub max_unanswered_shows: i32,
    /// Only trials with a site within this distance (km) of the practice.
    pub max_distance_km: Option<f64>,
    /// The practice's latitude.
    pub latitude: Option<f64>,
    /// The practice's longitude.
    pub longitude: Option<f64>,
    /// Where referral outcomes are emailed to the practice, if anywhere.
    pub outcome_email: Option<String>,
    /// At most this many different trials shown for one patient on one day.
    pub alerts_per_patient_per_day: i32,
    /// `modal` or `banner`.
    pub display: String,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
