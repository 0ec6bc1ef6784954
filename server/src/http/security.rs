//! The security headers of every response: a Content-Security-Policy, `X-Frame-Options`,
//! `Referrer-Policy`, `X-Content-Type-Options` and, in production, HSTS.
//!
//! Every page loads its scripts and styles from `/static/` (no inline script, no inline style
//! attribute), so the policy is `'self'` with framing refused. One exception: the pop-up page
//! `/popup/{token}` is meant to be shown by EHRs, in an iframe or a window. It may be framed
//! by any origin (its unguessable token is its only authority, and whoever holds the token
//! can post the answer directly, so framing gives a clickjacker nothing more) and its two
//! `<style>` blocks (the pop-up's, shared with the SDK, and the page's) are allowed by their
//! SHA-256 hashes, computed from the page itself ([`popup_policy`]).

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy of every response but the pop-up page.
pub const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// HSTS in production: one year.
pub const HSTS: &str = "max-age=31536000";

/// The policy of the pop-up page whose HTML is `html`: [`POLICY`] with its inline `<style>`
/// blocks allowed by hash and framing by any origin.
pub fn popup_policy(html: &str) -> String {
    let mut hashes = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<style>") {
        let after = &rest[start + "<style>".len()..];
        let Some(end) = after.find("</style>") else {
            break;
        };
        let digest = Sha256::digest(&after.as_bytes()[..end]);
        hashes.push_str(&format!(
            " 'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
        rest = &after[end..];
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'{hashes}; \
         img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors *"
    )
}

/// Adds the security headers to a response: the default policy and `X-Frame-Options: DENY`
/// unless the handler set its own policy (the pop-up page), `Referrer-Policy: no-referrer`
/// and `X-Content-Type-Options: nosniff` always, HSTS when `production`.
pub fn decorate(headers: &mut HeaderMap, production: bool) {
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if production {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_popup_policy_hashes_its_styles_and_allows_framing() {
        let p = popup_policy("<style>a{}</style><p>x</p><style>b{}</style>");
        let h = |s: &str| {
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
        };
        assert!(
            p.contains(&format!("'sha256-{}' 'sha256-{}';", h("a{}"), h("b{}"))),
            "{p}"
        );
        assert!(p.ends_with("frame-ancestors *"));
        assert!(!p.contains("unsafe-inline"));
    }

    #[test]
    fn pages_refuse_framing_unless_they_say_otherwise() {
        let mut h = HeaderMap::new();
        decorate(&mut h, false);
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors *"),
        );
        decorate(&mut h, true);
        assert!(h.get(header::X_FRAME_OPTIONS).is_none());
        assert_eq!(h.get(header::STRICT_TRANSPORT_SECURITY).unwrap(), HSTS);
        assert_eq!(
            h.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            "frame-ancestors *"
        );
    }
}
