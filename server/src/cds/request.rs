//! A hook request, checked field by field: every problem is a 400 `malformed_json` naming
//! the JSON path. `fhirAuthorization` without `fhirServer` is refused (cds-r-1). The access
//! token is kept in a [`Secret`] so it never prints.

use platform::error::ApiError;
use platform::secret::Secret;
use serde_json::{Map, Value};

/// A checked hook request (held in memory for the call only).
#[derive(Debug)]
pub struct HookRequest {
    /// `patient-view` or `encounter-start`.
    pub hook: String,
    /// The EHR's id of this hook call.
    pub hook_instance: String,
    /// `context.patientId`: the EHR's id of the patient.
    pub patient_id: String,
    /// The FHIR server's base URL, without a trailing slash.
    pub fhir_server: Option<String>,
    /// `fhirAuthorization.access_token`.
    pub access_token: Option<Secret<String>>,
    /// The prefetched resources by key (`null` values included, as sent).
    pub prefetch: Map<String, Value>,
}

fn bad(path: &str, message: impl Into<String>) -> ApiError {
    ApiError::MalformedJson {
        path: path.into(),
        message: message.into(),
    }
}

fn required_str<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a str, ApiError> {
    match object.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(bad(&format!("{at}.{key}"), "must not be empty")),
        Some(_) => Err(bad(&format!("{at}.{key}"), "must be a string")),
        None => Err(bad(&format!("{at}.{key}"), "is required")),
    }
}

/// Whether `url` may be fetched: https, or http to a loopback host outside production.
pub fn fetchable_url(url: &str, production: bool) -> bool {
    if url.starts_with("https://") {
        return url.len() > "https://".len();
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    !production && matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

impl HookRequest {
    /// Parses and checks a request body.
    pub fn parse(body: &[u8], production: bool) -> Result<HookRequest, ApiError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| bad("$", format!("not JSON: {e}")))?;
        let Value::Object(root) = value else {
            return Err(bad("$", "must be a JSON object"));
        };
        let hook = required_str(&root, "hook", "$")?;
        if !crate::cds::discovery::HOOKS.contains(&hook) {
            return Err(bad(
                "$.hook",
                "not a hook this service answers (see the discovery document)",
            ));
        }
        let hook_instance = required_str(&root, "hookInstance", "$")?.to_string();
        let context = match root.get("context") {
            Some(Value::Object(c)) => c,
            Some(_) => return Err(bad("$.context", "must be an object")),
            None => return Err(bad("$.context", "is required")),
        };
        let patient_id = required_str(context, "patientId", "$.context")?.to_string();
        if hook == "encounter-start" {
            required_str(context, "encounterId", "$.context")?;
        }
        let fhir_server = match root.get("fhirServer") {
            None | Some(Value::Null) => None,
            Some(Value::String(url)) if fetchable_url(url, production) => {
                Some(url.trim_end_matches('/').to_string())
            }
            Some(_) => return Err(bad("$.fhirServer", "must be an https URL")),
        };
        let access_token = match root.get("fhirAuthorization") {
            None | Some(Value::Null) => None,
            Some(_) if fhir_server.is_none() => {
                return Err(bad(
                    "$.fhirAuthorization",
                    "is only allowed with `fhirServer` (cds-r-1)",
                ));
            }
            Some(Value::Object(auth)) => Some(Secret::new(authorization(auth)?)),
            Some(_) => return Err(bad("$.fhirAuthorization", "must be an object")),
        };
        let prefetch = match root.get("prefetch") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(p)) => p.clone(),
            Some(_) => return Err(bad("$.prefetch", "must be an object")),
        };
        Ok(HookRequest {
            hook: hook.to_string(),
            hook_instance,
            patient_id,
            fhir_server,
            access_token,
            prefetch,
        })
    }
}

/// Checks `fhirAuthorization` and returns its access token.
fn authorization(auth: &Map<String, Value>) -> Result<String, ApiError> {
    let at = "$.fhirAuthorization";
    let token = required_str(auth, "access_token", at)?.to_string();
    if required_str(auth, "token_type", at)? != "Bearer" {
        return Err(bad(&format!("{at}.token_type"), "must be `Bearer`"));
    }
    required_str(auth, "scope", at)?;
    required_str(auth, "subject", at)?;
    match auth.get("expires_in") {
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(token),
        Some(_) => Err(bad(
            &format!("{at}.expires_in"),
            "must be a whole number of seconds",
        )),
        None => Err(bad(&format!("{at}.expires_in"), "is required")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "hook": "patient-view",
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"userId": "Practitioner/1", "patientId": "p1"},
        })
    }

    fn path_of(body: Value) -> String {
        match HookRequest::parse(body.to_string().as_bytes(), false) {
            Err(ApiError::MalformedJson { path, .. }) => path,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_request_parses() {
        let r = HookRequest::parse(valid().to_string().as_bytes(), false).unwrap();
        assert_eq!(
            (r.hook.as_str(), r.patient_id.as_str()),
            ("patient-view", "p1")
        );
        assert!(r.prefetch.is_empty() && r.fhir_server.is_none());
    }

    #[test]
    fn each_malformed_request_names_its_field() {
        let auth = json!({"access_token": "t", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "inclusio"});
        type Change = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("hook");
                }),
                "$.hook",
            ),
            (Box::new(|v| v["hook"] = json!("order-sign")), "$.hook"),
            (
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("hookInstance");
                }),
                "$.hookInstance",
            ),
            (
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("context");
                }),
                "$.context",
            ),
            (Box::new(|v| v["context"] = json!([])), "$.context"),
            (
                Box::new(|v| v["context"] = json!({"userId": "x"})),
                "$.context.patientId",
            ),
            (
                Box::new(|v| v["hook"] = json!("encounter-start")),
                "$.context.encounterId",
            ),
            (
                Box::new(|v| v["fhirServer"] = json!("ftp://x")),
                "$.fhirServer",
            ),
            (
                Box::new(|v| v["fhirServer"] = json!("http://ehr.example/fhir")),
                "$.fhirServer",
            ),
            (
                Box::new(move |v| v["fhirAuthorization"] = auth.clone()),
                "$.fhirAuthorization",
            ),
            (
                Box::new(|v| {
                    v["fhirServer"] = json!("https://ehr/fhir");
                    v["fhirAuthorization"] = json!({"access_token": "t", "token_type": "MAC", "expires_in": 1, "scope": "s", "subject": "s"});
                }),
                "$.fhirAuthorization.token_type",
            ),
            (
                Box::new(|v| {
                    v["fhirServer"] = json!("https://ehr/fhir");
                    v["fhirAuthorization"] = json!({"token_type": "Bearer"});
                }),
                "$.fhirAuthorization.access_token",
            ),
            (Box::new(|v| v["prefetch"] = json!([])), "$.prefetch"),
        ];
        for (change, path) in cases {
            let mut v = valid();
            change(&mut v);
            assert_eq!(path_of(v.clone()), path, "{v}");
        }
        assert!(matches!(
            HookRequest::parse(b"{", false),
            Err(ApiError::MalformedJson { .. })
        ));
        assert!(matches!(
            HookRequest::parse(b"[]", false),
            Err(ApiError::MalformedJson { .. })
        ));
    }

    #[test]
    fn loopback_http_only_outside_production() {
        assert!(fetchable_url("http://127.0.0.1:9000/fhir", false));
        assert!(!fetchable_url("http://127.0.0.1:9000/fhir", true));
        assert!(!fetchable_url("http://10.0.0.1/fhir", false));
        assert!(fetchable_url("https://ehr.example/fhir", true));
    }
}
