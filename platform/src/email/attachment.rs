//! Files attached to an email (the signed consent copy): sealed with the rest of the email,
//! their bytes as base64 in the sealed JSON.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file attached to an email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file name the recipient sees (`consentement.pdf`).
    pub filename: String,
    /// The MIME type (`application/pdf`).
    pub content_type: String,
    /// The content (base64 when serialised).
    #[serde(serialize_with = "to_base64", deserialize_with = "from_base64")]
    pub bytes: Vec<u8>,
}

fn to_base64<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&STANDARD.encode(bytes))
}

fn from_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(d)?;
    STANDARD.decode(text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bytes_are_base64_in_json() {
        let a = Attachment {
            filename: "copie.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: vec![0, 1, 2, 255],
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"filename":"copie.pdf","content_type":"application/pdf","bytes":"AAEC/w=="}"#
        );
        assert_eq!(serde_json::from_str::<Attachment>(&json).unwrap(), a);
        assert!(serde_json::from_str::<Attachment>(&json.replace("AAEC/w==", "%%")).is_err());
    }
}
