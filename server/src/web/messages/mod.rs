//! The catalogue's messages, one file per area of the site (so that areas change
//! independently): `(key, English, French)`.

mod common;

use super::i18n::Message;

/// Every area's messages.
pub const ALL: &[&[Message]] = &[common::MESSAGES];
