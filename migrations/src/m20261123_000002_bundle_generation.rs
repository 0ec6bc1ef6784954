//! The bundle generation: one row whose number changes in the same transaction as every
//! change to the set of recruiting trials, so the plugin bundle's ETag is one indexed read.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BundleState {
    Table,
    Id,
    Generation,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(BundleState::Table)
                .col(integer(BundleState::Id).primary_key())
                .col(big_integer(BundleState::Generation))
                .take(),
        )
        .await?;
        let mut insert = Query::insert();
        insert
            .into_table(BundleState::Table)
            .columns([BundleState::Id, BundleState::Generation])
            .values([1.into(), 0i64.into()])
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BundleState::Table).take())
            .await
    }
}
