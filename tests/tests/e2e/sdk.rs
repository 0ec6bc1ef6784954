//! The plugin SDK against the real server, through a recording proxy: sync and its 304, the
//! offline fallback with the bundle's age, alerts for the example patients, fatigue rules
//! across a consultation and across workstations, events delivered exactly once after an
//! outage and a lost reply, pseudonyms stable per practice and different across practices,
//! practice settings from the server, and nothing clinical in any request the SDK sends.

use e2e::proxy::{Mode, Proxy, Recorded};
use e2e::{TestApp, both};
use plugin_sdk::{
    AlertVerdict, Client, Config, Consultation, DeclineReason, Error, Response, SyncStatus,
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use server::demo::{self, ApiKey};
use std::collections::BTreeSet;
use std::path::PathBuf;
use uuid::Uuid;

const SECRET_A: &[u8] = b"practice A secret";
const SECRET_B: &[u8] = b"practice B secret";

/// Runs blocking SDK calls off the async runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn cache() -> PathBuf {
    std::env::temp_dir().join(format!("inclusio-sdk-{}", Uuid::now_v7().simple()))
}

/// An example patient: the record, the consultation, and the raw JSON.
fn example_patient(name: &str) -> (trials::Patient, Consultation, Value) {
    let path = format!(
        "{}/../trials/examples/patients/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    let consultation = Consultation {
        patient_id: raw["id"].as_str().unwrap().to_string(),
        date: raw["_expected"]["reference_date"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
    };
    (
        trials::Patient::from_json(&text).unwrap(),
        consultation,
        raw,
    )
}

/// The demo data (every example trial recruiting) and its practice key; a proxy.
async fn fixture(app: &TestApp) -> (String, Proxy) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/trials");
    let report = demo::seed(&app.db, &app.settings, &dir, false)
        .await
        .unwrap();
    let ApiKey::Created(key) = report.api_key else {
        panic!("the first seeding creates a key")
    };
    (key, Proxy::start(&app.address).await)
}

/// The demo administrator's session.
async fn admin(app: &TestApp) -> String {
    let c = demo::CREDENTIALS[0];
    assert_eq!(c.role, "admin");
    app.login(c.email, c.password).await
}

/// A second practice with its own API key.
async fn other_practice(app: &TestApp, name: &str, settings: Option<Value>) -> String {
    let admin = admin(app).await;
    let org = app.seed_organisation(name, "practice").await;
    if let Some(s) = settings {
        let r = app.put_plugin_settings(&admin, &org, &s).await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    e2e::flow::api_key(app, &admin, org).await
}

async fn closed_port() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    format!("http://{a}")
}

fn client(url: &str, key: &str, secret: &[u8], dir: &std::path::Path) -> Client {
    Client::new(Config::new(url, key, secret.to_vec(), dir)).unwrap()
}

/// Rows of `plugin_events`: `(patient, response)`.
async fn events(app: &TestApp) -> Vec<(String, String)> {
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT patient, response FROM plugin_events",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get::<String>("", "patient").unwrap(),
                r.try_get::<String>("", "response").unwrap(),
            )
        })
        .collect()
}

/// Every string and number in a patient record: none may leave the practice.
fn clinical_values(raw: &Value, out: &mut BTreeSet<String>) {
    match raw {
        Value::String(s) if s.len() >= 2 => {
            out.insert(s.clone());
        }
        Value::Number(n) => {
            out.insert(n.to_string());
        }
        Value::Array(a) => a.iter().for_each(|v| clinical_values(v, out)),
        Value::Object(o) => {
            for (k, v) in o {
                if !k.starts_with('_') {
                    clinical_values(v, out);
                }
            }
        }
        _ => {}
    }
}

fn keys_of(v: &Value, keys: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                keys.insert(k.clone());
                keys_of(v, keys);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys_of(v, keys)),
        _ => {}
    }
}

/// Whether `leaf` gives away the clinical value `c`: equal to it, or, for values that
/// cannot arise by chance inside hex digits and UUIDs (a text, a code with a letter, a
/// date), containing it.
fn gives_away(leaf: &str, c: &str) -> bool {
    let hexlike = c.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '.');
    leaf == c || (!hexlike && leaf.contains(c))
}

/// Asserts that no request carries anything clinical: only the plugin routes, no query
/// string, only the expected headers, bodies only on events, with the event fields alone,
/// and no value of the patients' records (local id, birth date, sex, codes, texts, values,
/// dates) anywhere.
fn assert_nothing_clinical(requests: &[Recorded], patients: &[&Value]) {
    assert!(!requests.is_empty());
    let mut clinical = BTreeSet::new();
    for p in patients {
        clinical_values(p, &mut clinical);
    }
    let allowed: BTreeSet<String> = [
        "events",
        "id",
        "alert_id",
        "trial",
        "trial_version",
        "patient",
        "verdict",
        "response",
        "reason",
        "snooze_until",
        "at",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let routes = [
        "/api/v1/plugin/bundle",
        "/api/v1/plugin/settings",
        "/api/v1/plugin/suppressions",
        "/api/v1/events",
    ];
    let header_names = [
        "host",
        "authorization",
        "if-none-match",
        "content-type",
        "content-length",
        "user-agent",
        "accept",
        "accept-encoding",
        "connection",
        "transfer-encoding",
    ];
    for r in requests {
        assert!(routes.contains(&r.target.as_str()), "{}", r.target);
        for (name, value) in &r.headers {
            assert!(header_names.contains(&name.as_str()), "header {name}");
            if name != "authorization" {
                for c in &clinical {
                    assert!(!gives_away(value, c), "`{c}` in header {name}: {value}");
                }
            }
        }
        let text = String::from_utf8_lossy(&r.body).into_owned();
        if r.target != "/api/v1/events" {
            assert!(r.body.is_empty(), "{}: {text}", r.target);
            continue;
        }
        assert_eq!(r.method, "POST");
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        let mut keys = BTreeSet::new();
        keys_of(&v, &mut keys);
        assert!(keys.is_subset(&allowed), "{keys:?}");
        for e in v["events"].as_array().unwrap() {
            assert!(plugin_sdk::pseudonym::is_pseudonym(
                e["patient"].as_str().unwrap()
            ));
            // The time is the SDK's clock (RFC 3339), not a date from the record.
            let at = e["at"].as_str().unwrap();
            let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
            assert!((chrono::Utc::now() - at.to_utc()).num_minutes().abs() < 10);
            // Enumerations from a fixed vocabulary, and the trial's version (a number).
            assert!(["eligible", "possibly_eligible"].contains(&e["verdict"].as_str().unwrap()));
            assert!(
                ["shown", "accepted", "not_now", "declined"]
                    .contains(&e["response"].as_str().unwrap())
            );
            if let Some(r) = e.get("reason") {
                assert!(
                    ["not_eligible", "not_interested", "no_time", "other"]
                        .contains(&r.as_str().unwrap())
                );
            }
            assert!(e["trial_version"].is_u64());
            for k in ["id", "alert_id", "trial", "patient", "snooze_until"] {
                let Some(leaf) = e.get(k).and_then(Value::as_str) else {
                    continue;
                };
                for c in &clinical {
                    assert!(!gives_away(leaf, c), "`{c}` sent as {k}: {text}");
                }
            }
        }
    }
}

both!(sync_304_and_offline_fallback, |app: TestApp| async move {
    let (key, proxy) = fixture(&app).await;
    let dir = cache();
    let (patient, consultation, raw) = example_patient("dupont-jean");
    let (url, k, d, p, c) = (
        proxy.address.clone(),
        key.clone(),
        dir.clone(),
        patient.clone(),
        consultation.clone(),
    );
    let (first, second, alerts, trials) = blocking(move || {
        let mut client = client(&url, &k, SECRET_A, &d);
        let first = client.sync().unwrap();
        let second = client.sync().unwrap();
        let alerts = client.check(&p, &c).unwrap();
        (first, second, alerts, client.bundle().unwrap().trials.len())
    })
    .await;
    assert!(matches!(first, SyncStatus::Fresh { .. }), "{first:?}");
    assert_eq!(second, SyncStatus::NotModified);
    assert_eq!(trials, 10);
    let bundles: Vec<Recorded> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.target == "/api/v1/plugin/bundle")
        .collect();
    assert_eq!(bundles.len(), 2);
    assert_eq!(bundles[0].status, Some(200));
    assert_eq!(bundles[0].header("if-none-match"), None);
    assert_eq!(bundles[1].status, Some(304));
    assert!(bundles[1].header("if-none-match").is_some());
    assert_eq!(
        bundles[1].header("authorization"),
        Some(format!("Bearer {key}").as_str())
    );
    // Default rules: one alert, an eligible one (Mr Dupont is eligible for three trials).
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].verdict, AlertVerdict::Eligible);
    let expected = raw["_expected"]["matches"].as_object().unwrap();
    assert_eq!(expected[&alerts[0].trial_id], "eligible");

    // Offline: the server is gone; the cached bundle still answers, and says its age.
    let closed = closed_port().await;
    let (k, d, p, c) = (
        key.clone(),
        dir.clone(),
        patient.clone(),
        consultation.clone(),
    );
    let (status, again, third, same_day, fourth) = blocking(move || {
        let mut client = client(&closed, &k, SECRET_A, &d);
        let status = client.sync().unwrap();
        let again = client.check(&p, &c).unwrap();
        let third = client.check(&p, &c).unwrap();
        // Shown three times without an answer: no more; and the next trial waits for a
        // later consultation (one trial per patient per day).
        let same_day = client.check(&p, &c).unwrap();
        let fourth = client
            .check(
                &p,
                &Consultation {
                    date: c.date + chrono::Duration::days(1),
                    ..c.clone()
                },
            )
            .unwrap();
        (status, again, third, same_day, fourth)
    })
    .await;
    assert!(same_day.is_empty(), "{same_day:?}");
    let SyncStatus::Offline { age: Some(age) } = status else {
        panic!("{status:?}")
    };
    assert!(age.num_seconds() >= 0 && age.num_seconds() < 120, "{age:?}");
    assert_eq!(again[0].trial, alerts[0].trial);
    assert_eq!(third[0].trial, alerts[0].trial);
    assert_eq!(fourth.len(), 1);
    assert_ne!(fourth[0].trial, alerts[0].trial, "shown 3 times unanswered");

    // No cache and no server: offline without a bundle, nothing to show.
    let closed = closed_port().await;
    let (status, none) = blocking(move || {
        let mut client = client(&closed, &key, SECRET_A, &cache());
        (
            client.sync().unwrap(),
            client.check(&patient, &consultation).unwrap(),
        )
    })
    .await;
    assert_eq!(status, SyncStatus::Offline { age: None });
    assert!(none.is_empty());
    assert_nothing_clinical(&proxy.requests(), &[&raw]);
});

both!(
    events_are_delivered_exactly_once_after_an_outage,
    |app: TestApp| async move {
        let (key, proxy) = fixture(&app).await;
        let (patient, consultation, raw) = example_patient("dupont-jean");
        let dir = cache();
        let mut client = {
            let (url, key, dir) = (proxy.address.clone(), key.clone(), dir.clone());
            blocking(move || {
                let mut c = client(&url, &key, SECRET_A, &dir);
                c.sync().unwrap();
                c
            })
            .await
        };
        let (p, c) = (patient.clone(), consultation.clone());
        let (mut client, alerts) = blocking(move || {
            let a = client.check(&p, &c).unwrap();
            (client, a)
        })
        .await;
        let alert = alerts[0].clone();

        // The server is down: the decline waits in the queue with the `shown` event.
        proxy.set_mode(Mode::Down);
        let a = alert.clone();
        let (mut client, outcome, pending) = blocking(move || {
            let o = client
                .respond(
                    &a,
                    Response::Decline {
                        reason: DeclineReason::NotInterested,
                    },
                )
                .unwrap();
            let pending = client.pending_events().unwrap();
            (client, o, pending)
        })
        .await;
        assert!(!outcome.delivered);
        assert_eq!(pending, 2);
        assert!(events(&app).await.is_empty());

        // The server gets them but the reply is lost: still queued.
        proxy.set_mode(Mode::LoseReply);
        let (mut client, flushed, pending) = blocking(move || {
            let f = client.flush();
            let pending = client.pending_events().unwrap();
            (client, f, pending)
        })
        .await;
        assert!(matches!(flushed, Err(Error::Unreachable(_))), "{flushed:?}");
        assert_eq!(pending, 2);
        assert_eq!(events(&app).await.len(), 2);

        // Back up: the next sync delivers them; the server records them once.
        proxy.set_mode(Mode::Forward);
        let (mut client, pending) = blocking(move || {
            client.sync().unwrap();
            let pending = client.pending_events().unwrap();
            (client, pending)
        })
        .await;
        assert_eq!(pending, 0);
        let rows = events(&app).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        let responses: BTreeSet<&str> = rows.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(responses, BTreeSet::from(["shown", "declined"]));
        let posts: Vec<Recorded> = proxy
            .requests()
            .into_iter()
            .filter(|r| r.target == "/api/v1/events")
            .collect();
        assert_eq!(posts.len(), 3, "down, lost, delivered");
        let ids = |r: &Recorded| -> BTreeSet<String> {
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(&posts[0]), ids(&posts[2]), "the same client ids resent");
        assert_eq!(posts[2].status, Some(200));

        // The declined trial never again; a snoozed one not before its date.
        let (p, c) = (patient.clone(), consultation.clone());
        let declined = alert.trial;
        let (next, snoozed, later) = blocking(move || {
            let next = client.check(&p, &c).unwrap();
            let until = c.date + chrono::Duration::days(7);
            client
                .respond(&next[0], Response::NotNow { until })
                .unwrap();
            let snoozed = client.check(&p, &c).unwrap();
            let later = client
                .check(
                    &p,
                    &Consultation {
                        date: until,
                        ..c.clone()
                    },
                )
                .unwrap();
            (next, snoozed, later)
        })
        .await;
        assert_eq!(next.len(), 1);
        assert_ne!(next[0].trial, declined);
        assert!(
            snoozed
                .iter()
                .all(|a| a.trial != declined && a.trial != next[0].trial)
        );
        assert!(later.iter().any(|a| a.trial == next[0].trial), "{later:?}");
        assert!(later.iter().all(|a| a.trial != declined));
        assert_nothing_clinical(&proxy.requests(), &[&raw]);
    }
);

both!(
    declines_hold_across_workstations_and_pseudonyms_across_practices,
    |app: TestApp| async move {
        let (key, proxy) = fixture(&app).await;
        let other_key = other_practice(
            &app,
            "Cabinet des Lilas",
            Some(json!({"max_alerts": 2, "max_unanswered_shows": 3})),
        )
        .await;
        let (patient, consultation, raw) = example_patient("dupont-jean");
        let (other_patient, other_consultation, other_raw) = example_patient("martin-paul");
        let url = proxy.address.clone();
        let (a, a2, b, b_outcome, rules_b, other) = blocking(move || {
            // Workstation 1 of practice A declines the alert.
            let mut w1 = client(&url, &key, SECRET_A, &cache());
            w1.sync().unwrap();
            let a = w1.check(&patient, &consultation).unwrap();
            let o = w1
                .respond(
                    &a[0],
                    Response::Decline {
                        reason: DeclineReason::NoTime,
                    },
                )
                .unwrap();
            assert!(o.delivered && o.consent_url.is_none());
            let other = w1.check(&other_patient, &other_consultation).unwrap();
            // Workstation 2 of the same practice learns it at its sync.
            let mut w2 = client(&url, &key, SECRET_A, &cache());
            w2.sync().unwrap();
            let a2 = w2.check(&patient, &consultation).unwrap();
            w2.flush().unwrap();
            // Practice B knows nothing of it, and shows two alerts (its settings).
            let mut wb = client(&url, &other_key, SECRET_B, &cache());
            wb.sync().unwrap();
            let b = wb.check(&patient, &consultation).unwrap();
            let outcome = wb.respond(&b[0], Response::Accept).unwrap();
            (a, a2, b, outcome, wb.rules(), other)
        })
        .await;
        let declined = a[0].trial;
        assert!(a2.iter().all(|x| x.trial != declined), "{a2:?}");
        assert_eq!(a2.len(), 1);
        assert_eq!(rules_b.max_alerts, 2);
        assert_eq!(b.len(), 2);
        assert_eq!(
            b[0].trial, declined,
            "another practice's decline does not count"
        );
        assert!(b_outcome.delivered);
        let url = b_outcome.consent_url.expect("a consent address");
        assert!(url.contains("/consent/"), "{url}");

        // Pseudonyms: one per (practice, patient), the same on every workstation.
        let dupont_a = plugin_sdk::pseudonym(SECRET_A, "P01-DUPONT");
        let dupont_b = plugin_sdk::pseudonym(SECRET_B, "P01-DUPONT");
        assert_ne!(dupont_a, dupont_b);
        let rows = events(&app).await;
        let patients: BTreeSet<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
        let expected = BTreeSet::from([dupont_a.as_str(), dupont_b.as_str()]);
        let martin = plugin_sdk::pseudonym(SECRET_A, other_raw["id"].as_str().unwrap());
        if !other.is_empty() {
            // Mr Martin's `shown` event is still queued on workstation 1 (check sends nothing).
            assert!(!patients.contains(martin.as_str()));
        }
        assert_eq!(patients, expected, "{rows:?}");
        let shown_a = rows
            .iter()
            .filter(|(p, r)| p == &dupont_a && r == "shown")
            .count();
        assert_eq!(shown_a, 2, "one `shown` per workstation: {rows:?}");
        assert_nothing_clinical(&proxy.requests(), &[&raw, &other_raw]);
    }
);

both!(
    an_event_the_server_refuses_is_set_aside_not_retried_for_ever,
    |app: TestApp| async move {
        let (key, proxy) = fixture(&app).await;
        let (patient, consultation, _) = example_patient("dupont-jean");
        let dir = cache();
        let (url, d) = (proxy.address.clone(), dir.clone());
        let bogus = Uuid::now_v7();
        let (delivered, pending) = blocking(move || {
            let mut c = client(&url, &key, SECRET_A, &d);
            c.sync().unwrap();
            // An event for a trial the server does not know, queued before a good one.
            let e = json!({"id": bogus, "alert_id": Uuid::now_v7(), "trial": Uuid::now_v7(),
                "trial_version": 1, "patient": "ab".repeat(32), "verdict": "eligible",
                "response": "shown", "at": "2026-11-23T09:00:00Z"});
            std::fs::write(
                d.join("queue").join(format!("{bogus}.json")),
                serde_json::to_vec(&e).unwrap(),
            )
            .unwrap();
            assert_eq!(c.check(&patient, &consultation).unwrap().len(), 1);
            assert_eq!(c.pending_events().unwrap(), 2);
            (c.flush().unwrap(), c.pending_events().unwrap())
        })
        .await;
        assert_eq!((delivered, pending), (1, 0));
        assert!(
            dir.join("queue/rejected")
                .join(format!("{bogus}.json"))
                .exists()
        );
        let rows = events(&app).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let refused: Vec<Option<u16>> = proxy
            .requests()
            .iter()
            .filter(|r| r.target == "/api/v1/events")
            .map(|r| r.status)
            .collect();
        assert_eq!(
            refused,
            [Some(422), Some(422), Some(200)],
            "batch, then one by one"
        );
    }
);

both!(
    trials_far_from_the_practice_are_not_shown,
    |app: TestApp| async move {
        let (_, proxy) = fixture(&app).await;
        // The demo site is in Lyon.
        let paris = json!({"max_alerts": 1, "max_unanswered_shows": 3, "max_distance_km": 50.0,
            "latitude": 48.8566, "longitude": 2.3522});
        let villeurbanne = json!({"max_alerts": 1, "max_unanswered_shows": 3,
            "max_distance_km": 50.0, "latitude": 45.7719, "longitude": 4.8902});
        let far = other_practice(&app, "Cabinet de Paris", Some(paris)).await;
        let near = other_practice(&app, "Cabinet de Villeurbanne", Some(villeurbanne)).await;
        let (patient, consultation, _) = example_patient("dupont-jean");
        let url = proxy.address.clone();
        let (sites, far_alerts, near_alerts) = blocking(move || {
            let mut f = client(&url, &far, SECRET_A, &cache());
            f.sync().unwrap();
            let sites = f.bundle().unwrap().trials[0].sites.clone();
            let mut n = client(&url, &near, SECRET_B, &cache());
            n.sync().unwrap();
            (
                sites,
                f.check(&patient, &consultation).unwrap(),
                n.check(&patient, &consultation).unwrap(),
            )
        })
        .await;
        assert!(sites.iter().any(|s| s.latitude.is_some()), "{sites:?}");
        assert!(far_alerts.is_empty(), "{far_alerts:?}");
        assert_eq!(near_alerts.len(), 1);
    }
);

/// The clinical check itself can fail: a pseudonym field holding the local id, an extra
/// field, a code in a header.
mod the_clinical_check_fails {
    use super::*;

    fn request(body: Value, headers: Vec<(&str, &str)>) -> Recorded {
        Recorded {
            method: "POST".into(),
            target: "/api/v1/events".into(),
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: serde_json::to_vec(&body).unwrap(),
            status: Some(200),
        }
    }

    fn event() -> Value {
        json!({"id": Uuid::now_v7(), "alert_id": Uuid::now_v7(), "trial": Uuid::now_v7(),
            "trial_version": 1, "patient": "ab".repeat(32), "verdict": "eligible",
            "response": "shown", "at": chrono::Utc::now().to_rfc3339()})
    }

    #[test]
    fn passes_on_a_clean_event() {
        let (_, _, raw) = example_patient("dupont-jean");
        assert_nothing_clinical(&[request(json!({"events": [event()]}), vec![])], &[&raw]);
    }

    #[test]
    #[should_panic(expected = "P01-DUPONT")]
    fn on_the_local_id() {
        let (_, _, raw) = example_patient("dupont-jean");
        let mut e = event();
        e["alert_id"] = json!("P01-DUPONT");
        assert_nothing_clinical(&[request(json!({"events": [e]}), vec![])], &[&raw]);
    }

    #[test]
    #[should_panic(expected = "birth_date")]
    fn on_a_clinical_field() {
        let (_, _, raw) = example_patient("dupont-jean");
        let mut e = event();
        e["birth_date"] = json!("1961-04-12");
        assert_nothing_clinical(&[request(json!({"events": [e]}), vec![])], &[&raw]);
    }

    #[test]
    #[should_panic(expected = "T90")]
    fn on_a_code_in_a_header() {
        let (_, _, raw) = example_patient("dupont-jean");
        let r = request(
            json!({"events": [event()]}),
            vec![("user-agent", "ehr T90")],
        );
        assert_nothing_clinical(&[r], &[&raw]);
    }
}
