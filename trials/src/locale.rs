//! The languages Inclusio writes in: explanations, labels and, through the server, pages and
//! emails. One parser for every language tag the service reads.

use serde::{Deserialize, Serialize};

/// A language of explanations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
}

impl Locale {
    /// Parses a language tag by its primary subtag, in any case: `en`, `fr`, `fr-FR`,
    /// `en_GB`…; anything else is `None`.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    /// `en` or `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    pub(crate) fn pick<'a>(self, en: &'a str, fr: &'a str) -> &'a str {
        match self {
            Locale::En => en,
            Locale::Fr => fr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_by_their_primary_subtag() {
        let cases = [
            ("en", Some(Locale::En)),
            ("FR", Some(Locale::Fr)),
            ("fr-FR", Some(Locale::Fr)),
            ("en_GB", Some(Locale::En)),
            (" en ", Some(Locale::En)),
            ("english", None),
            ("es", None),
            ("", None),
        ];
        for (tag, want) in cases {
            assert_eq!(Locale::parse(tag), want, "{tag:?}");
        }
        for l in [Locale::En, Locale::Fr] {
            assert_eq!(Locale::parse(l.code()), Some(l));
        }
    }
}
