//! Static assets compiled into the binary (nothing is fetched at run time, no CDN):
//! `GET /static/{name}` with a strong ETag and a short cache lifetime.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::LazyLock;

/// One asset: name under `/static/`, content type, content.
type Asset = (&'static str, &'static str, &'static [u8]);

/// Every asset, from the workspace's `static/` folder.
const ASSETS: &[Asset] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static/app.css")),
    ),
    (
        "import.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static/import.js")),
    ),
    (
        "criteria-builder.css",
        "text/css; charset=utf-8",
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../static/criteria-builder.css"
        )),
    ),
    (
        "criteria-builder.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../static/criteria-builder.js"
        )),
    ),
    (
        "inclusio.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../static/inclusio.js"
        )),
    ),
    (
        "consent.js",
        "text/javascript; charset=utf-8",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static/consent.js")),
    ),
];

/// An asset ready to serve: content type, content, ETag.
type Served = (&'static str, &'static [u8], String);

static BY_NAME: LazyLock<HashMap<&'static str, Served>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(name, ty, body)| {
            let hash = Sha256::digest(body);
            let etag = format!("\"{}\"", platform::crypto::hex(&hash[..16]));
            (*name, (*ty, *body, etag))
        })
        .collect()
});

/// `GET /static/{name}`: a compiled-in asset; 404 for any other name.
#[get("/static/{name}")]
pub async fn asset(name: web::Path<String>, req: HttpRequest) -> HttpResponse {
    let Some((ty, body, etag)) = BY_NAME.get(name.as_str()) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| crate::plugin::bundle::matches(v, etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if fresh {
        return res.finish();
    }
    res.content_type(*ty).body(*body)
}

/// Percent-encodes a string for a query parameter (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Whether `next` is a path on this site that a redirect may go back to: it starts with a
/// single `/` (not `//host` nor `/\host`, which browsers read as another host), and holds
/// no backslash, no control character and no whitespace (browsers drop a tab or a newline
/// from a URL, so `/\t/host` is `//host`; a newline would also break the `Location` header).
/// A path cannot carry a scheme, so `https://host` and `javascript:` are refused too.
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

/// The one validator of a `next` to come back to after a redirect (`/lang/{code}`,
/// `/login`): a local path as [`is_local_path`] says, `/` otherwise.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        let cases = [
            (Some("/trials?x=1"), "/trials?x=1"),
            (Some("//evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("https://evil.example"), "/"),
            (Some("/\t/evil.example"), "/"),
            (Some("/\n/evil.example"), "/"),
            (Some("/ok\r\nSet-Cookie: x=1"), "/"),
            (Some("/ /evil.example"), "/"),
            (Some("/\u{a0}/evil.example"), "/"),
            (Some("/a\\b"), "/"),
            (Some("javascript:alert(1)"), "/"),
            (Some(""), "/"),
            (
                Some("/sponsor/trials/new?x=1#y"),
                "/sponsor/trials/new?x=1#y",
            ),
            (None, "/"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_next(input), want);
        }
    }

    #[test]
    fn encoding_keeps_paths_readable() {
        assert_eq!(url_encode("/trials?q=a b&x"), "/trials%3Fq%3Da%20b%26x");
    }

    #[test]
    fn every_asset_is_served() {
        for (name, _, body) in ASSETS {
            assert!(BY_NAME.contains_key(name));
            assert!(!body.is_empty(), "{name} is empty");
        }
    }
}
