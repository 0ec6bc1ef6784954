//! The page chrome: language negotiation and switch, static assets, HTML error pages.

use e2e::{Backend, TestApp, both};
use reqwest::header;

async fn html(app: &TestApp, path: &str, accept_language: Option<&str>) -> (u16, String) {
    let mut req = app.request(reqwest::Method::GET, path);
    if let Some(al) = accept_language {
        req = req.header(header::ACCEPT_LANGUAGE, al);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

both!(
    pages_speak_the_readers_language,
    |app: TestApp| async move {
        let (status, body) = html(&app, "/", None).await;
        assert_eq!(status, 200);
        assert!(body.contains("<html lang=\"fr\">"), "French by default");
        assert!(body.contains("Bienvenue"));
        let (_, body) = html(&app, "/", Some("en-GB,en;q=0.9")).await;
        assert!(body.contains("<html lang=\"en\">"));
        assert!(body.contains("Welcome"));
        let (_, body) = html(&app, "/?lang=fr", Some("en")).await;
        assert!(body.contains("Bienvenue"), "?lang= wins over the header");
        // The switch remembers the choice in a cookie and goes back to the page.
        let r = app.get("/lang/en?next=/%3Flang%3Den").await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()[header::LOCATION], "/?lang=en");
        let cookie = r.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cookie.starts_with("inclusio_lang=en"), "{cookie}");
        let r = app
            .request(reqwest::Method::GET, "/")
            .header(header::COOKIE, "inclusio_lang=en")
            .send()
            .await
            .unwrap();
        assert!(r.text().await.unwrap().contains("Welcome"));
    }
);

both!(
    the_language_switch_stays_on_site,
    |app: TestApp| async move {
        for next in [
            "//evil.example/",
            "https://evil.example/",
            "/%5Cevil.example",
        ] {
            let r = app.get(&format!("/lang/fr?next={next}")).await;
            assert_eq!(r.status(), 303);
            assert_eq!(r.headers()[header::LOCATION], "/", "next={next}");
        }
        let r = app.get("/lang/xx?next=/").await;
        assert_eq!(r.status(), 303);
        assert!(
            r.headers().get(header::SET_COOKIE).is_none(),
            "unknown language"
        );
    }
);

both!(
    the_language_switch_refuses_control_characters_in_next,
    |app: TestApp| async move {
        // Browsers drop a tab or a newline from a URL: `/\t/evil.example` is
        // `//evil.example`, another host. A newline must not reach the header either.
        for next in [
            "/%09/evil.example",
            "/%0A/evil.example",
            "/%0D%0ASet-Cookie:%20x=1",
            "/%20/evil.example",
            "/%C2%A0/evil.example",
            "/a%5Cb",
        ] {
            let r = app.get(&format!("/lang/en?next={next}")).await;
            assert_eq!(r.status(), 303, "next={next}");
            assert_eq!(r.headers()[header::LOCATION], "/", "next={next}");
        }
        let r = app.get("/lang/en?next=/sponsor%3Fx%3D1").await;
        assert_eq!(r.headers()[header::LOCATION], "/sponsor?x=1");
    }
);

fn assert_secured(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let csp = h
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{what}");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
}

both!(
    every_response_carries_the_security_headers,
    |app: TestApp| async move {
        for path in [
            "/",
            "/login",
            "/no/such/page",
            "/static/app.css",
            "/api/v1/openapi.json",
            "/api/v1/trials",
            "/health",
        ] {
            let r = app.get(path).await;
            assert_secured(&r, path);
            assert!(
                r.headers().get(header::STRICT_TRANSPORT_SECURITY).is_none(),
                "no HSTS in development"
            );
        }
    }
);

#[tokio::test]
async fn production_adds_hsts() {
    let app = e2e::spawn_app_with(Backend::Sqlite, |s| {
        s.environment = platform::config::Environment::Production;
    })
    .await;
    // The login form's double-submit cookie is Secure too, like the session's.
    let r = app.get("/login").await;
    let cookie = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("inclusio_login_csrf="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    for path in ["/", "/api/v1/trials"] {
        let r = app.get(path).await;
        assert_secured(&r, path);
        assert_eq!(
            r.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
    }
}

#[tokio::test]
async fn static_assets_are_compiled_in_with_etags() {
    let app = e2e::spawn_app(Backend::Sqlite).await;
    let r = app.get("/static/app.css").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = r.headers()[header::ETAG].to_str().unwrap().to_string();
    assert!(r.text().await.unwrap().contains("--accent"));
    let r = app
        .request(reqwest::Method::GET, "/static/app.css")
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(app.get("/static/nothing.js").await.status(), 404);
    assert_eq!(app.get("/static/..%2FCargo.toml").await.status(), 404);
}
