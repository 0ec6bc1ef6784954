//! Feedback (`POST /cds-services/{id}/feedback`): a batch of outcomes, each checked as
//! CDS Hooks 2.0 requires. `outcome` is `accepted` (with `acceptedSuggestions`) or
//! `overridden` (an `overrideReason`, when given, has a `reason` or a `userComment`);
//! `outcomeTimestamp` is an ISO 8601 instant in UTC. Problems are 400 `malformed_json`
//! naming the item.

use chrono::{DateTime, Utc};
use platform::error::ApiError;
use serde_json::Value;

/// What happened to a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The GP took a suggestion.
    Accepted,
    /// The GP dismissed the card, with the reason's code when one was chosen.
    Overridden {
        /// The override reason's `code` (`not-eligible`, `snooze`…).
        reason: Option<String>,
    },
}

/// One checked feedback item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// The card's `uuid`.
    pub card: String,
    /// The outcome.
    pub outcome: Outcome,
    /// When, in UTC.
    pub at: DateTime<Utc>,
}

fn bad(path: String, message: &str) -> ApiError {
    ApiError::MalformedJson {
        path,
        message: message.into(),
    }
}

fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// Parses and checks a feedback body.
pub fn parse(body: &[u8]) -> Result<Vec<Feedback>, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| bad("$".into(), &format!("not JSON: {e}")))?;
    let items = match value.get("feedback") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(_) => return Err(bad("$.feedback".into(), "must be a non-empty array")),
        None => return Err(bad("$.feedback".into(), "is required")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_item(item, &format!("$.feedback[{i}]")))
        .collect()
}

fn parse_item(item: &Value, at: &str) -> Result<Feedback, ApiError> {
    let card = non_empty_str(item.get("card"))
        .ok_or_else(|| bad(format!("{at}.card"), "is required (the card's uuid)"))?
        .to_string();
    let outcome = match item.get("outcome").and_then(Value::as_str) {
        Some("accepted") => {
            let ok = item
                .get("acceptedSuggestions")
                .and_then(Value::as_array)
                .is_some_and(|s| {
                    !s.is_empty() && s.iter().all(|x| non_empty_str(x.get("id")).is_some())
                });
            if !ok {
                return Err(bad(
                    format!("{at}.acceptedSuggestions"),
                    "an accepted outcome lists the accepted suggestions, each with an `id`",
                ));
            }
            Outcome::Accepted
        }
        Some("overridden") => {
            let reason = match item.get("overrideReason") {
                None => None,
                Some(r) => {
                    let code = r.get("reason").and_then(|x| non_empty_str(x.get("code")));
                    let comment = non_empty_str(r.get("userComment"));
                    if code.is_none() && comment.is_none() {
                        return Err(bad(
                            format!("{at}.overrideReason"),
                            "needs a `reason` (with a `code`) or a `userComment`",
                        ));
                    }
                    code.map(str::to_string)
                }
            };
            Outcome::Overridden { reason }
        }
        _ => {
            return Err(bad(
                format!("{at}.outcome"),
                "must be `accepted` or `overridden`",
            ));
        }
    };
    let stamp = non_empty_str(item.get("outcomeTimestamp"))
        .ok_or_else(|| bad(format!("{at}.outcomeTimestamp"), "is required"))?;
    let parsed = DateTime::parse_from_rfc3339(stamp).map_err(|_| {
        bad(
            format!("{at}.outcomeTimestamp"),
            "must be an ISO 8601 instant",
        )
    })?;
    if parsed.offset().local_minus_utc() != 0
        || !(stamp.ends_with('Z') || stamp.ends_with("+00:00"))
    {
        return Err(bad(format!("{at}.outcomeTimestamp"), "must be in UTC"));
    }
    Ok(Feedback {
        card,
        outcome,
        at: parsed.with_timezone(&Utc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(body: Value) -> String {
        match parse(body.to_string().as_bytes()) {
            Err(ApiError::MalformedJson { path, .. }) => path,
            other => panic!("expected a 400 for {body}, got {other:?}"),
        }
    }

    const CARD: &str = "0c6e6e4e-5a6b-4c3b-9a39-0d4c4c2f8d11";

    #[test]
    fn batches_are_read() {
        let body = json!({"feedback": [
            {"card": CARD, "outcome": "accepted", "acceptedSuggestions": [{"id": "s1"}], "outcomeTimestamp": "2026-11-23T10:00:00Z"},
            {"card": CARD, "outcome": "overridden", "overrideReason": {"reason": {"code": "snooze", "system": "x"}}, "outcomeTimestamp": "2026-11-23T10:00:00+00:00"},
            {"card": CARD, "outcome": "overridden", "outcomeTimestamp": "2026-11-23T10:00:00Z"},
        ]});
        let items = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[1].outcome,
            Outcome::Overridden {
                reason: Some("snooze".into())
            }
        );
    }

    #[test]
    fn each_rule_is_enforced() {
        let item = |extra: Value| {
            let mut v = json!({"card": CARD, "outcome": "overridden", "outcomeTimestamp": "2026-11-23T10:00:00Z"});
            for (k, x) in extra.as_object().unwrap() {
                if x.is_null() {
                    v.as_object_mut().unwrap().remove(k);
                } else {
                    v[k] = x.clone();
                }
            }
            json!({"feedback": [v]})
        };
        assert_eq!(path(json!({})), "$.feedback");
        assert_eq!(path(json!({"feedback": []})), "$.feedback");
        assert_eq!(path(item(json!({"card": null}))), "$.feedback[0].card");
        assert_eq!(
            path(item(json!({"outcome": "ignored"}))),
            "$.feedback[0].outcome"
        );
        assert_eq!(
            path(item(json!({"outcome": "accepted"}))),
            "$.feedback[0].acceptedSuggestions"
        );
        assert_eq!(
            path(item(json!({"overrideReason": {}}))),
            "$.feedback[0].overrideReason"
        );
        assert_eq!(
            path(item(json!({"outcomeTimestamp": null}))),
            "$.feedback[0].outcomeTimestamp"
        );
        assert_eq!(
            path(item(
                json!({"outcomeTimestamp": "2026-11-23T11:00:00+01:00"})
            )),
            "$.feedback[0].outcomeTimestamp"
        );
        assert_eq!(
            path(item(json!({"outcomeTimestamp": "yesterday"}))),
            "$.feedback[0].outcomeTimestamp"
        );
    }
}
