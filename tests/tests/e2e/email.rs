//! The email outbox end to end: trial approval and rejection email every active sponsor user
//! of the trial's organisation, in the transition's transaction; delivery through the memory
//! transport, the file transport and a real SMTP server on loopback; retries while the SMTP
//! server is down, then exactly one delivery; two replicas on one database deliver each
//! email once; a dead worker's lease expires and its email is sent once; a 5xx refusal fails
//! at once, repeated failures after `max_attempts`, both visible to admins.

use e2e::mail::{SmtpServer, eventually, free_port};
use e2e::{Backend, PASSWORD, TestApp, both};
use platform::config::{Settings, SmtpTls, TransportKind};
use platform::email::{Locale, Outbox};
use platform::entities::{email_outbox, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde_json::{Value, json};
use server::emails::TrialApproved;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// The SMTP transport to `127.0.0.1:port`, plain.
fn smtp_to(port: u16) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.email.transport = Some(TransportKind::Smtp);
        s.smtp.host = Some("127.0.0.1".into());
        s.smtp.port = port;
        s.smtp.tls = SmtpTls::None;
        s.smtp.timeout_secs = 5;
    }
}

async fn rows(app: &TestApp) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find()
        .order_by_asc(email_outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// A sponsor organisation with `users` sponsor users; a submitted trial of theirs.
/// Returns `(trial id, sponsor emails, sponsor cookie, admin cookie)`.
async fn submitted_trial(app: &TestApp, users: usize) -> (String, Vec<String>, String, String) {
    let org = app.seed_organisation("Cardio Research", "sponsor").await;
    let mut emails = Vec::new();
    for _ in 0..users {
        emails.push(app.seed_user("sponsor", Some(org)).await);
    }
    let cookie = app.login(&emails[0], PASSWORD).await;
    let admin = app.logged_in("admin").await;
    let r = app
        .post_trial(
            &cookie,
            &json!({"definition": e2e::example_trial("heart-failure-ntprobnp")}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.transition(&cookie, &id, "submitted", None)
            .await
            .status(),
        200
    );
    (id, emails, cookie, admin)
}

async fn wait_until_sent(app: &TestApp, n: usize) -> Vec<email_outbox::Model> {
    eventually("the outbox to be sent", WAIT, || async {
        let rows = rows(app).await;
        (rows.len() == n && rows.iter().all(|r| r.status == "sent")).then_some(rows)
    })
    .await
}

both!(
    rejection_then_approval_email_every_active_sponsor_user,
    |app: TestApp| async move {
        let (id, mut emails, cookie, admin) = submitted_trial(&app, 3).await;
        // An inactive sponsor user and a sponsor user of another organisation get nothing.
        user::Entity::update_many()
            .col_expr(user::Column::Active, Expr::value(false))
            .filter(user::Column::Email.eq(emails.pop().unwrap()))
            .exec(&app.db)
            .await
            .unwrap();
        let other = app.seed_organisation("Other Pharma", "sponsor").await;
        app.seed_user("sponsor", Some(other)).await;
        emails.sort();

        let comment = "Criterion 3 needs a unit.";
        assert_eq!(
            app.transition(&admin, &id, "draft", Some(comment))
                .await
                .status(),
            200
        );
        let sent = wait_until_sent(&app, 2).await;
        let outbox = Outbox::from_settings(&app.settings);
        let mut opened: Vec<_> = sent.iter().map(|r| outbox.open(r).unwrap()).collect();
        opened.sort_by(|a, b| a.to.cmp(&b.to));
        assert_eq!(
            opened.iter().map(|o| o.to.clone()).collect::<Vec<_>>(),
            emails
        );
        for (row, o) in sent.iter().zip(&opened) {
            assert_eq!(
                (row.kind.as_str(), row.locale.as_str()),
                ("trial_rejected", "fr")
            );
            assert_eq!(row.attempts, 1);
            assert!(row.sent_at.is_some() && row.last_error.is_none());
            assert!(
                o.body.subject.starts_with("Essai à revoir"),
                "{}",
                o.body.subject
            );
            assert!(o.body.text.contains(comment) && o.body.html.contains(comment));
            // Sealed: neither the recipient nor the content is readable in the row.
            assert!(!row.sealed.contains(&o.to) && !row.sealed.contains("Criterion"));
        }
        let mailbox = app.mailbox.clone().unwrap();
        let delivered = mailbox.all();
        assert_eq!(delivered.len(), 2);
        for row in &sent {
            let id_header = format!("Message-ID: <{}@inclusio.localhost>", row.id);
            assert_eq!(
                delivered
                    .iter()
                    .filter(|d| d.raw.contains(&id_header))
                    .count(),
                1,
                "{id_header}"
            );
        }

        assert_eq!(
            app.transition(&cookie, &id, "submitted", None)
                .await
                .status(),
            200
        );
        assert_eq!(
            app.transition(&admin, &id, "approved", None).await.status(),
            200
        );
        let sent = wait_until_sent(&app, 4).await;
        let approved: Vec<_> = sent.iter().filter(|r| r.kind == "trial_approved").collect();
        assert_eq!(approved.len(), 2);
        assert_eq!(mailbox.all().len(), 4);
        let mut to: Vec<_> = mailbox.all()[2..]
            .iter()
            .flat_map(|d| d.to.clone())
            .collect();
        to.sort();
        assert_eq!(to, emails);
        // Moves that are neither an approval nor a rejection send nothing.
        assert_eq!(
            app.transition(&cookie, &id, "recruiting", None)
                .await
                .status(),
            200
        );
        assert_eq!(
            app.transition(&cookie, &id, "paused", None).await.status(),
            200
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(rows(&app).await.len(), 4);
        assert_eq!(mailbox.all().len(), 4);
    }
);

both!(
    refused_transitions_and_rolled_back_transactions_send_nothing,
    |app: TestApp| async move {
        let (id, emails, cookie, admin) = submitted_trial(&app, 1).await;
        // Refused: a rejection without a comment, an approval by the sponsor.
        assert_eq!(
            app.transition(&admin, &id, "draft", Some(" "))
                .await
                .status(),
            422
        );
        assert_eq!(
            app.transition(&cookie, &id, "approved", None)
                .await
                .status(),
            403
        );
        // A transaction that enqueues and rolls back leaves nothing.
        let outbox = Outbox::from_settings(&app.settings);
        let email = TrialApproved {
            trial_title: "T".into(),
            trial_slug: "t".into(),
            sponsor_name: "S".into(),
        };
        let txn = app.db.begin().await.unwrap();
        outbox
            .enqueue(&txn, &emails[0], Locale::En, &email)
            .await
            .unwrap();
        txn.rollback().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(rows(&app).await.is_empty());
        assert!(app.mailbox.as_ref().unwrap().all().is_empty());
        // The same, committed, is sent.
        let txn = app.db.begin().await.unwrap();
        outbox
            .enqueue(&txn, &emails[0], Locale::En, &email)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        wait_until_sent(&app, 1).await;
        assert_eq!(app.mailbox.as_ref().unwrap().all().len(), 1);
    }
);

/// The first message of `server` must be the approval of trial `row`.
fn assert_is_approval(server: &SmtpServer, row: &email_outbox::Model, to: &str) {
    let got = server.received();
    assert_eq!(got.len(), 1, "exactly one message");
    assert_eq!(got[0].to, vec![to.to_string()]);
    assert_eq!(
        got[0].header("Message-ID"),
        Some(format!("<{}@inclusio.localhost>", row.id))
    );
    let content_type = got[0].header("Content-Type").unwrap();
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
}

async fn smtp_delivers_to_a_real_server(backend: Backend) {
    let server = SmtpServer::start();
    let app = e2e::spawn_app_with(backend, smtp_to(server.port)).await;
    let (id, emails, _, admin) = submitted_trial(&app, 1).await;
    assert_eq!(
        app.transition(&admin, &id, "approved", None).await.status(),
        200
    );
    server.wait_for(1, WAIT).await;
    let sent = wait_until_sent(&app, 1).await;
    assert_is_approval(&server, &sent[0], &emails[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_delivers_to_a_real_server_sqlite() {
    smtp_delivers_to_a_real_server(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_delivers_to_a_real_server_postgres() {
    smtp_delivers_to_a_real_server(Backend::Postgres).await;
}

async fn smtp_down_then_up(backend: Backend) {
    let port = free_port();
    let app = e2e::spawn_app_with(backend, smtp_to(port)).await;
    let (id, emails, _, admin) = submitted_trial(&app, 1).await;
    assert_eq!(
        app.transition(&admin, &id, "approved", None).await.status(),
        200
    );
    // The server is down: the email waits, with its attempts and the time of the next one.
    let row = eventually("a failed attempt", WAIT, || async {
        rows(&app).await.into_iter().find(|r| r.attempts >= 2)
    })
    .await;
    assert_eq!(row.status, "pending");
    assert_eq!(row.last_error.as_deref(), Some("smtp connection failed"));
    assert!(row.next_attempt_at > row.created_at);
    let r = app.get_outbox(&admin, "").await;
    assert_eq!(r.status(), 200);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["pending"], 1);
    assert_eq!(report["problems"][0]["id"], json!(row.id));
    assert_eq!(report["problems"][0]["status"], "pending");
    assert!(report["problems"][0]["next_attempt_at"].is_string());
    // The server comes back: the email arrives, once.
    let server = SmtpServer::start_on(port);
    server.wait_for(1, WAIT).await;
    let sent = wait_until_sent(&app, 1).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_is_approval(&server, &sent[0], &emails[0]);
    assert!(sent[0].attempts >= 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_up_sqlite() {
    smtp_down_then_up(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_up_postgres() {
    smtp_down_then_up(Backend::Postgres).await;
}

async fn two_replicas_deliver_each_email_once(backend: Backend) {
    const N: usize = 40;
    let server = SmtpServer::start();
    let a = e2e::spawn_app_with(backend, smtp_to(server.port)).await;
    let b = e2e::spawn_on(a.settings.clone()).await;
    let outbox = Outbox::from_settings(&a.settings);
    let txn = a.db.begin().await.unwrap();
    for i in 0..N {
        let email = TrialApproved {
            trial_title: format!("Trial {i}"),
            trial_slug: format!("t{i}"),
            sponsor_name: "S".into(),
        };
        outbox
            .enqueue(&txn, &format!("user{i}@example.org"), Locale::En, &email)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    server.wait_for(N, WAIT).await;
    wait_until_sent(&b, N).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = server.received();
    assert_eq!(got.len(), N, "each email exactly once");
    let mut ids: Vec<_> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N);
    assert!(rows(&a).await.iter().all(|r| r.attempts == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_deliver_each_email_once_postgres() {
    two_replicas_deliver_each_email_once(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_deliver_each_email_once_sqlite() {
    two_replicas_deliver_each_email_once(Backend::Sqlite).await;
}

async fn failed_after_max_attempts(backend: Backend) {
    let port = free_port();
    let app = e2e::spawn_app_with(backend, |s| {
        smtp_to(port)(s);
        s.email.max_attempts = 2;
    })
    .await;
    let (id, _, cookie, admin) = submitted_trial(&app, 1).await;
    assert_eq!(
        app.transition(&admin, &id, "approved", None).await.status(),
        200
    );
    let row = eventually("the email to fail", WAIT, || async {
        rows(&app).await.into_iter().find(|r| r.status == "failed")
    })
    .await;
    assert_eq!(row.attempts, 2);
    let r = app.get_outbox(&admin, "").await;
    let text = r.text().await.unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (&report["pending"], &report["sent"], &report["failed"]),
        (&json!(0), &json!(0), &json!(1))
    );
    let problem = &report["problems"][0];
    assert_eq!(
        (&problem["kind"], &problem["status"], &problem["attempts"]),
        (&json!("trial_approved"), &json!("failed"), &json!(2))
    );
    assert_eq!(problem["last_error"], "smtp connection failed");
    assert!(problem.get("next_attempt_at").is_none());
    assert!(!text.contains("@example.org") && !text.contains(&row.sealed));
    // Only admins see it.
    let r = app.get_outbox(&cookie, "").await;
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_after_max_attempts_sqlite() {
    failed_after_max_attempts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_after_max_attempts_postgres() {
    failed_after_max_attempts(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_transport_writes_eml_files() {
    let folder = std::env::temp_dir().join(format!("inclusio-mail-{}", uuid::Uuid::now_v7()));
    let dir = folder.clone();
    let app = e2e::spawn_app_with(Backend::Sqlite, move |s| {
        s.email.transport = Some(TransportKind::File);
        s.email.folder = dir;
    })
    .await;
    let (id, _, _, admin) = submitted_trial(&app, 2).await;
    assert_eq!(
        app.transition(&admin, &id, "approved", None).await.status(),
        200
    );
    let sent = wait_until_sent(&app, 2).await;
    let files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(files.len(), 2);
    for row in &sent {
        let header = format!("Message-ID: <{}@inclusio.localhost>", row.id);
        assert_eq!(files.iter().filter(|f| f.contains(&header)).count(), 1);
    }
    std::fs::remove_dir_all(&folder).unwrap();
}

both!(
    a_dead_workers_claim_expires_and_the_email_is_sent_once,
    |app: TestApp| async move {
        // A row claimed by a worker that died: its lease holds the email back until it ends.
        let outbox = Outbox::from_settings(&app.settings);
        let email = TrialApproved {
            trial_title: "T".into(),
            trial_slug: "t".into(),
            sponsor_name: "S".into(),
        };
        let txn = app.db.begin().await.unwrap();
        let id = outbox
            .enqueue(&txn, "sponsor@example.org", Locale::Fr, &email)
            .await
            .unwrap();
        let claim = |until: chrono::DateTime<chrono::Utc>| {
            email_outbox::Entity::update_many()
                .col_expr(
                    email_outbox::Column::ClaimedBy,
                    Expr::value(uuid::Uuid::now_v7()),
                )
                .col_expr(email_outbox::Column::ClaimedUntil, Expr::value(until))
                .filter(email_outbox::Column::Id.eq(id))
        };
        claim(chrono::Utc::now() + chrono::Duration::hours(1))
            .exec(&txn)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(app.mailbox.as_ref().unwrap().all().is_empty());
        assert_eq!(rows(&app).await[0].status, "pending");
        // The lease ends: another worker sends it, once.
        claim(chrono::Utc::now() - chrono::Duration::seconds(1))
            .exec(&app.db)
            .await
            .unwrap();
        let sent = wait_until_sent(&app, 1).await;
        assert_eq!((sent[0].attempts, sent[0].claimed_by), (1, None));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(app.mailbox.as_ref().unwrap().all().len(), 1);
    }
);

async fn a_permanent_smtp_refusal_fails_at_once(backend: Backend) {
    let server = SmtpServer::start_refusing();
    let app = e2e::spawn_app_with(backend, smtp_to(server.port)).await;
    let (id, _, _, admin) = submitted_trial(&app, 1).await;
    assert_eq!(
        app.transition(&admin, &id, "approved", None).await.status(),
        200
    );
    let row = eventually("the email to fail", WAIT, || async {
        rows(&app).await.into_iter().find(|r| r.status == "failed")
    })
    .await;
    assert_eq!(row.attempts, 1, "a 5xx is not retried");
    assert_eq!(row.last_error.as_deref(), Some("smtp 550"));
    assert!(server.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_smtp_refusal_fails_at_once_sqlite() {
    a_permanent_smtp_refusal_fails_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_smtp_refusal_fails_at_once_postgres() {
    a_permanent_smtp_refusal_fails_at_once(Backend::Postgres).await;
}
