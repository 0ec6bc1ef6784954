//! The one place where failures become HTTP answers. Every error has a stable code (listed
//! with its status in `docs/errors.md`), a message that names the field at fault, and
//! optional details. Shape: `{"error": {"code", "message", "details"}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

/// One detail of an error: the JSON path of a field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Detail {
    /// JSON path of the offending value.
    pub path: String,
    /// Stable code of this detail (a validation check's code).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// An error answered to a client. Its `Debug` form (what middleware and panics print) is
/// its code, with the JSON path of a malformed body or the paths and codes of a validation
/// failure: never a message, which may quote what the client sent.
pub enum ApiError {
    /// 400 `malformed_json`: the body is not JSON, or not of the expected shape.
    MalformedJson {
        /// JSON path of the problem.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// 400 `malformed_query`: a query parameter of the wrong form.
    MalformedQuery(String),
    /// 413 `payload_too_large`.
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415 `unsupported_media_type`: JSON expected.
    UnsupportedMediaType,
    /// 422 `validation_failed`, with every problem found.
    Validation(Vec<Detail>),
    /// 401 `unauthenticated`: no valid session or API key.
    Unauthenticated,
    /// 401 `invalid_credentials`: wrong email or password (never says which).
    InvalidCredentials,
    /// 403 `forbidden`: authenticated, but not allowed.
    Forbidden,
    /// 404 `not_found`.
    NotFound(String),
    /// 409 `conflict`: the request clashes with what is stored (a duplicate email…).
    Conflict(String),
    /// 409 `invalid_transition`: the lifecycle does not allow this move.
    InvalidTransition(String),
    /// 409 `invalid_state`: not possible in the resource's current state.
    InvalidState(String),
    /// 410 `gone`: a link that was valid but no longer is (expired or already used).
    Gone(String),
    /// 429 `too_many_attempts`, with the seconds to wait.
    TooManyAttempts(i64),
    /// 405 `method_not_allowed`.
    MethodNotAllowed,
    /// 503 `not_ready`.
    NotReady(String),
    /// 500 `internal`: details are logged, never sent.
    Internal(anyhow::Error),
    /// 412 `fhir_unavailable`: a CDS Hooks call without the data it needs (no prefetch and no
    /// FHIR server that answers).
    FhirUnavailable(String),
    /// 409 `already_answered`: this alert (a pop-up link) already has its answer; the
    /// message, in the reader's language, says which.
    AlreadyAnswered(String),
    /// 503 `storage_unavailable`: the database cannot be written or reached (a full disk, an
    /// I/O error, a lock held past the busy timeout, a lost connection); try again after
    /// [`STORAGE_RETRY_AFTER_SECS`].
    StorageUnavailable(crate::db::StorageFailure),
    /// 503 `server_busy`: too many requests need an expensive step (a password check) at
    /// once; `Retry-After` gives the seconds to wait.
    Busy(u64),
}

/// The `Retry-After` of a `storage_unavailable` answer, in seconds.
pub const STORAGE_RETRY_AFTER_SECS: u32 = 5;

impl ApiError {
    /// Every variant's stable code with its HTTP status, in declaration order (for the
    /// documentation and its tests; [`ApiError::code`] and the status agree with it).
    pub fn all_codes() -> &'static [(&'static str, u16)] {
        &[
            ("malformed_json", 400),
            ("payload_too_large", 413),
            ("unsupported_media_type", 415),
            ("validation_failed", 422),
            ("unauthenticated", 401),
            ("invalid_credentials", 401),
            ("forbidden", 403),
            ("not_found", 404),
            ("conflict", 409),
            ("invalid_transition", 409),
            ("invalid_state", 409),
            ("too_many_attempts", 429),
            ("method_not_allowed", 405),
            ("not_ready", 503),
            ("internal", 500),
            ("malformed_query", 400),
            ("gone", 410),
            ("fhir_unavailable", 412),
            ("already_answered", 409),
            ("storage_unavailable", 503),
            ("server_busy", 503),
        ]
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson { .. } => "malformed_json",
            ApiError::MalformedQuery(_) => "malformed_query",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::InvalidTransition(_) => "invalid_transition",
            ApiError::InvalidState(_) => "invalid_state",
            ApiError::TooManyAttempts(_) => "too_many_attempts",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::NotReady(_) => "not_ready",
            ApiError::Internal(_) => "internal",
            ApiError::Gone(_) => "gone",
            ApiError::FhirUnavailable(_) => "fhir_unavailable",
            ApiError::AlreadyAnswered(_) => "already_answered",
            ApiError::StorageUnavailable(_) => "storage_unavailable",
            ApiError::Busy(_) => "server_busy",
        }
    }

    /// The sentence shown with the code.
    pub fn message(&self) -> String {
        match self {
            ApiError::MalformedJson { path, message } => format!("{path}: {message}"),
            ApiError::MalformedQuery(why) => format!("query: {why}"),
            ApiError::PayloadTooLarge { limit } => format!("the body is larger than {limit} bytes"),
            ApiError::UnsupportedMediaType => "send the body as application/json".into(),
            ApiError::Validation(d) => format!("{} problem(s) found; see details", d.len()),
            ApiError::Unauthenticated => "log in, or send a valid practice API key".into(),
            ApiError::InvalidCredentials => "wrong email or password".into(),
            ApiError::Forbidden => "your role does not allow this".into(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::Conflict(why)
            | ApiError::InvalidTransition(why)
            | ApiError::InvalidState(why)
            | ApiError::Gone(why)
            | ApiError::AlreadyAnswered(why) => why.clone(),
            ApiError::TooManyAttempts(secs) => format!(
                "too many failed attempts: try again in {} minutes",
                (secs + 59) / 60
            ),
            ApiError::MethodNotAllowed => "this method is not allowed on this resource".into(),
            ApiError::NotReady(why) | ApiError::FhirUnavailable(why) => why.clone(),
            ApiError::Internal(_) => "an internal error occurred; it has been logged".into(),
            ApiError::StorageUnavailable(f) => {
                format!("{}: nothing was saved; try again later", f.describe())
            }
            ApiError::Busy(secs) => format!("the server is busy: try again in {secs} s"),
        }
    }
}

impl Detail {
    /// A detail: the JSON path at fault, a stable code and a message.
    pub fn new(path: &str, code: &str, message: impl Into<String>) -> Detail {
        Detail {
            path: path.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

impl ApiError {
    /// A 422 with one detail.
    pub fn invalid(path: &str, code: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![Detail::new(path, code, message)])
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ApiError");
        d.field("code", &self.code());
        match self {
            ApiError::MalformedJson { path, .. } => {
                d.field("path", path);
            }
            ApiError::Validation(details) => {
                let problems: Vec<(&str, &str)> = details
                    .iter()
                    .map(|x| (x.path.as_str(), x.code.as_str()))
                    .collect();
                d.field("details", &problems);
            }
            _ => {}
        }
        d.finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> ApiError {
        // A unique index refusing a row is a conflict the client can act on (two requests
        // created the same thing at once, past the domain's own check), not a server fault.
        // The database's message names the values; it is not repeated.
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                ApiError::Conflict("this already exists (created by a concurrent request)".into())
            }
            _ => match crate::db::storage_failure(&e) {
                Some(failure) => {
                    // The driver's text names the failure (disk full, connection refused), not
                    // the values written.
                    tracing::warn!(error = %e, "storage unavailable");
                    ApiError::StorageUnavailable(failure)
                }
                None => ApiError::Internal(e.into()),
            },
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        ApiError::Internal(e)
    }
}

/// The body of every error answer: `{"error": {"code", "message", "details"}}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorInfo,
}

/// An error: its stable code, a message, and for `validation_failed` every problem found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorInfo {
    /// Stable code (see `docs/errors.md`).
    #[schema(example = "validation_failed")]
    pub code: String,
    /// Human-readable message naming the field at fault.
    pub message: String,
    /// Every problem found (only with `validation_failed`; omitted otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub details: Vec<Detail>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson { .. } | ApiError::MalformedQuery(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthenticated | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_)
            | ApiError::InvalidTransition(_)
            | ApiError::InvalidState(_)
            | ApiError::AlreadyAnswered(_) => StatusCode::CONFLICT,
            ApiError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotReady(_) | ApiError::StorageUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::FhirUnavailable(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            // The chain goes to the log (never patient data: handlers do not put any in errors).
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
        let details: &[Detail] = match self {
            ApiError::Validation(d) => d,
            _ => &[],
        };
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::TooManyAttempts(secs) = self {
            response.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        if let ApiError::StorageUnavailable(_) = self {
            response.insert_header((
                actix_web::http::header::RETRY_AFTER,
                STORAGE_RETRY_AFTER_SECS.to_string(),
            ));
        }
        if let ApiError::Busy(secs) = self {
            response.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        response.json(ErrorBody {
            error: ErrorInfo {
                code: self.code().to_string(),
                message: self.message(),
                details: details.to_vec(),
            },
        })
    }
}

/// Validation errors of the criteria engine, as error details.
pub fn validation(errors: Vec<trials::ValidationError>) -> ApiError {
    ApiError::Validation(
        errors
            .into_iter()
            .map(|e| Detail {
                path: e.path,
                code: e.code.to_string(),
                message: e.message,
            })
            .collect(),
    )
}

/// An API error phrased for a terminal: validation details as `field: message`.
pub fn terminal(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Validation(details) => anyhow::anyhow!(
            "{}",
            details
                .iter()
                .map(|d| format!("{}: {}", d.path.trim_start_matches("$."), d.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Position in [`ApiError::all_codes`]; exhaustive, so a new variant fails to compile here
    /// until it is listed.
    fn position(e: &ApiError) -> usize {
        match e {
            ApiError::MalformedJson { .. } => 0,
            ApiError::PayloadTooLarge { .. } => 1,
            ApiError::UnsupportedMediaType => 2,
            ApiError::Validation(_) => 3,
            ApiError::Unauthenticated => 4,
            ApiError::InvalidCredentials => 5,
            ApiError::Forbidden => 6,
            ApiError::NotFound(_) => 7,
            ApiError::Conflict(_) => 8,
            ApiError::InvalidTransition(_) => 9,
            ApiError::InvalidState(_) => 10,
            ApiError::TooManyAttempts(_) => 11,
            ApiError::MethodNotAllowed => 12,
            ApiError::NotReady(_) => 13,
            ApiError::Internal(_) => 14,
            ApiError::MalformedQuery(_) => 15,
            ApiError::Gone(_) => 16,
            ApiError::FhirUnavailable(_) => 17,
            ApiError::AlreadyAnswered(_) => 18,
            ApiError::StorageUnavailable(_) => 19,
            ApiError::Busy(_) => 20,
        }
    }

    #[test]
    fn debug_prints_codes_and_paths_never_messages() {
        let malformed = ApiError::MalformedJson {
            path: "$.patient.sex".into(),
            message: "unknown variant `ZZPATIENTVALUE1`".into(),
        };
        assert_eq!(
            format!("{malformed:?}"),
            r#"ApiError { code: "malformed_json", path: "$.patient.sex" }"#
        );
        let invalid = ApiError::invalid("$.patient", "malformed_patient", "ZZPATIENTVALUE1");
        let internal = ApiError::Internal(anyhow::anyhow!("ZZPATIENTVALUE1"));
        for e in [
            malformed,
            invalid,
            internal,
            ApiError::Conflict("ZZPATIENTVALUE1".into()),
        ] {
            assert!(!format!("{e:?}").contains("ZZPATIENTVALUE1"), "{e:?}");
        }
    }

    #[test]
    fn all_codes_lists_every_variant_with_its_status() {
        let samples = [
            ApiError::MalformedJson {
                path: "$".into(),
                message: "x".into(),
            },
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::UnsupportedMediaType,
            ApiError::Validation(Vec::new()),
            ApiError::Unauthenticated,
            ApiError::InvalidCredentials,
            ApiError::Forbidden,
            ApiError::NotFound("x".into()),
            ApiError::Conflict("x".into()),
            ApiError::InvalidTransition("x".into()),
            ApiError::InvalidState("x".into()),
            ApiError::TooManyAttempts(60),
            ApiError::MethodNotAllowed,
            ApiError::NotReady("x".into()),
            ApiError::Internal(anyhow::anyhow!("x")),
            ApiError::MalformedQuery("x".into()),
            ApiError::Gone("x".into()),
            ApiError::FhirUnavailable("x".into()),
            ApiError::AlreadyAnswered("x".into()),
            ApiError::StorageUnavailable(crate::db::StorageFailure::Full),
            ApiError::Busy(1),
        ];
        let all = ApiError::all_codes();
        assert_eq!(samples.len(), all.len());
        for (i, e) in samples.iter().enumerate() {
            assert_eq!(position(e), i);
            assert_eq!(all[i], (e.code(), e.status_code().as_u16()), "{e}");
        }
    }
}
