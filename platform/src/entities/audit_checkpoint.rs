//! The `audit_checkpoints` table.

use sea_orm::entity::prelude::*;

/// The one row of `audit_checkpoints` (`id` 1): the audit-log row up to which the chain
/// was last verified.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoints")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The last verified row's `seq`.
    pub seq: i64,
    /// Its hash, which the next row must link to.
    pub hash: String,
    /// How many rows were verified up to it.
    pub rows: i64,
    /// When.
    pub verified_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
