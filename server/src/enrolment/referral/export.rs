//! A referral's consent copy and its FHIR R4 export, for the coordinators of its site; each
//! export is written to the audit log (they carry the patient's identity).

use super::{store, view};
use crate::enrolment::consent::{identity, receipt};
use crate::enrolment::referral::fhir::{ReferralRecord, bundle};
use platform::audit::{self, Actor};
use platform::auth::Principal;
use platform::crypto::Cipher;
use platform::entities::{organisation, site, trial};
use platform::error::ApiError;
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

async fn audited(
    db: &DatabaseConnection,
    user: Uuid,
    action: &str,
    id: Uuid,
) -> Result<(), ApiError> {
    let txn = platform::db::write(db).await?;
    audit::append(
        &txn,
        &Actor::user(user.to_string()),
        action,
        "referral",
        &id.to_string(),
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The PDF copy and its SHA-256 (hex).
pub async fn pdf(
    db: &DatabaseConnection,
    cipher: &Cipher,
    p: &Principal,
    id: Uuid,
) -> Result<(Vec<u8>, String), ApiError> {
    let (user, r) = store::visible(db, p, id).await?;
    let c = view::consent_of(db, &r).await?;
    let bytes = receipt::pdf(cipher, &c)?;
    audited(db, user, "referral.consent_downloaded", id).await?;
    Ok((bytes, c.pdf_sha256))
}

/// The FHIR R4 Bundle of a referral.
pub async fn fhir(
    db: &DatabaseConnection,
    cipher: &Cipher,
    public_url: &str,
    p: &Principal,
    id: Uuid,
) -> Result<serde_json::Value, ApiError> {
    let (user, r) = store::visible(db, p, id).await?;
    let c = view::consent_of(db, &r).await?;
    let who = identity::open(cipher, &c.identity_sealed)?;
    let pdf = receipt::pdf(cipher, &c)?;
    let t = trial::Entity::find_by_id(r.trial_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("trial {}", r.trial_id)))?;
    let s = site::Entity::find_by_id(r.site_id).one(db).await?;
    let practice = organisation::Entity::find_by_id(r.organisation_id)
        .one(db)
        .await?;
    let site_name = s.map(|s| s.name).unwrap_or_default();
    let practice_name = practice.map(|o| o.name).unwrap_or_default();
    let value = bundle(&ReferralRecord {
        public_url,
        referral_id: r.id,
        referral_status: &r.status,
        consent_id: c.id,
        consent_withdrawn_at: c.withdrawn_at,
        signed_at: c.signed_at,
        trial_id: t.id,
        trial_title: &t.title,
        registry_number: t.registry_number.as_deref(),
        recruitment_end: t.recruitment_end,
        given_name: &who.given_name,
        family_name: &who.family_name,
        birth_date: who.birth_date,
        phone: who.phone.as_deref(),
        email: who.email.as_deref(),
        site_id: r.site_id,
        site_name: &site_name,
        practice_name: &practice_name,
        gp_name: &c.gp_name,
        language: &c.language,
        document_version: c.document_version,
        document_sha256: &c.document_sha256,
        pdf: &pdf,
    });
    audited(db, user, "referral.fhir_exported", id).await?;
    Ok(value)
}
