//! The recruitment flow over HTTP, as the consent, worklist, dashboard and coordinator
//! browser tests set it up: users, trials made recruiting, sites with their coordinators,
//! practice API keys, an accepted alert's consent link and the consent form a patient posts.
//! Every helper asserts that the server accepted what it posted.

use crate::{PASSWORD, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// The body of a successful response as JSON (`Null` when it is not JSON); fails the test,
/// with the status and the body, when the response is not a success.
pub async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The body of a response as JSON, whatever its status.
pub async fn json(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// The status of a response and its body as JSON.
pub async fn status_json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// A page as a browser receives it: status, `Location`, body and the cookies it sets.
pub struct Page {
    /// The status code.
    pub status: u16,
    /// The `Location` header (empty when absent).
    pub location: String,
    /// The body.
    pub body: String,
    /// Every `Set-Cookie` header.
    pub cookies: Vec<String>,
}

impl Page {
    /// Reads a response as a [`Page`].
    pub async fn read(r: reqwest::Response) -> Page {
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let cookies = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        Page {
            status,
            location,
            body: r.text().await.unwrap(),
            cookies,
        }
    }
}

impl TestApp {
    /// `GET`s the page `path` with the `Cookie` header `cookie` (none when empty).
    pub async fn page(&self, path: &str, cookie: &str) -> Page {
        let mut req = self.request(Method::GET, path);
        if !cookie.is_empty() {
            req = req.header(reqwest::header::COOKIE, cookie);
        }
        Page::read(req.send().await.unwrap()).await
    }

    /// Posts the form `fields` (URL-encoded, in that order) to the page `path` with the
    /// `Cookie` header `cookie` (none when empty).
    pub async fn post_page(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Page {
        let url_encode = server::http::assets::url_encode;
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = self
            .request(Method::POST, path)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        if !cookie.is_empty() {
            req = req.header(reqwest::header::COOKIE, cookie);
        }
        Page::read(req.send().await.unwrap()).await
    }
}

/// The id of the user whose session `cookie` is (from `GET /api/v1/auth/me`).
pub async fn user_id(app: &TestApp, cookie: &str) -> String {
    ok(app.get_me(cookie).await).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Seeds an administrator, then a sponsor of a new organisation "Cardio Research", and logs
/// both in; returns their session cookies `(admin, sponsor)`.
pub async fn admin_and_sponsor(app: &TestApp) -> (String, String) {
    let admin = app.logged_in("admin").await;
    let org = app.seed_organisation("Cardio Research", "sponsor").await;
    let sponsor = app.logged_in_at("sponsor", Some(org)).await;
    (admin, sponsor)
}

/// Creates a trial (`POST /api/v1/trials` with `body`) as `sponsor`; returns its id.
pub async fn create_trial(app: &TestApp, sponsor: &str, body: Value) -> String {
    ok(app.post_trial(sponsor, &body).await).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Creates the example trial `name` (its definition alone) as `sponsor` and takes it to
/// recruiting; returns its id.
pub async fn recruiting_example(app: &TestApp, admin: &str, sponsor: &str, name: &str) -> String {
    let id = create_trial(
        app,
        sponsor,
        json!({"definition": crate::example_trial(name)}),
    )
    .await;
    start_recruiting(app, admin, sponsor, &id).await;
    id
}

/// Takes `trial` from draft to recruiting: submitted by `sponsor`, approved by `admin`,
/// recruiting by `sponsor`, each step answered 200.
pub async fn start_recruiting(app: &TestApp, admin: &str, sponsor: &str, trial: &str) {
    for (cookie, to) in [
        (sponsor, "submitted"),
        (admin, "approved"),
        (sponsor, "recruiting"),
    ] {
        let r = app.transition(cookie, trial, to, None).await;
        assert_eq!(
            r.status(),
            200,
            "{trial} to {to}: {}",
            r.text().await.unwrap()
        );
    }
}

/// The example trial `name` made recruiting by a sponsor of its own (organisation
/// "Sponsor NAME") with `admin`'s approval; returns its id.
pub async fn sponsored_example(app: &TestApp, admin: &str, name: &str) -> String {
    let org = app
        .seed_organisation(&format!("Sponsor {name}"), "sponsor")
        .await;
    let sponsor = app.logged_in_at("sponsor", Some(org)).await;
    recruiting_example(app, admin, &sponsor, name).await
}

/// A recruiting trial ready for consent: the example trial `name` with enrolment target
/// `target`, a registry number, patient information ("It lasts six months."), two
/// comprehension questions (answers: "Yes", "6 months") and consent documents in French and
/// English ("Consent (fr)." / "Consent (en)."). Returns its id.
pub async fn recruiting_trial(
    app: &TestApp,
    admin: &str,
    sponsor: &str,
    name: &str,
    target: i32,
) -> String {
    let id = create_trial(
        app,
        sponsor,
        json!({"definition": crate::example_trial(name), "target_enrolment": target,
        "registry_number": "NCT01234567",
        "patient_information": "The trial compares two treatments.\n\nIt lasts six months.",
        "comprehension_questions": [
            {"text": "Can you stop at any time?", "options": ["No", "Yes"], "answer": 1},
            {"text": "How long does it last?", "options": ["6 months", "5 years"], "answer": 0}
        ]}),
    )
    .await;
    for lang in ["fr", "en"] {
        ok(app.post_consent_document(sponsor, &id, &json!({"language": lang, "body": format!("Consent ({lang}).\n\nYou may withdraw at any time: é à ç « »."), "label": "v1.0"})).await).await;
    }
    start_recruiting(app, admin, sponsor, &id).await;
    id
}

/// The address of the sites [`site`] creates.
pub const SITE_ADDRESS: &str = "1 rue de l'Hôpital";

/// A trial's site and its coordinator.
pub struct Site {
    /// The site's id.
    pub id: String,
    /// The coordinator's email (the password is [`PASSWORD`]).
    pub coordinator: String,
    /// The coordinator's session cookie.
    pub cookie: String,
}

/// [`site_with_address`] at [`SITE_ADDRESS`].
pub async fn site(
    app: &TestApp,
    sponsor: &str,
    trial: &str,
    name: &str,
    at: Option<(f64, f64)>,
) -> Site {
    site_with_address(app, sponsor, trial, name, SITE_ADDRESS, at).await
}

/// Creates a site organisation `name`, the trial's site `name` at `address` (with its
/// `(latitude, longitude)` when `at` is given) for it, and a coordinator of that
/// organisation, logged in and assigned to the site by `sponsor`.
pub async fn site_with_address(
    app: &TestApp,
    sponsor: &str,
    trial: &str,
    name: &str,
    address: &str,
    at: Option<(f64, f64)>,
) -> Site {
    let org = app.seed_organisation(name, "site").await;
    let mut body = json!({"name": name, "address": address, "organisation_id": org});
    if let Some((latitude, longitude)) = at {
        body["latitude"] = json!(latitude);
        body["longitude"] = json!(longitude);
    }
    let id = ok(app.post_site(sponsor, &trial, &body).await).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let coordinator = app.seed_user("coordinator", Some(org)).await;
    let cookie = app.login(&coordinator, PASSWORD).await;
    let uid = user_id(app, &cookie).await;
    let r = app.put_coordinator(sponsor, &id, &uid).await;
    assert_eq!(r.status(), 204);
    Site {
        id,
        coordinator,
        cookie,
    }
}

/// A new API key (labelled "poste 1") of the practice `organisation`, created by `admin`.
pub async fn api_key(app: &TestApp, admin: &str, organisation: Uuid) -> String {
    ok(app
        .post_api_key(admin, &organisation, &json!({"label": "poste 1"}))
        .await)
    .await["key"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The pseudonym of patient `n`: its byte in hex, 32 times (64 hex digits).
pub fn pseudonym(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

/// Accepts an alert of `trial` for patient `n` through the practice of `key`, at
/// 2026-11-24T09:30:00.123456Z; returns the consent link's path.
pub async fn accept(app: &TestApp, key: &str, trial: &str, n: u8) -> String {
    accept_at(app, key, trial, n, "2026-11-24T09:30:00.123456Z").await
}

/// [`accept`] with the event's time `at` (RFC 3339).
pub async fn accept_at(app: &TestApp, key: &str, trial: &str, n: u8, at: &str) -> String {
    let r = ok(app
        .post_events(
            key,
            &[json!({
            "id": Uuid::now_v7(), "alert_id": Uuid::now_v7(), "trial": trial, "trial_version": 1,
            "patient": pseudonym(n), "verdict": "eligible", "response": "accepted",
            "at": at})],
        )
        .await)
    .await;
    let url = r["results"][0]["consent_url"].as_str().unwrap();
    url[url.find("/consent/").unwrap()..].to_string()
}

/// The value of the `document_id` input of a consent page (the consent document's id).
pub fn document_id(html: &str) -> String {
    let at = html.find("name=\"document_id\"").unwrap();
    let v = &html[at..];
    let start = v.find("value=\"").unwrap() + 7;
    v[start..start + 36].to_string()
}

/// The `value` of the first input named `name` in `html`.
pub fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no input {name}"));
    let rest = &html[at..];
    let v = rest.split("value=\"").nth(1).unwrap();
    v.split('"').next().unwrap().to_string()
}

/// The one number a query selects as `n` (`SELECT COUNT(*) AS n FROM …`).
pub async fn number(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The number of rows of `table`.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    number(app, &format!("SELECT COUNT(*) AS n FROM {table}")).await
}

/// The statements a patient ticks on the consent form (the server's list).
pub use server::enrolment::consent::form::STATEMENTS;

/// A consent form of `fields`, in that order, followed by every one of [`STATEMENTS`]
/// ticked.
pub fn consent_form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .copied()
        .chain(STATEMENTS.iter().map(|s| ("statement", *s)))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The consent form of Élodie Zyxwvu (born 1961-04-02, +33 6 12 34 56 78, signing
/// "Elodie ZYXWVU", her GP Dr Anne Petit), complete and valid for a trial of
/// [`recruiting_trial`]: document `doc`, site `site`, her email if any (else empty).
pub fn form(doc: &str, site: &str, email: Option<&str>) -> Vec<(String, String)> {
    consent_form(&[
        ("document_id", doc),
        ("identity_method", "id_card"),
        ("q0", "1"),
        ("q1", "0"),
        ("given_name", "Élodie"),
        ("family_name", "Zyxwvu"),
        ("birth_date", "1961-04-02"),
        ("phone", "+33 6 12 34 56 78"),
        ("email", email.unwrap_or("")),
        ("signature", "Elodie ZYXWVU"),
        ("gp_name", "Dr Anne Petit"),
        ("gp_attest", "yes"),
        ("site_id", site),
    ])
}

/// The form `f` with field `k` set to `v` alone (its other values removed, `k` moved last).
pub fn with(mut f: Vec<(String, String)>, k: &str, v: &str) -> Vec<(String, String)> {
    f.retain(|(n, _)| n != k);
    f.push((k.into(), v.into()));
    f
}

/// Posts the form `f` to `path` (a consent link), without a session.
pub async fn submit(app: &TestApp, path: &str, f: &[(String, String)]) -> reqwest::Response {
    app.request(Method::POST, path)
        .form(f)
        .send()
        .await
        .unwrap()
}

/// The token of an alert's `popup_url` (the last segment of the address).
pub fn popup_token(alert: &Value) -> String {
    alert["popup_url"]
        .as_str()
        .and_then(|u| u.rsplit('/').next())
        .expect("a popup_url")
        .to_string()
}
