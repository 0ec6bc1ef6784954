//! What the criteria builder asks of the server, over `trials`: the plain-language preview
//! of criteria with their problems, code search in the bundled lists, and evaluating
//! criteria against one example patient. Everything happens in memory: criteria and patient
//! records sent here are never stored or logged.

use chrono::NaiveDate;
use platform::error::{ApiError, Detail};
use serde::{Deserialize, Serialize};
use trials::codelists::{self, CodeMatch};
use trials::codes::CodeSystem;
use trials::{Criteria, DescribedLine, Locale, Patient, Trial, Verdict};
use utoipa::{IntoParams, ToSchema};

/// `GET /api/v1/codes` parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// `icpc2`, `atc`, `loinc` or `icd10` (ICD-10 codes are checked by format only).
    pub system: Option<String>,
    /// A code or its beginning (`K8`, `A10B`), or words of the title in English or French,
    /// case and accents ignored (`diabete`).
    pub q: Option<String>,
    /// At most this many results (default 20, at most 100).
    pub limit: Option<u32>,
}

/// One code found (a `trials::codelists::CodeMatch`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeResult {
    /// The system's canonical URI, as a code-set entry takes it.
    pub system: String,
    /// The code.
    pub code: String,
    /// English title (empty for a format-checked code).
    pub title_en: String,
    /// French title (empty for a format-checked code).
    pub title_fr: String,
    /// `bundled`, or `format_checked`: not in a bundled list, its format is valid.
    pub source: String,
}

impl From<CodeMatch> for CodeResult {
    fn from(m: CodeMatch) -> CodeResult {
        CodeResult {
            system: m.system,
            code: m.code,
            title_en: m.title_en,
            title_fr: m.title_fr,
            source: match m.source {
                codelists::Source::Bundled => "bundled".into(),
                codelists::Source::FormatChecked => "format_checked".into(),
            },
        }
    }
}

/// Searches a bundled code list; 400 `malformed_query` naming `system` for another system.
pub fn search_codes(q: CodeQuery) -> Result<Vec<CodeResult>, ApiError> {
    let system = match q.system.as_deref().map(str::trim) {
        Some("icpc2") => CodeSystem::Icpc2,
        Some("atc") => CodeSystem::Atc,
        Some("loinc") => CodeSystem::Loinc,
        Some("icd10") => CodeSystem::Icd10,
        Some("icd10cm") => CodeSystem::Icd10Cm,
        Some("snomed") => CodeSystem::Snomed,
        Some("rxnorm") => CodeSystem::RxNorm,
        Some("cvx") => CodeSystem::Cvx,
        _ => {
            return Err(ApiError::MalformedQuery(
                "`system` must be one of icpc2, atc, loinc, icd10, icd10cm, snomed, rxnorm, cvx"
                    .into(),
            ));
        }
    };
    let limit = q.limit.unwrap_or(20).clamp(1, 100) as usize;
    Ok(
        codelists::search(system, q.q.as_deref().unwrap_or(""), limit)
            .into_iter()
            .map(CodeResult::from)
            .collect(),
    )
}

/// The body of `POST /api/v1/criteria/preview`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// The criteria object of a trial: `{"code_sets"?, "inclusion", "exclusion"?}`.
    #[schema(value_type = Object)]
    pub criteria: serde_json::Value,
    /// `fr` (default) or `en`.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "fr")]
    pub lang: Option<Locale>,
}

/// The preview: one line per criterion, and every problem found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// `{"section": "inclusion"|"exclusion", "id", "depth", "text"}`, depth first; empty
    /// when the criteria do not parse.
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<DescribedLine>,
    /// Problems, with JSON paths under `$.criteria`: `malformed_criteria` (does not parse)
    /// or the codes of `trials::validate`.
    pub errors: Vec<Detail>,
}

/// Parses criteria sent as JSON; a parse error is a detail whose path is under `$.criteria`.
fn parse_criteria(value: &serde_json::Value) -> Result<Criteria, Detail> {
    trials::parse_json::<Criteria>(&value.to_string()).map_err(|e| {
        Detail::new(
            &e.path.replacen('$', "$.criteria", 1),
            "malformed_criteria",
            e.message,
        )
    })
}

fn validation_details(criteria: &Criteria) -> Vec<Detail> {
    trials::validate_criteria(criteria)
        .into_iter()
        .map(|e| Detail::new(&e.path, e.code, e.message))
        .collect()
}

/// Reads criteria back in plain language, with their problems (never an error: a page shows
/// both while the sponsor types).
pub fn preview(input: &PreviewInput) -> Preview {
    let locale = input.lang.unwrap_or(Locale::Fr);
    match parse_criteria(&input.criteria) {
        Ok(criteria) => Preview {
            lines: trials::describe(&criteria, locale),
            errors: validation_details(&criteria),
        },
        Err(detail) => Preview {
            lines: Vec::new(),
            errors: vec![detail],
        },
    }
}

/// The body of `POST /api/v1/criteria/test`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestInput {
    /// The criteria object of a trial.
    #[schema(value_type = Object)]
    pub criteria: serde_json::Value,
    /// A patient record (`trials::Patient`: `birth_date`, `sex`, `events`, `observations`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub patient: Option<serde_json::Value>,
    /// Or a FHIR R4 Bundle.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub fhir: Option<serde_json::Value>,
    /// The consultation date (default: today).
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// `fr` (default) or `en`.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "fr")]
    pub lang: Option<Locale>,
}

/// One criterion's truth and sentence.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestLine {
    /// `inclusion` or `exclusion`.
    pub section: String,
    /// The criterion's id.
    pub id: String,
    /// Depth in the tree (0 at the top).
    pub depth: usize,
    /// `met`, `not_met` or `unknown`.
    #[schema(value_type = String)]
    pub truth: trials::Truth,
    /// The explanation's sentence.
    pub text: String,
}

/// The verdict on the example patient, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// `eligible`, `possibly_eligible` or `ineligible`.
    #[schema(value_type = String)]
    pub verdict: Verdict,
    /// The verdict sentence (`Not eligible: …`).
    pub verdict_text: String,
    /// The consultation date used.
    pub date: NaiveDate,
    /// Every criterion, depth first, inclusion first.
    pub criteria: Vec<TestLine>,
    /// The sentences of the criteria to confirm with the patient.
    pub to_confirm: Vec<String>,
    /// FHIR entries that gave no data (`Observation/o1: not final`); empty for a record.
    pub skipped: Vec<String>,
}

/// Evaluates criteria against one patient record or FHIR Bundle, in memory. Criteria that
/// do not parse or validate, and records that do not parse, are 422s naming the field.
pub fn test(input: TestInput, today: NaiveDate) -> Result<TestResult, ApiError> {
    let locale = input.lang.unwrap_or(Locale::Fr);
    let criteria = parse_criteria(&input.criteria).map_err(|d| ApiError::Validation(vec![d]))?;
    let problems = validation_details(&criteria);
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let (patient, skipped) = patient_of(input.patient, input.fhir)?;
    let trial = Trial {
        id: "preview".into(),
        version: 1,
        title: "Preview".into(),
        summary: None,
        criteria,
    };
    let date = input.date.unwrap_or(today);
    let result = trials::evaluate(&trial, &patient, date)
        .map_err(|e| ApiError::invalid("$.criteria", "compile_failed", e.to_string()))?;
    let explanation = result.explain(locale);
    let lines = |section: &str, list: Vec<trials::explain::Line>| {
        list.into_iter()
            .map(|l| TestLine {
                section: section.into(),
                id: l.id,
                depth: l.depth,
                truth: l.truth,
                text: l.text,
            })
            .collect::<Vec<_>>()
    };
    let mut criteria = lines("inclusion", explanation.inclusion);
    criteria.extend(lines("exclusion", explanation.exclusion));
    Ok(TestResult {
        verdict: result.verdict,
        verdict_text: explanation.verdict,
        date,
        criteria,
        to_confirm: explanation.to_confirm,
        skipped,
    })
}

/// The patient of a test: exactly one of `patient` and `fhir`.
fn patient_of(
    patient: Option<serde_json::Value>,
    fhir: Option<serde_json::Value>,
) -> Result<(Patient, Vec<String>), ApiError> {
    match (patient, fhir) {
        // serde would read a record from an array, field by field (`[null, null]`).
        (Some(record), None) if !record.is_object() => Err(ApiError::invalid(
            "$.patient",
            "malformed_patient",
            "the patient record must be a JSON object",
        )),
        (Some(record), None) => trials::parse_json::<Patient>(&record.to_string())
            .map(|p| (p, Vec::new()))
            .map_err(|e| {
                ApiError::invalid(
                    &e.path.replacen('$', "$.patient", 1),
                    "malformed_patient",
                    e.message,
                )
            }),
        (None, Some(bundle)) => trials::fhir::bundle_value_to_patient(&bundle)
            .map(|c| {
                let skipped = c
                    .skipped_summary()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                (c.patient, skipped)
            })
            .map_err(|e| ApiError::invalid("$.fhir", "malformed_fhir", e.to_string())),
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "$.fhir",
            "patient_and_fhir",
            "send either `patient` or `fhir`, not both",
        )),
        (None, None) => Err(ApiError::invalid(
            "$.patient",
            "required",
            "send a patient record in `patient` or a FHIR Bundle in `fhir`",
        )),
    }
}
