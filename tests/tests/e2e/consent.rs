//! Electronic consent and referral end to end, on SQLite and PostgreSQL: an accepted alert's
//! link → the consent form (inline errors, everything kept) → signed → the PDF copy stored
//! and its hash checked → the referral visible to its site's coordinator only → statuses to
//! enrolled (forged transitions refused) → the practice told (event feed and email) → the
//! target reached closes the trial. Token reuse and expiry, a consent on a closed trial,
//! withdrawal by the patient, the FHIR export, the audit chain, and the emails through a
//! real SMTP server that is down first.

use e2e::flow::{
    self, accept, api_key, document_id, form, ok, recruiting_trial, site, submit, with,
};
use e2e::mail::{SmtpServer, eventually, free_port};
use e2e::{TestApp, both};
use platform::config::{SmtpTls, TransportKind};
use platform::entities::{consent, email_outbox};
use reqwest::Method;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

async fn code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        v["error"]["code"].as_str().unwrap_or("").to_string(),
    )
}

/// Everything a consent needs: a recruiting trial (target 1) with questions, consent
/// documents and two sites each with a coordinator; a second trial with its own coordinator;
/// a practice with an API key, a location and an outcome address; a second practice.
struct Fx {
    trial: String,
    sponsor: String,
    coordinator_a: String,
    coordinator_b: String,
    coordinator_other: String,
    key: String,
    other_key: String,
    site_a: String,
}

async fn fixture(app: &TestApp) -> Fx {
    let (admin, sponsor) = flow::admin_and_sponsor(app).await;
    let trial = recruiting_trial(app, &admin, &sponsor, "diabetes-t2-hba1c", 1).await;
    // Site B is created first but site A is nearer the practice (Lille).
    let b = site(app, &sponsor, &trial, "CHU Marseille", Some((43.30, 5.37))).await;
    let a = site(app, &sponsor, &trial, "CHU Lille", Some((50.63, 3.06))).await;
    let other_trial =
        recruiting_trial(app, &admin, &sponsor, "hypertension-uncontrolled", 10).await;
    let other_site = site(
        app,
        &sponsor,
        &other_trial,
        "CHU Nantes",
        Some((47.2, -1.55)),
    )
    .await;
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let other = app.seed_organisation("Cabinet des Lilas", "practice").await;
    let key = api_key(app, &admin, practice).await;
    let other_key = api_key(app, &admin, other).await;
    let r = app
        .put_plugin_settings(
            &admin,
            &practice,
            &json!({"max_alerts": 1, "max_unanswered_shows": 3, "latitude": 50.6, "longitude": 3.1,
                      "outcome_email": "cabinet.du.parc@example.org"}),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    Fx {
        trial,
        sponsor,
        coordinator_a: a.cookie,
        coordinator_b: b.cookie,
        coordinator_other: other_site.cookie,
        key,
        other_key,
        site_a: a.id,
    }
}

/// Signs patient `n`'s consent; returns the receipt path.
async fn sign(app: &TestApp, fx: &Fx, n: u8, email: Option<&str>) -> String {
    let link = accept(app, &fx.key, &fx.trial, n).await;
    let html = app.get(&link).await.text().await.unwrap();
    let r = submit(app, &link, &form(&document_id(&html), &fx.site_a, email)).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn set_status(app: &TestApp, cookie: &str, id: &str, body: Value) -> (u16, String) {
    code(app.post_referral_status(cookie, &id, &body).await).await
}

async fn referrals(app: &TestApp, cookie: &str) -> Vec<Value> {
    let v = ok(app.get_referrals(cookie, "").await).await;
    v.as_array().unwrap().clone()
}

async fn outcome_statuses(app: &TestApp, key: &str) -> Vec<String> {
    let v = ok(app.get_outcomes(key, "").await).await;
    v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_string())
        .collect()
}

both!(consent_to_enrolment_end_to_end, |app: TestApp| async move {
    let fx = fixture(&app).await;
    let link = accept(&app, &fx.key, &fx.trial, 1).await;
    let unsigned = accept(&app, &fx.key, &fx.trial, 3).await;

    // The form: information, document, questions, the nearest site first.
    let r = app
        .request(Method::GET, &format!("{link}?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for part in [
        "It lasts six months.",
        "Consent (en).",
        "Can you stop at any time?",
        "SHA-256",
    ] {
        assert!(html.contains(part), "{part} missing");
    }
    let a = html.find("CHU Lille").unwrap();
    assert!(
        a < html.find("CHU Marseille").unwrap(),
        "nearest site first"
    );
    let doc = document_id(&html);

    // Errors are shown next to their fields and nothing typed is lost.
    let bad = with(
        with(form(&doc, &fx.site_a, None), "q0", "0"),
        "signature",
        "Someone Else",
    );
    let r = submit(&app, &format!("{link}?lang=en"), &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("go over this point with the patient"));
    assert!(html.contains("The signature must be"));
    assert!(html.contains("value=\"Zyxwvu\""), "typed values are kept");
    assert!(html.contains("aria-invalid=\"true\""));

    // Signed: 303 to the receipt; the copy downloads and matches its stored hash.
    let r = submit(
        &app,
        &format!("{link}?lang=en"),
        &form(&doc, &fx.site_a, Some("elodie@example.org")),
    )
    .await;
    assert_eq!(r.status(), 303);
    let receipt = r.headers()["location"].to_str().unwrap().to_string();
    assert!(receipt.starts_with("/consent/receipt/"));
    let page = app.get(&receipt).await.text().await.unwrap();
    assert!(page.contains("id=\"withdraw\""));
    let r = app.get(&format!("{receipt}/pdf")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let digest = r.headers()["digest"].to_str().unwrap().to_string();
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let sha = hex(&Sha256::digest(&pdf));
    assert_eq!(digest, format!("sha-256={sha}"));
    let rows = consent::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].pdf_sha256, sha);
    assert_eq!(rows[0].document_version, 1);
    assert_eq!(rows[0].signature_sha256.len(), 64);
    let out =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-output/consent-pdf");
    std::fs::create_dir_all(&out).unwrap();
    let name = format!("e2e-{:?}", app.db.get_database_backend()).to_lowercase();
    std::fs::write(out.join(format!("{name}.pdf")), &pdf).unwrap();
    std::fs::write(
        out.join(format!("{name}.expect.txt")),
        "Élodie Zyxwvu\nDr Anne Petit\nCHU Lille\nYou may withdraw at any time: é à ç « ».\n",
    )
    .unwrap();

    // Identity is sealed at rest: no name, email or phone anywhere in the database.
    let dump = e2e::dump_database(&app).await;
    for secret in [
        "Zyxwvu",
        "ZYXWVU",
        "elodie@example.org",
        "12 34 56 78",
        "1961-04-02",
    ] {
        assert!(!dump.contains(secret), "{secret} stored in clear");
    }

    // The token is single use.
    assert_eq!(app.get(&link).await.status(), 410);
    let again = submit(&app, &link, &form(&doc, &fx.site_a, None)).await;
    assert_eq!(again.status(), 410);

    // The site's coordinator sees the referral and the patient; nobody else does.
    let list = referrals(&app, &fx.coordinator_a).await;
    assert_eq!(list.len(), 1);
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list[0]["status"], "referred");
    let detail = ok(app.get_referral(&fx.coordinator_a, &id).await).await;
    assert_eq!(detail["patient"]["family_name"], "Zyxwvu");
    assert_eq!(detail["patient"]["email"], "elodie@example.org");
    assert_eq!(detail["consent"]["pdf_sha256"], sha.as_str());
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);
    for (cookie, want) in [
        (&fx.coordinator_b, 404),
        (&fx.coordinator_other, 404),
        (&fx.sponsor, 403),
    ] {
        let r = app.get_referral(cookie, &id).await;
        assert_eq!(r.status(), want);
    }
    assert!(referrals(&app, &fx.coordinator_b).await.is_empty());
    assert!(referrals(&app, &fx.coordinator_other).await.is_empty());
    let r = app.get_referral_consent_pdf(&fx.coordinator_b, &id).await;
    assert_eq!(r.status(), 404);

    // Only valid transitions, with reasons for exits.
    let c = &fx.coordinator_a;
    assert_eq!(
        set_status(&app, c, &id, json!({"status": "enrolled"})).await,
        (409, "invalid_transition".into())
    );
    assert_eq!(
        set_status(&app, c, &id, json!({"status": "screen_failed"})).await,
        (422, "validation_failed".into())
    );
    assert_eq!(
        set_status(
            &app,
            c,
            &id,
            json!({"status": "contacted", "reason": "other"})
        )
        .await
        .0,
        422
    );
    assert_eq!(
        set_status(&app, c, &id, json!({"status": "lost"})).await.0,
        400
    );
    for s in ["contacted", "screening", "enrolled"] {
        assert_eq!(
            set_status(&app, c, &id, json!({"status": s})).await.0,
            200,
            "{s}"
        );
    }
    assert_eq!(
        set_status(&app, c, &id, json!({"status": "contacted"}))
            .await
            .0,
        409
    );
    assert_eq!(
        set_status(
            &app,
            &fx.coordinator_b,
            &id,
            json!({"status": "withdrawn", "reason": "declined"})
        )
        .await
        .0,
        404
    );

    // The practice hears back; the other practice hears nothing.
    assert_eq!(
        outcome_statuses(&app, &fx.key).await,
        ["referred", "contacted", "screening", "enrolled"]
    );
    assert!(outcome_statuses(&app, &fx.other_key).await.is_empty());

    // The target (1) is reached: the trial closed, and a consent on it is refused.
    let t = ok(app.get_trial(&fx.sponsor, &fx.trial).await).await;
    assert_eq!(t["status"], "closed");
    let r = app.get(&unsigned).await;
    assert_eq!(r.status(), 409);

    // FHIR: Consent and ResearchSubject (on-study), kept for the validator.
    let bundle = ok(app.get_referral_fhir(c, &id).await).await;
    assert_eq!(bundle["resourceType"], "Bundle");
    let kinds: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"Consent") && kinds.contains(&"ResearchSubject"),
        "{kinds:?}"
    );
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/test-output/referral-fhir");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join(format!("e2e-{name}.json")),
        serde_json::to_string_pretty(&bundle).unwrap(),
    )
    .unwrap();

    // Emails: the new referral to the coordinator, the copy (with the PDF) to the patient,
    // the outcome to the practice.
    let mailbox = app.mailbox.clone().unwrap();
    let all = eventually("the referral, the copy and the outcome", WAIT, || {
        let m = mailbox.clone();
        async move {
            let all = m.all();
            let to: Vec<String> = all.iter().flat_map(|d| d.to.clone()).collect();
            let want = ["elodie@example.org", "cabinet.du.parc@example.org"];
            Some(all).filter(|_| {
                want.iter().all(|w| to.iter().any(|t| t == w))
                    && to.iter().any(|t| t.starts_with("coordinator-"))
            })
        }
    })
    .await;
    let to: Vec<String> = all.iter().flat_map(|d| d.to.clone()).collect();
    assert!(to.iter().any(|t| t.starts_with("coordinator-")), "{to:?}");
    assert!(to.contains(&"elodie@example.org".to_string()));
    assert!(to.contains(&"cabinet.du.parc@example.org".to_string()));
    let copy = all.iter().find(|d| d.to == ["elodie@example.org"]).unwrap();
    assert!(copy.raw.contains("application/pdf"));
    let referral_mail = all
        .iter()
        .find(|d| d.to[0].starts_with("coordinator-"))
        .unwrap();
    assert!(
        !referral_mail.raw.contains("Zyxwvu"),
        "no identity in the referral email"
    );

    // The audit chain holds after the whole flow, and breaks when a row is altered.
    let v = platform::audit::verify(&app.db).await.unwrap();
    assert!(v.is_intact(), "{v:?}");
    app.db
        .execute_unprepared(
            "UPDATE audit_log SET action = 'consent.forged' WHERE action = 'consent.signed'",
        )
        .await
        .unwrap();
    assert!(!platform::audit::verify(&app.db).await.unwrap().is_intact());
});

/// A request carrying forged `Host`, `X-Forwarded-Host` and `Forwarded` headers.
fn forged(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.request(method, path)
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .header("Forwarded", "host=evil.example;proto=https")
}

both!(
    forged_host_headers_never_reach_links_or_emails,
    |app: TestApp| async move {
        let fx = fixture(&app).await;
        let evil = |what: &str, text: &str| {
            assert!(!text.contains("evil.example"), "{what}: {text}");
        };
        // The consent link of an accepted alert (events API).
        let r = forged(&app, Method::POST, "/api/v1/events")
            .bearer_auth(&fx.key)
            .json(&json!({"events": [{
                "id": uuid::Uuid::now_v7(), "alert_id": uuid::Uuid::now_v7(),
                "trial": fx.trial, "trial_version": 1, "patient": flow::pseudonym(11),
                "verdict": "eligible", "response": "accepted",
                "at": "2026-11-24T09:30:00Z"}]}))
            .send()
            .await
            .unwrap();
        let v = ok(r).await;
        let link = v["results"][0]["consent_url"].as_str().unwrap().to_string();
        evil("consent_url", &link);
        assert!(
            link.starts_with(&format!("{}/consent/", app.address)),
            "{link}"
        );
        // The pop-up link of a match, and the consent link of an answer from the pop-up.
        let v = ok(forged(&app, Method::POST, "/api/v1/match")
            .bearer_auth(&fx.key)
            .json(&json!({"patient": e2e::example_patient("dupont-jean"),
                "pseudonym": flow::pseudonym(12), "date": "2026-11-23"}))
            .send()
            .await
            .unwrap())
        .await;
        evil("match", &v.to_string());
        let popup = v["alerts"][0]["popup_url"].as_str().unwrap().to_string();
        assert!(
            popup.starts_with(&format!("{}/popup/", app.address)),
            "{popup}"
        );
        let page = forged(&app, Method::GET, &popup[app.address.len()..])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        evil("pop-up page", &page);
        let v = ok(forged(
            &app,
            Method::POST,
            &format!("{}/answer", &popup[app.address.len()..]),
        )
        .json(&json!({"id": uuid::Uuid::now_v7(), "response": "accepted",
                    "at": "2026-11-24T09:31:00Z"}))
        .send()
        .await
        .unwrap())
        .await;
        evil("pop-up answer", &v.to_string());
        // The consent itself: the coordinator's email and the patient's receipt link.
        let path = &link[link.find("/consent/").unwrap()..];
        let html = forged(&app, Method::GET, path)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        evil("consent page", &html);
        let r = forged(&app, Method::POST, path)
            .form(&form(
                &document_id(&html),
                &fx.site_a,
                Some("forged@example.org"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let receipt = r.headers()["location"].to_str().unwrap().to_string();
        // The patient withdraws: the coordinators' email.
        let r = forged(&app, Method::POST, &format!("{receipt}/withdraw"))
            .form(&[("confirm", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let id = referrals(&app, &fx.coordinator_a).await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = forged(&app, Method::GET, &format!("/api/v1/referrals/{id}/fhir"))
            .header(reqwest::header::COOKIE, &fx.coordinator_a)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        evil("FHIR export", &r.text().await.unwrap());
        let mailbox = app.mailbox.clone().unwrap();
        let all = eventually("the copy, the referral and the withdrawal", WAIT, || {
            let m = mailbox.clone();
            async move {
                let all = m.all();
                let copy = all.iter().any(|d| d.to == ["forged@example.org"]);
                let coordinator = all
                    .iter()
                    .filter(|d| d.to.iter().any(|t| t.starts_with("coordinator-")))
                    .count();
                Some(all).filter(|_| copy && coordinator >= 2)
            }
        })
        .await;
        let address = app.address.replace("http://", "");
        for d in &all {
            // Quoted-printable may fold a line: read the message unfolded.
            let raw = d.raw.replace("=\r\n", "");
            evil("email", &raw);
            if d.to == ["forged@example.org"] {
                assert!(raw.contains(&address), "the receipt link is ours: {raw}");
            }
        }
    }
);

both!(
    withdrawal_by_the_patient_stops_the_referral,
    |app: TestApp| async move {
        let fx = fixture(&app).await;
        let receipt = sign(&app, &fx, 7, None).await;
        let id = referrals(&app, &fx.coordinator_a).await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            set_status(&app, &fx.coordinator_a, &id, json!({"status": "contacted"}))
                .await
                .0,
            200
        );

        // Without the confirmation nothing happens.
        let r = app
            .request(Method::POST, &format!("{receipt}/withdraw"))
            .form(&[("confirm", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = app
            .request(Method::POST, &format!("{receipt}/withdraw"))
            .form(&[("confirm", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        // Twice is not an error.
        let r = app
            .request(Method::POST, &format!("{receipt}/withdraw"))
            .form(&[("confirm", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let page = app.get(&receipt).await.text().await.unwrap();
        assert!(!page.contains("id=\"withdraw\""));

        let list = referrals(&app, &fx.coordinator_a).await;
        assert_eq!(list[0]["status"], "withdrawn");
        assert_eq!(list[0]["reason"], "declined");
        let detail = ok(app.get_referral(&fx.coordinator_a, &id).await).await;
        assert_eq!(detail["consent"]["status"], "withdrawn");
        // FHIR: the Consent is inactive, its permit ends at the withdrawal.
        let bundle = ok(app.get_referral_fhir(&fx.coordinator_a, &id).await).await;
        let consent = bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == "Consent")
            .unwrap()
            .clone();
        assert_eq!(consent["status"], "inactive");
        assert!(consent["provision"]["period"]["end"].is_string());
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/test-output/referral-fhir");
        std::fs::create_dir_all(&out).unwrap();
        let name = format!("e2e-withdrawn-{:?}", app.db.get_database_backend()).to_lowercase();
        std::fs::write(
            out.join(format!("{name}.json")),
            serde_json::to_string_pretty(&bundle).unwrap(),
        )
        .unwrap();
        // What was recorded before stays: the history and the copy.
        assert_eq!(detail["history"].as_array().unwrap().len(), 3);
        assert_eq!(app.get(&format!("{receipt}/pdf")).await.status(), 200);
        assert_eq!(
            set_status(&app, &fx.coordinator_a, &id, json!({"status": "screening"})).await,
            (409, "invalid_transition".into())
        );
        assert_eq!(
            outcome_statuses(&app, &fx.key).await,
            ["referred", "contacted", "withdrawn"]
        );

        // A coordinator can withdraw too (another patient), with a reason.
        sign(&app, &fx, 8, None).await;
        let list = referrals(&app, &fx.coordinator_a).await;
        let second = list.iter().find(|r| r["status"] == "referred").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            set_status(
                &app,
                &fx.coordinator_a,
                &second,
                json!({"status": "withdrawn", "reason": "other"})
            )
            .await,
            (422, "validation_failed".into())
        );
        assert_eq!(
            set_status(
                &app,
                &fx.coordinator_a,
                &second,
                json!({"status": "withdrawn", "reason": "other", "detail": "asked by phone"})
            )
            .await
            .0,
            200
        );
        let detail = ok(app.get_referral(&fx.coordinator_a, &second).await).await;
        assert_eq!(detail["consent"]["status"], "withdrawn");
        assert!(platform::audit::verify(&app.db).await.unwrap().is_intact());
    }
);

both!(
    expired_and_unknown_links_are_refused,
    |app: TestApp| async move {
        let fx = fixture(&app).await;
        let link = accept(&app, &fx.key, &fx.trial, 9).await;
        let html = app.get(&link).await.text().await.unwrap();
        let doc = document_id(&html);
        use sea_orm::QueryFilter;
        use sea_orm::sea_query::Expr;
        let past = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        platform::entities::consent_token::Entity::update_many()
            .col_expr(
                platform::entities::consent_token::Column::ExpiresAt,
                Expr::value(past),
            )
            .filter(sea_orm::sea_query::Expr::cust("1 = 1"))
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!(app.get(&link).await.status(), 410);
        assert_eq!(
            submit(&app, &link, &form(&doc, &fx.site_a, None))
                .await
                .status(),
            410
        );
        assert_eq!(app.get("/consent/not-a-token").await.status(), 404);
        assert_eq!(app.get("/consent/receipt/not-a-token").await.status(), 404);
        assert_eq!(consent::Entity::find().all(&app.db).await.unwrap().len(), 0);
    }
);

/// The emails of a consent through a real SMTP server that is down at first: they wait in
/// the outbox and arrive once it is up, each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_emails_wait_for_smtp_and_arrive_once() {
    let port = free_port();
    let app = e2e::spawn_app_with(e2e::Backend::Sqlite, |s| {
        s.email.transport = Some(TransportKind::Smtp);
        s.smtp.host = Some("127.0.0.1".into());
        s.smtp.port = port;
        s.smtp.tls = SmtpTls::None;
        s.smtp.timeout_secs = 5;
    })
    .await;
    let fx = fixture(&app).await;
    sign(&app, &fx, 4, Some("patient@example.org")).await;
    // Down: the rows wait, retried.
    eventually("a failed attempt", WAIT, || {
        let db = app.db.clone();
        async move {
            let rows = email_outbox::Entity::find().all(&db).await.unwrap();
            Some(()).filter(|_| {
                rows.iter()
                    .filter(|r| r.attempts > 0 && r.status == "pending")
                    .count()
                    >= 2
            })
        }
    })
    .await;
    let smtp = SmtpServer::start_on(port);
    eventually(
        "the copy and the referral over SMTP",
        Duration::from_secs(30),
        || {
            let got = smtp.received();
            async move {
                let to: Vec<String> = got.iter().flat_map(|m| m.to.clone()).collect();
                Some(()).filter(|_| {
                    to.iter().any(|t| t.contains("patient@example.org"))
                        && to.iter().any(|t| t.contains("coordinator-"))
                })
            }
        },
    )
    .await;
    // Everything pending is delivered once: no Message-ID twice, nothing left pending.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = smtp.received();
    let mut ids: Vec<String> = got.iter().filter_map(|m| m.header("Message-ID")).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "each email once");
    let rows = email_outbox::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "sent"), "all sent");
    assert_eq!(rows.len(), n);
    let patient: Vec<_> = got
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("patient@example.org")))
        .collect();
    assert_eq!(patient.len(), 1);
    assert!(patient[0].data.contains("application/pdf"));
    let coordinators = got
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("coordinator-")))
        .count();
    assert_eq!(coordinators, 1);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
