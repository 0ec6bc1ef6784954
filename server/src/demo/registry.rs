//! Demo trials: created as the sponsor, taken to `recruiting` (submitted by the sponsor,
//! approved by the administrator, recruiting by the sponsor), with a site, its coordinator
//! and consent documents in French and English, all through [`crate::registry`].

use super::SITE;
use crate::registry::Access;
use crate::registry::consent_documents::{self, NewDocument};
use crate::registry::input::TrialInput;
use crate::registry::sites::{self, NewSite};
use crate::registry::trials::{self, TransitionInput};
use platform::entities::{consent_document, site, trial};
use platform::error::terminal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use std::path::Path;
use uuid::Uuid;

/// Who moves the trials along.
pub(crate) struct Actors {
    /// The administrator (approves).
    pub admin: Uuid,
    /// The sponsor user (creates, submits, starts recruiting).
    pub sponsor: Uuid,
    /// The sponsor organisation.
    pub sponsor_org: Uuid,
    /// Where the approval emails go (sent when the server runs).
    pub outbox: platform::email::Outbox,
    /// When they act: the system clock's now, read once when seeding starts.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The site every demo trial gets.
pub(super) struct SiteStaff {
    /// The site organisation.
    pub site_org: Uuid,
    /// Its research coordinator.
    pub coordinator: Uuid,
}

/// `(file name, JSON)` of every example trial definition (`trials/examples/trials`),
/// compiled in so that the demo seeds from any directory; in file-name order.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "child-overweight",
        include_str!("../../../trials/examples/trials/child-overweight.json"),
    ),
    (
        "depression-first-episode",
        include_str!("../../../trials/examples/trials/depression-first-episode.json"),
    ),
    (
        "diabetes-t2-hba1c",
        include_str!("../../../trials/examples/trials/diabetes-t2-hba1c.json"),
    ),
    (
        "heart-failure-ntprobnp",
        include_str!("../../../trials/examples/trials/heart-failure-ntprobnp.json"),
    ),
    (
        "hypertension-uncontrolled",
        include_str!("../../../trials/examples/trials/hypertension-uncontrolled.json"),
    ),
    (
        "influenza-vaccine-65",
        include_str!("../../../trials/examples/trials/influenza-vaccine-65.json"),
    ),
    (
        "lung-screening-copd",
        include_str!("../../../trials/examples/trials/lung-screening-copd.json"),
    ),
    (
        "menopause-sleep-survey",
        include_str!("../../../trials/examples/trials/menopause-sleep-survey.json"),
    ),
    (
        "sicca-signal",
        include_str!("../../../trials/examples/trials/sicca-signal.json"),
    ),
    (
        "vka-unstable-inr",
        include_str!("../../../trials/examples/trials/vka-unstable-inr.json"),
    ),
];

/// The example trial definitions compiled into the binary, in file-name order.
pub(super) fn examples() -> anyhow::Result<Vec<serde_json::Value>> {
    EXAMPLES
        .iter()
        .map(|(name, text)| {
            serde_json::from_str(text)
                .map_err(|e| anyhow::anyhow!("example trial {name}.json: {e}"))
        })
        .collect()
}

/// Every `*.json` trial definition in `dir`, by file name.
pub(super) fn read_dir(dir: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the trial definitions in {}: {e}",
            dir.display()
        )
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        anyhow::bail!("no trial definition (*.json) in {}", dir.display());
    }
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
        })
        .collect()
}

/// Ensures one trial exists, recruits, and has its site and consent documents; returns its
/// id (slug).
pub(super) async fn trial(
    db: &DatabaseConnection,
    a: &Actors,
    staff: &SiteStaff,
    definition: serde_json::Value,
) -> anyhow::Result<String> {
    let t = recruiting(db, a, definition).await?;
    site_with_coordinator(db, a, staff, t.id).await?;
    consent_documents(db, a, t.id, &t.title).await?;
    Ok(t.slug)
}

/// Ensures one trial exists (created as the sponsor when missing) and is taken as far as
/// `recruiting`; returns it.
pub(crate) async fn recruiting(
    db: &DatabaseConnection,
    a: &Actors,
    definition: serde_json::Value,
) -> anyhow::Result<trial::Model> {
    let slug = definition
        .get("id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow::anyhow!("a trial definition has no `id`"))?
        .to_string();
    let sponsor = Access::Sponsor(a.sponsor_org);
    let found = trial::Entity::find()
        .filter(trial::Column::Slug.eq(&slug))
        .one(db)
        .await?;
    let t = match found {
        Some(t) if t.sponsor_id == a.sponsor_org => t,
        Some(_) => anyhow::bail!("trial `{slug}` belongs to another sponsor"),
        None => {
            let input = TrialInput {
                definition,
                acronym: None,
                registry_number: None,
                target_enrolment: Some(100),
                recruitment_start: None,
                recruitment_end: None,
                sponsor_id: None,
                patient_information: Some("Cette étude (démonstration) compare deux prises en charge. Elle dure six mois, avec trois visites au centre investigateur.".into()),
                comprehension_questions: Some(vec![
                    crate::registry::questions::Question {
                        text: "Pouvez-vous arrêter l’étude à tout moment ?".into(),
                        options: vec!["Non".into(), "Oui, sans conséquence sur mes soins".into()],
                        answer: 1,
                    },
                    crate::registry::questions::Question {
                        text: "Combien de temps dure l’étude ?".into(),
                        options: vec!["Six mois".into(), "Cinq ans".into()],
                        answer: 0,
                    },
                ]),
                ..TrialInput::default()
            };
            let txn = platform::db::write(db).await?;
            let v = trials::create(&txn, a.sponsor, &sponsor, input, a.now)
                .await
                .map_err(|e| anyhow::anyhow!("trial `{slug}`: {}", terminal(e)))?;
            txn.commit().await?;
            trial::Entity::find_by_id(v.id)
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("trial `{slug}` vanished"))?
        }
    };
    to_recruiting(db, a, t.id, &t.status).await?;
    Ok(t)
}

/// Moves a trial forward until it recruits; leaves a paused or closed trial as it is.
async fn to_recruiting(
    db: &DatabaseConnection,
    a: &Actors,
    id: Uuid,
    status: &str,
) -> anyhow::Result<()> {
    let mut status = status.to_string();
    loop {
        let (user, access, to) = match status.as_str() {
            "draft" => (a.sponsor, Access::Sponsor(a.sponsor_org), "submitted"),
            "submitted" => (a.admin, Access::Admin, "approved"),
            "approved" => (a.sponsor, Access::Sponsor(a.sponsor_org), "recruiting"),
            _ => return Ok(()),
        };
        let input = TransitionInput {
            to: to.into(),
            comment: None,
        };
        status = trials::transition(db, &a.outbox, user, &access, id, input, a.now)
            .await
            .map_err(terminal)?
            .status;
    }
}

async fn site_with_coordinator(
    db: &DatabaseConnection,
    a: &Actors,
    staff: &SiteStaff,
    trial_id: Uuid,
) -> anyhow::Result<()> {
    let sponsor = Access::Sponsor(a.sponsor_org);
    let existing = site::Entity::find()
        .filter(site::Column::TrialId.eq(trial_id))
        .filter(site::Column::OrganisationId.eq(staff.site_org))
        .one(db)
        .await?;
    let site_id = match existing {
        Some(s) => s.id,
        None => {
            let new = NewSite {
                name: SITE.into(),
                address: "1 place de l'Hôpital, 69003 Lyon".into(),
                organisation_id: Some(staff.site_org),
                latitude: Some(45.7597),
                longitude: Some(4.8422),
                ..NewSite::default()
            };
            let txn = platform::db::write(db).await?;
            let id = sites::add(&txn, a.sponsor, &sponsor, trial_id, new, a.now)
                .await
                .map_err(terminal)?
                .id;
            txn.commit().await?;
            id
        }
    };
    // Idempotent: writes nothing when the coordinator is already on the site.
    let txn = platform::db::write(db).await?;
    sites::add_coordinator(&txn, a.sponsor, &sponsor, site_id, staff.coordinator)
        .await
        .map_err(terminal)?;
    txn.commit().await?;
    Ok(())
}

async fn consent_documents(
    db: &DatabaseConnection,
    a: &Actors,
    trial_id: Uuid,
    title: &str,
) -> anyhow::Result<()> {
    let sponsor = Access::Sponsor(a.sponsor_org);
    for language in consent_documents::LANGUAGES {
        let n = consent_document::Entity::find()
            .filter(consent_document::Column::TrialId.eq(trial_id))
            .filter(consent_document::Column::Language.eq(language))
            .count(db)
            .await?;
        if n > 0 {
            continue;
        }
        let body = match language {
            "fr" => format!(
                "Note d'information et formulaire de consentement (démonstration) — {title}.\n\nVotre médecin vous propose de participer à cette étude. Votre participation est libre ; vous pouvez refuser ou vous retirer à tout moment sans conséquence sur vos soins. Si vous acceptez, vos coordonnées seront transmises au centre investigateur, qui vous contactera."
            ),
            _ => format!(
                "Information sheet and consent form (demonstration) — {title}.\n\nYour doctor offers you to take part in this study. Taking part is voluntary; you may refuse or withdraw at any time without any effect on your care. If you agree, your contact details will be passed to the trial site, which will contact you."
            ),
        };
        let new = NewDocument {
            language: language.into(),
            body,
            ..NewDocument::default()
        };
        let txn = platform::db::write(db).await?;
        consent_documents::add(&txn, a.sponsor, &sponsor, trial_id, new, a.now)
            .await
            .map_err(terminal)?;
        txn.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compiled-in examples are exactly the folder's definitions, in the same order, so
    /// `serve --demo` seeds the same trials from any directory as `--trials-dir` from the
    /// repository.
    #[test]
    fn compiled_in_examples_are_the_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/trials");
        let from_folder = read_dir(&dir).unwrap();
        let compiled_in = examples().unwrap();
        assert!(compiled_in.len() >= 10, "{}", compiled_in.len());
        assert_eq!(
            compiled_in, from_folder,
            "a file was added to or removed from trials/examples/trials: update EXAMPLES"
        );
        for definition in &compiled_in {
            assert!(definition.get("id").is_some_and(|id| id.is_string()));
        }
    }
}
