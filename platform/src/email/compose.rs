//! From an opened outbox row to a MIME message: sender, recipient, subject, a text and an
//! HTML alternative (inside `multipart/mixed` with one part per file when there are
//! attachments), and a Message-ID derived from the outbox id (the same on every retry, so a
//! receiver can recognise a duplicate).

use super::transport::SendError;
use super::{Attachment, Rendered};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the outbox seals: the recipient and the rendered email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The recipient's address.
    pub to: String,
    /// Subject and bodies.
    #[serde(flatten)]
    pub body: Rendered,
    /// Attached files, usually none (rows sealed before attachments existed have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// The Message-ID of outbox row `id`, in the sender's domain.
pub fn message_id(id: Uuid, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

/// Builds the message of outbox row `id`. Errors are permanent and content-free.
pub fn message(id: Uuid, from: &str, sealed: &Sealed) -> Result<Message, SendError> {
    let permanent = |summary: &str| SendError {
        summary: summary.into(),
        permanent: true,
    };
    let from: Mailbox = from
        .parse()
        .map_err(|_| permanent("invalid sender address (smtp.from)"))?;
    let to: Mailbox = sealed
        .to
        .parse()
        .map_err(|_| permanent("invalid recipient address"))?;
    let alternative =
        MultiPart::alternative_plain_html(sealed.body.text.clone(), sealed.body.html.clone());
    let body = if sealed.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for a in &sealed.attachments {
            let content_type = ContentType::parse(&a.content_type)
                .map_err(|_| permanent("invalid attachment content type"))?;
            mixed = mixed.singlepart(
                lettre::message::Attachment::new(a.filename.clone())
                    .body(a.bytes.clone(), content_type),
            );
        }
        mixed
    };
    Message::builder()
        .message_id(Some(message_id(id, &from)))
        .from(from)
        .to(to)
        .subject(sealed.body.subject.clone())
        .multipart(body)
        .map_err(|_| permanent("the message cannot be built"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    fn sealed(attachments: Vec<Attachment>) -> Sealed {
        Sealed {
            to: "patient@example.org".into(),
            body: Rendered {
                subject: "Votre copie".into(),
                text: "Bonjour".into(),
                html: "<p>Bonjour</p>".into(),
            },
            attachments,
        }
    }

    /// The base64 body of the part whose headers contain `marker`.
    fn part_body(raw: &str, marker: &str) -> Vec<u8> {
        let start = raw.find(marker).unwrap();
        let body = start + raw[start..].find("\r\n\r\n").unwrap() + 4;
        let end = body + raw[body..].find("\r\n--").unwrap();
        let b64: String = raw[body..end].split_whitespace().collect();
        STANDARD.decode(b64).unwrap()
    }

    #[test]
    fn attachments_make_a_mixed_message() {
        let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let message = message(
            Uuid::nil(),
            "Inclusio <noreply@inclusio.example>",
            &sealed(vec![Attachment {
                filename: "consentement-signe.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: bytes.clone(),
            }]),
        )
        .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("Content-Type: multipart/mixed"), "{raw}");
        assert!(raw.contains("Content-Type: multipart/alternative"));
        assert!(raw.contains("Content-Type: text/plain"));
        assert!(raw.contains("Content-Type: text/html"));
        assert!(raw.contains("Content-Type: application/pdf"));
        assert!(
            raw.contains("Content-Disposition: attachment; filename=\"consentement-signe.pdf\"")
        );
        assert_eq!(part_body(&raw, "Content-Type: application/pdf"), bytes);
    }

    #[test]
    fn without_attachments_the_message_is_alternative_only() {
        let message =
            message(Uuid::nil(), "noreply@inclusio.example", &sealed(Vec::new())).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("Content-Type: multipart/alternative"));
        assert!(!raw.contains("multipart/mixed"));
        assert!(!raw.contains("Content-Disposition"));
    }

    #[test]
    fn a_bad_content_type_is_a_permanent_error() {
        let err = message(
            Uuid::nil(),
            "noreply@inclusio.example",
            &sealed(vec![Attachment {
                filename: "x".into(),
                content_type: "not a type".into(),
                bytes: vec![1],
            }]),
        )
        .unwrap_err();
        assert!(err.permanent);
    }

    #[test]
    fn sealed_json_without_attachments_still_opens() {
        let old = r#"{"to":"a@example.org","subject":"S","text":"T","html":"<p>H</p>"}"#;
        let opened: Sealed = serde_json::from_str(old).unwrap();
        assert_eq!(opened.to, "a@example.org");
        assert_eq!(opened.body.subject, "S");
        assert!(opened.attachments.is_empty());
        // Without attachments the sealed JSON is as before; with them, it round-trips.
        assert_eq!(serde_json::to_string(&opened).unwrap(), old);
        let with = sealed(vec![Attachment {
            filename: "c.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4".to_vec(),
        }]);
        let json = serde_json::to_string(&with).unwrap();
        assert!(json.contains(r#""bytes":"JVBERi0xLjQ=""#));
        assert_eq!(serde_json::from_str::<Sealed>(&json).unwrap(), with);
    }
}
