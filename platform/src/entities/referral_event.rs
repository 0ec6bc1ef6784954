//! The `referral_events` table.

use sea_orm::entity::prelude::*;

/// A row of `referral_events`: one status change of a referral.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_events")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The referral.
    pub referral_id: Uuid,
    /// The status before (`None` for the creation).
    pub from_status: Option<String>,
    /// The status after.
    pub to_status: String,
    /// The exit reason, if any.
    pub reason: Option<String>,
    /// Free text.
    pub detail: Option<String>,
    /// `user`, `practice`, `patient` or `system`.
    pub actor_kind: String,
    /// The user's id, if a user.
    pub actor_id: Option<String>,
    /// When.
    pub at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
