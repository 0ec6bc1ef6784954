//! Issue 7, dashboards that stay fast: the funnel's inputs kept up to date as events arrive,
//! so a dashboard reads a few hundred counters and one row per referral instead of every
//! plugin event and every status change.
//! - `alert_patients`: per trial and patient (a pseudonym within a practice), when they were
//!   first shown the trial and when they first accepted, last declined (with its reason) and
//!   last answered "not now".
//! - `alert_answers`: how many patients of a practice were first shown the trial in a week
//!   and answered it so (`answer`: `accepted`, `declined`, `not_now`, or `''` when only
//!   shown; `reason`: the last decline's reason or `''`). Weeks are the day number (since
//!   1970-01-01) of their Monday, UTC; `answer_week` is `first_week` when there is no
//!   answer.
//!
//! - `referrals.{contacted,screening,enrolled,screen_failed,declined,withdrawn}_at`: when
//!   the referral reached each status (each is reached at most once), set by the server in
//!   the transaction of the change.
//!
//! - `audit_checkpoints`: one row, the last audit-log row (`seq`, `hash`) up to which the
//!   chain was verified and how many rows that covers, so the administrators' dashboard
//!   verifies only the rows appended since (`server audit verify` still checks them all).
//!
//! All the funnel's inputs are filled from the rows already stored ([`backfill`]); afterwards the server updates
//! them in the transaction of each event or status change it records.

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AlertPatients {
    Table,
    TrialId,
    OrganisationId,
    Patient,
    FirstAt,
    AcceptedAt,
    DeclinedAt,
    DeclineReason,
    NotNowAt,
}

#[derive(DeriveIden)]
enum AuditCheckpoints {
    Table,
    Id,
    Seq,
    Hash,
    Rows,
    VerifiedAt,
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    ContactedAt,
    ScreeningAt,
    EnrolledAt,
    ScreenFailedAt,
    DeclinedAt,
    WithdrawnAt,
}

/// The statuses whose time a referral keeps, with their columns.
const REACHED: [(&str, Referrals); 6] = [
    ("contacted", Referrals::ContactedAt),
    ("screening", Referrals::ScreeningAt),
    ("enrolled", Referrals::EnrolledAt),
    ("screen_failed", Referrals::ScreenFailedAt),
    ("declined", Referrals::DeclinedAt),
    ("withdrawn", Referrals::WithdrawnAt),
];

#[derive(DeriveIden)]
enum AlertAnswers {
    Table,
    TrialId,
    OrganisationId,
    FirstWeek,
    Answer,
    AnswerWeek,
    Reason,
    Patients,
}

/// The statement that fills the referrals' status times from `referral_events`.
pub fn referral_times_backfill() -> String {
    let sets: Vec<String> = REACHED
        .iter()
        .map(|(status, _)| {
            format!(
                "{status}_at = (SELECT MIN(e.at) FROM referral_events e \
                  WHERE e.referral_id = referrals.id AND e.to_status = '{status}')"
            )
        })
        .collect();
    format!("UPDATE referrals SET {}", sets.join(", "))
}

/// The statements that (re)compute both tables from `plugin_events` on `backend`: they
/// empty them, then group the events by patient, then the patients by practice, week and
/// answer. The rules are those of the server's `dashboard::answers` (a patient's answer is
/// their first acceptance, else their last decline, else their last "not now"; at equal
/// times the greater reason).
pub fn backfill(backend: DatabaseBackend) -> Vec<String> {
    let (day, stamp, tail) = match backend {
        DatabaseBackend::Postgres => (
            "CAST(FLOOR(EXTRACT(EPOCH FROM {}) / 86400) AS BIGINT)",
            "to_char(at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS')",
            "substr({0}, strpos({0}, '|') + 1)",
        ),
        // SQLite keeps timestamps as RFC 3339 text in one format, which sorts as time does.
        _ => (
            "(CAST(strftime('%s', {}) AS INTEGER) / 86400)",
            "at",
            "substr({0}, instr({0}, '|') + 1)",
        ),
    };
    let day = |col: &str| day.replace("{}", col);
    let week = |col: &str| format!("({d} - (({d} + 3) % 7))", d = day(col));
    let last_decline = format!(
        "MAX(CASE WHEN response = 'declined' THEN {stamp} || '|' || COALESCE(reason, '') END)"
    );
    let reason = format!(
        "NULLIF({}, '')",
        tail.replace("{0}", &format!("({last_decline})"))
    );
    let answered = "COALESCE(accepted_at, declined_at, not_now_at, first_at)";
    vec![
        "DELETE FROM alert_answers".into(),
        "DELETE FROM alert_patients".into(),
        format!(
            "INSERT INTO alert_patients (trial_id, organisation_id, patient, first_at, \
               accepted_at, declined_at, decline_reason, not_now_at) \
             SELECT trial_id, organisation_id, patient, MIN(at), \
                    MIN(CASE WHEN response = 'accepted' THEN at END), \
                    MAX(CASE WHEN response = 'declined' THEN at END), \
                    {reason}, \
                    MAX(CASE WHEN response = 'not_now' THEN at END) \
             FROM plugin_events GROUP BY trial_id, organisation_id, patient"
        ),
        format!(
            "INSERT INTO alert_answers (trial_id, organisation_id, first_week, answer, \
               answer_week, reason, patients) \
             SELECT trial_id, organisation_id, {first}, \
                    CASE WHEN accepted_at IS NOT NULL THEN 'accepted' \
                         WHEN declined_at IS NOT NULL THEN 'declined' \
                         WHEN not_now_at IS NOT NULL THEN 'not_now' ELSE '' END, \
                    {answered_week}, \
                    CASE WHEN accepted_at IS NULL AND declined_at IS NOT NULL \
                         THEN COALESCE(decline_reason, '') ELSE '' END, \
                    COUNT(*) \
             FROM alert_patients GROUP BY 1, 2, 3, 4, 5, 6",
            first = week("first_at"),
            answered_week = week(answered),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AlertPatients::Table)
                .col(uuid(AlertPatients::TrialId))
                .col(uuid(AlertPatients::OrganisationId))
                .col(string(AlertPatients::Patient))
                .col(timestamp_with_time_zone(AlertPatients::FirstAt))
                .col(timestamp_with_time_zone_null(AlertPatients::AcceptedAt))
                .col(timestamp_with_time_zone_null(AlertPatients::DeclinedAt))
                .col(string_null(AlertPatients::DeclineReason))
                .col(timestamp_with_time_zone_null(AlertPatients::NotNowAt))
                .primary_key(
                    Index::create()
                        .col(AlertPatients::TrialId)
                        .col(AlertPatients::OrganisationId)
                        .col(AlertPatients::Patient),
                )
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AlertAnswers::Table)
                .col(uuid(AlertAnswers::TrialId))
                .col(uuid(AlertAnswers::OrganisationId))
                .col(big_integer(AlertAnswers::FirstWeek))
                .col(string(AlertAnswers::Answer))
                .col(big_integer(AlertAnswers::AnswerWeek))
                .col(string(AlertAnswers::Reason))
                .col(big_integer(AlertAnswers::Patients))
                .primary_key(
                    Index::create()
                        .col(AlertAnswers::TrialId)
                        .col(AlertAnswers::OrganisationId)
                        .col(AlertAnswers::FirstWeek)
                        .col(AlertAnswers::Answer)
                        .col(AlertAnswers::AnswerWeek)
                        .col(AlertAnswers::Reason),
                )
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditCheckpoints::Table)
                .col(integer(AuditCheckpoints::Id).primary_key())
                .col(big_integer(AuditCheckpoints::Seq))
                .col(string(AuditCheckpoints::Hash))
                .col(big_integer(AuditCheckpoints::Rows))
                .col(timestamp_with_time_zone(AuditCheckpoints::VerifiedAt))
                .take(),
        )
        .await?;
        // One column per statement: SQLite alters one thing at a time.
        for (_, column) in REACHED {
            m.alter_table(
                Table::alter()
                    .table(Referrals::Table)
                    .add_column(timestamp_with_time_zone_null(column))
                    .take(),
            )
            .await?;
        }
        let db = m.get_connection();
        for sql in backfill(db.get_database_backend()) {
            db.execute_unprepared(&sql).await?;
        }
        db.execute_unprepared(&referral_times_backfill()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditCheckpoints::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(AlertAnswers::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(AlertPatients::Table).to_owned())
            .await?;
        for (_, column) in REACHED {
            m.alter_table(
                Table::alter()
                    .table(Referrals::Table)
                    .drop_column(column)
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}
