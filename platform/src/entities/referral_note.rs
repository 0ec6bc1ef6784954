//! The `referral_notes` table.

use sea_orm::entity::prelude::*;

/// A row of `referral_notes`: a coordinator's note on a referral (append-only).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_notes")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The referral.
    pub referral_id: Uuid,
    /// The coordinator who wrote it.
    pub author_id: Uuid,
    /// The text (at most 2000 characters).
    pub body: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
