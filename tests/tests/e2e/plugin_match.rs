//! `POST /api/v1/match` over HTTP: the record leaves no trace in the database or the logs,
//! every alert-fatigue rule applies, bad bodies are 4xx naming the field; the sealed pop-up
//! page and its answers; CORS for web EHRs.

use e2e::flow::{self, ok, pseudonym};
use e2e::{Backend, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

struct Fx {
    admin: String,
    key: String,
    practice: Uuid,
    /// Registry ids by example name.
    trials: Vec<(String, String)>,
}

impl Fx {
    fn trial(&self, name: &str) -> &str {
        &self.trials.iter().find(|(n, _)| n == name).unwrap().1
    }
}

async fn fixture(app: &TestApp, names: &[&str]) -> Fx {
    let admin = app.logged_in("admin").await;
    let practice = app.seed_organisation("Cabinet du Port", "practice").await;
    let key = flow::api_key(app, &admin, practice).await;
    let org = app.seed_organisation("Sponsor", "sponsor").await;
    let sponsor = app.logged_in_at("sponsor", Some(org)).await;
    let mut trials = Vec::new();
    for name in names {
        let id = flow::recruiting_example(app, &admin, &sponsor, name).await;
        trials.push((name.to_string(), id));
    }
    Fx {
        admin,
        key,
        practice,
        trials,
    }
}

/// Values that exist nowhere but in this test's record.
const DISTINCTIVE: [&str; 6] = [
    "Quatremare",
    "Zéphyrine",
    "1958-03-17",
    "MRN-7741-QZ",
    "8.43217",
    "Rue des Glycines 77",
];

fn fhir_record() -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "pat-1",
            "identifier": [{"system": "urn:mrn", "value": "MRN-7741-QZ"}],
            "name": [{"family": "Quatremare", "given": ["Zéphyrine"]}],
            "address": [{"line": ["Rue des Glycines 77"], "city": "Lille"}],
            "gender": "female", "birthDate": "1958-03-17"}},
        {"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/pat-1"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}]},
            "onsetDateTime": "2015-05-04"}},
        {"resource": {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/pat-1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "valueQuantity": {"value": 8.43217, "unit": "%"}, "effectiveDateTime": "2026-10-02"}},
        {"resource": {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": {"reference": "Patient/pat-1"},
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "A10BA02"}]},
            "authoredOn": "2026-10-15"}}
    ]})
}

both!(
    a_match_leaves_no_trace_in_the_database_or_the_logs,
    |app: TestApp| async move {
        let capture = e2e::LogCapture::start();
        let f = fixture(&app, &["diabetes-t2-hba1c"]).await;
        let r = app.post_match(&f.key, &json!({"fhir": fhir_record(), "pseudonym": pseudonym(1), "date": "2026-11-20", "lang": "en"}))
    .await;
        let v = ok(r).await;
        let alerts = v["alerts"].as_array().unwrap();
        assert_eq!(alerts.len(), 1, "{v}");
        let a = &alerts[0];
        assert_eq!(a["trial"], f.trial("diabetes-t2-hba1c"));
        // No eGFR in the record: the exclusion is to confirm.
        assert_eq!(a["verdict"], "possibly_eligible", "{a}");
        assert!(
            a["reasons"][2]["en"]
                .as_str()
                .unwrap()
                .contains("HbA1c 8.43 %")
        );
        assert!(a["popup_html"].as_str().unwrap().contains("Propose now"));
        // The pop-up page renders the same alert from its sealed token.
        let page = app
            .client
            .get(a["popup_url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("/static/inclusio.js") && html.contains("data-inclusio-action"));
        // Nothing of the record is stored, nor logged.
        let dump = e2e::dump_database(&app).await;
        assert!(
            dump.contains("plugin_settings") || dump.contains("trials"),
            "the dump reads tables"
        );
        let logs = capture.text();
        assert!(
            logs.contains("/api/v1/match"),
            "the capture sees the request: {logs}"
        );
        for value in DISTINCTIVE {
            assert!(!dump.contains(value), "`{value}` is in the database");
            assert!(!logs.contains(value), "`{value}` is in the logs");
        }
        // Not even when the record is refused.
        let mut bad = fhir_record();
        bad["resourceType"] = json!("Patient");
        let r = app
            .post_match(&f.key, &json!({"fhir": bad, "pseudonym": "Zéphyrine"}))
            .await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        let logs = capture.text();
        for value in DISTINCTIVE {
            assert!(
                !body.contains(value),
                "`{value}` echoed in the error: {body}"
            );
            assert!(!logs.contains(value), "`{value}` is in the logs");
        }
        assert_eq!(
            e2e::dump_database(&app).await.lines().count(),
            dump.lines().count(),
            "a match writes nothing"
        );
    }
);

async fn alerts_for(app: &TestApp, f: &Fx, patient: &str) -> Vec<String> {
    let v = ok(app.post_match(&f.key, &json!({"patient": e2e::example_patient("dupont-jean"), "pseudonym": patient, "date": "2026-11-23"}))
    .await)
    .await;
    v["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let id = a["trial"].as_str().unwrap();
            f.trials.iter().find(|(_, t)| t == id).unwrap().0.clone()
        })
        .collect()
}

async fn send_event(app: &TestApp, f: &Fx, trial: &str, patient: &str, response: &str) {
    let mut e = json!({"id": Uuid::now_v7(), "alert_id": Uuid::now_v7(), "trial": f.trial(trial),
        "trial_version": 1, "patient": patient, "verdict": "eligible", "response": response,
        "at": chrono::Utc::now().to_rfc3339()});
    match response {
        "declined" => e["reason"] = json!("not_interested"),
        "not_now" => e["snooze_until"] = json!("2099-01-01"),
        _ => {}
    }
    ok(app.post_events(&f.key, &[e]).await).await;
}

async fn set_settings(app: &TestApp, f: &Fx, body: Value) {
    ok(app.put_plugin_settings(&f.admin, &f.practice, &body).await).await;
}

both!(
    match_applies_every_fatigue_rule,
    |app: TestApp| async move {
        let names = [
            "diabetes-t2-hba1c",
            "hypertension-uncontrolled",
            "influenza-vaccine-65",
        ];
        let f = fixture(&app, &names).await;
        let (p, q) = (pseudonym(2), pseudonym(3));
        // Default: one alert per consultation.
        assert_eq!(alerts_for(&app, &f, &p).await.len(), 1);
        set_settings(
            &app,
            &f,
            json!({"max_alerts": 3, "max_unanswered_shows": 2}),
        )
        .await;
        let mut all = alerts_for(&app, &f, &p).await;
        all.sort();
        assert_eq!(all, names, "the three eligible trials");
        // A decline: never again for this patient, still for another.
        send_event(&app, &f, "diabetes-t2-hba1c", &p, "declined").await;
        // Not now: not before its date.
        send_event(&app, &f, "hypertension-uncontrolled", &p, "not_now").await;
        assert_eq!(alerts_for(&app, &f, &p).await, ["influenza-vaccine-65"]);
        assert_eq!(alerts_for(&app, &f, &q).await.len(), 3);
        // Shown twice without an answer: no more.
        send_event(&app, &f, "influenza-vaccine-65", &p, "shown").await;
        assert_eq!(alerts_for(&app, &f, &p).await, ["influenza-vaccine-65"]);
        send_event(&app, &f, "influenza-vaccine-65", &p, "shown").await;
        assert!(alerts_for(&app, &f, &p).await.is_empty());
        // Near the practice only: a trial whose only site is far away is not shown. An
        // administrator may add a site to any trial.
        let site = app
        .post_site(&f.admin, &f.trial("diabetes-t2-hba1c"), &json!({"name": "CHU Lille", "address": "Lille", "latitude": 50.63, "longitude": 3.06})).await;
        let status = site.status();
        assert_eq!(status, 201, "{}", site.text().await.unwrap());
        // A practice in Marseille, 50 km at most: the trial sited in Lille only is left out;
        // the others have no located site, so they are kept.
        set_settings(
            &app,
            &f,
            json!({"max_alerts": 3, "max_unanswered_shows": 2, "max_distance_km": 50.0,
            "latitude": 43.30, "longitude": 5.37}),
        )
        .await;
        let mut got = alerts_for(&app, &f, &q).await;
        got.sort();
        assert_eq!(got, ["hypertension-uncontrolled", "influenza-vaccine-65"]);
        // The same limit near Lille: the site is within reach, all three are shown.
        set_settings(
            &app,
            &f,
            json!({"max_alerts": 3, "max_unanswered_shows": 2, "max_distance_km": 50.0,
            "latitude": 50.60, "longitude": 3.10}),
        )
        .await;
        let mut got = alerts_for(&app, &f, &q).await;
        got.sort();
        assert_eq!(got, names, "a site within the limit keeps its trial");
        // Without a pseudonym, only the practice's limits apply.
        let v = ok(app
            .post_match(
                &f.key,
                &json!({"patient": e2e::example_patient("dupont-jean"), "date": "2026-11-23"}),
            )
            .await)
        .await;
        assert!(!v["alerts"].as_array().unwrap().is_empty());
    }
);

both!(bad_match_bodies_name_the_field, |app: TestApp| async move {
    let f = fixture(&app, &[]).await;
    let patient = e2e::example_patient("dupont-jean");
    let cases = [
        (json!({}), "$.patient", "required"),
        (
            json!({"patient": patient, "fhir": fhir_record()}),
            "$.fhir",
            "patient_and_fhir",
        ),
        (
            json!({"fhir": {"resourceType": "Patient"}}),
            "$.fhir",
            "invalid_fhir",
        ),
        (
            json!({"patient": patient, "pseudonym": "local-42"}),
            "$.pseudonym",
            "invalid_pseudonym",
        ),
        (
            json!({"patient": patient, "lang": "de"}),
            "$.lang",
            "unknown_language",
        ),
    ];
    for (body, path, code) in cases {
        let r = app.post_match(&f.key, &body.clone()).await;
        assert_eq!(r.status(), 422, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["details"][0]["path"], path, "{v}");
        assert_eq!(v["error"]["details"][0]["code"], code, "{v}");
    }
    for (body, path) in [
        (
            json!({"patient": {"birth_date": "yesterday"}}),
            "$.patient.birth_date",
        ),
        (json!({"patient": {}, "date": "soon"}), "$.date"),
        (json!({"patient": {}, "extra": 1}), "$"),
    ] {
        let r = app.post_match(&f.key, &body.clone()).await;
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().await.unwrap();
        assert!(
            v["error"]["message"].as_str().unwrap().starts_with(path),
            "{v}"
        );
    }
});

both!(
    a_patient_record_must_be_an_object,
    |app: TestApp| async move {
        let f = fixture(&app, &["diabetes-t2-hba1c"]).await;
        for patient in [json!([null, null]), json!([]), json!("x"), json!(12)] {
            let r = app.post_match(&f.key, &json!({"patient": patient})).await;
            assert_eq!(r.status(), 400, "{patient}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["error"]["code"], "malformed_json", "{v}");
            let message = v["error"]["message"].as_str().unwrap();
            assert!(message.starts_with("$.patient"), "{v}");
            assert!(message.contains("JSON object"), "{v}");
        }
        // The criteria test names the field too.
        let sponsor = app.logged_in("sponsor").await;
        let r = app
            .as_user(Method::POST, "/api/v1/criteria/test", &sponsor)
            .json(
                &json!({"criteria": e2e::example_trial("diabetes-t2-hba1c")["criteria"],
                "patient": [null, null]}),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
        let v: Value = r.json().await.unwrap();
        assert!(v.to_string().contains("$.patient"), "{v}");
        assert!(v.to_string().contains("JSON object"), "{v}");
    }
);

both!(
    the_popup_page_records_answers_from_its_token,
    |app: TestApp| async move {
        let f = fixture(&app, &["diabetes-t2-hba1c"]).await;
        let p = pseudonym(4);
        let v = ok(app.post_match(&f.key, &json!({"patient": e2e::example_patient("dupont-jean"), "pseudonym": p, "date": "2026-11-23"}))
    .await)
    .await;
        let url = v["alerts"][0]["popup_url"].as_str().unwrap().to_string();
        let token = url.rsplit('/').next().unwrap().to_string();
        assert!(url.starts_with(&format!("{}/popup/", app.address)));
        // EHRs frame the pop-up page: its policy allows any ancestor and its inline styles
        // by hash, never 'unsafe-inline'; no X-Frame-Options.
        let r = app.get(&url[app.address.len()..]).await;
        assert_eq!(r.status(), 200);
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("frame-ancestors *"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(r.headers().get("x-frame-options").is_none());
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        // Tampered or foreign tokens: 404.
        let mut bad = token.clone().into_bytes();
        bad[20] = if bad[20] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(app.get(&format!("/popup/{bad}")).await.status(), 404);
        assert_eq!(app.get("/popup/nothing").await.status(), 404);
        // A decline through the page's answer route.
        let answer = json!({"id": Uuid::now_v7(), "response": "declined", "reason": "no_time", "at": "2026-11-23T10:00:00Z"});
        let r = ok(app
            .request(Method::POST, &format!("/popup/{token}/answer"))
            .json(&answer)
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(r["status"], "recorded");
        let again = ok(app
            .request(Method::POST, &format!("/popup/{token}/answer"))
            .json(&answer)
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(again["status"], "duplicate");
        let s = ok(app.get_suppressions(&f.key).await).await;
        assert_eq!(s["suppressions"][0]["patient"], p.as_str());
        assert_eq!(s["suppressions"][0]["declined"], true);
        let r = app
            .request(Method::POST, &format!("/popup/{bad}/answer"))
            .json(&answer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        // The script the page loads is served.
        let js = app.get("/static/inclusio.js").await;
        assert_eq!(js.status(), 200);
        assert!(js.text().await.unwrap().contains("Inclusio"));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_configured_origins_on_match_and_events() {
    let app = e2e::spawn_app_with(Backend::Sqlite, |s| {
        s.http.cors_origins = vec!["https://ehr.example".into()];
    })
    .await;
    for path in ["/api/v1/match", "/api/v1/events"] {
        let r = app
            .request(Method::OPTIONS, path)
            .header("origin", "https://ehr.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{path}");
        let h = r.headers();
        assert_eq!(h["access-control-allow-origin"], "https://ehr.example");
        assert!(
            h["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("authorization")
        );
        // The actual request carries the header too (here a 401: no key).
        let r = app
            .request(Method::POST, path)
            .header("origin", "https://ehr.example")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "https://ehr.example"
        );
        // Another origin gets no CORS header.
        let r = app
            .request(Method::OPTIONS, path)
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert!(r.headers().get("access-control-allow-origin").is_none());
    }
    // Other routes never get CORS headers.
    let r = app
        .request(Method::GET, "/api/v1/trials")
        .header("origin", "https://ehr.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

/// The application's clock, not the system's, decides the day a record is evaluated on, a
/// pop-up token's lifetime and how long a snooze holds.
async fn the_application_clock_decides_tokens_and_snoozes(backend: Backend) {
    use chrono::{Duration, TimeZone, Utc};
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let app = e2e::spawn_at(backend, start).await;
    let f = fixture(&app, &["diabetes-t2-hba1c"]).await;
    let p = pseudonym(7);
    let body = json!({"patient": e2e::example_patient("dupont-jean"), "pseudonym": p});
    let v = ok(app.post_match(&f.key, &body.clone()).await).await;
    assert_eq!(v["alerts"].as_array().unwrap().len(), 1, "{v}");
    let url = v["alerts"][0]["popup_url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    let ttl = app.settings.plugin.popup_token_ttl_secs;
    app.clock.set(start + Duration::seconds(ttl - 1));
    assert_eq!(app.get(&format!("/popup/{token}")).await.status(), 200);
    app.clock.set(start + Duration::seconds(ttl + 1));
    assert_eq!(app.get(&format!("/popup/{token}")).await.status(), 410);
    // A fresh alert, snoozed for a week from the page.
    app.clock.set(start);
    let v = ok(app.post_match(&f.key, &body.clone()).await).await;
    let url = v["alerts"][0]["popup_url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    let answer = json!({"id": Uuid::now_v7(), "response": "not_now", "snooze_until": "2026-11-30", "at": "2026-11-23T09:00:00Z"});
    let r = ok(app
        .request(Method::POST, &format!("/popup/{token}/answer"))
        .json(&answer)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r["status"], "recorded", "{r}");
    let s = suppressions(&app, &f.key).await;
    assert_eq!(s["suppressions"][0]["snoozed_until"], "2026-11-30", "{s}");
    assert_eq!(
        ok(app.post_match(&f.key, &body.clone()).await).await["alerts"],
        json!([]),
        "snoozed"
    );
    // The day the snooze ends, by the application's clock, the trial is proposed again.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    let s = suppressions(&app, &f.key).await;
    assert!(
        s["suppressions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["snoozed_until"].is_null()),
        "{s}"
    );
    assert_eq!(
        ok(app.post_match(&f.key, &body.clone()).await).await["alerts"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

mod the_application_clock_decides_tokens_and_snoozes {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::the_application_clock_decides_tokens_and_snoozes(Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::the_application_clock_decides_tokens_and_snoozes(Backend::Postgres).await;
    }
}

async fn suppressions(app: &TestApp, key: &str) -> Value {
    ok(app.get_suppressions(key).await).await
}

both!(
    an_answered_popup_refuses_a_second_answer,
    |app: TestApp| async move {
        let f = fixture(&app, &["diabetes-t2-hba1c"]).await;
        for (n, lang, said, reason) in [
            (5, "en", "already been answered", "no time"),
            (6, "fr", "déjà reçu une réponse", "pas le temps"),
        ] {
            let v = ok(app
                .post_match(
                    &f.key,
                    &json!({"patient": e2e::example_patient("dupont-jean"),
                "pseudonym": pseudonym(n), "date": "2026-11-23", "lang": lang}),
                )
                .await)
            .await;
            let token = flow::popup_token(&v["alerts"][0]);
            let page = app.get_popup(&token).await.text().await.unwrap();
            assert!(!page.contains("data-inclusio-answered"), "not answered yet");
            let decline = json!({"id": Uuid::now_v7(), "response": "declined", "reason": "no_time",
                "at": "2026-11-23T10:00:00Z"});
            let r = ok(app.post_popup_answer(&token, &decline).await).await;
            assert_eq!(r["status"], "recorded");
            // The same answer again (a retry) stays idempotent.
            let r = ok(app.post_popup_answer(&token, &decline).await).await;
            assert_eq!(r["status"], "duplicate");
            // Another answer after it: refused, in the pop-up's language, with a stable code.
            for second in [
                json!({"id": Uuid::now_v7(), "response": "accepted", "at": "2026-11-23T10:01:00Z"}),
                json!({"id": Uuid::now_v7(), "response": "not_now", "snooze_until": "2026-12-23",
                    "at": "2026-11-23T10:01:00Z"}),
            ] {
                let r = app.post_popup_answer(&token, &second).await;
                assert_eq!(r.status(), 409, "{second}");
                let v: Value = r.json().await.unwrap();
                assert_eq!(v["error"]["code"], "already_answered", "{v}");
                let message = v["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains(said) && message.contains(reason),
                    "{message}"
                );
            }
            // One answer recorded, no consent link.
            let answers = flow::number(
                &app,
                &format!(
                    "SELECT COUNT(*) AS n FROM plugin_events WHERE patient = '{}' AND response <> 'shown'",
                    pseudonym(n)
                ),
            )
            .await;
            assert_eq!(answers, 1);
            // The page shows the recorded answer, its buttons disabled.
            let page = app.get_popup(&token).await.text().await.unwrap();
            assert!(page.contains(r#"data-inclusio-answered="true""#), "{page}");
            assert!(page.contains(r#"<fieldset class="inclusio-answered" disabled>"#));
            assert!(page.contains(said) && page.contains(reason), "{page}");
        }
        assert_eq!(flow::count(&app, "consent_tokens").await, 0);
    }
);

both!(
    plugin_settings_round_trip_display_and_daily_limit,
    |app: TestApp| async move {
        let f = fixture(&app, &["diabetes-t2-hba1c"]).await;
        // Before any setting: the defaults, the new fields left out as before they existed.
        let v = ok(app.get_plugin_settings(&f.key).await).await;
        assert_eq!(v, json!({"max_alerts": 1, "max_unanswered_shows": 3}));
        let body = json!({"max_alerts": 1, "max_unanswered_shows": 3,
            "alerts_per_patient_per_day": 2, "display": "banner"});
        assert_eq!(
            ok(app.put_plugin_settings(&f.admin, &f.practice, &body).await).await,
            body
        );
        assert_eq!(ok(app.get_plugin_settings(&f.key).await).await, body);
        // The embed learns the display from the match.
        let v = ok(app
            .post_match(
                &f.key,
                &json!({"patient": e2e::example_patient("dupont-jean"),
            "pseudonym": pseudonym(8), "date": "2026-11-23"}),
            )
            .await)
        .await;
        assert_eq!(v["display"], "banner");
        // A body without them (an older administrator tool) sets the defaults.
        let old = json!({"max_alerts": 2, "max_unanswered_shows": 3});
        ok(app.put_plugin_settings(&f.admin, &f.practice, &old).await).await;
        assert_eq!(ok(app.get_plugin_settings(&f.key).await).await, old);
        let v = ok(app
            .post_match(
                &f.key,
                &json!({"patient": e2e::example_patient("dupont-jean"),
            "pseudonym": pseudonym(8), "date": "2026-11-23"}),
            )
            .await)
        .await;
        assert_eq!(v["display"], "modal");
        // Out of range, unknown display: refused, naming the field.
        let r = app
            .put_plugin_settings(
                &f.admin,
                &f.practice,
                &json!({"max_alerts": 1, "max_unanswered_shows": 3,
                "alerts_per_patient_per_day": 0}),
            )
            .await;
        assert_eq!(r.status(), 422);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["error"]["details"][0]["path"], "$.alerts_per_patient_per_day",
            "{v}"
        );
        let r = app
            .put_plugin_settings(
                &f.admin,
                &f.practice,
                &json!({"max_alerts": 1, "max_unanswered_shows": 3,
                "display": "popup"}),
            )
            .await;
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("$.display"),
            "{v}"
        );
        assert_eq!(ok(app.get_plugin_settings(&f.key).await).await, old);
    }
);

/// At most one trial per patient per day, whatever the number of openings: after an answer,
/// the next opening the same day shows no other trial; the next one waits for a later day.
async fn one_trial_per_patient_per_day(backend: Backend) {
    use chrono::{Duration, TimeZone, Utc};
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let app = e2e::spawn_at(backend, start).await;
    let f = fixture(&app, &["diabetes-t2-hba1c", "hypertension-uncontrolled"]).await;
    let p = pseudonym(9);
    let body = json!({"patient": e2e::example_patient("dupont-jean"), "pseudonym": p});
    let first = ok(app.post_match(&f.key, &body.clone()).await).await;
    assert_eq!(first["alerts"].as_array().unwrap().len(), 1);
    let token = flow::popup_token(&first["alerts"][0]);
    let trial = first["alerts"][0]["trial"].clone();
    for answer in [
        json!({"id": Uuid::now_v7(), "response": "shown", "at": "2026-11-23T09:00:01Z"}),
        json!({"id": Uuid::now_v7(), "response": "declined", "reason": "not_interested",
            "at": "2026-11-23T09:00:30Z"}),
    ] {
        ok(app.post_popup_answer(&token, &answer).await).await;
    }
    // Reopened the same day, three times: nothing.
    for _ in 0..3 {
        let again = ok(app.post_match(&f.key, &body.clone()).await).await;
        assert_eq!(again["alerts"], json!([]), "the same day");
    }
    // The suppressions tell the practice's other workstations.
    let s = ok(app.get_suppressions(&f.key).await).await;
    assert!(
        s["suppressions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["trial"] == trial && s["last_shown"] == "2026-11-23"),
        "{s}"
    );
    // The next day: the other trial.
    app.clock.set(start + Duration::days(1));
    let next = ok(app.post_match(&f.key, &body).await).await;
    assert_eq!(next["alerts"].as_array().unwrap().len(), 1);
    assert_ne!(next["alerts"][0]["trial"], trial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trial_per_patient_per_day_sqlite() {
    one_trial_per_patient_per_day(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trial_per_patient_per_day_postgres() {
    one_trial_per_patient_per_day(Backend::Postgres).await;
}
