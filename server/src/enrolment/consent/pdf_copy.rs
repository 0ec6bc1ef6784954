//! The signed consent's PDF copy: the document as shown, the comprehension answers, the
//! statements, how identity was checked and the signature block (printed name, UTC date and
//! time, meaning, the GP's attestation, the hashes binding it). Text, not an image.

use super::identity::Identity;
use crate::registry::questions::Question;
use chrono::{DateTime, Utc};
use pdf::{Block, DocumentInfo, render};
use platform::i18n::lang::Lang;
use platform::i18n::t;
use uuid::Uuid;

/// What the copy shows.
#[derive(Debug, Clone)]
pub struct Copy<'a> {
    /// The flow's language.
    pub lang: Lang,
    /// The consent record.
    pub consent_id: Uuid,
    /// The trial's title.
    pub trial_title: &'a str,
    /// Its registry number.
    pub registry_number: Option<&'a str>,
    /// The site chosen.
    pub site_name: &'a str,
    /// The document's version and label.
    pub document_version: String,
    /// The document's text, exactly as shown.
    pub document: &'a str,
    /// Its SHA-256, hex.
    pub document_sha256: &'a str,
    /// The questions and the chosen options.
    pub questions: &'a [Question],
    /// The chosen option of each question.
    pub answers: &'a [usize],
    /// Identity check method key (`id_card`…).
    pub identity_method: &'a str,
    /// The patient.
    pub identity: &'a Identity,
    /// Whether a drawn signature was captured too.
    pub drawn: bool,
    /// What signing means.
    pub meaning: &'a str,
    /// When.
    pub signed_at: DateTime<Utc>,
    /// The signature's binding hash, hex.
    pub signature_sha256: &'a str,
    /// The attesting GP.
    pub gp_name: &'a str,
}

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field {
        label: label.to_string(),
        value: value.into(),
    }
}

/// The PDF bytes (deterministic: the same consent gives the same bytes).
pub fn pdf(c: &Copy<'_>) -> Vec<u8> {
    let l = c.lang;
    let when = c.signed_at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut b = vec![
        Block::Title(t(l, "consent.pdf.title").to_string()),
        field(t(l, "consent.pdf.trial"), c.trial_title),
    ];
    if let Some(n) = c.registry_number {
        b.push(field(t(l, "consent.pdf.registry"), n));
    }
    b.push(field(t(l, "consent.pdf.site"), c.site_name));
    b.push(field(t(l, "consent.pdf.record"), c.consent_id.to_string()));
    b.push(Block::Rule);
    b.push(Block::Heading(format!(
        "{} ({} {})",
        t(l, "consent.document"),
        t(l, "consent.version"),
        c.document_version
    )));
    b.extend(
        c.document
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| Block::Paragraph(p.to_string())),
    );
    b.push(Block::Preformatted(format!(
        "SHA-256 {}",
        c.document_sha256
    )));
    if !c.questions.is_empty() {
        b.push(Block::Heading(t(l, "consent.questions").to_string()));
        for (q, a) in c.questions.iter().zip(c.answers) {
            let answer = q.options.get(*a).map_or("?", String::as_str);
            b.push(field(&q.text, answer));
        }
    }
    b.push(Block::Heading(t(l, "consent.statements").to_string()));
    for s in super::form::STATEMENTS {
        b.push(Block::Paragraph(format!(
            "[x] {}",
            t(l, &format!("consent.statement.{s}"))
        )));
    }
    b.push(Block::Heading(t(l, "consent.identity").to_string()));
    b.push(field(
        t(l, "consent.identity_method"),
        t(l, &format!("consent.method.{}", c.identity_method)),
    ));
    b.push(field(
        t(l, "consent.birth_date"),
        c.identity.birth_date.to_string(),
    ));
    if let Some(p) = &c.identity.phone {
        b.push(field(t(l, "consent.phone"), p.clone()));
    }
    if let Some(e) = &c.identity.email {
        b.push(field(t(l, "consent.email"), e.clone()));
    }
    b.push(Block::Heading(t(l, "consent.signature").to_string()));
    b.push(field(t(l, "consent.pdf.signed_by"), c.identity.full_name()));
    b.push(field(t(l, "consent.pdf.signed_at"), when.clone()));
    b.push(field(t(l, "consent.pdf.meaning"), c.meaning));
    if c.drawn {
        b.push(Block::Paragraph(t(l, "consent.pdf.drawn").to_string()));
    }
    b.push(field(t(l, "consent.pdf.attested_by"), c.gp_name));
    b.push(Block::Preformatted(format!(
        "{} {}",
        t(l, "consent.pdf.binding"),
        c.signature_sha256
    )));
    b.push(Block::Rule);
    b.push(Block::Paragraph(t(l, "consent.pdf.withdraw").to_string()));
    render(
        &DocumentInfo {
            title: format!("{} — {}", t(l, "consent.pdf.title"), c.trial_title),
            author: "Inclusio".into(),
            created: c.signed_at,
            footer: format!("{} · {}", c.trial_title, c.consent_id),
        },
        &b,
    )
}
