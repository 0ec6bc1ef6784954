//! TEMPORARY stand-in until the fhirx branch is merged.
#![allow(missing_docs)]
pub struct ReferralRecord<'a> {
    pub public_url: &'a str,
    pub referral_id: uuid::Uuid,
    pub referral_status: &'a str,
    pub consent_id: uuid::Uuid,
    pub consent_withdrawn_at: Option<chrono::DateTime<chrono::Utc>>,
    pub signed_at: chrono::DateTime<chrono::Utc>,
    pub trial_id: uuid::Uuid,
    pub trial_title: &'a str,
    pub registry_number: Option<&'a str>,
    pub recruitment_end: Option<chrono::NaiveDate>,
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub birth_date: chrono::NaiveDate,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub site_id: uuid::Uuid,
    pub site_name: &'a str,
    pub practice_name: &'a str,
    pub gp_name: &'a str,
    pub language: &'a str,
    pub document_version: i32,
    pub document_sha256: &'a str,
    pub pdf: &'a [u8],
}
pub fn bundle(r: &ReferralRecord<'_>) -> serde_json::Value {
    serde_json::json!({"resourceType": "Bundle", "id": r.referral_id})
}
