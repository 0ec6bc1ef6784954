//! One [`TestApp`] method per endpoint of the JSON API and of CDS Hooks, named after its
//! method and path (`post_trial`, `get_referral_notes`…). Each sends the request a client
//! sends — a session cookie or a practice API key, a JSON body — and returns the response
//! for the test to check. Tests whose point is the request itself (a malformed body, a
//! missing header, a wrong method) build it with [`TestApp::request`] instead.

use crate::TestApp;
use reqwest::{Method, RequestBuilder, Response};
use serde::Serialize;
use std::fmt::Display;

/// Sends `request`; a transport failure fails the test, naming `what`.
async fn send(request: RequestBuilder, what: &str) -> Response {
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// `path` followed by `?query` when `query` is not empty.
fn with_query(path: String, query: &str) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

impl TestApp {
    /// A request with the practice API key `key` as its bearer token.
    pub fn as_practice(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(key)
    }

    /// `GET /health`.
    pub async fn get_health(&self) -> Response {
        send(self.request(Method::GET, "/health"), "GET /health").await
    }

    /// `GET /ready`.
    pub async fn get_ready(&self) -> Response {
        send(self.request(Method::GET, "/ready"), "GET /ready").await
    }

    /// `POST /api/v1/auth/login` with `body` (`{"email", "password"}`).
    pub async fn post_login(&self, body: &impl Serialize) -> Response {
        send(
            self.request(Method::POST, "/api/v1/auth/login").json(body),
            "POST /api/v1/auth/login",
        )
        .await
    }

    /// `POST /api/v1/auth/logout` as `cookie`.
    pub async fn post_logout(&self, cookie: &str) -> Response {
        send(
            self.as_user(Method::POST, "/api/v1/auth/logout", cookie),
            "POST /api/v1/auth/logout",
        )
        .await
    }

    /// `GET /api/v1/auth/me` as `cookie`.
    pub async fn get_me(&self, cookie: &str) -> Response {
        send(
            self.as_user(Method::GET, "/api/v1/auth/me", cookie),
            "GET /api/v1/auth/me",
        )
        .await
    }

    /// `POST /api/v1/organisations` with `body` as `cookie`.
    pub async fn post_organisation(&self, cookie: &str, body: &impl Serialize) -> Response {
        self.post_json(cookie, "/api/v1/organisations".into(), body)
            .await
    }

    /// `GET /api/v1/organisations` as `cookie`.
    pub async fn get_organisations(&self, cookie: &str) -> Response {
        self.get_as(cookie, "/api/v1/organisations".into()).await
    }

    /// `POST /api/v1/users` with `body` as `cookie`.
    pub async fn post_user(&self, cookie: &str, body: &impl Serialize) -> Response {
        self.post_json(cookie, "/api/v1/users".into(), body).await
    }

    /// `GET /api/v1/users?query` as `cookie` (`query` may be empty).
    pub async fn get_users(&self, cookie: &str, query: &str) -> Response {
        self.get_as(cookie, with_query("/api/v1/users".into(), query))
            .await
    }

    /// `POST /api/v1/organisations/{organisation}/api-keys` with `body` as `cookie`.
    pub async fn post_api_key(
        &self,
        cookie: &str,
        organisation: impl Display,
        body: &impl Serialize,
    ) -> Response {
        self.post_json(
            cookie,
            format!("/api/v1/organisations/{organisation}/api-keys"),
            body,
        )
        .await
    }

    /// `GET /api/v1/organisations/{organisation}/api-keys` as `cookie`.
    pub async fn get_api_keys(&self, cookie: &str, organisation: impl Display) -> Response {
        self.get_as(
            cookie,
            format!("/api/v1/organisations/{organisation}/api-keys"),
        )
        .await
    }

    /// `DELETE /api/v1/api-keys/{key}` (revokes it) as `cookie`.
    pub async fn delete_api_key(&self, cookie: &str, key: impl Display) -> Response {
        let path = format!("/api/v1/api-keys/{key}");
        send(
            self.as_user(Method::DELETE, &path, cookie),
            &format!("DELETE {path}"),
        )
        .await
    }

    /// `PUT /api/v1/organisations/{organisation}/plugin-settings` with `body` as `cookie`.
    pub async fn put_plugin_settings(
        &self,
        cookie: &str,
        organisation: impl Display,
        body: &impl Serialize,
    ) -> Response {
        self.put_json(
            cookie,
            format!("/api/v1/organisations/{organisation}/plugin-settings"),
            body,
        )
        .await
    }

    /// `POST /api/v1/trials` with `body` as `cookie`.
    pub async fn post_trial(&self, cookie: &str, body: &impl Serialize) -> Response {
        self.post_json(cookie, "/api/v1/trials".into(), body).await
    }

    /// `GET /api/v1/trials?query` as `cookie` (`query` may be empty).
    pub async fn get_trials(&self, cookie: &str, query: &str) -> Response {
        self.get_as(cookie, with_query("/api/v1/trials".into(), query))
            .await
    }

    /// `GET /api/v1/trials/{trial}` as `cookie`.
    pub async fn get_trial(&self, cookie: &str, trial: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/trials/{trial}")).await
    }

    /// `GET /api/v1/trials/{trial}/fhir` (the ResearchStudy) as `cookie`.
    pub async fn get_trial_fhir(&self, cookie: &str, trial: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/trials/{trial}/fhir"))
            .await
    }

    /// `PUT /api/v1/trials/{trial}` with `body` as `cookie`.
    pub async fn put_trial(
        &self,
        cookie: &str,
        trial: impl Display,
        body: &impl Serialize,
    ) -> Response {
        self.put_json(cookie, format!("/api/v1/trials/{trial}"), body)
            .await
    }

    /// `GET /api/v1/trials/{trial}/versions` as `cookie`.
    pub async fn get_trial_versions(&self, cookie: &str, trial: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/trials/{trial}/versions"))
            .await
    }

    /// `GET /api/v1/trials/{trial}/versions/{version}` as `cookie`.
    pub async fn get_trial_version(
        &self,
        cookie: &str,
        trial: impl Display,
        version: impl Display,
    ) -> Response {
        self.get_as(cookie, format!("/api/v1/trials/{trial}/versions/{version}"))
            .await
    }

    /// `POST /api/v1/trials/{trial}/transitions` to `to` (with `comment`) as `cookie`.
    pub async fn transition(
        &self,
        cookie: &str,
        trial: impl Display,
        to: &str,
        comment: Option<&str>,
    ) -> Response {
        self.post_json(
            cookie,
            format!("/api/v1/trials/{trial}/transitions"),
            &serde_json::json!({"to": to, "comment": comment}),
        )
        .await
    }

    /// `POST /api/v1/trials/{trial}/sites` with `body` as `cookie`.
    pub async fn post_site(
        &self,
        cookie: &str,
        trial: impl Display,
        body: &impl Serialize,
    ) -> Response {
        self.post_json(cookie, format!("/api/v1/trials/{trial}/sites"), body)
            .await
    }

    /// `GET /api/v1/trials/{trial}/sites` as `cookie`.
    pub async fn get_sites(&self, cookie: &str, trial: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/trials/{trial}/sites"))
            .await
    }

    /// `GET /api/v1/sites/{site}/coordinators` as `cookie`.
    pub async fn get_coordinators(&self, cookie: &str, site: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/sites/{site}/coordinators"))
            .await
    }

    /// `PUT /api/v1/sites/{site}/coordinators/{user}` (assigns the coordinator) as `cookie`.
    pub async fn put_coordinator(
        &self,
        cookie: &str,
        site: impl Display,
        user: impl Display,
    ) -> Response {
        let path = format!("/api/v1/sites/{site}/coordinators/{user}");
        send(
            self.as_user(Method::PUT, &path, cookie),
            &format!("PUT {path}"),
        )
        .await
    }

    /// `DELETE /api/v1/sites/{site}/coordinators/{user}` (unassigns them) as `cookie`.
    pub async fn delete_coordinator(
        &self,
        cookie: &str,
        site: impl Display,
        user: impl Display,
    ) -> Response {
        let path = format!("/api/v1/sites/{site}/coordinators/{user}");
        send(
            self.as_user(Method::DELETE, &path, cookie),
            &format!("DELETE {path}"),
        )
        .await
    }

    /// `POST /api/v1/trials/{trial}/consent-documents` with `body` as `cookie`.
    pub async fn post_consent_document(
        &self,
        cookie: &str,
        trial: impl Display,
        body: &impl Serialize,
    ) -> Response {
        self.post_json(
            cookie,
            format!("/api/v1/trials/{trial}/consent-documents"),
            body,
        )
        .await
    }

    /// `GET /api/v1/trials/{trial}/consent-documents` as `cookie`.
    pub async fn get_consent_documents(&self, cookie: &str, trial: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/trials/{trial}/consent-documents"))
            .await
    }

    /// `GET /api/v1/trials/{trial}/consent-documents/{language}/{version}` as `cookie`.
    pub async fn get_consent_document(
        &self,
        cookie: &str,
        trial: impl Display,
        language: &str,
        version: impl Display,
    ) -> Response {
        self.get_as(
            cookie,
            format!("/api/v1/trials/{trial}/consent-documents/{language}/{version}"),
        )
        .await
    }

    /// `GET /api/v1/admin/outbox?query` as `cookie` (`query` may be empty).
    pub async fn get_outbox(&self, cookie: &str, query: &str) -> Response {
        self.get_as(cookie, with_query("/api/v1/admin/outbox".into(), query))
            .await
    }

    /// `GET /api/v1/codes?query` (the code search) as `cookie`.
    pub async fn get_codes(&self, cookie: &str, query: &str) -> Response {
        self.get_as(cookie, with_query("/api/v1/codes".into(), query))
            .await
    }

    /// `POST /api/v1/criteria/preview` with `body` as `cookie`.
    pub async fn post_criteria_preview(&self, cookie: &str, body: &impl Serialize) -> Response {
        self.post_json(cookie, "/api/v1/criteria/preview".into(), body)
            .await
    }

    /// `POST /api/v1/criteria/test` with `body` as `cookie`.
    pub async fn post_criteria_test(&self, cookie: &str, body: &impl Serialize) -> Response {
        self.post_json(cookie, "/api/v1/criteria/test".into(), body)
            .await
    }

    /// `GET /api/v1/example-patients` as `cookie`.
    pub async fn get_example_patients(&self, cookie: &str) -> Response {
        self.get_as(cookie, "/api/v1/example-patients".into()).await
    }

    /// `GET /api/v1/plugin/bundle` with the practice API key `key`.
    pub async fn get_bundle(&self, key: &str) -> Response {
        self.get_as_practice(key, "/api/v1/plugin/bundle").await
    }

    /// `GET /api/v1/plugin/suppressions` with the practice API key `key`.
    pub async fn get_suppressions(&self, key: &str) -> Response {
        self.get_as_practice(key, "/api/v1/plugin/suppressions")
            .await
    }

    /// `GET /api/v1/plugin/settings` with the practice API key `key`.
    pub async fn get_plugin_settings(&self, key: &str) -> Response {
        self.get_as_practice(key, "/api/v1/plugin/settings").await
    }

    /// `GET /api/v1/plugin/outcomes?query` with the practice API key `key`.
    pub async fn get_outcomes(&self, key: &str, query: &str) -> Response {
        self.get_as_practice(key, &with_query("/api/v1/plugin/outcomes".into(), query))
            .await
    }

    /// `POST /api/v1/events` with `events` and the practice API key `key`.
    pub async fn post_events(&self, key: &str, events: &[serde_json::Value]) -> Response {
        send(
            self.as_practice(Method::POST, "/api/v1/events", key)
                .json(&serde_json::json!({ "events": events })),
            "POST /api/v1/events",
        )
        .await
    }

    /// `POST /api/v1/match` with `body` and the practice API key `key`.
    pub async fn post_match(&self, key: &str, body: &impl Serialize) -> Response {
        send(
            self.as_practice(Method::POST, "/api/v1/match", key)
                .json(body),
            "POST /api/v1/match",
        )
        .await
    }

    /// `GET /popup/{token}`: the pop-up page (no key: the token is the authority).
    pub async fn get_popup(&self, token: &str) -> Response {
        send(
            self.request(Method::GET, &format!("/popup/{token}")),
            "GET /popup/{token}",
        )
        .await
    }

    /// `POST /popup/{token}/answer` with `body` (no key: the token is the authority).
    pub async fn post_popup_answer(&self, token: &str, body: &impl Serialize) -> Response {
        send(
            self.request(Method::POST, &format!("/popup/{token}/answer"))
                .json(body),
            "POST /popup/{token}/answer",
        )
        .await
    }

    /// `GET /api/v1/referrals?query` as `cookie` (`query` may be empty).
    pub async fn get_referrals(&self, cookie: &str, query: &str) -> Response {
        self.get_as(cookie, with_query("/api/v1/referrals".into(), query))
            .await
    }

    /// `GET /api/v1/referrals/{referral}` as `cookie`.
    pub async fn get_referral(&self, cookie: &str, referral: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/referrals/{referral}"))
            .await
    }

    /// `POST /api/v1/referrals/{referral}/status` with `body` as `cookie`.
    pub async fn post_referral_status(
        &self,
        cookie: &str,
        referral: impl Display,
        body: &impl Serialize,
    ) -> Response {
        self.post_json(cookie, format!("/api/v1/referrals/{referral}/status"), body)
            .await
    }

    /// `GET /api/v1/referrals/{referral}/notes` as `cookie`.
    pub async fn get_referral_notes(&self, cookie: &str, referral: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/referrals/{referral}/notes"))
            .await
    }

    /// `POST /api/v1/referrals/{referral}/notes` with `body` as `cookie`.
    pub async fn post_referral_note(
        &self,
        cookie: &str,
        referral: impl Display,
        body: &impl Serialize,
    ) -> Response {
        self.post_json(cookie, format!("/api/v1/referrals/{referral}/notes"), body)
            .await
    }

    /// `GET /api/v1/referrals/{referral}/consent.pdf` as `cookie`.
    pub async fn get_referral_consent_pdf(&self, cookie: &str, referral: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/referrals/{referral}/consent.pdf"))
            .await
    }

    /// `GET /api/v1/referrals/{referral}/fhir` (the ServiceRequest) as `cookie`.
    pub async fn get_referral_fhir(&self, cookie: &str, referral: impl Display) -> Response {
        self.get_as(cookie, format!("/api/v1/referrals/{referral}/fhir"))
            .await
    }

    /// `GET /cds-services` (the discovery document).
    pub async fn get_cds_services(&self) -> Response {
        send(
            self.request(Method::GET, "/cds-services"),
            "GET /cds-services",
        )
        .await
    }

    /// `POST /cds-services/{service}` with `body` and the CDS client's JWT `jwt`.
    pub async fn post_cds_service(
        &self,
        service: &str,
        jwt: &str,
        body: &impl Serialize,
    ) -> Response {
        let path = format!("/cds-services/{service}");
        send(
            self.request(Method::POST, &path)
                .bearer_auth(jwt)
                .json(body),
            &format!("POST {path}"),
        )
        .await
    }

    /// `POST /cds-services/{service}/feedback` with `body` and the CDS client's JWT `jwt`.
    pub async fn post_cds_feedback(
        &self,
        service: &str,
        jwt: &str,
        body: &impl Serialize,
    ) -> Response {
        let path = format!("/cds-services/{service}/feedback");
        send(
            self.request(Method::POST, &path)
                .bearer_auth(jwt)
                .json(body),
            &format!("POST {path}"),
        )
        .await
    }

    /// `GET path` as `cookie`.
    async fn get_as(&self, cookie: &str, path: String) -> Response {
        send(
            self.as_user(Method::GET, &path, cookie),
            &format!("GET {path}"),
        )
        .await
    }

    /// `GET path` with the practice API key `key`.
    async fn get_as_practice(&self, key: &str, path: &str) -> Response {
        send(
            self.as_practice(Method::GET, path, key),
            &format!("GET {path}"),
        )
        .await
    }

    /// `POST path` with the JSON `body` as `cookie`.
    async fn post_json(&self, cookie: &str, path: String, body: &impl Serialize) -> Response {
        send(
            self.as_user(Method::POST, &path, cookie).json(body),
            &format!("POST {path}"),
        )
        .await
    }

    /// `PUT path` with the JSON `body` as `cookie`.
    async fn put_json(&self, cookie: &str, path: String, body: &impl Serialize) -> Response {
        send(
            self.as_user(Method::PUT, &path, cookie).json(body),
            &format!("PUT {path}"),
        )
        .await
    }
}
