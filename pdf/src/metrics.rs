//! The three standard Type 1 fonts the writer uses and their glyph widths (from Adobe's
//! AFM files of the PDF core fonts, for the WinAnsi codes; no kerning is applied, as the
//! writer shows strings with `Tj`).

/// A font of the document, with its resource name in every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica (`/F1`).
    Regular,
    /// Helvetica-Bold (`/F2`).
    Bold,
    /// Courier (`/F3`): every glyph 600/1000 em wide.
    Mono,
}

impl Font {
    /// Every font, in resource order.
    pub(crate) const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Mono];

    /// The resource name used in content streams (`F1`…).
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
            Font::Mono => "F3",
        }
    }

    /// The standard font's `/BaseFont` name.
    pub(crate) fn base_font(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
            Font::Mono => "Courier",
        }
    }

    /// The advance width of WinAnsi code `byte`, in 1/1000 em.
    pub(crate) fn glyph_width(self, byte: u8) -> u32 {
        let table = match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
            Font::Mono => return COURIER,
        };
        byte.checked_sub(32)
            .and_then(|i| table.get(usize::from(i)))
            .map_or(0, |w| u32::from(*w))
    }

    /// The width of WinAnsi `bytes` at `size` points.
    pub(crate) fn width(self, bytes: &[u8], size: f64) -> f64 {
        let units: u32 = bytes.iter().map(|b| self.glyph_width(*b)).sum();
        f64::from(units) * size / 1000.0
    }
}

/// Courier's advance width, the same for every glyph.
const COURIER: u32 = 600;

/// Helvetica: the AFM advance widths (1/1000 em) of WinAnsi codes 32–255 (0 for the
/// codes WinAnsi leaves undefined, which are never written).
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xa0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xb0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xd0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xe0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xf0
];
/// Helvetica-Bold: the AFM advance widths of WinAnsi codes 32–255, as [`HELVETICA`].
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xa0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xb0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xd0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xe0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xf0
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_the_afm_files() {
        // A sample from Helvetica.afm and Helvetica-Bold.afm.
        assert_eq!(Font::Regular.glyph_width(b' '), 278);
        assert_eq!(Font::Regular.glyph_width(b'i'), 222);
        assert_eq!(Font::Regular.glyph_width(b'm'), 833);
        assert_eq!(Font::Regular.glyph_width(b'@'), 1015);
        assert_eq!(Font::Regular.glyph_width(0xE9), 556); // eacute
        assert_eq!(Font::Regular.glyph_width(0xE7), 500); // ccedilla
        assert_eq!(Font::Regular.glyph_width(0x9C), 944); // oe
        assert_eq!(Font::Regular.glyph_width(0x92), 222); // quoteright
        assert_eq!(Font::Regular.glyph_width(0x85), 1000); // ellipsis
        assert_eq!(Font::Regular.glyph_width(0xB5), 556); // mu
        assert_eq!(Font::Bold.glyph_width(b'i'), 278);
        assert_eq!(Font::Bold.glyph_width(b'm'), 889);
        assert_eq!(Font::Bold.glyph_width(b'@'), 975);
        assert_eq!(Font::Bold.glyph_width(0x93), 500); // quotedblleft
        assert_eq!(Font::Bold.glyph_width(0xE7), 556); // ccedilla
        assert_eq!(Font::Mono.glyph_width(b'i'), 600);
        assert_eq!(Font::Regular.glyph_width(b'\n'), 0);
        assert!((Font::Regular.width(b"mi", 10.0) - 10.55).abs() < 1e-9);
    }
}
