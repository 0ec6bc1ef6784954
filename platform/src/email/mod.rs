//! Outgoing email through a transactional outbox.
//!
//! An email is a struct with subject, text and HTML templates in French and English
//! ([`message::Email`], `templates/email/`). [`outbox::Outbox::enqueue`] renders it, seals
//! recipient and content with the [`crate::crypto::Cipher`], and writes one `email_outbox`
//! row in the caller's transaction: the email exists if and only if its cause committed.
//! The [`worker`] claims due rows with a lease (so replicas sharing one database never send
//! the same email twice), sends them through the [`transport::Transport`], and retries
//! failures with exponential backoff until `email.max_attempts`. Admins see the outbox's
//! state at `GET /api/v1/admin/outbox` ([`report`]).
//!
//! Adding an email: a struct in the server's `emails` module, its six templates, one
//! [`email_templates!`](crate::email_templates) line,
//! and one `enqueue` call in the transaction that causes it ([`outbox::Outbox::enqueue_with`]
//! when it carries [`Attachment`]s).

pub mod attachment;
pub mod compose;
pub mod message;
pub mod outbox;
pub mod report;
pub mod transport;
pub mod worker;

pub use attachment::Attachment;
pub use message::{Email, Locale, Rendered};
pub use outbox::Outbox;
pub use transport::{MemoryMailbox, Transport};
