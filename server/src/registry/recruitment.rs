//! Recruitment figures per trial for the sponsor pages: how many patients GPs have proposed
//! the trial to (accepted alerts, one per patient of a practice, from the pseudonymous plugin
//! events). Referrals and enrolments join these figures with the referral workflow.

use crate::entities::plugin_event;
use crate::error::ApiError;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How far a trial's recruitment has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Patients a GP proposed the trial to (an accepted alert), each patient of a practice
    /// counted once however often it was accepted.
    pub proposed: u32,
}

/// The counts of each trial of `trial_ids` (every id has an entry).
pub async fn counts<C: ConnectionTrait>(
    db: &C,
    trial_ids: &[Uuid],
) -> Result<HashMap<Uuid, Counts>, ApiError> {
    let mut out: HashMap<Uuid, Counts> = trial_ids
        .iter()
        .map(|id| (*id, Counts::default()))
        .collect();
    if trial_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, Uuid, String)> = plugin_event::Entity::find()
        .select_only()
        .column(plugin_event::Column::TrialId)
        .column(plugin_event::Column::OrganisationId)
        .column(plugin_event::Column::Patient)
        .filter(plugin_event::Column::TrialId.is_in(trial_ids.iter().copied()))
        .filter(plugin_event::Column::Response.eq("accepted"))
        .into_tuple()
        .all(db)
        .await?;
    let distinct: HashSet<(Uuid, Uuid, String)> = rows.into_iter().collect();
    for (trial, _, _) in distinct {
        if let Some(c) = out.get_mut(&trial) {
            c.proposed += 1;
        }
    }
    Ok(out)
}
