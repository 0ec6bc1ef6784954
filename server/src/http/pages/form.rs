//! What the page forms share: rendering a page with a status, and redirects after a
//! successful post.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

/// Renders a page with a status.
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
