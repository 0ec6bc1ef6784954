//! What the consent flow's landing page shows for a token: the trial's title and summary and
//! its current consent document in the reader's language (the other language when there is
//! none in it). The token is only looked up, never consumed (link prefetchers must not burn
//! it); issue 6's flow consumes it when the consent is signed.

use super::consent_token::{self, Lookup};
use crate::entities::{consent_document, trial, trial_version};
use crate::error::ApiError;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// The landing page's content.
#[derive(Debug, Clone)]
pub struct Landing {
    /// The trial's title.
    pub title: String,
    /// Its acronym.
    pub acronym: Option<String>,
    /// Its summary, when the definition has one.
    pub summary: Option<String>,
    /// The current consent document: language, version, text.
    pub document: Option<(String, i32, String)>,
}

impl Landing {
    /// The consent document's paragraphs (separated by blank lines).
    pub fn paragraphs(&self) -> Vec<&str> {
        self.document
            .as_ref()
            .map(|(_, _, body)| body.split("\n\n").map(str::trim).collect())
            .unwrap_or_default()
    }
}

/// The landing content of a token: 404 when unknown, 410 when expired or used.
pub async fn landing(
    db: &DatabaseConnection,
    token: &str,
    lang: &str,
) -> Result<Landing, ApiError> {
    let t = match consent_token::lookup(db, token, chrono::Utc::now()).await? {
        Lookup::Valid(t) => t,
        Lookup::Unknown => return Err(ApiError::NotFound("this link".into())),
        Lookup::Expired => return Err(ApiError::Gone("this link has expired".into())),
        Lookup::Used => return Err(ApiError::Gone("this link was already used".into())),
    };
    let tr = trial::Entity::find_by_id(t.trial_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("this link".into()))?;
    let summary = trial_version::Entity::find()
        .filter(trial_version::Column::TrialId.eq(t.trial_id))
        .filter(trial_version::Column::Version.eq(t.trial_version))
        .one(db)
        .await?
        .and_then(|v| v.definition.get("summary")?.as_str().map(str::to_string));
    let docs = consent_document::Entity::find()
        .filter(consent_document::Column::TrialId.eq(t.trial_id))
        .order_by_desc(consent_document::Column::Version)
        .all(db)
        .await?;
    let document = docs
        .iter()
        .find(|d| d.language == lang)
        .or_else(|| docs.first())
        .map(|d| (d.language.clone(), d.version, d.body.clone()));
    Ok(Landing {
        title: tr.title,
        acronym: tr.acronym,
        summary,
        document,
    })
}
