//! A test-only text extractor for what [`super::render`] writes: each content stream (in
//! page order), each `BT … ET` as one line with its position, and the `(…) Tj` strings in
//! it with their font and size, unescaped and decoded from WinAnsi.

#![allow(clippy::unwrap_used)]

use super::encoding::decode;
use super::metrics::Font;

/// A string shown with `Tj`.
#[derive(Debug, Clone)]
pub(super) struct Shown {
    pub font: Font,
    pub size: f64,
    pub bytes: Vec<u8>,
}

/// One `BT … ET`.
#[derive(Debug, Clone)]
pub(super) struct TextLine {
    pub x: f64,
    pub y: f64,
    pub shown: Vec<Shown>,
}

impl TextLine {
    /// The line's text.
    pub fn text(&self) -> String {
        self.shown
            .iter()
            .flat_map(|s| s.bytes.iter().map(|b| decode(*b)))
            .collect()
    }

    /// The line's width in points.
    pub fn width(&self) -> f64 {
        self.shown
            .iter()
            .map(|s| s.font.width(&s.bytes, s.size))
            .sum()
    }
}

/// The content streams of `pdf`, in file order.
pub(super) fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    let marker = b"<< /Length ";
    while let Some(found) = find(&pdf[at..], marker) {
        let start = at + found + marker.len();
        let end = start + find(&pdf[start..], b" ").unwrap();
        let length: usize = std::str::from_utf8(&pdf[start..end])
            .unwrap()
            .parse()
            .unwrap();
        let head = b" >>\nstream\n";
        assert_eq!(&pdf[end..end + head.len()], head);
        let data = end + head.len();
        out.push(pdf[data..data + length].to_vec());
        assert_eq!(&pdf[data + length..data + length + 10], b"\nendstream");
        at = data + length;
    }
    out
}

/// Where `needle` first occurs in `haystack`.
pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

enum Token {
    Word(String),
    Str(Vec<u8>),
}

fn tokens(stream: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < stream.len() {
        match stream[i] {
            b' ' | b'\n' => i += 1,
            b'(' => {
                let mut bytes = Vec::new();
                i += 1;
                loop {
                    match stream[i] {
                        b'\\' => {
                            bytes.push(stream[i + 1]);
                            i += 2;
                        }
                        b')' => {
                            i += 1;
                            break;
                        }
                        b'(' => panic!("unescaped ( in a string"),
                        b => {
                            bytes.push(b);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(bytes));
            }
            _ => {
                let start = i;
                while i < stream.len() && !matches!(stream[i], b' ' | b'\n' | b'(') {
                    i += 1;
                }
                out.push(Token::Word(
                    String::from_utf8(stream[start..i].to_vec()).unwrap(),
                ));
            }
        }
    }
    out
}

/// The text lines of one content stream.
pub(super) fn lines(stream: &[u8]) -> Vec<TextLine> {
    let mut out = Vec::new();
    let mut operands: Vec<Token> = Vec::new();
    let mut line: Option<TextLine> = None;
    let (mut font, mut size) = (Font::Regular, 0.0);
    let num = |t: &Token| match t {
        Token::Word(w) => w.parse::<f64>().unwrap(),
        Token::Str(_) => panic!("a string where a number was expected"),
    };
    for token in tokens(stream) {
        let Token::Word(word) = &token else {
            operands.push(token);
            continue;
        };
        match word.as_str() {
            "BT" => {
                line = Some(TextLine {
                    x: 0.0,
                    y: 0.0,
                    shown: Vec::new(),
                });
            }
            "ET" => out.push(line.take().unwrap()),
            "Td" => {
                let l = line.as_mut().unwrap();
                l.x = num(&operands[0]);
                l.y = num(&operands[1]);
            }
            "Tf" => {
                let Token::Word(name) = &operands[0] else {
                    panic!("font name")
                };
                font = Font::ALL
                    .into_iter()
                    .find(|f| format!("/{}", f.resource()) == *name)
                    .unwrap();
                size = num(&operands[1]);
            }
            "Tj" => {
                let Some(Token::Str(bytes)) = operands.pop() else {
                    panic!("Tj without a string")
                };
                line.as_mut()
                    .unwrap()
                    .shown
                    .push(Shown { font, size, bytes });
            }
            w if w.starts_with('/') || w.parse::<f64>().is_ok() => {
                operands.push(token);
                continue;
            }
            _ => {}
        }
        operands.clear();
    }
    assert!(line.is_none(), "BT without ET");
    out
}

/// Every page's lines.
pub(super) fn pages(pdf: &[u8]) -> Vec<Vec<TextLine>> {
    streams(pdf).iter().map(|s| lines(s)).collect()
}
