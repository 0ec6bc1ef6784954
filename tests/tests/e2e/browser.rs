//! Browser smoke test: the pages render in headless Chromium, keyboard users reach the
//! content through the skip link, and the language switch works.

use e2e::browser::Browser;
use e2e::{Backend, spawn_app};

#[tokio::test]
async fn home_page_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/?lang=fr", app.address)).await;
    browser.wait_for_text("Bienvenue").await;
    let lang = browser
        .client
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang, "fr");
    // The skip link is the first thing a keyboard reaches.
    let first = browser
        .client
        .execute(
            "document.activeElement.blur(); return document.querySelector('a').className",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first, "skip-link");
    browser.click(".account a[lang]").await;
    browser.wait_for_text("Welcome").await;
    let path = browser.screenshot("home-en").await;
    assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    browser.close().await;
}

/// A test that panics mid-way still leaves no browser behind.
#[tokio::test]
async fn a_dropped_browser_leaves_no_process() {
    let browser = Browser::start().await;
    let pid = browser
        .client
        .execute("return 1", vec![])
        .await
        .map(|_| ())
        .ok();
    assert!(pid.is_some());
    let profile = browser.profile_dir();
    drop(browser);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let out = std::process::Command::new("pgrep")
        .args(["-f", &profile])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).trim().is_empty(),
        "Chromium still runs for {profile}"
    );
}
