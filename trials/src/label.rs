//! Human labels of criteria, in one language or in English and French.

use crate::locale::Locale;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A label: written `"HbA1c ≥ 7.5 %"` (the same in every language) or
/// `{"en": "Pregnancy", "fr": "Grossesse"}` (one may be missing: the other stands in).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// English text.
    pub en: String,
    /// French text.
    pub fr: String,
}

impl Label {
    /// The text in `locale`.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.en,
            Locale::Fr => &self.fr,
        }
    }
}

impl From<&str> for Label {
    fn from(text: &str) -> Label {
        Label {
            en: text.to_string(),
            fr: text.to_string(),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Localized {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fr: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Plain(String),
    Localized(Localized),
}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.en == self.fr {
            s.serialize_str(&self.en)
        } else {
            Localized {
                en: Some(self.en.clone()),
                fr: Some(self.fr.clone()),
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Label, D::Error> {
        let bad = || {
            serde::de::Error::custom(
                "a label is a string, or an object with `en` and/or `fr` strings",
            )
        };
        match Raw::deserialize(d).map_err(|_| bad())? {
            Raw::Plain(text) => Ok(Label::from(text.as_str())),
            Raw::Localized(Localized { en, fr }) => match (en, fr) {
                (Some(en), Some(fr)) => Ok(Label { en, fr }),
                (Some(one), None) | (None, Some(one)) => Ok(Label::from(one.as_str())),
                (None, None) => Err(bad()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_plain_or_localized() {
        let plain: Label = serde_json::from_str(r#""HbA1c""#).unwrap();
        assert_eq!(plain.get(Locale::Fr), "HbA1c");
        let both: Label = serde_json::from_str(r#"{"en":"Pregnancy","fr":"Grossesse"}"#).unwrap();
        assert_eq!(
            (both.get(Locale::En), both.get(Locale::Fr)),
            ("Pregnancy", "Grossesse")
        );
        let one: Label = serde_json::from_str(r#"{"fr":"Grossesse"}"#).unwrap();
        assert_eq!(one.get(Locale::En), "Grossesse");
        assert!(serde_json::from_str::<Label>("{}").is_err());
        assert!(serde_json::from_str::<Label>(r#"{"de":"x"}"#).is_err());
        assert!(serde_json::from_str::<Label>("3").is_err());
        assert_eq!(
            serde_json::to_string(&both).unwrap(),
            r#"{"en":"Pregnancy","fr":"Grossesse"}"#
        );
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#""HbA1c""#);
    }
}
