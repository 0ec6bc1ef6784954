//! What coordinators see of referrals: the list for their sites (no identity), one referral
//! with the patient's identity (each view audited), its history and its consent.

use super::store;
use super::worklist::Filters;
use crate::enrolment::consent::identity::{self, Identity};
use chrono::{DateTime, Utc};
use platform::audit::{self, Actor};
use platform::auth::Principal;
use platform::crypto::Cipher;
use platform::entities::{consent, organisation, referral, referral_event, site, trial};
use platform::error::ApiError;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A referral in a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReferralSummary {
    /// Id.
    pub id: Uuid,
    /// The trial.
    pub trial_id: Uuid,
    /// The trial's title.
    pub trial_title: String,
    /// The site.
    pub site_id: Uuid,
    /// The site's name.
    pub site_name: String,
    /// The referring practice.
    pub practice_id: Uuid,
    /// Current status.
    pub status: String,
    /// Exit reason.
    pub reason: Option<String>,
    /// When referred.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One status change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// Before (`None` for the creation).
    pub from: Option<String>,
    /// After.
    pub to: String,
    /// Exit reason.
    pub reason: Option<String>,
    /// Free text.
    pub detail: Option<String>,
    /// `user`, `patient` or `system`.
    pub actor_kind: String,
    /// The user, if one.
    pub actor_id: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// The consent behind a referral.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConsentSummary {
    /// Id.
    pub id: Uuid,
    /// `active` or `withdrawn`.
    pub status: String,
    /// When signed (UTC).
    pub signed_at: DateTime<Utc>,
    /// When withdrawn.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Document version signed.
    pub document_version: i32,
    /// Its language.
    pub document_language: String,
    /// SHA-256 of the document text.
    pub document_sha256: String,
    /// SHA-256 of the PDF copy.
    pub pdf_sha256: String,
    /// The signature's binding hash.
    pub signature_sha256: String,
    /// How identity was checked.
    pub identity_method: String,
    /// The attesting GP.
    pub gp_name: String,
    /// The comprehension answers.
    pub answers: serde_json::Value,
}

/// One referral as its site's coordinator sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReferralDetail {
    /// The list fields.
    #[serde(flatten)]
    pub summary: ReferralSummary,
    /// The referring practice's name.
    pub practice_name: String,
    /// Free text of the last change.
    pub detail: Option<String>,
    /// The patient (decrypted for this coordinator; the view is audited).
    pub patient: Identity,
    /// The consent.
    pub consent: ConsentSummary,
    /// Every status change, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// The list lines of referrals, in their order (trial and site names looked up once).
async fn summaries<C: ConnectionTrait>(
    db: &C,
    rows: Vec<referral::Model>,
) -> Result<Vec<ReferralSummary>, ApiError> {
    let trial_ids: Vec<Uuid> = rows.iter().map(|r| r.trial_id).collect();
    let site_ids: Vec<Uuid> = rows.iter().map(|r| r.site_id).collect();
    let trials: HashMap<Uuid, String> = trial::Entity::find()
        .filter(trial::Column::Id.is_in(trial_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.title))
        .collect();
    let sites: HashMap<Uuid, String> = site::Entity::find()
        .filter(site::Column::Id.is_in(site_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(lines(rows, &trials, &sites))
}

/// The list lines of referrals, in their order, with trial titles and site names from maps
/// the caller already holds.
pub(super) fn lines(
    rows: Vec<referral::Model>,
    trials: &HashMap<Uuid, String>,
    sites: &HashMap<Uuid, String>,
) -> Vec<ReferralSummary> {
    rows.into_iter()
        .map(|r| ReferralSummary {
            id: r.id,
            trial_id: r.trial_id,
            trial_title: trials.get(&r.trial_id).cloned().unwrap_or_default(),
            site_id: r.site_id,
            site_name: sites.get(&r.site_id).cloned().unwrap_or_default(),
            practice_id: r.organisation_id,
            status: r.status,
            reason: r.reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect()
}

/// The referrals of the coordinator's sites that pass `filters`, newest first, at most
/// [`MAX_ROWS`](super::worklist::MAX_ROWS), without identities: the worklist's selection
/// ([`super::worklist::selected`]), for `GET /api/v1/referrals`.
pub async fn list(
    db: &DatabaseConnection,
    p: &Principal,
    filters: &Filters,
) -> Result<Vec<ReferralSummary>, ApiError> {
    let u = p.require(&[platform::auth::Role::Coordinator])?;
    let sites = store::coordinator_sites(db, u.id).await?;
    let rows = super::worklist::selected(db, sites, filters).await?;
    summaries(db, rows).await
}

/// The list line of one referral.
pub async fn summary<C: ConnectionTrait>(
    db: &C,
    r: referral::Model,
) -> Result<ReferralSummary, ApiError> {
    summaries(db, vec![r])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a summary of one referral")))
}

/// The consent of a referral.
pub async fn consent_of<C: ConnectionTrait>(
    db: &C,
    r: &referral::Model,
) -> Result<consent::Model, ApiError> {
    consent::Entity::find_by_id(r.consent_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a referral without its consent")))
}

/// One referral with the patient's identity; the view is written to the audit log.
pub async fn detail(
    db: &DatabaseConnection,
    cipher: &Cipher,
    p: &Principal,
    id: Uuid,
) -> Result<ReferralDetail, ApiError> {
    let (user, r) = store::visible(db, p, id).await?;
    let c = consent_of(db, &r).await?;
    let patient = identity::open(cipher, &c.identity_sealed)?;
    let history = referral_event::Entity::find()
        .filter(referral_event::Column::ReferralId.eq(r.id))
        .order_by_asc(referral_event::Column::At)
        .all(db)
        .await?
        .into_iter()
        .map(|e| HistoryEntry {
            from: e.from_status,
            to: e.to_status,
            reason: e.reason,
            detail: e.detail,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            at: e.at,
        })
        .collect();
    let practice_name = organisation::Entity::find_by_id(r.organisation_id)
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let detail = r.detail.clone();
    let summary = summary(db, r).await?;
    let txn = platform::db::write(db).await?;
    audit::append(
        &txn,
        &Actor::user(user.to_string()),
        "referral.viewed",
        "referral",
        &id.to_string(),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(ReferralDetail {
        summary,
        practice_name,
        detail,
        patient,
        consent: ConsentSummary {
            id: c.id,
            status: c.status,
            signed_at: c.signed_at,
            withdrawn_at: c.withdrawn_at,
            document_version: c.document_version,
            document_language: c.document_language,
            document_sha256: c.document_sha256,
            pdf_sha256: c.pdf_sha256,
            signature_sha256: c.signature_sha256,
            identity_method: c.identity_method,
            gp_name: c.gp_name,
            answers: c.answers,
        },
        history,
    })
}
