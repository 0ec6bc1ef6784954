//! TEMPORARY stand-in until the pdfmail branch is merged.
#![allow(missing_docs)]
pub enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    Field { label: String, value: String },
    Preformatted(String),
    Rule,
}
pub struct DocumentInfo {
    pub title: String,
    pub author: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub footer: String,
}
pub fn render(info: &DocumentInfo, blocks: &[Block]) -> Vec<u8> {
    let mut s = format!("%PDF-1.4 {}\n", info.title);
    for b in blocks {
        match b {
            Block::Title(t) | Block::Heading(t) | Block::Paragraph(t) | Block::Preformatted(t) => {
                s.push_str(t);
                s.push('\n')
            }
            Block::Field { label, value } => s.push_str(&format!("{label}: {value}\n")),
            Block::Rule => {}
        }
    }
    s.into_bytes()
}
