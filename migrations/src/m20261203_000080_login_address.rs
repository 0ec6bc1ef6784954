//! Login throttling per client address as well as per account: each attempt records the
//! address it came from (the connection's peer IP), indexed with its time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Address,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(LoginAttempts::Table)
                .add_column(string_null(LoginAttempts::Address))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_attempts_address_at")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::Address)
                .col(LoginAttempts::At)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_login_attempts_address_at")
                .table(LoginAttempts::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(LoginAttempts::Table)
                .drop_column(LoginAttempts::Address)
                .take(),
        )
        .await
    }
}
