//! The EHR's JWT on every CDS Hooks call (CDS Hooks 2.0, "Trusting CDS Clients"): signed with
//! ES384, RS384 or ES256 by a configured issuer, its key found by `kid` in the issuer's inline
//! JWK Set or at an allow-listed `jku`, `aud` exactly the endpoint's URL, `exp` not passed,
//! `iat` not in the future, `jti` never seen before. `alg: none` and HMAC are refused before
//! anything else is read. Every failure is the same 401 with no detail, and the token is
//! never logged nor put in an error.

use crate::cds::jwks::JwksCache;
use actix_web::HttpRequest;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use platform::config::{CDS_ALGORITHMS, CdsSettings, TrustedIssuer};
use platform::error::ApiError;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// Who called: the trusted issuer the JWT came from.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The issuer (`iss`).
    pub issuer: String,
    /// The practice the issuer belongs to, when configured.
    pub practice_id: Option<uuid::Uuid>,
}

/// The claims read before the signature is checked: only to choose the issuer's keys.
#[derive(Deserialize)]
struct Unverified {
    iss: String,
}

/// The claims CDS Hooks requires (`aud` and `exp` are checked by `jsonwebtoken`).
#[derive(Deserialize)]
struct Claims {
    iss: String,
    exp: i64,
    iat: i64,
    jti: String,
}

/// The URL the JWT's `aud` must equal: the configured public URL (or, in development, the
/// request's scheme and host) followed by the request path.
pub fn endpoint_url(req: &HttpRequest, settings: &CdsSettings) -> String {
    let base = match &settings.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    };
    format!("{base}{}", req.path())
}

/// Checks the request's JWT; any failure is [`ApiError::Unauthenticated`].
pub async fn authenticate(
    req: &HttpRequest,
    settings: &CdsSettings,
    cache: Arc<JwksCache>,
    db: &DatabaseConnection,
) -> Result<Caller, ApiError> {
    let token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated)?
        .to_string();
    let audience = endpoint_url(req, settings);
    let issuers = settings.issuers.clone();
    let ttl = Duration::from_secs(settings.jwks_cache_secs);
    let timeout = Duration::from_secs(settings.fetch_timeout_secs);
    let leeway = settings.leeway_secs;
    // Key fetches block: off the async workers.
    let (caller, claims) = actix_web::web::block(move || {
        verify(&token, &audience, &issuers, &cache, ttl, timeout, leeway)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("JWT verification task: {e}")))??;
    // System time, not the application clock: the issuer stamps `iat` and `exp` with its
    // real clock, and `jsonwebtoken` checks `exp` against the system time too.
    let now = chrono::Utc::now().timestamp();
    if claims.iat > now + leeway as i64 {
        return Err(ApiError::Unauthenticated);
    }
    let expires = claims.exp.saturating_add(leeway as i64);
    if !crate::cds::replay::remember(db, &claims.iss, &claims.jti, expires, now).await? {
        return Err(ApiError::Unauthenticated);
    }
    Ok(caller)
}

/// The signature and claim checks (blocking when a key set must be fetched).
fn verify(
    token: &str,
    audience: &str,
    issuers: &[TrustedIssuer],
    cache: &JwksCache,
    ttl: Duration,
    timeout: Duration,
    leeway: u64,
) -> Result<(Caller, Claims), ApiError> {
    let denied = |_| ApiError::Unauthenticated;
    // `none` and unknown algorithms do not parse; HMAC and the rest are not in the list.
    let header = jsonwebtoken::decode_header(token).map_err(denied)?;
    let alg_name = format!("{:?}", header.alg);
    if !CDS_ALGORITHMS.contains(&alg_name.as_str()) {
        return Err(ApiError::Unauthenticated);
    }
    let unverified: Unverified =
        jsonwebtoken::dangerous::insecure_decode_claims(token).map_err(denied)?;
    let issuer = issuers
        .iter()
        .find(|i| i.iss == unverified.iss)
        .ok_or(ApiError::Unauthenticated)?;
    if !issuer.algorithms.contains(&alg_name) {
        return Err(ApiError::Unauthenticated);
    }
    let kid = header.kid.as_deref().ok_or(ApiError::Unauthenticated)?;
    let key = find_key(issuer, header.jku.as_deref(), kid, cache, ttl, timeout)
        .ok_or(ApiError::Unauthenticated)?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer.iss.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.leeway = leeway;
    validation.validate_nbf = true;
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(denied)?;
    if data.claims.jti.trim().is_empty() {
        return Err(ApiError::Unauthenticated);
    }
    let caller = Caller {
        issuer: issuer.iss.clone(),
        practice_id: issuer.practice_id,
    };
    Ok((caller, data.claims))
}

/// The key `kid` of the issuer: from the `jku` the JWT names (only when allow-listed), else
/// from the inline set, else from the issuer's allowed `jku` URLs.
fn find_key(
    issuer: &TrustedIssuer,
    jku: Option<&str>,
    kid: &str,
    cache: &JwksCache,
    ttl: Duration,
    timeout: Duration,
) -> Option<DecodingKey> {
    let from = |set: &JwkSet| set.find(kid).and_then(|k| DecodingKey::from_jwk(k).ok());
    if let Some(jku) = jku {
        if !issuer.jku.iter().any(|allowed| allowed == jku) {
            return None;
        }
        return cache.get(jku, kid, ttl, timeout).and_then(|set| from(&set));
    }
    if let Some(inline) = &issuer.jwks {
        let set: JwkSet = serde_json::from_str(inline).ok()?;
        return from(&set);
    }
    issuer
        .jku
        .iter()
        .find_map(|url| cache.get(url, kid, ttl, timeout).and_then(|set| from(&set)))
}

/// The algorithms this module can accept, as `jsonwebtoken` names them (for tests and docs).
pub fn accepted_algorithms() -> [Algorithm; 3] {
    [Algorithm::ES384, Algorithm::RS384, Algorithm::ES256]
}
