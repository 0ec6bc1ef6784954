//! Helpers shared by the data-driven test binaries (`cases.rs`, `records.rs`).

use std::path::{Path, PathBuf};
use trials::CriterionResult;

/// The `.json` files of a folder, sorted by name.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// The criterion with this id, at any depth.
pub fn find<'a>(list: &'a [CriterionResult], id: &str) -> Option<&'a CriterionResult> {
    list.iter().find_map(|c| {
        if c.id == id {
            Some(c)
        } else {
            find(&c.children, id)
        }
    })
}
