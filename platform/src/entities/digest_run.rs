//! The `digest_runs` table.

use sea_orm::entity::prelude::*;

/// A row of `digest_runs`: a coordinator's weekly digest enqueued for an ISO week.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_runs")]
pub struct Model {
    /// The coordinator.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The ISO week, `2026-W48`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub week: String,
    /// When the digest was enqueued.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
