//! Text to bytes: Unicode to WinAnsi (Windows-1252) for the content streams, PDF literal
//! string escaping, and the text strings of the document information.

/// The character written for one outside WinAnsi.
const REPLACEMENT: u8 = b'?';

/// The WinAnsi codes 0x80–0x9F and the characters they stand for (0x81, 0x8D, 0x8F, 0x90
/// and 0x9D are undefined).
const HIGH: [(char, u8); 27] = [
    ('\u{20AC}', 0x80), // €
    ('\u{201A}', 0x82), // ‚
    ('\u{0192}', 0x83), // ƒ
    ('\u{201E}', 0x84), // „
    ('\u{2026}', 0x85), // …
    ('\u{2020}', 0x86), // †
    ('\u{2021}', 0x87), // ‡
    ('\u{02C6}', 0x88), // ˆ
    ('\u{2030}', 0x89), // ‰
    ('\u{0160}', 0x8A), // Š
    ('\u{2039}', 0x8B), // ‹
    ('\u{0152}', 0x8C), // Œ
    ('\u{017D}', 0x8E), // Ž
    ('\u{2018}', 0x91), // ‘
    ('\u{2019}', 0x92), // ’
    ('\u{201C}', 0x93), // “
    ('\u{201D}', 0x94), // ”
    ('\u{2022}', 0x95), // •
    ('\u{2013}', 0x96), // –
    ('\u{2014}', 0x97), // —
    ('\u{02DC}', 0x98), // ˜
    ('\u{2122}', 0x99), // ™
    ('\u{0161}', 0x9A), // š
    ('\u{203A}', 0x9B), // ›
    ('\u{0153}', 0x9C), // œ
    ('\u{017E}', 0x9E), // ž
    ('\u{0178}', 0x9F), // Ÿ
];

/// The WinAnsi code of `c`: ASCII and Latin-1 as themselves, the Windows-1252 additions
/// (€ … œ ’ “ ”…) at 0x80–0x9F, a tab as a space, the narrow and thin no-break spaces of
/// French typography as a no-break space; `None` for the other control characters (dropped)
/// and `Some(b'?')` for anything else.
pub(crate) fn winansi(c: char) -> Option<u8> {
    match c {
        '\t' => Some(b' '),
        '\u{202F}' | '\u{2009}' => Some(0xA0),
        ' '..='~' | '\u{A0}'..='\u{FF}' => u8::try_from(u32::from(c)).ok(),
        c if c.is_control() => None,
        c => Some(
            HIGH.iter()
                .find(|(h, _)| *h == c)
                .map_or(REPLACEMENT, |(_, b)| *b),
        ),
    }
}

/// `text` in WinAnsi, one byte per character (see [`winansi`]).
pub(crate) fn encode(text: &str) -> Vec<u8> {
    text.chars().filter_map(winansi).collect()
}

/// The character of WinAnsi code `byte` (test-side decoding; undefined codes as `?`).
#[cfg(test)]
pub(crate) fn decode(byte: u8) -> char {
    match byte {
        0x80..=0x9F => HIGH
            .iter()
            .find(|(_, b)| *b == byte)
            .map_or('?', |(c, _)| *c),
        b => char::from(b),
    }
}

/// A PDF literal string of `bytes`: in parentheses, with `\`, `(` and `)` escaped.
pub(crate) fn literal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'(');
    for b in bytes {
        if matches!(b, b'\\' | b'(' | b')') {
            out.push(b'\\');
        }
        out.push(*b);
    }
    out.push(b')');
    out
}

/// A PDF text string for the document information: a literal string when `text` is
/// printable ASCII, otherwise UTF-16BE with its byte-order mark as a hexadecimal string.
pub(crate) fn text_string(text: &str) -> Vec<u8> {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return literal(text.as_bytes());
    }
    let mut out = b"<FEFF".to_vec();
    for unit in text.encode_utf16() {
        out.extend_from_slice(format!("{unit:04X}").as_bytes());
    }
    out.push(b'>');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_cp1252() {
        assert_eq!(
            encode("é è à ç ô œ « » ’ … €"),
            vec![
                0xE9, b' ', 0xE8, b' ', 0xE0, b' ', 0xE7, b' ', 0xF4, b' ', 0x9C, b' ', 0xAB, b' ',
                0xBB, b' ', 0x92, b' ', 0x85, b' ', 0x80
            ]
        );
        assert_eq!(encode("Œuvre"), vec![0x8C, b'u', b'v', b'r', b'e']);
    }

    #[test]
    fn outside_winansi_is_a_question_mark_and_controls_are_dropped() {
        assert_eq!(encode("a✓b"), b"a?b");
        assert_eq!(encode("漢"), b"?");
        assert_eq!(encode("a\u{7}\u{85}b"), b"ab");
        assert_eq!(encode("a\tb"), b"a b");
        assert_eq!(encode("14\u{202F}h"), vec![b'1', b'4', 0xA0, b'h']);
    }

    #[test]
    fn every_high_code_round_trips() {
        for (c, b) in HIGH {
            assert_eq!(winansi(c), Some(b));
        }
    }

    #[test]
    fn literal_escapes() {
        assert_eq!(literal(br"a(b)c\d"), br"(a\(b\)c\\d)".to_vec());
    }

    #[test]
    fn text_strings() {
        assert_eq!(text_string("Plain (x)"), br"(Plain \(x\))".to_vec());
        assert_eq!(text_string("é"), b"<FEFF00E9>".to_vec());
    }
}
