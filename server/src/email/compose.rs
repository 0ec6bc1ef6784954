//! From an opened outbox row to a MIME message: sender, recipient, subject, a text and an
//! HTML alternative, and a Message-ID derived from the outbox id (the same on every retry,
//! so a receiver can recognise a duplicate).

use super::Rendered;
use super::transport::SendError;
use lettre::Message;
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
    Message::builder()
        .message_id(Some(message_id(id, &from)))
        .from(from)
        .to(to)
        .subject(sealed.body.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            sealed.body.text.clone(),
            sealed.body.html.clone(),
        ))
        .map_err(|_| permanent("the message cannot be built"))
}
