//! Every email the server sends: one struct each, its templates under `templates/email/`.

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::email::{Email, Locale};

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
