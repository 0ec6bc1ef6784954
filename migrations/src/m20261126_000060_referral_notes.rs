//! Issue 7, the coordinator's workspace:
//! - `referral_notes`: the coordinators' notes on a referral, append-only (never updated or
//!   deleted), each audited.
//! - `digest_runs`: one row per coordinator and ISO week (`2026-W48`) whose weekly digest was
//!   enqueued; inserted in the transaction of the outbox row, so that a second replica's
//!   attempt fails the primary key and rolls back its email.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReferralNotes {
    Table,
    Id,
    ReferralId,
    AuthorId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DigestRuns {
    Table,
    UserId,
    Week,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReferralNotes::Table)
                .col(uuid(ReferralNotes::Id).primary_key())
                .col(uuid(ReferralNotes::ReferralId))
                .col(uuid(ReferralNotes::AuthorId))
                .col(text(ReferralNotes::Body))
                .col(timestamp_with_time_zone(ReferralNotes::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_referral_notes_referral")
                        .from(ReferralNotes::Table, ReferralNotes::ReferralId)
                        .to(Referrals::Table, Referrals::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_referral_notes_author")
                        .from(ReferralNotes::Table, ReferralNotes::AuthorId)
                        .to(Users::Table, Users::Id),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_referral_notes_referral")
                .table(ReferralNotes::Table)
                .col(ReferralNotes::ReferralId)
                .col(ReferralNotes::CreatedAt)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(DigestRuns::Table)
                .col(uuid(DigestRuns::UserId))
                .col(string(DigestRuns::Week))
                .col(timestamp_with_time_zone(DigestRuns::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(DigestRuns::UserId)
                        .col(DigestRuns::Week),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DigestRuns::Table).take())
            .await?;
        m.drop_table(Table::drop().table(ReferralNotes::Table).take())
            .await
    }
}
