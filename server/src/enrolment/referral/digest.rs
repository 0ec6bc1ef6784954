//! The weekly digest: each coordinator's new and overdue referrals and their trials' progress
//! to target, enqueued once per ISO week. The `digest_runs` row (coordinator, week) is
//! inserted in the transaction of the outbox row: a second run, on this replica or another,
//! inserts nothing and rolls its email back, so a coordinator gets one digest a week.

use super::status::Status;
use super::store;
use crate::emails::{DigestTrial, WeeklyDigest};
use chrono::{DateTime, Datelike, Duration, SubsecRound, Timelike, Utc};
use platform::config::{ReferralSettings, Settings};
use platform::email::Outbox;
use platform::entities::{digest_run, referral, site, trial, user};
use platform::error::ApiError;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set, TryInsertResult,
};
use uuid::Uuid;

/// How often the server's task looks whether the digest is due.
const TICK: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// The ISO week of `now`, `2026-W48`.
pub fn iso_week(now: DateTime<Utc>) -> String {
    let w = now.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Whether this week's digest is due at `now`: from the configured weekday and hour (UTC) to
/// the end of the ISO week.
pub fn due(now: DateTime<Utc>, s: &ReferralSettings) -> bool {
    let day = now.weekday().num_days_from_monday();
    let from = s.digest_weekday.chrono().num_days_from_monday();
    (day, now.hour()) >= (from, s.digest_hour_utc)
}

/// The base of the links in the digest: `http.public_url`, else the listener's address.
pub fn base_url(settings: &Settings) -> String {
    settings.http.base_url()
}

/// One coordinator's digest at `now`.
pub async fn compose(
    db: &DatabaseConnection,
    settings: &Settings,
    coordinator: Uuid,
    now: DateTime<Utc>,
) -> Result<WeeklyDigest, ApiError> {
    let sites = store::coordinator_sites(db, coordinator).await?;
    let days = settings.referrals.overdue_days;
    let new_referrals = referral::Entity::find()
        .filter(referral::Column::SiteId.is_in(sites.clone()))
        .filter(referral::Column::CreatedAt.gt(now - Duration::days(7)))
        .count(db)
        .await?;
    let overdue = referral::Entity::find()
        .filter(referral::Column::SiteId.is_in(sites.clone()))
        .filter(referral::Column::Status.eq(Status::Referred.as_str()))
        .filter(referral::Column::CreatedAt.lte(now - Duration::days(i64::from(days))))
        .count(db)
        .await?;
    let trial_ids: Vec<Uuid> = site::Entity::find()
        .filter(site::Column::Id.is_in(sites))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.trial_id)
        .collect();
    let mut trials = Vec::new();
    for t in trial::Entity::find()
        .filter(trial::Column::Id.is_in(trial_ids))
        .all(db)
        .await?
    {
        let enrolled = referral::Entity::find()
            .filter(referral::Column::TrialId.eq(t.id))
            .filter(referral::Column::Status.eq(Status::Enrolled.as_str()))
            .count(db)
            .await?;
        trials.push(DigestTrial {
            title: t.title,
            enrolled,
            target: t.target_enrolment,
        });
    }
    trials.sort_by(|a, b| a.title.cmp(&b.title));
    Ok(WeeklyDigest {
        week: iso_week(now),
        new_referrals,
        overdue,
        overdue_days: days,
        trials,
        worklist_url: format!("{}/coordinator", base_url(settings)),
    })
}

/// Enqueues this week's digest for every active coordinator with a site who has not had it;
/// returns how many were enqueued by this call.
pub async fn run(
    db: &DatabaseConnection,
    outbox: &Outbox,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let week = iso_week(now);
    let coordinators = user::Entity::find()
        .filter(user::Column::Role.eq("coordinator"))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?;
    let mut sent = 0;
    for u in coordinators {
        if store::coordinator_sites(db, u.id).await?.is_empty() {
            continue;
        }
        let digest = compose(db, settings, u.id, now).await?;
        let txn = platform::db::write(db).await?;
        let row = digest_run::ActiveModel {
            user_id: Set(u.id),
            week: Set(week.clone()),
            created_at: Set(now.trunc_subsecs(6)),
        };
        // `Inserted(0)`: this week's digest is already recorded (PostgreSQL waits for a
        // concurrent writer's commit, SQLite serialises write transactions).
        let written = digest_run::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?;
        if !matches!(written, TryInsertResult::Inserted(1..)) {
            txn.rollback().await?;
            continue;
        }
        outbox
            .enqueue(&txn, &u.email, outbox.default_locale(), &digest)
            .await?;
        txn.commit().await?;
        sent += 1;
    }
    if sent > 0 {
        outbox.wake();
    }
    Ok(sent)
}

/// The server's task: every ten minutes, when the digest is due by `clock`, [`run`]; errors
/// are logged.
pub fn spawn(
    db: DatabaseConnection,
    outbox: Outbox,
    settings: Settings,
    clock: platform::clock::Clock,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        loop {
            ticks.tick().await;
            let now = clock.now();
            if !due(now, &settings.referrals) {
                continue;
            }
            match run(&db, &outbox, &settings, now).await {
                Ok(n) if n > 0 => tracing::info!(digests = n, "weekly digests enqueued"),
                Ok(_) => {}
                Err(e) => tracing::error!(code = e.code(), "weekly digest failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use platform::config::Weekday;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn iso_weeks_cross_years() {
        assert_eq!(iso_week(at("2026-11-26T10:00:00Z")), "2026-W48");
        assert_eq!(iso_week(at("2027-01-01T10:00:00Z")), "2026-W53");
        assert_eq!(iso_week(at("2025-12-29T00:00:00Z")), "2026-W01");
    }

    #[test]
    fn due_from_the_weekday_and_hour_to_the_end_of_the_week() {
        let s = ReferralSettings {
            digest_weekday: Weekday::Tue,
            digest_hour_utc: 7,
            ..ReferralSettings::default()
        };
        // 2026-11-23 is a Monday.
        assert!(!due(at("2026-11-23T23:00:00Z"), &s));
        assert!(!due(at("2026-11-24T06:59:00Z"), &s));
        assert!(due(at("2026-11-24T07:00:00Z"), &s));
        assert!(due(at("2026-11-29T23:59:00Z"), &s));
    }
}
