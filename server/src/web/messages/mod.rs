//! The catalogue's messages, one file per area of the site (so that areas change
//! independently): `(key, English, French)`.

mod builder;
mod common;
mod consent;
mod coordinator;
mod dashboard;
mod plugin;
mod portal;

use super::i18n::Message;

/// Every area's messages.
pub const ALL: &[&[Message]] = &[
    common::MESSAGES,
    portal::MESSAGES,
    builder::MESSAGES,
    plugin::MESSAGES,
    consent::MESSAGES,
    coordinator::MESSAGES,
    dashboard::MESSAGES,
];
