//! What every server-rendered page shares: the reader's language ([`lang`]), the message
//! catalogue ([`i18n`]), the page context with the logged-in user and CSRF token
//! ([`context`]) and the static assets compiled into the binary ([`assets`]). The pages
//! themselves live in `crate::pages`, one askama struct per page, templates in `templates/`
//! at the workspace root.

pub mod assets;
pub mod context;
pub mod i18n;
pub mod lang;
pub mod messages;
