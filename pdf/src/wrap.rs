//! Line breaking: words (separated by spaces) fitted to a width with the fonts' real glyph
//! widths; a word wider than a whole line is broken between characters.

use super::metrics::Font;

/// Text in one font, in WinAnsi bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    /// The font.
    pub font: Font,
    /// The WinAnsi bytes.
    pub bytes: Vec<u8>,
}

/// One output line: its runs, in order, adjacent runs in different fonts.
pub(crate) type Line = Vec<Run>;

/// Tolerance of width comparisons, in points.
const EPSILON: f64 = 1e-6;

/// The width of `line` at `size` points.
pub(crate) fn line_width(line: &[Run], size: f64) -> f64 {
    line.iter().map(|r| r.font.width(&r.bytes, size)).sum()
}

/// Appends `bytes` in `font` to `line`, joining the last run when the font is the same.
fn push(line: &mut Line, font: Font, bytes: &[u8]) {
    match line.last_mut() {
        Some(last) if last.font == font => last.bytes.extend_from_slice(bytes),
        _ => line.push(Run {
            font,
            bytes: bytes.to_vec(),
        }),
    }
}

/// The words of `runs`: maximal sequences of non-space bytes (a word may change font).
fn words(runs: &[Run]) -> Vec<Line> {
    let mut words = Vec::new();
    let mut word: Line = Vec::new();
    for run in runs {
        for b in &run.bytes {
            if *b == b' ' {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            } else {
                push(&mut word, run.font, &[*b]);
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Wraps one logical line of `runs` into lines no wider than `max` points at `size` points.
/// Spaces between words are kept single; a word wider than `max` is split between
/// characters (at least one per line). No words: no lines.
pub(crate) fn wrap(runs: &[Run], size: f64, max: f64) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut line: Line = Vec::new();
    let mut width = 0.0;
    for word in words(runs) {
        let word_width = line_width(&word, size);
        if let Some(last) = line.last() {
            let space = last.font.width(b" ", size);
            if width + space + word_width <= max + EPSILON {
                let font = last.font;
                push(&mut line, font, b" ");
                for run in &word {
                    push(&mut line, run.font, &run.bytes);
                }
                width += space + word_width;
                continue;
            }
            lines.push(std::mem::take(&mut line));
            width = 0.0;
        }
        if word_width <= max + EPSILON {
            line = word;
            width = word_width;
            continue;
        }
        // A word longer than a line: as many characters per line as fit.
        for run in &word {
            for b in &run.bytes {
                let w = run.font.width(&[*b], size);
                if !line.is_empty() && width + w > max + EPSILON {
                    lines.push(std::mem::take(&mut line));
                    width = 0.0;
                }
                push(&mut line, run.font, &[*b]);
                width += w;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Splits monospaced `bytes` into lines of at most `per_line` bytes (at least one), keeping
/// every space; an empty input is one empty line.
pub(crate) fn wrap_chars(bytes: &[u8], per_line: usize) -> Vec<Vec<u8>> {
    if bytes.is_empty() {
        return vec![Vec::new()];
    }
    bytes.chunks(per_line.max(1)).map(<[u8]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regular(text: &str) -> Vec<Run> {
        vec![Run {
            font: Font::Regular,
            bytes: text.as_bytes().to_vec(),
        }]
    }

    fn text(line: &Line) -> String {
        line.iter()
            .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
            .collect()
    }

    #[test]
    fn fits_words_with_the_real_widths() {
        // "mmm" is 3 × 833 = 2499 units, "iii" 666: at 10 pt, 24.99 and 6.66 points.
        let lines = wrap(&regular("mmm iii mmm"), 10.0, 24.99 + 2.78 + 6.66);
        assert_eq!(
            lines.iter().map(text).collect::<Vec<_>>(),
            ["mmm iii", "mmm"]
        );
        let lines = wrap(&regular("mmm iii mmm"), 10.0, 24.99 + 2.78 + 6.65);
        assert_eq!(
            lines.iter().map(text).collect::<Vec<_>>(),
            ["mmm", "iii", "mmm"]
        );
    }

    #[test]
    fn collapses_spaces_and_breaks_long_words() {
        let lines = wrap(&regular("  a   bcdefghij  k "), 10.0, 20.0);
        let texts: Vec<String> = lines.iter().map(text).collect();
        assert_eq!(texts.concat().replace(' ', ""), "abcdefghijk");
        assert!(lines.iter().all(|l| line_width(l, 10.0) <= 20.0 + EPSILON));
        assert!(texts.len() >= 3, "{texts:?}");
        assert!(wrap(&regular("   "), 10.0, 20.0).is_empty());
    }

    #[test]
    fn keeps_fonts_apart() {
        let runs = vec![
            Run {
                font: Font::Bold,
                bytes: b"Label:".to_vec(),
            },
            Run {
                font: Font::Regular,
                bytes: b" value here".to_vec(),
            },
        ];
        let lines = wrap(&runs, 10.0, 500.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0],
            vec![
                Run {
                    font: Font::Bold,
                    bytes: b"Label: ".to_vec()
                },
                Run {
                    font: Font::Regular,
                    bytes: b"value here".to_vec()
                }
            ]
        );
    }

    #[test]
    fn chars() {
        assert_eq!(
            wrap_chars(b"abcde", 2),
            [b"ab".to_vec(), b"cd".to_vec(), b"e".to_vec()]
        );
        assert_eq!(wrap_chars(b"", 2), [Vec::<u8>::new()]);
        assert_eq!(wrap_chars(b"ab", 0), [b"a".to_vec(), b"b".to_vec()]);
    }
}
