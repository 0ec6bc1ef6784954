//! From blocks to pages: the page geometry, each block's style, its lines, and page breaks
//! (a line never goes below the bottom margin; a title or heading is not left alone at the
//! bottom of a page).

use super::Block;
use super::encoding::encode;
use super::metrics::Font;
use super::wrap::{Line, Run, wrap, wrap_chars};

/// A4 width, in points.
pub(crate) const PAGE_WIDTH: f64 = 595.28;
/// A4 height, in points.
pub(crate) const PAGE_HEIGHT: f64 = 841.89;
/// Left and right margins (2 cm).
pub(crate) const MARGIN_X: f64 = 56.69;
/// The top of the text area.
pub(crate) const TOP: f64 = PAGE_HEIGHT - 56.69;
/// The bottom of the text area: no line goes below it.
pub(crate) const BOTTOM: f64 = 70.87;
/// The width of the text area.
pub(crate) const TEXT_WIDTH: f64 = PAGE_WIDTH - 2.0 * MARGIN_X;

/// How a kind of block is set: font size, line height and the space above it.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: f64,
    leading: f64,
    space_before: f64,
}

const TITLE: Style = Style {
    size: 18.0,
    leading: 23.0,
    space_before: 18.0,
};
const HEADING: Style = Style {
    size: 12.5,
    leading: 16.0,
    space_before: 14.0,
};
const BODY: Style = Style {
    size: 10.5,
    leading: 14.0,
    space_before: 6.0,
};
const FIELD: Style = Style {
    size: 10.5,
    leading: 14.0,
    space_before: 3.0,
};
const MONO: Style = Style {
    size: 9.0,
    leading: 12.0,
    space_before: 6.0,
};
/// The height a rule takes (drawn in its middle) and the space above it.
const RULE_HEIGHT: f64 = 10.0;
const RULE_SPACE: f64 = 4.0;

/// Something placed on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// A line of text, set at `size` points, taking `leading` points.
    Text {
        /// The font size.
        size: f64,
        /// The line height.
        leading: f64,
        /// The runs.
        line: Line,
    },
    /// A horizontal rule across the text width.
    Rule,
}

impl Item {
    /// The height the item takes.
    fn height(&self) -> f64 {
        match self {
            Item::Text { leading, .. } => *leading,
            Item::Rule => RULE_HEIGHT,
        }
    }
}

/// An item at its place: `y` is the baseline of a text line, the height of a rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    /// The vertical position.
    pub y: f64,
    /// What is drawn.
    pub item: Item,
}

/// A block's items and how it joins the one before and after.
struct Laid {
    space_before: f64,
    items: Vec<Item>,
    keep_with_next: bool,
}

impl Laid {
    fn height(&self) -> f64 {
        self.items.iter().map(Item::height).sum()
    }
}

fn text_items(style: Style, lines: Vec<Line>) -> Vec<Item> {
    lines
        .into_iter()
        .map(|line| Item::Text {
            size: style.size,
            leading: style.leading,
            line,
        })
        .collect()
}

/// `text` in `font` wrapped, each `\n` starting a new line (an empty one for a blank line).
fn wrapped(text: &str, font: Font, style: Style) -> Vec<Line> {
    text.split('\n')
        .flat_map(|part| {
            let lines = wrap(
                &[Run {
                    font,
                    bytes: encode(part),
                }],
                style.size,
                TEXT_WIDTH,
            );
            if lines.is_empty() {
                vec![Vec::new()]
            } else {
                lines
            }
        })
        .collect()
}

/// One block's items.
fn lay_out(block: &Block) -> Laid {
    let laid = |style: Style, lines: Vec<Line>, keep_with_next: bool| Laid {
        space_before: style.space_before,
        items: text_items(style, lines),
        keep_with_next,
    };
    match block {
        Block::Title(text) => laid(TITLE, wrapped(text, Font::Bold, TITLE), true),
        Block::Heading(text) => laid(HEADING, wrapped(text, Font::Bold, HEADING), true),
        Block::Paragraph(text) => laid(BODY, wrapped(text, Font::Regular, BODY), false),
        Block::Field { label, value } => {
            let mut label = encode(label);
            label.push(b':');
            let mut value = encode(&value.replace('\n', " "));
            value.insert(0, b' ');
            let runs = [
                Run {
                    font: Font::Bold,
                    bytes: label,
                },
                Run {
                    font: Font::Regular,
                    bytes: value,
                },
            ];
            laid(FIELD, wrap(&runs, FIELD.size, TEXT_WIDTH), false)
        }
        Block::Preformatted(text) => {
            let char_width = Font::Mono.width(b" ", MONO.size);
            let per_line = (1..=u16::MAX)
                .take_while(|n| f64::from(*n) * char_width <= TEXT_WIDTH)
                .count();
            let lines = text
                .split('\n')
                .flat_map(|part| wrap_chars(&encode(part), per_line))
                .map(|bytes| {
                    if bytes.is_empty() {
                        Vec::new()
                    } else {
                        vec![Run {
                            font: Font::Mono,
                            bytes,
                        }]
                    }
                })
                .collect();
            laid(MONO, lines, false)
        }
        Block::Rule => Laid {
            space_before: RULE_SPACE,
            items: vec![Item::Rule],
            keep_with_next: false,
        },
    }
}

/// Pages being filled.
struct Pages {
    pages: Vec<Vec<Placed>>,
    y: f64,
}

impl Pages {
    fn on_fresh_page(&self) -> bool {
        self.pages.last().is_none_or(Vec::is_empty)
    }

    fn break_page(&mut self) {
        if !self.on_fresh_page() {
            self.pages.push(Vec::new());
        }
        self.y = TOP;
    }

    fn place(&mut self, item: Item) {
        if self.y - item.height() < BOTTOM {
            self.break_page();
        }
        let y = match &item {
            // The baseline sits so that descenders stay within the line's height.
            Item::Text { leading, .. } => self.y - 0.78 * leading,
            Item::Rule => self.y - RULE_HEIGHT / 2.0,
        };
        self.y -= item.height();
        if let Some(page) = self.pages.last_mut() {
            page.push(Placed { y, item });
        }
    }
}

/// Lays out `blocks` on pages (at least one, maybe empty).
pub(crate) fn paginate(blocks: &[Block]) -> Vec<Vec<Placed>> {
    let laid: Vec<Laid> = blocks.iter().map(lay_out).collect();
    let mut pages = Pages {
        pages: vec![Vec::new()],
        y: TOP,
    };
    for (i, block) in laid.iter().enumerate() {
        if block.items.is_empty() {
            continue;
        }
        if !pages.on_fresh_page() {
            let mut needed = block.space_before + block.height();
            if block.keep_with_next
                && let Some(next) = laid.get(i + 1)
                && let Some(first) = next.items.first()
            {
                needed += next.space_before + first.height();
            }
            if pages.y - needed < BOTTOM && block.keep_with_next {
                pages.break_page();
            } else {
                pages.y -= block.space_before;
            }
        }
        for item in &block.items {
            pages.place(item.clone());
        }
    }
    pages.pages
}
