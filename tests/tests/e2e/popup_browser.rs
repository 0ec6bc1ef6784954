//! The web EHR path in headless Chromium: a page on another origin (a tiny local server)
//! includes `/static/inclusio.js`, calls `Inclusio.match`, sees the pop-up in a modal
//! (focus inside, `aria-modal`), declines with a reason; the event is recorded, and a
//! screenshot of the modal is saved.

use e2e::browser::Browser;
use e2e::flow;
use e2e::{Backend, TestApp};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A practice key and one recruiting trial.
async fn setup(app: &TestApp) -> String {
    let admin = app.logged_in("admin").await;
    let practice = app.seed_organisation("Cabinet Web", "practice").await;
    let key = flow::api_key(app, &admin, practice).await;
    let org = app.seed_organisation("Sponsor", "sponsor").await;
    let sponsor = app.logged_in_at("sponsor", Some(org)).await;
    flow::recruiting_example(app, &admin, &sponsor, "diabetes-t2-hba1c").await;
    key
}

/// Serves `html` for every request on a port of its own (another origin than the app).
async fn serve_page(html: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let html = html.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_ehr_shows_the_popup_and_declines_with_a_reason() {
    let app = e2e::spawn_app_with(Backend::Sqlite, |s| {
        s.http.cors_origins = vec!["*".into()];
    })
    .await;
    let key = setup(&app).await;
    let patient: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/../trials/examples/patients/dupont-jean.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let pseudonym = "ab".repeat(32);
    let options = json!({"server": app.address, "apiKey": key, "patient": patient,
        "pseudonym": pseudonym, "date": "2026-11-23", "lang": "en"});
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>EHR</title></head>
<body><h1>Patient record</h1><button id="open">Open the record</button>
<script src="{}/static/inclusio.js"></script>
<script>
document.getElementById("open").addEventListener("click", function () {{
  Inclusio.match({options}).then(function (r) {{
    document.body.setAttribute("data-done", r.response || "none");
  }}, function (e) {{ document.body.setAttribute("data-done", "error: " + e.message); }});
}});
</script></body></html>"#,
        app.address
    );
    let page = serve_page(html).await;
    let browser = Browser::start().await;
    browser.goto(&page).await;
    browser.click("#open").await;
    browser.wait_for_text("Propose now").await;
    let state = browser
        .client
        .execute(
            "const d = document.querySelector('.inclusio-popup');
             return [d.getAttribute('role'), d.getAttribute('aria-modal'),
                     d.contains(document.activeElement),
                     document.querySelector('h1').closest('[aria-hidden]') !== null];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        state,
        json!(["dialog", "true", true, true]),
        "an accessible modal"
    );
    let shot = browser.screenshot("popup-modal").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
    browser.click("input[value=\"no_time\"]").await;
    browser.click("[data-inclusio-action=\"decline\"]").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let done = loop {
        let v = browser
            .client
            .execute("return document.body.getAttribute('data-done')", vec![])
            .await
            .unwrap();
        if !v.is_null() || std::time::Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(done, "declined");
    // The modal is gone and focus is back on the button that opened it.
    let after = browser
        .client
        .execute(
            "return [document.querySelector('.inclusio-popup') === null, document.activeElement.id]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(after, json!([true, "open"]));
    browser.close().await;
    // Recorded: shown, then declined for no time.
    let dump = e2e::dump_database(&app).await;
    let events: Vec<&str> = dump
        .lines()
        .filter(|l| l.starts_with("plugin_events:"))
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().any(|e| e.contains("|shown|")), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e.contains("|declined|") && e.contains("|no_time|")),
        "{events:?}"
    );
}

/// A practice key with these recruiting trials (and the admin's cookie and the practice,
/// to change its settings).
async fn setup_with(app: &TestApp, names: &[&str]) -> (String, String, uuid::Uuid) {
    let admin = app.logged_in("admin").await;
    let practice = app.seed_organisation("Cabinet Web", "practice").await;
    let key = flow::api_key(app, &admin, practice).await;
    let org = app.seed_organisation("Sponsor", "sponsor").await;
    let sponsor = app.logged_in_at("sponsor", Some(org)).await;
    for name in names {
        flow::recruiting_example(app, &admin, &sponsor, name).await;
    }
    (key, admin, practice)
}

/// An EHR page on another origin: a note the GP types in and a button opening the record,
/// which calls `Inclusio.match` (today's date) and sets `data-done` to the answer (`none`
/// when closed without one) and `data-runs` to the number of openings finished.
async fn ehr_page(app: &TestApp, key: &str, lang: &str) -> String {
    let patient = e2e::example_patient("dupont-jean");
    let options = json!({"server": app.address, "apiKey": key, "patient": patient,
        "pseudonym": "cd".repeat(32), "lang": lang});
    let html = format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>EHR</title></head>
<body data-runs="0"><h1>Patient record</h1><textarea id="note"></textarea><button id="open">Open the record</button>
<script src="{}/static/inclusio.js"></script>
<script>
document.getElementById("open").addEventListener("click", function () {{
  document.body.removeAttribute("data-done");
  Inclusio.match({options}).then(function (r) {{
    document.body.setAttribute("data-done", r.response || "none");
    document.body.setAttribute("data-alert", r.alert ? "yes" : "no");
    document.body.setAttribute("data-runs", String(Number(document.body.getAttribute("data-runs")) + 1));
  }}, function (e) {{ document.body.setAttribute("data-done", "error: " + e.message); }});
}});
</script></body></html>"#,
        app.address
    );
    serve_page(html).await
}

/// `js`'s value once it is not null (10 s at most).
async fn wait_for(browser: &Browser, js: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let v = browser.client.execute(js, vec![]).await.unwrap();
        if !v.is_null() || std::time::Instant::now() > deadline {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn press(browser: &Browser, key: &str) {
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(key)
        .await
        .unwrap();
}

const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

async fn plugin_events(app: &TestApp) -> Vec<String> {
    e2e::dump_database(app)
        .await
        .lines()
        .filter(|l| l.starts_with("plugin_events:"))
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_embed_enter_never_accepts_and_escape_records_nothing() {
    let app = e2e::spawn_app_with(Backend::Sqlite, |s| {
        s.http.cors_origins = vec!["*".into()];
    })
    .await;
    let (key, _, _) = setup_with(&app, &["diabetes-t2-hba1c"]).await;
    let page = ehr_page(&app, &key, "fr").await;
    let browser = Browser::start().await;
    browser.goto(&page).await;
    // The GP is typing a note when the record's alert arrives.
    browser.fill("#note", "Tension 13/8").await;
    browser
        .client
        .execute("document.getElementById('open').click()", vec![])
        .await
        .unwrap();
    browser.wait_for_text("Proposer maintenant").await;
    // Every answer says what it does; no reason is chosen; focus is on the dialog itself.
    let text = browser.text().await;
    for effect in [
        "ouvre le consentement",
        "Plus tard — 30 jours",
        "ne plus le proposer à ce patient",
        "Fermer sans répondre",
    ] {
        assert!(text.contains(effect), "{effect}: {text}");
    }
    let state = browser
        .client
        .execute(
            "return [document.activeElement.classList.contains('inclusio-popup'),
                     document.querySelectorAll('.inclusio-popup input:checked').length]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        state,
        json!([true, 0]),
        "focus on the dialog, no reason ticked"
    );
    // Enter on the dialog, then on the accept button itself: nothing is answered.
    press(&browser, ENTER).await;
    browser
        .client
        .execute(
            "document.querySelector('[data-inclusio-action=\"accept\"]').focus()",
            vec![],
        )
        .await
        .unwrap();
    press(&browser, ENTER).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let still = browser
        .client
        .execute(
            "return [document.querySelector('.inclusio-popup') !== null, document.body.getAttribute('data-done')]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(still, json!([true, null]), "Enter did not answer");
    assert_eq!(
        browser.client.windows().await.unwrap().len(),
        1,
        "no consent tab"
    );
    // Declining without a reason: asked for one, nothing sent.
    browser.click("[data-inclusio-action=\"decline\"]").await;
    browser
        .wait_for_text("Choisissez d’abord un motif de refus.")
        .await;
    // Esc closes, records no answer.
    press(&browser, ESCAPE).await;
    let done = wait_for(&browser, "return document.body.getAttribute('data-done')").await;
    assert_eq!(done, "none");
    let after = browser
        .client
        .execute(
            "return [document.querySelector('.inclusio-popup') === null, document.activeElement.id]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        after,
        json!([true, "note"]),
        "closed, focus back in the note"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let events = plugin_events(&app).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].contains("|shown|"), "{events:?}");
    // Closed without an answer: the next opening may show it again (unanswered).
    browser.click("#open").await;
    browser.wait_for_text("Proposer maintenant").await;
    browser.close().await;
    assert_eq!(flow::count(&app, "consent_tokens").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_alert_per_consultation_across_reopenings() {
    let app = e2e::spawn_app_with(Backend::Sqlite, |s| {
        s.http.cors_origins = vec!["*".into()];
    })
    .await;
    let (key, _, _) = setup_with(&app, &["diabetes-t2-hba1c", "hypertension-uncontrolled"]).await;
    let page = ehr_page(&app, &key, "en").await;
    let browser = Browser::start().await;
    browser.goto(&page).await;
    browser.click("#open").await;
    browser.wait_for_text("Later — 30 days").await;
    browser.click("input[value=\"not_interested\"]").await;
    browser.click("[data-inclusio-action=\"decline\"]").await;
    let done = wait_for(&browser, "return document.body.getAttribute('data-done')").await;
    assert_eq!(done, "declined");
    // The record opened again, twice, the same day: no other trial.
    for run in 2..=3 {
        browser.click("#open").await;
        let runs = wait_for(
            &browser,
            &format!(
                "return document.body.getAttribute('data-runs') === '{run}' ? document.body.getAttribute('data-alert') : null"
            ),
        )
        .await;
        assert_eq!(runs, "no", "opening {run}");
        assert_eq!(
            browser
                .client
                .execute(
                    "return document.querySelector('.inclusio-popup') === null",
                    vec![]
                )
                .await
                .unwrap(),
            json!(true)
        );
    }
    browser.close().await;
    let events = plugin_events(&app).await;
    assert_eq!(events.len(), 2, "shown and declined only: {events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_banner_mode_interrupts_nothing() {
    let app = e2e::spawn_app_with(Backend::Sqlite, |s| {
        s.http.cors_origins = vec!["*".into()];
    })
    .await;
    let (key, admin, practice) = setup_with(&app, &["diabetes-t2-hba1c"]).await;
    flow::ok(
        app.put_plugin_settings(
            &admin,
            practice,
            &json!({"max_alerts": 1, "max_unanswered_shows": 3, "display": "banner"}),
        )
        .await,
    )
    .await;
    let page = ehr_page(&app, &key, "en").await;
    let browser = Browser::start().await;
    browser.goto(&page).await;
    browser.fill("#note", "BP 130/80").await;
    browser
        .client
        .execute("document.getElementById('open').click()", vec![])
        .await
        .unwrap();
    browser
        .wait_for_text("A clinical trial may suit this patient")
        .await;
    // No dialog, the page is not hidden, the GP keeps typing in the note.
    let state = browser
        .client
        .execute(
            "return [document.querySelector('.inclusio-popup') === null,
                     document.querySelector('[aria-hidden]') === null,
                     document.activeElement.id]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(state, json!([true, true, "note"]));
    // Opened when the GP chooses: a side panel, not modal; Esc closes it, nothing answered.
    browser.click(".inclusio-banner-open").await;
    browser.wait_for_text("Later — 30 days").await;
    let panel = browser
        .client
        .execute(
            "const d = document.querySelector('.inclusio-popup');
             return [d.getAttribute('aria-modal'), document.activeElement === d,
                     document.querySelector('.inclusio-panel') !== null]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(panel, json!(["false", true, true]));
    press(&browser, ESCAPE).await;
    let back = wait_for(
        &browser,
        "return document.querySelector('.inclusio-popup') === null && !document.querySelector('.inclusio-banner').hidden ? true : null",
    )
    .await;
    assert_eq!(back, json!(true), "the panel closed, the banner back");
    // Hidden: resolved without an answer.
    browser.click(".inclusio-banner-dismiss").await;
    let done = wait_for(&browser, "return document.body.getAttribute('data-done')").await;
    assert_eq!(done, "none");
    browser.close().await;
    let events = plugin_events(&app).await;
    assert_eq!(events.len(), 1, "only shown: {events:?}");
    assert!(events[0].contains("|shown|"), "{events:?}");
}
