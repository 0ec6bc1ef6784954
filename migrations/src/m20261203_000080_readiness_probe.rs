//! `readiness_probe`: one row whose counter `GET /ready` increments in a committed write
//! transaction, so that readiness fails when the database answers reads but refuses writes
//! (a full disk, a read-only file system, a stuck lock, a read-only PostgreSQL standby). The
//! row is created here; the probe's upsert would also create it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReadinessProbe {
    Table,
    Id,
    Writes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReadinessProbe::Table)
                .col(integer(ReadinessProbe::Id).primary_key())
                .col(big_integer(ReadinessProbe::Writes).default(0))
                .take(),
        )
        .await?;
        let mut insert = Query::insert();
        insert
            .into_table(ReadinessProbe::Table)
            .columns([ReadinessProbe::Id, ReadinessProbe::Writes])
            .values([1.into(), 0i64.into()])
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReadinessProbe::Table).take())
            .await
    }
}
