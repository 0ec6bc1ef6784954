//! Electronic consent and referrals (issue 6).
//!
//! - `consents`: one signed consent. Identity, contact details, the drawn signature and the
//!   PDF copy are sealed with AES-256-GCM (`*_sealed`, base64 text); the document's SHA-256,
//!   the PDF's SHA-256 and the signature binding stay in clear so they can be checked. A
//!   withdrawal marks the row, never deletes it. `receipt_hash` is the SHA-256 of the
//!   patient's link (download and withdrawal).
//! - `referrals`: the consent's referral to one site, with its current status.
//! - `referral_events`: every status change, timestamped and attributed.
//! - `trials.comprehension_questions`: the sponsor's optional questions (JSON).
//! - `plugin_settings.outcome_email`: where a practice wants referral outcomes emailed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    TokenHash,
    ReceiptHash,
    TrialId,
    TrialVersion,
    OrganisationId,
    AlertId,
    Patient,
    DocumentId,
    DocumentVersion,
    DocumentLanguage,
    DocumentSha256,
    Language,
    IdentityMethod,
    IdentitySealed,
    SignatureImageSealed,
    Answers,
    Statements,
    SignatureMeaning,
    SignedAt,
    SignatureSha256,
    GpName,
    PdfSealed,
    PdfSha256,
    Status,
    WithdrawnAt,
    WithdrawnBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    ConsentId,
    TrialId,
    SiteId,
    OrganisationId,
    AlertId,
    Patient,
    Status,
    Reason,
    Detail,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReferralEvents {
    Table,
    Id,
    ReferralId,
    FromStatus,
    ToStatus,
    Reason,
    Detail,
    ActorKind,
    ActorId,
    At,
}

#[derive(DeriveIden)]
enum Trials {
    Table,
    Id,
    ComprehensionQuestions,
}

#[derive(DeriveIden)]
enum Sites {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PluginSettings {
    Table,
    OutcomeEmail,
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

fn index(name: &str, table: impl IntoIden, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create().name(name).table(table).take();
    for c in cols {
        i.col(Alias::new(*c));
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Consents::Table)
                .col(uuid(Consents::Id).primary_key())
                .col(string_uniq(Consents::TokenHash))
                .col(string_uniq(Consents::ReceiptHash))
                .col(uuid(Consents::TrialId))
                .col(integer(Consents::TrialVersion))
                .col(uuid(Consents::OrganisationId))
                .col(uuid(Consents::AlertId))
                .col(string(Consents::Patient))
                .col(uuid(Consents::DocumentId))
                .col(integer(Consents::DocumentVersion))
                .col(string(Consents::DocumentLanguage))
                .col(string(Consents::DocumentSha256))
                .col(string(Consents::Language))
                .col(string(Consents::IdentityMethod))
                .col(text(Consents::IdentitySealed))
                .col(text_null(Consents::SignatureImageSealed))
                .col(json(Consents::Answers))
                .col(json(Consents::Statements))
                .col(text(Consents::SignatureMeaning))
                .col(timestamp_with_time_zone(Consents::SignedAt))
                .col(string(Consents::SignatureSha256))
                .col(string(Consents::GpName))
                .col(text(Consents::PdfSealed))
                .col(string(Consents::PdfSha256))
                .col(string(Consents::Status))
                .col(timestamp_with_time_zone_null(Consents::WithdrawnAt))
                .col(string_null(Consents::WithdrawnBy))
                .col(timestamp_with_time_zone(Consents::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_consents_trial",
                    (Consents::Table, Consents::TrialId),
                    (Trials::Table, Trials::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index("idx_consents_trial", Consents::Table, &["trial_id"]))
            .await?;
        m.create_table(
            Table::create()
                .table(Referrals::Table)
                .col(uuid(Referrals::Id).primary_key())
                .col(uuid_uniq(Referrals::ConsentId))
                .col(uuid(Referrals::TrialId))
                .col(uuid(Referrals::SiteId))
                .col(uuid(Referrals::OrganisationId))
                .col(uuid(Referrals::AlertId))
                .col(string(Referrals::Patient))
                .col(string(Referrals::Status))
                .col(string_null(Referrals::Reason))
                .col(text_null(Referrals::Detail))
                .col(timestamp_with_time_zone(Referrals::CreatedAt))
                .col(timestamp_with_time_zone(Referrals::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_referrals_consent",
                    (Referrals::Table, Referrals::ConsentId),
                    (Consents::Table, Consents::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_referrals_trial",
                    (Referrals::Table, Referrals::TrialId),
                    (Trials::Table, Trials::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_referrals_site",
                    (Referrals::Table, Referrals::SiteId),
                    (Sites::Table, Sites::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_referrals_trial_status",
            Referrals::Table,
            &["trial_id", "status"],
        ))
        .await?;
        m.create_index(index("idx_referrals_site", Referrals::Table, &["site_id"]))
            .await?;
        m.create_index(index(
            "idx_referrals_practice",
            Referrals::Table,
            &["organisation_id", "updated_at"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ReferralEvents::Table)
                .col(uuid(ReferralEvents::Id).primary_key())
                .col(uuid(ReferralEvents::ReferralId))
                .col(string_null(ReferralEvents::FromStatus))
                .col(string(ReferralEvents::ToStatus))
                .col(string_null(ReferralEvents::Reason))
                .col(text_null(ReferralEvents::Detail))
                .col(string(ReferralEvents::ActorKind))
                .col(string_null(ReferralEvents::ActorId))
                .col(timestamp_with_time_zone(ReferralEvents::At))
                .foreign_key(&mut fk(
                    "fk_referral_events_referral",
                    (ReferralEvents::Table, ReferralEvents::ReferralId),
                    (Referrals::Table, Referrals::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "idx_referral_events_referral",
            ReferralEvents::Table,
            &["referral_id", "at"],
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table(Trials::Table)
                .add_column(json_null(Trials::ComprehensionQuestions))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(PluginSettings::Table)
                .add_column(string_null(PluginSettings::OutcomeEmail))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(PluginSettings::Table)
                .drop_column(PluginSettings::OutcomeEmail)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Trials::Table)
                .drop_column(Trials::ComprehensionQuestions)
                .take(),
        )
        .await?;
        for t in [
            ReferralEvents::Table.into_iden(),
            Referrals::Table.into_iden(),
            Consents::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
