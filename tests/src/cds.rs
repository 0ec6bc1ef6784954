//! A CDS Hooks client for the tests: keys generated per run (ES384, RS384, ES256), real JWTs
//! signed with them, and a loopback server that plays the EHR's JWKS endpoint and FHIR server
//! (recording the path, query string and `Authorization` header of every request it
//! receives; answering fixed pages, and searches over a set of resources page by page).

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

/// Resources searchable at one path ([`Ehr::search`]), answered `page` at a time.
#[derive(Clone)]
struct Searchable {
    resources: Vec<Value>,
    page: usize,
}

/// The loopback stand-in for the EHR: JWKS and FHIR resources by path and query.
#[derive(Clone, Default)]
pub struct Ehr {
    /// Body by path-and-query.
    pub pages: Arc<Mutex<HashMap<String, Value>>>,
    /// Every request received: path-and-query and `Authorization` header.
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Searchable resources by path (no query).
    searches: Arc<Mutex<HashMap<String, Searchable>>>,
    /// `http://127.0.0.1:PORT`, for the `next` links.
    base: Arc<Mutex<String>>,
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
                        let page = state.pages.lock().unwrap().get(&at).cloned();
                        match page.or_else(|| state.answer(req.path(), req.query_string())) {
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
        let base = format!("http://127.0.0.1:{port}");
        *ehr.base.lock().unwrap() = base.clone();
        tokio::spawn(server.run());
        (ehr, base)
    }

    /// Serves `body` at `path` (with its query).
    pub fn serve(&self, path: &str, body: Value) {
        self.pages.lock().unwrap().insert(path.into(), body);
    }

    /// Answers searches at `path` (without query; a fixed page of [`Ehr::serve`] wins) over
    /// `resources`, as a FHIR server does: `patient` (the `subject`), `code` (a comma list of
    /// `system|code` or `code` tokens), `category` (a comma list of codes) and `date=geDAY`
    /// (on `effectiveDateTime`; undated resources do not match) filter, the matches are
    /// answered as searchset Bundles of at most `page` entries (fewer if `_count` asks), each
    /// but the last with a `next` link (`_offset=N`).
    pub fn search(&self, path: &str, resources: Vec<Value>, page: usize) {
        self.searches.lock().unwrap().insert(
            path.into(),
            Searchable {
                resources,
                page: page.max(1),
            },
        );
    }

    /// The query strings of the requests received at `path`, in order.
    pub fn queries(&self, path: &str) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(at, _)| {
                let (p, q) = at.split_once('?').unwrap_or((at, ""));
                (p == path).then(|| q.to_string())
            })
            .collect()
    }

    /// The answer of a search at `path`, if resources are searchable there.
    fn answer(&self, path: &str, query: &str) -> Option<Value> {
        let search = self.searches.lock().unwrap().get(path).cloned()?;
        let params: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let matches = |r: &Value| {
            let codings = |field: &str| -> Vec<(String, String)> {
                let concepts: Vec<&Value> = match &r[field] {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                concepts
                    .iter()
                    .filter_map(|c| c["coding"].as_array())
                    .flatten()
                    .map(|c| {
                        let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                        (text("system"), text("code"))
                    })
                    .collect()
            };
            let patient = param("patient").is_none_or(|id| {
                r["subject"]["reference"].as_str() == Some(&format!("Patient/{id}"))
            });
            let code = param("code").is_none_or(|tokens| {
                let have = codings("code");
                tokens.split(',').any(|t| match t.split_once('|') {
                    Some((system, code)) => have.iter().any(|(s, c)| s == system && c == code),
                    None => have.iter().any(|(_, c)| c == t),
                })
            });
            let category = param("category").is_none_or(|list| {
                let have = codings("category");
                list.split(',').any(|t| have.iter().any(|(_, c)| c == t))
            });
            let date = param("date").is_none_or(|d| {
                let day = d.strip_prefix("ge").expect("only date=ge is served");
                r["effectiveDateTime"]
                    .as_str()
                    .is_some_and(|at| at.get(..10).is_some_and(|at| at >= day))
            });
            patient && code && category && date
        };
        let found: Vec<&Value> = search.resources.iter().filter(|r| matches(r)).collect();
        let size = param("_count")
            .and_then(|c| c.parse::<usize>().ok())
            .map_or(search.page, |c| c.clamp(1, search.page));
        let offset: usize = param("_offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        let entries: Vec<Value> = found
            .iter()
            .skip(offset)
            .take(size)
            .map(|r| json!({"resource": r}))
            .collect();
        let mut bundle = json!({"resourceType": "Bundle", "type": "searchset",
                                "total": found.len(), "entry": entries});
        if offset + size < found.len() {
            let rest: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("_offset="))
                .collect();
            let next = format!(
                "{}{path}?{}&_offset={}",
                self.base.lock().unwrap(),
                rest.join("&"),
                offset + size
            );
            bundle["link"] = json!([{"relation": "next", "url": next}]);
        }
        Some(bundle)
    }
}

/// Percent-decodes a query parameter (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
