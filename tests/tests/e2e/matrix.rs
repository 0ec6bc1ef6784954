//! The authorisation matrix: every route, called by every kind of caller, answers the status
//! written in this table. Requests that would change data are shaped so that an allowed
//! caller gets a validation error (422) or an idempotent success, so cells do not depend on
//! each other's order.

use e2e::{PASSWORD, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

/// Callers, in table order.
const WHO: [&str; 8] = [
    "anonymous",
    "admin",
    "owner",
    "other sponsor",
    "coordinator",
    "other coordinator",
    "gp",
    "practice",
];

struct Fixture {
    credentials: Vec<Option<Credential>>,
    draft: String,
    recruiting: String,
    site: String,
    coordinator_id: String,
    practice: String,
}

#[derive(Clone)]
enum Credential {
    Cookie(String),
    Key(String),
}

async fn fixture(app: &TestApp) -> Fixture {
    let sponsor_org = app.seed_organisation("Owner Pharma", "sponsor").await;
    let other_org = app.seed_organisation("Other Pharma", "sponsor").await;
    let site_org = app.seed_organisation("CHU", "site").await;
    let other_site_org = app.seed_organisation("CHU bis", "site").await;
    let practice = app.seed_organisation("Cabinet", "practice").await;
    let admin = app.logged_in("admin").await;
    let owner = app.logged_in_at("sponsor", Some(sponsor_org)).await;
    let other = app.logged_in_at("sponsor", Some(other_org)).await;
    let coordinator_email = app.seed_user("coordinator", Some(site_org)).await;
    let coordinator = app.login(&coordinator_email, PASSWORD).await;
    let other_coordinator = app.logged_in_at("coordinator", Some(other_site_org)).await;
    let gp = app.logged_in_at("gp", Some(practice)).await;
    let send = |m: Method, path: String, cookie: &String, body: Value| {
        app.as_user(m, &path, cookie).json(&body).send()
    };
    let created = |r: reqwest::Response| async move {
        assert!(
            r.status().is_success(),
            "fixture step failed: {}",
            r.status()
        );
        r.json::<Value>().await.unwrap()
    };
    let draft = created(
        send(
            Method::POST,
            "/api/v1/trials".into(),
            &owner,
            json!({"definition": e2e::example_trial("child-overweight")}),
        )
        .await
        .unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let recruiting = created(
        send(
            Method::POST,
            "/api/v1/trials".into(),
            &owner,
            json!({"definition": e2e::example_trial("diabetes-t2-hba1c")}),
        )
        .await
        .unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (cookie, to) in [
        (&owner, "submitted"),
        (&admin, "approved"),
        (&owner, "recruiting"),
    ] {
        created(
            send(
                Method::POST,
                format!("/api/v1/trials/{recruiting}/transitions"),
                cookie,
                json!({"to": to}),
            )
            .await
            .unwrap(),
        )
        .await;
    }
    let site = created(
        send(
            Method::POST,
            format!("/api/v1/trials/{recruiting}/sites"),
            &owner,
            json!({"name": "CIC", "address": "Lille", "organisation_id": site_org}),
        )
        .await
        .unwrap(),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let coordinator_id = created(app.get_me(&coordinator).await).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.put_coordinator(&owner, &site, &coordinator_id).await;
    assert_eq!(r.status(), 204);
    created(
        send(
            Method::POST,
            format!("/api/v1/trials/{recruiting}/consent-documents"),
            &owner,
            json!({"language": "fr", "body": "Je consens."}),
        )
        .await
        .unwrap(),
    )
    .await;
    let key = created(
        send(
            Method::POST,
            format!("/api/v1/organisations/{practice}/api-keys"),
            &admin,
            json!({"label": "poste"}),
        )
        .await
        .unwrap(),
    )
    .await["key"]
        .as_str()
        .unwrap()
        .to_string();
    let credentials = vec![
        None,
        Some(Credential::Cookie(admin)),
        Some(Credential::Cookie(owner)),
        Some(Credential::Cookie(other)),
        Some(Credential::Cookie(coordinator)),
        Some(Credential::Cookie(other_coordinator)),
        Some(Credential::Cookie(gp)),
        Some(Credential::Key(key)),
    ];
    Fixture {
        credentials,
        draft,
        recruiting,
        site,
        coordinator_id,
        practice: practice.to_string(),
    }
}

both!(every_route_with_every_caller, |app: TestApp| async move {
    let f = fixture(&app).await;
    let (d, r, s, c, p) = (
        &f.draft,
        &f.recruiting,
        &f.site,
        &f.coordinator_id,
        &f.practice,
    );
    let nobody = uuid::Uuid::now_v7();
    let bad_definition =
        json!({"definition": {"id": "x", "title": "X", "criteria": {"inclusion": []}}});
    // (method, path, body, expected status per caller in WHO order)
    let rows: Vec<(Method, String, Option<Value>, [u16; 8])> = vec![
        (Method::GET, "/health".into(), None, [200; 8]),
        (Method::GET, "/ready".into(), None, [200; 8]),
        (
            Method::GET,
            "/api/v1/auth/me".into(),
            None,
            [401, 200, 200, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/users".into(),
            None,
            [401, 200, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/admin/outbox".into(),
            None,
            [401, 200, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"email": "bad", "password": PASSWORD, "role": "gp"})),
            [401, 422, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/organisations".into(),
            None,
            [401, 200, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/api/v1/organisations".into(),
            Some(json!({"name": "x", "kind": "hospital"})),
            [401, 422, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/organisations/{p}/api-keys"),
            None,
            [401, 200, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/organisations/{p}/api-keys"),
            Some(json!({"label": " "})),
            [401, 422, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::DELETE,
            format!("/api/v1/api-keys/{nobody}"),
            None,
            [401, 404, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/api/v1/trials".into(),
            Some(bad_definition.clone()),
            [401, 422, 422, 422, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/trials".into(),
            None,
            [401, 200, 200, 200, 200, 200, 200, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{r}"),
            None,
            [401, 200, 200, 404, 200, 404, 200, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{d}"),
            None,
            [401, 200, 200, 404, 404, 404, 404, 403],
        ),
        (
            Method::PUT,
            format!("/api/v1/trials/{d}"),
            Some(bad_definition.clone()),
            [401, 422, 422, 404, 404, 404, 404, 403],
        ),
        (
            Method::PUT,
            format!("/api/v1/trials/{r}"),
            Some(bad_definition.clone()),
            [401, 409, 409, 404, 403, 404, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{r}/fhir"),
            None,
            [401, 200, 200, 404, 200, 404, 200, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{d}/fhir"),
            None,
            [401, 200, 200, 404, 404, 404, 404, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{r}/versions"),
            None,
            [401, 200, 200, 404, 200, 404, 200, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{r}/versions/1"),
            None,
            [401, 200, 200, 404, 200, 404, 200, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/trials/{r}/transitions"),
            Some(json!({"to": "nonsense"})),
            [401, 422, 422, 404, 403, 404, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/trials/{r}/sites"),
            Some(json!({"name": "", "address": "x"})),
            [401, 422, 422, 404, 403, 404, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{r}/sites"),
            None,
            [401, 200, 200, 404, 200, 404, 200, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/sites/{s}/coordinators"),
            None,
            [401, 200, 200, 404, 200, 404, 403, 403],
        ),
        (
            Method::PUT,
            format!("/api/v1/sites/{s}/coordinators/{c}"),
            None,
            [401, 204, 204, 404, 403, 404, 403, 403],
        ),
        (
            Method::DELETE,
            format!("/api/v1/sites/{s}/coordinators/{nobody}"),
            None,
            [401, 204, 204, 404, 403, 404, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/trials/{r}/consent-documents"),
            Some(json!({"language": "de", "body": "x"})),
            [401, 422, 422, 404, 403, 404, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{r}/consent-documents"),
            None,
            [401, 200, 200, 404, 200, 404, 200, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/trials/{r}/consent-documents/fr/1"),
            None,
            [401, 200, 200, 404, 200, 404, 200, 403],
        ),
        (
            Method::GET,
            "/api/v1/codes?system=icpc2&q=T90".into(),
            None,
            [401, 200, 200, 200, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/api/v1/criteria/preview".into(),
            Some(json!({"criteria": {"inclusion": []}, "lang": "en"})),
            [401, 200, 200, 200, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/api/v1/criteria/test".into(),
            Some(json!({"criteria": {"inclusion": []}, "patient": {}})),
            [401, 422, 422, 422, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/example-patients".into(),
            None,
            [401, 200, 200, 200, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/plugin/bundle".into(),
            None,
            [401, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/plugin/suppressions".into(),
            None,
            [401, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/plugin/settings".into(),
            None,
            [401, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/events".into(),
            Some(json!({"events": []})),
            [401, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/match".into(),
            Some(json!({"patient": {"birth_date": "1960-01-01", "sex": "female"}})),
            [401, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::PUT,
            format!("/api/v1/organisations/{p}/plugin-settings"),
            Some(json!({"max_alerts": 0, "max_unanswered_shows": 3})),
            [401, 422, 403, 403, 403, 403, 403, 403],
        ),
        // Referrals (issue 6) and the coordinators' workspace and dashboards (issue 7): pages
        // send a caller without a session to the login page (303); a referral that is not at
        // the coordinator's sites is 404, a trial the caller cannot see too.
        (
            Method::GET,
            "/api/v1/referrals".into(),
            None,
            [401, 403, 403, 403, 200, 200, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/referrals?from=yesterday".into(),
            None,
            [401, 403, 403, 403, 422, 422, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/referrals/{nobody}"),
            None,
            [401, 403, 403, 403, 404, 404, 403, 403],
        ),
        (
            Method::POST,
            format!("/api/v1/referrals/{nobody}/status"),
            Some(json!({"status": "contacted"})),
            [401, 403, 403, 403, 404, 404, 403, 403],
        ),
        (
            Method::GET,
            format!("/api/v1/referrals/{nobody}/notes"),
            None,
            [401, 403, 403, 403, 404, 404, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/plugin/outcomes".into(),
            None,
            [401, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/coordinator".into(),
            None,
            [303, 403, 403, 403, 200, 200, 403, 303],
        ),
        (
            Method::GET,
            "/coordinator/referrals.csv".into(),
            None,
            [303, 403, 403, 403, 200, 200, 403, 303],
        ),
        (
            Method::GET,
            format!("/coordinator/referrals/{nobody}"),
            None,
            [303, 403, 403, 403, 404, 404, 403, 303],
        ),
        (
            Method::GET,
            format!("/trials/{r}/dashboard"),
            None,
            [303, 200, 200, 404, 200, 404, 403, 303],
        ),
        (
            Method::GET,
            format!("/trials/{r}/dashboard.csv"),
            None,
            [303, 200, 200, 404, 200, 404, 403, 303],
        ),
        (
            Method::GET,
            format!("/trials/{d}/dashboard"),
            None,
            [303, 200, 200, 404, 404, 404, 403, 303],
        ),
        (
            Method::GET,
            "/admin/dashboard".into(),
            None,
            [303, 200, 403, 403, 403, 403, 403, 303],
        ),
        // Last: logging out ends the callers' sessions.
        (Method::POST, "/api/v1/auth/logout".into(), None, [204; 8]),
    ];
    let mut wrong = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, who) in WHO.iter().enumerate() {
            let mut req = app.request(method.clone(), path);
            req = match &f.credentials[i] {
                None => req,
                Some(Credential::Cookie(c)) => req.header(reqwest::header::COOKIE, c),
                Some(Credential::Key(k)) => req.bearer_auth(k),
            };
            if let Some(b) = body {
                req = req.json(b);
            }
            let got = req.send().await.unwrap().status().as_u16();
            if got != expected[i] {
                wrong.push(format!(
                    "{method} {path} as {who}: expected {}, got {got}",
                    expected[i]
                ));
            }
        }
    }
    // Logging in is open to all, and says nothing about who asks.
    for (i, who) in WHO.iter().enumerate() {
        let r = app
            .post_login(
                &json!({"email": format!("nobody{i}@example.org"), "password": "wrong password!!"}),
            )
            .await;
        if r.status() != 401 {
            wrong.push(format!(
                "POST /api/v1/auth/login as {who}: expected 401, got {}",
                r.status()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(platform::audit::verify(&app.db).await.unwrap().is_intact());
});
