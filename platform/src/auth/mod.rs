//! Authentication and authorisation. Web users log in with email and password (argon2id)
//! and carry a signed session cookie; EHR plugins send `Authorization: Bearer <practice
//! API key>`. Every route takes a [`Principal`] and checks its role with [`Principal::require`].
//!
//! JSON routes are safe from cross-site requests because they accept only
//! `application/json` bodies (a cross-site form cannot send one without a CORS preflight,
//! which the server never grants) and the cookie is `SameSite=Lax`; HTML forms (later pages)
//! carry a [`csrf`] token bound to the session.

pub mod api_key;
pub mod csrf;
pub mod password;
mod principal;
pub mod session;
pub mod throttle;

pub use principal::{Principal, Role, UserPrincipal};
