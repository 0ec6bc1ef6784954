//! Recruitment dashboards (issue 7): the funnel of a trial computed purely from its rows
//! ([`funnel`]), small-count suppression for sponsors ([`small`]), what a reader sees and
//! the CSV ([`view`]), the SVG charts ([`svg`]); this module loads the rows once and decides
//! who sees what.

pub mod funnel;
pub mod small;
pub mod svg;
pub mod view;

use crate::auth::{Principal, Role};
use crate::entities::{consent, organisation, plugin_event, referral, referral_event, site, trial};
use crate::error::ApiError;
use crate::registry::Access;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// A trial's dashboard as its reader may see it.
#[derive(Debug, Clone)]
pub struct TrialDashboard {
    /// The trial.
    pub trial: trial::Model,
    /// The figures (suppressed for sponsors).
    pub view: view::View,
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
        view: view::build(&f, &names, suppress),
        trial,
        today,
    })
}

/// The rows of one trial, read once, and the names of its sites and practices.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    t: &trial::Model,
) -> Result<(funnel::Input, HashMap<Uuid, String>), ApiError> {
    type EventRow = (Uuid, String, String, Option<String>, DateTime<Utc>);
    let events: Vec<EventRow> = plugin_event::Entity::find()
        .select_only()
        .column(plugin_event::Column::OrganisationId)
        .column(plugin_event::Column::Patient)
        .column(plugin_event::Column::Response)
        .column(plugin_event::Column::Reason)
        .column(plugin_event::Column::At)
        .filter(plugin_event::Column::TrialId.eq(t.id))
        .into_tuple()
        .all(db)
        .await?;
    let consents: Vec<(Uuid, Uuid, DateTime<Utc>)> = consent::Entity::find()
        .select_only()
        .column(consent::Column::Id)
        .column(consent::Column::OrganisationId)
        .column(consent::Column::SignedAt)
        .filter(consent::Column::TrialId.eq(t.id))
        .into_tuple()
        .all(db)
        .await?;
    let referrals = referral::Entity::find()
        .filter(referral::Column::TrialId.eq(t.id))
        .all(db)
        .await?;
    let transitions: Vec<(Uuid, String, Option<String>, DateTime<Utc>)> =
        referral_event::Entity::find()
            .select_only()
            .column(referral_event::Column::ReferralId)
            .column(referral_event::Column::ToStatus)
            .column(referral_event::Column::Reason)
            .column(referral_event::Column::At)
            .filter(
                referral_event::Column::ReferralId.in_subquery(
                    Query::select()
                        .column(referral::Column::Id)
                        .from(referral::Entity)
                        .and_where(referral::Column::TrialId.eq(t.id))
                        .to_owned(),
                ),
            )
            .into_tuple()
            .all(db)
            .await?;
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
    let mut practices: Vec<Uuid> = events.iter().map(|e| e.0).collect();
    practices.extend(consents.iter().map(|c| c.1));
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
        events: events
            .into_iter()
            .map(|(practice, patient, response, reason, at)| funnel::Event {
                practice,
                patient,
                response,
                reason,
                at,
            })
            .collect(),
        consents: consents
            .into_iter()
            .map(|(id, practice, signed_at)| funnel::Consent {
                id,
                practice,
                signed_at,
            })
            .collect(),
        referrals: referrals
            .into_iter()
            .map(|r| funnel::Referral {
                id: r.id,
                consent: r.consent_id,
                site: r.site_id,
                practice: r.organisation_id,
                status: r.status,
                reason: r.reason,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect(),
        transitions: transitions
            .into_iter()
            .map(|(referral, to, reason, at)| funnel::Transition {
                referral,
                to,
                reason,
                at,
            })
            .collect(),
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
    let trials = trial::Entity::find().all(db).await?;
    let ids: Vec<Uuid> = trials.iter().map(|t| t.id).collect();
    let proposed = crate::registry::recruitment::counts(db, &ids).await?;
    let statuses: Vec<(Uuid, String)> = referral::Entity::find()
        .select_only()
        .column(referral::Column::TrialId)
        .column(referral::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    // Enrolled: reached `enrolled` (an enrolled referral may have withdrawn since).
    let enrolled: Vec<Uuid> = referral_event::Entity::find()
        .select_only()
        .column(referral_event::Column::ReferralId)
        .filter(referral_event::Column::ToStatus.eq("enrolled"))
        .into_tuple()
        .all(db)
        .await?;
    let enrolled: std::collections::HashSet<Uuid> = enrolled.into_iter().collect();
    let trial_of: Vec<(Uuid, Uuid)> = referral::Entity::find()
        .select_only()
        .column(referral::Column::Id)
        .column(referral::Column::TrialId)
        .into_tuple()
        .all(db)
        .await?;
    let mut referred: HashMap<Uuid, u32> = HashMap::new();
    for (t, _) in &statuses {
        *referred.entry(*t).or_default() += 1;
    }
    let mut enrolled_by: HashMap<Uuid, u32> = HashMap::new();
    for (r, t) in &trial_of {
        if enrolled.contains(r) {
            *enrolled_by.entry(*t).or_default() += 1;
        }
    }
    let mut out: Vec<Headline> = trials
        .into_iter()
        .map(|t| Headline {
            proposed: proposed.get(&t.id).map_or(0, |c| c.proposed),
            referred: referred.get(&t.id).copied().unwrap_or(0),
            enrolled: enrolled_by.get(&t.id).copied().unwrap_or(0),
            target: t.target_enrolment,
            id: t.id,
            title: t.title,
            status: t.status,
        })
        .collect();
    out.reverse();
    Ok(out)
}
