//! What requests carry, parsed: [`Pairs`], a posted form's fields in order, and
//! `ApiJson<T>`, a JSON body extractor whose errors are [`ApiError`]s naming the JSON path of
//! the problem (`$.criteria.inclusion[0].age.min: invalid type…`), with the body size limit
//! from the configuration; [`from_value`], the same errors for a body read as a JSON value
//! first (to look at it before its type). Messages say what kind of problem was met and never
//! quote the value at fault (`trials::redact`): a body may be a patient record.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// The largest body accepted, shared through app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON body parsed into `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiJson<T>, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map_or(1024 * 1024, |l| l.0);
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::MalformedJson {
                    path: "$".into(),
                    message: format!("the body could not be read: {e}"),
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            let text = std::str::from_utf8(&body).map_err(|_| ApiError::MalformedJson {
                path: "$".into(),
                message: "the body is not UTF-8".into(),
            })?;
            trials::parse_json(text)
                .map(ApiJson)
                .map_err(|e| ApiError::MalformedJson {
                    path: e.path,
                    message: e.message,
                })
        })
    }
}

/// A JSON value read into `T`; an error is a `malformed_json` naming the JSON path, as
/// [`ApiJson`] gives.
pub fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::MalformedJson {
            path: if path == "." {
                "$".into()
            } else {
                format!("$.{path}")
            },
            message: trials::redact::redact(&e.into_inner().to_string()),
        }
    })
}

/// A posted form, as its `(name, value)` pairs in order.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The first value of `name`, or the empty string.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}
