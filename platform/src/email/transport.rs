//! How emails leave the server: SMTP, `.eml` files in a folder (development), or memory
//! (tests). Chosen by `email.transport` (see [`crate::config::EmailSettings`]).

use crate::config::{Settings, SmtpTls, TransportKind};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An email the memory transport kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The whole RFC 5322 message.
    pub raw: String,
}

/// The memory transport's store, shared with whoever reads it (tests).
#[derive(Debug, Clone, Default)]
pub struct MemoryMailbox(Arc<Mutex<Vec<Delivered>>>);

impl MemoryMailbox {
    /// Every email delivered so far, oldest first.
    pub fn all(&self) -> Vec<Delivered> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn push(&self, d: Delivered) {
        if let Ok(mut v) = self.0.lock() {
            v.push(d);
        }
    }
}

/// Where emails go.
pub enum Transport {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a folder.
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
    /// A list in memory.
    Memory(MemoryMailbox),
}

/// Why a send failed, in words that never contain the message (safe to store and show).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{summary}")]
pub struct SendError {
    /// Short and content-free: `smtp 550`, `connection failed`…
    pub summary: String,
    /// Retrying cannot help (a 5xx answer, an invalid address).
    pub permanent: bool,
}

impl Transport {
    /// The transport the settings choose (the file transport's folder is created).
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Transport> {
        Ok(match settings.resolved_transport() {
            TransportKind::Memory => Transport::Memory(MemoryMailbox::default()),
            TransportKind::File => {
                let folder = settings.email.folder.clone();
                std::fs::create_dir_all(&folder)
                    .map_err(|e| anyhow::anyhow!("email.folder {}: {e}", folder.display()))?;
                Transport::File(AsyncFileTransport::new(&folder), folder)
            }
            TransportKind::Smtp => {
                let smtp = &settings.smtp;
                let host = smtp
                    .host
                    .as_deref()
                    .ok_or_else(|| anyhow::anyhow!("smtp.host is required"))?;
                let mut builder = match smtp.tls {
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                    SmtpTls::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?
                    }
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                }
                .port(smtp.port)
                .timeout(Some(Duration::from_secs(smtp.timeout_secs)));
                if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                    builder = builder
                        .credentials(Credentials::new(user.clone(), password.expose().clone()));
                }
                Transport::Smtp(builder.build())
            }
        })
    }

    /// The memory transport's store, when this is the memory transport.
    pub fn mailbox(&self) -> Option<MemoryMailbox> {
        match self {
            Transport::Memory(m) => Some(m.clone()),
            _ => None,
        }
    }

    /// Sends one message.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| {
                let summary = match e.status() {
                    Some(code) => format!("smtp {code}"),
                    None if e.is_timeout() => "smtp timeout".into(),
                    None if e.is_tls() => "smtp tls error".into(),
                    None => "smtp connection failed".into(),
                };
                SendError {
                    summary,
                    permanent: e.is_permanent(),
                }
            }),
            Transport::File(t, _) => t.send(message).await.map(drop).map_err(|_| SendError {
                summary: "cannot write the email file".into(),
                permanent: false,
            }),
            Transport::Memory(m) => {
                m.push(Delivered {
                    to: message
                        .envelope()
                        .to()
                        .iter()
                        .map(|a| a.to_string())
                        .collect(),
                    raw: String::from_utf8_lossy(&message.formatted()).into_owned(),
                });
                Ok(())
            }
        }
    }
}
