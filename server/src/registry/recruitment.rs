//! Recruitment figures per trial: patients referred and enrolled.

use crate::error::ApiError;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use uuid::Uuid;

/// How far a trial's recruitment has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Patients referred to the trial's sites.
    pub referred: u32,
    /// Patients enrolled.
    pub enrolled: u32,
}

/// The counts of each trial of `trial_ids` (every id has an entry).
///
/// Zeros today: referrals do not exist yet. Issue 6 (referrals) fills this from its
/// referrals table; this is the one place the sponsor pages read recruitment from.
pub async fn counts<C: ConnectionTrait>(
    _db: &C,
    trial_ids: &[Uuid],
) -> Result<HashMap<Uuid, Counts>, ApiError> {
    Ok(trial_ids
        .iter()
        .map(|id| (*id, Counts::default()))
        .collect())
}
