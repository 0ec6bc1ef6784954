//! Browser smoke test: the pages render in headless Chromium, keyboard users reach the
//! content through the skip link, and the language switch works.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

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
