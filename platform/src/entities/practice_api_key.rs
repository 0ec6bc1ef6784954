//! The `practice_api_keys` table.

use sea_orm::entity::prelude::*;

/// A row of `practice_api_keys`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "practice_api_keys")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The practice.
    pub organisation_id: Uuid,
    /// A human label ("reception workstation").
    pub label: String,
    /// The first characters of the key, to recognise it in lists.
    pub prefix: String,
    /// SHA-256 of the key, hex; the key itself is never stored.
    #[sea_orm(unique)]
    pub key_hash: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// When it was revoked.
    pub revoked_at: Option<DateTimeUtc>,
    /// When it was last used.
    pub last_used_at: Option<DateTimeUtc>,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
