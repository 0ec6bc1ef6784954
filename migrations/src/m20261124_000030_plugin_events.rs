//! Plugin events, consent-flow tokens and per-practice plugin settings (issue 5).
//!
//! - `plugin_events`: what a GP answered to an alert (shown, accepted, not now, declined),
//!   keyed by the client's event id so a retried delivery is recorded once. A pseudonym
//!   (HMAC-SHA-256 of the local patient id under the practice secret) and nothing clinical.
//! - `consent_tokens`: the SHA-256 of the single-use token of an accepted alert, with what
//!   it is bound to and when it expires; the token itself is never stored.
//! - `plugin_settings`: the alert-fatigue settings of a practice (absent row: defaults).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PluginEvents {
    Table,
    Id,
    OrganisationId,
    AlertId,
    TrialId,
    TrialVersion,
    Patient,
    Verdict,
    Response,
    Reason,
    SnoozeUntil,
    At,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum ConsentTokens {
    Table,
    TokenHash,
    EventId,
    AlertId,
    TrialId,
    TrialVersion,
    OrganisationId,
    Patient,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum PluginSettings {
    Table,
    OrganisationId,
    MaxAlerts,
    MaxUnansweredShows,
    MaxDistanceKm,
    Latitude,
    Longitude,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Trials {
    Table,
    Id,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PluginEvents::Table)
                .col(pk_uuid(PluginEvents::Id))
                .col(uuid(PluginEvents::OrganisationId))
                .col(uuid(PluginEvents::AlertId))
                .col(uuid(PluginEvents::TrialId))
                .col(integer(PluginEvents::TrialVersion))
                .col(string(PluginEvents::Patient))
                .col(string(PluginEvents::Verdict))
                .col(string(PluginEvents::Response))
                .col(string_null(PluginEvents::Reason))
                .col(date_null(PluginEvents::SnoozeUntil))
                .col(timestamp_with_time_zone(PluginEvents::At))
                .col(timestamp_with_time_zone(PluginEvents::ReceivedAt))
                .foreign_key(&mut fk(
                    "fk_plugin_events_organisation",
                    (PluginEvents::Table, PluginEvents::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_plugin_events_trial",
                    (PluginEvents::Table, PluginEvents::TrialId),
                    (Trials::Table, Trials::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_plugin_events_practice_patient")
                .table(PluginEvents::Table)
                .col(PluginEvents::OrganisationId)
                .col(PluginEvents::Patient)
                .col(PluginEvents::TrialId)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ConsentTokens::Table)
                .col(string(ConsentTokens::TokenHash).primary_key())
                .col(uuid_uniq(ConsentTokens::EventId))
                .col(uuid(ConsentTokens::AlertId))
                .col(uuid(ConsentTokens::TrialId))
                .col(integer(ConsentTokens::TrialVersion))
                .col(uuid(ConsentTokens::OrganisationId))
                .col(string(ConsentTokens::Patient))
                .col(timestamp_with_time_zone(ConsentTokens::CreatedAt))
                .col(timestamp_with_time_zone(ConsentTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ConsentTokens::UsedAt))
                .foreign_key(&mut fk(
                    "fk_consent_tokens_trial",
                    (ConsentTokens::Table, ConsentTokens::TrialId),
                    (Trials::Table, Trials::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_consent_tokens_organisation",
                    (ConsentTokens::Table, ConsentTokens::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PluginSettings::Table)
                .col(pk_uuid(PluginSettings::OrganisationId))
                .col(integer(PluginSettings::MaxAlerts))
                .col(integer(PluginSettings::MaxUnansweredShows))
                .col(double_null(PluginSettings::MaxDistanceKm))
                .col(double_null(PluginSettings::Latitude))
                .col(double_null(PluginSettings::Longitude))
                .col(timestamp_with_time_zone(PluginSettings::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_plugin_settings_organisation",
                    (PluginSettings::Table, PluginSettings::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                ))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PluginSettings::Table).take())
            .await?;
        m.drop_table(Table::drop().table(ConsentTokens::Table).take())
            .await?;
        m.drop_table(Table::drop().table(PluginEvents::Table).take())
            .await
    }
}
