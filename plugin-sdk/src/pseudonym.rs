//! Pseudonymous patient ids: the hex HMAC-SHA-256 of the EHR's local patient id under the
//! practice secret. Stable for a practice, unlinkable across practices, and the server
//! never learns the local id.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The pseudonym of `local_patient_id` under `secret`: 64 lowercase hex digits.
pub fn pseudonym(secret: &[u8], local_patient_id: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(local_patient_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `s` has the shape of a pseudonym (64 lowercase hex digits).
pub fn is_pseudonym(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_rfc_4231_case_2() {
        assert_eq!(
            pseudonym(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn stable_per_secret_and_different_across_secrets() {
        let a = pseudonym(b"practice A secret", "patient-42");
        assert_eq!(a, pseudonym(b"practice A secret", "patient-42"));
        assert!(is_pseudonym(&a));
        assert_ne!(a, pseudonym(b"practice B secret", "patient-42"));
        assert_ne!(a, pseudonym(b"practice A secret", "patient-43"));
    }

    #[test]
    fn shape() {
        assert!(!is_pseudonym("abc"));
        assert!(!is_pseudonym(&"A".repeat(64)));
        assert!(is_pseudonym(&"0f".repeat(32)));
    }
}
