//! Liveness, readiness, unknown routes, and migrations up and down on both databases.

use e2e::{Backend, TestApp, both};
use migrations::{Migrator, MigratorTrait};

both!(health_and_ready_answer, |app: TestApp| async move {
    let r = app.get("/health").await;
    assert_eq!(r.status(), 200);
    let r = app.get("/ready").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ready");
});

both!(unknown_routes_are_json_404, |app: TestApp| async move {
    let r = app.get("/api/v1/nothing-here").await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
});

both!(
    ready_says_so_when_migrations_are_missing,
    |app: TestApp| async move {
        Migrator::down(&app.db, Some(1)).await.unwrap();
        let r = app.get("/ready").await;
        assert_eq!(r.status(), 503);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_ready");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("server migrate")
        );
    }
);

async fn up_down_up(backend: Backend) {
    let settings = e2e::fresh_settings(backend).await;
    let db = platform::db::connect(&settings.database).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::down(&db, None).await.unwrap();
    assert_eq!(
        Migrator::get_pending_migrations(&db).await.unwrap().len(),
        Migrator::migrations().len()
    );
    Migrator::up(&db, None).await.unwrap();
    assert!(platform::db::ready(&db).await.is_ok());
}

#[tokio::test]
async fn migrations_go_up_and_down_on_sqlite() {
    up_down_up(Backend::Sqlite).await;
}

#[tokio::test]
async fn migrations_go_up_and_down_on_postgres() {
    up_down_up(Backend::Postgres).await;
}

both!(responses_carry_a_request_id, |app: TestApp| async move {
    let a = app.get("/health").await;
    let b = app.get("/health").await;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert!(id(&a).is_some_and(|i| i.len() >= 32), "{:?}", a.headers());
    assert_ne!(id(&a), id(&b));
});

both!(
    bad_paths_and_queries_answer_in_json,
    |app: TestApp| async move {
        let cookie = app.logged_in("admin").await;
        let r = app.get_trial(&cookie, "not-a-uuid").await;
        assert_eq!(r.status(), 404);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
        let r = app.get_trials(&cookie, "sponsor=not-a-uuid").await;
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "malformed_query");
        let r = app.get_trials(&cookie, "colour=blue").await;
        assert_eq!(r.status(), 400, "unknown query parameters are refused");
    }
);

#[tokio::test]
async fn a_wrong_method_is_405_with_the_error_shape() {
    let app = e2e::spawn_app(e2e::Backend::Sqlite).await;
    for (method, path) in [
        (reqwest::Method::DELETE, "/health"),
        (reqwest::Method::PUT, "/api/v1/trials"),
        (reqwest::Method::PATCH, "/login"),
        (reqwest::Method::DELETE, "/api/v1/auth/login"),
    ] {
        let r = app.request(method.clone(), path).send().await.unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            v["error"]["code"], "method_not_allowed",
            "{method} {path}: {v}"
        );
    }
    let r = app.get("/no/such/route").await;
    assert_eq!(r.status(), 404);
}
