//! Rotating the encryption key: a consent signed under the old key stays readable while
//! the old key is a previous key, `rekey` moves it (and the queued emails) to the new key,
//! and once the old key is gone the coordinator still reads the patient and the patient
//! still downloads the receipt's PDF.

use e2e::flow::{self, ok};
use e2e::{Backend, TestApp};
use platform::crypto::Cipher;
use platform::secret::Secret;

const OLD: &str = "the encryption key before the rotation";
const NEW: &str = "the encryption key after the rotation";

/// A signed consent on `app`: (the coordinator's cookie, the referral's id, the receipt's path).
async fn signed_consent(app: &TestApp) -> (String, String, String) {
    let (admin, sponsor) = flow::admin_and_sponsor(app).await;
    let trial = flow::recruiting_trial(app, &admin, &sponsor, "diabetes-t2-hba1c", 10).await;
    let site = flow::site(app, &sponsor, &trial, "CHU Lille", None).await;
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let key = flow::api_key(app, &admin, practice).await;
    let link = flow::accept(app, &key, &trial, 1).await;
    let html = app.get(&link).await.text().await.unwrap();
    let doc = flow::document_id(&html);
    let r = flow::submit(
        app,
        &link,
        &flow::form(&doc, &site.id, Some("elodie@example.org")),
    )
    .await;
    assert_eq!(r.status(), 303);
    let receipt = r.headers()["location"].to_str().unwrap().to_string();
    let list = ok(app.get_referrals(&site.cookie, "").await).await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    (site.cookie, id, receipt)
}

/// The referral's patient as its coordinator reads it, and the receipt's PDF status.
async fn readable(app: &TestApp, cookie: &str, id: &str, receipt: &str) -> (String, u16) {
    let detail = ok(app.get_referral(cookie, id).await).await;
    let pdf = app.get(&format!("{receipt}/pdf")).await;
    (
        detail["patient"]["family_name"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        pdf.status().as_u16(),
    )
}

async fn rotation(backend: Backend) {
    let mut settings = e2e::fresh_settings(backend).await;
    settings.secrets.encryption_key = Secret::new(OLD.into());
    let before = e2e::spawn_on(settings.clone()).await;
    let (cookie, id, receipt) = signed_consent(&before).await;
    assert_eq!(
        readable(&before, &cookie, &id, &receipt).await,
        ("Zyxwvu".into(), 200)
    );

    // The new key seals, the old one still opens.
    settings.secrets.encryption_key = Secret::new(NEW.into());
    settings.secrets.previous_encryption_keys = vec![Secret::new(OLD.into())];
    let rotating = e2e::spawn_on(settings.clone()).await;
    assert_eq!(
        readable(&rotating, &cookie, &id, &receipt).await,
        ("Zyxwvu".into(), 200)
    );
    let cipher = Cipher::from_settings(&settings.secrets);
    let done = platform::rekey::rekey(&rotating.db, &cipher).await.unwrap();
    assert_eq!(done.consents, 1, "{done:?}");
    assert!(done.emails >= 1, "the referral's emails: {done:?}");
    assert!(done.unreadable.is_empty(), "{done:?}");
    let again = platform::rekey::rekey(&rotating.db, &cipher).await.unwrap();
    assert_eq!((again.consents, again.emails), (0, 0), "{again:?}");
    assert_eq!(
        again.already_current,
        done.consents + done.emails + done.already_current
    );

    // The old key gone: everything still opens under the new key alone.
    settings.secrets.previous_encryption_keys = Vec::new();
    let after = e2e::spawn_on(settings.clone()).await;
    assert_eq!(
        readable(&after, &cookie, &id, &receipt).await,
        ("Zyxwvu".into(), 200)
    );
    // …and nothing is left that the old key alone could open.
    let old_only = platform::rekey::rekey(&after.db, &Cipher::from_secret(OLD))
        .await
        .unwrap();
    assert_eq!(old_only.already_current, 0, "{old_only:?}");
    assert!(
        old_only
            .unreadable
            .iter()
            .any(|at| at.starts_with("consents ") && at.ends_with(" identity_sealed")),
        "{old_only:?}"
    );
    assert!(
        old_only.unreadable.iter().all(|at| !at.contains("Zyxwvu")),
        "locations only, never values"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_keeps_every_consent_readable_sqlite() {
    rotation(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_keeps_every_consent_readable_postgres() {
    rotation(Backend::Postgres).await;
}
