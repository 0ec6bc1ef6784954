//! Consent-flow tokens. Accepting an alert returns `{public url}/consent/{token}`; the token
//! is derived from the event id (HMAC-SHA-256 under a key derived from the session key with
//! its own label), so a retried accept gets the same URL. Only its SHA-256 is stored, bound
//! to the alert, trial, version, practice and pseudonym, with an expiry; the consent flow
//! (issue 6) marks it used.

use base64::Engine;
use hmac::{Hmac, Mac};
use platform::crypto::derive_key;
use platform::entities::consent_token;
use platform::error::ApiError;
use sea_orm::{ConnectionTrait, EntityTrait};
use sha2::Sha256;
use uuid::Uuid;

/// The label the consent-token key is derived with from the session key.
pub const TOKEN_KEY_LABEL: &str = "inclusio.consent-token.v1";

/// Derives consent tokens from event ids.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl TokenKey {
    /// The key, derived from the session key with a label of its own
    /// ([`platform::crypto::derive_key`], label [`TOKEN_KEY_LABEL`]).
    pub fn from_secret(session_key: &str) -> TokenKey {
        TokenKey(derive_key(session_key.as_bytes(), TOKEN_KEY_LABEL))
    }

    /// The token of an accepting event (URL-safe base64, 43 characters).
    pub fn token(&self, event_id: Uuid) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(event_id.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

/// The stored form of a token: SHA-256, hex.
pub fn hash(token: &str) -> String {
    platform::crypto::sha256_hex(token.as_bytes())
}

/// What a token lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// Valid: not expired, not used.
    Valid(consent_token::Model),
    /// Past its expiry.
    Expired,
    /// Already consumed by the consent flow.
    Used,
    /// No such token.
    Unknown,
}

/// Looks a token up (without consuming it: link prefetchers must not burn it).
pub async fn lookup<C: ConnectionTrait>(
    db: &C,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Lookup, ApiError> {
    if token.len() > 64 {
        return Ok(Lookup::Unknown);
    }
    let found = consent_token::Entity::find_by_id(hash(token))
        .one(db)
        .await?;
    Ok(match found {
        None => Lookup::Unknown,
        Some(t) if t.used_at.is_some() => Lookup::Used,
        Some(t) if t.expires_at <= now => Lookup::Expired,
        Some(t) => Lookup::Valid(t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stable_per_event_and_keyed() {
        let k = TokenKey::from_secret("a");
        let id = Uuid::now_v7();
        assert_eq!(k.token(id), k.token(id));
        assert_ne!(k.token(id), k.token(Uuid::now_v7()));
        assert_ne!(k.token(id), TokenKey::from_secret("b").token(id));
        assert_eq!(k.token(id).len(), 43);
        assert_eq!(hash("x").len(), 64);
    }

    #[test]
    fn a_known_token_is_unchanged() {
        // Computed independently (Python's hmac) as the key was derived before
        // `crypto::derive_key`: HMAC(HMAC(session key, label), event id), URL-safe base64.
        let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
        assert_eq!(
            TokenKey::from_secret("session-key-for-tests").token(id),
            "HwTbKarpnL8B3oJ7IC-F2j8TjeqdA1xrLAf2YqXcvsA"
        );
    }
}
