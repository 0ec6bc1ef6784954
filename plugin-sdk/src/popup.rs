//! The pop-up, rendered from `templates/popup.html` at the workspace root: the server
//! renders the same file for `POST /api/v1/match`. Self-contained HTML (inline CSS, no
//! script, nothing fetched), accessible (a labelled dialog, real buttons, decline reasons
//! as radio buttons in a fieldset), with `data-inclusio-action` (`accept`, `not_now`,
//! `decline`) and `data-alert-id` for the EHR or `/static/inclusio.js` to wire. Every
//! answer button says what it does ("Later — 30 days", the duration from
//! [`SNOOZE_DAYS`], also given as `data-snooze-days`); no decline reason is pre-selected
//! (the fieldset's `data-reason-required` is the sentence to show when none is chosen).

use crate::alert::Alert;
use crate::fatigue::SNOOZE_DAYS;
use crate::wire::{AlertVerdict, DeclineReason};
use askama::Template;
use trials::Locale;

/// The pop-up's fixed strings in one language.
struct Strings {
    lang: &'static str,
    trial: &'static str,
    eligible: &'static str,
    possibly: &'static str,
    why: &'static str,
    confirm: &'static str,
    accept: &'static str,
    not_now: &'static str,
    days: &'static str,
    decline: &'static str,
    decline_legend: &'static str,
    reason_required: &'static str,
    reasons: [&'static str; 4],
    privacy: &'static str,
}

const EN: Strings = Strings {
    lang: "en",
    trial: "Clinical trial",
    eligible: "Eligible",
    possibly: "Possibly eligible",
    why: "Why this patient matches",
    confirm: "To confirm with the patient",
    accept: "Propose now — opens the consent form",
    not_now: "Later",
    days: "days",
    decline: "Decline — not proposed again to this patient",
    decline_legend: "Reason for declining (choose one)",
    reason_required: "Choose a reason for declining first.",
    reasons: [
        "Not eligible after all",
        "Patient not interested",
        "No time",
        "Other",
    ],
    privacy: "Nothing identifying leaves the practice unless you and the patient agree.",
};

const FR: Strings = Strings {
    lang: "fr",
    trial: "Essai clinique",
    eligible: "Éligible",
    possibly: "Peut-être éligible",
    why: "Pourquoi ce patient correspond",
    confirm: "À confirmer avec le patient",
    accept: "Proposer maintenant — ouvre le consentement",
    not_now: "Plus tard",
    days: "jours",
    decline: "Refuser — ne plus le proposer à ce patient",
    decline_legend: "Motif du refus (à choisir)",
    reason_required: "Choisissez d’abord un motif de refus.",
    reasons: [
        "Finalement non éligible",
        "Patient pas intéressé",
        "Pas le temps",
        "Autre",
    ],
    privacy: "Aucune donnée identifiante ne quitte le cabinet sans votre accord et celui du patient.",
};

/// One decline reason as the template shows it.
struct Reason {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "popup.html")]
struct Popup<'a> {
    s: &'a Strings,
    alert: &'a Alert,
    verdict_class: &'static str,
    verdict: &'static str,
    reasons: Vec<&'a str>,
    confirm: Vec<&'a str>,
    decline_reasons: Vec<Reason>,
    snooze_days: u32,
}

/// The pop-up of `alert` in `locale`, as a self-contained HTML fragment.
pub fn popup_html(alert: &Alert, locale: Locale) -> Result<String, askama::Error> {
    let s = match locale {
        Locale::En => &EN,
        Locale::Fr => &FR,
    };
    let (verdict_class, verdict) = match alert.verdict {
        AlertVerdict::Eligible => ("eligible", s.eligible),
        AlertVerdict::PossiblyEligible => ("possibly_eligible", s.possibly),
    };
    Popup {
        s,
        alert,
        verdict_class,
        verdict,
        reasons: alert.reasons.iter().map(|t| t.get(locale)).collect(),
        confirm: alert.to_confirm.iter().map(|t| t.get(locale)).collect(),
        decline_reasons: DeclineReason::ALL
            .iter()
            .zip(s.reasons)
            .map(|(r, label)| Reason {
                value: r.as_str(),
                label,
            })
            .collect(),
        snooze_days: SNOOZE_DAYS,
    }
    .render()
}

#[cfg(test)]
mod tests;
