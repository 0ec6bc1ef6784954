//! Saving the sponsor's trial form at once: the trial (created, or a new version of a
//! draft), its new sites with their coordinators and its new consent document versions are
//! written in one transaction, with their audit rows and the bundle generation's bump. An
//! error anywhere rolls everything back: a trial is never half saved.

use super::access::Access;
use super::consent_documents::{self, NewDocument};
use super::input::TrialInput;
use super::sites::{self, NewSite};
use super::trials::{self, TrialView};
use chrono::{DateTime, Utc};
use platform::error::ApiError;
use sea_orm::{DatabaseConnection, DatabaseTransaction};
use uuid::Uuid;

/// A new site of the form, with the research coordinator to link to it.
#[derive(Debug)]
pub struct FormSite {
    /// The site.
    pub site: NewSite,
    /// The coordinator user to link, if any.
    pub coordinator: Option<Uuid>,
}

/// Everything one post of the trial form saves.
#[derive(Debug)]
pub struct TrialSave {
    /// The trial's definition and registry fields.
    pub input: TrialInput,
    /// New sites, in the form's order.
    pub sites: Vec<FormSite>,
    /// Consent documents as typed, one per language at most. An empty body, or the body of
    /// the latest version in that language, adds no version.
    pub consents: Vec<NewDocument>,
}

/// Why a form was not saved (nothing of it was written).
#[derive(Debug)]
pub enum SaveError {
    /// The trial itself was refused: validation, a taken id, not a draft, not found…
    Trial(ApiError),
    /// A site, a coordinator or a consent document was refused, or the database failed,
    /// after the trial part.
    Rest(ApiError),
}

impl SaveError {
    /// The underlying error.
    pub fn into_inner(self) -> ApiError {
        match self {
            SaveError::Trial(e) | SaveError::Rest(e) => e,
        }
    }
}

/// Saves the form in one transaction: creates a trial (`id` `None`) or a new version of the
/// draft `id`, then adds the sites, links their coordinators and adds the consent documents
/// that changed. Commits once, at the end.
pub async fn save_form(
    db: &DatabaseConnection,
    user: Uuid,
    access: &Access,
    id: Option<Uuid>,
    save: TrialSave,
    now: DateTime<Utc>,
) -> Result<TrialView, SaveError> {
    let txn = platform::db::write(db)
        .await
        .map_err(|e| SaveError::Trial(e.into()))?;
    let saved = match id {
        Some(id) => trials::update(&txn, user, access, id, save.input, now).await,
        None => trials::create(&txn, user, access, save.input, now).await,
    };
    // On any error the transaction is dropped uncommitted: it rolls back.
    let t = saved.map_err(SaveError::Trial)?;
    add_rest(&txn, user, access, t.id, save.sites, save.consents, now)
        .await
        .map_err(SaveError::Rest)?;
    txn.commit().await.map_err(|e| SaveError::Rest(e.into()))?;
    Ok(t)
}

async fn add_rest(
    txn: &DatabaseTransaction,
    user: Uuid,
    access: &Access,
    trial_id: Uuid,
    new_sites: Vec<FormSite>,
    consents: Vec<NewDocument>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    for FormSite { site, coordinator } in new_sites {
        let s = sites::add(txn, user, access, trial_id, site, now).await?;
        if let Some(c) = coordinator {
            sites::add_coordinator(txn, user, access, s.id, c).await?;
        }
    }
    for doc in consents {
        if doc.body.trim().is_empty() {
            continue;
        }
        let language = doc.language.trim().to_lowercase();
        let current = consent_documents::latest(txn, trial_id, &language).await?;
        if current.is_some_and(|d| d.body == doc.body) {
            continue;
        }
        consent_documents::add(txn, user, access, trial_id, doc, now).await?;
    }
    Ok(())
}
