//! The `email_outbox` table.

use sea_orm::entity::prelude::*;

/// A row of `email_outbox`: one email and its delivery state.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    /// Id (UUID v7), also the email's Message-ID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Which email (`trial_approved`…).
    pub kind: String,
    /// `fr` or `en`.
    pub locale: String,
    /// The sealed message (base64 of [`crate::crypto::Cipher::seal`]).
    pub sealed: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts made.
    pub attempts: i32,
    /// Not to be tried before.
    pub next_attempt_at: DateTimeUtc,
    /// The worker holding the lease, if any.
    pub claimed_by: Option<Uuid>,
    /// When the lease ends.
    pub claimed_until: Option<DateTimeUtc>,
    /// Why the last attempt failed (short; never the message's content).
    pub last_error: Option<String>,
    /// Enqueued at.
    pub created_at: DateTimeUtc,
    /// Delivered at.
    pub sent_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
