//! The `users` table.

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Login, lower case.
    #[sea_orm(unique)]
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// `admin`, `sponsor`, `coordinator` or `gp`.
    pub role: String,
    /// The organisation the user belongs to.
    pub organisation_id: Option<Uuid>,
    /// Whether the user may log in.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// The generation every valid session cookie of the user carries; incremented to end
    /// them all (logout, deactivation, password change).
    pub session_generation: i64,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
