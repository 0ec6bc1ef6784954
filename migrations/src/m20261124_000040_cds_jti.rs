//! CDS Hooks: the `jti` of every JWT an EHR sent, until the token expires, so that a replayed
//! token is refused on every replica (they share the database). `expires_at` is in Unix
//! seconds, compared as a number on both databases.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CdsJti {
    Table,
    Issuer,
    Jti,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CdsJti::Table)
                .col(string(CdsJti::Issuer))
                .col(string(CdsJti::Jti))
                .col(big_integer(CdsJti::ExpiresAt))
                .primary_key(Index::create().col(CdsJti::Issuer).col(CdsJti::Jti))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_cds_jti_expires_at")
                .table(CdsJti::Table)
                .col(CdsJti::ExpiresAt)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CdsJti::Table).take())
            .await
    }
}
