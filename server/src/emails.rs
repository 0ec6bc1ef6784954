//! Every email the server sends: one struct each, its templates under `templates/email/`.

use platform::email_templates;

/// To every sponsor user of the trial's organisation: an administrator approved the trial.
#[derive(Debug, Clone)]
pub struct TrialApproved {
    /// The trial's title.
    pub trial_title: String,
    /// The trial's slug.
    pub trial_slug: String,
    /// The sponsor organisation's name.
    pub sponsor_name: String,
}

email_templates!(TrialApproved, "trial_approved",
    fr: ["email/trial_approved/fr.subject.txt", "email/trial_approved/fr.txt", "email/trial_approved/fr.html"],
    en: ["email/trial_approved/en.subject.txt", "email/trial_approved/en.txt", "email/trial_approved/en.html"]);

/// To every sponsor user of the trial's organisation: an administrator sent the trial back
/// to draft, with a comment.
#[derive(Debug, Clone)]
pub struct TrialRejected {
    /// The trial's title.
    pub trial_title: String,
    /// The trial's slug.
    pub trial_slug: String,
    /// The sponsor organisation's name.
    pub sponsor_name: String,
    /// The administrator's comment.
    pub comment: String,
}

email_templates!(TrialRejected, "trial_rejected",
    fr: ["email/trial_rejected/fr.subject.txt", "email/trial_rejected/fr.txt", "email/trial_rejected/fr.html"],
    en: ["email/trial_rejected/en.subject.txt", "email/trial_rejected/en.txt", "email/trial_rejected/en.html"]);

/// To each coordinator of the chosen site: a new referral. No clinical detail, no patient
/// identity: the trial and a link.
#[derive(Debug, Clone)]
pub struct NewReferral {
    /// The trial's title.
    pub trial_title: String,
    /// The trial's acronym, if it has one.
    pub trial_acronym: Option<String>,
    /// The site's name.
    pub site_name: String,
    /// The referral's page for the coordinator.
    pub referral_url: String,
}

email_templates!(NewReferral, "new_referral",
    fr: ["email/new_referral/fr.subject.txt", "email/new_referral/fr.txt", "email/new_referral/fr.html"],
    en: ["email/new_referral/en.subject.txt", "email/new_referral/en.txt", "email/new_referral/en.html"]);

/// To the patient who gave an email: the signed consent copy (the PDF is attached), with the
/// link to download it again and to withdraw.
#[derive(Debug, Clone)]
pub struct ConsentCopy {
    /// The trial's title.
    pub trial_title: String,
    /// When the consent was signed, already formatted (`2026-11-23 14:05 UTC`).
    pub signed_at: String,
    /// The version of the consent document signed.
    pub document_version: i32,
    /// The patient's receipt page: the copy again, and withdrawal.
    pub receipt_url: String,
}

email_templates!(ConsentCopy, "consent_copy",
    fr: ["email/consent_copy/fr.subject.txt", "email/consent_copy/fr.txt", "email/consent_copy/fr.html"],
    en: ["email/consent_copy/en.subject.txt", "email/consent_copy/en.txt", "email/consent_copy/en.html"]);

/// To the referring practice (if it configured an address): what became of its referral. No
/// patient identity: the date of the referral and the trial.
#[derive(Debug, Clone)]
pub struct ReferralOutcome {
    /// The trial's title.
    pub trial_title: String,
    /// The referral's status: `contacted`, `screening`, `enrolled`, `screen_failed`,
    /// `declined` or `withdrawn` (another code is shown as it is).
    pub status: String,
    /// Why it ended, if given: `not_meeting_criteria`, `declined` or `other` (another code is
    /// shown as it is).
    pub reason: Option<String>,
    /// The site's free-text detail, if any.
    pub detail: Option<String>,
    /// The day of the referral (`2026-11-23`).
    pub referred_on: String,
    /// The site's name.
    pub site_name: String,
}

email_templates!(ReferralOutcome, "referral_outcome",
    fr: ["email/referral_outcome/fr.subject.txt", "email/referral_outcome/fr.txt", "email/referral_outcome/fr.html"],
    en: ["email/referral_outcome/en.subject.txt", "email/referral_outcome/en.txt", "email/referral_outcome/en.html"]);

/// To each coordinator of the site: the patient withdrew their consent; stop contacting them.
#[derive(Debug, Clone)]
pub struct ConsentWithdrawn {
    /// The trial's title.
    pub trial_title: String,
    /// The site's name.
    pub site_name: String,
    /// The referral's page for the coordinator.
    pub referral_url: String,
    /// When the consent was withdrawn, already formatted.
    pub withdrawn_at: String,
}

email_templates!(ConsentWithdrawn, "consent_withdrawn",
    fr: ["email/consent_withdrawn/fr.subject.txt", "email/consent_withdrawn/fr.txt", "email/consent_withdrawn/fr.html"],
    en: ["email/consent_withdrawn/en.subject.txt", "email/consent_withdrawn/en.txt", "email/consent_withdrawn/en.html"]);

/// One trial's line in the weekly digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTrial {
    /// The trial's title.
    pub title: String,
    /// Referrals enrolled so far (all the trial's sites).
    pub enrolled: u64,
    /// The enrolment target, if set.
    pub target: Option<i32>,
}

/// To each coordinator, once a week: new and overdue referrals at their sites and each trial's
/// enrolment against its target. Counts and a link only: no patient identity.
#[derive(Debug, Clone)]
pub struct WeeklyDigest {
    /// The ISO week, `2026-W48`.
    pub week: String,
    /// Referrals created in the last 7 days.
    pub new_referrals: u64,
    /// Referrals still `referred` after `referrals.overdue_days`.
    pub overdue: u64,
    /// The days after which a referral is overdue.
    pub overdue_days: u32,
    /// The trials of the coordinator's sites, by title.
    pub trials: Vec<DigestTrial>,
    /// The coordinator's worklist.
    pub worklist_url: String,
}

email_templates!(WeeklyDigest, "weekly_digest",
    fr: ["email/weekly_digest/fr.subject.txt", "email/weekly_digest/fr.txt", "email/weekly_digest/fr.html"],
    en: ["email/weekly_digest/en.subject.txt", "email/weekly_digest/en.txt", "email/weekly_digest/en.html"]);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use platform::email::{Email, Locale};

    fn snapshot<E: Email>(email: &E) {
        for locale in Locale::ALL {
            let r = email.render(locale).unwrap();
            let name = format!("{}_{}", E::KIND, locale.code());
            insta::assert_snapshot!(
                name,
                format!(
                    "SUBJECT: {}\n===== TEXT =====\n{}\n===== HTML =====\n{}",
                    r.subject, r.text, r.html
                )
            );
        }
    }

    #[test]
    fn trial_approved() {
        snapshot(&TrialApproved {
            trial_title: "Metformin & <heart> failure".into(),
            trial_slug: "metformin-hf".into(),
            sponsor_name: "Cardio Research".into(),
        });
    }

    #[test]
    fn trial_rejected() {
        snapshot(&TrialRejected {
            trial_title: "Metformin & <heart> failure".into(),
            trial_slug: "metformin-hf".into(),
            sponsor_name: "Cardio Research".into(),
            comment: "Criterion 3 needs a unit.\nSee <the guide>.".into(),
        });
    }

    #[test]
    fn new_referral() {
        snapshot(&NewReferral {
            trial_title: "Metformin & <heart> failure".into(),
            trial_acronym: Some("MET-HF".into()),
            site_name: "CHU de Nantes".into(),
            referral_url: "https://inclusio.example/coordinator/referrals/0193?tab=a&b=c".into(),
        });
    }

    #[test]
    fn new_referral_without_acronym() {
        let r = NewReferral {
            trial_title: "T".into(),
            trial_acronym: None,
            site_name: "S".into(),
            referral_url: "https://x.example/r".into(),
        }
        .render(Locale::En)
        .unwrap();
        assert!(r.text.contains("for the trial \"T\"."), "{}", r.text);
    }

    #[test]
    fn consent_copy() {
        snapshot(&ConsentCopy {
            trial_title: "Metformin & <heart> failure".into(),
            signed_at: "2026-11-23 14:05 UTC".into(),
            document_version: 3,
            receipt_url: "https://inclusio.example/consent/receipt/abc?x=1&y=2".into(),
        });
    }

    #[test]
    fn referral_outcome() {
        snapshot(&ReferralOutcome {
            trial_title: "Metformin & <heart> failure".into(),
            status: "screen_failed".into(),
            reason: Some("not_meeting_criteria".into()),
            detail: Some("eGFR below 30.\nSee <the protocol>.".into()),
            referred_on: "2026-11-23".into(),
            site_name: "CHU de Nantes".into(),
        });
    }

    fn outcome(status: &str, reason: Option<&str>, locale: Locale) -> String {
        let r = ReferralOutcome {
            trial_title: "T".into(),
            status: status.into(),
            reason: reason.map(str::to_string),
            detail: None,
            referred_on: "2026-11-23".into(),
            site_name: "S".into(),
        }
        .render(locale)
        .unwrap();
        assert!(!r.text.contains("{%") && !r.html.contains("{%"));
        r.text
    }

    #[test]
    fn referral_outcome_sentences() {
        let en = |status, reason| outcome(status, reason, Locale::En);
        let fr = |status, reason| outcome(status, reason, Locale::Fr);
        assert!(en("enrolled", None).contains(
            "The patient you referred on 2026-11-23 was enrolled in the trial \"T\" at S."
        ));
        assert!(fr("enrolled", None).contains(
            "Votre patient(e) adressé(e) le 2026-11-23 à l'étude « T » a été inclus(e) au centre S."
        ));
        assert!(en("contacted", None).contains("has been contacted by the team at S."));
        assert!(fr("contacted", None).contains("a été contacté(e) par l'équipe du centre S."));
        assert!(en("screening", None).contains("is being screened at S."));
        assert!(fr("screening", None).contains("est en cours de sélection au centre S."));
        assert!(en("declined", None).contains("decided not to take part."));
        assert!(fr("declined", None).contains("a choisi de ne pas y participer."));
        assert!(en("withdrawn", None).contains("withdrew their consent"));
        assert!(fr("withdrawn", None).contains("a retiré son consentement"));

        let failed = en("screen_failed", Some("not_meeting_criteria"));
        assert!(failed.contains("could not be enrolled at S."));
        assert!(failed.contains("Reason: they did not meet the trial's criteria."));
        let failed = fr("screen_failed", Some("not_meeting_criteria"));
        assert!(failed.contains("n'a pas pu y être inclus(e) au centre S."));
        assert!(failed.contains("Motif : il ou elle ne remplissait pas les critères de l'étude."));
        assert!(
            en("screen_failed", Some("declined"))
                .contains("Reason: they preferred not to take part.")
        );
        assert!(fr("screen_failed", Some("other")).contains("Motif : une autre raison."));
        assert!(!en("enrolled", None).contains("Reason:"));
        assert!(!fr("enrolled", None).contains("Motif"));

        // Unknown codes fall back to the code itself.
        assert!(en("on_hold", None).contains("now reads: on_hold."));
        assert!(fr("on_hold", None).contains("indique désormais : on_hold."));
        assert!(
            en("screen_failed", Some("lost_to_follow_up")).contains("Reason: lost_to_follow_up.")
        );
        assert!(
            fr("screen_failed", Some("lost_to_follow_up")).contains("Motif : lost_to_follow_up.")
        );
    }

    #[test]
    fn weekly_digest() {
        snapshot(&WeeklyDigest {
            week: "2026-W48".into(),
            new_referrals: 3,
            overdue: 1,
            overdue_days: 3,
            trials: vec![
                DigestTrial {
                    title: "Metformin & <heart> failure".into(),
                    enrolled: 4,
                    target: Some(20),
                },
                DigestTrial {
                    title: "Open-ended".into(),
                    enrolled: 0,
                    target: None,
                },
            ],
            worklist_url: "https://inclusio.example/coordinator".into(),
        });
    }

    #[test]
    fn consent_withdrawn() {
        snapshot(&ConsentWithdrawn {
            trial_title: "Metformin & <heart> failure".into(),
            site_name: "CHU de Nantes".into(),
            referral_url: "https://inclusio.example/coordinator/referrals/0193".into(),
            withdrawn_at: "2026-11-24 09:30 UTC".into(),
        });
    }

    #[test]
    fn html_escapes_and_text_does_not() {
        let r = TrialApproved {
            trial_title: "A & <b>".into(),
            trial_slug: "s".into(),
            sponsor_name: "S".into(),
        }
        .render(Locale::En)
        .unwrap();
        assert!(r.html.contains("A &#38; &#60;b&#62;") || r.html.contains("A &amp; &lt;b&gt;"));
        assert!(!r.html.contains("<b>"));
        assert!(r.text.contains("A & <b>"));
        assert_eq!(r.subject, "Trial approved: A & <b>");
    }
}
