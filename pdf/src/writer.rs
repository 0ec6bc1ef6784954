//! The file: header, numbered objects (catalog, page tree, fonts, information, then each
//! page and its content stream), the cross-reference table with the byte offset of every
//! object, and the trailer with `/Info` and an `/ID` from the SHA-256 of everything before it.

use super::DocumentInfo;
use super::content::number;
use super::encoding::text_string;
use super::layout::{PAGE_HEIGHT, PAGE_WIDTH};
use super::metrics::Font;
use sha2::{Digest, Sha256};

/// The catalog's object number.
const CATALOG: usize = 1;
/// The page tree's object number.
const PAGES: usize = 2;
/// The first font's object number (the fonts follow in [`Font::ALL`] order).
const FIRST_FONT: usize = 3;
/// The document information's object number.
const INFO: usize = FIRST_FONT + Font::ALL.len();
/// The first page's object number; page `i` (from 0) is `FIRST_PAGE + 2i`, its content
/// stream the next number.
const FIRST_PAGE: usize = INFO + 1;

/// A file being written: its bytes and the offset of each object written so far.
struct Writer {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    /// Writes object `id` (the next number: objects are written in order).
    fn object(&mut self, id: usize, body: &[u8]) {
        debug_assert_eq!(id, self.offsets.len() + 1);
        self.offsets.push(self.out.len());
        self.out
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// Writes object `id` as an uncompressed stream of `data`.
    fn stream(&mut self, id: usize, data: &[u8]) {
        let mut body = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.object(id, &body);
    }
}

/// The PDF date of `info.created`: `D:YYYYMMDDHHmmSSZ`.
fn pdf_date(info: &DocumentInfo) -> String {
    info.created.format("D:%Y%m%d%H%M%SZ").to_string()
}

/// The document information dictionary.
fn info_dictionary(info: &DocumentInfo) -> Vec<u8> {
    let mut body = b"<< /Title ".to_vec();
    body.extend_from_slice(&text_string(&info.title));
    body.extend_from_slice(b" /Author ");
    body.extend_from_slice(&text_string(&info.author));
    body.extend_from_slice(b" /CreationDate ");
    body.extend_from_slice(&text_string(&pdf_date(info)));
    body.extend_from_slice(b" /Producer (Inclusio) >>");
    body
}

/// The whole file for the pages' content `streams` (at least one).
pub(crate) fn document(info: &DocumentInfo, streams: &[Vec<u8>]) -> Vec<u8> {
    let mut w = Writer {
        // A comment of high bytes after the header marks the file as binary.
        out: b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec(),
        offsets: Vec::new(),
    };
    let page_ids: Vec<usize> = (0..streams.len()).map(|i| FIRST_PAGE + 2 * i).collect();
    w.object(
        CATALOG,
        format!("<< /Type /Catalog /Pages {PAGES} 0 R >>").as_bytes(),
    );
    let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
    w.object(
        PAGES,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            page_ids.len()
        )
        .as_bytes(),
    );
    for (i, font) in Font::ALL.iter().enumerate() {
        w.object(
            FIRST_FONT + i,
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                font.base_font()
            )
            .as_bytes(),
        );
    }
    w.object(INFO, &info_dictionary(info));
    let fonts: Vec<String> = Font::ALL
        .iter()
        .enumerate()
        .map(|(i, font)| format!("/{} {} 0 R", font.resource(), FIRST_FONT + i))
        .collect();
    for (id, stream) in page_ids.iter().zip(streams) {
        w.object(
            *id,
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {} {}] \
                 /Resources << /Font << {} >> /ProcSet [/PDF /Text] >> /Contents {} 0 R >>",
                number(PAGE_WIDTH),
                number(PAGE_HEIGHT),
                fonts.join(" "),
                id + 1
            )
            .as_bytes(),
        );
        w.stream(id + 1, stream);
    }

    let id: String = Sha256::digest(&w.out)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let xref = w.out.len();
    let size = w.offsets.len() + 1;
    let mut tail = format!("xref\n0 {size}\n0000000000 65535 f \n");
    for offset in &w.offsets {
        tail.push_str(&format!("{offset:010} 00000 n \n"));
    }
    tail.push_str(&format!(
        "trailer\n<< /Size {size} /Root {CATALOG} 0 R /Info {INFO} 0 R /ID [<{id}> <{id}>] >>\n\
         startxref\n{xref}\n%%EOF\n"
    ));
    w.out.extend_from_slice(tail.as_bytes());
    w.out
}
