//! The trial registry over HTTP: creation and validation, versions, the lifecycle, access by
//! role, sites and coordinators, consent documents, the plugin bundle and its ETag, and the
//! audit chain after it all.

use e2e::flow::json;
use e2e::{PASSWORD, TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

/// A sponsor organisation with one logged-in user: `(organisation id, cookie)`.
async fn sponsor(app: &TestApp, name: &str) -> (uuid::Uuid, String) {
    let org = app.seed_organisation(name, "sponsor").await;
    (org, app.logged_in_at("sponsor", Some(org)).await)
}

async fn create(app: &TestApp, cookie: &str, definition: Value) -> Value {
    let r = app
        .post_trial(cookie, &json!({"definition": definition, "acronym": "DIAB", "registry_number": "NCT01234567", "target_enrolment": 120, "recruitment_start": "2026-01-01", "recruitment_end": "2030-12-31"})).await;
    assert_eq!(r.status(), 201);
    json(r).await
}

/// A trial taken all the way to recruiting: `(trial id, sponsor cookie, admin cookie)`.
async fn recruiting(app: &TestApp, name: &str) -> (String, String, String) {
    let (_, s) = sponsor(app, &format!("Sponsor {name}")).await;
    let admin = app.logged_in("admin").await;
    let t = create(app, &s, e2e::example_trial(name)).await;
    let id = t["id"].as_str().unwrap().to_string();
    e2e::flow::start_recruiting(app, &admin, &s, &id).await;
    (id, s, admin)
}

both!(
    sponsors_create_drafts_validated_by_the_engine,
    |app: TestApp| async move {
        let (org, s) = sponsor(&app, "Diabeto SA").await;
        let t = create(&app, &s, e2e::example_trial("diabetes-t2-hba1c")).await;
        assert_eq!(t["status"], "draft");
        assert_eq!(t["current_version"], 1);
        assert_eq!(t["sponsor_id"], org.to_string());
        assert_eq!(t["slug"], "diabetes-t2-hba1c");
        assert_eq!(t["definition"]["version"], 1);
        let id = t["id"].as_str().unwrap();
        let got = json(app.get_trial(&s, &id).await).await;
        assert_eq!(got["definition"]["criteria"], t["definition"]["criteria"]);
        // Same id again: conflict.
        let r = app
            .post_trial(
                &s,
                &json!({"definition": e2e::example_trial("diabetes-t2-hba1c")}),
            )
            .await;
        assert_eq!(r.status(), 409);
    }
);

both!(
    every_problem_is_reported_with_its_path,
    |app: TestApp| async move {
        let (_, s) = sponsor(&app, "Errors SA").await;
        let mut d = e2e::example_trial("diabetes-t2-hba1c");
        d["criteria"]["inclusion"][0] = json!({"id": "age", "age": {"min": 80, "max": 40}});
        let r = app
        .post_trial(&s, &json!({"definition": d, "registry_number": "ISRCTN123", "target_enrolment": 0, "recruitment_start": "2027-01-01", "recruitment_end": "2026-01-01"})).await;
        assert_eq!(r.status(), 422);
        let v = json(r).await;
        let details = v["error"]["details"].as_array().unwrap();
        let has = |path: &str, code: &str| {
            details
                .iter()
                .any(|d| d["path"] == path && d["code"] == code)
        };
        assert!(
            has(
                "$.definition.criteria.inclusion[0].age",
                "age_bounds_contradictory"
            ),
            "{v}"
        );
        assert!(has("$.registry_number", "invalid_registry_number"), "{v}");
        assert!(has("$.target_enrolment", "invalid_target"), "{v}");
        assert!(has("$.recruitment_end", "end_before_start"), "{v}");
        // A definition that does not even parse.
        let r = app.post_trial(&s, &json!({"definition": {"id": "x", "title": "X", "criteria": {"inclusion": [{"id": "a", "agee": {}}]}}})).await;
        assert_eq!(r.status(), 422);
        let v = json(r).await;
        assert_eq!(v["error"]["details"][0]["code"], "malformed_definition");
        assert_eq!(
            v["error"]["details"][0]["path"],
            "$.definition.criteria.inclusion[0].agee"
        );
    }
);

both!(
    updates_make_new_immutable_versions,
    |app: TestApp| async move {
        let (_, s) = sponsor(&app, "Versions SA").await;
        let t = create(&app, &s, e2e::example_trial("hypertension-uncontrolled")).await;
        let id = t["id"].as_str().unwrap();
        let mut d = e2e::example_trial("hypertension-uncontrolled");
        d["title"] = json!("Revised title");
        let r = app.put_trial(&s, &id, &json!({"definition": d})).await;
        assert_eq!(r.status(), 200);
        let v = json(r).await;
        assert_eq!(
            (v["current_version"].as_i64(), v["title"].as_str()),
            (Some(2), Some("Revised title"))
        );
        let versions = json(app.get_trial_versions(&s, &id).await).await;
        assert_eq!(versions.as_array().unwrap().len(), 2);
        let v1 = json(app.get_trial_version(&s, &id, "1").await).await;
        assert_ne!(v1["title"], "Revised title", "version 1 is unchanged");
        let mut other = e2e::example_trial("hypertension-uncontrolled");
        other["id"] = json!("another-id");
        let r = app.put_trial(&s, &id, &json!({"definition": other})).await;
        assert_eq!(r.status(), 422, "the id cannot change");
        assert_eq!(
            app.transition(&s, id, "submitted", None).await.status(),
            200
        );
        let r = app.put_trial(&s, &id, &json!({"definition": d})).await;
        assert_eq!(r.status(), 409);
        assert_eq!(json(r).await["error"]["code"], "invalid_state");
    }
);

both!(
    the_lifecycle_and_who_may_move_it,
    |app: TestApp| async move {
        let (_, s) = sponsor(&app, "Lifecycle SA").await;
        let admin = app.logged_in("admin").await;
        let t = create(&app, &s, e2e::example_trial("lung-screening-copd")).await;
        let id = t["id"].as_str().unwrap();
        let r = app.transition(&s, id, "recruiting", None).await;
        assert_eq!(
            (r.status().as_u16(), json(r).await["error"]["code"].clone()),
            (409, json!("invalid_transition"))
        );
        assert_eq!(
            app.transition(&s, id, "submitted", None).await.status(),
            200
        );
        assert_eq!(
            app.transition(&s, id, "approved", None).await.status(),
            403,
            "sponsors do not approve"
        );
        let r = app.transition(&admin, id, "draft", None).await;
        assert_eq!(r.status(), 422, "a rejection needs a comment");
        let r = app
            .transition(
                &admin,
                id,
                "draft",
                Some("Add an exclusion for lung cancer history"),
            )
            .await;
        assert_eq!(
            json(r).await["review_comment"],
            "Add an exclusion for lung cancer history"
        );
        assert_eq!(
            app.transition(&s, id, "submitted", None).await.status(),
            200
        );
        assert_eq!(
            app.transition(&admin, id, "approved", None).await.status(),
            200
        );
        for to in ["recruiting", "paused", "recruiting", "closed"] {
            let r = app.transition(&s, id, to, None).await;
            assert_eq!(r.status(), 200, "to {to}");
            assert_eq!(json(r).await["status"], to);
        }
        assert_eq!(
            app.transition(&s, id, "recruiting", None).await.status(),
            409,
            "closed is final"
        );
        assert_eq!(app.transition(&s, id, "open", None).await.status(), 422);
    }
);

both!(
    recruitment_closes_by_itself_after_its_end_date,
    |app: TestApp| async move {
        let (id, s, _) = recruiting(&app, "depression-first-episode").await;
        use sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared("UPDATE trials SET recruitment_end = '2020-01-31'")
            .await
            .unwrap();
        // The job the server runs every hour (and `server expire`).
        server::registry::expiry::close_ended(&app.db, chrono::Utc::now())
            .await
            .unwrap();
        let listed = json(app.get_trials(&s, "").await).await;
        assert_eq!(listed[0]["status"], "closed");
        let got = json(app.get_trial(&s, &id).await).await;
        assert_eq!(got["status"], "closed");
        let n = platform::audit::verify(&app.db).await.unwrap();
        assert!(n.is_intact());
    }
);

both!(roles_see_only_their_trials, |app: TestApp| async move {
    let (id, s, admin) = recruiting(&app, "sicca-signal").await;
    let (_, other) = sponsor(&app, "Other Pharma").await;
    let draft = create(&app, &other, e2e::example_trial("child-overweight")).await;
    let draft_id = draft["id"].as_str().unwrap();
    // Another sponsor: 404 on reads and writes, nothing in its list.
    assert_eq!(app.get_trial(&s, &draft_id).await.status(), 404);
    assert_eq!(
        app.put_trial(
            &s,
            &draft_id,
            &json!({"definition": e2e::example_trial("child-overweight")})
        )
        .await
        .status(),
        404
    );
    let mine = json(app.get_trials(&other, "").await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    // GPs see recruiting trials only, and change nothing.
    let gp = app.logged_in("gp").await;
    let seen = json(app.get_trials(&gp, "").await).await;
    assert_eq!(
        seen.as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![id.as_str()]
    );
    assert_eq!(app.transition(&gp, &id, "paused", None).await.status(), 403);
    // Admins see everything; filters apply.
    let all = json(app.get_trials(&admin, "").await).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let drafts = json(app.get_trials(&admin, "status=draft").await).await;
    assert_eq!(drafts[0]["id"], draft_id);
    let found = json(app.get_trials(&admin, "q=SICCA").await).await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(app.get_trials(&admin, "status=open").await.status(), 422);
});

both!(
    sites_coordinators_and_what_coordinators_see,
    |app: TestApp| async move {
        let (id, s, _) = recruiting(&app, "vka-unstable-inr").await;
        let site_org = app.seed_organisation("CHU Nord", "site").await;
        let r = app.post_site(&s, &id, &json!({"name": "CHU Nord — CIC", "address": "1 rue du Parc, 59000 Lille", "organisation_id": site_org, "latitude": 50.63, "longitude": 3.06})).await;
        assert_eq!(r.status(), 201);
        let site = json(r).await["id"].as_str().unwrap().to_string();
        let r = app
            .post_site(
                &s,
                &id,
                &json!({"name": "", "address": "x", "latitude": 120}),
            )
            .await;
        assert_eq!(r.status(), 422);
        let coordinator_email = app.seed_user("coordinator", Some(site_org)).await;
        let coordinator = app.login(&coordinator_email, PASSWORD).await;
        let me = json(app.get_me(&coordinator).await).await;
        let coordinator_id = me["id"].as_str().unwrap();
        assert_eq!(
            app.get_trial(&coordinator, &id).await.status(),
            404,
            "not yet theirs"
        );
        assert_eq!(
            app.put_coordinator(&s, &site, coordinator_id)
                .await
                .status(),
            204
        );
        assert_eq!(
            app.put_coordinator(&s, &site, coordinator_id)
                .await
                .status(),
            204,
            "idempotent"
        );
        assert_eq!(app.get_trial(&coordinator, &id).await.status(), 200);
        let listed = json(app.get_coordinators(&s, &site).await).await;
        assert_eq!(listed[0]["email"], coordinator_email);
        assert_eq!(
            app.transition(&coordinator, &id, "paused", None)
                .await
                .status(),
            403,
            "coordinators do not run the lifecycle"
        );
        let gp_email = app
            .seed_user(
                "gp",
                Some(app.seed_organisation("Cabinet", "practice").await),
            )
            .await;
        let gp_id = json(app.get_me(&app.login(&gp_email, PASSWORD).await).await).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(app.put_coordinator(&s, &site, &gp_id).await.status(), 422);
        assert_eq!(
            app.delete_coordinator(&s, &site, coordinator_id)
                .await
                .status(),
            204
        );
        assert_eq!(app.get_trial(&coordinator, &id).await.status(), 404);
    }
);

both!(
    consent_documents_are_versioned_per_language,
    |app: TestApp| async move {
        let (_, s) = sponsor(&app, "Consent SA").await;
        let t = create(&app, &s, e2e::example_trial("influenza-vaccine-65")).await;
        let id = t["id"].as_str().unwrap();
        let add = |language: &str, text: &str| {
            let body = json!({"language": language, "body": text});
            let (app, s) = (&app, &s);
            async move { app.post_consent_document(s, id, &body).await }
        };
        let v1 = json(add("fr", "Je consens…").await).await;
        let v2 = json(add("fr", "Je consens, version 2…").await).await;
        let en = json(add("en", "I consent…").await).await;
        assert_eq!(
            (
                v1["version"].as_i64(),
                v2["version"].as_i64(),
                en["version"].as_i64()
            ),
            (Some(1), Some(2), Some(1))
        );
        assert_eq!(v1["sha256"].as_str().unwrap().len(), 64);
        assert_ne!(v1["sha256"], v2["sha256"]);
        assert_eq!(add("de", "Ich…").await.status(), 422);
        let listed = json(app.get_consent_documents(&s, id).await).await;
        assert_eq!(listed.as_array().unwrap().len(), 3);
        assert!(listed[0].get("body").is_none());
        let got = json(app.get_consent_document(&s, id, "fr", 1).await).await;
        assert_eq!(
            got["body"], "Je consens…",
            "version 1 is untouched by version 2"
        );
    }
);

both!(the_plugin_bundle_and_its_etag, |app: TestApp| async move {
    let (id, s, admin) = recruiting(&app, "diabetes-t2-hba1c").await;
    let (_, other) = sponsor(&app, "Draft only").await;
    create(&app, &other, e2e::example_trial("child-overweight")).await;
    let practice = app.seed_organisation("Cabinet médical", "practice").await;
    let key = e2e::flow::api_key(&app, &admin, practice).await;
    let get = |etag: Option<&str>| {
        let mut b = app
            .request(Method::GET, "/api/v1/plugin/bundle")
            .bearer_auth(&key);
        if let Some(e) = etag {
            b = b.header(reqwest::header::IF_NONE_MATCH, e);
        }
        b.send()
    };
    let r = get(None).await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r
        .headers()
        .get(reqwest::header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
        "strong: {etag}"
    );
    let b = json(r).await;
    assert_eq!(
        b["trials"].as_array().unwrap().len(),
        1,
        "recruiting trials only"
    );
    assert_eq!(b["trials"][0]["id"], id.as_str());
    assert!(b["trials"][0]["summary"].is_string());
    assert!(b["trials"][0]["definition"]["criteria"]["inclusion"].is_array());
    assert!(trials::Trial::from_json(&b["trials"][0]["definition"].to_string()).is_ok());
    let r = get(Some(&etag)).await.unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(
        r.headers()
            .get(reqwest::header::ETAG)
            .unwrap()
            .to_str()
            .unwrap(),
        etag
    );
    assert_eq!(get(Some("\"stale\"")).await.unwrap().status(), 200);
    assert_eq!(app.transition(&s, &id, "paused", None).await.status(), 200);
    let r = get(Some(&etag)).await.unwrap();
    assert_eq!(r.status(), 200, "a change changes the ETag");
    assert_eq!(json(r).await["trials"].as_array().unwrap().len(), 0);
    // Web users and strangers do not get the bundle.
    assert_eq!(
        app.as_user(Method::GET, "/api/v1/plugin/bundle", &s)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(app.get("/api/v1/plugin/bundle").await.status(), 401);
    let v = platform::audit::verify(&app.db).await.unwrap();
    assert!(v.is_intact() && v.rows > 5, "{v:?}");
});

both!(
    recruitment_closes_by_itself_at_its_enrolment_target,
    |app: TestApp| async move {
        let (id, s, _) = recruiting(&app, "hypertension-uncontrolled").await;
        let uuid: uuid::Uuid = id.parse().unwrap();
        // The created trial's target is 120 (see `create`).
        assert!(
            !server::registry::trials::close_if_target_reached(
                &app.db,
                uuid,
                119,
                chrono::Utc::now()
            )
            .await
            .unwrap()
        );
        let got = json(app.get_trial(&s, &id).await).await;
        assert_eq!(got["status"], "recruiting");
        assert!(
            server::registry::trials::close_if_target_reached(
                &app.db,
                uuid,
                120,
                chrono::Utc::now()
            )
            .await
            .unwrap()
        );
        let got = json(app.get_trial(&s, &id).await).await;
        assert_eq!(got["status"], "closed");
        assert!(
            !server::registry::trials::close_if_target_reached(
                &app.db,
                uuid,
                121,
                chrono::Utc::now()
            )
            .await
            .unwrap(),
            "already closed"
        );
        assert!(platform::audit::verify(&app.db).await.unwrap().is_intact());
    }
);

both!(
    the_etag_changes_exactly_when_the_recruiting_set_does,
    |app: TestApp| async move {
        let (id, _, admin) = recruiting(&app, "sicca-signal").await;
        let practice = app.seed_organisation("Cabinet ETag", "practice").await;
        let key = e2e::flow::api_key(&app, &admin, practice).await;
        let etag = || async {
            let r = app.get_bundle(&key).await;
            r.headers()
                .get(reqwest::header::ETAG)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        };
        let first = etag().await;
        // Drafts come and go without touching the bundle.
        let (_, other) = sponsor(&app, "Drafts Ltd").await;
        let draft = create(&app, &other, e2e::example_trial("child-overweight")).await;
        let mut d = e2e::example_trial("child-overweight");
        d["title"] = json!("Changed");
        app.put_trial(
            &other,
            &draft["id"].as_str().unwrap(),
            &json!({"definition": d}),
        )
        .await;
        assert_eq!(etag().await, first);
        // Closing by date changes it.
        use sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared("UPDATE trials SET recruitment_end = '2020-01-31'")
            .await
            .unwrap();
        server::registry::expiry::close_ended(&app.db, chrono::Utc::now())
            .await
            .unwrap();
        let after = etag().await;
        assert_ne!(after, first);
        let got = json(app.get_trial(&admin, &id).await).await;
        assert_eq!(got["status"], "closed");
        let b = json(app.get_bundle(&key).await).await;
        assert_eq!(b["trials"].as_array().unwrap().len(), 0);
    }
);

/// The status the sponsor's trial page shows.
async fn page_status(app: &TestApp, cookie: &str, id: &str) -> String {
    let html = app
        .as_user(Method::GET, &format!("/sponsor/trials/{id}"), cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = html.find("<span class=\"badge ").expect("the status badge");
    html[at + "<span class=\"badge ".len()..]
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

async fn closed_audit_rows(app: &TestApp, id: &str) -> usize {
    use platform::entities::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("trial.closed"))
        .filter(audit_log::Column::EntityId.eq(id))
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

both!(
    pages_and_the_api_agree_before_and_after_the_expiry_job,
    |app: TestApp| async move {
        let (id, s, admin) = recruiting(&app, "depression-first-episode").await;
        use sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared("UPDATE trials SET recruitment_end = '2020-01-31'")
            .await
            .unwrap();
        // Reading changes nothing: every face shows the stored status until the job runs.
        let api_status = || async {
            let listed = json(app.get_trials(&admin, "").await).await;
            let one = json(app.get_trial(&s, &id).await).await;
            [listed[0]["status"].clone(), one["status"].clone()]
        };
        assert_eq!(api_status().await, ["recruiting", "recruiting"]);
        assert_eq!(page_status(&app, &s, &id).await, "recruiting");
        assert_eq!(closed_audit_rows(&app, &id).await, 0);
        let now = chrono::Utc::now();
        assert_eq!(
            server::registry::expiry::close_ended(&app.db, now)
                .await
                .unwrap(),
            1
        );
        assert_eq!(api_status().await, ["closed", "closed"]);
        assert_eq!(page_status(&app, &s, &id).await, "closed");
        // Once closed, the job finds nothing more to do.
        assert_eq!(
            server::registry::expiry::close_ended(&app.db, now)
                .await
                .unwrap(),
            0
        );
        assert_eq!(closed_audit_rows(&app, &id).await, 1);
    }
);

both!(
    replicas_running_the_expiry_job_together_close_a_trial_once,
    |app: TestApp| async move {
        let (id, _, _) = recruiting(&app, "sicca-signal").await;
        use sea_orm::ConnectionTrait;
        app.db
            .execute_unprepared("UPDATE trials SET recruitment_end = '2020-01-31'")
            .await
            .unwrap();
        let a = platform::db::connect(&app.settings.database).await.unwrap();
        let b = platform::db::connect(&app.settings.database).await.unwrap();
        let now = chrono::Utc::now();
        let (x, y) = tokio::join!(
            server::registry::expiry::close_ended(&a, now),
            server::registry::expiry::close_ended(&b, now)
        );
        assert_eq!(x.unwrap() + y.unwrap(), 1);
        assert_eq!(closed_audit_rows(&app, &id).await, 1);
        assert!(platform::audit::verify(&app.db).await.unwrap().is_intact());
    }
);
