//! The catalogue's messages, one file per area of the site (so that areas change
//! independently): `(key, English, French)`.

mod common;
mod consent;
mod coordinator;
mod criteria_builder;
mod dashboard;
mod plugin;
mod portal;

use super::Message;

/// Every area's messages.
pub const ALL: &[&[Message]] = &[
    common::MESSAGES,
    portal::MESSAGES,
    criteria_builder::MESSAGES,
    plugin::MESSAGES,
    consent::MESSAGES,
    coordinator::MESSAGES,
    dashboard::MESSAGES,
];
