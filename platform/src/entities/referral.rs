//! The `referrals` table.

use sea_orm::entity::prelude::*;

/// A row of `referrals`: a consented patient referred to one site of a trial.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The consent.
    #[sea_orm(unique)]
    pub consent_id: Uuid,
    /// The trial.
    pub trial_id: Uuid,
    /// The site.
    pub site_id: Uuid,
    /// The referring practice.
    pub organisation_id: Uuid,
    /// The accepted alert.
    pub alert_id: Uuid,
    /// The practice's pseudonym of the patient.
    pub patient: String,
    /// The current status (`referred`, `contacted`, …).
    pub status: String,
    /// The reason of an exit status (`not_meeting_criteria`, `declined`, `other`).
    pub reason: Option<String>,
    /// Free text about the last change.
    pub detail: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last status change.
    pub updated_at: DateTimeUtc,
    /// When it reached `contacted` (each status is reached at most once).
    pub contacted_at: Option<DateTimeUtc>,
    /// When it reached `screening`.
    pub screening_at: Option<DateTimeUtc>,
    /// When it reached `enrolled`.
    pub enrolled_at: Option<DateTimeUtc>,
    /// When it reached `screen_failed`.
    pub screen_failed_at: Option<DateTimeUtc>,
    /// When it reached `declined`.
    pub declined_at: Option<DateTimeUtc>,
    /// When it reached `withdrawn`.
    pub withdrawn_at: Option<DateTimeUtc>,
}

impl Model {
    /// Records that the referral reached `status` at `at` (nothing for `referred`, which is
    /// `created_at`): the field [`Column::reached`] names.
    pub fn mark_reached(&mut self, status: &str, at: DateTimeUtc) {
        let field = match status {
            "contacted" => &mut self.contacted_at,
            "screening" => &mut self.screening_at,
            "enrolled" => &mut self.enrolled_at,
            "screen_failed" => &mut self.screen_failed_at,
            "declined" => &mut self.declined_at,
            "withdrawn" => &mut self.withdrawn_at,
            _ => return,
        };
        *field = Some(at);
    }
}

impl Column {
    /// The column keeping when a referral reached `status` (`None` for `referred`, which is
    /// `created_at`).
    pub fn reached(status: &str) -> Option<Column> {
        Some(match status {
            "contacted" => Column::ContactedAt,
            "screening" => Column::ScreeningAt,
            "enrolled" => Column::EnrolledAt,
            "screen_failed" => Column::ScreenFailedAt,
            "declined" => Column::DeclinedAt,
            "withdrawn" => Column::WithdrawnAt,
            _ => return None,
        })
    }
}

/// No relations are navigated: queries filter by keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
