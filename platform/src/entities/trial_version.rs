//! The `trial_versions` table.

use sea_orm::entity::prelude::*;

/// A row of `trial_versions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "trial_versions")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The trial.
    pub trial_id: Uuid,
    /// Version number, from 1.
    pub version: i32,
    /// The `trials::Trial` definition (criteria, summary), as validated.
    pub definition: Json,
    /// Who wrote it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
