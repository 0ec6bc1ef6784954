//! Recruitment figures per trial for the sponsor pages: how many patients GPs have proposed
//! the trial to (accepted alerts, one per patient of a practice, from the pseudonymous plugin
//! events as the dashboard's tallies keep them). Referrals and enrolments join these figures with the referral workflow.

use platform::entities::alert_patient;
use platform::error::ApiError;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
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
    // Each patient of a practice has one `alert_patients` row per trial, kept as events
    // arrive; `accepted_at` is set once they accepted.
    let rows: Vec<(Uuid, i64)> = alert_patient::Entity::find()
        .select_only()
        .column(alert_patient::Column::TrialId)
        .column_as(
            Expr::expr(Func::count(Expr::col(alert_patient::Column::AcceptedAt))),
            "proposed",
        )
        .filter(alert_patient::Column::TrialId.is_in(trial_ids.iter().copied()))
        .group_by(alert_patient::Column::TrialId)
        .into_tuple()
        .all(db)
        .await?;
    for (trial, proposed) in rows {
        if let Some(c) = out.get_mut(&trial) {
            c.proposed = u32::try_from(proposed).unwrap_or(u32::MAX);
        }
    }
    Ok(out)
}
