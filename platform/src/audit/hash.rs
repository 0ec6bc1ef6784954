//! How a row's hash is computed: `hex(SHA-256(encoding))`, where the encoding is a version
//! tag, the previous row's hash, then the row's content in a fixed order, every field
//! length-prefixed so that no two different rows encode alike (`("ab", "c")` and
//! `("a", "bc")` differ). `seq` is not hashed: it is the database's, and may have gaps.
//!
//! Each field is one byte `0` when absent (SQL `NULL`), or one byte `1`, its length in bytes
//! as a big-endian `u64`, and its UTF-8 bytes. The fields, in order: the version tag
//! [`VERSION`], `prev_hash`, `at` (RFC 3339 in UTC with microseconds, e.g.
//! `2026-11-23T09:30:00.123456Z`), `actor_kind`, `actor_id`, `action`, `entity`,
//! `entity_id`, `before`, `after` (the stored JSON text).

use crate::entities::audit_log;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The first field of every encoding; a new encoding gets a new tag.
pub const VERSION: &str = "inclusio.audit.v1";

/// The hashed content of a row: every column but `seq`, `prev_hash` and `hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content<'a> {
    /// When the row was written (hashed at microsecond precision).
    pub at: &'a DateTime<Utc>,
    /// `user`, `practice` or `system`, as stored.
    pub actor_kind: &'a str,
    /// The actor's id, if any.
    pub actor_id: Option<&'a str>,
    /// What was done.
    pub action: &'a str,
    /// The kind of thing it was done to.
    pub entity: &'a str,
    /// Which one.
    pub entity_id: &'a str,
    /// The stored JSON text of the state before.
    pub before: Option<&'a str>,
    /// The stored JSON text of the state after.
    pub after: Option<&'a str>,
}

impl<'a> Content<'a> {
    /// The content of a stored row.
    pub fn of(row: &'a audit_log::Model) -> Content<'a> {
        Content {
            at: &row.at,
            actor_kind: &row.actor_kind,
            actor_id: row.actor_id.as_deref(),
            action: &row.action,
            entity: &row.entity,
            entity_id: &row.entity_id,
            before: row.before.as_deref(),
            after: row.after.as_deref(),
        }
    }
}

/// The bytes that are hashed for a row chained to `prev_hash`.
pub fn encode(prev_hash: &str, content: &Content<'_>) -> Vec<u8> {
    let at = content.at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let fields = [
        Some(VERSION),
        Some(prev_hash),
        Some(at.as_str()),
        Some(content.actor_kind),
        content.actor_id,
        Some(content.action),
        Some(content.entity),
        Some(content.entity_id),
        content.before,
        content.after,
    ];
    let size = fields.iter().flatten().map(|f| 9 + f.len()).sum::<usize>() + fields.len();
    let mut out = Vec::with_capacity(size);
    for field in fields {
        match field {
            None => out.push(0),
            Some(text) => {
                out.push(1);
                out.extend_from_slice(&(text.len() as u64).to_be_bytes());
                out.extend_from_slice(text.as_bytes());
            }
        }
    }
    out
}

/// The hash of a row chained to `prev_hash`: lowercase hex SHA-256 of [`encode`].
pub fn row_hash(prev_hash: &str, content: &Content<'_>) -> String {
    crate::crypto::sha256_hex(&encode(prev_hash, content))
}

/// A JSON value as compact text with every object's keys sorted, whatever map type
/// `serde_json` was built with. The same value always gives the same text.
pub fn canonical_json(value: &Value) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Sorted(value))
}

/// Serialises a JSON value with sorted object keys.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, &Sorted(value))?;
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Sorted)),
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;
    use sha2::Digest;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
            + chrono::Duration::microseconds(123_456)
    }

    fn sample(at: &DateTime<Utc>) -> Content<'_> {
        Content {
            at,
            actor_kind: "user",
            actor_id: Some("u-1"),
            action: "trial.publish",
            entity: "trial",
            entity_id: "t-1",
            before: Some(r#"{"status":"draft"}"#),
            after: Some(r#"{"status":"published"}"#),
        }
    }

    #[test]
    fn the_hash_is_64_lowercase_hex_digits_and_deterministic() {
        let at = at();
        let h = row_hash(GENESIS, &sample(&at));
        assert_eq!(h.len(), 64);
        assert!(
            h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(h, row_hash(GENESIS, &sample(&at)));
    }

    #[test]
    fn the_hash_is_sha256_of_the_encoding() {
        // SHA-256 of the empty string, to pin the digest and the hex formatting.
        let at = at();
        let content = sample(&at);
        assert_eq!(
            row_hash(GENESIS, &content),
            format!("{:x}", sha2::Sha256::digest(encode(GENESIS, &content)))
        );
    }

    #[test]
    fn the_time_is_encoded_in_utc_with_microseconds() {
        let at = at();
        let bytes = encode(GENESIS, &sample(&at));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("2026-11-23T09:30:00.123456Z"), "{text}");
    }

    #[test]
    fn a_change_to_any_field_changes_the_hash() {
        let at = at();
        let later = at + chrono::Duration::microseconds(1);
        let base = sample(&at);
        let reference = row_hash(GENESIS, &base);
        let variants = [
            Content { at: &later, ..base },
            Content {
                actor_kind: "system",
                ..base
            },
            Content {
                actor_id: None,
                ..base
            },
            Content {
                actor_id: Some("u-2"),
                ..base
            },
            Content {
                action: "trial.archive",
                ..base
            },
            Content {
                entity: "site",
                ..base
            },
            Content {
                entity_id: "t-2",
                ..base
            },
            Content {
                before: None,
                ..base
            },
            Content {
                after: Some(r#"{"status":"closed"}"#),
                ..base
            },
            Content {
                after: None,
                ..base
            },
        ];
        for variant in variants {
            assert_ne!(row_hash(GENESIS, &variant), reference, "{variant:?}");
        }
        let other_prev = "1".repeat(64);
        assert_ne!(row_hash(&other_prev, &base), reference);
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let at = at();
        let base = sample(&at);
        let ab_c = Content {
            entity: "ab",
            entity_id: "c",
            ..base
        };
        let a_bc = Content {
            entity: "a",
            entity_id: "bc",
            ..base
        };
        assert_ne!(encode(GENESIS, &ab_c), encode(GENESIS, &a_bc));
        assert_ne!(row_hash(GENESIS, &ab_c), row_hash(GENESIS, &a_bc));
    }

    #[test]
    fn null_differs_from_empty_and_from_the_text_null() {
        let at = at();
        let base = sample(&at);
        let none = row_hash(
            GENESIS,
            &Content {
                before: None,
                ..base
            },
        );
        let empty = row_hash(
            GENESIS,
            &Content {
                before: Some(""),
                ..base
            },
        );
        let null = row_hash(
            GENESIS,
            &Content {
                before: Some("null"),
                ..base
            },
        );
        assert_ne!(none, empty);
        assert_ne!(none, null);
        assert_ne!(empty, null);
        // Moving a value between two optional fields is a change too.
        let moved = Content {
            before: None,
            after: base.before,
            ..base
        };
        let kept = Content {
            before: base.before,
            after: None,
            ..base
        };
        assert_ne!(row_hash(GENESIS, &moved), row_hash(GENESIS, &kept));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_keeps_arrays_in_order() {
        let value = json!({"b": 1, "a": {"z": [3, {"y": 2, "x": 1}], "m": null}, "é": "ü"});
        assert_eq!(
            canonical_json(&value).unwrap(),
            r#"{"a":{"m":null,"z":[3,{"x":1,"y":2}]},"b":1,"é":"ü"}"#
        );
        let same: Value =
            serde_json::from_str(r#"{"é":"ü","a":{"m":null,"z":[3,{"x":1,"y":2}]},"b":1}"#)
                .unwrap();
        assert_eq!(
            canonical_json(&same).unwrap(),
            canonical_json(&value).unwrap()
        );
    }
}
