//! Server-rendered SVG charts (no script, nothing fetched): the funnel as horizontal bars
//! and the cumulative enrolment as a line against the target. Each chart has a `<title>` and
//! a `<desc>` (`role="img"`, `aria-labelledby`); the page gives the same figures as a table.

use super::small::Cell;
use chrono::NaiveDate;

/// Escapes text for SVG content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const WIDTH: u32 = 640;
const LABEL: u32 = 190;
const BAR: u32 = 26;

/// The funnel: one bar per stage (hidden figures have no bar, only their text).
pub fn funnel(id: &str, title: &str, desc: &str, bars: &[(String, Cell)]) -> String {
    let max = bars
        .iter()
        .filter_map(|(_, c)| c.value())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = u32::try_from(bars.len()).unwrap_or(0) * (BAR + 6) + 10;
    let span = WIDTH - LABEL - 60;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {height}" width="100%"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    for (i, (label, cell)) in bars.iter().enumerate() {
        let y = u32::try_from(i).unwrap_or(0) * (BAR + 6) + 5;
        let w = cell.value().map_or(0, |v| {
            (u64::from(v) * u64::from(span) / u64::from(max)) as u32
        });
        out.push_str(&format!(
            r##"<text x="{}" y="{}" text-anchor="end" font-size="13">{}</text><rect x="{LABEL}" y="{y}" width="{w}" height="{BAR}" fill="#2b6cb0"/><text x="{}" y="{}" font-size="13">{}</text>"##,
            LABEL - 8,
            y + BAR / 2 + 5,
            escape(label),
            LABEL + w + 6,
            y + BAR / 2 + 5,
            escape(&cell.text()),
        ));
    }
    out.push_str("</svg>");
    out
}

/// Cumulative enrolment per week as a line, with the target as a dashed line.
pub fn enrolment(
    id: &str,
    title: &str,
    desc: &str,
    points: &[(NaiveDate, u32)],
    target: Option<u32>,
) -> String {
    let (w, h, left, bottom, top) = (640.0_f64, 260.0_f64, 50.0_f64, 30.0_f64, 15.0_f64);
    let max = points
        .iter()
        .map(|(_, n)| *n)
        .chain(target)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="100%"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    let y_of = |n: u32| h - bottom - (f64::from(n) / f64::from(max)) * (h - bottom - top);
    out.push_str(&format!(
        r##"<line x1="{left}" y1="{0}" x2="{1}" y2="{0}" stroke="#555"/><line x1="{left}" y1="{top}" x2="{left}" y2="{0}" stroke="#555"/><text x="{2}" y="{3}" text-anchor="end" font-size="12">{max}</text><text x="{2}" y="{0}" text-anchor="end" font-size="12">0</text>"##,
        h - bottom,
        w - 10.0,
        left - 6.0,
        y_of(max) + 4.0,
    ));
    if let Some(t) = target {
        out.push_str(&format!(
            r##"<line class="target" x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#c53030" stroke-dasharray="6 4"/>"##,
            y_of(t),
            w - 10.0
        ));
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let span = (last.0 - first.0).num_days().max(1) as f64;
        let x_of =
            |d: NaiveDate| left + ((d - first.0).num_days() as f64 / span) * (w - left - 20.0);
        let coords: Vec<String> = points
            .iter()
            .map(|(d, n)| format!("{:.1},{:.1}", x_of(*d), y_of(*n)))
            .collect();
        out.push_str(&format!(
            r##"<polyline class="enrolled" fill="none" stroke="#2b6cb0" stroke-width="2" points="{}"/>"##,
            coords.join(" ")
        ));
        for (d, anchor) in [(first.0, "start"), (last.0, "end")] {
            out.push_str(&format!(
                r#"<text x="{:.1}" y="{}" text-anchor="{anchor}" font-size="12">{}</text>"#,
                x_of(d),
                h - 10.0,
                d.format("%Y-%m-%d")
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funnel_bars_are_proportional_and_escaped() {
        let svg = funnel(
            "f",
            "Funnel <trial>",
            "d",
            &[
                ("Shown".into(), Cell::Shown(10)),
                ("Enrolled".into(), Cell::Small),
            ],
        );
        assert!(svg.contains("<title id=\"f-title\">Funnel &lt;trial&gt;</title>"));
        assert!(svg.contains("width=\"390\""), "{svg}");
        assert!(svg.contains(">&lt;5</text>"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn enrolment_line_and_target() {
        let d = |n| {
            NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default() + chrono::Duration::weeks(n)
        };
        let svg = enrolment("e", "t", "d", &[(d(0), 0), (d(2), 5)], Some(10));
        assert!(svg.contains("class=\"target\""));
        assert!(svg.contains("points=\"50.0,230.0 620.0,122.5\""), "{svg}");
    }
}
