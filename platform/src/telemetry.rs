//! Structured logs with tracing: readable in development, JSON in production. Request spans
//! carry a request id (tracing-actix-web); nothing logs request bodies, so no patient data.

use crate::config::Environment;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber once (later calls are ignored, as in tests).
pub fn init(environment: Environment) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // One line per request when its span closes: request id, method, route, status,
    // latency. Spans record no body and no query string, so no patient data.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE);
    let _ = match environment {
        Environment::Production => builder.json().try_init(),
        Environment::Development => builder.try_init(),
    };
}

/// The span of each request: method, matched route pattern (`/api/v1/trials/{id}`, never
/// the raw path or query string), request id, status and, for errors, only the stable error
/// code. Nothing a client sent is recorded, so no patient data reaches the logs.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            request_id = %request_id,
            http.status_code = tracing::field::Empty,
            error.code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(e) => (e.as_response_error().status_code(), Some(e)),
        };
        span.record("http.status_code", status.as_u16());
        if let Some(code) = error
            .and_then(|e| e.as_error::<crate::error::ApiError>())
            .map(|e| e.code())
        {
            span.record("error.code", code);
        }
    }
}
