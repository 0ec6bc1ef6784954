//! The email outbox: one row per email, written in the transaction of the change that
//! causes it, sent by the background worker. The message (recipient, subject, bodies) is
//! sealed; only the kind, the locale and delivery bookkeeping are readable.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    Kind,
    Locale,
    Sealed,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EmailOutbox::Table)
                .col(pk_uuid(EmailOutbox::Id))
                .col(string(EmailOutbox::Kind))
                .col(string(EmailOutbox::Locale))
                .col(text(EmailOutbox::Sealed))
                .col(string(EmailOutbox::Status))
                .col(integer(EmailOutbox::Attempts))
                .col(timestamp_with_time_zone(EmailOutbox::NextAttemptAt))
                .col(uuid_null(EmailOutbox::ClaimedBy))
                .col(timestamp_with_time_zone_null(EmailOutbox::ClaimedUntil))
                .col(string_null(EmailOutbox::LastError))
                .col(timestamp_with_time_zone(EmailOutbox::CreatedAt))
                .col(timestamp_with_time_zone_null(EmailOutbox::SentAt))
                .take(),
        )
        .await?;
        // The worker's query: pending rows due now, oldest first.
        m.create_index(
            Index::create()
                .name("idx_email_outbox_status_next_attempt")
                .table(EmailOutbox::Table)
                .col(EmailOutbox::Status)
                .col(EmailOutbox::NextAttemptAt)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EmailOutbox::Table).take())
            .await
    }
}
