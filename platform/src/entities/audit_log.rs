//! The `audit_log` table: one row per recorded change, chained by SHA-256 hashes.
//! Rows are written only by [`crate::audit::append`] and never updated or deleted.

use sea_orm::entity::prelude::*;

/// One audit row, as stored.
///
/// `actor_kind` stays a string here (not [`crate::audit::ActorKind`]) so that verification
/// hashes exactly what is stored, even a value that no longer parses.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Position in the log (gaps are possible after rolled-back transactions).
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// When the row was written, truncated to microseconds.
    pub at: DateTimeUtc,
    /// `user`, `practice` or `system`.
    pub actor_kind: String,
    /// The acting user or practice, when there is one.
    pub actor_id: Option<String>,
    /// What was done, e.g. `trial.publish`.
    pub action: String,
    /// The kind of thing it was done to, e.g. `trial`.
    pub entity: String,
    /// Which one.
    pub entity_id: String,
    /// The state before, as canonical JSON text (sorted keys).
    #[sea_orm(column_type = "Text", nullable)]
    pub before: Option<String>,
    /// The state after, as canonical JSON text (sorted keys).
    #[sea_orm(column_type = "Text", nullable)]
    pub after: Option<String>,
    /// The previous row's hash (64 zeros for the first row).
    pub prev_hash: String,
    /// Hex SHA-256 of `prev_hash` and this row's content.
    #[sea_orm(unique)]
    pub hash: String,
}

/// The table has no relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
