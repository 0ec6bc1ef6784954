//! Self-contained pop-up tokens. An alert holds patient evidence, so the server does not
//! store it: `popup_url`'s token *is* the alert, sealed with AES-256-GCM under a key derived
//! from `secrets.encryption_key` (its own label), with the practice, the pseudonym, the
//! language and an expiry. Tampering, another key or an elapsed expiry make it unusable.

use base64::Engine;
use platform::crypto::{Cipher, derive_key};
use platform::error::ApiError;
use plugin_sdk::{Alert, Locale};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a pop-up token carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sealed {
    /// The alert.
    pub alert: Alert,
    /// `fr` or `en`.
    pub lang: String,
    /// The practice it was computed for.
    pub practice: Uuid,
    /// The patient's pseudonym (empty when the caller sent none).
    pub pseudonym: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
}

impl Sealed {
    /// The pop-up's language.
    pub fn locale(&self) -> Locale {
        if self.lang == "en" {
            Locale::En
        } else {
            Locale::Fr
        }
    }
}

/// Why a token cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Not a token of this server (or tampered with).
    Invalid,
    /// Past its expiry.
    Expired,
}

impl From<Unusable> for ApiError {
    fn from(u: Unusable) -> ApiError {
        match u {
            Unusable::Invalid => ApiError::NotFound("this pop-up".into()),
            Unusable::Expired => ApiError::Gone("this pop-up has expired".into()),
        }
    }
}

/// The label the pop-up token key is derived with from `secrets.encryption_key`.
pub const POPUP_KEY_LABEL: &str = "inclusio.popup-token.v2";

/// Seals and opens pop-up tokens.
#[derive(Debug, Clone)]
pub struct PopupSealer {
    cipher: Cipher,
    ttl_secs: i64,
}

impl PopupSealer {
    /// A sealer under a key derived from the encryption key ([`derive_key`], label
    /// [`POPUP_KEY_LABEL`]), tokens valid `ttl_secs`.
    pub fn new(encryption_key: &str, ttl_secs: i64) -> PopupSealer {
        PopupSealer {
            cipher: Cipher::from_key(derive_key(encryption_key.as_bytes(), POPUP_KEY_LABEL)),
            ttl_secs,
        }
    }

    /// The token of an alert (URL-safe base64), valid for the sealer's lifetime from `now`
    /// (Unix seconds).
    pub fn seal(
        &self,
        alert: &Alert,
        locale: Locale,
        practice: Uuid,
        pseudonym: &str,
        now: i64,
    ) -> Result<String, ApiError> {
        let sealed = Sealed {
            alert: alert.clone(),
            lang: match locale {
                Locale::En => "en".into(),
                Locale::Fr => "fr".into(),
            },
            practice,
            pseudonym: pseudonym.into(),
            exp: now + self.ttl_secs,
        };
        let json = serde_json::to_vec(&sealed).map_err(|e| ApiError::Internal(e.into()))?;
        let bytes = self
            .cipher
            .seal(&json)
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Opens a token at `now` (Unix seconds).
    pub fn open(&self, token: &str, now: i64) -> Result<Sealed, Unusable> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| Unusable::Invalid)?;
        let json = self.cipher.open(&bytes).map_err(|_| Unusable::Invalid)?;
        let sealed: Sealed = serde_json::from_slice(&json).map_err(|_| Unusable::Invalid)?;
        if sealed.exp <= now {
            return Err(Unusable::Expired);
        }
        Ok(sealed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use plugin_sdk::wire::AlertVerdict;

    fn alert() -> Alert {
        Alert {
            id: Uuid::now_v7(),
            trial: Uuid::now_v7(),
            trial_id: "t".into(),
            trial_version: 1,
            title: "Trial".into(),
            acronym: None,
            summary: None,
            verdict: AlertVerdict::Eligible,
            reasons: vec![],
            to_confirm: vec![],
        }
    }

    #[test]
    fn tokens_open_until_they_expire_and_only_under_their_key() {
        let s = PopupSealer::new("k", 60);
        let a = alert();
        let now = 1_800_000_000;
        let t = s.seal(&a, Locale::En, Uuid::nil(), "p", now).unwrap();
        let got = s.open(&t, now).unwrap();
        assert_eq!((got.locale(), got.alert), (Locale::En, a));
        assert_eq!(s.open(&t, now + 61).unwrap_err(), Unusable::Expired);
        assert_eq!(
            PopupSealer::new("other", 60).open(&t, now).unwrap_err(),
            Unusable::Invalid
        );
        let mut bad = t.into_bytes();
        bad[10] = if bad[10] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(s.open(&bad, now).unwrap_err(), Unusable::Invalid);
        assert_eq!(s.open("???", now).unwrap_err(), Unusable::Invalid);
    }
}
