//! The referral status machine (pure): `referred → contacted → screening → enrolled`, and the
//! exits `screen_failed`, `declined` and `withdrawn`, each with a CONSORT reason.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Consent signed, the site told; nobody has called the patient yet.
    Referred,
    /// The site reached the patient.
    Contacted,
    /// Screening visit or tests under way.
    Screening,
    /// Enrolled in the trial.
    Enrolled,
    /// Screened and not eligible.
    ScreenFailed,
    /// The patient declined to take part.
    Declined,
    /// The patient withdrew their consent.
    Withdrawn,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 7] = [
        Status::Referred,
        Status::Contacted,
        Status::Screening,
        Status::Enrolled,
        Status::ScreenFailed,
        Status::Declined,
        Status::Withdrawn,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Referred => "referred",
            Status::Contacted => "contacted",
            Status::Screening => "screening",
            Status::Enrolled => "enrolled",
            Status::ScreenFailed => "screen_failed",
            Status::Declined => "declined",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// An exit: needs a reason and ends the workflow.
    pub fn is_exit(self) -> bool {
        matches!(
            self,
            Status::ScreenFailed | Status::Declined | Status::Withdrawn
        )
    }

    /// Nothing follows (an exit; `enrolled` can still be withdrawn).
    pub fn is_terminal(self) -> bool {
        self.is_exit()
    }

    /// Whether the referring practice is told of this status by email (the event feed
    /// carries every status).
    pub fn is_outcome(self) -> bool {
        matches!(self, Status::Enrolled) || self.is_exit()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a referral left the workflow (the CONSORT flow diagram's categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Did not meet the inclusion criteria, or met an exclusion criterion.
    NotMeetingCriteria,
    /// Declined to participate.
    Declined,
    /// Any other reason (say which in the detail).
    Other,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 3] = [Reason::NotMeetingCriteria, Reason::Declined, Reason::Other];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotMeetingCriteria => "not_meeting_criteria",
            Reason::Declined => "declined",
            Reason::Other => "other",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Not an edge of the machine.
    #[error("a referral cannot go from `{from}` to `{to}`")]
    NotAllowed {
        /// The current status.
        from: Status,
        /// The status asked for.
        to: Status,
    },
    /// An exit without a reason.
    #[error("`{0}` needs a reason: not_meeting_criteria, declined or other")]
    ReasonRequired(Status),
    /// A reason on a status that is not an exit.
    #[error("`{0}` takes no reason")]
    ReasonNotAllowed(Status),
    /// `other` without saying what.
    #[error("the reason `other` needs a detail")]
    DetailRequired,
}

/// The statuses reachable from `from`.
pub fn next(from: Status) -> &'static [Status] {
    use Status::*;
    match from {
        Referred => &[Contacted, ScreenFailed, Declined, Withdrawn],
        Contacted => &[Screening, ScreenFailed, Declined, Withdrawn],
        Screening => &[Enrolled, ScreenFailed, Declined, Withdrawn],
        Enrolled => &[Withdrawn],
        ScreenFailed | Declined | Withdrawn => &[],
    }
}

/// Checks a transition with its reason and detail.
pub fn check(
    from: Status,
    to: Status,
    reason: Option<Reason>,
    detail: Option<&str>,
) -> Result<(), TransitionError> {
    if !next(from).contains(&to) {
        return Err(TransitionError::NotAllowed { from, to });
    }
    match (to.is_exit(), reason) {
        (true, None) => Err(TransitionError::ReasonRequired(to)),
        (false, Some(_)) => Err(TransitionError::ReasonNotAllowed(to)),
        (true, Some(Reason::Other)) if detail.is_none_or(|d| d.trim().is_empty()) => {
            Err(TransitionError::DetailRequired)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::Reason::{NotMeetingCriteria, Other};
    use super::Status::*;
    use super::*;

    #[test]
    fn the_happy_path_and_every_exit() {
        type Case<'a> = (Status, Status, Option<Reason>, Option<&'a str>, bool);
        let cases: &[Case] = &[
            (Referred, Contacted, None, None, true),
            (Contacted, Screening, None, None, true),
            (Screening, Enrolled, None, None, true),
            (Enrolled, Withdrawn, Some(Reason::Declined), None, true),
            (Referred, Screening, None, None, false),
            (Referred, Enrolled, None, None, false),
            (Contacted, Enrolled, None, None, false),
            (
                Screening,
                ScreenFailed,
                Some(NotMeetingCriteria),
                None,
                true,
            ),
            (Referred, Declined, Some(Reason::Declined), None, true),
            (Contacted, Withdrawn, Some(Other), Some("moved away"), true),
            (Contacted, Withdrawn, Some(Other), Some("  "), false),
            (Screening, ScreenFailed, None, None, false),
            (Referred, Contacted, Some(Other), Some("x"), false),
            (
                Enrolled,
                ScreenFailed,
                Some(NotMeetingCriteria),
                None,
                false,
            ),
            (Declined, Contacted, None, None, false),
            (Withdrawn, Referred, None, None, false),
            (ScreenFailed, Enrolled, None, None, false),
            (Referred, Referred, None, None, false),
        ];
        for (from, to, reason, detail, ok) in cases {
            assert_eq!(
                check(*from, *to, *reason, *detail).is_ok(),
                *ok,
                "{from} → {to} ({reason:?}, {detail:?})"
            );
        }
    }

    #[test]
    fn exits_are_terminal_and_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            if s.is_exit() {
                assert!(next(s).is_empty());
            }
        }
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
        assert_eq!(Status::parse("enroled"), None);
    }
}
