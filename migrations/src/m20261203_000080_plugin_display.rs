//! The GP pop-up issue: two practice settings.
//! - `plugin_settings.alerts_per_patient_per_day`: at most this many different trials shown
//!   for one patient on one day (default 1).
//! - `plugin_settings.display`: `modal` (default) or `banner` (nothing interrupts the GP).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PluginSettings {
    Table,
    AlertsPerPatientPerDay,
    Display,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(PluginSettings::Table)
                .add_column(integer(PluginSettings::AlertsPerPatientPerDay).default(1))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PluginSettings::Table)
                .add_column(string(PluginSettings::Display).default("modal"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PluginSettings::Table)
                .drop_column(PluginSettings::Display)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PluginSettings::Table)
                .drop_column(PluginSettings::AlertsPerPatientPerDay)
                .take(),
        )
        .await
    }
}
