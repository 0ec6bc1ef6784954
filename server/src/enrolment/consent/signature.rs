//! The electronic signature's binding (21 CFR 11.70: a signature cannot be cut out of its
//! record and put on another). The SHA-256 of a canonical JSON of the consent's id, the
//! exact document's SHA-256, the printed name, the UTC time, the meaning, the answers and the
//! attesting GP. Any change to one of them, or a copy onto another consent or document,
//! gives another hash.

use super::identity::Identity;
use chrono::{DateTime, SecondsFormat, Utc};
use platform::audit::hash::canonical_json;
use uuid::Uuid;

/// What a signature binds.
#[derive(Debug, Clone)]
pub struct Signed<'a> {
    /// The consent record.
    pub consent_id: Uuid,
    /// The trial.
    pub trial_id: Uuid,
    /// SHA-256 of the exact consent document shown, hex.
    pub document_sha256: &'a str,
    /// The signer.
    pub identity: &'a Identity,
    /// The signature as typed.
    pub typed: &'a str,
    /// When (UTC).
    pub signed_at: DateTime<Utc>,
    /// What signing means.
    pub meaning: &'a str,
    /// The comprehension answers.
    pub answers: &'a serde_json::Value,
    /// The attesting GP.
    pub gp_name: &'a str,
}

/// The binding hash, hex.
pub fn binding(s: &Signed<'_>) -> String {
    let content = serde_json::json!({
        "v": "inclusio.esignature.v1",
        "consent": s.consent_id,
        "trial": s.trial_id,
        "document_sha256": s.document_sha256,
        "printed_name": s.identity.full_name(),
        "birth_date": s.identity.birth_date,
        "typed": s.typed,
        "signed_at": s.signed_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "meaning": s.meaning,
        "answers": s.answers,
        "gp": s.gp_name,
    });
    // Serialising a `Value` built here cannot fail.
    let text = canonical_json(&content).unwrap_or_default();
    platform::crypto::sha256_hex(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn any_change_moves_the_hash() {
        let id = Identity {
            given_name: "Ana".into(),
            family_name: "Lopez".into(),
            birth_date: NaiveDate::from_ymd_opt(1970, 1, 2).unwrap_or_default(),
            phone: None,
            email: None,
        };
        let answers = serde_json::json!([1]);
        let base = Signed {
            consent_id: Uuid::nil(),
            trial_id: Uuid::nil(),
            document_sha256: "ab",
            identity: &id,
            typed: "Ana Lopez",
            signed_at: DateTime::<Utc>::UNIX_EPOCH,
            meaning: "I consent",
            answers: &answers,
            gp_name: "Dr X",
        };
        let h = binding(&base);
        assert_eq!(h.len(), 64);
        assert_eq!(h, binding(&base.clone()));
        let other_doc = Signed {
            document_sha256: "ac",
            ..base.clone()
        };
        let other_record = Signed {
            consent_id: Uuid::max(),
            ..base.clone()
        };
        let later = Signed {
            signed_at: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(1),
            ..base.clone()
        };
        for changed in [other_doc, other_record, later] {
            assert_ne!(binding(&changed), h);
        }
    }
}
