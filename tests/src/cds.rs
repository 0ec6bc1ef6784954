//! A CDS Hooks client for the tests: keys generated per run (ES384, RS384, ES256), real JWTs
//! signed with them, and a loopback server that plays the EHR's JWKS endpoint and FHIR server
//! (recording the `Authorization` headers it receives).

use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The issuer the tests configure as trusted.
pub const ISSUER: &str = "https://ehr.example/cds-client";

/// A signing key with its key id.
pub struct SigningKey {
    /// The algorithm.
    pub alg: Algorithm,
    /// `kid`.
    pub kid: String,
    /// The private key.
    pub key: EncodingKey,
}

impl SigningKey {
    /// A new key for `alg` (ES384, ES256 or RS384).
    pub fn generate(alg: Algorithm) -> SigningKey {
        use p256::pkcs8::EncodePrivateKey;
        let mut rng = rand_core::OsRng;
        // DER, as jsonwebtoken reads it: PKCS#8 for EC keys, PKCS#1 for RSA keys.
        let key = match alg {
            Algorithm::ES384 => EncodingKey::from_ec_der(
                p384::SecretKey::random(&mut rng)
                    .to_pkcs8_der()
                    .unwrap()
                    .as_bytes(),
            ),
            Algorithm::ES256 => EncodingKey::from_ec_der(
                p256::SecretKey::random(&mut rng)
                    .to_pkcs8_der()
                    .unwrap()
                    .as_bytes(),
            ),
            Algorithm::RS384 => {
                use rsa::pkcs1::EncodeRsaPrivateKey;
                let key = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
                EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes())
            }
            other => panic!("no test keys for {other:?}"),
        };
        SigningKey {
            alg,
            kid: format!("{alg:?}-{}", uuid::Uuid::now_v7().simple()),
            key,
        }
    }

    /// The public JWK, with its `kid`.
    pub fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.key, self.alg).unwrap();
        jwk.common.key_id = Some(self.kid.clone());
        jwk
    }

    /// A JWT with these claims and this header (`alg`, `kid` and `typ` set here).
    pub fn sign_with(&self, claims: &Value, jku: Option<&str>) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        header.jku = jku.map(str::to_string);
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// A JWK Set of public keys.
pub fn jwks(keys: &[&SigningKey]) -> JwkSet {
    JwkSet {
        keys: keys.iter().map(|k| k.jwk()).collect(),
    }
}

/// Claims as a CDS client sends them, for the endpoint URL `aud`.
pub fn claims(aud: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": ISSUER,
        "sub": "ehr-client",
        "aud": aud,
        "exp": now + 300,
        "iat": now,
        "jti": uuid::Uuid::now_v7().to_string(),
    })
}

/// An unsigned token (`alg: none`).
pub fn unsigned(claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    )
}

/// An HMAC-signed token, with a `kid` that exists among the issuer's keys.
pub fn hmac_signed(claims: &Value, kid: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(b"shared secret")).unwrap()
}

/// A request the loopback EHR received: path-and-query and `Authorization` header.
pub type Seen = (String, Option<String>);

/// The loopback stand-in for the EHR: JWKS and FHIR resources by path and query.
#[derive(Clone, Default)]
pub struct Ehr {
    /// Body by path-and-query.
    pub pages: Arc<Mutex<HashMap<String, Value>>>,
    /// Every request received: path-and-query and `Authorization` header.
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Ehr {
    /// Starts it; returns it with its base URL (`http://127.0.0.1:PORT`).
    pub async fn start() -> (Ehr, String) {
        let ehr = Ehr::default();
        let state = ehr.clone();
        let server = actix_web::HttpServer::new(move || {
            let state = state.clone();
            actix_web::App::new().default_service(actix_web::web::to(
                move |req: actix_web::HttpRequest| {
                    let state = state.clone();
                    async move {
                        let at = req.uri().to_string();
                        let auth = req
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        state.seen.lock().unwrap().push((at.clone(), auth));
                        match state.pages.lock().unwrap().get(&at) {
                            Some(body) => actix_web::HttpResponse::Ok()
                                .content_type("application/fhir+json")
                                .body(body.to_string()),
                            None => actix_web::HttpResponse::NotFound().finish(),
                        }
                    }
                },
            ))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        (ehr, format!("http://127.0.0.1:{port}"))
    }

    /// Serves `body` at `path` (with its query).
    pub fn serve(&self, path: &str, body: Value) {
        self.pages.lock().unwrap().insert(path.into(), body);
    }
}
