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
