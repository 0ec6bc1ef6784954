//! The coordinator's workspace in headless Chromium: a patient consents (over HTTP, as the
//! GP's screen would post it), then the site's coordinator logs in, finds the referral in the
//! worklist, works it from referred to enrolled with the status form, and sees the trial's
//! funnel change on its dashboard. Screenshots under `target/test-output/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

use e2e::browser::Browser;
use e2e::{Backend, PASSWORD, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

async fn post(app: &TestApp, cookie: &str, path: &str, body: Value) -> Value {
    let r = app
        .as_user(Method::POST, path, cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A recruiting trial (target 10) with a French consent document and one site whose
/// coordinator is returned with the trial id and a practice API key.
async fn scenario(app: &TestApp) -> (String, String, String, String) {
    let admin = app
        .login(&app.seed_user("admin", None).await, PASSWORD)
        .await;
    let org = app.seed_organisation("Cardio Research", "sponsor").await;
    let sponsor = app
        .login(&app.seed_user("sponsor", Some(org)).await, PASSWORD)
        .await;
    let t = post(
        app,
        &sponsor,
        "/api/v1/trials",
        json!({"definition": e2e::example_trial("diabetes-t2-hba1c"), "target_enrolment": 10}),
    )
    .await;
    let trial = t["id"].as_str().unwrap().to_string();
    post(
        app,
        &sponsor,
        &format!("/api/v1/trials/{trial}/consent-documents"),
        json!({"language": "fr", "body": "Document de consentement.\n\nVous pouvez vous retirer à tout moment."}),
    )
    .await;
    let site_org = app.seed_organisation("CHU Lille", "site").await;
    let site = post(
        app,
        &sponsor,
        &format!("/api/v1/trials/{trial}/sites"),
        json!({"name": "CHU Lille", "address": "2 avenue Oscar Lambret, Lille", "organisation_id": site_org}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let coordinator = app.seed_user("coordinator", Some(site_org)).await;
    let cookie = app.login(&coordinator, PASSWORD).await;
    let me: Value = app
        .as_user(Method::GET, "/api/v1/auth/me", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = app
        .as_user(
            Method::PUT,
            &format!(
                "/api/v1/sites/{site}/coordinators/{}",
                me["id"].as_str().unwrap()
            ),
            &sponsor,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    for (c, to) in [
        (&sponsor, "submitted"),
        (&admin, "approved"),
        (&sponsor, "recruiting"),
    ] {
        post(
            app,
            c,
            &format!("/api/v1/trials/{trial}/transitions"),
            json!({"to": to}),
        )
        .await;
    }
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let key = post(
        app,
        &admin,
        &format!("/api/v1/organisations/{practice}/api-keys"),
        json!({"label": "poste 1"}),
    )
    .await["key"]
        .as_str()
        .unwrap()
        .to_string();
    (trial, site, coordinator, key)
}

/// The GP's accept and the patient's signature, over HTTP.
async fn consent(app: &TestApp, trial: &str, site: &str, key: &str) {
    let r: Value = app
        .request(Method::POST, "/api/v1/events")
        .bearer_auth(key)
        .json(&json!({"events": [{
            "id": Uuid::now_v7(), "alert_id": Uuid::now_v7(), "trial": trial, "trial_version": 1,
            "patient": "ab".repeat(32), "verdict": "eligible", "response": "accepted",
            "at": "2026-11-24T09:30:00Z"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = r["results"][0]["consent_url"].as_str().unwrap();
    let path = &url[url.find("/consent/").unwrap()..];
    let html = app.get(path).await.text().await.unwrap();
    let at = html.find("name=\"document_id\"").unwrap();
    let start = at + html[at..].find("value=\"").unwrap() + 7;
    let document = &html[start..start + 36];
    let mut form: Vec<(&str, &str)> = vec![
        ("document_id", document),
        ("identity_method", "id_card"),
        ("given_name", "Mireille"),
        ("family_name", "Quenardel"),
        ("birth_date", "1958-06-14"),
        ("phone", "06 12 34 56 78"),
        ("signature", "Mireille Quenardel"),
        ("gp_name", "Dr Anne Petit"),
        ("gp_attest", "yes"),
        ("site_id", site),
    ];
    for s in [
        "read",
        "questions",
        "voluntary",
        "withdraw",
        "data",
        "contact",
    ] {
        form.push(("statement", s));
    }
    let r = app
        .request(Method::POST, path)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

async fn enrolled_text(b: &Browser) -> String {
    b.find("#enrolled").await.text().await.unwrap()
}

#[tokio::test]
async fn a_coordinator_works_a_referral_to_enrolment_and_sees_the_funnel_change() {
    let app = spawn_app(Backend::Sqlite).await;
    let (trial, site, coordinator, key) = scenario(&app).await;
    consent(&app, &trial, &site, &key).await;
    let b = Browser::start().await;

    b.goto(&format!("{}/lang/en?next=/login", app.address))
        .await;
    b.fill("#email", &coordinator).await;
    b.fill("#password", PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("Log out").await;

    // The dashboard before: one referral, nobody enrolled.
    b.goto(&format!("{}/trials/{trial}/dashboard", app.address))
        .await;
    assert!(
        enrolled_text(&b).await.starts_with("0 / 10"),
        "{}",
        enrolled_text(&b).await
    );
    b.screenshot("coordinator-dashboard-before").await;

    // The worklist shows the patient; the referral page works it to enrolled (the form
    // offers the next statuses, the first one selected).
    b.goto(&format!("{}/coordinator", app.address)).await;
    b.wait_for_text("Quenardel").await;
    b.screenshot("coordinator-worklist").await;
    b.click("#worklist a[href^='/coordinator/referrals/']")
        .await;
    b.wait_for_text("06 12 34 56 78").await;
    for expected in ["Contacted", "Screening", "Enrolled"] {
        b.click("#change-status").await;
        b.wait_for_text(expected).await;
        let status = b.find("#referral-status").await.text().await.unwrap();
        assert!(status.contains(expected), "{status}");
    }
    b.screenshot("coordinator-referral-enrolled").await;

    // The dashboard after: enrolled, and the funnel's enrolled row counts it.
    b.goto(&format!("{}/trials/{trial}/dashboard", app.address))
        .await;
    assert!(
        enrolled_text(&b).await.starts_with("1 / 10"),
        "{}",
        enrolled_text(&b).await
    );
    let funnel = b.find("#funnel").await.text().await.unwrap();
    assert!(funnel.contains("Enrolled"), "{funnel}");
    b.screenshot("coordinator-dashboard-after").await;
    b.close().await;
}
