//! Signed session cookies: `user_id.generation.expires.nonce.signature`, HMAC-SHA-256 under a
//! key derived from the configured session key. Nothing is stored per session: each request
//! reads the user's row anyway (exists, active), and a cookie is valid only while its
//! `generation` equals the row's `session_generation`. Logging out, deactivating the user or
//! changing their password increments it (`platform::accounts`), which ends every session
//! of that user on every replica (they share the database) at no cost per request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// The cookie's name.
pub const COOKIE: &str = "inclusio_session";
/// How long a session lasts, in seconds.
pub const LIFETIME_SECS: i64 = 8 * 3600;

type HmacSha256 = Hmac<Sha256>;

/// The label the session-cookie key is derived with from `secrets.session_key`.
pub const SESSION_KEY_LABEL: &str = "inclusio.session.v3";

/// The key sessions and CSRF tokens are signed with.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

/// A verified session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user.
    pub user_id: Uuid,
    /// The user's session generation when it was issued (`users.session_generation`).
    pub generation: i64,
    /// Expiry, Unix seconds.
    pub expires: i64,
    /// A random value per login (CSRF tokens are bound to it).
    pub nonce: String,
}

impl SessionKey {
    /// Derives the key from the configured secret.
    pub fn from_secret(secret: &str) -> SessionKey {
        SessionKey(crate::crypto::derive_key(
            secret.as_bytes(),
            SESSION_KEY_LABEL,
        ))
    }

    pub(crate) fn mac(&self, data: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so this never fails; an empty tag would never
        // verify if it did.
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.0) else {
            return Vec::new();
        };
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    pub(crate) fn check(&self, data: &[u8], signature: &[u8]) -> bool {
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.0) else {
            return false;
        };
        mac.update(data);
        mac.verify_slice(signature).is_ok()
    }

    /// A new session value for a user of session generation `generation` (the row's
    /// `session_generation`), valid from `now` (Unix seconds).
    pub fn issue(&self, user_id: Uuid, generation: i64, now: i64) -> String {
        let nonce = B64.encode(rand::random::<[u8; 16]>());
        let payload = format!("{user_id}.{generation}.{}.{nonce}", now + LIFETIME_SECS);
        let signature = B64.encode(self.mac(payload.as_bytes()));
        format!("{payload}.{signature}")
    }

    /// The session in a cookie value, if it is authentic and not expired at `now` (whether it
    /// was revoked is the user row's to say: [`Session::generation`]).
    pub fn verify(&self, value: &str, now: i64) -> Option<Session> {
        let (payload, signature) = value.rsplit_once('.')?;
        let signature = B64.decode(signature).ok()?;
        if !self.check(payload.as_bytes(), &signature) {
            return None;
        }
        let mut parts = payload.splitn(4, '.');
        let user_id = parts.next()?.parse().ok()?;
        let generation: i64 = parts.next()?.parse().ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        let nonce = parts.next()?.to_string();
        (expires > now).then_some(Session {
            user_id,
            generation,
            expires,
            nonce,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_verify_only_when_authentic_and_fresh() {
        let key = SessionKey::from_secret("k");
        let user = Uuid::now_v7();
        let value = key.issue(user, 3, 1_000);
        let s = key.verify(&value, 1_001).unwrap();
        assert_eq!(s.user_id, user);
        assert_eq!(s.generation, 3);
        assert!(
            key.verify(&value, 1_000 + LIFETIME_SECS).is_none(),
            "expired"
        );
        assert!(
            SessionKey::from_secret("other")
                .verify(&value, 1_001)
                .is_none(),
            "other key"
        );
        let forged = value.replacen(&user.to_string(), &Uuid::now_v7().to_string(), 1);
        assert!(key.verify(&forged, 1_001).is_none(), "changed user");
        assert!(key.verify("garbage", 1_001).is_none());
        assert!(key.verify("", 1_001).is_none());
        let (payload, signature) = value.rsplit_once('.').unwrap();
        let older = payload.replacen(".3.", ".2.", 1);
        assert!(
            key.verify(&format!("{older}.{signature}"), 1_001).is_none(),
            "changed generation"
        );
    }
}
