//! The initial schema: organisations, users, practice API keys, trials and their immutable
//! versions, sites and coordinators, consent documents, login attempts and the hash-chained
//! audit log. Enumerations are stored as text so both databases read them alike.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    OrganisationId,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PracticeApiKeys {
    Table,
    Id,
    OrganisationId,
    Label,
    Prefix,
    KeyHash,
    CreatedAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Trials {
    Table,
    Id,
    Slug,
    SponsorId,
    Status,
    CurrentVersion,
    Title,
    Acronym,
    RegistryNumber,
    TargetEnrolment,
    RecruitmentStart,
    RecruitmentEnd,
    ReviewComment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TrialVersions {
    Table,
    Id,
    TrialId,
    Version,
    Definition,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sites {
    Table,
    Id,
    TrialId,
    OrganisationId,
    Name,
    Address,
    Latitude,
    Longitude,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SiteCoordinators {
    Table,
    SiteId,
    UserId,
}

#[derive(DeriveIden)]
enum ConsentDocuments {
    Table,
    Id,
    TrialId,
    Version,
    Language,
    Body,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Email,
    At,
    Succeeded,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    At,
    ActorKind,
    ActorId,
    Action,
    Entity,
    EntityId,
    Before,
    After,
    PrevHash,
    Hash,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(name).from(from.0, from.1).to(to.0, to.1);
    if cascade {
        fk.on_delete(ForeignKeyAction::Cascade);
    }
    fk.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(pk_uuid(Organisations::Id))
                .col(string(Organisations::Name))
                .col(string(Organisations::Kind))
                .col(timestamp_with_time_zone(Organisations::CreatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_uniq(Users::Email))
                .col(string(Users::PasswordHash))
                .col(string(Users::Role))
                .col(uuid_null(Users::OrganisationId))
                .col(boolean(Users::Active))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_users_organisation",
                    (Users::Table, Users::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                    false,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PracticeApiKeys::Table)
                .col(pk_uuid(PracticeApiKeys::Id))
                .col(uuid(PracticeApiKeys::OrganisationId))
                .col(string(PracticeApiKeys::Label))
                .col(string(PracticeApiKeys::Prefix))
                .col(string_uniq(PracticeApiKeys::KeyHash))
                .col(timestamp_with_time_zone(PracticeApiKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(PracticeApiKeys::RevokedAt))
                .col(timestamp_with_time_zone_null(PracticeApiKeys::LastUsedAt))
                .foreign_key(&mut fk(
                    "fk_keys_organisation",
                    (PracticeApiKeys::Table, PracticeApiKeys::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                    true,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Trials::Table)
                .col(pk_uuid(Trials::Id))
                .col(string_uniq(Trials::Slug))
                .col(uuid(Trials::SponsorId))
                .col(string(Trials::Status))
                .col(integer(Trials::CurrentVersion))
                .col(string(Trials::Title))
                .col(string_null(Trials::Acronym))
                .col(string_null(Trials::RegistryNumber))
                .col(integer_null(Trials::TargetEnrolment))
                .col(date_null(Trials::RecruitmentStart))
                .col(date_null(Trials::RecruitmentEnd))
                .col(text_null(Trials::ReviewComment))
                .col(timestamp_with_time_zone(Trials::CreatedAt))
                .col(timestamp_with_time_zone(Trials::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_trials_sponsor",
                    (Trials::Table, Trials::SponsorId),
                    (Organisations::Table, Organisations::Id),
                    false,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_trials_status")
                .table(Trials::Table)
                .col(Trials::Status)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TrialVersions::Table)
                .col(pk_uuid(TrialVersions::Id))
                .col(uuid(TrialVersions::TrialId))
                .col(integer(TrialVersions::Version))
                .col(json(TrialVersions::Definition))
                .col(uuid_null(TrialVersions::CreatedBy))
                .col(timestamp_with_time_zone(TrialVersions::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_versions_trial",
                    (TrialVersions::Table, TrialVersions::TrialId),
                    (Trials::Table, Trials::Id),
                    false,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_trial_versions")
                .table(TrialVersions::Table)
                .col(TrialVersions::TrialId)
                .col(TrialVersions::Version)
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sites::Table)
                .col(pk_uuid(Sites::Id))
                .col(uuid(Sites::TrialId))
                .col(uuid_null(Sites::OrganisationId))
                .col(string(Sites::Name))
                .col(text(Sites::Address))
                .col(double_null(Sites::Latitude))
                .col(double_null(Sites::Longitude))
                .col(timestamp_with_time_zone(Sites::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_sites_trial",
                    (Sites::Table, Sites::TrialId),
                    (Trials::Table, Trials::Id),
                    false,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SiteCoordinators::Table)
                .col(uuid(SiteCoordinators::SiteId))
                .col(uuid(SiteCoordinators::UserId))
                .primary_key(
                    Index::create()
                        .col(SiteCoordinators::SiteId)
                        .col(SiteCoordinators::UserId),
                )
                .foreign_key(&mut fk(
                    "fk_coordinators_site",
                    (SiteCoordinators::Table, SiteCoordinators::SiteId),
                    (Sites::Table, Sites::Id),
                    true,
                ))
                .foreign_key(&mut fk(
                    "fk_coordinators_user",
                    (SiteCoordinators::Table, SiteCoordinators::UserId),
                    (Users::Table, Users::Id),
                    true,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ConsentDocuments::Table)
                .col(pk_uuid(ConsentDocuments::Id))
                .col(uuid(ConsentDocuments::TrialId))
                .col(integer(ConsentDocuments::Version))
                .col(string(ConsentDocuments::Language))
                .col(text(ConsentDocuments::Body))
                .col(string(ConsentDocuments::Sha256))
                .col(timestamp_with_time_zone(ConsentDocuments::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_consent_trial",
                    (ConsentDocuments::Table, ConsentDocuments::TrialId),
                    (Trials::Table, Trials::Id),
                    false,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_consent_documents")
                .table(ConsentDocuments::Table)
                .col(ConsentDocuments::TrialId)
                .col(ConsentDocuments::Version)
                .col(ConsentDocuments::Language)
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(big_pk_auto(LoginAttempts::Id))
                .col(string(LoginAttempts::Email))
                .col(timestamp_with_time_zone(LoginAttempts::At))
                .col(boolean(LoginAttempts::Succeeded))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_attempts_email_at")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::Email)
                .col(LoginAttempts::At)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Seq))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(string(AuditLog::ActorKind))
                .col(string_null(AuditLog::ActorId))
                .col(string(AuditLog::Action))
                .col(string(AuditLog::Entity))
                .col(string(AuditLog::EntityId))
                .col(text_null(AuditLog::Before))
                .col(text_null(AuditLog::After))
                .col(string(AuditLog::PrevHash))
                .col(string_uniq(AuditLog::Hash))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents.
        for table in [
            AuditLog::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            ConsentDocuments::Table.into_iden(),
            SiteCoordinators::Table.into_iden(),
            Sites::Table.into_iden(),
            TrialVersions::Table.into_iden(),
            Trials::Table.into_iden(),
            PracticeApiKeys::Table.into_iden(),
            Users::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
