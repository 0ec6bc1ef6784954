//! The HTTP edge: the application and its middleware ([`startup`], [`cors`]), the JSON API
//! ([`routes`]) and its OpenAPI document ([`openapi`]), the server-rendered pages ([`pages`],
//! one askama struct per page, templates in `templates/` at the workspace root), what every
//! page shares ([`context`]: the reader, the language, the CSRF token) and the static assets
//! compiled into the binary ([`assets`]). Features never import this module.

pub mod assets;
pub mod context;
pub mod cors;
pub mod openapi;
pub mod pages;
pub mod routes;
pub mod security;
pub mod startup;
