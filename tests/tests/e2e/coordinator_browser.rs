//! The coordinator's workspace in headless Chromium: a patient consents (over HTTP, as the
//! GP's screen would post it), then the site's coordinator logs in, finds the referral in the
//! worklist, works it from referred to enrolled with the status form, and sees the trial's
//! funnel change on its dashboard. Screenshots under `target/test-output/screenshots/`.

use e2e::browser::Browser;
use e2e::{Backend, PASSWORD, TestApp, flow, spawn_app};
use serde_json::json;

/// A recruiting trial (target 10) with a French consent document and one site whose
/// coordinator is returned with the trial id and a practice API key.
async fn scenario(app: &TestApp) -> (String, String, String, String) {
    let (admin, sponsor) = flow::admin_and_sponsor(app).await;
    let trial = flow::create_trial(
        app,
        &sponsor,
        json!({"definition": e2e::example_trial("diabetes-t2-hba1c"), "target_enrolment": 10}),
    )
    .await;
    flow::ok(app.post_consent_document(&sponsor, &trial, &json!({"language": "fr", "body": "Document de consentement.\n\nVous pouvez vous retirer à tout moment."})).await).await;
    let site = flow::site_with_address(
        app,
        &sponsor,
        &trial,
        "CHU Lille",
        "2 avenue Oscar Lambret, Lille",
        None,
    )
    .await;
    flow::start_recruiting(app, &admin, &sponsor, &trial).await;
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let key = flow::api_key(app, &admin, practice).await;
    (trial, site.id, site.coordinator, key)
}

/// The GP's accept and the patient's signature, over HTTP.
async fn consent(app: &TestApp, trial: &str, site: &str, key: &str) {
    let path = flow::accept_at(app, key, trial, 0xab, "2026-11-24T09:30:00Z").await;
    let html = app.get(&path).await.text().await.unwrap();
    let document = flow::document_id(&html);
    let form = flow::consent_form(&[
        ("document_id", &document),
        ("identity_method", "id_card"),
        ("given_name", "Mireille"),
        ("family_name", "Quenardel"),
        ("birth_date", "1958-06-14"),
        ("phone", "06 12 34 56 78"),
        ("signature", "Mireille Quenardel"),
        ("gp_name", "Dr Anne Petit"),
        ("gp_attest", "yes"),
        ("site_id", site),
    ]);
    let r = flow::submit(app, &path, &form).await;
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
        // The page offers the next statuses before the change lands: wait for the status
        // itself, not for the word anywhere on the page.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let status = match b
                .client
                .find(fantoccini::Locator::Css("#referral-status"))
                .await
            {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if status.contains(expected) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the status never became {expected}: {status}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
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
