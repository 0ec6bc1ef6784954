//! Two replicas on one PostgreSQL database under concurrent traffic: every GP answer sent
//! to both (a client retrying on the other replica) is recorded once, every consent link
//! submitted to both at once gives one consent and one referral, and each consent's emails
//! are enqueued and delivered once.

use e2e::flow::{self, count, number, ok};
use e2e::{Backend, TestApp};
use futures_util::future::join_all;
use serde_json::json;
use uuid::Uuid;

/// Patients whose alerts are accepted and whose consents are signed.
const PATIENTS: u8 = 16;

/// An accept of `trial` for patient `n` (one client id, whichever replica receives it).
fn accept(trial: &str, n: u8) -> serde_json::Value {
    json!({
        "id": Uuid::now_v7(), "alert_id": Uuid::now_v7(), "trial": trial, "trial_version": 1,
        "patient": flow::pseudonym(n), "verdict": "eligible", "response": "accepted",
        "at": "2026-11-24T09:30:00Z",
    })
}

/// Emails enqueued per kind, in kind order.
async fn emails_by_kind(app: &TestApp) -> Vec<(String, i64)> {
    use sea_orm::{ConnectionTrait, Statement};
    app.db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT kind, COUNT(*) AS n FROM email_outbox GROUP BY kind ORDER BY kind",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "kind").unwrap(),
                r.try_get::<i64>("", "n").unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_record_each_answer_consent_and_email_once() {
    let a = e2e::spawn_app(Backend::Postgres).await;
    let b = e2e::spawn_on(a.settings.clone()).await;
    let (admin, sponsor) = flow::admin_and_sponsor(&a).await;
    let trial = flow::recruiting_trial(&a, &admin, &sponsor, "diabetes-t2-hba1c", 100).await;
    let site = flow::site(&a, &sponsor, &trial, "CHU Lille", None).await;
    let practice = a.seed_organisation("Cabinet du Parc", "practice").await;
    let key = flow::api_key(&a, &admin, practice).await;

    // Each answer reaches both replicas at once.
    let answers: Vec<_> = (0..PATIENTS).map(|n| accept(&trial, n)).collect();
    let sent = answers.iter().map(|e| {
        let (a, b, key) = (&a, &b, &key);
        async move {
            let (ra, rb) = tokio::join!(
                a.post_events(key, std::slice::from_ref(e)),
                b.post_events(key, std::slice::from_ref(e))
            );
            (ok(ra).await, ok(rb).await)
        }
    });
    let replies = join_all(sent).await;
    let mut links = Vec::new();
    for (ra, rb) in &replies {
        let statuses = [
            ra["results"][0]["status"].as_str().unwrap(),
            rb["results"][0]["status"].as_str().unwrap(),
        ];
        assert!(
            statuses.contains(&"recorded") && statuses.contains(&"duplicate"),
            "one replica records, the other sees a duplicate: {statuses:?}"
        );
        let recorded = if statuses[0] == "recorded" { ra } else { rb };
        let url = recorded["results"][0]["consent_url"].as_str().unwrap();
        links.push(url[url.find("/consent/").unwrap()..].to_string());
    }
    assert_eq!(count(&a, "plugin_events").await, i64::from(PATIENTS));
    assert_eq!(
        count(&a, "consent_tokens").await,
        i64::from(PATIENTS),
        "one consent link per answer"
    );

    // The first consent alone: the emails one consent enqueues.
    let setup = emails_by_kind(&a).await;
    let html = a.get(&links[0]).await.text().await.unwrap();
    let doc = flow::document_id(&html);
    let form = flow::form(&doc, &site.id, Some("elodie@example.org"));
    assert_eq!(flow::submit(&a, &links[0], &form).await.status(), 303);
    let first = emails_by_kind(&a).await;
    let before = |kind: &str| setup.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
    let per_consent: Vec<(String, i64)> = first
        .iter()
        .map(|(kind, n)| (kind.clone(), n - before(kind)))
        .collect();
    assert!(
        per_consent.iter().any(|(_, n)| *n > 0),
        "a consent enqueues emails"
    );

    // Every other link submitted to both replicas at once.
    let signed = links[1..].iter().map(|link| {
        let (a, b, form) = (&a, &b, &form);
        async move {
            let (ra, rb) = tokio::join!(flow::submit(a, link, form), flow::submit(b, link, form));
            let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
            statuses.sort_unstable();
            statuses
        }
    });
    for statuses in join_all(signed).await {
        assert_eq!(
            statuses,
            [303, 410],
            "one signature per link, the other refused"
        );
    }
    let n = i64::from(PATIENTS);
    assert_eq!(count(&a, "consents").await, n);
    assert_eq!(count(&a, "referrals").await, n);
    assert_eq!(
        number(&a, "SELECT COUNT(DISTINCT consent_id) AS n FROM referrals").await,
        n,
        "one referral per consent"
    );
    let expected: Vec<(String, i64)> = per_consent
        .iter()
        .map(|(kind, k)| (kind.clone(), before(kind) + k * n))
        .collect();
    assert_eq!(
        emails_by_kind(&a).await,
        expected,
        "each consent's emails once"
    );

    // Both outbox workers deliver them, each once.
    let total: i64 = expected.iter().map(|(_, k)| k).sum();
    let sent = e2e::mail::eventually(
        "every email sent",
        std::time::Duration::from_secs(30),
        || {
            let a = &a;
            async move {
                let n = number(
                    a,
                    "SELECT COUNT(*) AS n FROM email_outbox WHERE status = 'sent'",
                )
                .await;
                (n == total).then_some(n)
            }
        },
    )
    .await;
    assert_eq!(sent, total);
    assert_eq!(
        number(
            &a,
            "SELECT COUNT(*) AS n FROM email_outbox WHERE attempts <> 1"
        )
        .await,
        0,
        "no email sent twice"
    );
    let delivered =
        a.mailbox.as_ref().unwrap().all().len() + b.mailbox.as_ref().unwrap().all().len();
    assert_eq!(
        delivered as i64, total,
        "each email handed to a transport once"
    );
}
