//! The real binary killed with SIGKILL while patients sign: after a restart every consent is
//! all or nothing. A consent exists exactly when its link is used, with its referral, its
//! emails and an intact audit chain; every signature the server had acknowledged is there;
//! every link the crash interrupted still works.

use e2e::Backend;
use e2e::flow::{self, count, number};
use e2e::process::ServerProcess;
use futures_util::future::join_all;
use std::time::Duration;

/// Consents signed at once when the server is killed.
const PATIENTS: u8 = 40;

async fn killed_mid_consent(backend: Backend) {
    let mut process = ServerProcess::start(backend, &[]).await;
    let app = process.app().await;
    let (admin, sponsor) = flow::admin_and_sponsor(&app).await;
    let trial = flow::recruiting_trial(&app, &admin, &sponsor, "diabetes-t2-hba1c", 100).await;
    let site = flow::site(&app, &sponsor, &trial, "CHU Lille", None).await;
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let key = flow::api_key(&app, &admin, practice).await;
    let mut links = Vec::new();
    for n in 0..PATIENTS {
        links.push(flow::accept(&app, &key, &trial, n).await);
    }
    let html = app.get(&links[0]).await.text().await.unwrap();
    let form = flow::form(&flow::document_id(&html), &site.id, None);

    // Every patient signs at once; the server is killed once the first consent is in.
    let signing = join_all(links.iter().map(|link| {
        let (app, form) = (&app, &form);
        async move {
            app.request(reqwest::Method::POST, link)
                .form(form)
                .send()
                .await
                .ok()
                .map(|r| r.status().as_u16())
        }
    }));
    let killer = async {
        while count(&app, "consents").await < 1 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        process.kill();
    };
    let (answers, ()) = tokio::join!(signing, killer);
    let acknowledged: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, a)| **a == Some(303))
        .map(|(i, _)| i)
        .collect();
    assert!(
        answers.iter().any(Option::is_none),
        "the kill interrupted some signatures: {answers:?}"
    );

    process.restart().await;
    let app = process.app().await;
    let mut used = Vec::new();
    for (i, link) in links.iter().enumerate() {
        match app.get(link).await.status().as_u16() {
            410 => used.push(i),
            200 => {}
            other => panic!("link {i}: {other}"),
        }
    }
    for i in &acknowledged {
        assert!(used.contains(i), "acknowledged signature {i} lost");
    }
    let consents = count(&app, "consents").await;
    assert_eq!(
        consents,
        used.len() as i64,
        "a consent exactly for each used link"
    );
    assert_eq!(
        number(
            &app,
            "SELECT COUNT(*) AS n FROM consent_tokens WHERE used_at IS NOT NULL"
        )
        .await,
        consents
    );
    assert_eq!(
        count(&app, "referrals").await,
        consents,
        "each with its referral"
    );
    assert_eq!(
        number(
            &app,
            "SELECT COUNT(*) AS n FROM email_outbox WHERE kind = 'new_referral'"
        )
        .await,
        consents,
        "each with its coordinator's email"
    );
    let chain = platform::audit::verify(&app.db).await.unwrap();
    assert!(chain.first_broken.is_none(), "{:?}", chain.first_broken);

    // What the crash interrupted can be signed now.
    for (i, link) in links.iter().enumerate() {
        if !used.contains(&i) {
            assert_eq!(
                flow::submit(&app, link, &form).await.status(),
                303,
                "link {i}"
            );
        }
    }
    assert_eq!(count(&app, "consents").await, i64::from(PATIENTS));
    assert_eq!(count(&app, "referrals").await, i64::from(PATIENTS));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consent_killed_mid_way_is_all_or_nothing_sqlite() {
    killed_mid_consent(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consent_killed_mid_way_is_all_or_nothing_postgres() {
    killed_mid_consent(Backend::Postgres).await;
}
