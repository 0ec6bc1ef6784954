//! `POST /api/v1/match`, for EHRs that cannot embed the SDK: a patient record (or a FHIR R4
//! Bundle) in, the same alerts and pop-ups as the SDK out (`plugin_sdk::Matcher`, the
//! practice's settings and suppressions). The record lives in this request's memory only:
//! it is never stored, logged or put in an error message. The compiled trials are cached
//! per bundle ETag ([`MatcherCache`], shared with the CDS Hooks service): a cache only,
//! rebuilt from the database.

use super::cache::MatcherCache;
use super::popup_token::PopupSealer;
use super::{is_pseudonym, pseudonym_detail, settings, suppressions};
use chrono::NaiveDate;
use platform::error::{ApiError, Detail};
use plugin_sdk::wire::AlertDisplay;
use plugin_sdk::{Alert, History, Locale, Rules};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A patient record only as a JSON object (or `null`): serde would otherwise read a struct
/// from an array, field by field, so `[null, null]` would be an empty record.
fn object_patient<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<trials::Patient>, D::Error> {
    struct ObjectOnly;
    impl<'de> serde::de::Visitor<'de> for ObjectOnly {
        type Value = Option<trials::Patient>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a patient record (a JSON object)")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            trials::Patient::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                .map(Some)
        }
    }
    d.deserialize_any(ObjectOnly)
}

/// The body of `POST /api/v1/match`: exactly one of `patient` and `fhir`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// A patient record (`trials::Patient`: birth date, sex, coded events, observations).
    #[serde(default, deserialize_with = "object_patient")]
    #[schema(value_type = Option<Object>)]
    pub patient: Option<trials::Patient>,
    /// A FHIR R4 Bundle holding the patient's resources.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub fhir: Option<serde_json::Value>,
    /// The patient's pseudonym (HMAC-SHA-256 of the local id under the practice secret, 64
    /// lowercase hex): needed for the practice's declines, snoozes and unanswered showings
    /// to apply, and for answers to be recorded. The local id itself is never sent.
    #[serde(default)]
    pub pseudonym: Option<String>,
    /// The consultation date (default: today, UTC).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    /// `fr` (default) or `en`: the language of `popup_html`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// One alert with its pop-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchAlert {
    /// The alert, as the SDK builds it (`id`, `trial`, `trial_id`, `trial_version`,
    /// `title`, `acronym`, `summary`, `verdict`, `reasons`, `to_confirm`).
    #[serde(flatten)]
    pub alert: Alert,
    /// The pop-up as a self-contained HTML fragment (the SDK's `popup_html`).
    pub popup_html: String,
    /// The pop-up as a page (`/popup/{sealed token}`, valid 15 minutes), for an iframe or
    /// a new window.
    pub popup_url: String,
}

/// The answer of `POST /api/v1/match`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchResponse {
    /// At most the practice's `max_alerts`, best first; empty: show nothing.
    pub alerts: Vec<MatchAlert>,
    /// How the practice wants alerts shown (its `display` setting): `modal` or `banner`.
    pub display: AlertDisplay,
}

/// A checked request: the record, the pseudonym, the date and the language.
struct Checked {
    patient: trials::Patient,
    pseudonym: Option<String>,
    date: NaiveDate,
    locale: Locale,
}

fn check(req: MatchRequest, today: NaiveDate) -> Result<Checked, ApiError> {
    let mut details = Vec::new();
    if let Some(p) = &req.pseudonym
        && !is_pseudonym(p)
    {
        details.push(pseudonym_detail("$.pseudonym"));
    }
    let locale = match req.lang.as_deref().map(Locale::parse) {
        None => Locale::Fr,
        Some(Some(l)) => l,
        Some(None) => {
            details.push(Detail::new(
                "$.lang",
                "unknown_language",
                "not a supported language: fr or en",
            ));
            Locale::Fr
        }
    };
    let patient = match (req.patient, req.fhir) {
        (Some(p), None) => Some(p),
        (None, Some(bundle)) => match trials::fhir::bundle_value_to_patient(&bundle) {
            Ok(c) => Some(c.patient),
            Err(e) => {
                // The error names a path or a JSON kind, never a value of the record.
                details.push(Detail::new("$.fhir", "invalid_fhir", e.to_string()));
                None
            }
        },
        (Some(_), Some(_)) => {
            details.push(Detail::new(
                "$.fhir",
                "patient_and_fhir",
                "send the record as `patient` or as `fhir`, not both",
            ));
            None
        }
        (None, None) => {
            details.push(Detail::new(
                "$.patient",
                "required",
                "send the record as `patient` or as a FHIR Bundle in `fhir`",
            ));
            None
        }
    };
    match patient {
        Some(patient) if details.is_empty() => Ok(Checked {
            patient,
            pseudonym: req.pseudonym,
            date: req.date.unwrap_or(today),
            locale,
        }),
        _ => Err(ApiError::Validation(details)),
    }
}

/// The alerts for a patient of `practice`, with their pop-ups; `popup_base` is where
/// `/popup/{token}` is served (`{public url}/popup`); `now` is the application clock's (the
/// day the record is evaluated on unless the request names one, and the start of the
/// pop-up tokens' lifetime).
pub async fn run(
    db: &sea_orm::DatabaseConnection,
    cache: &MatcherCache,
    sealer: &PopupSealer,
    practice: Uuid,
    req: MatchRequest,
    popup_base: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<MatchResponse, ApiError> {
    let today = now.date_naive();
    let c = check(req, today)?;
    let matcher = cache.get(db).await?;
    let practice_settings = settings::get(db, practice).await?;
    let rules = Rules::from(&practice_settings);
    let pseudonym = c.pseudonym.unwrap_or_default();
    let history = if pseudonym.is_empty() {
        History::default()
    } else {
        suppressions::history(db, practice, &pseudonym, today).await?
    };
    let alerts = matcher.alerts(
        &rules,
        &history,
        &pseudonym,
        &c.patient,
        c.date,
        Uuid::now_v7,
    );
    let mut out = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let popup_html = plugin_sdk::popup_html(&alert, c.locale)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("pop-up template: {e}")))?;
        let token = sealer.seal(&alert, c.locale, practice, &pseudonym, now.timestamp())?;
        out.push(MatchAlert {
            popup_url: format!("{popup_base}/{token}"),
            popup_html,
            alert,
        });
    }
    Ok(MatchResponse {
        alerts: out,
        display: practice_settings.display,
    })
}
