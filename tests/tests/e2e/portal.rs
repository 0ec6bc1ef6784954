//! The sponsor portal's pages over HTTP: login and logout, the sponsor's trials, the trial
//! form (CSRF, inline errors that keep what was typed), roles, the review by an
//! administrator through to recruiting, and the ClinicalTrials.gov import.

use e2e::flow::{Page, input_value, number};
use e2e::{PASSWORD, TestApp, both};
use reqwest::{Method, header};
use serde_json::Value;

/// The `value` of the input named `name` (the first one).
/// The text of the textarea `id` (whatever the order of its attributes).
fn textarea(html: &str, id: &str) -> String {
    let wanted = format!("id=\"{id}\"");
    let at = html
        .match_indices("<textarea")
        .map(|(i, _)| i)
        .find(|&i| {
            html[i..]
                .split('>')
                .next()
                .is_some_and(|tag| tag.contains(&wanted))
        })
        .unwrap_or_else(|| panic!("no textarea {id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</textarea>").unwrap();
    rest[start..end].to_string()
}

/// A sponsor organisation with one user: `(email, organisation id)`.
async fn sponsor_user(app: &TestApp) -> (String, uuid::Uuid) {
    let org = app
        .seed_organisation(&format!("Sponsor {}", uuid::Uuid::now_v7()), "sponsor")
        .await;
    (app.seed_user("sponsor", Some(org)).await, org)
}

/// Logs in through the login page: the `Cookie` header of the session.
async fn page_login(app: &TestApp, email: &str) -> (String, Page) {
    let form = app.page("/login", "").await;
    let token = input_value(&form.body, "login_token");
    let cookie = format!("inclusio_login_csrf={token}");
    let r = app
        .post_page(
            "/login",
            &cookie,
            &[
                ("email", email),
                ("password", PASSWORD),
                ("login_token", &token),
            ],
        )
        .await;
    let session = r
        .cookies
        .iter()
        .find(|c| c.starts_with("inclusio_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap_or_default();
    (session, r)
}

fn criteria() -> String {
    serde_json::to_string_pretty(&e2e::example_trial("diabetes-t2-hba1c")["criteria"]).unwrap()
}

/// The fields of a valid new trial.
fn trial_fields(criteria: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", "Early intensification in type 2 diabetes".into()),
        ("acronym", "DIAMOND GP".into()),
        ("registry_number", "NCT05123456".into()),
        ("phase", "phase_3".into()),
        ("therapeutic_area", "Diabetology".into()),
        (
            "summary",
            "Adults with type 2 diabetes and HbA1c above 8 %.".into(),
        ),
        (
            "description",
            "A pragmatic trial in general practice.".into(),
        ),
        (
            "patient_information",
            "You may be offered a second medicine.".into(),
        ),
        ("target_enrolment", "240".into()),
        ("recruitment_start", "2026-01-01".into()),
        ("recruitment_end", "2030-12-31".into()),
        ("criteria", criteria.into()),
        ("site_0_name", "CHU de Lyon".into()),
        ("site_0_address", "1 place de l'Hôpital, 69003 Lyon".into()),
        ("site_0_latitude", "45.7597".into()),
        ("site_0_longitude", "4.8422".into()),
        ("site_0_contact_name", "Marie Durand".into()),
        ("site_0_contact_email", "marie.durand@chu-lyon.fr".into()),
        ("site_0_contact_phone", "+33 4 72 11 00 00".into()),
        ("site_0_coordinator_email", String::new()),
        ("site_1_name", String::new()),
        (
            "consent_fr",
            "Notice d'information et formulaire de consentement.".into(),
        ),
        ("consent_fr_label", "v1.0 du 2026-01-01".into()),
        ("consent_en", String::new()),
    ]
}

async fn post_trial_form(
    app: &TestApp,
    path: &str,
    cookie: &str,
    csrf: &str,
    fields: &[(&'static str, String)],
) -> Page {
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.push(("csrf_token", csrf));
    app.post_page(path, cookie, &all).await
}

async fn api_trials(app: &TestApp, cookie: &str) -> Vec<Value> {
    app.get_trials(cookie, "").await.json().await.unwrap()
}

/// A sponsor logged in through the page, with a created trial: `(cookie, csrf, trial id)`.
async fn sponsor_with_trial(app: &TestApp) -> (String, String, String) {
    let (email, _) = sponsor_user(app).await;
    let (cookie, _) = page_login(app, &email).await;
    let form = app.page("/sponsor/trials/new", &cookie).await;
    assert_eq!(form.status, 200);
    let csrf = input_value(&form.body, "csrf_token");
    let r = post_trial_form(
        app,
        "/sponsor/trials",
        &cookie,
        &csrf,
        &trial_fields(&criteria()),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id = r
        .location
        .strip_prefix("/sponsor/trials/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    (cookie, csrf, id)
}

both!(
    login_form_logs_in_by_role_and_honours_next,
    |app: TestApp| async move {
        let (email, _) = sponsor_user(&app).await;
        let (cookie, r) = page_login(&app, &email).await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location, "/sponsor");
        assert!(cookie.starts_with("inclusio_session="));
        let home = app.page("/sponsor", &cookie).await;
        assert_eq!(home.status, 200);
        assert!(home.body.contains("id=\"nav-sponsor\""), "sponsor nav link");

        let admin = app.seed_user("admin", None).await;
        let (_, r) = page_login(&app, &admin).await;
        assert_eq!(r.location, "/admin/review");

        // `next` is honoured, and kept on this site.
        let form = app.page("/login?next=/sponsor/trials/new", "").await;
        let token = input_value(&form.body, "login_token");
        assert_eq!(input_value(&form.body, "next"), "/sponsor/trials/new");
        let c = format!("inclusio_login_csrf={token}");
        for (next, want) in [
            ("/sponsor/trials/new", "/sponsor/trials/new"),
            ("//evil.example", "/"),
        ] {
            let r = app
                .post_page(
                    "/login",
                    &c,
                    &[
                        ("email", &email),
                        ("password", PASSWORD),
                        ("login_token", &token),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(r.status, 303);
            assert_eq!(r.location, want, "next={next}");
        }
    }
);

both!(
    login_next_refuses_control_characters,
    |app: TestApp| async move {
        let (email, _) = sponsor_user(&app).await;
        // The form keeps only a local `next`.
        let form = app.page("/login?next=/%09/evil.example", "").await;
        assert_eq!(form.status, 200);
        assert_eq!(input_value(&form.body, "next"), "/");
        let token = input_value(&form.body, "login_token");
        let c = format!("inclusio_login_csrf={token}");
        for next in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/ /evil.example",
            "/\\evil.example",
        ] {
            let r = app
                .post_page(
                    "/login",
                    &c,
                    &[
                        ("email", email.as_str()),
                        ("password", PASSWORD),
                        ("login_token", token.as_str()),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(r.status, 303, "next={next:?}");
            assert_eq!(r.location, "/", "next={next:?}");
        }
    }
);

both!(
    page_forms_answer_413_and_415_as_pages_in_the_readers_language,
    |app: TestApp| async move {
        for (lang, words) in [("en", "<html lang=\"en\">"), ("fr", "<html lang=\"fr\">")] {
            let big = format!("email={}", "a".repeat(2 * 1024 * 1024));
            let r = app
                .request(Method::POST, &format!("/login?lang={lang}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(big)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 413);
            assert!(
                r.headers()[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{lang}"
            );
            let body = r.text().await.unwrap();
            assert!(body.contains(words), "{body}");
            assert!(body.contains("payload_too_large"), "{body}");
            let r = app
                .request(Method::POST, &format!("/login?lang={lang}"))
                .header(header::CONTENT_TYPE, "text/plain")
                .body("email=x")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 415);
            let body = r.text().await.unwrap();
            assert!(body.contains(words), "{body}");
            assert!(body.contains("unsupported_media_type"), "{body}");
        }
    }
);

both!(
    login_errors_are_inline_and_throttled,
    |app: TestApp| async move {
        let (email, _) = sponsor_user(&app).await;
        let form = app.page("/login?lang=en", "").await;
        let token = input_value(&form.body, "login_token");
        let c = format!("inclusio_login_csrf={token}");
        let bad = [
            ("email", email.as_str()),
            ("password", "wrong password"),
            ("login_token", &token),
        ];
        let r = app.post_page("/login?lang=en", &c, &bad).await;
        assert_eq!(r.status, 401);
        assert!(r.body.contains("Wrong email or password."), "{}", r.body);
        assert!(
            r.body.contains(&format!("value=\"{email}\"")),
            "the email is kept"
        );
        assert!(r.body.contains("aria-invalid=\"true\""));
        let r = app.post_page("/login?lang=fr", &c, &bad).await;
        assert!(r.body.contains("Adresse e-mail ou mot de passe incorrect."));
        for _ in 0..3 {
            assert_eq!(app.post_page("/login", &c, &bad).await.status, 401);
        }
        // Five failures: even the right password is refused now.
        let good = [
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("login_token", &token),
        ];
        let r = app.post_page("/login?lang=en", &c, &good).await;
        assert_eq!(r.status, 429);
        assert!(r.body.contains("Too many failed attempts"));
        // Without the double-submit cookie, or with another value: refused before any check.
        let other = [
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("login_token", "forged"),
        ];
        assert_eq!(app.post_page("/login", &c, &other).await.status, 403);
        assert_eq!(app.post_page("/login", "", &good).await.status, 403);
    }
);

both!(logout_needs_the_csrf_token, |app: TestApp| async move {
    let (email, _) = sponsor_user(&app).await;
    let (cookie, _) = page_login(&app, &email).await;
    let home = app.page("/sponsor", &cookie).await;
    let csrf = input_value(&home.body, "csrf_token");
    assert_eq!(app.post_page("/logout", &cookie, &[]).await.status, 403);
    assert_eq!(
        app.post_page("/logout", &cookie, &[("csrf_token", "AAAA")])
            .await
            .status,
        403
    );
    let r = app
        .post_page("/logout", &cookie, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    assert!(
        r.cookies
            .iter()
            .any(|c| c.starts_with("inclusio_session=;") && c.contains("Max-Age=0")),
        "{:?}",
        r.cookies
    );
});

both!(roles_are_enforced_on_the_pages, |app: TestApp| async move {
    // Anonymous readers go to the login page, and come back.
    let r = app.page("/sponsor", "").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location, "/login?next=/sponsor");
    assert_eq!(
        app.page("/admin/review", "").await.location,
        "/login?next=/admin/review"
    );
    // A coordinator may not open the sponsor pages (403 page, in the reader's language).
    let coordinator = app.logged_in("coordinator").await;
    for path in ["/sponsor", "/sponsor/trials/new", "/sponsor/trials/import"] {
        let r = app.page(&format!("{path}?lang=en"), &coordinator).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(r.body.contains("Not allowed"), "{path}");
    }
    assert!(
        app.page("/sponsor?lang=fr", &coordinator)
            .await
            .body
            .contains("Accès refusé")
    );
    // A sponsor may not open another sponsor's trial: 404, as if it did not exist.
    let (_, _, id) = sponsor_with_trial(&app).await;
    let (other, _) = sponsor_user(&app).await;
    let (other, _) = page_login(&app, &other).await;
    let r = app.page(&format!("/sponsor/trials/{id}"), &other).await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Page introuvable"));
    let csrf = input_value(&app.page("/sponsor", &other).await.body, "csrf_token");
    let r = post_trial_form(
        &app,
        &format!("/sponsor/trials/{id}"),
        &other,
        &csrf,
        &trial_fields(&criteria()),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        app.page("/sponsor/trials/not-a-uuid", &other).await.status,
        404
    );
    // Nor can a sponsor review.
    assert_eq!(app.page("/admin/review", &other).await.status, 403);
    assert!(
        app.page("/sponsor", &other)
            .await
            .body
            .contains("id=\"no-trials\"")
    );
});

both!(
    sponsors_create_trials_through_the_form,
    |app: TestApp| async move {
        let (cookie, _, id) = sponsor_with_trial(&app).await;
        let r = app
            .page(&format!("/sponsor/trials/{id}?saved=1&lang=en"), &cookie)
            .await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("Saved: a new version of the draft."));
        assert!(r.body.contains("CHU de Lyon"), "the site is listed");
        assert!(
            r.body.contains("v1.0 du 2026-01-01"),
            "the consent version label"
        );
        assert!(textarea(&r.body, "criteria-json").contains("inclusion"));
        // The JSON API sees the same trial, with the portal's fields.
        let t: Value = app.get_trial(&cookie, &id).await.json().await.unwrap();
        assert_eq!(t["slug"], "diamond-gp");
        assert_eq!(t["status"], "draft");
        assert_eq!(t["phase"], "phase_3");
        assert_eq!(t["therapeutic_area"], "Diabetology");
        assert_eq!(t["registry_number"], "NCT05123456");
        assert_eq!(t["target_enrolment"], 240);
        assert_eq!(
            t["definition"]["summary"],
            "Adults with type 2 diabetes and HbA1c above 8 %."
        );
        let sites: Value = app.get_sites(&cookie, &id).await.json().await.unwrap();
        assert_eq!(
            sites.as_array().unwrap().len(),
            1,
            "the empty row adds nothing"
        );
        assert_eq!(sites[0]["contact_email"], "marie.durand@chu-lyon.fr");
        assert_eq!(sites[0]["latitude"], 45.7597);
        let docs: Value = app
            .get_consent_documents(&cookie, &id)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(docs.as_array().unwrap().len(), 1, "French only");
        assert_eq!(docs[0]["label"], "v1.0 du 2026-01-01");
        // Saving again: a new version; the unchanged consent text adds no consent version, a
        // changed one does.
        let csrf = input_value(&r.body, "csrf_token");
        let mut fields = trial_fields(&criteria());
        fields.retain(|(k, _)| !k.starts_with("site_"));
        for (k, v) in fields.iter_mut() {
            if *k == "consent_en" {
                *v = "Information sheet and consent form.".into();
            }
        }
        // A second site, its coordinator account linked by email.
        let site_org = app.seed_organisation("CHU de Grenoble", "site").await;
        let coordinator = app.seed_user("coordinator", Some(site_org)).await;
        fields.push(("site_0_name", "CHU de Grenoble".into()));
        fields.push((
            "site_0_address",
            "Boulevard de la Chantourne, La Tronche".into(),
        ));
        fields.push(("site_0_coordinator_email", coordinator.to_uppercase()));
        let r = post_trial_form(
            &app,
            &format!("/sponsor/trials/{id}"),
            &cookie,
            &csrf,
            &fields,
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let sites: Value = app.get_sites(&cookie, &id).await.json().await.unwrap();
        let grenoble = sites
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "CHU de Grenoble")
            .expect("the new site");
        let path = format!(
            "/api/v1/sites/{}/coordinators",
            grenoble["id"].as_str().unwrap()
        );
        let linked: Value = app
            .as_user(Method::GET, &path, &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(linked[0]["email"], coordinator.as_str());
        let trials = api_trials(&app, &cookie).await;
        assert_eq!(trials[0]["current_version"], 2);
        let docs: Value = app
            .get_consent_documents(&cookie, &id)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            docs.as_array().unwrap().len(),
            2,
            "one English version added"
        );
        // The sponsor's home lists it with its recruitment.
        let home = app.page("/sponsor?lang=en", &cookie).await;
        assert!(home.body.contains("DIAMOND GP"));
        assert!(
            home.body.contains("0 proposed by GPs / 240 target"),
            "{}",
            home.body
        );
        // GPs of two practices propose it: one patient twice, two others once; a decline
        // does not count.
        let trial: uuid::Uuid = id.parse().unwrap();
        let practice_a = app.seed_organisation("Practice A", "practice").await;
        let practice_b = app.seed_organisation("Practice B", "practice").await;
        let events = [
            (practice_a, "a".repeat(64), "accepted"),
            (practice_a, "a".repeat(64), "accepted"),
            (practice_a, "b".repeat(64), "accepted"),
            (practice_b, "a".repeat(64), "accepted"),
            (practice_b, "c".repeat(64), "declined"),
        ];
        for (org, patient, response) in events {
            use sea_orm::{ActiveModelTrait, Set};
            platform::entities::plugin_event::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                organisation_id: Set(org),
                alert_id: Set(uuid::Uuid::now_v7()),
                trial_id: Set(trial),
                trial_version: Set(1),
                patient: Set(patient),
                verdict: Set("eligible".into()),
                response: Set(response.into()),
                reason: Set((response == "declined").then(|| "no_time".to_string())),
                snooze_until: Set(None),
                at: Set(chrono::Utc::now()),
                received_at: Set(chrono::Utc::now()),
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        // Written under the server's feet: count them as the migration would.
        e2e::funnel_seed::retally(&app.db).await;
        let home = app.page("/sponsor?lang=en", &cookie).await;
        assert!(
            home.body.contains("3 proposed by GPs / 240 target"),
            "{}",
            home.body
        );
        assert!(
            app.page("/sponsor?lang=fr", &cookie)
                .await
                .body
                .contains("Brouillon")
        );
    }
);

both!(
    errors_are_inline_and_keep_what_was_typed,
    |app: TestApp| async move {
        let (email, _) = sponsor_user(&app).await;
        let (cookie, _) = page_login(&app, &email).await;
        let csrf = input_value(
            &app.page("/sponsor/trials/new", &cookie).await.body,
            "csrf_token",
        );
        // A bad registry number and a summary of three lines.
        let mut fields = trial_fields(&criteria());
        fields[2].1 = "NCT123".into();
        fields[5].1 = "one\ntwo\nthree".into();
        let r = post_trial_form(&app, "/sponsor/trials?lang=en", &cookie, &csrf, &fields).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("id=\"error-summary\""));
        assert!(
            r.body.contains("href=\"#registry_number\""),
            "the summary links to the field"
        );
        assert!(r.body.contains("id=\"registry_number-error\""));
        assert!(r.body.contains("Neither an NCT number (NCT01234567)"));
        let fr = post_trial_form(&app, "/sponsor/trials?lang=fr", &cookie, &csrf, &fields).await;
        assert!(
            fr.body.contains("Ni un numéro NCT"),
            "domain errors in French"
        );
        assert!(r.body.contains(
            "value=\"NCT123\" aria-invalid=\"true\" aria-describedby=\"registry_number-error\""
        ));
        assert!(r.body.contains("id=\"summary-error\""));
        assert!(
            r.body
                .contains("value=\"Early intensification in type 2 diabetes\""),
            "the title is kept"
        );
        assert!(r.body.contains("value=\"CHU de Lyon\""), "the site is kept");
        assert!(
            textarea(&r.body, "criteria-json").contains("hba1c"),
            "the criteria are kept"
        );
        assert!(r.body.contains("Please correct the following"));
        // Criteria that are not JSON: an inline error, the text kept as typed.
        let mut fields = trial_fields("{\"inclusion\": [");
        fields[4].1 = "Diabétologie".into();
        let r = post_trial_form(&app, "/sponsor/trials?lang=fr", &cookie, &csrf, &fields).await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("id=\"criteria-errors\""));
        assert!(r.body.contains("JSON invalide"));
        assert_eq!(
            textarea(&r.body, "criteria-json"),
            "{&#34;inclusion&#34;: ["
        );
        assert!(r.body.contains("value=\"Diabétologie\""));
        // Criteria the engine refuses: the error under `$.definition.criteria`.
        let r = post_trial_form(
            &app,
            "/sponsor/trials",
            &cookie,
            &csrf,
            &trial_fields("{\"inclusion\": [{\"id\": \"a\", \"label\": \"Age\", \"age\": {}}]}"),
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body.contains("$.definition.criteria.inclusion[0].age"),
            "{}",
            r.body
        );
        // A bad site row and a coordinator email nobody has.
        let mut fields = trial_fields(&criteria());
        fields.push(("site_1_address", "Somewhere".into()));
        fields.push(("site_1_latitude", "north".into()));
        fields[19].1 = "nobody@example.org".into();
        let r = post_trial_form(&app, "/sponsor/trials?lang=en", &cookie, &csrf, &fields).await;
        assert_eq!(r.status, 422);
        for id in [
            "site_1_name-error",
            "site_1_latitude-error",
            "site_0_coordinator_email-error",
        ] {
            assert!(r.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(r.body.contains("No research coordinator has this email."));
        assert!(api_trials(&app, &cookie).await.is_empty(), "nothing stored");
    }
);

both!(
    forms_without_the_csrf_token_store_nothing,
    |app: TestApp| async move {
        let (email, _) = sponsor_user(&app).await;
        let (cookie, _) = page_login(&app, &email).await;
        let fields = trial_fields(&criteria());
        let all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.post_page("/sponsor/trials", &cookie, &all).await;
        assert_eq!(r.status, 403);
        let r = post_trial_form(&app, "/sponsor/trials", &cookie, "d3Jvbmc", &fields).await;
        assert_eq!(r.status, 403);
        // Another session's token does not do either.
        let (other, _) = page_login(&app, &email).await;
        let theirs = input_value(&app.page("/sponsor", &other).await.body, "csrf_token");
        assert_eq!(
            post_trial_form(&app, "/sponsor/trials", &cookie, &theirs, &fields)
                .await
                .status,
            403
        );
        assert!(api_trials(&app, &cookie).await.is_empty(), "nothing stored");
    }
);

both!(
    admin_review_then_the_sponsor_recruits,
    |app: TestApp| async move {
        let (cookie, csrf, id) = sponsor_with_trial(&app).await;
        let admin_email = app.seed_user("admin", None).await;
        let (admin, _) = page_login(&app, &admin_email).await;
        // Nothing to review before the sponsor submits.
        assert!(
            app.page("/admin/review", &admin)
                .await
                .body
                .contains("id=\"nothing-to-review\"")
        );
        let r = app
            .post_page(
                &format!("/sponsor/trials/{id}/submit"),
                &cookie,
                &[("csrf_token", &csrf)],
            )
            .await;
        assert_eq!(r.status, 303);
        let list = app.page("/admin/review?lang=en", &admin).await;
        assert!(
            list.body.contains(&format!("/admin/review/{id}")),
            "listed for review"
        );
        assert!(list.body.contains("Trials to review"));
        let review = app.page(&format!("/admin/review/{id}"), &admin).await;
        assert_eq!(review.status, 200);
        assert!(review.body.contains("CHU de Lyon") && review.body.contains("hba1c"));
        let admin_csrf = input_value(&review.body, "csrf_token");
        // Sending back needs a comment.
        let path = format!("/admin/review/{id}?lang=en");
        let r = app
            .post_page(
                &path,
                &admin,
                &[
                    ("csrf_token", &admin_csrf),
                    ("decision", "reject"),
                    ("comment", " "),
                ],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.body.contains("Write a comment to send the trial back."));
        // Without the token: refused.
        assert_eq!(
            app.post_page(&path, &admin, &[("decision", "approve")])
                .await
                .status,
            403
        );
        let r = app
            .post_page(
                &path,
                &admin,
                &[
                    ("csrf_token", &admin_csrf),
                    ("decision", "reject"),
                    ("comment", "Add the eGFR exclusion."),
                ],
            )
            .await;
        assert_eq!(r.status, 303);
        let mine = app.page(&format!("/sponsor/trials/{id}"), &cookie).await;
        assert!(
            mine.body.contains("Add the eGFR exclusion."),
            "the sponsor reads the comment"
        );
        // Submit again, approve, and the sponsor starts recruiting.
        app.post_page(
            &format!("/sponsor/trials/{id}/submit"),
            &cookie,
            &[("csrf_token", &csrf)],
        )
        .await;
        let r = app
            .post_page(
                &path,
                &admin,
                &[("csrf_token", &admin_csrf), ("decision", "approve")],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(r.location, "/admin/review?decided=1");
        let mine = app
            .page(&format!("/sponsor/trials/{id}?lang=en"), &cookie)
            .await;
        assert!(mine.body.contains("id=\"start-recruiting\""));
        assert!(
            mine.body.contains("id=\"read-only\""),
            "an approved trial is not edited"
        );
        let r = app
            .post_page(
                &format!("/sponsor/trials/{id}/recruit"),
                &cookie,
                &[("csrf_token", &csrf)],
            )
            .await;
        assert_eq!(r.status, 303);
        let t: Value = app.get_trial(&cookie, &id).await.json().await.unwrap();
        assert_eq!(t["status"], "recruiting");
        assert!(
            app.page("/sponsor?lang=fr", &cookie)
                .await
                .body
                .contains("En recrutement")
        );
    }
);

both!(
    import_prefills_the_new_trial_form,
    |app: TestApp| async move {
        let (email, _) = sponsor_user(&app).await;
        let (cookie, _) = page_login(&app, &email).await;
        let form = app.page("/sponsor/trials/import?lang=en", &cookie).await;
        assert_eq!(form.status, 200);
        assert!(form.body.contains("<label for=\"record\">"));
        let csrf = input_value(&form.body, "csrf_token");
        let record = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../server/tests/fixtures/ctgov-study.json"
        ))
        .unwrap();
        let r = app
            .post_page(
                "/sponsor/trials/import?lang=en",
                &cookie,
                &[("csrf_token", &csrf), ("record", &record)],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(
            r.body.contains("action=\"/sponsor/trials\""),
            "the new-trial form"
        );
        assert!(r.body.contains("value=\"NCT05123456\""));
        assert!(r.body.contains("value=\"DIAMOND-GP\""));
        assert!(r.body.contains("<option value=\"phase_2_3\" selected>"));
        assert!(r.body.contains("value=\"Hospices Civils de Lyon\""));
        assert!(r.body.contains("value=\"CHU de Grenoble\""));
        assert!(r.body.contains("value=\"marie.durand@chu-lyon.fr\""));
        assert!(textarea(&r.body, "eligibility_text").contains("Inclusion Criteria"));
        assert!(
            api_trials(&app, &cookie).await.is_empty(),
            "nothing saved yet"
        );
        // A malformed record: the error names the JSON path; the text is kept.
        let bad = "{\"protocolSection\": {\"identificationModule\": {\"briefTitle\": 7}}}";
        let r = app
            .post_page(
                "/sponsor/trials/import",
                &cookie,
                &[("csrf_token", &csrf), ("record", bad)],
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(
            r.body
                .contains("$.protocolSection.identificationModule.briefTitle")
        );
        assert!(textarea(&r.body, "record").contains("briefTitle"));
        assert_eq!(
            app.post_page("/sponsor/trials/import", &cookie, &[("record", bad)])
                .await
                .status,
            403
        );
    }
);

both!(
    the_json_api_takes_the_portal_fields_with_the_same_checks,
    |app: TestApp| async move {
        let (email, _) = sponsor_user(&app).await;
        let cookie = app.login(&email, PASSWORD).await;
        let mut definition = e2e::example_trial("diabetes-t2-hba1c");
        definition["summary"] = Value::String("one\ntwo\nthree".into());
        let body = serde_json::json!({
            "definition": definition, "phase": "phase_9", "therapeutic_area": "Diabetology",
        });
        let r = app.post_trial(&cookie, &body).await;
        assert_eq!(r.status(), 422);
        let e: Value = r.json().await.unwrap();
        let codes: Vec<(&str, &str)> = e["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["path"].as_str().unwrap(), d["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            codes,
            [
                ("$.definition.summary", "summary_too_long"),
                ("$.phase", "unknown_phase")
            ]
        );
        definition["summary"] = Value::String("Two lines\nat most.".into());
        let body = serde_json::json!({
            "definition": definition, "phase": "Phase_2", "description": "  Longer text. ",
            "patient_information": "For you.",
        });
        let r = app.post_trial(&cookie, &body).await;
        assert_eq!(r.status(), 201);
        let t: Value = r.json().await.unwrap();
        assert_eq!(t["phase"], "phase_2");
        assert_eq!(t["description"], "Longer text.");
        assert_eq!(t["patient_information"], "For you.");
    }
);

/// One number from the database (`SELECT … AS n`).
/// What a refused form must leave as it was: the rows of the trial registry, the audit log
/// and the bundle generation.
async fn registry_state(app: &TestApp) -> [i64; 6] {
    [
        number(app, "SELECT COUNT(*) AS n FROM trials").await,
        number(app, "SELECT COUNT(*) AS n FROM trial_versions").await,
        number(app, "SELECT COUNT(*) AS n FROM sites").await,
        number(app, "SELECT COUNT(*) AS n FROM consent_documents").await,
        number(app, "SELECT COUNT(*) AS n FROM audit_log").await,
        number(app, "SELECT generation AS n FROM bundle_state").await,
    ]
}

/// Makes the database refuse any consent document whose body contains `REFUSED`: a failure
/// of the form's last part, after its trial and sites were written.
async fn refuse_marked_consents(app: &TestApp) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let statements: &[&str] = match app.db.get_database_backend() {
        DbBackend::Sqlite => &[
            "CREATE TRIGGER refuse_consent BEFORE INSERT ON consent_documents \
             WHEN NEW.body LIKE '%REFUSED%' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        _ => &[
            "CREATE FUNCTION refuse_consent() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.body LIKE '%REFUSED%' THEN RAISE EXCEPTION 'refused'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER refuse_consent BEFORE INSERT ON consent_documents \
             FOR EACH ROW EXECUTE FUNCTION refuse_consent()",
        ],
    };
    for sql in statements {
        app.db.execute_unprepared(sql).await.unwrap();
    }
}

both!(
    a_form_whose_last_part_fails_saves_nothing,
    |app: TestApp| async move {
        refuse_marked_consents(&app).await;
        let (email, _) = sponsor_user(&app).await;
        let (cookie, _) = page_login(&app, &email).await;
        let form = app.page("/sponsor/trials/new", &cookie).await;
        let csrf = input_value(&form.body, "csrf_token");
        // A new trial: valid trial and site; its consent document is refused when written.
        let mut fields = trial_fields(&criteria());
        for (k, v) in fields.iter_mut() {
            if *k == "consent_fr" {
                *v = "Notice d'information. REFUSED".into();
            }
        }
        let before = registry_state(&app).await;
        let r = post_trial_form(&app, "/sponsor/trials", &cookie, &csrf, &fields).await;
        assert_eq!(r.status, 500, "{}", r.body);
        assert_eq!(registry_state(&app).await, before, "nothing of the form");
        assert_eq!(before[..4], [0, 0, 0, 0]);

        // A new version of a stored draft, with a new site: the same.
        let (cookie, csrf, id) = sponsor_with_trial(&app).await;
        let mut fields = trial_fields(&criteria());
        for (k, v) in fields.iter_mut() {
            match *k {
                "title" => *v = "Changed title".into(),
                "site_0_name" => *v = "Hôpital Nord".into(),
                "consent_fr" => *v = "Nouvelle notice. REFUSED".into(),
                _ => {}
            }
        }
        let before = registry_state(&app).await;
        let r = post_trial_form(
            &app,
            &format!("/sponsor/trials/{id}"),
            &cookie,
            &csrf,
            &fields,
        )
        .await;
        assert_eq!(r.status, 500, "{}", r.body);
        assert_eq!(registry_state(&app).await, before, "nothing of the form");
        let t: Value = app.get_trial(&cookie, &id).await.json().await.unwrap();
        assert_eq!(t["current_version"], 1);
        assert_eq!(t["title"], "Early intensification in type 2 diabetes");
        assert!(platform::audit::verify(&app.db).await.unwrap().is_intact());
    }
);
