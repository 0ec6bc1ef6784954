//! The `consent_documents` table.

use sea_orm::entity::prelude::*;

/// A row of `consent_documents`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_documents")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The trial.
    pub trial_id: Uuid,
    /// Version number per language, from 1.
    pub version: i32,
    /// `fr`, `en`…
    pub language: String,
    /// The text shown to the patient.
    pub body: String,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// The sponsor's label for this version ("v2.1 of 2026-03-01"), if any.
    pub version_label: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
