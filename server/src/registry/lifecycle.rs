//! The trial lifecycle: `draft → submitted → approved (admin) → recruiting ⇄ paused →
//! closed`, a rejection back to `draft` with a comment. Pure: who may move a trial where.

use crate::registry::access::Access;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A trial's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written by its sponsor.
    Draft,
    /// Waiting for review.
    Submitted,
    /// Approved by an administrator, not yet recruiting.
    Approved,
    /// Shown to GPs.
    Recruiting,
    /// Temporarily not shown.
    Paused,
    /// Finished.
    Closed,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::Approved,
        Status::Recruiting,
        Status::Paused,
        Status::Closed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Recruiting => "recruiting",
            Status::Paused => "paused",
            Status::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// No such edge in the lifecycle.
    #[error("a trial cannot go from {from} to {to}")]
    Invalid {
        /// From.
        from: Status,
        /// To.
        to: Status,
    },
    /// The edge exists but only an administrator may take it.
    #[error("only an administrator may move a trial from {from} to {to}")]
    AdminOnly {
        /// From.
        from: Status,
        /// To.
        to: Status,
    },
    /// A rejection needs a comment for the sponsor.
    #[error("a rejection needs a comment for the sponsor")]
    CommentRequired,
}

/// Checks a transition asked for by a caller with `access` who may edit the trial (its
/// sponsor or an administrator: [`Access::editable`] has been checked); the review edges
/// are an administrator's.
pub fn check(
    from: Status,
    to: Status,
    access: &Access,
    comment: Option<&str>,
) -> Result<(), TransitionError> {
    use Status::*;
    let admin_only = match (from, to) {
        (Draft, Submitted)
        | (Approved, Recruiting)
        | (Recruiting, Paused)
        | (Paused, Recruiting) => false,
        (Draft | Approved | Recruiting | Paused, Closed) => false,
        (Submitted, Approved) | (Submitted, Draft) => true,
        _ => return Err(TransitionError::Invalid { from, to }),
    };
    if admin_only && !matches!(access, Access::Admin) {
        return Err(TransitionError::AdminOnly { from, to });
    }
    if (from, to) == (Submitted, Draft) && comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(TransitionError::CommentRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn every_pair_of_statuses_for_each_mover() {
        let allowed_owner = [
            (Draft, Submitted),
            (Approved, Recruiting),
            (Recruiting, Paused),
            (Paused, Recruiting),
            (Draft, Closed),
            (Approved, Closed),
            (Recruiting, Closed),
            (Paused, Closed),
        ];
        let admin_only = [(Submitted, Approved), (Submitted, Draft)];
        for from in Status::ALL {
            for to in Status::ALL {
                let owner = check(from, to, &Access::Sponsor(uuid::Uuid::nil()), Some("why"));
                let admin = check(from, to, &Access::Admin, Some("why"));
                if allowed_owner.contains(&(from, to)) {
                    assert_eq!(
                        (owner.clone(), admin.clone()),
                        (Ok(()), Ok(())),
                        "{from}->{to}"
                    );
                } else if admin_only.contains(&(from, to)) {
                    assert_eq!(owner, Err(TransitionError::AdminOnly { from, to }));
                    assert_eq!(admin, Ok(()));
                } else {
                    assert_eq!(
                        owner,
                        Err(TransitionError::Invalid { from, to }),
                        "{from}->{to}"
                    );
                    assert_eq!(admin, Err(TransitionError::Invalid { from, to }));
                }
            }
        }
    }

    #[test]
    fn rejections_need_a_comment() {
        assert_eq!(
            check(Submitted, Draft, &Access::Admin, None),
            Err(TransitionError::CommentRequired)
        );
        assert_eq!(
            check(Submitted, Draft, &Access::Admin, Some("  ")),
            Err(TransitionError::CommentRequired)
        );
        assert_eq!(
            check(
                Submitted,
                Draft,
                &Access::Admin,
                Some("add an eGFR exclusion")
            ),
            Ok(())
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("open"), None);
    }
}
