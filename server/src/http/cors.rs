//! CORS for the routes web EHRs call from their own origin (`/api/v1/match`,
//! `/api/v1/events`): preflight answered, and the origins of `http.cors_origins` (or any,
//! with `*`) allowed. Credentials are never allowed: those routes take a practice API key
//! in the `Authorization` header, not a cookie.

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderMap, HeaderValue};

/// The paths CORS applies to.
pub const PATHS: [&str; 2] = ["/api/v1/match", "/api/v1/events"];

/// The origin to echo in `Access-Control-Allow-Origin`, if the request's is allowed.
pub fn allowed_origin(path: &str, headers: &HeaderMap, allowed: &[String]) -> Option<HeaderValue> {
    if !PATHS.contains(&path) {
        return None;
    }
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    allowed
        .iter()
        .any(|a| a == "*" || a.trim_end_matches('/') == text)
        .then(|| origin.clone())
}

/// Adds the CORS headers of an allowed origin to a response.
pub fn decorate(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("x-request-id"),
    );
}

/// The answer to a preflight (`OPTIONS`) from an allowed origin.
pub fn preflight(origin: HeaderValue) -> HttpResponse {
    let mut res = HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS"))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "authorization, content-type",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .finish();
    decorate(res.headers_mut(), origin);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_on_listed_paths() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://ehr.example"),
        );
        let listed = vec!["https://ehr.example".to_string()];
        assert!(allowed_origin("/api/v1/match", &h, &listed).is_some());
        assert!(allowed_origin("/api/v1/trials", &h, &listed).is_none());
        assert!(allowed_origin("/api/v1/match", &h, &["https://other".into()]).is_none());
        assert!(allowed_origin("/api/v1/events", &h, &["*".into()]).is_some());
        assert!(allowed_origin("/api/v1/events", &HeaderMap::new(), &listed).is_none());
    }
}
