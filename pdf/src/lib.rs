//! A small text PDF writer, for the signed electronic-consent copy.
//!
//! The output is PDF 1.4 on A4 pages, with text that stays text (selectable, extractable)
//! in the standard Type 1 fonts Helvetica, Helvetica-Bold and Courier, which every reader
//! has, so nothing is embedded. Text is encoded in WinAnsi (Windows-1252), which covers
//! French (é è à ç ô œ « » ’ …); a character outside it is written `?`. Lines are wrapped
//! with the fonts' real glyph widths and pages break by themselves, each with a footer and
//! its number. The same input always gives the same bytes (the creation date is an
//! argument; the file `/ID` is the SHA-256 of its content), so a document's hash is stable.
//!
//! Hand-written, with no PDF dependency: `metrics` (glyph widths), `encoding` (WinAnsi,
//! string escaping), `wrap` (line breaking), `layout` (styles and page breaks), `content`
//! (content streams), `writer` (objects, cross-reference table, trailer).

mod content;
mod encoding;
mod layout;
mod metrics;
mod wrap;
mod writer;

#[cfg(test)]
mod reader;
#[cfg(test)]
mod tests;

/// One block of a text document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The document title (large, bold).
    Title(String),
    /// A section heading (bold).
    Heading(String),
    /// A paragraph, wrapped to the page width; `\n` forces a line break.
    Paragraph(String),
    /// `label: value` on one logical line (label bold), wrapped.
    Field {
        /// The label, shown bold and followed by a colon.
        label: String,
        /// The value (a `\n` in it is read as a space).
        value: String,
    },
    /// Monospaced text (hashes, identifiers), wrapped by characters.
    Preformatted(String),
    /// A horizontal rule.
    Rule,
}

/// What every page and the document information carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// /Title.
    pub title: String,
    /// /Author.
    pub author: String,
    /// /CreationDate.
    pub created: chrono::DateTime<chrono::Utc>,
    /// A short footer on every page, followed by "n / N".
    pub footer: String,
}

/// Renders the blocks to PDF bytes.
pub fn render(info: &DocumentInfo, blocks: &[Block]) -> Vec<u8> {
    let pages = layout::paginate(blocks);
    let total = pages.len();
    let streams: Vec<Vec<u8>> = pages
        .iter()
        .enumerate()
        .map(|(i, items)| content::page(items, &info.footer, i + 1, total))
        .collect();
    writer::document(info, &streams)
}
