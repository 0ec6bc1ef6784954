//! CSRF tokens for HTML forms: an HMAC of the session's nonce, so a token is valid only for
//! the session it was issued in. Pages put it in a hidden field; form handlers call
//! [`verify`] before acting.

use super::session::{Session, SessionKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";

/// The token for a session.
pub fn token(key: &SessionKey, session: &Session) -> String {
    B64.encode(key.mac(format!("csrf:{}", session.nonce).as_bytes()))
}

/// Whether a submitted token belongs to this session.
pub fn verify(key: &SessionKey, session: &Session, submitted: &str) -> bool {
    B64.decode(submitted.trim())
        .is_ok_and(|sig| key.check(format!("csrf:{}", session.nonce).as_bytes(), &sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_session() {
        let key = SessionKey::from_secret("k");
        let user = uuid::Uuid::now_v7();
        let a = key.verify(&key.issue(user, 0, 0), 1).unwrap();
        let b = key.verify(&key.issue(user, 0, 0), 1).unwrap();
        let t = token(&key, &a);
        assert!(verify(&key, &a, &t));
        assert!(!verify(&key, &b, &t), "another session of the same user");
        assert!(!verify(&key, &a, ""));
        assert!(!verify(&key, &a, "AAAA"));
    }
}
