//! PostgreSQL restarted under event traffic, against the real binary on a PostgreSQL server
//! of the test's own: while the database is down clients get 503 with `Retry-After`, never
//! a 500; every event the server acknowledged is stored once it is back; the SDK keeps the
//! answers it could not deliver and delivers them after.

use e2e::flow::{self, number};
use e2e::postgres::PrivatePostgres;
use e2e::process::ServerProcess;
use e2e::{Backend, TestApp};
use plugin_sdk::{Client, Config, Consultation, DeclineReason, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// What one events request got: its status, whether it said when to retry, and the ids the
/// server acknowledged.
struct Reply {
    status: Option<u16>,
    retry_after: bool,
    acknowledged: Vec<Uuid>,
}

/// A decline of `trial` for a new pseudonymous patient.
fn decline(trial: &str) -> Value {
    json!({
        "id": Uuid::now_v7(), "alert_id": Uuid::now_v7(), "trial": trial, "trial_version": 1,
        "patient": flow::pseudonym(7), "verdict": "eligible", "response": "declined",
        "reason": "not_interested", "at": "2026-11-24T09:30:00Z",
    })
}

/// Posts declines to `app` until `stop`, one request at a time.
async fn traffic(app: &TestApp, key: &str, trial: &str, stop: &AtomicBool) -> Vec<Reply> {
    let mut replies = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let events = [decline(trial), decline(trial)];
        let sent = app
            .as_practice(reqwest::Method::POST, "/api/v1/events", key)
            .json(&json!({ "events": events }))
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let reply = match sent {
            Err(_) => Reply {
                status: None,
                retry_after: false,
                acknowledged: Vec::new(),
            },
            Ok(r) => {
                let status = r.status().as_u16();
                let retry_after = r.headers().contains_key(reqwest::header::RETRY_AFTER);
                let body: Value = r.json().await.unwrap_or(Value::Null);
                let acknowledged = body["results"]
                    .as_array()
                    .map(|results| {
                        results
                            .iter()
                            .filter_map(|x| x["id"].as_str().and_then(|id| id.parse().ok()))
                            .collect()
                    })
                    .unwrap_or_default();
                Reply {
                    status: Some(status),
                    retry_after,
                    acknowledged,
                }
            }
        };
        replies.push(reply);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_under_event_traffic() {
    let pg = PrivatePostgres::start();
    pg.create_database("inclusio");
    let url = pg.url("inclusio");
    let process = ServerProcess::start(Backend::Sqlite, &[("DATABASE_URL", &url)]).await;
    let app = Arc::new(process.app().await);
    let (admin, sponsor) = flow::admin_and_sponsor(&app).await;
    let trial = flow::recruiting_trial(&app, &admin, &sponsor, "diabetes-t2-hba1c", 100).await;
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let key = flow::api_key(&app, &admin, practice).await;

    // The SDK has an alert to answer before the outage.
    let path = format!(
        "{}/../trials/examples/patients/dupont-jean.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let patient = trials::Patient::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let consultation = Consultation {
        patient_id: "dupont-jean".into(),
        date: "2026-11-23".parse().unwrap(),
    };
    let cache = std::env::temp_dir().join(format!("inclusio-outage-{}", Uuid::now_v7().simple()));
    let mut sdk = Client::new(Config::new(&app.address, &key, b"secret".to_vec(), &cache)).unwrap();
    let alert = tokio::task::block_in_place(|| {
        sdk.sync().unwrap();
        let alerts = sdk.check(&patient, &consultation).unwrap();
        alerts
            .into_iter()
            .find(|a| a.trial.to_string() == trial)
            .expect("an alert of the trial for the patient")
    });

    // Traffic runs while PostgreSQL stops for six seconds and comes back.
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = tokio::spawn({
        let (app, key, trial, stop) = (
            Arc::clone(&app),
            key.clone(),
            trial.clone(),
            Arc::clone(&stop),
        );
        async move { traffic(&app, &key, &trial, &stop).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    tokio::task::block_in_place(|| pg.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The GP declines while the database is down: the SDK keeps the answer.
    let (outcome, pending) = tokio::task::block_in_place(|| {
        let outcome = sdk
            .respond(
                &alert,
                Response::Decline {
                    reason: DeclineReason::NotInterested,
                },
            )
            .unwrap();
        (outcome, sdk.pending_events().unwrap())
    });
    tokio::time::sleep(Duration::from_millis(5700)).await;
    tokio::task::block_in_place(|| pg.start_again());
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let replies = traffic.await.unwrap();

    let statuses: Vec<Option<u16>> = replies.iter().map(|r| r.status).collect();
    assert!(
        !statuses.contains(&Some(500)),
        "never a 500 while the database is down: {statuses:?}"
    );
    let unavailable: Vec<&Reply> = replies.iter().filter(|r| r.status == Some(503)).collect();
    assert!(
        !unavailable.is_empty(),
        "503s during the outage: {statuses:?}"
    );
    assert!(
        unavailable.iter().all(|r| r.retry_after),
        "every 503 says when to retry"
    );
    assert!(
        replies.iter().rev().take(5).all(|r| r.status == Some(200)),
        "answers again once PostgreSQL is back: {statuses:?}"
    );
    for id in replies
        .iter()
        .filter(|r| r.status == Some(200))
        .flat_map(|r| r.acknowledged.iter())
    {
        let stored = number(
            &app,
            &format!("SELECT COUNT(*) AS n FROM plugin_events WHERE id = '{id}'"),
        )
        .await;
        assert_eq!(stored, 1, "acknowledged event {id} stored once");
    }

    // The SDK kept its answer and delivers it now, once.
    assert!(
        !outcome.delivered,
        "not delivered while the database was down"
    );
    assert!(pending >= 1, "kept in the SDK's queue");
    let left = tokio::task::block_in_place(|| {
        sdk.flush().unwrap();
        sdk.pending_events().unwrap()
    });
    assert_eq!(left, 0, "the SDK's queue delivered the rest");
    assert_eq!(
        number(
            &app,
            &format!(
                "SELECT COUNT(*) AS n FROM plugin_events WHERE id = '{}'",
                outcome.event_id
            ),
        )
        .await,
        1
    );
}
