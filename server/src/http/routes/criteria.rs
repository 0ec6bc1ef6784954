//! The criteria builder's API (sponsors and administrators): code search, the plain-language
//! preview of criteria, testing criteria against an example patient, and the example
//! patients. Nothing sent here is stored or logged.

use crate::criteria::builder::{
    self, CodeQuery, CodeResult, Preview, PreviewInput, TestInput, TestResult,
};
use crate::criteria::example_patients::ExamplePatient;
use crate::http::openapi::{JsonBodyErrors, SessionErrors};
use actix_web::{HttpResponse, get, post, web};
use platform::auth::{Principal, Role};
use platform::clock::Clock;
use platform::error::{ApiError, ErrorBody};
use platform::extract::ApiJson;

/// Who may use the builder.
const BUILDERS: [Role; 2] = [Role::Admin, Role::Sponsor];

/// Searches the bundled code lists.
#[utoipa::path(
    tag = "criteria",
    security(("session_cookie" = [])),
    params(CodeQuery),
    responses(
        (status = 200, description = "Matches, best first: exact code, code prefix, title words (English or French, accents ignored); an ICD-10 code (or an ICPC-2 extension) of valid format comes back as one `format_checked` result", body = [CodeResult]),
        (status = 400, description = "`malformed_query`: `system` is not `icpc2`, `atc`, `loinc` or `icd10`, or an unknown parameter", body = ErrorBody),
        SessionErrors,
    )
)]
#[get("/api/v1/codes")]
pub async fn codes(p: Principal, q: web::Query<CodeQuery>) -> Result<HttpResponse, ApiError> {
    p.require(&BUILDERS)?;
    Ok(HttpResponse::Ok().json(builder::search_codes(q.into_inner())?))
}

/// Reads criteria back in plain language, with their problems.
#[utoipa::path(
    tag = "criteria",
    security(("session_cookie" = [])),
    request_body = PreviewInput,
    responses(
        (status = 200, description = "The lines of the reading and every problem found (paths under `$.criteria`: `malformed_criteria` when they do not parse, else the `trials::validate` codes)", body = Preview),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/criteria/preview")]
pub async fn preview(
    p: Principal,
    ApiJson(input): ApiJson<PreviewInput>,
) -> Result<HttpResponse, ApiError> {
    p.require(&BUILDERS)?;
    Ok(HttpResponse::Ok().json(builder::preview(&input)))
}

/// Evaluates criteria against one patient record or FHIR Bundle, in memory.
#[utoipa::path(
    tag = "criteria",
    security(("session_cookie" = [])),
    request_body = TestInput,
    responses(
        (status = 200, description = "The verdict, each criterion's truth and sentence, and what to confirm", body = TestResult),
        (status = 422, description = "`validation_failed`: criteria that do not parse (`malformed_criteria`) or validate (the `trials::validate` codes), a record that does not parse (`malformed_patient`, `malformed_fhir`), none or both of `patient` and `fhir` (`required`, `patient_and_fhir`)", body = ErrorBody),
        JsonBodyErrors,
        SessionErrors,
    )
)]
#[post("/api/v1/criteria/test")]
pub async fn test(
    p: Principal,
    ApiJson(input): ApiJson<TestInput>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    p.require(&BUILDERS)?;
    let today = clock.today();
    Ok(HttpResponse::Ok().json(builder::test(input, today)?))
}

/// The bundled example patients, for the test panel's picker.
#[utoipa::path(
    tag = "criteria",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "Every example patient: id, a one-line label, the record", body = [ExamplePatient]),
        SessionErrors,
    )
)]
#[get("/api/v1/example-patients")]
pub async fn example_patients(p: Principal) -> Result<HttpResponse, ApiError> {
    p.require(&BUILDERS)?;
    Ok(HttpResponse::Ok().json(crate::criteria::example_patients::all()))
}
