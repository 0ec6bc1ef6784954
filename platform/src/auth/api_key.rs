//! Practice API keys: `inc_` and 43 random URL-safe characters. Shown once at creation;
//! only their SHA-256 is stored, with a short prefix to recognise them in lists.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// What a new key looks like to its owner, and what is stored.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// The key itself: give it to the practice, never store it.
    pub key: String,
    /// Its first characters.
    pub prefix: String,
    /// SHA-256 of the key, hex.
    pub hash: String,
}

/// A fresh random key.
pub fn generate() -> NewKey {
    let key = format!("inc_{}", B64.encode(rand::random::<[u8; 32]>()));
    NewKey {
        prefix: key.chars().take(12).collect(),
        hash: hash(&key),
        key,
    }
}

/// The stored form of a key.
pub fn hash(key: &str) -> String {
    crate::crypto::sha256_hex(key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a.key, b.key);
        assert!(a.key.starts_with("inc_") && a.key.len() == 47);
        assert_eq!(a.hash, hash(&a.key));
        assert_eq!(a.hash.len(), 64);
        assert!(a.key.starts_with(&a.prefix));
    }
}
