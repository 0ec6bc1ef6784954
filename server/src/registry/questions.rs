//! The sponsor's comprehension questions: multiple choice, one right answer each. Written in
//! the trial form as one question per line, `Question? | option | *right option | option`.

use serde::{Deserialize, Serialize};

/// At most this many questions per trial.
pub const MAX_QUESTIONS: usize = 10;

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The question, in the trial's language.
    pub text: String,
    /// The options, 2 to 6.
    pub options: Vec<String>,
    /// The index of the right option.
    pub answer: usize,
}

/// A line that is not a valid question: its number (from 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The line, from 1.
    pub line: usize,
    /// Why.
    pub message: String,
}

/// Checks one question: text, 2–6 non-empty options, the answer among them.
pub fn check(q: &Question) -> Result<(), String> {
    if q.text.trim().is_empty() || q.text.chars().count() > 300 {
        return Err("the question needs a text of at most 300 characters".into());
    }
    if !(2..=6).contains(&q.options.len()) {
        return Err("a question needs 2 to 6 options".into());
    }
    if q.options
        .iter()
        .any(|o| o.trim().is_empty() || o.chars().count() > 200)
    {
        return Err("every option needs a text of at most 200 characters".into());
    }
    if q.answer >= q.options.len() {
        return Err("the right answer must be one of the options".into());
    }
    Ok(())
}

/// Parses the form's lines (blank lines ignored).
pub fn parse_lines(text: &str) -> Result<Vec<Question>, LineError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fail = |message: &str| LineError {
            line: i + 1,
            message: message.into(),
        };
        let mut parts = line.split('|').map(str::trim);
        let text = parts.next().unwrap_or_default().to_string();
        let mut options = Vec::new();
        let mut answer = None;
        for p in parts {
            if let Some(right) = p.strip_prefix('*') {
                if answer.is_some() {
                    return Err(fail("mark exactly one option as right with *"));
                }
                answer = Some(options.len());
                options.push(right.trim().to_string());
            } else {
                options.push(p.to_string());
            }
        }
        let Some(answer) = answer else {
            return Err(fail("mark the right option with * (Question? | no | *yes)"));
        };
        let q = Question {
            text,
            options,
            answer,
        };
        check(&q).map_err(|m| fail(&m))?;
        out.push(q);
    }
    if out.len() > MAX_QUESTIONS {
        return Err(LineError {
            line: text.lines().count(),
            message: format!("at most {MAX_QUESTIONS} questions"),
        });
    }
    Ok(out)
}

/// The questions as the form's lines.
pub fn to_lines(questions: &[Question]) -> String {
    questions
        .iter()
        .map(|q| {
            let opts: Vec<String> = q
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    if i == q.answer {
                        format!("*{o}")
                    } else {
                        o.clone()
                    }
                })
                .collect();
            format!("{} | {}", q.text, opts.join(" | "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let text = "Can you stop at any time? | No | *Yes\n\nHow long does it last? | *6 months | 2 years | 5 years";
        let qs = parse_lines(text).unwrap_or_default();
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].answer, 1);
        assert_eq!(qs[1].options, ["6 months", "2 years", "5 years"]);
        assert_eq!(parse_lines(&to_lines(&qs)), Ok(qs));
    }

    #[test]
    fn bad_lines_name_their_line() {
        for (text, line) in [
            ("Q? | a | b", 1),
            ("Q? | *a | *b", 1),
            ("ok? | *y | n\nQ? | *only", 2),
            (" | *a | b", 1),
            ("Q? | *a | ", 1),
        ] {
            assert_eq!(parse_lines(text).map_err(|e| e.line), Err(line), "{text}");
        }
        let many = (0..11)
            .map(|i| format!("Q{i}? | *a | b"))
            .collect::<Vec<_>>();
        assert!(parse_lines(&many.join("\n")).is_err());
    }
}
