//! Enrolment, one aggregate from an accepted alert to a decision: electronic consent
//! ([`consent`]) and the referral it opens to the site's coordinators ([`referral`]).
//! Consent and referral change together (a withdrawal closes the referral in the same
//! transaction), so they live together.

pub mod consent;
pub mod referral;
