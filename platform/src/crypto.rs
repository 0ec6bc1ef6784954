//! Sealing data at rest with AES-256-GCM: [`Cipher`] seals bytes with the configured
//! `secrets.encryption_key` and opens them again, failing on any tampering.
//!
//! Key: when the configured key is exactly 32 bytes it is the AES key; otherwise the key is
//! SHA-256 of the configured text (so a passphrase of any length gives a 256-bit key).
//! Sealed form (version 1): `[0x01] ‖ nonce (12 random bytes) ‖ ciphertext ‖ tag (16 bytes)`.
//! The leading version byte lets a later algorithm coexist with stored data.
//!
//! Key rotation: a cipher may also hold the previous keys
//! (`secrets.previous_encryption_keys`). It always seals with the current key and opens
//! with the current key first, then each previous one; [`Cipher::reseal_text`] moves one
//! stored value to the current key (`server rekey` does it for every sealed column).
//!
//! [`derive_key`] (and [`derive_key_for`]) give the labelled keys derived from a configured
//! secret: one function, so each use differs only by its label.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A key derived from `secret` for one use: HMAC-SHA-256(secret, label).
///
/// Labels are versioned strings naming the use, such as `"inclusio.consent-token.v1"`: a
/// new label (or version) gives an unrelated key, and a derived key says nothing of the
/// secret or of the keys under other labels.
pub fn derive_key(secret: &[u8], label: &str) -> [u8; 32] {
    derive_key_for(secret, label, &[])
}

/// A key derived from `secret` for one use and one subject (a practice's id, say):
/// HMAC-SHA-256(secret, label ‖ context). With an empty `context` it is [`derive_key`].
/// End the label with `\0` when the context follows it, so that no label is a prefix of
/// another's input.
pub fn derive_key_for(secret: &[u8], label: &str, context: &[u8]) -> [u8; 32] {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(label.as_bytes());
    mac.update(context);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex of `bytes`: the one hex encoding of hashes and digests in this crate.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// SHA-256 of `bytes`, in lower-case hex (64 characters).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The version byte of the current sealed form.
const VERSION: u8 = 1;
/// AES-GCM nonce length (96 bits).
const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
const TAG_LEN: usize = 16;

/// Why sealed data could not be opened (or sealed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Too short, or an unknown version byte.
    #[error("sealed data of an unknown form")]
    Malformed,
    /// Tampered with, or sealed with another key.
    #[error("sealed data does not authenticate")]
    Tampered,
}

/// AES-256-GCM with the current key and, during a rotation, the previous ones; cheap to
/// share behind an `Arc`.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    previous: Vec<Aes256Gcm>,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(…)")
    }
}

impl Cipher {
    /// The cipher of the configured `secrets.encryption_key` text: its bytes as the key when
    /// they are 32, else their SHA-256 (how the key has always been read: what is stored
    /// sealed depends on it). Keys for other uses are derived ([`derive_key`]) and given to
    /// [`Cipher::from_key`].
    pub fn from_secret(key: &str) -> Cipher {
        Cipher::from_key(secret_key(key))
    }

    /// The cipher of the configured keys: `secrets.encryption_key` seals and opens, each of
    /// `secrets.previous_encryption_keys` only opens (until `server rekey` has moved what
    /// they sealed to the current key).
    pub fn from_settings(secrets: &crate::config::SecretSettings) -> Cipher {
        let mut cipher = Cipher::from_secret(secrets.encryption_key.expose());
        cipher.previous = secrets
            .previous_encryption_keys
            .iter()
            .map(|k| aead(secret_key(k.expose())))
            .collect();
        cipher
    }

    /// A cipher under a 32-byte key (a [`derive_key`] output).
    pub fn from_key(key: [u8; 32]) -> Cipher {
        Cipher {
            aead: aead(key),
            previous: Vec::new(),
        }
    }

    /// Seals `plaintext` under a fresh random nonce.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(&nonce, plaintext)
            .map_err(|_| CryptoError::Malformed)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Seals `plaintext` as standard base64 text, the form stored in text columns.
    pub fn seal_text(&self, plaintext: &[u8]) -> Result<String, CryptoError> {
        Ok(STANDARD.encode(self.seal(plaintext)?))
    }

    /// Opens base64 text sealed by [`Cipher::seal_text`].
    pub fn open_text(&self, sealed: &str) -> Result<Vec<u8>, CryptoError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| CryptoError::Malformed)?;
        self.open(&bytes)
    }

    /// Opens what [`Cipher::seal`] produced, under the current key or a previous one; any
    /// change to it is an error.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.open_keyed(sealed).map(|(plain, _)| plain)
    }

    /// Re-seals base64 text under the current key when a previous key sealed it: `None`
    /// when the current key already did (nothing to change).
    pub fn reseal_text(&self, sealed: &str) -> Result<Option<String>, CryptoError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| CryptoError::Malformed)?;
        match self.open_keyed(&bytes)? {
            (_, Keyed::Current) => Ok(None),
            (plain, Keyed::Previous) => self.seal_text(&plain).map(Some),
        }
    }

    /// The plaintext and which key opened it.
    fn open_keyed(&self, sealed: &[u8]) -> Result<(Vec<u8>, Keyed), CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        let (version, rest) = sealed.split_at(1);
        if version != [VERSION] {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
        let nonce = Nonce::from(nonce);
        if let Ok(plain) = self.aead.decrypt(&nonce, ciphertext) {
            return Ok((plain, Keyed::Current));
        }
        self.previous
            .iter()
            .find_map(|aead| aead.decrypt(&nonce, ciphertext).ok())
            .map(|plain| (plain, Keyed::Previous))
            .ok_or(CryptoError::Tampered)
    }
}

/// Which of a cipher's keys opened a value.
enum Keyed {
    Current,
    Previous,
}

/// The AES key of a configured key text: its bytes when they are 32, else their SHA-256.
fn secret_key(key: &str) -> [u8; 32] {
    match <[u8; 32]>::try_from(key.as_bytes()) {
        Ok(raw) => raw,
        Err(_) => Sha256::digest(key.as_bytes()).into(),
    }
}

fn aead(key: [u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(key))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn secrets(current: &str, previous: &[&str]) -> crate::config::SecretSettings {
        crate::config::SecretSettings {
            encryption_key: crate::secret::Secret::new(current.into()),
            previous_encryption_keys: previous
                .iter()
                .map(|k| crate::secret::Secret::new((*k).to_string()))
                .collect(),
            ..crate::config::SecretSettings::default()
        }
    }

    #[test]
    fn previous_keys_open_and_reseal_moves_to_the_current_key() {
        let old = Cipher::from_secret("old key");
        let sealed = old.seal_text(b"Jeanne Martin").unwrap();
        let rotating = Cipher::from_settings(&secrets("new key", &["older key", "old key"]));
        assert_eq!(rotating.open_text(&sealed).unwrap(), b"Jeanne Martin");
        let resealed = rotating.reseal_text(&sealed).unwrap().unwrap();
        assert_eq!(
            rotating.reseal_text(&resealed).unwrap(),
            None,
            "already current"
        );
        let rotated = Cipher::from_settings(&secrets("new key", &[]));
        assert_eq!(rotated.open_text(&resealed).unwrap(), b"Jeanne Martin");
        assert_eq!(rotated.open_text(&sealed), Err(CryptoError::Tampered));
        assert_eq!(
            Cipher::from_settings(&secrets("other", &["unrelated"])).reseal_text(&sealed),
            Err(CryptoError::Tampered)
        );
    }

    #[test]
    fn hex_encodes_every_nibble() {
        assert_eq!(hex(&[0x00, 0x0f, 0xf0, 0xff, 0x5a]), "000ff0ff5a");
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn derived_keys_are_hmac_sha256_of_the_label() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex(&derive_key(b"Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            derive_key_for(b"Jefe", "what do ya want ", b"for nothing?"),
            derive_key(b"Jefe", "what do ya want for nothing?")
        );
        // The consent-token key of the secret `secret` (computed independently, Python's hmac).
        assert_eq!(
            hex(&derive_key(b"secret", "inclusio.consent-token.v1")),
            "a289d32dd22ebac003a8f99b7750b86079e8d70ee09d708c7f43f2c06b7b16d3"
        );
        assert_ne!(derive_key(b"secret", "a.v1"), derive_key(b"secret", "a.v2"));
        assert_ne!(derive_key(b"secret", "a.v1"), derive_key(b"other", "a.v1"));
    }

    #[test]
    fn seals_and_opens_with_either_kind_of_key() {
        for key in ["short passphrase", "0123456789abcdef0123456789abcdef"] {
            let c = Cipher::from_secret(key);
            let sealed = c.seal(b"Jeanne Martin").unwrap();
            assert_eq!(sealed[0], VERSION);
            assert!(!sealed.windows(6).any(|w| w == b"Jeanne"), "{key}");
            assert_eq!(c.open(&sealed).unwrap(), b"Jeanne Martin");
        }
    }

    #[test]
    fn text_seals_round_trip_and_refuse_bad_base64() {
        let c = Cipher::from_secret("k");
        let sealed = c.seal_text(b"Jeanne Martin").unwrap();
        assert_eq!(c.open_text(&sealed).unwrap(), b"Jeanne Martin");
        assert_eq!(c.open_text("not base64!"), Err(CryptoError::Malformed));
    }

    #[test]
    fn nonces_are_fresh() {
        let c = Cipher::from_secret("k");
        assert_ne!(c.seal(b"same").unwrap(), c.seal(b"same").unwrap());
    }

    #[test]
    fn every_tampering_is_refused() {
        let c = Cipher::from_secret("k");
        let sealed = c.seal(b"hello").unwrap();
        for i in 1..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(c.open(&bad), Err(CryptoError::Tampered), "byte {i}");
        }
        let mut bad = sealed.clone();
        bad[0] = 2;
        assert_eq!(c.open(&bad), Err(CryptoError::Malformed));
        assert_eq!(c.open(&sealed[..20]), Err(CryptoError::Malformed));
        assert_eq!(
            Cipher::from_secret("other").open(&sealed),
            Err(CryptoError::Tampered)
        );
    }
}
