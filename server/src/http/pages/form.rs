//! What the page forms share: posted fields as pairs, rendering a page with a status, and
//! redirects after a successful post.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

/// A posted form, as its `(name, value)` pairs in order.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, or the empty string.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Renders a page with a status (askama_web's responder always answers 200).
pub fn render<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "template");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// `303 See Other` to a local path.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}
