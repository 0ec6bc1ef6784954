//! The `consents` table.

use sea_orm::entity::prelude::*;

/// A row of `consents`: one signed electronic consent. What identifies the patient is sealed
/// (AES-256-GCM, base64); hashes stay in clear so that they can be checked.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the consent token the flow consumed.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// SHA-256 of the patient's receipt link (download and withdrawal).
    #[sea_orm(unique)]
    pub receipt_hash: String,
    /// The trial.
    pub trial_id: Uuid,
    /// The trial version the alert showed.
    pub trial_version: i32,
    /// The practice.
    pub organisation_id: Uuid,
    /// The accepted alert.
    pub alert_id: Uuid,
    /// The practice's pseudonym of the patient.
    pub patient: String,
    /// The consent document shown.
    pub document_id: Uuid,
    /// Its version.
    pub document_version: i32,
    /// Its language.
    pub document_language: String,
    /// SHA-256 of its exact text, hex.
    pub document_sha256: String,
    /// The language of the flow (`fr`, `en`).
    pub language: String,
    /// How the GP checked the patient's identity.
    pub identity_method: String,
    /// Sealed identity and contact details (JSON), base64.
    pub identity_sealed: String,
    /// Sealed drawn signature (PNG data URL), base64, if one was drawn.
    pub signature_image_sealed: Option<String>,
    /// Answers to the comprehension questions.
    pub answers: Json,
    /// The consent statements ticked.
    pub statements: Json,
    /// What signing means, as shown next to the signature.
    pub signature_meaning: String,
    /// When the patient signed (UTC).
    pub signed_at: DateTimeUtc,
    /// SHA-256 binding the signature to this record and the document, hex.
    pub signature_sha256: String,
    /// The attesting GP's name.
    pub gp_name: String,
    /// The sealed PDF copy, base64.
    pub pdf_sealed: String,
    /// SHA-256 of the PDF copy, hex.
    pub pdf_sha256: String,
    /// `active` or `withdrawn`.
    pub status: String,
    /// When it was withdrawn.
    pub withdrawn_at: Option<DateTimeUtc>,
    /// Who withdrew it: `patient` or `user:<id>`.
    pub withdrawn_by: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
