//! A page's content stream: its lines of text (one `BT … ET` each, a `Tf` and a `Tj` per
//! run), its rules, and the footer with the page number.

use super::encoding::{encode, literal};
use super::layout::{Item, MARGIN_X, PAGE_WIDTH, Placed, TEXT_WIDTH};
use super::metrics::Font;

/// The footer's font size.
const FOOTER_SIZE: f64 = 8.0;
/// The footer's baseline.
pub(crate) const FOOTER_Y: f64 = 36.0;
/// The gap kept between the footer text and the page number.
const FOOTER_GAP: f64 = 12.0;
/// WinAnsi's ellipsis, ending a footer too long for its line.
const ELLIPSIS: u8 = 0x85;

/// A number as PDF writes it: at most two decimals, no trailing zeros.
pub(crate) fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Appends one line of text in `runs` at (`x`, `y`) to `out`.
fn text_line(out: &mut Vec<u8>, x: f64, y: f64, size: f64, runs: &[(Font, &[u8])]) {
    out.extend_from_slice(format!("BT {} {} Td", number(x), number(y)).as_bytes());
    for (font, bytes) in runs {
        out.extend_from_slice(format!(" /{} {} Tf ", font.resource(), number(size)).as_bytes());
        out.extend_from_slice(&literal(bytes));
        out.extend_from_slice(b" Tj");
    }
    out.extend_from_slice(b" ET\n");
}

/// `footer` in WinAnsi, shortened with an ellipsis to fit `max` points.
fn fitted(footer: &str, max: f64) -> Vec<u8> {
    let mut bytes = encode(footer);
    if Font::Regular.width(&bytes, FOOTER_SIZE) <= max {
        return bytes;
    }
    while !bytes.is_empty() {
        bytes.pop();
        let mut shortened = bytes.clone();
        shortened.push(ELLIPSIS);
        if Font::Regular.width(&shortened, FOOTER_SIZE) <= max {
            return shortened;
        }
    }
    bytes
}

/// The content stream of page `page` (from 1) of `total`.
pub(crate) fn page(items: &[Placed], footer: &str, page: usize, total: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for placed in items {
        match &placed.item {
            Item::Text { size, line, .. } => {
                if line.is_empty() {
                    continue;
                }
                let runs: Vec<(Font, &[u8])> =
                    line.iter().map(|r| (r.font, r.bytes.as_slice())).collect();
                text_line(&mut out, MARGIN_X, placed.y, *size, &runs);
            }
            Item::Rule => out.extend_from_slice(
                format!(
                    "q 0.5 w 0.6 G {x} {y} m {x2} {y} l S Q\n",
                    x = number(MARGIN_X),
                    x2 = number(PAGE_WIDTH - MARGIN_X),
                    y = number(placed.y)
                )
                .as_bytes(),
            ),
        }
    }
    let numbering = format!("{page} / {total}").into_bytes();
    let numbering_width = Font::Regular.width(&numbering, FOOTER_SIZE);
    let footer = fitted(footer, TEXT_WIDTH - numbering_width - FOOTER_GAP);
    if !footer.is_empty() {
        text_line(
            &mut out,
            MARGIN_X,
            FOOTER_Y,
            FOOTER_SIZE,
            &[(Font::Regular, &footer)],
        );
    }
    text_line(
        &mut out,
        PAGE_WIDTH - MARGIN_X - numbering_width,
        FOOTER_Y,
        FOOTER_SIZE,
        &[(Font::Regular, &numbering)],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number(56.69), "56.69");
        assert_eq!(number(10.5), "10.5");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.004), "0");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(785.2012), "785.2");
    }

    #[test]
    fn long_footers_are_shortened() {
        let long = "word ".repeat(200);
        let bytes = fitted(&long, 100.0);
        assert_eq!(bytes.last(), Some(&ELLIPSIS));
        assert!(Font::Regular.width(&bytes, FOOTER_SIZE) <= 100.0);
        assert_eq!(fitted("short", 100.0), b"short");
    }
}
