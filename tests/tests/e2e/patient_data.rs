//! Patient values never reach the logs, an error answer or the database in clear. Every route
//! that takes patient data (`/api/v1/match`, `/api/v1/events`, `/api/v1/criteria/test`, the
//! CDS Hooks service and its feedback, the consent form) is sent distinctive values, as
//! malformed bodies (a wrong type, an unknown variant, a bad date, not JSON) and as
//! well-formed but wrong ones (a bad pseudonym, an unknown language, codes of no system); a
//! valid consent then stores its identity sealed. The server's logs (captured at DEBUG), every
//! error body and every table are searched for the values. On SQLite and PostgreSQL.

use e2e::cds::{ISSUER, SigningKey, claims, jwks};
use e2e::flow::{self, accept, consent_form, document_id, pseudonym, submit};
use e2e::{Backend, TestApp};
use jsonwebtoken::Algorithm;
use platform::config::TrustedIssuer;
use reqwest::Method;
use serde_json::{Value, json};

/// What every distinctive value starts with: found anywhere, a value leaked.
const MARK: &str = "ZZPATIENTVALUE";
/// A distinctive number, sent where a string is expected (and as a value).
const NUMBER: i64 = 987_654_321;
const SERVICE: &str = "/cds-services/inclusio-trials";
const FEEDBACK: &str = "/cds-services/inclusio-trials/feedback";

/// The `n`th distinctive value.
fn v(n: u32) -> String {
    format!("{MARK}{n}")
}

/// Whether `text` holds a distinctive value.
fn leaks(text: &str) -> bool {
    text.contains(MARK) || text.contains(&NUMBER.to_string()) || text.contains("98765.4321")
}

struct Run {
    app: TestApp,
    key: SigningKey,
    /// Error bodies, with what was sent.
    errors: Vec<(String, String)>,
}

impl Run {
    /// Sends `req`; keeps the body when it is an error. Returns the status and the body.
    async fn send(&mut self, what: &str, req: reqwest::RequestBuilder) -> (u16, String) {
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        if status >= 400 {
            self.errors.push((what.to_string(), text.clone()));
        }
        (status, text)
    }

    fn cds_token(&self, path: &str) -> String {
        self.key
            .sign_with(&claims(&format!("{}{path}", self.app.address)), None)
    }
}

/// A valid record with distinctive values where a record holds free text or codes.
fn wrong_but_valid_record() -> Value {
    let mut p = e2e::example_patient("dupont-jean");
    p["id"] = json!(v(1));
    p["events"].as_array_mut().unwrap().extend([
        json!({"kind": "condition", "system": "http://hl7.org/fhir/sid/icpc-2", "code": v(2),
               "display": v(3), "date": "2026-01-02"}),
        json!({"kind": "condition", "system": v(4), "code": "T90", "date": "2026-01-02"}),
    ]);
    p["observations"].as_array_mut().unwrap().push(
        json!({"code": "4548-4", "display": v(5), "value": 98765.4321, "unit": v(6), "date": "2026-01-02"}),
    );
    p
}

/// Records that do not parse, each with a distinctive value at fault.
fn malformed_records() -> Vec<Value> {
    vec![
        json!({"sex": v(10)}),
        json!({"birth_date": v(11)}),
        json!({"birth_date": NUMBER}),
        json!({"id": NUMBER}),
        json!({"deceased": v(12)}),
        json!({"events": [{"kind": v(13), "system": "icpc-2", "code": "T90"}]}),
        json!({"events": [{"kind": "condition", "system": "icpc-2", "code": NUMBER}]}),
        json!({"events": [{"kind": "condition", "system": "icpc-2", "code": "T90", "date": v(14)}]}),
        json!({"events": [{"kind": "condition", "system": "icpc-2", "code": "T90", "status": v(15)}]}),
        json!({"observations": [{"code": "4548-4", "value": v(16), "unit": "%"}]}),
        json!({"observations": [{"code": "4548-4", "value": 7.1, "comparator": v(17)}]}),
        json!({"sex": {v(18): 1}}),
    ]
}

/// FHIR Bundles: malformed, or with distinctive values in every field the reader looks at.
fn bundles() -> Vec<Value> {
    vec![
        json!({"resourceType": "Bundle", "entry": v(20)}),
        json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient",
            "id": v(21), "gender": v(22), "birthDate": v(23),
            "name": [{"family": v(24)}]}},
            {"resource": {"resourceType": "Condition", "code": {"coding": [
                {"system": v(25), "code": v(26)}]}, "onsetDateTime": v(27)}},
            {"resource": {"resourceType": "Observation", "code": {"coding": [
                {"system": "http://loinc.org", "code": "4548-4"}]},
                "valueQuantity": {"value": v(28), "unit": v(29)}, "effectiveDateTime": v(30)}}]}),
        json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient",
            "gender": NUMBER, "birthDate": NUMBER}}]}),
    ]
}

async fn start(backend: Backend) -> (Run, String, String, String) {
    let key = SigningKey::generate(Algorithm::ES384);
    let inline = serde_json::to_string(&jwks(&[&key])).unwrap();
    let practice = uuid::Uuid::now_v7();
    let app = e2e::spawn_app_with(backend, |s| {
        s.cds.issuers = vec![TrustedIssuer {
            iss: ISSUER.into(),
            jku: vec![],
            jwks: Some(inline),
            algorithms: vec!["ES384".into()],
            practice_id: Some(practice),
        }];
    })
    .await;
    {
        use sea_orm::ActiveModelTrait;
        platform::entities::organisation::ActiveModel {
            id: sea_orm::Set(practice),
            name: sea_orm::Set("Cabinet des Tests".into()),
            kind: sea_orm::Set("practice".into()),
            created_at: sea_orm::Set(chrono::Utc::now()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let (admin, sponsor) = flow::admin_and_sponsor(&app).await;
    let trial = flow::recruiting_trial(&app, &admin, &sponsor, "diabetes-t2-hba1c", 10).await;
    let site = flow::site(&app, &sponsor, &trial, "CHU Lille", Some((50.63, 3.06))).await;
    let api_key = flow::api_key(&app, &admin, practice).await;
    let run = Run {
        app,
        key,
        errors: Vec::new(),
    };
    (run, sponsor, api_key, format!("{trial}|{}", site.id))
}

async fn patient_values_never_leak(backend: Backend) {
    let capture = e2e::LogCapture::start();
    let (mut run, sponsor, key, ids) = start(backend).await;
    let (trial, site) = ids.split_once('|').unwrap();
    let criteria = e2e::example_trial("diabetes-t2-hba1c")["criteria"].clone();

    // POST /api/v1/match: malformed records are 400s, wrong ones 422s or evaluated.
    let matching = |run: &Run, body: Value| {
        run.app
            .request(Method::POST, "/api/v1/match")
            .bearer_auth(&key)
            .json(&body)
    };
    for record in malformed_records() {
        let (status, body) = run
            .send("match", matching(&run, json!({ "patient": record })))
            .await;
        assert_eq!(status, 400, "{record}: {body}");
        assert!(body.contains("malformed_json"), "{body}");
    }
    let record = wrong_but_valid_record();
    for (body, expected) in [
        (json!({"patient": record}), 200),
        (json!({"patient": record, "pseudonym": v(40)}), 422),
        (json!({"patient": record, "lang": v(41)}), 422),
        (json!({"patient": record, "date": v(42)}), 400),
        (json!({"patient": record, "pseudonym": NUMBER}), 400),
    ] {
        let (status, text) = run.send("match", matching(&run, body)).await;
        assert_eq!(status, expected, "{text}");
    }
    for bundle in bundles() {
        let (status, text) = run
            .send("match fhir", matching(&run, json!({ "fhir": bundle })))
            .await;
        assert!(status == 200 || status == 422, "{status}: {text}");
    }
    let (status, _) = run
        .send(
            "match not JSON",
            run.app
                .request(Method::POST, "/api/v1/match")
                .bearer_auth(&key)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(format!("{{\"patient\": {{\"sex\": {}", v(43))),
        )
        .await;
    assert_eq!(status, 400);

    // POST /api/v1/events: a pseudonym and enumerated fields that are not what they should be.
    let event = |patch: Value| {
        let mut e = json!({"id": uuid::Uuid::now_v7(), "alert_id": uuid::Uuid::now_v7(),
            "trial": trial, "trial_version": 1, "patient": pseudonym(7),
            "verdict": "eligible", "response": "declined", "reason": "no_time",
            "at": "2026-11-24T09:30:00Z"});
        for (k, x) in patch.as_object().unwrap() {
            e[k] = x.clone();
        }
        e
    };
    for patch in [
        json!({"patient": v(50)}),
        json!({"verdict": v(51)}),
        json!({"response": v(52)}),
        json!({"reason": v(53)}),
        json!({"trial_version": v(54)}),
        json!({"at": v(55)}),
        json!({"patient": NUMBER}),
    ] {
        let (status, text) = run
            .send(
                "events",
                run.app
                    .request(Method::POST, "/api/v1/events")
                    .bearer_auth(&key)
                    .json(&json!({ "events": [event(patch.clone())] })),
            )
            .await;
        assert!(status == 400 || status == 422, "{patch}: {status} {text}");
    }

    // POST /api/v1/criteria/test, as the sponsor.
    let testing = |run: &Run, body: Value| {
        run.app
            .as_user(Method::POST, "/api/v1/criteria/test", &sponsor)
            .json(&body)
    };
    for record in malformed_records() {
        let (status, text) = run
            .send(
                "criteria test",
                testing(&run, json!({"criteria": criteria, "patient": record})),
            )
            .await;
        assert_eq!(status, 422, "{record}: {text}");
        assert!(text.contains("malformed_patient"), "{text}");
    }
    for bundle in bundles() {
        let (status, text) = run
            .send(
                "criteria test fhir",
                testing(&run, json!({"criteria": criteria, "fhir": bundle})),
            )
            .await;
        assert!(status == 200 || status == 422, "{status}: {text}");
    }
    for (body, expected) in [
        (json!({"criteria": criteria, "patient": record}), 200),
        (
            json!({"criteria": criteria, "patient": record, "date": v(60)}),
            400,
        ),
        (
            json!({"criteria": criteria, "patient": record, "lang": v(61)}),
            400,
        ),
    ] {
        let (status, text) = run.send("criteria test", testing(&run, body)).await;
        assert_eq!(status, expected, "{text}");
    }

    // The CDS Hooks service: a Patient and searchsets with distinctive values, a hook call
    // of the wrong shape, feedback of the wrong shape.
    let searchset = |resources: Vec<Value>| {
        json!({"resourceType": "Bundle", "type": "searchset", "total": resources.len(),
               "entry": resources.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()})
    };
    let hook = |patient_id: Value, prefetch_patient: Value| {
        json!({"hook": "patient-view", "hookInstance": uuid::Uuid::new_v4().to_string(),
        "context": {"userId": "Practitioner/gp-1", "patientId": patient_id},
        "prefetch": {
            "patient": prefetch_patient,
            "conditions": searchset(vec![json!({"resourceType": "Condition",
                "code": {"coding": [{"system": v(70), "code": v(71)}]}, "onsetDateTime": v(72)})]),
            "observations": searchset(vec![json!({"resourceType": "Observation",
                "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
                "valueQuantity": {"value": v(73), "unit": v(74)}})]),
            "medications": searchset(vec![]), "medicationStatements": searchset(vec![]),
            "immunizations": searchset(vec![]), "procedures": searchset(vec![]),
            "allergies": searchset(vec![]),
        }})
    };
    let patient_resource = json!({"resourceType": "Patient", "id": v(79), "gender": v(76),
        "birthDate": v(77), "name": [{"family": v(78)}], "identifier": [{"value": v(75)}]});
    for (body, expected) in [
        (hook(json!(v(79)), patient_resource.clone()), 200),
        (hook(json!(NUMBER), patient_resource.clone()), 400),
        (hook(json!(v(80)), json!(v(81))), 400),
        (
            hook(
                json!(v(82)),
                json!({"resourceType": v(83), "gender": NUMBER}),
            ),
            400,
        ),
    ] {
        let token = run.cds_token(SERVICE);
        let (status, text) = run
            .send(
                "cds",
                run.app
                    .request(Method::POST, SERVICE)
                    .bearer_auth(token)
                    .json(&body),
            )
            .await;
        assert_eq!(status, expected, "{text}");
        // A card never repeats the record either.
        assert!(!leaks(&text), "a CDS answer holds a patient value: {text}");
    }
    for feedback in [
        json!({"feedback": [{"card": v(90), "outcome": v(91), "outcomeTimestamp": v(92)}]}),
        json!({"feedback": [{"card": NUMBER, "outcome": "accepted"}]}),
    ] {
        let token = run.cds_token(FEEDBACK);
        let (status, text) = run
            .send(
                "cds feedback",
                run.app
                    .request(Method::POST, FEEDBACK)
                    .bearer_auth(token)
                    .json(&feedback),
            )
            .await;
        assert!(status == 400 || status == 200, "{status}: {text}");
    }

    // The consent form: wrong entries give the form again (422), then a valid consent.
    let link = accept(&run.app, &key, trial, 9).await;
    let html = run.app.get(&link).await.text().await.unwrap();
    let doc = document_id(&html);
    let good = |given: &str, family: &str, birth: &str, phone: &str, email: &str| {
        consent_form(&[
            ("document_id", doc.as_str()),
            ("identity_method", "id_card"),
            ("q0", "1"),
            ("q1", "0"),
            ("given_name", given),
            ("family_name", family),
            ("birth_date", birth),
            ("phone", phone),
            ("email", email),
            ("signature", &format!("{given} {family}")),
            // The attesting GP's name is the clinician's, kept in clear by design.
            ("gp_name", "Dr Anne Petit"),
            ("gp_attest", "yes"),
            ("site_id", site),
        ])
    };
    let (given, family) = (v(101), v(102));
    let birth = v(103);
    let phone = v(104);
    let email = format!("{}@", v(105));
    for f in [
        good(&given, &family, &birth, "+33 6 12 34 56 78", ""),
        good(&given, &family, "1961-04-02", &phone, ""),
        good(&given, &family, "1961-04-02", "", &email),
    ] {
        let r = submit(&run.app, &link, &f).await;
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        // The form comes back with the patient's own entries in its fields (so that they
        // need not type them again), and nowhere else: no message repeats them.
        let mut outside_fields = page.clone();
        for (_, value) in &f {
            outside_fields = outside_fields.replace(&format!("value=\"{value}\""), "");
        }
        assert!(
            !leaks(&outside_fields),
            "the consent form repeats an entry outside its field"
        );
    }
    let r = submit(
        &run.app,
        &link,
        &good(&given, &family, "1961-04-02", "+33 6 99 88 77 66", ""),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    // Nothing of it anywhere: the error answers, the logs, the database.
    assert!(run.errors.len() > 40, "{} error answers", run.errors.len());
    let echoed: Vec<_> = run.errors.iter().filter(|(_, body)| leaks(body)).collect();
    let logs = capture.text();
    assert!(logs.contains("/api/v1/match"), "the capture sees the calls");
    assert!(
        logs.contains("malformed_json"),
        "the capture sees the errors"
    );
    let logged: Vec<_> = logs.lines().filter(|l| leaks(l)).collect();
    assert!(
        echoed.is_empty() && logged.is_empty(),
        "{} of {} error answers repeat a patient value (first: {:?}); {} log lines hold one (first: {:?})",
        echoed.len(),
        run.errors.len(),
        echoed.first(),
        logged.len(),
        logged.first()
    );
    let dump = e2e::dump_database(&run.app).await;
    let row = dump.lines().find(|l| leaks(l));
    assert!(row.is_none(), "a patient value is stored in clear: {row:?}");
}

mod patient_values_never_leak {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        patient_values_never_leak(Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        patient_values_never_leak(Backend::Postgres).await;
    }
}
