//! The `alert_answers` table.

use sea_orm::entity::prelude::*;

/// A row of `alert_answers`: how many patients of a practice were first shown a trial in a
/// week and answered it so. Weeks are the day number (since 1970-01-01, UTC) of their
/// Monday.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_answers")]
pub struct Model {
    /// The trial.
    #[sea_orm(primary_key, auto_increment = false)]
    pub trial_id: Uuid,
    /// The practice.
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: Uuid,
    /// The week of their first event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub first_week: i64,
    /// `accepted`, `declined`, `not_now`, or empty when only shown.
    #[sea_orm(primary_key, auto_increment = false)]
    pub answer: String,
    /// The week of that answer (`first_week` when none).
    #[sea_orm(primary_key, auto_increment = false)]
    pub answer_week: i64,
    /// The last decline's reason, or empty.
    #[sea_orm(primary_key, auto_increment = false)]
    pub reason: String,
    /// How many patients.
    pub patients: i64,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
