//! Cards from the plugin SDK's alerts (CDS Hooks 2.0 card rules), the one way cards are
//! built, with or without a practice: a `uuid` (the alert id), a `summary` under 140
//! characters, `indicator` `info`, `source.label` Inclusio with the trial as its topic, a
//! Markdown `detail` (the trial's summary, the criteria met, what to confirm), the
//! `overrideReasons` a GP can give, and a link to the pop-up when there is one. Optional
//! fields are omitted, never null or empty.

use plugin_sdk::{Alert, AlertVerdict};
use serde::Serialize;
use trials::Locale;

/// At most this many cards per call for an issuer without a practice (eligible trials
/// first; a practice's `max_alerts` otherwise): alerts must stay rare.
pub const MAX_CARDS: usize = 3;

/// The code system of our override reasons.
pub const OVERRIDE_SYSTEM: &str = "https://inclusio.health/fhir/CodeSystem/cds-override-reason";

/// The override reasons: code and display in English and French. `snooze` hides the card for
/// the configured days.
pub const OVERRIDE_REASONS: [(&str, &str, &str); 4] = [
    (
        "not-eligible",
        "Patient not eligible",
        "Patient non éligible",
    ),
    (
        "not-interested",
        "Patient not interested",
        "Patient pas intéressé",
    ),
    ("no-time", "No time now", "Pas le temps maintenant"),
    ("snooze", "Remind me later", "Me le rappeler plus tard"),
];

/// A coding.
#[derive(Debug, Serialize)]
pub struct Coding {
    /// Code.
    pub code: &'static str,
    /// System.
    pub system: &'static str,
    /// Display.
    pub display: &'static str,
}

/// The card's source.
#[derive(Debug, Serialize)]
pub struct Source {
    /// Always "Inclusio".
    pub label: &'static str,
    /// The trial as a coded topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
}

/// The trial a card is about.
#[derive(Debug, Serialize)]
pub struct Topic {
    /// The trial's registry id.
    pub code: String,
    /// Our trial code system.
    pub system: &'static str,
    /// The trial's title.
    pub display: String,
}

/// A CDS Hooks card.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// Unique per card; feedback names it.
    pub uuid: String,
    /// Under 140 characters.
    pub summary: String,
    /// Always `info`.
    pub indicator: &'static str,
    /// Markdown.
    pub detail: String,
    /// Inclusio.
    pub source: Source,
    /// Why a GP may dismiss it.
    pub override_reasons: Vec<Coding>,
    /// Links (the pop-up / consent flow); omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// A card's link.
#[derive(Debug, Serialize)]
pub struct Link {
    /// What the GP reads.
    pub label: String,
    /// Where it goes.
    pub url: String,
    /// `absolute`: opened as is.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// The override reasons in `locale`.
pub fn override_reasons(locale: Locale) -> Vec<Coding> {
    let fr = locale == Locale::Fr;
    OVERRIDE_REASONS
        .iter()
        .map(|(code, en, fr_text)| Coding {
            code,
            system: OVERRIDE_SYSTEM,
            display: if fr { fr_text } else { en },
        })
        .collect()
}

/// The response body.
#[derive(Debug, Serialize)]
pub struct Cards {
    /// The cards, possibly none.
    pub cards: Vec<Card>,
}

/// A summary shorter than 140 characters, cut on a character boundary with an ellipsis.
pub fn summary(text: &str) -> String {
    const MAX: usize = 139;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX - 1).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

/// The card of an alert: its uuid is the alert id; its link, when given, opens the pop-up.
pub fn card(alert: &Alert, locale: Locale, popup_url: Option<String>) -> Card {
    let fr = locale == Locale::Fr;
    let name = match alert.acronym.as_deref() {
        Some(a) if !a.trim().is_empty() => format!("{a}: {}", alert.title),
        _ => alert.title.clone(),
    };
    let lead = match (alert.verdict, fr) {
        (AlertVerdict::Eligible, false) => "Patient may fit trial",
        (AlertVerdict::Eligible, true) => "Patient éligible à l'essai",
        (AlertVerdict::PossiblyEligible, false) => "Patient may fit trial (to confirm)",
        (AlertVerdict::PossiblyEligible, true) => "Patient peut-être éligible à l'essai",
    };
    let mut detail = String::new();
    if let Some(s) = alert.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        detail.push_str(s.trim());
        detail.push_str("\n\n");
    }
    let list = |title: &str, items: &[plugin_sdk::Text], out: &mut String| {
        if items.is_empty() {
            return;
        }
        out.push_str(title);
        out.push('\n');
        for t in items {
            out.push_str(&format!("- {}\n", t.get(locale)));
        }
        out.push('\n');
    };
    let (met, confirm) = if fr {
        ("Critères remplis :", "À confirmer avec le patient :")
    } else {
        ("Criteria met:", "To confirm with the patient:")
    };
    list(met, &alert.reasons, &mut detail);
    list(confirm, &alert.to_confirm, &mut detail);
    let detail = detail.trim_end().to_string();
    Card {
        uuid: alert.id.to_string(),
        summary: summary(&format!("{lead} {name}")),
        indicator: "info",
        detail: if detail.is_empty() {
            lead.to_string()
        } else {
            detail
        },
        source: Source {
            label: "Inclusio",
            topic: Some(Topic {
                code: alert.trial.to_string(),
                system: "https://inclusio.health/fhir/trial",
                display: alert.title.clone(),
            }),
        },
        override_reasons: override_reasons(locale),
        links: popup_url
            .map(|url| Link {
                label: if fr {
                    "Ouvrir l'essai".into()
                } else {
                    "Open the trial".into()
                },
                url,
                kind: "absolute",
            })
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_stay_under_140_characters() {
        for n in [0, 10, 139, 140, 141, 500] {
            let s = summary(&"é".repeat(n));
            assert!(s.chars().count() < 140, "{n}");
        }
        assert_eq!(summary("short"), "short");
        assert!(summary(&"x".repeat(200)).ends_with('…'));
    }
}
