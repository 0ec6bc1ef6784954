//! The message catalogue: every string a page shows, in French and English, by key. Each
//! area of the site keeps its messages in its own file under `messages/`; templates call
//! `ctx.t("key")`. A test checks that every key used in a template exists, that keys are
//! unique and that no translation is empty.

pub mod lang;
pub mod messages;

pub use lang::Lang;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One message: key, English, French.
pub type Message = (&'static str, &'static str, &'static str);

static CATALOGUE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| {
        messages::ALL
            .iter()
            .flat_map(|area| area.iter())
            .map(|(k, en, fr)| (*k, (*en, *fr)))
            .collect()
    });

/// The message `key` in `lang`; the key itself when it is missing (a test forbids that).
pub fn t(lang: Lang, key: &str) -> &str {
    match CATALOGUE.get(key) {
        Some((en, fr)) => match lang {
            Lang::En => en,
            Lang::Fr => fr,
        },
        None => key,
    }
}

/// The message `key` in `lang`, if the catalogue has it (for keys built at run time).
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    CATALOGUE.get(key).map(|(en, fr)| match lang {
        Lang::En => *en,
        Lang::Fr => *fr,
    })
}

/// Whether the catalogue holds `key`.
pub fn has(key: &str) -> bool {
    CATALOGUE.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_translated() {
        let mut seen = HashSet::new();
        for (k, en, fr) in messages::ALL.iter().flat_map(|a| a.iter()) {
            assert!(seen.insert(*k), "duplicate message key {k}");
            assert!(!en.trim().is_empty(), "{k} has no English");
            assert!(!fr.trim().is_empty(), "{k} has no French");
        }
    }

    /// Every `t("…")` in a template names a message of the catalogue.
    #[test]
    fn templates_use_known_keys() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
        let mut stack = vec![root];
        let mut missing = Vec::new();
        let mut checked = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("templates folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for piece in text.split("t(\"").skip(1) {
                    let Some(key) = piece.split('"').next() else {
                        continue;
                    };
                    checked += 1;
                    if !has(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(checked > 0, "no template uses the catalogue");
        assert!(missing.is_empty(), "unknown message keys: {missing:#?}");
    }

    #[test]
    fn missing_keys_show_themselves() {
        assert_eq!(t(Lang::Fr, "no.such.key"), "no.such.key");
        assert_eq!(t(Lang::En, "nav.login"), "Log in");
        assert_eq!(t(Lang::Fr, "nav.login"), "Se connecter");
    }
}
