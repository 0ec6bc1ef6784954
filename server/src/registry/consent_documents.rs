//! Consent documents: versioned per trial and language. A new version never changes an
//! earlier one (consents signed later record the version and its SHA-256). A new version is
//! written in the caller's transaction, with its audit row (the caller commits).

use super::access::Access;
use chrono::{DateTime, Utc};
use platform::audit::{self, Actor};
use platform::entities::{consent_document, trial};
use platform::error::{ApiError, Detail};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Languages consent documents may be written in.
pub const LANGUAGES: [&str; 2] = ["fr", "en"];

/// A new consent document version.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    /// `fr` or `en`.
    pub language: String,
    /// The full text shown to the patient.
    pub body: String,
    /// The sponsor's label for this version ("v2.1 of 2026-03-01"), if any.
    #[serde(default)]
    pub label: Option<String>,
}

/// A consent document version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    /// Id.
    pub id: Uuid,
    /// Version, per language.
    pub version: i32,
    /// Language.
    pub language: String,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// The sponsor's label for this version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Creation time.
    pub created_at: chrono::DateTime<Utc>,
    /// The text (omitted in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

fn view(d: consent_document::Model, with_body: bool) -> DocumentView {
    DocumentView {
        id: d.id,
        version: d.version,
        language: d.language,
        sha256: d.sha256,
        label: d.version_label,
        created_at: d.created_at,
        body: with_body.then_some(d.body),
    }
}

/// The latest version of a trial's consent document in `language`, if any.
pub async fn latest<C: ConnectionTrait>(
    db: &C,
    trial_id: Uuid,
    language: &str,
) -> Result<Option<consent_document::Model>, ApiError> {
    Ok(consent_document::Entity::find()
        .filter(consent_document::Column::TrialId.eq(trial_id))
        .filter(consent_document::Column::Language.eq(language))
        .order_by_desc(consent_document::Column::Version)
        .one(db)
        .await?)
}

/// Adds the next version of a trial's consent document in a language, in `txn`.
pub async fn add(
    txn: &DatabaseTransaction,
    user: Uuid,
    access: &Access,
    trial_id: Uuid,
    new: NewDocument,
    now: DateTime<Utc>,
) -> Result<DocumentView, ApiError> {
    access.editable(
        trial::Entity::find_by_id(trial_id).one(txn).await?,
        trial_id,
    )?;
    let language = new.language.trim().to_lowercase();
    let mut details = Vec::new();
    if !LANGUAGES.contains(&language.as_str()) {
        details.push(Detail::new(
            "$.language",
            "unknown_language",
            format!("`{language}` is not a supported language: fr or en"),
        ));
    }
    if new.body.trim().is_empty() {
        details.push(Detail::new("$.body", "required", "the document is empty"));
    }
    if !details.is_empty() {
        return Err(ApiError::Validation(details));
    }
    let sha256: String = platform::crypto::sha256_hex(new.body.as_bytes());
    let last = latest(txn, trial_id, &language).await?;
    let d = consent_document::ActiveModel {
        id: Set(Uuid::now_v7()),
        trial_id: Set(trial_id),
        version: Set(last.map_or(1, |l| l.version + 1)),
        language: Set(language),
        body: Set(new.body),
        sha256: Set(sha256),
        version_label: Set(new
            .label
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let after = serde_json::json!({"trial_id": trial_id, "version": d.version, "language": d.language, "sha256": d.sha256, "label": d.version_label});
    audit::append(
        txn,
        &Actor::user(user.to_string()),
        "consent_document.create",
        "consent_document",
        &d.id.to_string(),
        None,
        Some(&after),
    )
    .await?;
    Ok(view(d, true))
}

/// Every version of a trial's consent documents, without bodies.
pub async fn list(
    db: &DatabaseConnection,
    access: &Access,
    trial_id: Uuid,
) -> Result<Vec<DocumentView>, ApiError> {
    access.visible(trial::Entity::find_by_id(trial_id).one(db).await?, trial_id)?;
    Ok(consent_document::Entity::find()
        .filter(consent_document::Column::TrialId.eq(trial_id))
        .order_by_asc(consent_document::Column::Language)
        .order_by_asc(consent_document::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(|d| view(d, false))
        .collect())
}

/// One version, with its body.
pub async fn get(
    db: &DatabaseConnection,
    access: &Access,
    trial_id: Uuid,
    language: &str,
    version: i32,
) -> Result<DocumentView, ApiError> {
    access.visible(trial::Entity::find_by_id(trial_id).one(db).await?, trial_id)?;
    consent_document::Entity::find()
        .filter(consent_document::Column::TrialId.eq(trial_id))
        .filter(consent_document::Column::Language.eq(language))
        .filter(consent_document::Column::Version.eq(version))
        .one(db)
        .await?
        .map(|d| view(d, true))
        .ok_or_else(|| ApiError::NotFound(format!("consent document {language} v{version}")))
}
