//! Coordinators' notes on a referral: append-only (never edited or deleted), visible to the
//! coordinators of the referral's site, each one audited (`referral.note_added`; the audit row
//! records the note's id and length, not its text, which may speak of the patient).

use super::store;
use chrono::{DateTime, SubsecRound, Utc};
use platform::audit::{self, Actor};
use platform::auth::Principal;
use platform::entities::{referral_note, user};
use platform::error::ApiError;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The longest note, in characters.
pub const MAX_CHARS: usize = 2000;

/// A note as shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Note {
    /// Id.
    pub id: Uuid,
    /// The referral.
    pub referral_id: Uuid,
    /// The coordinator who wrote it.
    pub author_id: Uuid,
    /// Their email.
    pub author_email: String,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The body trimmed, or a validation error on `$.body` (`required`, `too_long`).
pub fn check(body: &str) -> Result<String, ApiError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(ApiError::invalid("$.body", "required", "write the note"));
    }
    if body.chars().count() > MAX_CHARS {
        return Err(ApiError::invalid(
            "$.body",
            "too_long",
            format!("at most {MAX_CHARS} characters"),
        ));
    }
    Ok(body.to_string())
}

/// Adds a note to a referral of the caller's sites (404 otherwise), with its audit row.
pub async fn add(
    db: &DatabaseConnection,
    p: &Principal,
    referral_id: Uuid,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Note, ApiError> {
    let body = check(body)?;
    let txn = platform::db::write(db).await?;
    let (author, r) = store::visible(&txn, p, referral_id).await?;
    let row = referral_note::ActiveModel {
        id: Set(Uuid::now_v7()),
        referral_id: Set(r.id),
        author_id: Set(author),
        body: Set(body),
        created_at: Set(now.trunc_subsecs(6)),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &Actor::user(author.to_string()),
        "referral.note_added",
        "referral",
        &r.id.to_string(),
        None,
        Some(&serde_json::json!({"note": row.id, "chars": row.body.chars().count()})),
    )
    .await?;
    txn.commit().await?;
    let mut notes = shown(db, vec![row]).await?;
    notes
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the note just written")))
}

/// The notes of a referral of the caller's sites, oldest first (404 otherwise).
pub async fn list(
    db: &DatabaseConnection,
    p: &Principal,
    referral_id: Uuid,
) -> Result<Vec<Note>, ApiError> {
    let (_, r) = store::visible(db, p, referral_id).await?;
    of(db, r.id).await
}

/// The notes of a referral already checked visible, oldest first.
pub async fn of<C: ConnectionTrait>(db: &C, referral_id: Uuid) -> Result<Vec<Note>, ApiError> {
    let rows = referral_note::Entity::find()
        .filter(referral_note::Column::ReferralId.eq(referral_id))
        .order_by_asc(referral_note::Column::CreatedAt)
        .order_by_asc(referral_note::Column::Id)
        .all(db)
        .await?;
    shown(db, rows).await
}

async fn shown<C: ConnectionTrait>(
    db: &C,
    rows: Vec<referral_note::Model>,
) -> Result<Vec<Note>, ApiError> {
    let emails: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|n| n.author_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    Ok(rows
        .into_iter()
        .map(|n| Note {
            id: n.id,
            referral_id: n.referral_id,
            author_email: emails.get(&n.author_id).cloned().unwrap_or_default(),
            author_id: n.author_id,
            body: n.body,
            created_at: n.created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_note_is_trimmed_required_and_bounded() {
        assert_eq!(
            check("  call back Tuesday \n").unwrap(),
            "call back Tuesday"
        );
        assert!(check("   ").unwrap_err().to_string().contains("validation"));
        assert!(check(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(check(&"é".repeat(MAX_CHARS + 1)).is_err());
    }
}
