//! The CDS Hooks 2.0 checklist (shared/STANDARDS.md, "CDS Hooks service"), walked by a client
//! that signs real JWTs (ES384, RS384, ES256) against the real server, with a loopback EHR
//! playing the JWKS endpoint and the FHIR server. On SQLite and PostgreSQL.

use e2e::cds::{Ehr, ISSUER, SigningKey, claims, hmac_signed, jwks, unsigned};
use e2e::{Backend, TestApp, spawn_app_with};
use jsonwebtoken::Algorithm;
use platform::config::TrustedIssuer;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

const SERVICE: &str = "/cds-services/inclusio-trials";

struct Cds {
    app: TestApp,
    ehr: Ehr,
    ehr_url: String,
    es384: SigningKey,
    rs384: SigningKey,
    es256: SigningKey,
    /// Known to nobody.
    stranger: SigningKey,
    /// Served only at the allow-listed `jku`.
    rotated: SigningKey,
}

impl Cds {
    async fn start(backend: Backend) -> Cds {
        let (ehr, ehr_url) = Ehr::start().await;
        let es384 = SigningKey::generate(Algorithm::ES384);
        let rs384 = SigningKey::generate(Algorithm::RS384);
        let es256 = SigningKey::generate(Algorithm::ES256);
        let stranger = SigningKey::generate(Algorithm::ES384);
        let rotated = SigningKey::generate(Algorithm::ES384);
        let inline = serde_json::to_string(&jwks(&[&es384, &rs384, &es256])).unwrap();
        ehr.serve(
            "/jwks.json",
            serde_json::to_value(jwks(&[&rotated])).unwrap(),
        );
        let jku = format!("{ehr_url}/jwks.json");
        let app = spawn_app_with(backend, |s| {
            s.cds.issuers = vec![TrustedIssuer {
                iss: ISSUER.into(),
                jku: vec![jku],
                jwks: Some(inline),
                algorithms: vec!["ES384".into(), "RS384".into(), "ES256".into()],
                practice_id: None,
            }];
        })
        .await;
        let trials = Path::new(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/trials");
        server::demo::seed(&app.db, &app.settings, &trials, false)
            .await
            .expect("demo trials recruiting");
        Cds {
            app,
            ehr,
            ehr_url,
            es384,
            rs384,
            es256,
            stranger,
            rotated,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.address)
    }

    fn token(&self, path: &str) -> String {
        self.es384.sign_with(&claims(&self.url(path)), None)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<String>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut r = self.app.request(method, path);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().await.unwrap()
    }

    async fn call(&self, body: Value) -> reqwest::Response {
        self.send(Method::POST, SERVICE, Some(self.token(SERVICE)), Some(body))
            .await
    }
}

/// No `null`, `""`, `[]` or `{}` anywhere, but `"cards": []`.
fn assert_no_empty(v: &Value, at: &str) {
    match v {
        Value::Null => panic!("null at {at}"),
        Value::String(s) => assert!(!s.is_empty(), "empty string at {at}"),
        Value::Array(a) => {
            assert!(!a.is_empty() || at == "$.cards", "empty array at {at}");
            for (i, x) in a.iter().enumerate() {
                assert_no_empty(x, &format!("{at}[{i}]"));
            }
        }
        Value::Object(o) => {
            assert!(!o.is_empty(), "empty object at {at}");
            for (k, x) in o {
                assert_no_empty(x, &format!("{at}.{k}"));
            }
        }
        _ => {}
    }
}

fn patient(id: &str, birth: &str, sex: &str) -> Value {
    json!({"resourceType": "Patient", "id": id, "birthDate": birth, "gender": sex})
}

fn searchset(resources: Vec<Value>) -> Value {
    json!({"resourceType": "Bundle", "type": "searchset", "total": resources.len(),
           "entry": resources.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()})
}

const KEYS: [&str; 7] = [
    "conditions",
    "observations",
    "medications",
    "medicationStatements",
    "immunizations",
    "procedures",
    "allergies",
];

/// A request with every prefetch key: the Patient and empty searchsets.
fn request(patient_id: &str, birth: &str) -> Value {
    let mut prefetch = serde_json::Map::new();
    prefetch.insert("patient".into(), patient(patient_id, birth, "male"));
    for k in KEYS {
        prefetch.insert(k.into(), searchset(vec![]));
    }
    json!({
        "hook": "patient-view",
        "hookInstance": uuid::Uuid::new_v4().to_string(),
        "context": {"userId": "Practitioner/gp-1", "patientId": patient_id},
        "prefetch": prefetch,
    })
}

fn check_cards(body: &Value) {
    assert_no_empty(body, "$");
    for card in body["cards"].as_array().unwrap() {
        uuid::Uuid::parse_str(card["uuid"].as_str().unwrap()).expect("uuid");
        assert!(card["summary"].as_str().unwrap().chars().count() < 140);
        assert!(["info", "warning", "critical"].contains(&card["indicator"].as_str().unwrap()));
        assert_eq!(card["source"]["label"], "Inclusio");
        for r in card["overrideReasons"].as_array().unwrap() {
            assert!(r["display"].as_str().is_some_and(|d| !d.is_empty()));
        }
        if let Some(s) = card.get("suggestions") {
            assert!(card.get("selectionBehavior").is_some());
            assert!(
                s.as_array()
                    .unwrap()
                    .iter()
                    .all(|s| s.get("uuid").is_some())
            );
        }
        if let Some(links) = card.get("links") {
            for l in links.as_array().unwrap() {
                assert!(l["type"] == "smart" || l.get("appContext").is_none());
            }
        }
    }
}

/// Writes a response for the independent validators run by scripts/test.sh.
fn keep(name: &str, v: &Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-output/cds");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec_pretty(v).unwrap(),
    )
    .unwrap();
}

async fn discovery_and_every_jwt_rule(backend: Backend) {
    let c = Cds::start(backend).await;
    // Discovery, signed with each accepted algorithm.
    for key in [&c.es384, &c.rs384, &c.es256] {
        let t = key.sign_with(&claims(&c.url("/cds-services")), None);
        let r = c.send(Method::GET, "/cds-services", Some(t), None).await;
        assert_eq!(r.status(), 200, "{:?}", key.alg);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let doc: Value = r.json().await.unwrap();
        assert_no_empty(&doc, "$");
        let services = doc["services"].as_array().unwrap();
        let hooks: Vec<&str> = services
            .iter()
            .map(|s| s["hook"].as_str().unwrap())
            .collect();
        assert_eq!(hooks, ["patient-view", "encounter-start"]);
        for s in services {
            assert_eq!(s["id"], "inclusio-trials", "one id for both hooks");
            assert!(s["description"].is_string() && s["title"].is_string());
            for (_, q) in s["prefetch"].as_object().unwrap() {
                // Only root-level context tokens, and only the `patient` reference and
                // token (`category`) search parameters of the recommended query subset.
                let q = q.as_str().unwrap();
                let tokens: Vec<&str> = q
                    .split("{{")
                    .skip(1)
                    .map(|t| t.split("}}").next().unwrap())
                    .collect();
                assert!(
                    !tokens.is_empty()
                        && tokens.iter().all(|t| *t == "context.patientId"
                            || *t == "context.userId"
                            || t.starts_with("user")),
                    "{q}"
                );
                if let Some((_, query)) = q.split_once('?') {
                    assert!(
                        query
                            .split('&')
                            .all(|p| p.starts_with("patient=") || p.starts_with("category=")),
                        "{q}"
                    );
                }
            }
        }
        keep("discovery", &doc);
    }
    // The key at the allow-listed jku, fetched.
    let t = c.rotated.sign_with(
        &claims(&c.url(SERVICE)),
        Some(&format!("{}/jwks.json", c.ehr_url)),
    );
    let r = c
        .send(
            Method::POST,
            SERVICE,
            Some(t),
            Some(request("p-jku", "1950-01-01")),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // An audience given as an array holding the endpoint.
    let mut cl = claims(&c.url(SERVICE));
    cl["aud"] = json!(["https://other.example", c.url(SERVICE)]);
    let r = c.call_with(c.es384.sign_with(&cl, None)).await;
    assert_eq!(r.status(), 200);

    // Every rejection: 401, with no detail.
    let now = chrono::Utc::now().timestamp();
    let good = claims(&c.url(SERVICE));
    let with = |k: &str, v: Value| {
        let mut x = good.clone();
        if v.is_null() {
            x.as_object_mut().unwrap().remove(k);
        } else {
            x[k] = v;
        }
        x
    };
    let replayed = c.es384.sign_with(&good, None);
    assert_eq!(c.call_with(replayed.clone()).await.status(), 200);
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("alg none", Some(unsigned(&with("jti", json!("n1"))))),
        (
            "HS256 with a known kid",
            Some(hmac_signed(&with("jti", json!("h1")), &c.es384.kid)),
        ),
        ("unknown kid", Some(c.stranger.sign_with(&good, None))),
        (
            "jku not allow-listed",
            Some(c.rotated.sign_with(
                &with("jti", json!("j1")),
                Some(&format!("{}/other.json", c.ehr_url)),
            )),
        ),
        (
            "iss not allow-listed",
            Some(
                c.es384
                    .sign_with(&with("iss", json!("https://evil.example")), None),
            ),
        ),
        (
            "aud another endpoint",
            Some(
                c.es384
                    .sign_with(&with("aud", json!(c.url("/cds-services"))), None),
            ),
        ),
        (
            "aud another host",
            Some(c.es384.sign_with(
                &with("aud", json!(format!("https://elsewhere.example{SERVICE}"))),
                None,
            )),
        ),
        (
            "no aud",
            Some(c.es384.sign_with(&with("aud", Value::Null), None)),
        ),
        (
            "expired",
            Some(c.es384.sign_with(&with("exp", json!(now - 120)), None)),
        ),
        (
            "no exp",
            Some(c.es384.sign_with(&with("exp", Value::Null), None)),
        ),
        (
            "iat in the future",
            Some(c.es384.sign_with(&with("iat", json!(now + 600)), None)),
        ),
        (
            "no jti",
            Some(c.es384.sign_with(&with("jti", Value::Null), None)),
        ),
        ("replayed jti", Some(replayed)),
        (
            "tampered payload",
            Some({
                let t = c.es384.sign_with(&with("jti", json!("t1")), None);
                let parts: Vec<&str> = t.split('.').collect();
                let other = c.es384.sign_with(&with("sub", json!("someone-else")), None);
                format!(
                    "{}.{}.{}",
                    parts[0],
                    other.split('.').nth(1).unwrap(),
                    parts[2]
                )
            }),
        ),
    ];
    for (why, token) in cases {
        for (method, path) in [
            (Method::POST, SERVICE),
            (Method::GET, "/cds-services"),
            (Method::POST, "/cds-services/inclusio-trials/feedback"),
        ] {
            let r = c
                .send(
                    method.clone(),
                    path,
                    token.clone(),
                    Some(request("p1", "1950-01-01")),
                )
                .await;
            assert_eq!(r.status(), 401, "{why}: {method} {path}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthenticated", "{why}");
            assert!(body["error"].get("details").is_none(), "{why}: no detail");
        }
    }
    // An algorithm the issuer's key does not match (an ES256 key named in an ES384 token).
    let mut header = jsonwebtoken::Header::new(Algorithm::ES384);
    header.kid = Some(c.es256.kid.clone());
    let t = jsonwebtoken::encode(&header, &with("jti", json!("m1")), &c.es384.key).unwrap();
    assert_eq!(c.call_with(t).await.status(), 401);
}

impl Cds {
    async fn call_with(&self, token: String) -> reqwest::Response {
        self.send(
            Method::POST,
            SERVICE,
            Some(token),
            Some(request("p1", "1950-01-01")),
        )
        .await
    }
}

async fn requests_prefetch_and_cards(backend: Backend) {
    let c = Cds::start(backend).await;
    // A 76-year-old man with nothing recorded: the influenza trial (65+, no vaccine) fits.
    let r = c.call(request("p-old", "1950-01-01")).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    check_cards(&body);
    let cards = body["cards"].as_array().unwrap();
    assert!(!cards.is_empty(), "{body}");
    assert!(
        cards
            .iter()
            .any(|c| c["summary"].as_str().unwrap().contains("GRIPPE-SENIOR")
                || c["detail"].as_str().unwrap().contains("65")),
        "{body}"
    );
    keep("cards", &body);
    // A child fits nothing of the example trials but maybe child-overweight: no card is `{"cards": []}` or valid cards.
    let r = c.call(request("p-young", "2024-01-01")).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    check_cards(&body);
    assert_eq!(
        body["cards"],
        json!([]),
        "a two-year-old fits no example trial: {body}"
    );
    keep("no-cards", &body);

    // A US Core record: type 2 diabetes in ICD-10-CM, metformin in RxNorm, HbA1c 8.0 %. The
    // French-written diabetes trial (ICD-10 E11, ATC A10BA02) reads it through crosswalks.
    let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(30)).to_string();
    let subject = json!({"reference": "Patient/p-us"});
    let mut v = request("p-us", "1962-03-14");
    v["prefetch"]["conditions"] = searchset(vec![
        json!({"resourceType": "Condition", "subject": subject,
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}],
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9", "display": "Type 2 diabetes mellitus without complications"}]},
        "onsetDateTime": "2016-04-11"}),
    ]);
    v["prefetch"]["medications"] = searchset(vec![
        json!({"resourceType": "MedicationRequest", "subject": subject,
        "status": "active", "intent": "order", "authoredOn": recent,
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "861007", "display": "metformin hydrochloride 500 MG Oral Tablet"}]}}),
    ]);
    v["prefetch"]["observations"] = searchset(vec![
        json!({"resourceType": "Observation", "subject": subject, "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4", "display": "Hemoglobin A1c/Hemoglobin.total in Blood"}]},
        "effectiveDateTime": recent,
        "valueQuantity": {"value": 8.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}}),
    ]);
    let r = c.call(v).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    check_cards(&body);
    assert!(
        body["cards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["summary"].as_str().unwrap().contains("DIAB-INTENSE")),
        "the US Core record reaches the diabetes trial: {body}"
    );

    // Malformed requests: 400 naming the field.
    let base = request("p1", "1950-01-01");
    let without = |k: &str| {
        let mut v = base.clone();
        v.as_object_mut().unwrap().remove(k);
        v
    };
    for (body, path) in [
        (without("hook"), "$.hook"),
        (without("hookInstance"), "$.hookInstance"),
        (without("context"), "$.context"),
        (
            {
                let mut v = base.clone();
                v["context"] = json!({"userId": "x"});
                v
            },
            "$.context.patientId",
        ),
        (
            {
                let mut v = base.clone();
                v["fhirAuthorization"] = json!({"access_token": "secret-token", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "inclusio"});
                v
            },
            "$.fhirAuthorization",
        ),
    ] {
        let r = c.call(body).await;
        assert_eq!(r.status(), 400, "{path}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], "malformed_json");
        assert!(
            e["error"]["message"].as_str().unwrap().starts_with(path),
            "{e}"
        );
    }
    let r = c
        .app
        .request(Method::POST, SERVICE)
        .bearer_auth(c.token(SERVICE))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Unknown service: 404. GET on the service URL: 405.
    let unknown = "/cds-services/no-such-service";
    let r = c
        .send(
            Method::POST,
            unknown,
            Some(c.token(unknown)),
            Some(base.clone()),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = c
        .send(Method::GET, SERVICE, Some(c.token(SERVICE)), None)
        .await;
    assert_eq!(r.status(), 405);

    // Prefetch: only the Patient is required. A key sent as null is "no data"; an absent
    // key or an OperationOutcome with no fhirServer leaves its kinds of data to confirm.
    let outcome = json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "processing"}]});
    let grippe = |body: &Value| {
        body["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["summary"].as_str().unwrap().contains("GRIPPE-SENIOR"))
            .map(|c| c["detail"].as_str().unwrap().to_string())
    };
    let full = c.call(request("p1", "1950-01-01")).await;
    assert_eq!(full.status(), 200);
    let full_detail = grippe(&full.json().await.unwrap()).expect("the influenza card");
    for missing in [None, Some(Value::Null), Some(outcome.clone())] {
        let mut v = request("p1", "1950-01-01");
        match &missing {
            None => {
                v["prefetch"]
                    .as_object_mut()
                    .unwrap()
                    .remove("immunizations");
            }
            Some(x) => v["prefetch"]["immunizations"] = x.clone(),
        }
        let r = c.call(v).await;
        assert_eq!(r.status(), 200, "{missing:?}");
        let body: Value = r.json().await.unwrap();
        check_cards(&body);
        let detail = grippe(&body).expect("the influenza card");
        if missing.as_ref().is_some_and(Value::is_null) {
            assert_eq!(detail, full_detail, "null is no data");
        } else {
            // Vaccinations could not be had: "none in the last year" is to confirm.
            assert_ne!(detail, full_detail, "{missing:?}");
        }
    }
    for missing in [None, Some(Value::Null), Some(outcome.clone())] {
        let mut v = request("p1", "1950-01-01");
        match &missing {
            None => {
                v["prefetch"].as_object_mut().unwrap().remove("patient");
            }
            Some(x) => v["prefetch"]["patient"] = x.clone(),
        }
        let r = c.call(v).await;
        assert_eq!(r.status(), 412, "{missing:?}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "fhir_unavailable"
        );
    }
    let mut v = request("p1", "1950-01-01");
    v.as_object_mut().unwrap().remove("prefetch");
    assert_eq!(c.call(v).await.status(), 412, "no prefetch, no fhirServer");
    // The prefetched Patient is not the context's patient: 412, never an empty answer.
    let mut v = request("p1", "1950-01-01");
    v["context"]["patientId"] = json!("someone-else");
    let r = c.call(v).await;
    assert_eq!(r.status(), 412);
    let text = r.text().await.unwrap();
    assert!(text.contains("context.patientId"), "{text}");

    // With a fhirServer and a token: what is missing is read with `Authorization: Bearer`.
    let fhir = format!("{}/fhir", c.ehr_url);
    c.ehr
        .serve("/fhir/Patient/p2", patient("p2", "1950-01-01", "female"));
    // Observations are searched for by the codes the trials read
    // (`observations_as_the_trials_need`).
    c.ehr.search("/fhir/Observation", vec![], 100);
    for query in [
        "Condition?patient=p2",
        "MedicationRequest?patient=p2",
        "MedicationStatement?patient=p2",
        "Immunization?patient=p2",
        "Procedure?patient=p2",
        "AllergyIntolerance?patient=p2",
    ] {
        c.ehr.serve(&format!("/fhir/{query}"), searchset(vec![]));
    }
    let mut paged = searchset(vec![
        json!({"resourceType": "Condition", "subject": {"reference": "Patient/p2"}, "clinicalStatus": {"coding": [{"code": "active"}]}, "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icpc-2", "code": "K86"}]}}),
    ]);
    paged["link"] =
        json!([{"relation": "next", "url": format!("{fhir}/Condition?patient=p2&page=2")}]);
    c.ehr.serve("/fhir/Condition?patient=p2&page=2", searchset(vec![json!({"resourceType": "Condition", "subject": {"reference": "Patient/p2"}, "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icpc-2", "code": "T90"}]}})]));
    let mut v = request("p2", "1950-01-01");
    v["fhirServer"] = json!(fhir);
    v["fhirAuthorization"] = json!({"access_token": "secret-token-p2", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "inclusio"});
    let p = v["prefetch"].as_object_mut().unwrap();
    p.insert("patient".into(), Value::Null);
    p.remove("observations");
    p.insert("medications".into(), outcome.clone());
    p.insert("conditions".into(), paged);
    let r = c.call(v).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    check_cards(&r.json().await.unwrap());
    let seen = c.ehr.seen.lock().unwrap().clone();
    for path in [
        "/fhir/Patient/p2",
        "/fhir/MedicationRequest?patient=p2",
        "/fhir/Condition?patient=p2&page=2",
    ] {
        let hit = seen
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("{path} not read: {seen:?}"));
        assert_eq!(hit.1.as_deref(), Some("Bearer secret-token-p2"), "{path}");
    }
    let searches: Vec<&e2e::cds::Seen> = seen
        .iter()
        .filter(|(p, _)| p.starts_with("/fhir/Observation?patient=p2&"))
        .collect();
    assert!(!searches.is_empty(), "observations searched: {seen:?}");
    for (path, auth) in searches {
        assert_eq!(auth.as_deref(), Some("Bearer secret-token-p2"), "{path}");
    }
    assert!(
        !seen
            .iter()
            .any(|(p, _)| p == "/fhir/Immunization?patient=p2"),
        "prefetched keys are not read again"
    );
    // The fhirServer failing: 412.
    let mut v = request("p3", "1950-01-01");
    v["fhirServer"] = json!(fhir);
    v["prefetch"].as_object_mut().unwrap().remove("allergies");
    assert_eq!(c.call(v).await.status(), 412);
}

async fn feedback_and_cors(backend: Backend) {
    let c = Cds::start(backend).await;
    let path = "/cds-services/inclusio-trials/feedback";
    let card = uuid::Uuid::new_v4().to_string();
    let ok = json!({"feedback": [
        {"card": card, "outcome": "overridden", "overrideReason": {"reason": {"code": "snooze", "system": "https://inclusio.health/fhir/CodeSystem/cds-override-reason"}}, "outcomeTimestamp": "2026-11-23T10:00:00Z"},
        {"card": card, "outcome": "accepted", "acceptedSuggestions": [{"id": "s1"}], "outcomeTimestamp": "2026-11-23T10:01:00Z"},
    ]});
    for _ in 0..2 {
        let r = c
            .send(Method::POST, path, Some(c.token(path)), Some(ok.clone()))
            .await;
        assert_eq!(r.status(), 200, "repeated feedback is accepted again");
    }
    for bad in [
        json!({"feedback": [{"card": card, "outcome": "ignored", "outcomeTimestamp": "2026-11-23T10:00:00Z"}]}),
        json!({"feedback": [{"card": card, "outcome": "accepted", "outcomeTimestamp": "2026-11-23T10:00:00Z"}]}),
        json!({"feedback": [{"card": card, "outcome": "overridden", "overrideReason": {}, "outcomeTimestamp": "2026-11-23T10:00:00Z"}]}),
        json!({"feedback": [{"card": card, "outcome": "overridden"}]}),
        json!({"feedback": [{"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-23T11:00:00+01:00"}]}),
    ] {
        let r = c
            .send(Method::POST, path, Some(c.token(path)), Some(bad.clone()))
            .await;
        assert_eq!(r.status(), 400, "{bad}");
    }
    // CORS preflight for browser clients, and the header on answers.
    for p in ["/cds-services", SERVICE, path] {
        let r = c
            .app
            .request(Method::OPTIONS, p)
            .header("Origin", "https://ehr.example")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{p}");
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let headers = r.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_lowercase();
        assert!(headers.contains("authorization") && headers.contains("content-type"));
        assert!(
            r.headers()["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("POST")
        );
    }
    let r = c.send(Method::POST, SERVICE, None, None).await;
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "*",
        "errors too"
    );
}

async fn fhir_export(backend: Backend) {
    let c = Cds::start(backend).await;
    let admin = c.app.logged_in("admin").await;
    let list: Value = c
        .app
        .as_user(Method::GET, "/api/v1/trials", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert!(list.len() >= 10, "the example trials");
    for t in list {
        let r = c
            .app
            .as_user(
                Method::GET,
                &format!("/api/v1/trials/{}/fhir", t["id"].as_str().unwrap()),
                &admin,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/fhir+json")
        );
        let study: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        assert_no_empty(&study, "$");
        assert_eq!(study["resourceType"], "ResearchStudy");
        assert_eq!(
            study["status"] == "active",
            t["status"] == "recruiting",
            "only recruiting is active"
        );
        let group = &study["contained"][0];
        assert_eq!(group["resourceType"], "Group");
        assert!(
            group["characteristic"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        );
        keep(
            &format!("research-study-{}", t["slug"].as_str().unwrap()),
            &study,
        );
    }
}

const FEEDBACK: &str = "/cds-services/inclusio-trials/feedback";
const OTHER_ISSUER: &str = "https://other-ehr.example/cds-client";

/// Two EHRs, each the issuer of one practice, with cards through the SDK core.
struct Practices {
    app: TestApp,
    key: SigningKey,
    first: uuid::Uuid,
    second: uuid::Uuid,
}

impl Practices {
    async fn start(backend: Backend) -> Practices {
        let key = SigningKey::generate(Algorithm::ES384);
        let inline = serde_json::to_string(&jwks(&[&key])).unwrap();
        let (first, second) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let app = spawn_app_with(backend, |s| {
            s.cds.snooze_days = 7;
            s.cds.issuers = [(ISSUER, first), (OTHER_ISSUER, second)]
                .into_iter()
                .map(|(iss, practice)| TrustedIssuer {
                    iss: iss.into(),
                    jku: vec![],
                    jwks: Some(inline.clone()),
                    algorithms: vec!["ES384".into()],
                    practice_id: Some(practice),
                })
                .collect();
        })
        .await;
        use sea_orm::ActiveModelTrait;
        for (id, name) in [(first, "Cabinet A"), (second, "Cabinet B")] {
            platform::entities::organisation::ActiveModel {
                id: sea_orm::Set(id),
                name: sea_orm::Set(name.into()),
                kind: sea_orm::Set("practice".into()),
                created_at: sea_orm::Set(chrono::Utc::now()),
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        let trials = Path::new(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/trials");
        server::demo::seed(&app.db, &app.settings, &trials, false)
            .await
            .expect("demo trials recruiting");
        Practices {
            app,
            key,
            first,
            second,
        }
    }

    fn token(&self, iss: &str, path: &str) -> String {
        let mut c = claims(&format!("{}{path}", self.app.address));
        c["iss"] = json!(iss);
        self.key.sign_with(&c, None)
    }

    /// The cards for a patient, as the EHR of `iss` sees them.
    async fn cards(&self, iss: &str, patient: &str) -> Vec<Value> {
        let r = self
            .app
            .request(Method::POST, SERVICE)
            .bearer_auth(self.token(iss, SERVICE))
            .json(&request(patient, "1950-01-01"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        check_cards(&body);
        body["cards"].as_array().unwrap().clone()
    }

    async fn feedback(&self, iss: &str, items: Value) {
        let r = self
            .app
            .request(Method::POST, FEEDBACK)
            .bearer_auth(self.token(iss, FEEDBACK))
            .json(&json!({ "feedback": items }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    async fn events(&self, card: &Value) -> Vec<platform::entities::plugin_event::Model> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let id = uuid::Uuid::parse_str(card["uuid"].as_str().unwrap()).unwrap();
        platform::entities::plugin_event::Entity::find()
            .filter(platform::entities::plugin_event::Column::AlertId.eq(id))
            .all(&self.app.db)
            .await
            .unwrap()
    }
}

fn trial_of(card: &Value) -> String {
    card["source"]["topic"]["code"]
        .as_str()
        .unwrap()
        .to_string()
}

fn overridden(card: &Value, code: &str, at: &str) -> Value {
    json!([{"card": card["uuid"], "outcome": "overridden",
            "overrideReason": {"reason": {"code": code, "system": "https://inclusio.health/fhir/CodeSystem/cds-override-reason"}},
            "outcomeTimestamp": at}])
}

async fn cards_through_the_sdk(backend: Backend) {
    let capture = e2e::LogCapture::start();
    let p = Practices::start(backend).await;
    let patient = "ehr-patient-4711-zephyrine";

    // A card per the practice's default settings (one alert), its showing recorded under a
    // pseudonym, its link the pop-up.
    let cards = p.cards(ISSUER, patient).await;
    assert_eq!(cards.len(), 1, "max_alerts defaults to 1: {cards:?}");
    let card = &cards[0];
    keep("sdk-cards", &json!({ "cards": cards }));
    let events = p.events(card).await;
    assert_eq!(events.len(), 1);
    let shown = &events[0];
    assert_eq!(
        (shown.response.as_str(), shown.organisation_id),
        ("shown", p.first)
    );
    assert_eq!(shown.trial_id.to_string(), trial_of(card));
    assert!(server::plugin::is_pseudonym(&shown.patient));
    assert_ne!(shown.patient, patient);
    let link = card["links"][0]["url"].as_str().unwrap();
    let popup = link.split_once("/popup/").expect("a pop-up link").1;
    let r = p
        .app
        .request(Method::GET, &format!("/popup/{popup}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the pop-up opens");

    // Declined (not eligible): never again for that patient, feedback repeated gives one event.
    let declined = trial_of(card);
    for at in ["2026-11-23T10:00:00Z", "2026-11-23T10:05:00Z"] {
        p.feedback(ISSUER, overridden(card, "not-eligible", at))
            .await;
    }
    let events = p.events(card).await;
    let answers: Vec<_> = events.iter().filter(|e| e.response != "shown").collect();
    assert_eq!(answers.len(), 1, "one event for repeated feedback");
    assert_eq!(
        (answers[0].response.as_str(), answers[0].reason.as_deref()),
        ("declined", Some("not_eligible"))
    );
    // The card's showing and the feedback both count on the trial's dashboard: one patient,
    // declined.
    let trial: uuid::Uuid = declined.parse().unwrap();
    let tallied = server::dashboard::tally::answers(&p.app.db, trial)
        .await
        .unwrap();
    assert_eq!(tallied.len(), 1, "{tallied:?}");
    assert_eq!(tallied[0].patients, 1);
    assert_eq!(
        tallied[0].answer.as_ref().map(|a| a.reason.as_deref()),
        Some(Some("not_eligible"))
    );
    for _ in 0..3 {
        let again = p.cards(ISSUER, patient).await;
        assert!(
            again.iter().all(|c| trial_of(c) != declined),
            "a declined trial is not shown again: {again:?}"
        );
    }
    // Another patient of that practice, and the same patient id at another practice, still see it.
    let other = p.cards(ISSUER, "ehr-patient-other").await;
    assert_eq!(trial_of(&other[0]), declined);
    let elsewhere = p.cards(OTHER_ISSUER, patient).await;
    assert_eq!(
        trial_of(&elsewhere[0]),
        declined,
        "the second practice is unaffected"
    );
    assert_eq!(p.events(&elsewhere[0]).await[0].organisation_id, p.second);
    assert_ne!(
        p.events(&elsewhere[0]).await[0].patient,
        shown.patient,
        "pseudonyms differ across practices"
    );

    // Snooze: not_now until today + cds.snooze_days, and not shown meanwhile.
    let snoozed = p.cards(ISSUER, "ehr-patient-snooze").await;
    let snoozed = &snoozed[0];
    p.feedback(
        ISSUER,
        overridden(snoozed, "snooze", "2026-11-23T10:00:00Z"),
    )
    .await;
    let events = p.events(snoozed).await;
    let not_now = events.iter().find(|e| e.response == "not_now").unwrap();
    assert_eq!(
        not_now.snooze_until,
        chrono::Utc::now()
            .date_naive()
            .checked_add_days(chrono::Days::new(7))
    );
    let again = p.cards(ISSUER, "ehr-patient-snooze").await;
    assert!(again.iter().all(|c| trial_of(c) != trial_of(snoozed)));
    // Once the snooze date is reached, the trial is shown again.
    {
        use sea_orm::{ActiveModelTrait, IntoActiveModel};
        let mut m = not_now.clone().into_active_model();
        m.snooze_until = sea_orm::Set(Some(chrono::Utc::now().date_naive()));
        m.update(&p.app.db).await.unwrap();
    }
    let back = p.cards(ISSUER, "ehr-patient-snooze").await;
    assert_eq!(trial_of(&back[0]), trial_of(snoozed), "the snooze is over");

    // Shown three times (the default `max_unanswered_shows`) without an answer: no more.
    let first = trial_of(&p.cards(ISSUER, "ehr-patient-silent").await[0]);
    for _ in 0..2 {
        assert_eq!(
            trial_of(&p.cards(ISSUER, "ehr-patient-silent").await[0]),
            first
        );
    }
    let later = p.cards(ISSUER, "ehr-patient-silent").await;
    assert!(later.iter().all(|c| trial_of(c) != first), "{later:?}");

    // Accepted: an `accepted` event and its consent token; repeated, once.
    let accepted = &p.cards(ISSUER, "ehr-patient-yes").await[0];
    let item = json!([{"card": accepted["uuid"], "outcome": "accepted",
        "acceptedSuggestions": [{"id": "open"}], "outcomeTimestamp": "2026-11-23T10:00:00Z"}]);
    p.feedback(ISSUER, item.clone()).await;
    p.feedback(ISSUER, item).await;
    let events = p.events(accepted).await;
    assert_eq!(
        events.iter().filter(|e| e.response == "accepted").count(),
        1
    );
    // Feedback from the other practice on this practice's card records nothing.
    p.feedback(
        OTHER_ISSUER,
        overridden(accepted, "no-time", "2026-11-23T10:00:00Z"),
    )
    .await;
    assert_eq!(p.events(accepted).await.len(), 2);

    // No JWT and no patient value in the logs.
    let logs = capture.text();
    assert!(logs.contains("/cds-services"), "the capture sees the calls");
    let jwt = p.token(ISSUER, SERVICE);
    let signature = jwt.rsplit('.').next().unwrap();
    for value in [
        patient,
        "ehr-patient-snooze",
        "1950-01-01",
        signature,
        &shown.patient,
    ] {
        assert!(!logs.contains(value), "`{value}` is in the logs");
    }
    for bearer in ["Bearer ey", "eyJ"] {
        assert!(!logs.contains(bearer), "a JWT is in the logs");
    }
}

/// Identical feedback sent at once (an EHR retrying, or several tabs): every call is a 200 and
/// one event is stored (and for an accept, one consent token), on both backends.
async fn concurrent_identical_feedback(backend: Backend) {
    let p = Practices::start(backend).await;
    for (patient, response) in [
        ("ehr-patient-race-no", "declined"),
        ("ehr-patient-race-yes", "accepted"),
    ] {
        let card = &p.cards(ISSUER, patient).await[0];
        let items = if response == "accepted" {
            json!([{"card": card["uuid"], "outcome": "accepted",
                "acceptedSuggestions": [{"id": "open"}], "outcomeTimestamp": "2026-11-23T10:00:00Z"}])
        } else {
            overridden(card, "not-interested", "2026-11-23T10:00:00Z")
        };
        // Every request is built (and its JWT signed) first, then all are sent at once.
        let requests: Vec<_> = (0..8)
            .map(|_| {
                p.app
                    .request(Method::POST, FEEDBACK)
                    .bearer_auth(p.token(ISSUER, FEEDBACK))
                    .json(&json!({ "feedback": items }))
            })
            .collect();
        let sent: Vec<_> = requests
            .into_iter()
            .map(|r| {
                tokio::spawn(async move {
                    let r = r.send().await.unwrap();
                    (r.status().as_u16(), r.text().await.unwrap())
                })
            })
            .collect();
        for s in sent {
            let (status, body) = s.await.unwrap();
            assert_eq!(status, 200, "{response}: {body}");
        }
        let events = p.events(card).await;
        assert_eq!(
            events.iter().filter(|e| e.response == response).count(),
            1,
            "{response}: {events:?}"
        );
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let alert = uuid::Uuid::parse_str(card["uuid"].as_str().unwrap()).unwrap();
        let tokens = platform::entities::consent_token::Entity::find()
            .filter(platform::entities::consent_token::Column::AlertId.eq(alert))
            .count(&p.app.db)
            .await
            .unwrap();
        assert_eq!(tokens, u64::from(response == "accepted"), "{response}");
    }
}

/// The value of attribute `value` after `marker` in `html`.
fn value_after(html: &str, marker: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in the page"));
    let rest = &html[at..];
    let start = rest.find("value=\"").unwrap() + 7;
    rest[start..start + rest[start..].find('"').unwrap()].to_string()
}

/// From a CDS card to a signed consent: the card's pop-up link, "Propose now" in the pop-up,
/// the consent form it leads to, and the referral it creates for the practice of the EHR's
/// issuer, under the card's pseudonym and alert.
async fn consent_from_a_card(backend: Backend) {
    let p = Practices::start(backend).await;
    let card = p.cards(ISSUER, "ehr-patient-card-to-consent").await[0].clone();
    let link = card["links"][0]["url"].as_str().unwrap();
    let popup = link.split_once("/popup/").expect("a pop-up link").1;
    let r = p
        .app
        .request(Method::POST, &format!("/popup/{popup}/answer"))
        .json(&json!({"id": uuid::Uuid::now_v7(), "response": "accepted", "at": "2026-11-23T10:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    let url = answer["consent_url"].as_str().expect("a consent link");
    let path = &url[url.find("/consent/").unwrap()..];
    let html = p.app.get(path).await.text().await.unwrap();
    let document = value_after(&html, "name=\"document_id\"");
    let site = value_after(&html, "<select id=\"site_id\"");
    let mut form: Vec<(String, String)> = [
        ("document_id", document.as_str()),
        ("identity_method", "known_patient"),
        ("q0", "1"),
        ("q1", "0"),
        ("given_name", "Zéphyrine"),
        ("family_name", "Qwertz"),
        ("birth_date", "1950-01-01"),
        ("phone", "06 11 22 33 44"),
        ("signature", "Zephyrine Qwertz"),
        ("gp_name", "Dr Jean Martin"),
        ("gp_attest", "yes"),
        ("site_id", site.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for st in [
        "read",
        "questions",
        "voluntary",
        "withdraw",
        "data",
        "contact",
    ] {
        form.push(("statement".into(), st.into()));
    }
    let r = p
        .app
        .request(Method::POST, path)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    use sea_orm::EntityTrait;
    let referrals = platform::entities::referral::Entity::find()
        .all(&p.app.db)
        .await
        .unwrap();
    assert_eq!(referrals.len(), 1);
    let shown = &p.events(&card).await[0];
    assert_eq!(referrals[0].organisation_id, p.first);
    assert_eq!(referrals[0].patient, shown.patient, "the card's pseudonym");
    assert_eq!(
        referrals[0].alert_id.to_string(),
        card["uuid"].as_str().unwrap()
    );
    assert_eq!(referrals[0].trial_id.to_string(), trial_of(&card));
}

/// A LOINC Observation of `patient` with a quantity, on `day`.
fn observation(
    id: &str,
    patient: &str,
    (code, value, unit): (&str, f64, &str),
    category: &str,
    day: chrono::NaiveDate,
) -> Value {
    json!({"resourceType": "Observation", "id": id, "status": "final",
        "subject": {"reference": format!("Patient/{patient}")},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "effectiveDateTime": day.to_string(),
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}})
}

/// What the recruiting example trials read, as the service computes it.
fn example_need(today: chrono::NaiveDate) -> trials::ObservationNeed {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/trials");
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        all.push(trials::Trial::from_json(&text).unwrap());
    }
    trials::TrialIndex::new(all)
        .unwrap()
        .observation_need(today)
}

/// Percent-decodes the `%7C` of a code token.
fn token(t: &str) -> String {
    t.replace("%7C", "|")
}

/// The observations key not prefetched: the service searches the fhirServer for the codes
/// and dates the recruiting trials read only, splits long code lists, follows the pages,
/// and the patient whose fetched HbA1c is above target gets the diabetes trial's card.
async fn observations_as_the_trials_need(backend: Backend) {
    let c = Cds::start(backend).await;
    let today = c.app.clock.today();
    let need = example_need(today);
    assert!(need.wants_code("http://loinc.org", "4548-4"), "HbA1c");
    assert!(!need.wants_code("http://loinc.org", "8867-4"), "heart rate");
    let wanted: Vec<String> = need
        .codes()
        .map(|(s, code)| format!("{}|{code}", s.uri()))
        .collect();
    let days = |n: u64| today - chrono::Days::new(n);
    let mut resources = vec![
        // Two HbA1c above target for the first patient: two pages of one.
        observation("a1", "p-high", ("4548-4", 8.0, "%"), "laboratory", days(30)),
        observation("a2", "p-high", ("4548-4", 7.9, "%"), "laboratory", days(90)),
        observation(
            "e1",
            "p-high",
            ("33914-3", 60.0, "mL/min/{1.73_m2}"),
            "laboratory",
            days(60),
        ),
        observation(
            "hr",
            "p-high",
            ("8867-4", 70.0, "/min"),
            "vital-signs",
            days(10),
        ),
        // Below target for the second.
        observation("b1", "p-low", ("4548-4", 6.0, "%"), "laboratory", days(30)),
        observation(
            "e2",
            "p-low",
            ("33914-3", 60.0, "mL/min/{1.73_m2}"),
            "laboratory",
            days(60),
        ),
    ];
    resources.push(json!({"resourceType": "Observation", "id": "s1", "status": "final",
        "subject": {"reference": "Patient/p-high"},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "social-history"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "72166-2"}]},
        "effectiveDateTime": days(400).to_string(),
        "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "266919005"}]}}));
    let fhir = format!("{}/fhir", c.ehr_url);
    c.ehr.search("/fhir/Observation", resources.clone(), 1);
    let recent = days(30).to_string();
    let call = |id: &'static str, base: String| {
        let mut v = request(id, "1962-03-14");
        let subject = json!({"reference": format!("Patient/{id}")});
        v["prefetch"]["conditions"] = searchset(vec![
            json!({"resourceType": "Condition", "subject": subject,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]},
            "onsetDateTime": "2016-04-11"}),
        ]);
        v["prefetch"]["medications"] = searchset(vec![
            json!({"resourceType": "MedicationRequest", "subject": subject,
            "status": "active", "intent": "order", "authoredOn": recent,
            "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "861007"}]}}),
        ]);
        v["prefetch"]
            .as_object_mut()
            .unwrap()
            .remove("observations");
        v["fhirServer"] = json!(base);
        v["fhirAuthorization"] = json!({"access_token": "secret-token-obs", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "inclusio"});
        v
    };
    let diabetes = |body: &Value| {
        body["cards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["summary"].as_str().unwrap().contains("DIAB-INTENSE"))
    };
    let r = c.call(call("p-high", fhir.clone())).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    check_cards(&body);
    assert!(
        diabetes(&body),
        "eligible through the fetched HbA1c: {body}"
    );

    // The searches: the needed codes only, the date bound, social history by category.
    let bound = need
        .since()
        .map(|d| format!("&date=ge{}", d.pred_opt().unwrap()));
    let check = |queries: &[String], patient: &str| -> (usize, Vec<String>) {
        let mut codes = Vec::new();
        let mut code_queries = 0;
        for q in queries {
            assert!(q.starts_with(&format!("patient={patient}&")), "{q}");
            assert!(
                !q.contains("laboratory") && !q.contains("vital-signs"),
                "{q}"
            );
            if q.contains("category=social-history") {
                assert!(need.social_history(), "{q}");
                assert!(!q.contains("code="), "{q}");
                continue;
            }
            let list = q
                .split('&')
                .find_map(|p| p.strip_prefix("code="))
                .unwrap_or_else(|| panic!("a search by code: {q}"));
            if let Some(bound) = &bound {
                assert!(q.contains(bound.as_str()), "{q} lacks {bound}");
            } else {
                assert!(!q.contains("date="), "{q}");
            }
            assert!(q.contains("_count=100"), "{q}");
            if !q.contains("_offset=") {
                code_queries += 1;
                for t in list.split(',') {
                    let t = token(t);
                    let (system, code) = t.split_once('|').unwrap();
                    assert!(need.wants_code(system, code), "{t} is not needed");
                    codes.push(t);
                }
            }
        }
        codes.sort();
        (code_queries, codes)
    };
    let queries = c.ehr.queries("/fhir/Observation");
    let (_, asked) = check(&queries, "p-high");
    let mut all = wanted.clone();
    all.sort();
    assert_eq!(asked, all, "every needed code asked for, once");
    assert!(
        queries.iter().any(|q| q.contains("_offset=")),
        "the next pages are read: {queries:?}"
    );
    assert_eq!(
        queries
            .iter()
            .any(|q| q.contains("category=social-history")),
        need.social_history()
    );
    let seen = c.ehr.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .filter(|(p, _)| p.starts_with("/fhir/Observation?"))
            .all(|(_, a)| a.as_deref() == Some("Bearer secret-token-obs"))
    );

    // HbA1c below target: no diabetes card (its observations are not the other patient's).
    let r = c.call(call("p-low", fhir.clone())).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    check_cards(&body);
    assert!(!diabetes(&body), "HbA1c 6 %: {body}");

    // A long fhirServer URL: the code list is split so that every URL stays under 2,000
    // characters, every needed code asked for once.
    let list: usize = wanted.iter().map(|w| w.replace('|', "%7C").len() + 1).sum();
    let fixed = format!(
        "{}/fhir//Observation?patient=p-high&code=&date=ge2000-01-01&_count=100",
        c.ehr_url
    )
    .len();
    let segment = "r".repeat(2000usize.saturating_sub(fixed + list / 2).max(1));
    let path = format!("/fhir/{segment}/Observation");
    c.ehr.search(&path, resources, 1);
    let r = c
        .call(call("p-high", format!("{}/fhir/{segment}", c.ehr_url)))
        .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(diabetes(&body), "{body}");
    let queries = c.ehr.queries(&path);
    for q in &queries {
        let url = format!("{}{path}?{q}", c.ehr_url);
        assert!(url.len() < 2000, "{} characters", url.len());
    }
    let (split, asked) = check(&queries, "p-high");
    assert!(split >= 2, "split: {queries:?}");
    assert_eq!(asked, all, "every needed code once");
}

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(e2e::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(e2e::Backend::Postgres).await;
            }
        }
    };
}

on_both!(discovery_and_every_jwt_rule);
on_both!(requests_prefetch_and_cards);
on_both!(feedback_and_cors);
on_both!(fhir_export);
on_both!(cards_through_the_sdk);
on_both!(concurrent_identical_feedback);
on_both!(consent_from_a_card);
on_both!(observations_as_the_trials_need);
