//! The patient's receipt link (`/consent/receipt/{token}`): the signed copy to download again
//! and the withdrawal button. Only the token's SHA-256 is stored.

use crate::plugin::consent_link::hash;
use platform::crypto::Cipher;
use platform::entities::{consent, trial};
use platform::error::ApiError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The consent of a receipt token: 404 when unknown.
pub async fn consent_of<C: ConnectionTrait>(
    db: &C,
    token: &str,
) -> Result<consent::Model, ApiError> {
    if token.len() > 64 {
        return Err(ApiError::NotFound("this link".into()));
    }
    consent::Entity::find()
        .filter(consent::Column::ReceiptHash.eq(hash(token)))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("this link".into()))
}

/// The trial's title of a consent.
pub async fn trial_title<C: ConnectionTrait>(
    db: &C,
    c: &consent::Model,
) -> Result<String, ApiError> {
    Ok(trial::Entity::find_by_id(c.trial_id)
        .one(db)
        .await?
        .map(|t| t.title)
        .unwrap_or_default())
}

/// Writes to the audit log that the patient downloaded their copy (Part 11: the copy given
/// to the participant is an event of the record).
pub async fn log_download(
    db: &sea_orm::DatabaseConnection,
    c: &consent::Model,
) -> Result<(), ApiError> {
    let txn = platform::db::write(db).await?;
    platform::audit::append(
        &txn,
        &platform::audit::Actor::patient(),
        "consent.copy_downloaded",
        "consent",
        &c.id.to_string(),
        None,
        Some(&serde_json::json!({"by": "patient", "pdf_sha256": c.pdf_sha256})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The PDF copy, opened, after checking it against its stored SHA-256.
pub fn pdf(cipher: &Cipher, c: &consent::Model) -> Result<Vec<u8>, ApiError> {
    let bytes = cipher
        .open_text(&c.pdf_sealed)
        .map_err(anyhow::Error::from)?;
    if platform::crypto::sha256_hex(&bytes) != c.pdf_sha256 {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "the stored consent copy does not match its hash"
        )));
    }
    Ok(bytes)
}
