//! Recruitment dashboards (issue 7): the funnel of a trial computed purely from its rows
//! ([`funnel`]), small-count suppression for sponsors ([`small`]), what a reader sees and
//! the CSV ([`view`]), the SVG charts ([`svg`]); this module loads the rows once and decides
//! who sees what.

pub mod answers;
pub mod funnel;
mod referrals;
pub mod small;
pub mod svg;
pub mod tally;
pub mod visible;

use crate::registry::Access;
use chrono::NaiveDate;
use platform::auth::{Principal, Role};
use platform::entities::{organisation, referral, site, trial};
use platform::error::ApiError;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// A trial's dashboard as its reader may see it.
#[derive(Debug, Clone)]
pub struct TrialDashboard {
    /// The trial.
    pub trial: trial::Model,
    /// The figures (suppressed for sponsors).
    pub view: visible::View,
    /// The day it was computed for.
    pub today: NaiveDate,
}

/// The dashboard of trial `id` for `p`: coordinators of its sites, its sponsor (small counts
/// suppressed) and administrators; 404 for anyone else who cannot see the trial, 403 for
/// other roles.
pub async fn trial_dashboard<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
    id: Uuid,
    today: NaiveDate,
) -> Result<TrialDashboard, ApiError> {
    let u = p.require(&[Role::Admin, Role::Sponsor, Role::Coordinator])?;
    let suppress = u.role == Role::Sponsor;
    let access = Access::of(db, p).await?;
    let trial = access.visible(trial::Entity::find_by_id(id).one(db).await?, id)?;
    let (input, names) = load(db, &trial).await?;
    let f = funnel::compute(&input, today);
    Ok(TrialDashboard {
        view: visible::build(&f, &names, suppress),
        trial,
        today,
    })
}

/// The rows of one trial, read once, and the names of its sites and practices.
///
/// The plugin events are read as counted groups ([`tally`]), the consents with their
/// referrals in one query ([`referrals`]).
pub async fn load<C: ConnectionTrait>(
    db: &C,
    t: &trial::Model,
) -> Result<(funnel::Input, HashMap<Uuid, String>), ApiError> {
    let answers = tally::answers(db, t.id).await?;
    let (consents, referrals, transitions) = referrals::load(db, t.id).await?;
    let mut names: HashMap<Uuid, String> = site::Entity::find()
        .select_only()
        .column(site::Column::Id)
        .column(site::Column::Name)
        .filter(site::Column::TrialId.eq(t.id))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut practices: Vec<Uuid> = answers.iter().map(|a| a.practice).collect();
    practices.extend(consents.iter().map(|c| c.practice));
    practices.sort_unstable();
    practices.dedup();
    for chunk in practices.chunks(500) {
        let rows: Vec<(Uuid, String)> = organisation::Entity::find()
            .select_only()
            .column(organisation::Column::Id)
            .column(organisation::Column::Name)
            .filter(organisation::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    let input = funnel::Input {
        target: t.target_enrolment.and_then(|n| u32::try_from(n).ok()),
        answers,
        consents,
        referrals,
        transitions,
    };
    Ok((input, names))
}

/// One trial's headline numbers for the administrators' dashboard.
#[derive(Debug, Clone)]
pub struct Headline {
    /// Trial id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Status.
    pub status: String,
    /// Patients proposed the trial (accepted alerts, distinct).
    pub proposed: u32,
    /// Referrals.
    pub referred: u32,
    /// Enrolled.
    pub enrolled: u32,
    /// Target, if any.
    pub target: Option<i32>,
}

/// Every trial's headline numbers (administrators only), newest first.
pub async fn headlines<C: ConnectionTrait>(
    db: &C,
    p: &Principal,
) -> Result<Vec<Headline>, ApiError> {
    p.require(&[Role::Admin])?;
    let trials = trial::Entity::find()
        .order_by_desc(trial::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = trials.iter().map(|t| t.id).collect();
    let proposed = crate::registry::recruitment::counts(db, &ids).await?;
    // Enrolled: reached `enrolled` (an enrolled referral may have withdrawn since).
    let referrals: HashMap<Uuid, (i64, i64)> = referral::Entity::find()
        .select_only()
        .column(referral::Column::TrialId)
        .column_as(
            Expr::expr(Func::count(Expr::col(referral::Column::Id))),
            "referred",
        )
        .column_as(
            Expr::expr(Func::count(Expr::col(referral::Column::EnrolledAt))),
            "enrolled",
        )
        .group_by(referral::Column::TrialId)
        .into_tuple::<(Uuid, i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(t, referred, enrolled)| (t, (referred, enrolled)))
        .collect();
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(trials
        .into_iter()
        .map(|t| Headline {
            proposed: proposed.get(&t.id).map_or(0, |c| c.proposed),
            referred: referrals.get(&t.id).map_or(0, |r| count(r.0)),
            enrolled: referrals.get(&t.id).map_or(0, |r| count(r.1)),
            target: t.target_enrolment,
            id: t.id,
            title: t.title,
            status: t.status,
        })
        .collect())
}
