//! The sponsor portal in headless Chromium: a sponsor registers a trial with three criteria,
//! one of them inside a nested group, through the criteria builder; sees a validation error
//! next to the field; fixes it; submits. An administrator approves; the sponsor starts
//! recruiting and sees it. Screenshots of the form, the error and the preview are saved
//! under `target/test-output/screenshots/`.

use e2e::browser::Browser;
use e2e::{Backend, PASSWORD, TestApp, spawn_app};
use serde_json::{Value, json};

async fn log_in(b: &Browser, app: &TestApp, email: &str) {
    // English pages for the whole session (the language cookie).
    b.goto(&format!("{}/lang/en?next=/login", app.address))
        .await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("#login-submit").await;
    b.wait_for_text("Log out").await;
}

async fn log_out(b: &Browser) {
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("Log in").await;
}

/// Sets a builder field and fires `change` (the builder re-renders on change, so every step
/// looks its element up afresh).
async fn set_field(b: &Browser, css: &str, value: &str) {
    let el = b.find(css).await;
    b.client
        .execute(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            vec![serde_json::to_value(&el).unwrap(), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// Scrolls the element into the middle of the window (for screenshots).
async fn scroll_to(b: &Browser, css: &str) {
    let el = b.find(css).await;
    b.client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&el).unwrap()],
        )
        .await
        .unwrap();
}

/// The criteria the form will post (the textarea the builder keeps in sync).
async fn posted_criteria(b: &Browser) -> Value {
    let text = b
        .client
        .execute(
            "return document.getElementById('criteria-json').value",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_str(text.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn a_sponsor_registers_a_trial_that_an_admin_approves() {
    let app = spawn_app(Backend::Sqlite).await;
    let org = app.seed_organisation("Browser Pharma", "sponsor").await;
    let sponsor = app.seed_user("sponsor", Some(org)).await;
    let admin = app.seed_user("admin", None).await;
    let b = Browser::start().await;

    log_in(&b, &app, &sponsor).await;
    b.goto(&format!("{}/sponsor/trials/new", app.address)).await;
    b.fill("#title", "Browser-registered diabetes study").await;
    b.fill("#acronym", "BROWSE").await;
    b.fill("#registry_number", "NCT01234567").await;
    b.fill(
        "#summary",
        "Adults with type 2 diabetes, new oral treatment.",
    )
    .await;

    // Three criteria through the builder: age, and a group "any" holding sex and age.
    for _ in 0..2 {
        b.click("#add-inclusion").await;
    }
    set_field(
        &b,
        "li.criterion[data-path='$.criteria.inclusion[0]'] [data-field='age.min']",
        "40",
    )
    .await;
    // A contradiction the engine refuses: at least 40 and at most 30 years old.
    set_field(
        &b,
        "li.criterion[data-path='$.criteria.inclusion[0]'] [data-field='age.max']",
        "30",
    )
    .await;
    set_field(
        &b,
        "li.criterion[data-path='$.criteria.inclusion[1]'] .criterion-kind",
        "sex",
    )
    .await;
    set_field(
        &b,
        "li.criterion[data-path='$.criteria.inclusion[1]'] .group-kind",
        "any",
    )
    .await;
    b.click("li.criterion[data-path='$.criteria.inclusion[1]'] .group")
        .await;
    b.click("li.criterion[data-path='$.criteria.inclusion[1]'] .add-child")
        .await;
    let criteria = posted_criteria(&b).await;
    let group = &criteria["inclusion"][1]["any"];
    assert_eq!(group.as_array().map(Vec::len), Some(2), "{criteria:#}");
    assert_eq!(group[0]["sex"]["is"], "female", "{criteria:#}");
    assert!(group[1]["age"].is_object(), "{criteria:#}");
    scroll_to(&b, "#criteria").await;
    b.screenshot("portal-form").await;

    // Saving shows the engine's error next to the age fields; nothing typed is lost.
    b.click("#save-draft").await;
    b.find("#error-summary").await;
    let error = b
        .find("li.criterion[data-path='$.criteria.inclusion[0]'] .field-error")
        .await;
    assert!(!error.text().await.unwrap().is_empty());
    let title = b.find("#title").await.prop("value").await.unwrap();
    assert_eq!(title.as_deref(), Some("Browser-registered diabetes study"));
    assert_eq!(
        posted_criteria(&b).await["inclusion"][1]["any"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "the group survived the error"
    );
    b.screenshot("portal-validation-error").await;
    scroll_to(&b, "li.criterion[data-path='$.criteria.inclusion[0]']").await;
    b.screenshot("portal-validation-error-field").await;

    // Fixed: 40 to 75 years.
    set_field(
        &b,
        "li.criterion[data-path='$.criteria.inclusion[0]'] [data-field='age.max']",
        "75",
    )
    .await;
    b.wait_for_text("Age between 40 and 75 years").await;
    let stale = b
        .client
        .execute(
            "return document.getElementById('criteria-errors').hidden",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(stale, true, "the fixed problem is no longer listed");
    b.find("#preview li").await;
    scroll_to(&b, "#preview").await;
    b.screenshot("portal-preview").await;
    b.click("#save-draft").await;
    b.find("#submit-for-review").await;
    let url = b.client.current_url().await.unwrap();
    let trial_id = url.path().rsplit('/').next().unwrap().to_string();
    b.click("#submit-for-review").await;
    b.find("#notice").await;
    log_out(&b).await;

    // The administrator approves.
    log_in(&b, &app, &admin).await;
    b.goto(&format!("{}/admin/review", app.address)).await;
    b.wait_for_text("Browser-registered diabetes study").await;
    b.goto(&format!("{}/admin/review/{trial_id}", app.address))
        .await;
    b.click("#approve").await;
    b.wait_for_text("Trials to review").await;
    log_out(&b).await;

    // The sponsor starts recruiting and sees it.
    log_in(&b, &app, &sponsor).await;
    b.goto(&format!("{}/sponsor/trials/{trial_id}", app.address))
        .await;
    b.click("#start-recruiting").await;
    b.find("#trial-status .badge.recruiting").await;
    b.goto(&format!("{}/sponsor", app.address)).await;
    b.find(".badge.recruiting").await;
    b.screenshot("portal-recruiting").await;
    b.close().await;

    // The stored trial is the one built in the browser.
    let cookie = app.logged_in("admin").await;
    let r = app.get_trial(&cookie, &trial_id).await;
    let trial: Value = r.json().await.unwrap();
    assert_eq!(trial["status"], "recruiting", "{trial:#}");
    let inclusion = &trial["definition"]["criteria"]["inclusion"];
    assert_eq!(inclusion[0]["age"]["min"], 40, "{trial:#}");
    assert_eq!(inclusion[0]["age"]["max"], 75, "{trial:#}");
    assert_eq!(inclusion[1]["any"][0]["sex"]["is"], "female", "{trial:#}");
}
