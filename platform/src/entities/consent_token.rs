//! The `consent_tokens` table.

use sea_orm::entity::prelude::*;

/// A row of `consent_tokens`: the hash of the single-use token of an accepted alert.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_tokens")]
pub struct Model {
    /// SHA-256 of the token, hex; the token itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// The accepting event.
    #[sea_orm(unique)]
    pub event_id: Uuid,
    /// The alert accepted.
    pub alert_id: Uuid,
    /// The trial.
    pub trial_id: Uuid,
    /// The trial version.
    pub trial_version: i32,
    /// The practice.
    pub organisation_id: Uuid,
    /// The patient's pseudonym.
    pub patient: String,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// After this the token is refused (410).
    pub expires_at: DateTimeUtc,
    /// When the consent flow consumed it.
    pub used_at: Option<DateTimeUtc>,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
