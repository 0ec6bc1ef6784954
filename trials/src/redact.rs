//! Serde's error messages without the values they quote. `invalid type: string "NIR-9999",
//! expected a date` names what was sent; a record's values must never reach a log or an
//! error answer, so every message of a parse error goes through [`redact`], which keeps the
//! *kind* of problem and what was expected (`invalid type: string, expected a date`) and
//! drops the value. Unknown field names are kept when they look like a key (a letter or
//! digit run of at most 64 characters), since they name the client's mistake.

/// Where a quoted value starts, and what replaces the marker.
const MARKERS: [&str; 4] = [
    "invalid type: ",
    "invalid value: ",
    "unknown variant `",
    "unknown field `",
];

/// `message` with every value quoted by serde's standard errors removed.
pub fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some((at, marker)) = MARKERS
        .iter()
        .filter_map(|m| rest.find(m).map(|i| (i, *m)))
        .min_by_key(|(i, _)| *i)
    {
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len()..];
        rest = match marker {
            "invalid type: " | "invalid value: " => {
                out.push_str(marker);
                unexpected(after, &mut out)
            }
            _ => {
                // `unknown variant `X`, expected …` / `unknown field `X`, there are no fields`.
                let kind = marker.trim_end_matches(" `");
                out.push_str(kind);
                let end = ["`, expected ", "`, there are no "]
                    .iter()
                    .filter_map(|t| after.rfind(t))
                    .max()
                    .or_else(|| after.rfind('`'));
                match end {
                    Some(end) => {
                        let name = &after[..end];
                        if kind == "unknown field" && is_key(name) {
                            out.push_str(" `");
                            out.push_str(name);
                            out.push('`');
                        }
                        &after[end + 1..]
                    }
                    None => "",
                }
            }
        };
    }
    out.push_str(rest);
    out
}

/// Whether an unknown field's name is a plain key, and so may be repeated.
fn is_key(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Writes the kind of serde's `Unexpected` at the start of `text` (`string`, `integer`…)
/// without its value; returns what follows it.
fn unexpected<'a>(text: &'a str, out: &mut String) -> &'a str {
    if let Some(quoted) = text.strip_prefix("string \"") {
        out.push_str("string");
        // A Rust debug string: `\` escapes the next character; the first bare `"` ends it.
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return &quoted[i + 1..],
                _ => {}
            }
        }
        return "";
    }
    for kind in ["integer", "floating point", "boolean", "character"] {
        if let Some(value) = text.strip_prefix(kind).and_then(|t| t.strip_prefix(" `")) {
            out.push_str(kind);
            // The value is a number, a boolean or one character: skip to its closing backtick
            // (a backtick character is the one case where it is also the value).
            let skip = value.chars().next().map_or(0, char::len_utf8);
            return match value
                .get(skip..)
                .and_then(|v| v.find('`').map(|e| skip + e))
            {
                Some(end) => &value[end + 1..],
                None => "",
            };
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn values_are_dropped_and_kinds_kept() {
        for (message, expected) in [
            (
                "invalid type: string \"NIR-9999\", expected a date at line 1 column 30",
                "invalid type: string, expected a date at line 1 column 30",
            ),
            (
                "invalid type: string \"a \\\" , expected x\", expected u32",
                "invalid type: string, expected u32",
            ),
            (
                "invalid value: integer `-4`, expected u32",
                "invalid value: integer, expected u32",
            ),
            (
                "invalid type: floating point `1.5`, expected a string",
                "invalid type: floating point, expected a string",
            ),
            (
                "invalid type: boolean `true`, expected a string",
                "invalid type: boolean, expected a string",
            ),
            (
                "invalid type: character ```, expected a string",
                "invalid type: character, expected a string",
            ),
            (
                "invalid type: map, expected a string",
                "invalid type: map, expected a string",
            ),
            (
                "unknown variant `ZZPATIENTVALUE1`, expected one of `female`, `male`, `other`, `unknown`",
                "unknown variant, expected one of `female`, `male`, `other`, `unknown`",
            ),
            (
                "unknown variant `x`, there are no variants",
                "unknown variant, there are no variants",
            ),
            (
                "unknown field `extra`, expected `criteria` or `lang`",
                "unknown field `extra`, expected `criteria` or `lang`",
            ),
            (
                "unknown field `Zoé Dupont`, expected `criteria`",
                "unknown field, expected `criteria`",
            ),
            (
                "Query deserialize error: unknown variant `zz`, expected `a`",
                "Query deserialize error: unknown variant, expected `a`",
            ),
            ("missing field `criteria`", "missing field `criteria`"),
            (
                "expected value at line 1 column 2",
                "expected value at line 1 column 2",
            ),
            (
                "invalid type: string \"unterminated",
                "invalid type: string",
            ),
        ] {
            assert_eq!(redact(message), expected, "{message}");
        }
    }

    #[test]
    fn real_serde_errors_lose_their_values() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            n: u32,
            sex: crate::Sex,
            date: Option<chrono::NaiveDate>,
        }
        for body in [
            r#"{"n": "ZZPATIENTVALUE1"}"#,
            r#"{"n": 1, "sex": "ZZPATIENTVALUE1"}"#,
            r#"{"n": 1, "sex": {"ZZPATIENTVALUE1": 1}}"#,
            r#"{"n": 1, "sex": "male", "date": "ZZPATIENTVALUE1"}"#,
            r#"{"n": 1, "sex": "male", "date": 19610402}"#,
            r#"{"n": -1961}"#,
            r#"{"n": 1.961}"#,
            r#"{"n": true, "ZZPATIENTVALUE1": 1}"#,
        ] {
            let e = crate::parse_json::<S>(body).expect_err(body);
            for value in ["ZZPATIENTVALUE1", "1961"] {
                assert!(!e.message.contains(value), "{body}: {}", e.message);
                assert!(!e.path.contains(value), "{body}: {}", e.path);
            }
        }
    }
}
