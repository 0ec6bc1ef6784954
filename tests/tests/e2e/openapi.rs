//! The OpenAPI document, the Swagger UI page, and `docs/errors.md`: the document lists
//! exactly the routes the server registers, with their methods and security; the docs page
//! serves its own (vendored) assets; every error code is documented.

use e2e::{Backend, TestApp, both, spawn_app};
use platform::error::ApiError;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every route of `server::http::routes::configure`, in OpenAPI path syntax. Written once here; the
/// tests compare it exactly, both ways, with the document and with the handlers' source.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/ready"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/organisations"),
    ("GET", "/api/v1/organisations"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/organisations/{id}/api-keys"),
    ("GET", "/api/v1/organisations/{id}/api-keys"),
    ("DELETE", "/api/v1/api-keys/{id}"),
    ("POST", "/api/v1/trials"),
    ("GET", "/api/v1/trials"),
    ("GET", "/api/v1/trials/{id}"),
    ("PUT", "/api/v1/trials/{id}"),
    ("GET", "/api/v1/trials/{id}/fhir"),
    ("GET", "/api/v1/trials/{id}/versions"),
    ("GET", "/api/v1/trials/{id}/versions/{version}"),
    ("POST", "/api/v1/trials/{id}/transitions"),
    ("POST", "/api/v1/trials/{id}/sites"),
    ("GET", "/api/v1/trials/{id}/sites"),
    ("GET", "/api/v1/sites/{id}/coordinators"),
    ("PUT", "/api/v1/sites/{id}/coordinators/{user_id}"),
    ("DELETE", "/api/v1/sites/{id}/coordinators/{user_id}"),
    ("POST", "/api/v1/trials/{id}/consent-documents"),
    ("GET", "/api/v1/trials/{id}/consent-documents"),
    (
        "GET",
        "/api/v1/trials/{id}/consent-documents/{language}/{version}",
    ),
    ("GET", "/api/v1/admin/outbox"),
    ("GET", "/api/v1/codes"),
    ("POST", "/api/v1/criteria/preview"),
    ("POST", "/api/v1/criteria/test"),
    ("GET", "/api/v1/example-patients"),
    ("GET", "/api/v1/plugin/bundle"),
    ("PUT", "/api/v1/organisations/{id}/plugin-settings"),
    ("GET", "/api/v1/plugin/suppressions"),
    ("GET", "/api/v1/plugin/settings"),
    ("POST", "/api/v1/events"),
    ("POST", "/api/v1/match"),
    ("GET", "/api/v1/referrals"),
    ("GET", "/api/v1/referrals/{id}"),
    ("POST", "/api/v1/referrals/{id}/status"),
    ("GET", "/api/v1/referrals/{id}/notes"),
    ("POST", "/api/v1/referrals/{id}/notes"),
    ("GET", "/api/v1/referrals/{id}/consent.pdf"),
    ("GET", "/api/v1/referrals/{id}/fhir"),
    ("GET", "/api/v1/plugin/outcomes"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn routes() -> BTreeSet<(String, String)> {
    let set: BTreeSet<_> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(set.len(), ROUTES.len(), "ROUTES lists a route twice");
    set
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

async fn document(app: &TestApp) -> Value {
    let r = app.get("/api/v1/openapi.json").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).expect("openapi.json is JSON")
}

/// `(METHOD, path)` of every operation of the document.
fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                ops.insert((method.to_uppercase(), path.clone()), op.clone());
            }
        }
    }
    ops
}

fn diff(a: &BTreeSet<(String, String)>, b: &BTreeSet<(String, String)>) -> Vec<String> {
    a.difference(b).map(|(m, p)| format!("{m} {p}")).collect()
}

/// The routes as the server's source registers them: the actix attribute macro of every
/// handler named in `routes::configure`, its `{name:regex}` segments written `{name}`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = workspace().join("server/src/http/routes");
    let mut handlers = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let module = path.file_stem().unwrap().to_str().unwrap().to_string();
        let source = std::fs::read_to_string(&path).unwrap();
        let mut pending: Option<(String, String)> = None;
        for line in source.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("#[")
                && let Some((method, args)) = rest.split_once("(\"")
                && METHODS.contains(&method)
            {
                let route = args.split('"').next().unwrap();
                pending = Some((method.to_uppercase(), openapi_syntax(route)));
            } else if let Some(rest) = line.strip_prefix("pub async fn ")
                && let Some(route) = pending.take()
            {
                let name = rest.split('(').next().unwrap();
                handlers.insert(format!("{module}::{name}"), route);
            }
        }
    }
    let configure = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    let registered: Vec<&str> = configure
        .split(".service(")
        .skip(1)
        .map(|s| s.split(')').next().unwrap().trim())
        .collect();
    assert!(!registered.is_empty(), "no .service(…) in routes/mod.rs");
    registered
        .iter()
        .map(|h| {
            handlers
                .get(*h)
                .unwrap_or_else(|| panic!("no route macro found for handler {h}"))
                .clone()
        })
        .collect()
}

/// `/a/{id:\d+}` → `/a/{id}`.
fn openapi_syntax(route: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    let mut skipping = false;
    for c in route.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push(c);
            }
            '}' if in_param => {
                in_param = false;
                skipping = false;
                out.push(c);
            }
            ':' if in_param => skipping = true,
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn the_list_of_routes_is_the_one_the_server_registers() {
    let source = routes_in_source();
    let listed = routes();
    assert!(
        source == listed,
        "registered but not in ROUTES: {:?}; in ROUTES but not registered: {:?}",
        diff(&source, &listed),
        diff(&listed, &source)
    );
}

#[tokio::test]
async fn the_document_lists_exactly_the_registered_routes() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "openapi: {}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Inclusio API");
    let documented: BTreeSet<_> = operations(&doc).into_keys().collect();
    let listed = routes();
    assert!(
        documented == listed,
        "registered but undocumented: {:?}; documented but not registered: {:?}",
        diff(&listed, &documented),
        diff(&documented, &listed)
    );
}

#[tokio::test]
async fn operations_are_documented_with_responses_parameters_and_security() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = document(&app).await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session_cookie"]["type"], "apiKey");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "inclusio_session");
    assert_eq!(schemes["practice_api_key"]["type"], "http");
    assert_eq!(schemes["practice_api_key"]["scheme"], "bearer");
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert!(error.is_object(), "ErrorBody schema");
    let public = [
        "/health",
        "/ready",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
    ];
    for ((method, path), op) in operations(&doc) {
        let at = format!("{method} {path}");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{at}: no success response"
        );
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(
                    schema, "#/components/schemas/ErrorBody",
                    "{at} {status}: the error shape"
                );
            }
        }
        // Every path parameter is declared.
        let declared: BTreeSet<String> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let in_path: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap().to_string())
            .collect();
        assert_eq!(declared, in_path, "{at}: path parameters");
        // Every POST and PUT takes a JSON body, but logging out and adding a coordinator.
        let no_body = path.ends_with("/logout") || path.ends_with("/coordinators/{user_id}");
        if matches!(method.as_str(), "POST" | "PUT") && !no_body {
            assert!(
                op["requestBody"]["content"]["application/json"].is_object(),
                "{at}: request body"
            );
        }
        let security: BTreeSet<String> = op["security"]
            .as_array()
            .map(|reqs| {
                reqs.iter()
                    .flat_map(|r| r.as_object().unwrap().keys().cloned())
                    .collect()
            })
            .unwrap_or_default();
        let expected: BTreeSet<String> = match path.as_str() {
            p if public.contains(&p) => BTreeSet::new(),
            "/api/v1/auth/me" => ["session_cookie", "practice_api_key"]
                .map(String::from)
                .into(),
            "/api/v1/plugin/bundle"
            | "/api/v1/plugin/suppressions"
            | "/api/v1/plugin/settings"
            | "/api/v1/plugin/outcomes"
            | "/api/v1/events"
            | "/api/v1/match" => ["practice_api_key".to_string()].into(),
            _ => ["session_cookie".to_string()].into(),
        };
        assert_eq!(security, expected, "{at}: security");
        if !expected.is_empty() {
            assert!(responses.contains_key("401"), "{at}: 401 documented");
        }
    }
}

// What the document says about security is what the server does: without credentials, a
// secured route answers 401 `unauthenticated`, and a public one does not.
both!(
    documented_security_matches_the_server,
    |app: TestApp| async move {
        let doc = document(&app).await;
        for ((method, path), op) in operations(&doc) {
            let url = path
                .replace("{id}", &uuid::Uuid::now_v7().to_string())
                .replace("{user_id}", &uuid::Uuid::now_v7().to_string())
                .replace("{version}", "1")
                .replace("{language}", "fr");
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = app.request(method.clone(), &url).send().await.unwrap();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                assert_eq!(r.status(), 401, "{method} {path}");
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["error"]["code"], "unauthenticated", "{method} {path}");
            } else {
                assert_ne!(r.status(), 401, "{method} {path}");
            }
        }
    }
);

/// The `href` and `src` values of an HTML page.
fn asset_links(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            links.push(part.split('"').next().unwrap().to_string());
        }
    }
    links
}

#[tokio::test]
async fn the_docs_page_serves_its_own_vendored_assets() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/api/v1/docs/").await;
    assert_eq!(r.status(), 200);
    let content_type = r.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "a Swagger UI page");
    let links = asset_links(&html);
    assert!(
        links.iter().any(|l| l.ends_with("swagger-ui-bundle.js")),
        "{links:?}"
    );
    for link in &links {
        assert!(
            !link.contains("//") && !link.starts_with('/'),
            "{link}: assets are served by the server itself, next to the page"
        );
        let r = app
            .get(&format!("/api/v1/docs/{}", link.trim_start_matches("./")))
            .await;
        assert_eq!(r.status(), 200, "{link}");
        assert!(!r.bytes().await.unwrap().is_empty(), "{link}");
    }
    let r = app.get("/api/v1/docs/swagger-initializer.js").await;
    assert_eq!(r.status(), 200);
    let js = r.text().await.unwrap();
    assert!(
        js.contains("/api/v1/openapi.json"),
        "the UI loads our document"
    );
}

fn errors_md() -> String {
    std::fs::read_to_string(workspace().join("docs/errors.md")).expect("docs/errors.md")
}

/// The table rows of `docs/errors.md`, as cells.
fn table_rows(md: &str) -> Vec<Vec<String>> {
    md.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn every_error_code_is_in_docs_errors_md_with_its_status() {
    let rows = table_rows(&errors_md());
    for (code, status) in ApiError::all_codes() {
        let cell = format!("`{code}`");
        assert!(
            rows.iter()
                .any(|r| r.first() == Some(&cell) && r.get(1) == Some(&status.to_string())),
            "docs/errors.md has no row `| `{code}` | {status} | … |`"
        );
    }
}

/// The detail codes the server's source adds: the second argument of `invalid(…)`,
/// `detail(…)` and `Detail::new(…)`, and `code: "…"` fields.
fn server_detail_codes() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let mut files = vec![workspace().join("platform/src/accounts.rs")];
    for entry in std::fs::read_dir(workspace().join("server/src/registry")).unwrap() {
        files.push(entry.unwrap().path());
    }
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for part in source.split("code: \"").skip(1) {
            codes.insert(part.split('"').next().unwrap().to_string());
        }
        for call in ["invalid(", "detail(", "Detail::new("] {
            for part in source.split(call).skip(1) {
                if let Some(arg) = second_argument(part)
                    && let Some(code) = arg.strip_prefix('"').and_then(|a| a.strip_suffix('"'))
                {
                    codes.insert(code.to_string());
                }
            }
        }
    }
    codes
}

/// The second top-level argument of a call whose text follows its `(`.
fn second_argument(args: &str) -> Option<String> {
    let mut depth = 0;
    let mut in_string = false;
    let mut index = 0;
    let mut current = String::new();
    for c in args.chars() {
        match c {
            '"' => in_string = !in_string,
            '(' | '[' | '{' if !in_string => depth += 1,
            ')' | ']' | '}' if !in_string => {
                if depth == 0 {
                    return (index == 1).then(|| current.trim().to_string());
                }
                depth -= 1;
            }
            ',' if !in_string && depth == 0 => {
                if index == 1 {
                    return Some(current.trim().to_string());
                }
                index += 1;
                current.clear();
                continue;
            }
            _ => {}
        }
        if index == 1 {
            current.push(c);
        }
    }
    None
}

#[test]
fn every_validation_detail_code_is_in_docs_errors_md() {
    let documented: BTreeSet<String> = table_rows(&errors_md())
        .into_iter()
        .filter_map(|r| r.first().cloned())
        .map(|c| c.trim_matches('`').to_string())
        .collect();
    let server = server_detail_codes();
    for expected in [
        "invalid_email",
        "password_too_short",
        "malformed_definition",
    ] {
        assert!(
            server.contains(expected),
            "the source scan found {server:?}"
        );
    }
    // The criteria engine's codes, as trials/README.md lists them.
    let readme = std::fs::read_to_string(workspace().join("trials/README.md")).unwrap();
    let validation = readme
        .split("## Validation")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let engine: BTreeSet<String> = table_rows(validation)
        .into_iter()
        .filter_map(|r| r.first().cloned())
        .map(|c| c.trim_matches('`').to_string())
        .filter(|c| c != "code")
        .collect();
    assert!(engine.contains("age_no_bounds"), "{engine:?}");
    let missing: Vec<_> = server
        .union(&engine)
        .filter(|c| !documented.contains(*c))
        .collect();
    assert!(missing.is_empty(), "not in docs/errors.md: {missing:?}");
}

// Statuses the server answers are in the document: a malformed query on the outcomes feed
// and the trial list (400), an organisation id that is not a UUID (404).
#[tokio::test]
async fn answered_statuses_are_documented() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = document(&app).await;
    let ops = operations(&doc);
    let admin = app.logged_in("admin").await;
    let practice = app.seed_organisation("Cabinet", "practice").await;
    let key = e2e::flow::api_key(&app, &admin, practice).await;
    let cases = [
        (
            "/api/v1/plugin/outcomes?since=yesterday",
            "/api/v1/plugin/outcomes",
            400,
        ),
        ("/api/v1/trials?sponsor=not-a-uuid", "/api/v1/trials", 400),
        (
            "/api/v1/organisations/not-a-uuid/api-keys",
            "/api/v1/organisations/{id}/api-keys",
            404,
        ),
    ];
    for (url, path, status) in cases {
        let req = app.request(reqwest::Method::GET, url);
        let req = if path.starts_with("/api/v1/plugin") {
            req.bearer_auth(&key)
        } else {
            req.header(reqwest::header::COOKIE, &admin)
        };
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{url}");
        let op = &ops[&("GET".to_string(), path.to_string())];
        assert!(
            op["responses"][status.to_string()].is_object(),
            "GET {path}: {status} is not documented"
        );
    }
}
