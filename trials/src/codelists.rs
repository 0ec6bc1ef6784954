//! Bundled code lists for picking codes while writing criteria: ICPC-2 (chapters, symptoms
//! and complaints, diagnoses; English titles and French CISP-2 titles), ATC (levels 1–3, and
//! common primary-care level-4 groups and level-5 substances) and LOINC (the codes of the
//! observation [`catalogue`](crate::catalogue)); RxNorm, CVX and SNOMED CT offer the codes of
//! the [`crosswalk`](crate::crosswalk) tables with their English names. ICD-10 and ICD-10-CM
//! have no bundled list: a code typed in a valid format comes back as one result marked
//! [`Source::FormatChecked`].
//!
//! The lists are TSV files under `trials/data/`, compiled in. [`search`] matches code
//! prefixes and, ignoring case and accents, the words of the titles in both languages.

use crate::catalogue;
use crate::codes::CodeSystem;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One entry of a bundled list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The code, without dots (`T90`, `A10BA02`, `4548-4`).
    pub code: &'static str,
    /// English title.
    pub en: &'static str,
    /// French title (the English one when the list has none).
    pub fr: &'static str,
}

/// Where a result comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An entry of a bundled list, with its titles.
    Bundled,
    /// Not in a bundled list: the code has a valid format for its system, nothing more is
    /// known of it.
    FormatChecked,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeMatch {
    /// The system's canonical URI (what a code-set entry's `system` takes).
    pub system: String,
    /// The code, as a criterion would write it (`T90`, `E11.9`).
    pub code: String,
    /// English title (empty for a format-checked code).
    pub title_en: String,
    /// French title (empty for a format-checked code).
    pub title_fr: String,
    /// Bundled, or format-checked only.
    pub source: Source,
}

const ICPC2_TSV: &str = include_str!("../data/icpc2.tsv");
const ATC_TSV: &str = include_str!("../data/atc.tsv");
/// The codes and English names of the crosswalk table whose source system is `system`:
/// the codes the engine reads through a crosswalk.
fn crosswalk_names(system: CodeSystem) -> Vec<Entry> {
    let Some(text) = crate::crosswalk::table_text(system) else {
        return Vec::new();
    };
    crate::crosswalk::rows(text)
        .filter_map(|l| {
            let mut cells = l.split('\t');
            let code = cells.next()?.trim();
            let name = cells.next()?.trim();
            Some(Entry {
                code,
                en: name,
                fr: name,
            })
        })
        .collect()
}

fn parse(tsv: &'static str) -> Vec<Entry> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cells = l.split('\t');
            let code = cells.next()?.trim();
            let en = cells.next()?.trim();
            let fr = cells.next().map(str::trim).filter(|f| !f.is_empty());
            Some(Entry {
                code,
                en,
                fr: fr.unwrap_or(en),
            })
        })
        .collect()
}

/// The bundled list of a system (empty for ICD-10 and ICD-10-CM; for RxNorm, CVX and
/// SNOMED CT, the codes of the crosswalk tables).
pub fn entries(system: CodeSystem) -> &'static [Entry] {
    static ICPC2: OnceLock<Vec<Entry>> = OnceLock::new();
    static ATC: OnceLock<Vec<Entry>> = OnceLock::new();
    static LOINC: OnceLock<Vec<Entry>> = OnceLock::new();
    static RXNORM: OnceLock<Vec<Entry>> = OnceLock::new();
    static CVX: OnceLock<Vec<Entry>> = OnceLock::new();
    static SNOMED: OnceLock<Vec<Entry>> = OnceLock::new();
    match system {
        CodeSystem::Icpc2 => ICPC2.get_or_init(|| parse(ICPC2_TSV)),
        CodeSystem::Atc => ATC.get_or_init(|| parse(ATC_TSV)),
        CodeSystem::Loinc => LOINC.get_or_init(|| {
            catalogue::KINDS
                .iter()
                .map(|k| Entry {
                    code: k.code,
                    en: k.name_en,
                    fr: k.name_fr,
                })
                .collect()
        }),
        CodeSystem::RxNorm => RXNORM.get_or_init(|| crosswalk_names(CodeSystem::RxNorm)),
        CodeSystem::Cvx => CVX.get_or_init(|| crosswalk_names(CodeSystem::Cvx)),
        CodeSystem::Snomed => SNOMED.get_or_init(|| crosswalk_names(CodeSystem::Snomed)),
        CodeSystem::Icd10 | CodeSystem::Icd10Cm => &[],
    }
}

/// The bundled entry of a code (normalised form), if any.
pub fn lookup(system: CodeSystem, code: &str) -> Option<&'static Entry> {
    let code = system.normalize(code).ok()?;
    entries(system).iter().find(|e| {
        system
            .normalize(e.code)
            .is_ok_and(|n| n.as_str() == code.as_str())
    })
}

/// Lower case without accents: `Diabète` → `diabete`, `Œil` → `oeil`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            '’' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// `E119` → `E11.9`: ICD-10 codes are shown with their dot.
fn icd10_display(normalised: &str) -> String {
    if normalised.len() > 3 {
        format!("{}.{}", &normalised[..3], &normalised[3..])
    } else {
        normalised.to_string()
    }
}

/// Searches `system`'s codes for `query`, best first, at most `limit` results.
///
/// Ranking: the exact code, then codes starting with the query (shorter codes first), then
/// entries whose titles (English or French, case and accents ignored) hold a word starting
/// with each word of the query, then titles containing the query. A code of a valid format
/// that no bundled entry holds (an ICD-10 code, an ICPC-2 extension) comes last, as one
/// [`Source::FormatChecked`] result. An empty query lists the first codes of the list.
pub fn search(system: CodeSystem, query: &str, limit: usize) -> Vec<CodeMatch> {
    let query = query.trim();
    let code_query: String = query
        .chars()
        .filter(|c| !matches!(c, '.' | ' '))
        .flat_map(char::to_uppercase)
        .collect();
    let query_words = words(query);
    let folded = fold(query);
    let mut scored: Vec<(u8, &Entry)> = Vec::new();
    for e in entries(system) {
        let code = e.code.replace('.', "");
        let score = if query.is_empty() {
            Some(1)
        } else if code == code_query {
            Some(0)
        } else if !code_query.is_empty() && code.starts_with(&code_query) {
            Some(1)
        } else {
            let title_words: Vec<String> = words(e.en).into_iter().chain(words(e.fr)).collect();
            if !query_words.is_empty()
                && query_words
                    .iter()
                    .all(|q| title_words.iter().any(|w| w.starts_with(q.as_str())))
            {
                Some(2)
            } else if folded.chars().count() >= 3
                && (fold(e.en).contains(&folded) || fold(e.fr).contains(&folded))
            {
                Some(3)
            } else {
                None
            }
        };
        if let Some(s) = score {
            scored.push((s, e));
        }
    }
    scored.sort_by(|(sa, a), (sb, b)| {
        sa.cmp(sb)
            .then(a.code.len().cmp(&b.code.len()))
            .then(a.code.cmp(b.code))
    });
    let exact = scored.iter().any(|(s, _)| *s == 0);
    let mut out: Vec<CodeMatch> = scored
        .into_iter()
        .take(limit)
        .map(|(_, e)| CodeMatch {
            system: system.uri().to_string(),
            code: e.code.to_string(),
            title_en: e.en.to_string(),
            title_fr: e.fr.to_string(),
            source: Source::Bundled,
        })
        .collect();
    if !exact
        && out.len() < limit
        && system != CodeSystem::Loinc
        && let Ok(code) = system.normalize(query)
    {
        let code = match system {
            CodeSystem::Icd10 | CodeSystem::Icd10Cm => icd10_display(code.as_str()),
            _ => code.as_str().to_string(),
        };
        out.push(CodeMatch {
            system: system.uri().to_string(),
            code,
            title_en: String::new(),
            title_fr: String::new(),
            source: Source::FormatChecked,
        });
    }
    out
}

#[cfg(test)]
mod crosswalk_lists {
    use super::*;

    #[test]
    fn crosswalk_systems_offer_their_codes_by_code_and_word() {
        let metformin = search(CodeSystem::RxNorm, "metformin", 50);
        assert!(
            metformin.iter().any(|m| m.code == "861007"),
            "{metformin:?}"
        );
        assert!(metformin.iter().all(|m| m.source == Source::Bundled));
        assert_eq!(search(CodeSystem::RxNorm, "861007", 5)[0].code, "861007");
        assert!(!search(CodeSystem::Snomed, "diabetes", 10).is_empty());
        assert!(
            search(CodeSystem::Cvx, "influenza", 10)
                .iter()
                .any(|m| m.code == "140")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(results: &[CodeMatch]) -> Vec<&str> {
        results.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn every_bundled_code_fits_its_system_and_appears_once() {
        for system in [CodeSystem::Icpc2, CodeSystem::Atc, CodeSystem::Loinc] {
            let list = entries(system);
            assert!(list.len() > 30, "{system:?}");
            let mut seen = std::collections::HashSet::new();
            for e in list {
                assert!(system.normalize(e.code).is_ok(), "{system:?} {}", e.code);
                assert!(seen.insert(e.code), "{system:?} {} twice", e.code);
                assert!(!e.en.is_empty() && !e.fr.is_empty(), "{}", e.code);
            }
        }
    }

    #[test]
    fn icpc2_holds_every_chapter_and_its_diagnoses() {
        let list = entries(CodeSystem::Icpc2);
        assert!(list.len() >= 680, "{}", list.len());
        for chapter in "ABDFHKLNPRSTUWXYZ".chars() {
            let c = chapter.to_string();
            assert!(list.iter().any(|e| e.code == c), "chapter {c}");
            let diagnoses = list
                .iter()
                .filter(|e| {
                    e.code.starts_with(chapter) && e.code.len() == 3 && e.code[1..] >= *"70"
                })
                .count();
            assert!(chapter == 'Z' || diagnoses >= 9, "{c}: {diagnoses}");
        }
    }

    #[test]
    fn atc_levels_one_to_three_are_there() {
        let list = entries(CodeSystem::Atc);
        let level = |n: usize| list.iter().filter(|e| e.code.len() == n).count();
        assert_eq!(level(1), 14);
        assert!(level(3) >= 90, "{}", level(3));
        assert!(level(4) >= 250, "{}", level(4));
        // Every level-3 group sits under a listed level-2 group, and so on up.
        for e in list.iter().filter(|e| e.code.len() > 1) {
            let parent = match e.code.len() {
                3 => &e.code[..1],
                4 => &e.code[..3],
                5 => &e.code[..4],
                _ => &e.code[..4],
            };
            assert!(
                list.iter().any(|p| p.code == parent),
                "{} has no parent {parent}",
                e.code
            );
        }
    }

    #[test]
    fn search_ranks_codes_then_words() {
        let r = search(CodeSystem::Icpc2, "T90", 5);
        assert_eq!(r[0].code, "T90");
        assert_eq!(r[0].title_fr, "Diabète non insulino-dépendant");
        let r = search(CodeSystem::Icpc2, "k8", 50);
        assert_eq!(&codes(&r)[..3], ["K80", "K81", "K82"]);
        // French words, without accents or case.
        let r = search(CodeSystem::Icpc2, "diabete", 10);
        assert_eq!(codes(&r), ["T89", "T90", "W85"]);
        let r = search(CodeSystem::Icpc2, "INSUFFISANCE card", 10);
        assert_eq!(codes(&r), ["K77"]);
        let r = search(CodeSystem::Atc, "metformine", 10);
        assert_eq!(codes(&r), ["A10BA02"]);
        let r = search(CodeSystem::Atc, "a10b", 3);
        assert_eq!(codes(&r), ["A10B", "A10BA", "A10BB"]);
        let r = search(CodeSystem::Loinc, "hba1c", 10);
        assert_eq!(codes(&r), ["4548-4", "17856-6", "59261-8"]);
        let r = search(CodeSystem::Loinc, "pression arterielle", 10);
        assert_eq!(codes(&r), ["8462-4", "8480-6"]);
        assert!(search(CodeSystem::Icpc2, "zzzz", 10).is_empty());
        assert_eq!(search(CodeSystem::Icpc2, "", 4).len(), 4);
    }

    #[test]
    fn icd10_is_checked_by_format_only() {
        let r = search(CodeSystem::Icd10, "e11.9", 10);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, "E11.9");
        assert_eq!(r[0].source, Source::FormatChecked);
        assert_eq!(r[0].system, crate::codes::ICD10_URI);
        assert!(search(CodeSystem::Icd10, "E1", 10).is_empty());
        let cm = search(CodeSystem::Icd10Cm, "e11.65", 10);
        assert_eq!(cm[0].code, "E11.65");
        assert_eq!(cm[0].source, Source::FormatChecked);
        assert!(search(CodeSystem::Icd10, "diabetes", 10).is_empty());
        // An ICPC-2 extension is valid but not bundled.
        let r = search(CodeSystem::Icpc2, "K86.01", 10);
        assert_eq!(r.last().map(|m| m.source), Some(Source::FormatChecked));
        assert_eq!(r.last().map(|m| m.code.as_str()), Some("K8601"));
    }

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("Œil Été Çà"), "oeil ete ca");
        assert_eq!(
            lookup(CodeSystem::Icpc2, "t90").map(|e| e.en),
            Some("Diabetes non-insulin dependent")
        );
    }
}
