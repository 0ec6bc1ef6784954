//! The pop-up, rendered from `templates/popup.html` at the workspace root: the server
//! renders the same file for `POST /api/v1/match`. Self-contained HTML (inline CSS, no
//! script, nothing fetched), accessible (a labelled dialog, real buttons, decline reasons
//! as radio buttons in a fieldset), with `data-inclusio-action` (`accept`, `not_now`,
//! `decline`) and `data-alert-id` for the EHR or `/static/inclusio.js` to wire.

use crate::alert::Alert;
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
    decline: &'static str,
    decline_legend: &'static str,
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
    accept: "Propose now",
    not_now: "Not now",
    decline: "Decline",
    decline_legend: "Reason for declining",
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
    accept: "Proposer maintenant",
    not_now: "Plus tard",
    decline: "Refuser",
    decline_legend: "Motif du refus",
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
    }
    .render()
}

#[cfg(test)]
mod tests;
