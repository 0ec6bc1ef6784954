//! Cards from match results (CDS Hooks 2.0 card rules): a `uuid`, a `summary` under 140
//! characters, `indicator` `info`, `source.label` Inclusio, a Markdown `detail` (why the
//! patient may fit, what to confirm), and the `overrideReasons` a GP can give. Optional fields
//! are omitted, never null or empty.

use crate::cds::index::Compiled;
use serde::Serialize;
use trials::{Locale, TrialResult, Verdict};

/// At most this many cards per call (eligible trials first): alerts must stay rare.
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

/// The cards for the results worth showing: eligible and possibly eligible trials, eligible
/// first, at most [`MAX_CARDS`].
pub fn cards(results: &[TrialResult], compiled: &Compiled, locale: Locale) -> Cards {
    let mut shown: Vec<&TrialResult> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Ineligible)
        .collect();
    shown.sort_by_key(|r| r.verdict);
    shown.truncate(MAX_CARDS);
    let fr = locale == Locale::Fr;
    let cards = shown
        .into_iter()
        .map(|r| {
            let info = compiled.info.get(&r.trial_id);
            let name = match info.and_then(|i| i.acronym.as_deref()) {
                Some(acronym) if !acronym.trim().is_empty() => format!("{acronym}: {}", r.title),
                _ => r.title.clone(),
            };
            let lead = match (r.verdict, fr) {
                (Verdict::Eligible, false) => "Patient may fit trial",
                (Verdict::Eligible, true) => "Patient éligible à l'essai",
                (_, false) => "Patient may fit trial (to confirm)",
                (_, true) => "Patient peut-être éligible à l'essai",
            };
            Card {
                uuid: uuid::Uuid::new_v4().to_string(),
                summary: summary(&format!("{lead} {name}")),
                indicator: "info",
                detail: detail(r, locale),
                source: Source {
                    label: "Inclusio",
                    topic: info.map(|i| Topic {
                        code: i.id.to_string(),
                        system: "https://inclusio.health/fhir/trial",
                        display: r.title.clone(),
                    }),
                },
                override_reasons: override_reasons(locale),
                links: Vec::new(),
            }
        })
        .collect();
    Cards { cards }
}

/// Markdown: the trial's summary, the criteria met, the criteria to confirm.
fn detail(r: &TrialResult, locale: Locale) -> String {
    let fr = locale == Locale::Fr;
    let e = r.explain(locale);
    let mut out = format!("**{}**\n\n", e.verdict);
    if let Some(s) = r.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push_str(s.trim());
        out.push_str("\n\n");
    }
    let met: Vec<&str> = e
        .inclusion
        .iter()
        .filter(|l| l.depth == 0 && l.truth == trials::Truth::Met)
        .map(|l| l.text.as_str())
        .collect();
    if !met.is_empty() {
        out.push_str(if fr {
            "Critères remplis :\n"
        } else {
            "Criteria met:\n"
        });
        for line in met {
            out.push_str(&format!("- {line}\n"));
        }
        out.push('\n');
    }
    if !e.to_confirm.is_empty() {
        out.push_str(if fr {
            "À confirmer avec le patient :\n"
        } else {
            "To confirm with the patient:\n"
        });
        for line in &e.to_confirm {
            out.push_str(&format!("- {line}\n"));
        }
    }
    out.trim_end().to_string()
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
