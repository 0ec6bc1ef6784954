//! The server side of the EHR plugin over HTTP: events (idempotent, conflicts, validation),
//! consent-flow tokens from accepted alerts, suppressions per practice, practice settings.

use e2e::flow::{self, ok, pseudonym};
use e2e::{TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// A practice with an API key, a recruiting trial, and an administrator.
struct Fx {
    admin: String,
    key: String,
    practice: Uuid,
    other_key: String,
    trial: String,
}

async fn error_code(r: reqwest::Response) -> String {
    let v: Value = r.json().await.unwrap();
    v["error"]["code"].as_str().unwrap().to_string()
}

async fn fixture(app: &TestApp) -> Fx {
    let admin = app.logged_in("admin").await;
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let other = app.seed_organisation("Cabinet des Lilas", "practice").await;
    let key = flow::api_key(app, &admin, practice).await;
    let other_key = flow::api_key(app, &admin, other).await;
    let trial = flow::sponsored_example(app, &admin, "diabetes-t2-hba1c").await;
    Fx {
        admin,
        key,
        practice,
        other_key,
        trial,
    }
}

fn event(trial: &str, patient: &str, response: &str) -> Value {
    let mut e = json!({
        "id": Uuid::now_v7(), "alert_id": Uuid::now_v7(), "trial": trial, "trial_version": 1,
        "patient": patient, "verdict": "eligible", "response": response,
        "at": "2026-11-24T09:30:00.123456Z",
    });
    if response == "declined" {
        e["reason"] = json!("not_interested");
    }
    e
}

both!(
    events_are_idempotent_and_conflicts_refused,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        let e = event(&f.trial, &pseudonym(1), "shown");
        let first = ok(app.post_events(&f.key, std::slice::from_ref(&e)).await).await;
        assert_eq!(first["results"][0]["status"], "recorded");
        assert_eq!(first["results"][0]["id"], e["id"]);
        let again = ok(app.post_events(&f.key, std::slice::from_ref(&e)).await).await;
        assert_eq!(again["results"][0]["status"], "duplicate");
        assert_eq!(flow::count(&app, "plugin_events").await, 1);
        // The same id with other content.
        let mut changed = e.clone();
        changed["response"] = json!("not_now");
        let r = app.post_events(&f.key, &[changed]).await;
        assert_eq!(r.status(), 409);
        assert_eq!(error_code(r).await, "conflict");
        // The same id from another practice is not the same event: a conflict too.
        let r = app.post_events(&f.other_key, &[e]).await;
        assert_eq!(r.status(), 409);
        assert_eq!(flow::count(&app, "plugin_events").await, 1);
    }
);

both!(
    identical_events_sent_at_once_are_recorded_once,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        let e = event(&f.trial, &pseudonym(2), "accepted");
        let sent: Vec<_> = (0..8)
            .map(|_| {
                let r = app
                    .request(Method::POST, "/api/v1/events")
                    .bearer_auth(&f.key)
                    .json(&json!({ "events": [e.clone()] }));
                tokio::spawn(async move { r.send().await.unwrap() })
            })
            .collect();
        let mut urls = Vec::new();
        for s in sent {
            let v = ok(s.await.unwrap()).await;
            urls.push(v["results"][0]["consent_url"].as_str().unwrap().to_string());
        }
        urls.dedup();
        assert_eq!(urls.len(), 1, "the same consent link for every copy");
        assert_eq!(flow::count(&app, "plugin_events").await, 1);
        assert_eq!(flow::count(&app, "consent_tokens").await, 1);
    }
);

both!(bad_events_name_the_field, |app: TestApp| async move {
    let f = fixture(&app).await;
    let p = pseudonym(2);
    let with = |k: &str, v: Value, response: &str| {
        let mut e = event(&f.trial, &p, response);
        if v.is_null() {
            e.as_object_mut().unwrap().remove(k);
        } else {
            e[k] = v;
        }
        e
    };
    // (event, path, detail code)
    let cases = [
        (
            with("patient", json!("Jean Dupont"), "shown"),
            "$.events[0].patient",
            "invalid_pseudonym",
        ),
        (
            with("patient", json!("AB".repeat(32)), "shown"),
            "$.events[0].patient",
            "invalid_pseudonym",
        ),
        (
            with("verdict", json!("maybe"), "shown"),
            "$.events[0].verdict",
            "unknown_verdict",
        ),
        (
            with("response", json!("ignored"), "shown"),
            "$.events[0].response",
            "unknown_response",
        ),
        (
            with("reason", Value::Null, "declined"),
            "$.events[0].reason",
            "required",
        ),
        (
            with("reason", json!("bored"), "declined"),
            "$.events[0].reason",
            "unknown_reason",
        ),
        (
            with("reason", json!("other"), "shown"),
            "$.events[0].reason",
            "reason_not_allowed",
        ),
        (
            with("snooze_until", json!("2027-01-01"), "shown"),
            "$.events[0].snooze_until",
            "snooze_not_allowed",
        ),
        (
            with("trial", json!(Uuid::now_v7()), "shown"),
            "$.events[0].trial",
            "unknown_trial",
        ),
        (
            with("trial_version", json!(7), "shown"),
            "$.events[0].trial_version",
            "unknown_trial_version",
        ),
        (
            with("trial_version", json!(0), "shown"),
            "$.events[0].trial_version",
            "unknown_trial_version",
        ),
    ];
    for (e, path, code) in cases {
        let r = app.post_events(&f.key, std::slice::from_ref(&e)).await;
        assert_eq!(r.status(), 422, "{e}");
        let v: Value = r.json().await.unwrap();
        let d = &v["error"]["details"][0];
        assert_eq!(
            (d["path"].as_str(), d["code"].as_str()),
            (Some(path), Some(code)),
            "{v}"
        );
    }
    // Shape errors are 400s naming the path.
    for (body, path) in [
        (json!({"events": [{"id": "not-a-uuid"}]}), "$.events[0].id"),
        (
            json!({"events": [with("at", json!("yesterday"), "shown")]}),
            "$.events[0].at",
        ),
        (
            json!({"events": [with("extra", json!(1), "shown")]}),
            "$.events[0]",
        ),
    ] {
        let r = app
            .request(Method::POST, "/api/v1/events")
            .bearer_auth(&f.key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().await.unwrap();
        assert!(
            v["error"]["message"].as_str().unwrap().starts_with(path),
            "{v}"
        );
    }
    // The batch limit.
    let many: Vec<Value> = (0..501).map(|_| event(&f.trial, &p, "shown")).collect();
    let r = app.post_events(&f.key, &many).await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["details"][0]["code"], "too_many_events");
    assert_eq!(
        flow::count(&app, "plugin_events").await,
        0,
        "nothing written on refusal"
    );
});

async fn set_token(app: &TestApp, column: &str, at: &str) {
    use sea_orm::ConnectionTrait;
    let value = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => format!("UPDATE consent_tokens SET {column} = $1"),
        _ => format!("UPDATE consent_tokens SET {column} = ?"),
    };
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [value.into()],
        ))
        .await
        .unwrap();
}

both!(
    accept_returns_a_consent_url_bound_to_the_alert,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        let e = event(&f.trial, &pseudonym(3), "accepted");
        let first = ok(app.post_events(&f.key, std::slice::from_ref(&e)).await).await;
        let url = first["results"][0]["consent_url"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            url.starts_with(&format!("{}/consent/", app.address)),
            "{url}"
        );
        let again = ok(app.post_events(&f.key, std::slice::from_ref(&e)).await).await;
        assert_eq!(
            again["results"][0]["consent_url"],
            url.as_str(),
            "a retry gets the same URL"
        );
        let token = url.rsplit('/').next().unwrap().to_string();
        assert_eq!(flow::count(&app, "consent_tokens").await, 1);
        let dump = e2e::dump_database(&app).await;
        assert!(!dump.contains(&token), "the token is stored in clear");
        ok(app
            .post_consent_document(&f.admin, &f.trial, &json!({"language": "en", "body": "You may join.\n\nYou may leave: Xylophone clause."})).await)
        .await;
        // Without a site the flow cannot refer anyone: 409 until the trial has one.
        assert_eq!(app.get(&format!("/consent/{token}")).await.status(), 409);
        ok(app
            .post_site(
                &f.admin,
                &f.trial,
                &json!({"name": "CHU Nord", "address": "1 rue du Parc, 59000 Lille"}),
            )
            .await)
        .await;
        let page = app.get(&format!("/consent/{token}")).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("<p>You may leave: Xylophone clause.</p>"),
            "the consent document, in paragraphs: {html}"
        );
        let title = e2e::example_trial("diabetes-t2-hba1c")["title"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            html.contains(&title) || html.contains(&title.replace('\'', "&#x27;")),
            "the page names the trial: {html}"
        );
        // GET does not consume it.
        assert_eq!(app.get(&format!("/consent/{token}")).await.status(), 200);
        // Unknown → 404; expired → 410; used → 410.
        assert_eq!(app.get("/consent/nope").await.status(), 404);
        set_token(&app, "expires_at", "2000-01-01T00:00:00Z").await;
        assert_eq!(app.get(&format!("/consent/{token}")).await.status(), 410);
        set_token(&app, "expires_at", "2100-01-01T00:00:00Z").await;
        assert_eq!(app.get(&format!("/consent/{token}")).await.status(), 200);
        set_token(&app, "used_at", "2026-01-01T00:00:00Z").await;
        assert_eq!(app.get(&format!("/consent/{token}")).await.status(), 410);
        // Other responses get no URL.
        let shown = ok(app
            .post_events(&f.key, &[event(&f.trial, &pseudonym(3), "shown")])
            .await)
        .await;
        assert!(shown["results"][0].get("consent_url").is_none());
    }
);

both!(
    accepting_a_trial_no_longer_recruiting_is_refused,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        ok(app.transition(&f.admin, &f.trial, "closed", None).await).await;
        let r = app
            .post_events(&f.key, &[event(&f.trial, &pseudonym(4), "accepted")])
            .await;
        assert_eq!(r.status(), 422);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["details"][0]["code"], "not_recruiting");
        assert_eq!(v["error"]["details"][0]["path"], "$.events[0].trial");
        // A decline still records (a late delivery must not be refused forever).
        ok(app
            .post_events(&f.key, &[event(&f.trial, &pseudonym(4), "declined")])
            .await)
        .await;
    }
);

both!(
    suppressions_follow_answers_per_practice,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        let (a, b, c) = (pseudonym(5), pseudonym(6), pseudonym(7));
        let mut snooze = event(&f.trial, &b, "not_now");
        snooze["snooze_until"] = json!("2099-03-01");
        let mut events = vec![
            event(&f.trial, &a, "shown"),
            event(&f.trial, &a, "declined"),
            snooze,
            event(&f.trial, &c, "shown"),
            event(&f.trial, &c, "shown"),
        ];
        // In time order.
        for (i, e) in events.iter_mut().enumerate() {
            e["at"] = json!(format!("2026-11-24T09:3{i}:00Z"));
        }
        ok(app.post_events(&f.key, &events).await).await;
        // Another practice's patients never show.
        ok(app
            .post_events(&f.other_key, &[event(&f.trial, &pseudonym(8), "declined")])
            .await)
        .await;
        let got = ok(app.get_suppressions(&f.key).await).await;
        let list = got["suppressions"].as_array().unwrap();
        assert_eq!(list.len(), 3, "{got}");
        let of = |p: &str| list.iter().find(|s| s["patient"] == p).unwrap().clone();
        assert_eq!(of(&a)["declined"], true);
        assert_eq!(of(&a)["trial"], f.trial.as_str());
        assert_eq!(of(&b)["snoozed_until"], "2099-03-01");
        assert_eq!(of(&b)["declined"], false);
        assert_eq!(of(&c)["shown_unanswered"], 2);
    }
);

both!(
    settings_default_then_set_by_an_admin_audited,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        let get = || async { ok(app.get_plugin_settings(&f.key).await).await };
        assert_eq!(
            get().await,
            json!({"max_alerts": 1, "max_unanswered_shows": 3})
        );
        let put = |body: Value| {
            let (app, f) = (&app, &f);
            async move { app.put_plugin_settings(&f.admin, f.practice, &body).await }
        };
        let new = json!({"max_alerts": 2, "max_unanswered_shows": 5, "max_distance_km": 50.0, "latitude": 50.63, "longitude": 3.06});
        assert_eq!(ok(put(new.clone()).await).await, new);
        assert_eq!(get().await, new);
        for (body, path, code) in [
            (
                json!({"max_alerts": 0, "max_unanswered_shows": 3}),
                "$.max_alerts",
                "out_of_range",
            ),
            (
                json!({"max_alerts": 1, "max_unanswered_shows": 0}),
                "$.max_unanswered_shows",
                "out_of_range",
            ),
            (
                json!({"max_alerts": 1, "max_unanswered_shows": 3, "max_distance_km": 10.0}),
                "$.max_distance_km",
                "location_required",
            ),
            (
                json!({"max_alerts": 1, "max_unanswered_shows": 3, "latitude": 91.0, "longitude": 0.0}),
                "$.latitude",
                "out_of_range",
            ),
        ] {
            let r = put(body.clone()).await;
            assert_eq!(r.status(), 422, "{body}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["error"]["details"][0]["path"], path, "{v}");
            assert_eq!(v["error"]["details"][0]["code"], code, "{v}");
        }
        let sponsor_org = app.seed_organisation("Pharma", "sponsor").await;
        let r = app
            .put_plugin_settings(
                &f.admin,
                &sponsor_org,
                &json!({"max_alerts": 1, "max_unanswered_shows": 3}),
            )
            .await;
        assert_eq!(r.status(), 422);
        let r = app
            .put_plugin_settings(
                &f.admin,
                &Uuid::now_v7(),
                &json!({"max_alerts": 1, "max_unanswered_shows": 3}),
            )
            .await;
        assert_eq!(r.status(), 404);
        let dump = e2e::dump_database(&app).await;
        assert!(
            dump.contains("plugin_settings.set"),
            "the change is audited"
        );
    }
);
