#![allow(clippy::unwrap_used)]

use super::content::FOOTER_Y;
use super::layout::{BOTTOM, TEXT_WIDTH};
use super::metrics::Font;
use super::reader::{TextLine, find, pages, streams};
use super::{Block, DocumentInfo, render};
use chrono::TimeZone;
use sha2::{Digest, Sha256};

fn info() -> DocumentInfo {
    DocumentInfo {
        title: "Copie du consentement".into(),
        author: "Inclusio".into(),
        created: chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 14, 5, 9)
            .single()
            .unwrap(),
        footer: "Inclusio — consentement signé".into(),
    }
}

fn text(pdf: &[u8]) -> String {
    String::from_utf8_lossy(pdf).into_owned()
}

/// The body lines of every page (without the footer and page number).
fn body(pdf: &[u8]) -> Vec<Vec<TextLine>> {
    pages(pdf)
        .into_iter()
        .map(|lines| lines.into_iter().filter(|l| l.y != FOOTER_Y).collect())
        .collect()
}

/// Every character of the body but whitespace, in order.
fn body_chars(pdf: &[u8]) -> String {
    body(pdf)
        .iter()
        .flatten()
        .flat_map(|l| l.text().chars().collect::<Vec<_>>())
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn no_whitespace(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Deterministic words of 1 to 14 letters, some accented.
fn words(n: usize) -> Vec<String> {
    let letters: Vec<char> = "abcdefghijklmnopqrstuvwxyzéèàçôœ".chars().collect();
    let mut state: u64 = 42;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((state >> 33) % m).unwrap()
    };
    (0..n)
        .map(|_| {
            let len = 1 + next(14);
            (0..len)
                .map(|_| letters[next(letters.len() as u64)])
                .collect()
        })
        .collect()
}

fn number_after(haystack: &str, key: &str) -> usize {
    let at = haystack.find(key).unwrap() + key.len();
    haystack[at..]
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn structure_header_xref_startxref_and_page_count() {
    let blocks: Vec<Block> = (0..120)
        .map(|i| Block::Paragraph(format!("Paragraph {i}: {}", words(30).join(" "))))
        .collect();
    let pdf = render(&info(), &blocks);
    assert!(pdf.starts_with(b"%PDF-1.4\n%"));
    assert!(pdf.ends_with(b"%%EOF\n"));

    let all = text(&pdf);
    let startxref = number_after(&all[all.rfind("startxref").unwrap()..], "startxref");
    assert!(pdf[startxref..].starts_with(b"xref\n0 "));
    let size = number_after(&all[startxref..], "xref\n0 ");
    let table = &pdf[startxref..];
    let first = find(table, b"\n").unwrap() + 1;
    let first = first + find(&table[first..], b"\n").unwrap() + 1;
    for (i, entry) in table[first..].chunks(20).take(size).enumerate() {
        assert_eq!(entry.len(), 20);
        let entry = std::str::from_utf8(entry).unwrap();
        if i == 0 {
            assert_eq!(entry, "0000000000 65535 f \n");
            continue;
        }
        assert!(entry.ends_with(" 00000 n \n"), "{entry:?}");
        let offset: usize = entry[..10].parse().unwrap();
        assert!(
            pdf[offset..].starts_with(format!("{i} 0 obj\n").as_bytes()),
            "object {i} is not at {offset}"
        );
    }
    assert!(text(&table[first + 20 * size..]).starts_with("trailer\n<< /Size "));
    assert_eq!(number_after(&all[startxref..], "/Size "), size);

    let page_objects = all.matches("/Type /Page ").count();
    let count = number_after(&all, "/Count ");
    assert!(count > 3, "{count} pages");
    assert_eq!(count, page_objects);
    assert_eq!(count, streams(&pdf).len());
    for font in ["Helvetica", "Helvetica-Bold", "Courier"] {
        assert!(all.contains(&format!("/BaseFont /{font} /Encoding /WinAnsiEncoding")));
    }
    assert!(all.contains("/MediaBox [0 0 595.28 841.89]"));
    assert!(!all.contains("/Filter"), "content streams are uncompressed");
}

#[test]
fn info_and_id() {
    let pdf = render(&info(), &[Block::Paragraph("x".into())]);
    let all = text(&pdf);
    assert!(all.contains("/CreationDate (D:20261123140509Z)"));
    assert!(all.contains("/Producer (Inclusio)"));
    assert!(all.contains("/Author (Inclusio)"));
    assert!(all.contains("/Info 6 0 R"));
    // Non-ASCII information is UTF-16BE: "Copie du consentement" is ASCII, an accent is not.
    assert!(all.contains("/Title (Copie du consentement)"));
    let accented = DocumentInfo {
        title: "Étude".into(),
        ..info()
    };
    assert!(text(&render(&accented, &[])).contains("/Title <FEFF00C90074007500640065>"));

    let xref = find(&pdf, b"xref\n").unwrap();
    let digest: String = Sha256::digest(&pdf[..xref])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(all.contains(&format!("/ID [<{digest}> <{digest}>]")));
}

#[test]
fn same_input_same_bytes() {
    let blocks = vec![
        Block::Title("Titre".into()),
        Block::Field {
            label: "Signé le".into(),
            value: "2026-11-23 14:05 UTC".into(),
        },
        Block::Paragraph(words(400).join(" ")),
        Block::Preformatted("ab".repeat(70)),
        Block::Rule,
    ];
    let a = render(&info(), &blocks);
    assert_eq!(a, render(&info(), &blocks));
    let later = DocumentInfo {
        created: info().created + chrono::Duration::seconds(1),
        ..info()
    };
    assert_ne!(a, render(&later, &blocks));
}

#[test]
fn parentheses_and_backslashes_are_escaped() {
    let pdf = render(
        &info(),
        &[Block::Paragraph(r"f(x) = (a\b) and ) alone".into())],
    );
    let stream = text(&streams(&pdf)[0]);
    assert!(
        stream.contains(r"(f\(x\) = \(a\\b\) and \) alone) Tj"),
        "{stream}"
    );
    assert_eq!(body(&pdf)[0][0].text(), r"f(x) = (a\b) and ) alone");
}

#[test]
fn french_accents_are_cp1252_bytes() {
    let sentence = "Élève à l’hôpital : « œuvre » déjà reçue… 5 €";
    let pdf = render(&info(), &[Block::Paragraph(sentence.into())]);
    let stream = &streams(&pdf)[0];
    let expected: &[u8] = b"(\xC9l\xE8ve \xE0 l\x92h\xF4pital : \xAB \x9Cuvre \xBB d\xE9j\xE0 re\xE7ue\x85 5 \x80) Tj";
    assert!(find(stream, expected).is_some(), "{}", text(stream));
    assert_eq!(body(&pdf)[0][0].text(), sentence);
    let other = render(&info(), &[Block::Paragraph("✓ 漢字".into())]);
    assert_eq!(body(&other)[0][0].text(), "? ??");
}

#[test]
fn wrapping_keeps_every_word_within_the_width() {
    let mut input = words(1500);
    input.insert(700, "x".repeat(300));
    input.insert(10, "W".repeat(90));
    let paragraph = input.join(" ");
    let blocks = vec![
        Block::Title(words(40).join(" ")),
        Block::Heading(words(30).join(" ")),
        Block::Paragraph(paragraph.clone()),
        Block::Field {
            label: "Un libellé".into(),
            value: words(60).join(" "),
        },
        Block::Preformatted(format!("{}\n{}", "0123456789abcdef".repeat(12), "end")),
    ];
    let pdf = render(&info(), &blocks);
    let lines: Vec<TextLine> = body(&pdf).into_iter().flatten().collect();
    for line in &lines {
        assert!(
            line.width() <= TEXT_WIDTH + 1e-6,
            "{} wider than {TEXT_WIDTH}: {:?}",
            line.width(),
            line.text()
        );
    }
    // Every character, in order; every word that fits a line is whole on one line.
    let expected: String = blocks
        .iter()
        .map(|b| match b {
            Block::Title(t) | Block::Heading(t) | Block::Paragraph(t) | Block::Preformatted(t) => {
                no_whitespace(t)
            }
            Block::Field { label, value } => no_whitespace(&format!("{label}:{value}")),
            Block::Rule => String::new(),
        })
        .collect();
    assert_eq!(body_chars(&pdf), expected);
    let extracted: std::collections::HashSet<String> = lines
        .iter()
        .flat_map(|l| l.text().split(' ').map(str::to_string).collect::<Vec<_>>())
        .collect();
    for word in paragraph.split(' ').filter(|w| w.len() < 60) {
        assert!(extracted.contains(word), "{word} missing");
    }
    // The long words were broken, and lines are reasonably full.
    assert!(
        lines
            .iter()
            .any(|l| l.text() == "x".repeat(l.text().len()) && l.text().len() > 50)
    );
    let paragraph_lines: Vec<&TextLine> = lines
        .iter()
        .filter(|l| l.shown[0].font == Font::Regular && l.shown.len() == 1)
        .collect();
    let full = paragraph_lines
        .iter()
        .filter(|l| l.width() > TEXT_WIDTH * 0.85)
        .count();
    assert!(full * 10 > paragraph_lines.len() * 8, "lines badly filled");
}

#[test]
fn three_hundred_paragraphs_paginate() {
    let blocks: Vec<Block> = (1..=300)
        .map(|i| Block::Paragraph(format!("Paragraph {i}. {}", words(25 + i % 40).join(" "))))
        .collect();
    let pdf = render(&info(), &blocks);
    let all_pages = pages(&pdf);
    let total = all_pages.len();
    assert!(total > 20, "{total} pages");
    assert_eq!(number_after(&text(&pdf), "/Count "), total);
    for (i, page) in all_pages.iter().enumerate() {
        let footer: Vec<String> = page
            .iter()
            .filter(|l| l.y == FOOTER_Y)
            .map(TextLine::text)
            .collect();
        assert_eq!(
            footer,
            [
                "Inclusio — consentement signé".to_string(),
                format!("{} / {total}", i + 1)
            ]
        );
        for line in page.iter().filter(|l| l.y != FOOTER_Y) {
            assert!(line.y > BOTTOM, "a line below the bottom margin");
        }
        if i + 1 < total {
            // Full pages: 51 lines of 14 points, less the space between paragraphs.
            assert!(page.iter().filter(|l| l.y != FOOTER_Y).count() > 40);
        }
    }
    let starts: Vec<usize> = body(&pdf)
        .iter()
        .flatten()
        .filter_map(|l| l.text().strip_prefix("Paragraph ").map(str::to_string))
        .map(|rest| rest[..rest.find('.').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(starts, (1..=300).collect::<Vec<usize>>());
}

#[test]
fn headings_are_not_left_alone_at_a_page_bottom() {
    for filler in 30..80 {
        let mut blocks: Vec<Block> = (0..filler)
            .map(|i| Block::Paragraph(format!("Line {i}")))
            .collect();
        blocks.push(Block::Heading("A heading".into()));
        blocks.push(Block::Paragraph(words(50).join(" ")));
        let pdf = render(&info(), &blocks);
        for page in body(&pdf) {
            let last = page.last().unwrap();
            assert_ne!(last.text(), "A heading", "with {filler} lines before");
        }
    }
}

#[test]
fn empty_documents_have_one_page() {
    let pdf = render(&info(), &[]);
    assert_eq!(number_after(&text(&pdf), "/Count "), 1);
    assert_eq!(pages(&pdf)[0].len(), 2);
}

/// What an expected-lines file lists must be on one line of the extracted text.
fn write_sample(name: &str, info: &DocumentInfo, blocks: &[Block], expect: &[&str]) {
    let pdf = render(info, blocks);
    let lines: Vec<String> = pages(&pdf).iter().flatten().map(TextLine::text).collect();
    let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in expect {
        assert!(
            lines.iter().any(|l| normal(l).contains(&normal(want))),
            "{name}: {want:?} not on one line"
        );
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("test-output")
        .join("consent-pdf");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.pdf")), &pdf).unwrap();
    std::fs::write(
        dir.join(format!("{name}.expect.txt")),
        expect.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

#[test]
fn writes_samples_for_the_validator() {
    let hash = format!("{:x}", Sha256::digest(b"consent document v3"));
    let consent = vec![
        Block::Title("Copie de votre consentement signé".into()),
        Block::Field {
            label: "Étude".into(),
            value: "Metformine et insuffisance cardiaque (MET-HF)".into(),
        },
        Block::Field {
            label: "Version du document".into(),
            value: "3".into(),
        },
        Block::Field {
            label: "Signé le".into(),
            value: "2026-11-23 14:05 UTC".into(),
        },
        Block::Rule,
        Block::Heading("Information sur l’étude".into()),
        Block::Paragraph(
            "Cette étude évalue si la metformine, un médicament déjà utilisé dans le diabète, \
             améliore la qualité de vie des personnes atteintes d’insuffisance cardiaque. \
             La participation dure douze mois ; elle comprend quatre visites à l’hôpital et \
             deux appels téléphoniques."
                .into(),
        ),
        Block::Paragraph(
            "Vos données sont pseudonymisées : « œuvre collective » de l’équipe… \
             ni votre nom ni votre adresse ne quittent le centre investigateur.\n\
             Deuxième ligne forcée."
                .into(),
        ),
        Block::Heading("Vos droits".into()),
        Block::Paragraph(
            "Vous pouvez retirer votre consentement à tout moment, sans avoir à vous \
             justifier et sans conséquence sur vos soins."
                .into(),
        ),
        Block::Heading("Empreinte du document (SHA-256)".into()),
        Block::Preformatted(hash.clone()),
    ];
    let consent_info = DocumentInfo {
        title: "Copie de votre consentement signé".into(),
        author: "Inclusio".into(),
        created: info().created,
        footer: "Inclusio — copie du consentement signé".into(),
    };
    write_sample(
        "consent-fr",
        &consent_info,
        &consent,
        &[
            "Copie de votre consentement signé",
            "Étude: Metformine et insuffisance cardiaque (MET-HF)",
            "Version du document: 3",
            "Signé le: 2026-11-23 14:05 UTC",
            "Information sur l’étude",
            "Vos droits",
            "Deuxième ligne forcée.",
            &hash,
            "Inclusio — copie du consentement signé",
            "1 / 1",
        ],
    );

    let mut long = vec![Block::Title("Participant information sheet".into())];
    for section in 1..=12 {
        long.push(Block::Heading(format!("Section {section}")));
        for paragraph in 1..=4 {
            long.push(Block::Paragraph(format!(
                "Paragraph {section}.{paragraph}. {}",
                words(60).join(" ")
            )));
        }
    }
    long.push(Block::Field {
        label: "Reference".into(),
        value: "INC-2026-0042".into(),
    });
    let long_info = DocumentInfo {
        title: "Participant information sheet".into(),
        author: "Inclusio".into(),
        created: info().created,
        footer: "Inclusio — participant information".into(),
    };
    let pdf = render(&long_info, &long);
    let total = pages(&pdf).len();
    assert!(total >= 3);
    let last = format!("{total} / {total}");
    write_sample(
        "information-en",
        &long_info,
        &long,
        &[
            "Participant information sheet",
            "Section 1",
            "Section 12",
            "Reference: INC-2026-0042",
            "Inclusio — participant information",
            "2 / ",
            &last,
        ],
    );
}
