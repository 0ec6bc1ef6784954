//! The `trials` table.

use sea_orm::entity::prelude::*;

/// A row of `trials`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "trials")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The trial id of its definitions (stable, kebab-case).
    #[sea_orm(unique)]
    pub slug: String,
    /// The sponsor organisation.
    pub sponsor_id: Uuid,
    /// Lifecycle status.
    pub status: String,
    /// The version in force.
    pub current_version: i32,
    /// Title of the current version.
    pub title: String,
    /// Acronym.
    pub acronym: Option<String>,
    /// NCT or EU CT number.
    pub registry_number: Option<String>,
    /// Enrolment target.
    pub target_enrolment: Option<i32>,
    /// First day of recruitment.
    pub recruitment_start: Option<Date>,
    /// Last day of recruitment.
    pub recruitment_end: Option<Date>,
    /// Phase (`phase_1`… see `registry::input::PHASES`).
    pub phase: Option<String>,
    /// Therapeutic area (free text: "Cardiology").
    pub therapeutic_area: Option<String>,
    /// Description for GPs (longer than the pop-up summary).
    pub description: Option<String>,
    /// Information written for patients.
    pub patient_information: Option<String>,
    /// The reviewer comment of the last rejection.
    pub review_comment: Option<String>,
    /// The sponsor's comprehension questions for the consent flow (JSON list), if any.
    pub comprehension_questions: Option<Json>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change (status or version).
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
