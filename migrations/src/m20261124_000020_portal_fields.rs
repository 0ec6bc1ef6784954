//! The sponsor portal's fields: a trial's phase, therapeutic area, description and
//! patient-facing information; a site's contact (name, email, phone); a consent document's
//! version label. All nullable, so existing rows stay valid. SQLite alters one column per
//! statement, so each column is its own `ALTER TABLE`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Trials {
    Table,
    Phase,
    TherapeuticArea,
    Description,
    PatientInformation,
}

#[derive(DeriveIden)]
enum Sites {
    Table,
    ContactName,
    ContactEmail,
    ContactPhone,
}

#[derive(DeriveIden)]
enum ConsentDocuments {
    Table,
    VersionLabel,
}

/// `(table, column, is text)` of every added column.
fn columns() -> Vec<(DynIden, DynIden, bool)> {
    vec![
        (Trials::Table.into_iden(), Trials::Phase.into_iden(), false),
        (
            Trials::Table.into_iden(),
            Trials::TherapeuticArea.into_iden(),
            false,
        ),
        (
            Trials::Table.into_iden(),
            Trials::Description.into_iden(),
            true,
        ),
        (
            Trials::Table.into_iden(),
            Trials::PatientInformation.into_iden(),
            true,
        ),
        (
            Sites::Table.into_iden(),
            Sites::ContactName.into_iden(),
            false,
        ),
        (
            Sites::Table.into_iden(),
            Sites::ContactEmail.into_iden(),
            false,
        ),
        (
            Sites::Table.into_iden(),
            Sites::ContactPhone.into_iden(),
            false,
        ),
        (
            ConsentDocuments::Table.into_iden(),
            ConsentDocuments::VersionLabel.into_iden(),
            false,
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column, is_text) in columns() {
            let def = if is_text {
                text_null(column)
            } else {
                string_null(column)
            };
            m.alter_table(Table::alter().table(table).add_column(def).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column, _) in columns().into_iter().rev() {
            m.alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }
}
