//! What identifies the patient, sealed at rest and opened only for the coordinators of the
//! referral's site.

use chrono::NaiveDate;
use platform::crypto::Cipher;
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

/// Opens a sealed identity.
pub fn open(cipher: &Cipher, sealed: &str) -> anyhow::Result<Identity> {
    let plain = cipher.open_text(sealed)?;
    Ok(serde_json::from_slice(&plain)?)
}
