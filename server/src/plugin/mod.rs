//! The server side of the EHR plugin: the events plugins post (answers to alerts), the
//! suppressions derived from them (a decline on one workstation holds on every workstation
//! of the practice), per-practice alert-fatigue settings, and the single-use consent-flow
//! tokens of accepted alerts. Patient data never reaches this module: events carry a
//! pseudonym and nothing clinical.

pub mod bundle;
pub mod cache;
pub mod consent_link;
pub mod events;
pub mod matching;
pub mod popup_token;
pub mod settings;
pub mod suppressions;

use platform::config::Settings;
use platform::error::Detail;

/// The server's public base URL, without a trailing slash: `http.public_url` (required in
/// production), else the listener's address ([`platform::config::HttpSettings::base_url`]).
/// Never the request's `Host` or `X-Forwarded-Host`: a forged header cannot move a link.
pub fn base_url(settings: &Settings) -> String {
    settings.http.base_url()
}

/// Whether `s` is a pseudonym: 64 lowercase hexadecimal characters (an HMAC-SHA-256).
pub fn is_pseudonym(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The detail for a malformed pseudonym at `path`.
pub fn pseudonym_detail(path: &str) -> Detail {
    Detail::new(
        path,
        "invalid_pseudonym",
        "a pseudonym is 64 lowercase hexadecimal characters (HMAC-SHA-256 of the local patient id under the practice secret)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms() {
        assert!(is_pseudonym(&"ab12".repeat(16)));
        assert!(!is_pseudonym(&"AB12".repeat(16)));
        assert!(!is_pseudonym(&"ab12".repeat(15)));
        assert!(!is_pseudonym(&"zz12".repeat(16)));
    }
}
