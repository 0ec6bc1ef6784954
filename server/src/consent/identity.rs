//! What identifies the patient, sealed at rest and opened only for the coordinators of the
//! referral's site.

use crate::crypto::{Cipher, CryptoError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The patient's identity and how to contact them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identity {
    /// Given name(s).
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Phone number, if the patient wants to be called.
    pub phone: Option<String>,
    /// Email address, if the patient wants to be written to.
    pub email: Option<String>,
}

impl Identity {
    /// `Given Family`, as the signature must read.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

/// Seals a value as base64 text.
pub fn seal_text(cipher: &Cipher, plain: &[u8]) -> Result<String, CryptoError> {
    Ok(STANDARD.encode(cipher.seal(plain)?))
}

/// Opens base64 text sealed by [`seal_text`].
pub fn open_text(cipher: &Cipher, sealed: &str) -> Result<Vec<u8>, CryptoError> {
    let bytes = STANDARD
        .decode(sealed)
        .map_err(|_| CryptoError::Malformed)?;
    cipher.open(&bytes)
}

/// Opens a sealed identity.
pub fn open(cipher: &Cipher, sealed: &str) -> anyhow::Result<Identity> {
    let plain = open_text(cipher, sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}
