//! The FHIR searches for the patient's observations when the EHR did not prefetch them:
//! only the codes and dates the recruiting trials can read
//! ([`trials::ObservationNeed`], from the compiled trials of the bundle), instead of the
//! whole history of labs and vital signs.
//!
//! - `Observation?patient={id}&code={system}|{code},…&date=ge{day}&_count=100`: the needed
//!   codes (the `|` percent-encoded), in as many queries as keep each URL under
//!   [`MAX_URL`] characters (base URL included); `date=ge` the earliest day a value can
//!   count minus one day (the server compares instants, we read the calendar day as written),
//!   omitted when some criterion looks at all history;
//! - `Observation?patient={id}&category=social-history&_count=100` when history items
//!   (smoking status…) are needed: their code is in the Observation's *value*, which a
//!   search by `code` does not find, and a history criterion may look at the first
//!   occurrence ever, so this query has no date bound;
//! - nothing when the trials read no observation.
//!
//! Each answer's `next` links are followed ([`crate::cds::prefetch`]). An Observation dated
//! only by `issued` is not found by a date-bounded search (FHIR's `date` is `effective[x]`).

use trials::ObservationNeed;

/// The longest URL sent (many servers and proxies refuse longer ones).
pub const MAX_URL: usize = 2000;

/// The page size asked for.
pub const PAGE: u32 = 100;

/// The search URLs for `need`, under `base` (no trailing slash), for `patient_id`.
pub fn observation_queries(base: &str, patient_id: &str, need: &ObservationNeed) -> Vec<String> {
    let head = format!(
        "{base}/Observation?patient={}",
        crate::cds::prefetch::encode(patient_id)
    );
    let tail = match need.since() {
        Some(since) => match since.pred_opt() {
            Some(day) => format!("&date=ge{day}&_count={PAGE}"),
            None => format!("&_count={PAGE}"),
        },
        None => format!("&_count={PAGE}"),
    };
    let mut out = Vec::new();
    let mut current = String::new();
    for (system, code) in need.codes() {
        let token = format!(
            "{}%7C{}",
            query_encode(system.uri()),
            query_encode(code.as_str())
        );
        let with = head.len() + "&code=".len() + current.len() + 1 + token.len() + tail.len();
        if !current.is_empty() && with >= MAX_URL {
            out.push(format!("{head}&code={current}{tail}"));
            current.clear();
        }
        if !current.is_empty() {
            current.push(',');
        }
        current.push_str(&token);
    }
    if !current.is_empty() {
        out.push(format!("{head}&code={current}{tail}"));
    }
    if need.social_history() {
        out.push(format!("{head}&category=social-history&_count={PAGE}"));
    }
    out
}

/// Percent-encodes a query value, keeping what a FHIR token needs readable (`:` and `/` of
/// system URIs).
fn query_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trials::{Trial, TrialIndex};

    fn need(codes: &[String], window: &str, history: bool) -> ObservationNeed {
        let include: Vec<String> = codes
            .iter()
            .map(|c| format!(r#"{{"system": "http://loinc.org", "code": "{c}"}}"#))
            .collect();
        let mut inclusion = vec![format!(
            r#"{{"id": "o", "observation": {{"codes": {{"include": [{}]}}, "value": {{"gte": 1}}{window}}}}}"#,
            include.join(",")
        )];
        if history {
            inclusion.push(r#"{"id": "h", "history": {"codes": {"include": [{"system": "snomed", "code": "77176002"}]}}}"#.into());
        }
        let text = format!(
            r#"{{"id": "t", "title": "T", "criteria": {{"inclusion": [{}]}}}}"#,
            inclusion.join(",")
        );
        TrialIndex::new(vec![Trial::from_json(&text).unwrap()])
            .unwrap()
            .observation_need("2026-11-23".parse().unwrap())
    }

    fn loinc(n: u32) -> String {
        let num = n.to_string();
        format!("{num}-{}", trials::codes::loinc_check_digit(num.as_bytes()))
    }

    #[test]
    fn codes_and_the_date_bound() {
        let q = observation_queries(
            "https://ehr/fhir",
            "p 1",
            &need(&["4548-4".into()], r#", "window": {"within": "6m"}"#, false),
        );
        assert_eq!(
            q,
            [
                "https://ehr/fhir/Observation?patient=p%201&code=http://loinc.org%7C4548-4&date=ge2026-05-22&_count=100"
            ]
        );
        let q = observation_queries(
            "https://ehr/fhir",
            "p1",
            &need(&["4548-4".into()], "", true),
        );
        assert_eq!(
            q,
            [
                "https://ehr/fhir/Observation?patient=p1&code=http://loinc.org%7C4548-4&_count=100",
                "https://ehr/fhir/Observation?patient=p1&category=social-history&_count=100",
            ]
        );
    }

    #[test]
    fn long_lists_are_split_under_the_limit() {
        let codes: Vec<String> = (10_000..10_200).map(loinc).collect();
        let need = need(&codes, r#", "window": {"within": "1y"}"#, false);
        let q = observation_queries("https://ehr.example.org/fhir/r4", "patient-1", &need);
        assert!(q.len() >= 3, "{}", q.len());
        let mut seen = Vec::new();
        for url in &q {
            assert!(url.len() < MAX_URL, "{}", url.len());
            assert!(url.ends_with("&date=ge2025-11-22&_count=100"), "{url}");
            let list = url
                .split("&code=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap();
            seen.extend(
                list.split(',')
                    .map(|t| t.rsplit("%7C").next().unwrap().to_string()),
            );
        }
        let mut want = codes.clone();
        want.sort();
        seen.sort();
        assert_eq!(seen, want, "every code once");
    }

    #[test]
    fn nothing_needed_nothing_asked() {
        assert!(observation_queries("https://ehr", "p", &ObservationNeed::default()).is_empty());
    }
}
