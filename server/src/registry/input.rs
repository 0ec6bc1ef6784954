//! The body of a trial create or update, and its checks: the definition through the
//! `trials` validator (paths under `$.definition`), the registry fields here.

use chrono::NaiveDate;
use platform::error::{ApiError, Detail};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A trial as sponsors send it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
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
    /// Phase: one of [`PHASES`].
    #[serde(default)]
    pub phase: Option<String>,
    /// Therapeutic area ("Cardiology").
    #[serde(default)]
    pub therapeutic_area: Option<String>,
    /// Description for GPs (the pop-up shows only the definition's `summary`).
    #[serde(default)]
    pub description: Option<String>,
    /// Information written for patients.
    #[serde(default)]
    pub patient_information: Option<String>,
    /// Comprehension questions asked in the consent flow (optional, at most 10).
    #[serde(default)]
    pub comprehension_questions: Option<Vec<crate::registry::questions::Question>>,
}

/// The phases a trial may declare (ClinicalTrials.gov's list, lower case).
pub const PHASES: [&str; 8] = [
    "early_phase_1",
    "phase_1",
    "phase_1_2",
    "phase_2",
    "phase_2_3",
    "phase_3",
    "phase_4",
    "not_applicable",
];

/// The most characters a GP summary may have (the pop-up shows two lines).
pub const SUMMARY_MAX_CHARS: usize = 200;
/// The most line breaks a GP summary may have.
pub const SUMMARY_MAX_BREAKS: usize = 1;

/// Whether a GP summary fits the pop-up's two lines.
pub fn summary_fits(s: &str) -> bool {
    s.chars().count() <= SUMMARY_MAX_CHARS && s.matches('\n').count() <= SUMMARY_MAX_BREAKS
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|a| a.trim().to_string()).filter(|a| !a.is_empty())
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
    /// Phase, one of [`PHASES`].
    pub phase: Option<String>,
    /// Therapeutic area.
    pub therapeutic_area: Option<String>,
    /// Description for GPs.
    pub description: Option<String>,
    /// Information for patients.
    pub patient_information: Option<String>,
    /// Comprehension questions (empty: none).
    pub comprehension_questions: Vec<crate::registry::questions::Question>,
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
            if t.summary.as_deref().is_some_and(|s| !summary_fits(s)) {
                details.push(Detail::new(
                    "$.definition.summary",
                    "summary_too_long",
                    format!("the GP summary fits two lines: at most {SUMMARY_MAX_CHARS} characters and {SUMMARY_MAX_BREAKS} line break"),
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
    let phase = trimmed(input.phase).map(|p| p.to_lowercase());
    if let Some(p) = &phase
        && !PHASES.contains(&p.as_str())
    {
        details.push(Detail::new(
            "$.phase",
            "unknown_phase",
            format!("`{p}` is not a phase: {}", PHASES.join(", ")),
        ));
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
    let questions = input.comprehension_questions.unwrap_or_default();
    if questions.len() > crate::registry::questions::MAX_QUESTIONS {
        details.push(Detail::new(
            "$.comprehension_questions",
            "too_many_questions",
            format!(
                "at most {} questions",
                crate::registry::questions::MAX_QUESTIONS
            ),
        ));
    }
    for (i, q) in questions.iter().enumerate() {
        if let Err(m) = crate::registry::questions::check(q) {
            details.push(Detail::new(
                &format!("$.comprehension_questions[{i}]"),
                "invalid_question",
                m,
            ));
        }
    }
    match definition {
        Some(definition) if details.is_empty() => Ok(Checked {
            definition,
            acronym: trimmed(input.acronym),
            registry_number,
            target_enrolment: input.target_enrolment,
            recruitment_start: input.recruitment_start,
            recruitment_end: input.recruitment_end,
            phase,
            therapeutic_area: trimmed(input.therapeutic_area),
            description: trimmed(input.description),
            patient_information: trimmed(input.patient_information),
            comprehension_questions: questions,
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

    #[test]
    fn summaries_fit_two_lines() {
        let cases = [
            ("Adults with type 2 diabetes and HbA1c above 8 %.", true),
            ("line one\nline two", true),
            ("one\ntwo\nthree", false),
            (&"x".repeat(SUMMARY_MAX_CHARS), true),
            (&"é".repeat(SUMMARY_MAX_CHARS + 1), false),
        ];
        for (s, want) in cases {
            assert_eq!(summary_fits(s), want, "{s}");
        }
    }
}
