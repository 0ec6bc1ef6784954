//! Logging in and out, sessions, throttling, roles, practice API keys, and request bodies.

use e2e::flow::json;
use e2e::{PASSWORD, TestApp, both, session_cookie};
use reqwest::Method;
use serde_json::json;

both!(
    login_sets_a_safe_cookie_and_me_answers,
    |app: TestApp| async move {
        let email = app.seed_user("admin", None).await;
        let r = app
            .post_login(&json!({"email": email.to_uppercase(), "password": PASSWORD}))
            .await;
        assert_eq!(r.status(), 200);
        let set_cookie = r
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set_cookie.contains(attribute), "{set_cookie}");
        }
        let cookie = session_cookie(&r).unwrap();
        let v = json(r).await;
        assert_eq!(v["role"], "admin");
        assert!(v.get("password_hash").is_none());
        let me = json(app.get_me(&cookie).await).await;
        assert_eq!(me["kind"], "user");
        assert_eq!(me["email"], email);
    }
);

both!(
    bad_credentials_are_refused_alike,
    |app: TestApp| async move {
        let email = app.seed_user("admin", None).await;
        for (e, p) in [
            (email.as_str(), "wrong password!!"),
            ("nobody@example.org", PASSWORD),
        ] {
            let r = app.post_login(&json!({"email": e, "password": p})).await;
            assert_eq!(r.status(), 401);
            assert!(session_cookie(&r).is_none());
            assert_eq!(json(r).await["error"]["code"], "invalid_credentials");
        }
    }
);

both!(repeated_failures_are_throttled, |app: TestApp| async move {
    let email = app.seed_user("admin", None).await;
    for _ in 0..5 {
        let r = app
            .post_login(&json!({"email": email, "password": "wrong password!!"}))
            .await;
        assert_eq!(r.status(), 401);
    }
    let r = app
        .post_login(&json!({"email": email, "password": PASSWORD}))
        .await;
    assert_eq!(r.status(), 429, "even the right password waits");
    assert!(r.headers().get(reqwest::header::RETRY_AFTER).is_some());
    assert_eq!(json(r).await["error"]["code"], "too_many_attempts");
});

both!(no_forged_or_stale_sessions, |app: TestApp| async move {
    let r = app.get("/api/v1/users").await;
    assert_eq!(r.status(), 401);
    assert_eq!(json(r).await["error"]["code"], "unauthenticated");
    let cookie = app.logged_in("admin").await;
    let forged = format!("{}x", cookie);
    assert_eq!(app.get_users(&forged, "").await.status(), 401);
    assert_eq!(
        app.get_users("inclusio_session=garbage", "").await.status(),
        401
    );
    // A deactivated user's session stops working at once.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("UPDATE users SET active = false")
        .await
        .unwrap();
    assert_eq!(app.get_users(&cookie, "").await.status(), 401);
});

both!(logout_clears_the_cookie, |app: TestApp| async move {
    let cookie = app.logged_in("sponsor").await;
    let r = app.post_logout(&cookie).await;
    assert_eq!(r.status(), 204);
    let set = r
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        set.starts_with("inclusio_session=;") && set.contains("Max-Age=0"),
        "{set}"
    );
});

both!(only_admins_manage_accounts, |app: TestApp| async move {
    for role in ["sponsor", "coordinator", "gp"] {
        let cookie = app.logged_in(role).await;
        for (m, path) in [
            (Method::GET, "/api/v1/users"),
            (Method::GET, "/api/v1/organisations"),
        ] {
            let r = app.as_user(m, path, &cookie).send().await.unwrap();
            assert_eq!(r.status(), 403, "{role} {path}");
            assert_eq!(json(r).await["error"]["code"], "forbidden");
        }
        let r = app
            .post_user(
                &cookie,
                &json!({"email": "x@example.org", "password": PASSWORD, "role": "admin"}),
            )
            .await;
        assert_eq!(r.status(), 403, "{role} creating a user");
    }
});

both!(admins_create_users_with_checks, |app: TestApp| async move {
    let cookie = app.logged_in("admin").await;
    let r = app
        .post_organisation(
            &cookie,
            &json!({"name": "Cabinet du Parc", "kind": "practice"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let practice = json(r).await["id"].as_str().unwrap().to_string();
    let new = |email: &str, password: &str, role: &str| json!({"email": email, "password": password, "role": role, "organisation_id": practice});
    let r = app
        .post_user(&cookie, &new("dr.martin@example.org", PASSWORD, "gp"))
        .await;
    assert_eq!(r.status(), 201);
    let cases = [
        (
            new("not-an-email", PASSWORD, "gp"),
            "$.email",
            "invalid_email",
            422,
        ),
        (
            new("a@example.org", "short", "gp"),
            "$.password",
            "password_too_short",
            422,
        ),
        (
            new("b@example.org", PASSWORD, "sponsor"),
            "$.organisation_id",
            "wrong_organisation_kind",
            422,
        ),
        (
            new("c@example.org", PASSWORD, "doctor"),
            "$.role",
            "unknown_role",
            422,
        ),
    ];
    for (payload, path, code, status) in cases {
        let r = app.post_user(&cookie, &payload).await;
        assert_eq!(r.status(), status, "{payload}");
        let v = json(r).await;
        assert_eq!(v["error"]["code"], "validation_failed");
        assert_eq!(v["error"]["details"][0]["path"], path, "{v}");
        assert_eq!(v["error"]["details"][0]["code"], code, "{v}");
    }
    let r = app
        .post_user(&cookie, &new("DR.MARTIN@example.org", PASSWORD, "gp"))
        .await;
    assert_eq!(r.status(), 409, "duplicate email, case-insensitively");
    let users = json(app.get_users(&cookie, "").await).await;
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "dr.martin@example.org")
    );
    assert!(
        !users.to_string().contains("argon2"),
        "no hashes in listings"
    );
});

both!(
    practice_keys_are_shown_once_and_revocable,
    |app: TestApp| async move {
        let cookie = app.logged_in("admin").await;
        let practice = app.seed_organisation("Maison de santé", "practice").await;
        let sponsor = app.seed_organisation("Sponsor SA", "sponsor").await;
        let r = app
            .post_api_key(&cookie, practice, &json!({"label": "reception"}))
            .await;
        assert_eq!(r.status(), 201);
        let v = json(r).await;
        let key = v["key"].as_str().unwrap().to_string();
        let id = v["api_key"]["id"].as_str().unwrap().to_string();
        let me = json(
            app.request(Method::GET, "/api/v1/auth/me")
                .bearer_auth(&key)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(me["kind"], "practice");
        assert_eq!(me["organisation_id"], practice.to_string());
        let listed = json(app.get_api_keys(&cookie, practice).await).await;
        assert!(
            !listed.to_string().contains(&key),
            "the key is never listed"
        );
        assert_eq!(listed[0]["prefix"].as_str().unwrap(), &key[..12]);
        // A practice key is no web user.
        assert_eq!(
            app.request(Method::GET, "/api/v1/users")
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        let r = app
            .post_api_key(&cookie, &sponsor, &json!({"label": "x"}))
            .await;
        assert_eq!(r.status(), 422, "keys are for practices");
        let r = app.delete_api_key(&cookie, &id).await;
        assert_eq!(r.status(), 200);
        assert!(json(r).await["revoked_at"].is_string());
        assert_eq!(
            app.request(Method::GET, "/api/v1/auth/me")
                .bearer_auth(&key)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        assert_eq!(
            app.request(Method::GET, "/api/v1/auth/me")
                .bearer_auth("inc_nonsense")
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
    }
);

both!(
    organisation_names_refuse_control_characters_and_length,
    |app: TestApp| async move {
        let cookie = app.logged_in("admin").await;
        for (name, code) in [
            ("Cabinet\u{0}du Parc".to_string(), "control_character"),
            ("Cabinet\ndu Parc".to_string(), "control_character"),
            ("x".repeat(100 * 1024), "too_long"),
            ("é".repeat(201), "too_long"),
        ] {
            let r = app
                .as_user(Method::POST, "/api/v1/organisations", &cookie)
                .json(&json!({"name": name, "kind": "practice"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422, "{code}");
            let v = json(r).await;
            assert_eq!(v["error"]["code"], "validation_failed", "{v}");
            assert_eq!(v["error"]["details"][0]["path"], "$.name", "{v}");
            assert_eq!(v["error"]["details"][0]["code"], code, "{v}");
        }
        let r = app
            .as_user(Method::POST, "/api/v1/organisations", &cookie)
            .json(&json!({"name": "é".repeat(200), "kind": "practice"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
);

both!(bad_bodies_get_clear_4xx, |app: TestApp| async move {
    let cookie = app.logged_in("admin").await;
    let post = |b: reqwest::RequestBuilder| async move { b.send().await.unwrap() };
    let r = post(
        app.as_user(Method::POST, "/api/v1/organisations", &cookie)
            .header("content-type", "application/json")
            .body("{\"name\": "),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(json(r).await["error"]["code"], "malformed_json");
    let r = post(
        app.as_user(Method::POST, "/api/v1/organisations", &cookie)
            .json(&json!({"name": 12, "kind": "practice"})),
    )
    .await;
    assert_eq!(r.status(), 400);
    let v = json(r).await;
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("$.name"),
        "{v}"
    );
    let r = post(
        app.as_user(Method::POST, "/api/v1/organisations", &cookie)
            .json(&json!({"name": "x", "kind": "hospital"})),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        app.as_user(Method::POST, "/api/v1/organisations", &cookie)
            .json(&json!({"name": "x", "kind": "practice", "extra": 1})),
    )
    .await;
    assert_eq!(r.status(), 400, "unknown fields are refused");
    let r = post(
        app.as_user(Method::POST, "/api/v1/organisations", &cookie)
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(r.status(), 415);
    let big = format!(
        "{{\"name\": \"{}\", \"kind\": \"practice\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let r = post(
        app.as_user(Method::POST, "/api/v1/organisations", &cookie)
            .header("content-type", "application/json")
            .body(big),
    )
    .await;
    assert_eq!(r.status(), 413);
    assert_eq!(json(r).await["error"]["code"], "payload_too_large");
});

both!(
    racing_creations_get_one_success_and_conflicts,
    |app: TestApp| async move {
        let cookie = app.logged_in("admin").await;
        let new = json!({"email": "racer@example.org", "password": PASSWORD, "role": "admin"});
        let requests = (0..8).map(|_| {
            app.as_user(Method::POST, "/api/v1/users", &cookie)
                .json(&new)
                .send()
        });
        let statuses: Vec<u16> = futures_util_join(requests)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|&&s| s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|&s| s == 201 || s == 409),
            "no 500 for a race: {statuses:?}"
        );
    }
);

/// Runs futures concurrently and collects their outputs in order.
async fn futures_util_join<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.collect();
    let mut out = Vec::with_capacity(handles.len());
    let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
    // Poll all together: a simple join without an extra dependency.
    let mut done: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if done[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => done[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(done.into_iter().flatten());
    out
}

both!(
    old_login_attempts_are_forgotten,
    |app: TestApp| async move {
        use platform::entities::login_attempt;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let email = app.seed_user("admin", None).await;
        let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
        for _ in 0..10 {
            platform::auth::throttle::record(&app.db, &email, false, yesterday)
                .await
                .unwrap();
        }
        let cookie = app.login(&email, PASSWORD).await;
        assert!(
            !cookie.is_empty(),
            "yesterday's failures do not throttle today"
        );
        let left = login_attempt::Entity::find()
            .filter(login_attempt::Column::Email.eq(&email))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(left, 1, "only today's attempt is kept");
    }
);
