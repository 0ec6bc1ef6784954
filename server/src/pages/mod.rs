//! Server-rendered pages: one askama struct per page (templates in `templates/`), thin
//! handlers. Shared chrome, language and errors are in `crate::web`.

pub mod home;
pub mod lang;

/// Registers every page and the static assets (HTML, not part of the OpenAPI document).
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(crate::web::assets::asset)
        .service(home::home)
        .service(lang::switch);
}
