//! The body of a trial create or update, and its checks: the definition through the
//! `trials` validator (paths under `$.definition`), the registry fields here.

use crate::error::{ApiError, Detail};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A trial as sponsors send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrialInput {
    /// The criteria engine's definition: id, title, summary, criteria (a `trials::Trial`;
    /// see `trials/README.md`).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// Acronym.
    #[serde(default)]
    pub acronym: Option<String>,
    /// ClinicalTrials.gov (`NCT01234567`) or EU CT (`2023-501234-12-00`) number.
    #[serde(default)]
    pub registry_number: Option<String>,
    /// Enrolment target.
    #[serde(default)]
    pub target_enrolment: Option<i32>,
    /// First day of recruitment.
    #[serde(default)]
    pub recruitment_start: Option<NaiveDate>,
    /// Last day of recruitment.
    #[serde(default)]
    pub recruitment_end: Option<NaiveDate>,
    /// The sponsor (administrators only; sponsors create for their own organisation).
    #[serde(default)]
    pub sponsor_id: Option<Uuid>,
}

/// A checked input.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The parsed, validated definition.
    pub definition: trials::Trial,
    /// Registry fields.
    pub acronym: Option<String>,
    /// Registry number, upper case.
    pub registry_number: Option<String>,
    /// Enrolment target.
    pub target_enrolment: Option<i32>,
    /// First day of recruitment.
    pub recruitment_start: Option<NaiveDate>,
    /// Last day of recruitment.
    pub recruitment_end: Option<NaiveDate>,
}

/// Whether a registry number has the form of an NCT, EU CT or EudraCT number.
pub fn registry_number_ok(n: &str) -> bool {
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = n.strip_prefix("NCT") {
        return digits(rest, 8);
    }
    let parts: Vec<&str> = n.split('-').collect();
    match parts.as_slice() {
        // EU CT (CTR): 2023-501234-12-00
        [y, s, a, b] => {
            digits(y, 4) && digits(s, 6) && s.starts_with('5') && digits(a, 2) && digits(b, 2)
        }
        // EudraCT: 2019-001234-56
        [y, s, c] => digits(y, 4) && digits(s, 6) && digits(c, 2),
        _ => false,
    }
}

/// Checks an input; every problem is reported at once.
pub fn check(input: TrialInput) -> Result<Checked, ApiError> {
    let mut details = Vec::new();
    let definition = match trials::parse_json::<trials::Trial>(&input.definition.to_string()) {
        Ok(t) => {
            for e in trials::validate(&t) {
                details.push(Detail::new(
                    &e.path.replacen('$', "$.definition", 1),
                    e.code,
                    e.message,
                ));
            }
            Some(t)
        }
        Err(e) => {
            details.push(Detail::new(
                &e.path.replacen('$', "$.definition", 1),
                "malformed_definition",
                e.message,
            ));
            None
        }
    };
    let registry_number = input
        .registry_number
        .map(|n| n.trim().to_uppercase())
        .filter(|n| !n.is_empty());
    if let Some(n) = &registry_number
        && !registry_number_ok(n)
    {
        details.push(Detail::new("$.registry_number", "invalid_registry_number", format!("`{n}` is neither an NCT number (NCT01234567) nor an EU CT number (2023-501234-12-00)")));
    }
    if input.target_enrolment.is_some_and(|t| t < 1) {
        details.push(Detail::new(
            "$.target_enrolment",
            "invalid_target",
            "the enrolment target is at least 1",
        ));
    }
    if let (Some(a), Some(b)) = (input.recruitment_start, input.recruitment_end)
        && b < a
    {
        details.push(Detail::new(
            "$.recruitment_end",
            "end_before_start",
            format!("recruitment ends ({b}) before it starts ({a})"),
        ));
    }
    match definition {
        Some(definition) if details.is_empty() => Ok(Checked {
            definition,
            acronym: input
                .acronym
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty()),
            registry_number,
            target_enrolment: input.target_enrolment,
            recruitment_start: input.recruitment_start,
            recruitment_end: input.recruitment_end,
        }),
        _ => Err(ApiError::Validation(details)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_numbers() {
        for ok in ["NCT01234567", "2023-501234-12-00", "2019-001234-56"] {
            assert!(registry_number_ok(ok), "{ok}");
        }
        for bad in [
            "NCT1234567",
            "NCT012345678",
            "2023-401234-12-00",
            "2023-5012-12-00",
            "ISRCTN12345678",
            "",
        ] {
            assert!(!registry_number_ok(bad), "{bad}");
        }
    }
}
