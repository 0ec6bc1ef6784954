//! Outgoing GETs of JSON (a FHIR server's resources, an issuer's JWK Set) with rustls, a
//! global timeout and a size limit. Blocking: run inside `web::block`. Errors name no URL
//! and no token (URLs carry patient ids).

use serde_json::Value;
use std::time::Duration;

/// Largest body read, in bytes.
const MAX_BODY: u64 = 32 * 1024 * 1024;

/// Why a fetch failed (no URL, no token, no patient data).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No connection, a timeout, a TLS failure.
    #[error("the server could not be reached")]
    Unreachable,
    /// A non-2xx answer.
    #[error("the server answered HTTP {0}")]
    Status(u16),
    /// The body is not JSON.
    #[error("the server's answer is not JSON")]
    NotJson,
}

/// GETs `url` as `application/fhir+json`, with `Authorization: Bearer <token>` when given.
pub fn get_json(url: &str, token: Option<&str>, timeout: Duration) -> Result<Value, FetchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut request = agent
        .get(url)
        .header("Accept", "application/fhir+json, application/json");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.call().map_err(|_| FetchError::Unreachable)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status(status));
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_json::<Value>()
        .map_err(|_| FetchError::NotJson)
}

/// The FHIR server of a hook request, as a [`crate::cds::prefetch::Fetch`].
pub struct HttpFetch {
    /// The access token of `fhirAuthorization`, when given.
    pub token: Option<platform::secret::Secret<String>>,
    /// Timeout of each request.
    pub timeout: Duration,
}

impl crate::cds::prefetch::Fetch for HttpFetch {
    fn get(&mut self, url: &str) -> Result<Value, String> {
        get_json(
            url,
            self.token.as_ref().map(|t| t.expose().as_str()),
            self.timeout,
        )
        .map_err(|e| e.to_string())
    }
}
